"""oneshot/darts experiments (a supernet per trial): `best`, `export --code` and `trial codegen` use the
architecture the trial reported with its final result, never a parameter it fetched but did not use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from exp_helpers import run_cli
from test_annotated import CODE, expected

from nastuners.annotation import generate_search_space
from nastuners.experiment.config import load_config
from nastuners.experiment.store import Store


def _experiment(tmp_path: Path, nas_mode: str, fetched: dict, final: object) -> Path:
    """A stored experiment (real SQLite, as the runner writes it) whose one trial fetched ``fetched`` and
    reported ``final``; TensorFlow is not needed to read it back."""
    doc = yaml.safe_load((CODE / "config.yml").read_text())
    doc["trial"].update(codeDir=str(CODE), nasMode=nas_mode)
    cfg_path = tmp_path / "config.yml"
    cfg_path.write_text(yaml.safe_dump(doc))
    config = load_config(cfg_path, {})
    exp = tmp_path / "exp"
    exp.mkdir()
    store = Store(exp, create=True)
    store.create_experiment("supnt", "toy", config.to_dict(), generate_search_space(CODE), str(CODE))
    store.add_trial("aaaaa", 0, 0, fetched, str(exp / "trials" / "aaaaa"))
    store.add_metric("aaaaa", 0, "final", final)
    store.end_trial("aaaaa", "SUCCEEDED", 0, None)
    store.set_status("DONE")
    store.close()
    return exp


def _architecture(space_key: str, op0: str, op1: str, inputs: list[str]) -> dict:
    return {space_key: {"mutable_layer_0": {"chosen_layer": op0, "chosen_inputs": []},
                        "mutable_layer_1": {"chosen_layer": op1, "chosen_inputs": inputs}}}


@pytest.mark.parametrize("fetched", ["nothing", "tuner"], ids=["tunerless", "nni_tuner"])
def test_darts_best_and_code_are_the_reported_architecture(tmp_path: Path, capsys, fetched: str) -> None:
    (key,) = generate_search_space(CODE)
    derived = _architecture(key, "square()", "shift(k=1)", ["x"])
    unused = _architecture(key, "scale(k=2)", "scale(k=2)", []) if fetched == "tuner" else {}
    exp = _experiment(tmp_path, "darts_mode", unused, {"default": 0.9, "architecture": derived})
    capsys.readouterr()
    assert run_cli("experiment", "best", str(exp)) == 0
    assert json.loads(capsys.readouterr().out) == derived
    assert run_cli("experiment", "trials", str(exp)) == 0
    assert "0.9 " in capsys.readouterr().out  # the table shows the dict result by its default
    for args in (["experiment", "export", str(exp), "--code", "-o", str(tmp_path / "best")],
                 ["trial", "codegen", str(exp), "--trial-id", "aaaaa", "-o", str(tmp_path / "t")]):
        assert run_cli(*args) == 0, args
        out = Path(args[-1])
        result = subprocess.run([sys.executable, "-S", "trial.py"], cwd=out, capture_output=True, text=True,
                                check=True, env={"PYTHONPATH": str(Path(np.__file__).parent.parent)})
        assert f"nni.report_final_result:  {expected(derived)}" in result.stdout


def test_oneshot_without_reported_architecture_is_a_clear_error(tmp_path: Path, capsys) -> None:
    (key,) = generate_search_space(CODE)
    exp = _experiment(tmp_path, "oneshot_mode", _architecture(key, "scale(k=2)", "shift(k=1)", []), 0.8)
    capsys.readouterr()
    assert run_cli("experiment", "best", str(exp)) == 0
    assert json.loads(capsys.readouterr().out) == {}  # the fetched parameter was never used
    assert run_cli("experiment", "export", str(exp), "--code", "-o", str(tmp_path / "o")) == 2
    err = capsys.readouterr().err
    assert "trial aaaaa has no architecture" in err and "'architecture'" in err
