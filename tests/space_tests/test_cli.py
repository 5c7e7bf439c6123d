"""``nastune space validate | info | sample`` through ``nastuners.cli.main.main``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nastuners.cli.main import main
from nastuners.space import SearchSpace

from ._docs import AC4_AND_LR


def write(tmp_path: Path, doc: Any, name: str = "space.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, AC4_AND_LR)
    code, out, err = run(capsys, "space", "validate", path)
    assert (code, err) == (0, "")
    assert path in out and "ok" in out and "54 architectures" in out


def test_validate_lists_every_error_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(json.dumps(AC4_AND_LR))
    doc["trial/lr/choice"]["_value"] = []
    layers = doc["trial/mutable_block_24"]["_value"]
    layers["mutable_layer_0"]["layer_choice"] = []
    layers["mutable_layer_1"]["optional_input_size"] = [2, 1]
    layers["mutable_layer_1"]["fixed_inputs"] = ["x"]
    doc["trial/x/uniform"] = {"_type": "uniform", "_value": [0, 1]}
    path = write(tmp_path, doc)
    code, out, err = run(capsys, "space", "validate", path)
    assert code == 2 and out == ""
    assert "Traceback" not in err
    assert f"{path}: invalid search space (5 problems):" in err
    for fragment in (
        '$["trial/lr/choice"]["_value"]: a choice needs a non-empty list',
        '["mutable_layer_0"]["layer_choice"]: layer_choice is empty',
        '["mutable_layer_1"]["optional_input_size"]: optional_input_size range should be',
        '["mutable_layer_1"]["fixed_inputs"]: \'fixed_inputs\' belongs to the',
        '$["trial/x/uniform"]["_type"]: _type "uniform" is not supported',
    ):
        assert fragment in err


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read the file"), ("{", "not valid JSON"), ("[]", "expected a JSON object")],
)
def test_validate_unreadable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "s.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "space", "validate", str(path))
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_info_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, AC4_AND_LR)
    code, out, _ = run(capsys, "space", "info", path)
    assert code == 0
    assert (
        "block trial/mutable_block_24" in out
        and "mutable_layer_1: 3 ops, 2 optional inputs, choose [0, 1]" in out
    )
    assert "choice trial/lr/choice: 2 options" in out and "cardinality: 54" in out
    code, out, _ = run(capsys, "space", "info", path, "--json")
    info = json.loads(out)
    assert code == 0 and info["cardinality"] == 54 and info["layers"] == 2
    assert [(d["kind"], d["categories"]) for d in info["decisions"]] == [
        ("choice", 2),
        ("op", 3),
        ("op", 3),
        ("inputs", 3),
    ]
    assert info["blocks"][0]["layers"][1] == {
        "name": "mutable_layer_1",
        "ops": 3,
        "optional_inputs": 2,
        "size": [0, 1],
    }


def test_info_json_huge_cardinality_is_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = [f"i{j}" for j in range(30)]
    doc = {
        "b": {
            "_type": "mutable_layer",
            "_value": {
                f"l{i}": {
                    "layer_choice": ["f()", "g()", "h()"],
                    "optional_inputs": names,
                    "optional_input_size": [0, 30],
                }
                for i in range(40)
            },
        }
    }
    code, out, _ = run(capsys, "space", "info", write(tmp_path, doc), "--json")
    assert code == 0
    assert int(json.loads(out)["cardinality"]) == (3 * 2**30) ** 40 == SearchSpace.from_json(doc).cardinality


def test_sample_emits_valid_deterministic_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, AC4_AND_LR)
    space = SearchSpace.from_json(AC4_AND_LR)
    code, out, err = run(capsys, "space", "sample", path, "--tuner", "random", "-n", "20", "--seed", "5")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 20
    docs = [json.loads(line) for line in lines]
    for doc in docs:
        space.validate_choice(doc)
    assert len({space.canonical_key(d) for d in docs}) == 20  # random never repeats while unseen ones remain
    assert run(capsys, "space", "sample", path, "-n", "20", "--seed", "5")[1] == out
    assert run(capsys, "space", "sample", path, "-n", "20", "--seed", "6")[1] != out


def test_sample_exhausts_a_tiny_space(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, {"b": {"l": {"layer_choice": ["f()", "g()"]}}})
    code, out, err = run(capsys, "space", "sample", path, "-n", "5", "--seed", "1")
    assert code == 0
    assert sorted(json.loads(line)["b"]["l"]["chosen_layer"] for line in out.splitlines()) == ["f()", "g()"]
    assert "no more architectures after 2" in err


def test_sample_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, AC4_AND_LR)
    code, out, err = run(capsys, "space", "sample", path, "--tuner", "randmo")
    assert code == 2 and out == "" and "randmo" in err and "Traceback" not in err
    code, _, err = run(capsys, "space", "sample", path, "--tuner-args", "[1]")
    assert code == 2 and "--tuner-args: expected a JSON object" in err
    code, _, err = run(capsys, "space", "sample", write(tmp_path, {}, "empty.json"))
    assert code == 2 and "is empty" in err


@pytest.mark.parametrize("n", ["0", "-1", "two"])
def test_sample_refuses_a_count_below_one(tmp_path: Path, capsys: pytest.CaptureFixture[str], n: str) -> None:
    """`-n 0`, `-n -1` or `-n two` is a usage error (exit 2), not a silent success printing nothing."""
    path = write(tmp_path, AC4_AND_LR)
    with pytest.raises(SystemExit) as info:
        main(["space", "sample", path, "-n", n])
    out, err = capsys.readouterr()
    assert info.value.code == 2 and out == ""
    assert "argument -n: expected an integer >= 1" in err
