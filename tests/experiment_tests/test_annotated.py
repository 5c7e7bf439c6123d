"""An annotated toy trial (numpy ops) through `nastune run` with registered tuners, then export --code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from exp_helpers import dumps, export, only_experiment, run_cli

from nastuners.experiment import lookup_trial
from nastuners.experiment.store import Store

CODE = Path(__file__).parent / "toy_annotated"
CONFIG = CODE / "config.yml"


def expected(params: dict[str, Any]) -> float:
    """What toy_annotated/trial.py reports for an architecture (written independently of the trial)."""
    (block,) = params.values()
    x = np.arange(4.0)
    ops = {"scale(k=2)": lambda v: v * 2, "shift(k=1)": lambda v: v + 1, "square()": lambda v: v ** 2}
    l0 = ops[block["mutable_layer_0"]["chosen_layer"]](x)
    chosen = l0 + sum(x for _ in block["mutable_layer_1"]["chosen_inputs"])
    return float(ops[block["mutable_layer_1"]["chosen_layer"]](chosen).sum())


@pytest.mark.parametrize("tuner", ["random", "evolution"])
def test_annotated_trial_runs_to_completion(home: Path, tuner: str, capsys) -> None:
    """useAnnotation: the code is expanded into the experiment dir (not in place); 12 right results."""
    before = {p: p.read_text() for p in CODE.iterdir()}
    assert run_cli("run", str(CONFIG), "--quiet", "--tuner", tuner, "--seed", "3") == 0
    exp = only_experiment(home)
    assert {p: p.read_text() for p in CODE.iterdir()} == before  # the user's code is never written
    assert "import trial_runtime as nni" in (exp / "code" / "trial.py").read_text()
    space = json.loads((exp / "search_space.json").read_text())
    (key,) = space
    assert key.startswith("trial/mutable_block_")
    records = export(exp)
    assert len(records) == 12
    for rec in records:
        assert rec["value"] == pytest.approx(expected(rec["parameter"]))
    if tuner == "random":  # random search never repeats while unseen architectures remain: the whole space
        assert len({dumps(r["parameter"]) for r in records}) == 12
    store = Store(exp)
    assert {t.status for t in store.trials()} == {"SUCCEEDED"}
    assert store.tuner_state() is not None  # nastune tuners are snapshotted


def test_export_code_and_lookup_trial(home: Path, tmp_path: Path, capsys) -> None:
    """export --code writes standalone code of the best architecture; it runs without nastune and prints
    the best value; lookup_trial gives the user's code dir and a trial's parameters."""
    assert run_cli("run", str(CONFIG), "--quiet", "--tuner", "random", "--seed", "1") == 0
    exp = only_experiment(home)
    capsys.readouterr()
    out = tmp_path / "best_code"
    assert run_cli("experiment", "export", exp.name, "--code", "-o", str(out)) == 0
    best = max(export(exp), key=lambda r: r["value"])
    result = subprocess.run([sys.executable, "-S", "trial.py"], cwd=out, capture_output=True, text=True,
                            check=True, env={"PYTHONPATH": str(Path(np.__file__).parent.parent)})
    assert f"nni.report_final_result:  {best['value']}" in result.stdout
    trial = Store(exp).trials()[0]
    code_dir, params = lookup_trial(exp.name, trial.trial_id)
    assert code_dir == CODE.resolve()
    assert params == Store(exp).parameters(trial.trial_id)[-1][2]
