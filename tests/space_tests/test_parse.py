"""Parse rules for documents and entries: shapes, _types, choice entries, collecting every error, files."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nastuners.exceptions import SearchSpaceError
from nastuners.space import SearchSpace, load_space

from ._docs import AC4_AND_LR, B, L, issues_of, layer, only_issue, space_of


def test_valid_ac_spaces_parse_and_round_trip() -> None:
    doc = AC4_AND_LR
    space = SearchSpace.from_json(doc)
    assert space.to_json() == doc
    assert [b.key for b in space.blocks] == ["trial/mutable_block_24"]
    assert [(la.name, la.size_lo, la.size_hi) for la in space.layers] == [
        ("mutable_layer_0", 0, 0),
        ("mutable_layer_1", 0, 1),
    ]
    assert space.params[0].key == "trial/lr/choice" and space.params[0].options == (0.1, 0.01)
    assert [d.kind for d in space.decisions] == ["choice", "op", "op", "inputs"]
    # 2 lr options * 3 ops * 3 ops * (1 empty + 2 singletons)
    assert space.cardinality == 2 * 3 * 3 * 3
    # layers are hashable (size kept as a tuple internally), the output list is a fresh object
    assert len({*space.layers}) == 2
    out = space.to_json()
    out["trial/mutable_block_24"]["_value"]["mutable_layer_1"]["optional_input_size"].append(7)
    assert space.to_json() == doc


def test_unwrapped_v09_form_is_accepted_and_wrapped_on_output() -> None:
    unwrapped = {B: {"mutable_layer_0": layer()}}
    space = SearchSpace.from_json(unwrapped)
    assert space.blocks[0].wrapped is False
    assert space.to_json() == space_of(layer())
    assert space == SearchSpace.from_json(space_of(layer()))


@pytest.mark.parametrize("doc", [[], "space", 3, None])
def test_non_object_document(doc: Any) -> None:
    issue = only_issue(doc)
    assert issue.path == "$"
    assert "expected a JSON object" in issue.message and type(doc).__name__ in issue.message


def test_empty_document() -> None:
    issue = only_issue({})
    assert issue.path == "$" and "empty" in issue.message and "mutable_layer" in issue.message


@pytest.mark.parametrize("kind", ["uniform", "randint", "loguniform", "qnormal", "input_choice"])
def test_known_unsupported_types(kind: str) -> None:
    issue = only_issue({"trial/x/" + kind: {"_type": kind, "_value": [0, 1]}})
    assert issue.path == f'$["trial/x/{kind}"]["_type"]'
    assert f'_type "{kind}" is not supported' in issue.message and "choice" in issue.message


@pytest.mark.parametrize(
    ("kind", "hint"),
    [("mutable_layers", "did you mean 'mutable_layer'?"), ("choise", "did you mean 'choice'?"), (3, "got")],
)
def test_unknown_types(kind: Any, hint: str) -> None:
    issue = only_issue({"k": {"_type": kind, "_value": []}})
    assert issue.path == '$["k"]["_type"]' and "unknown _type" in issue.message
    assert "expected one of: mutable_layer, choice" in issue.message
    if kind != 3:
        assert hint in issue.message


def test_entry_shape_errors() -> None:
    issues = issues_of(
        {
            "a": 3,
            "b": {"_value": {}},
            "c": {"_type": "mutable_layer"},
            "d": {"_type": "mutable_layer", "_value": [1]},
            "e": {"_type": "mutable_layer", "_value": {}},
            "f": {"_type": "choice", "_value": [1], "extra": 1},
            "g": {"_type": "mutable_layer", "_value": {"l": "x"}},
        }
    )
    by_path = {i.path: i.message for i in issues}
    assert list(by_path) == [
        '$["a"]',
        '$["b"]',
        '$["c"]',
        '$["d"]["_value"]',
        '$["e"]["_value"]',
        '$["f"]',
        '$["g"]["_value"]["l"]',
    ]
    assert 'expected an object with "_type" and "_value", got 3' in by_path['$["a"]']
    assert 'missing "_type"' in by_path['$["b"]']
    assert 'has no "_value"' in by_path['$["c"]']
    assert "mapping layer ids to layers, got [1]" in by_path['$["d"]["_value"]']
    assert "at least one layer" in by_path['$["e"]["_value"]']
    assert "unexpected keys ['extra']" in by_path['$["f"]']
    assert "a layer must be an object" in by_path['$["g"]["_value"]["l"]']


@pytest.mark.parametrize(
    ("value", "path_suffix", "expected"),
    [
        ([], "", "non-empty list of options, got []"),
        ("a", "", 'non-empty list of options, got "a"'),
        ([1, [2]], "[1]", "not a number, string, boolean or null"),
        ([1, {"a": 1}], "[1]", "not a number, string, boolean or null"),
        ([1, 2, 1], "[2]", "duplicate option 1 (same as option 0)"),
        ([1, 1.0], "[1]", "duplicate option 1.0"),
        (["a", "a"], "[1]", 'duplicate option "a"'),
        ([0.5, float("nan")], "[1]", "not a finite number"),
    ],
)
def test_choice_entry_errors(value: Any, path_suffix: str, expected: str) -> None:
    issue = only_issue({"trial/x/choice": {"_type": "choice", "_value": value}})
    assert issue.path == '$["trial/x/choice"]["_value"]' + path_suffix
    assert expected in issue.message


def test_choice_entry_mixed_scalars_are_distinct() -> None:
    space = SearchSpace.from_json({"k": {"_type": "choice", "_value": [1, True, "1", None, 0, False, 1.5]}})
    assert space.cardinality == 7 and [d.kind for d in space.decisions] == ["choice"]


def test_non_string_keys_from_python_callers() -> None:
    issues = issues_of(
        {1: {"_type": "choice", "_value": [1]}, B: {"_type": "mutable_layer", "_value": {2: layer()}}}
    )
    assert [i.path for i in issues] == ["$[1]", f'$["{B}"]["_value"][2]']
    assert "must be strings" in issues[0].message and "must be strings" in issues[1].message


def test_all_errors_of_a_document_are_collected() -> None:
    doc = {
        B: {
            "_type": "mutable_layer",
            "_value": {
                "mutable_layer_0": {
                    "layer_choice": [],
                    "optional_inputs": ["a", 2],
                    "optional_input_size": [2, 1],
                    "layer_output": "y",
                },
                "mutable_layer_1": {
                    "layer_choice": ["f()", 1],
                    "optional_inputs": [],
                    "optional_input_size": 3,
                },
                "mutable_layer_2": {
                    "layer_choice": ["ok()"],
                    "optional_inputs": ["a"],
                    "optional_input_size": 1,
                },
            },
        },
        "trial/lr/uniform": {"_type": "uniform", "_value": [0, 1]},
        "trial/lr/choice": {"_type": "choice", "_value": []},
    }
    issues = issues_of(doc)
    assert [i.path for i in issues] == [
        f'{L}["layer_output"]',
        f'{L}["layer_choice"]',
        f'{L}["optional_inputs"][1]',
        f'{L}["optional_input_size"]',
        f'$["{B}"]["_value"]["mutable_layer_1"]["layer_choice"][1]',
        f'$["{B}"]["_value"]["mutable_layer_1"]["optional_input_size"]',
        '$["trial/lr/uniform"]["_type"]',
        '$["trial/lr/choice"]["_value"]',
    ]
    text = str(SearchSpaceError(issues, source="s.json"))
    assert text.startswith("s.json: invalid search space (8 problems):")
    assert all(f"  - {i.path}: {i.message}" in text for i in issues)


def test_from_json_passes_spaces_through() -> None:
    space = SearchSpace.from_json(space_of(layer()))
    assert SearchSpace.from_json(space) is space


def test_load_space_errors_name_the_file(tmp_path: Any) -> None:
    good = tmp_path / "space.json"
    good.write_text(json.dumps(space_of(layer())), encoding="utf-8")
    assert load_space(good).cardinality == 2 * 2
    cases = {
        "missing.json": None,
        "broken.json": b'{"a": ',
        "latin1.json": '{"\xe9": 1}'.encode("latin-1"),
        "bad.json": json.dumps(space_of(layer(layer_choice=[]))).encode(),
    }
    expected = {
        "missing.json": "cannot read the file",
        "broken.json": "not valid JSON: Expecting value at line 1",
        "latin1.json": "not UTF-8",
        "bad.json": "layer_choice is empty",
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(SearchSpaceError) as info:
            load_space(path)
        assert info.value.source == str(path)
        assert str(info.value).startswith(f"{path}: invalid search space")
        assert expected[name] in str(info.value)
