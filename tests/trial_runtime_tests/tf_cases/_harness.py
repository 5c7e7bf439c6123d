"""Run named toy cases in one process (TensorFlow imports once) and print one JSON line per case."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import trial_runtime as nni
from trial_runtime import _params, _platform


def use_parameters(docs: list[dict[str, Any]] | dict[str, Any] | None) -> None:
    """Make the standalone platform serve ``docs`` (a list: one per fetch); ``None``: no parameters at all."""
    os.environ.pop("NASTUNE_CHANNEL", None)
    if docs is None:
        os.environ.pop("NASTUNE_PARAMETERS", None)
    else:
        fd, path = tempfile.mkstemp(suffix=".jsonl")
        with os.fdopen(fd, "w") as f:
            if isinstance(docs, list):
                f.writelines(json.dumps(d) + "\n" for d in docs)
            else:
                json.dump(docs, f)
        os.environ["NASTUNE_PARAMETERS"] = path
    _platform.reset()


def current_pid() -> int | None:
    return _params.current_parameter_id()


def main(cases: dict[str, Callable[[], dict[str, Any]]]) -> None:
    names = sys.argv[1:] or list(cases)
    for name in names:
        try:
            out = cases[name]()
        except Exception as exc:  # the error itself is the result of the error cases
            out = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=3)}
        out["case"] = name
        print("CASE " + json.dumps(out), flush=True)


__all__ = ["current_pid", "main", "nni", "use_parameters"]
