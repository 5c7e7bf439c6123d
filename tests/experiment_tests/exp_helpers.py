"""Helpers for the experiment tests: toy configs, the CLI in and out of process, known answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

TOY = Path(__file__).parent / "toy"
CLI = "from nastuners.cli.main import main; raise SystemExit(main())"


def toy_config(tmp_path: Path, *, name: str = "config.yml", **changes: Any) -> Path:
    """A toy experiment config written to ``tmp_path`` (absolute paths into tests/experiment_tests/toy)."""
    config: dict[str, Any] = {
        "authorName": "test", "experimentName": "toy", "trialConcurrency": 2, "maxExecDuration": "1h",
        "maxTrialNum": 20, "trainingServicePlatform": "local", "useAnnotation": False,
        "searchSpacePath": str(TOY / "search_space.json"),
        "tuner": {"codeDir": str(TOY), "classFileName": "tuners.py", "className": "SweepTuner"},
        "trial": {"command": "python3 trial.py", "codeDir": str(TOY), "gpuNum": 0},
    }
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        elif isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config))
    return path


def run_cli(*args: str) -> int:
    """``nastune ARGS`` in this process (trials are still real subprocesses)."""
    from nastuners.cli.main import main

    return main(list(args))


def spawn_cli(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    """``nastune ARGS`` as a real subprocess."""
    return subprocess.Popen([sys.executable, "-c", CLI, *args], text=True, env=dict(os.environ), **kwargs)


def only_experiment(home: Path) -> Path:
    """The single experiment directory under ``home``."""
    dirs = sorted((home / "experiments").iterdir())
    assert len(dirs) == 1, dirs
    return dirs[0]


def score(params: dict[str, Any]) -> float:
    """What toy/trial.py reports for ``params``."""
    layer = params["toy/mutable_block_1"]["mutable_layer_0"]
    ops = {"add(k=1)": 1.0, "add(k=2)": 2.0, "mul(k=3)": 3.0}
    return ops[layer["chosen_layer"]] + 0.1 * len(layer["chosen_inputs"])


def export(exp: Path | str) -> list[dict[str, Any]]:
    from nastuners.experiment.export import export_records

    return export_records(exp)


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True)
