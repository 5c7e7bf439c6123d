"""The TensorFlow examples' configs, each run end to end through ``nastune run`` with a tiny budget."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("tensorflow")
pytest.importorskip("sklearn")
pytestmark = [pytest.mark.tf, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted([*(ROOT / "configs").glob("mnist_nas_*.yml"), *(ROOT / "configs").glob("enas_macro_*.yml")])
CLI = "from nastuners.cli.main import main; raise SystemExit(main())"
STEPS = 12


def _tiny(config: Path, tmp_path: Path) -> Path:
    doc = yaml.safe_load(config.read_text())
    trial = doc["trial"]
    trial["codeDir"] = str((config.parent / trial["codeDir"]).resolve())
    trial["command"] = re.sub(r"--steps \d+", f"--steps {STEPS}", trial["command"])
    trial["command"] = re.sub(r"--eval-every \d+", f"--eval-every {STEPS // 2}", trial["command"])
    doc["maxTrialNum"] = min(doc["maxTrialNum"], 2)
    out = tmp_path / config.name
    out.write_text(yaml.safe_dump(doc))
    return out


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_config_runs_end_to_end(config: Path, tmp_path: Path) -> None:
    """Every trial succeeds with an accuracy in [0, 1] (darts: with its derived architecture); enas trials
    fetch one architecture per step."""
    assert "--steps" in config.read_text(), "the test shortens runs through --steps"
    tiny = _tiny(config, tmp_path)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", NASTUNE_HOME=str(tmp_path / "home"))
    exp = tmp_path / "exp"
    command = [sys.executable, "-c", CLI, "run", str(tiny), "--experiment-dir", str(exp), "--quiet"]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=400, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    listing = subprocess.run([sys.executable, "-c", CLI, "experiment", "trials", "--json", str(exp)],
                             capture_output=True, text=True, env=env, timeout=60, check=True)
    trials = json.loads(listing.stdout)
    assert trials, proc.stdout
    mode = yaml.safe_load(config.read_text())["trial"]["nasMode"]
    for trial in trials:
        assert trial["status"] == "SUCCEEDED", trial
        final = trial["final"]
        if mode == "darts_mode":  # the derived architecture travels with the accuracy
            assert isinstance(final, dict), final
            layers = [entry for block in final["architecture"].values() for entry in block.values()]
            assert layers and all("chosen_layer" in entry for entry in layers), final
            final = final["default"]
        assert 0.0 <= final <= 1.0
    if mode == "enas_mode":
        best = re.search(r"parameter (\d+)", proc.stdout)
        # results belong to the architectures current at an evaluation (steps 6 and 12: parameters 5 and 11;
        # a superseded one keeps its last intermediate result), the trial's final one to the last fetched
        assert best and int(best.group(1)) in {STEPS // 2 - 1, STEPS - 1}, proc.stdout
        for trial in trials:
            assert trial["final"] == trial["intermediate"][-1], trial
