"""Reading search-space files strictly: repeated JSON keys are errors naming the key, the JSON path and the file;
choice documents name a missing "chosen_inputs"."""

# ruff: noqa: E501
from __future__ import annotations

from pathlib import Path

import pytest

from nastuners.cli.main import main
from nastuners.exceptions import ChoiceError, SearchSpaceError
from nastuners.space import SearchSpace, load_space, read_space_json

LAYER = '{"layer_choice": ["a()"], "optional_inputs": [], "optional_input_size": 0}'


def test_repeated_top_level_key_is_an_error_in_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"m/b_1": {"_type": "mutable_layer", "_value": {"mutable_layer_0": ' + LAYER + '}},\n'
                    ' "m/b_1": {"_type": "choice", "_value": [1]}}')
    assert main(["space", "validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"nastune: error: {path}: invalid search space (1 problem):\n"
                   '  - $["m/b_1"]: duplicate key "m/b_1" (2 times in this object): JSON keeps only the last, so '
                   "the others would be silently dropped; merge them or rename one\n")


def test_repeated_keys_are_found_at_every_level(tmp_path: Path) -> None:
    path = tmp_path / "nested.json"
    path.write_text('{"m/b": {"_type": "mutable_layer", "_value": {"mutable_layer_0": ' + LAYER + ','
                    ' "mutable_layer_0": ' + LAYER + '}},'
                    ' "m/c": {"_type": "choice", "_type": "choice", "_value": [{"x": 1, "x": 2}]}}')
    with pytest.raises(SearchSpaceError) as info:
        load_space(path)
    assert info.value.source == str(path)
    assert [i.path for i in info.value.issues] == [
        '$["m/b"]["_value"]["mutable_layer_0"]', '$["m/c"]["_type"]', '$["m/c"]["_value"][0]["x"]']
    assert all("duplicate key" in i.message for i in info.value.issues)
    with pytest.raises(SearchSpaceError):
        read_space_json(path)


def test_read_space_json_returns_plain_documents(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text('{"m/b": {"_type": "mutable_layer", "_value": {"mutable_layer_0": ' + LAYER + '}}}')
    doc = read_space_json(path)
    assert type(doc) is dict and type(doc["m/b"]["_value"]) is dict
    assert load_space(path) == SearchSpace.from_json(doc)


def test_missing_chosen_inputs_is_named_when_the_layer_has_inputs() -> None:
    space = SearchSpace.from_json({"b": {"_type": "mutable_layer", "_value": {
        "l0": {"layer_choice": ["f()"], "optional_inputs": ["x", "y"], "optional_input_size": [1, 2]},
        "l1": {"layer_choice": ["g()"], "optional_inputs": [], "optional_input_size": 0}}}})
    with pytest.raises(ChoiceError) as info:
        space.validate_choice({"b": {"l0": {"chosen_layer": "f()", "chosen_input": ["x"]},
                                     "l1": {"chosen_layer": "g()"}}}, source="c.json")
    assert [str(i) for i in info.value.issues] == [
        '$["b"]["l0"]["chosen_input"]: unexpected key "chosen_input"; did you mean \'chosen_inputs\'? a layer '
        'choice has only "chosen_layer" and "chosen_inputs": rename or remove it',
        '$["b"]["l0"]: missing "chosen_inputs"; add "chosen_inputs": a list of 1 to 2 of [\'x\', \'y\']']
    assert str(info.value).startswith("c.json: invalid choice (2 problems):")
    # a layer without optional inputs needs no "chosen_inputs"
    assert space.encode({"b": {"l0": {"chosen_layer": "f()", "chosen_inputs": ["y"]},
                               "l1": {"chosen_layer": "g()"}}}) == (0, 1, 0)
