"""Bookkeeping of one running trial, its environment, and the trial-status rules."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nastuners.experiment.backend import TrialProcess

__all__ = ["COUNTED", "NOT_THE_ARCHITECTURE", "RunningTrial", "exit_status", "trial_env"]

#: statuses that use up the trial budget (``maxTrialNum``); canceled and interrupted trials give it back
COUNTED = ("RUNNING", "SUCCEEDED", "NO_RESULT", "FAILED", "TIMEOUT")
#: statuses that say nothing about the architecture: the tuner's ``trial_end`` gets ``interrupted=True``
NOT_THE_ARCHITECTURE = ("CANCELED", "INTERRUPTED")


@dataclass(eq=False)
class RunningTrial:
    """A trial of this run: the parameters it fetched (multi-phase: several) and its final results.

    ``finals``: parameter ids with a final result, ``derived`` the subset taken from the last intermediate
    result when a multi-phase fetch superseded the parameter; ``ended``: superseded ids without any result
    (the tuner got ``trial_end(pid, False, interrupted=True)``); ``last_intermediate``: ``(pid, value)`` of
    the last intermediate result reported for the current parameter; ``prefetched``: a parameter generated
    for the trial ahead of time and not yet activated (see :mod:`nastuners.experiment._requests`).
    """

    trial_id: str
    seq: int
    first_pid: int
    trial_dir: Path
    params: dict[int, dict[str, Any]] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)  # parameter ids in fetch order
    fetched: int = 0
    finals: set[int] = field(default_factory=set)
    derived: set[int] = field(default_factory=set)
    ended: set[int] = field(default_factory=set)
    last_intermediate: tuple[int, Any] | None = None
    prefetched: int | None = None
    proc: TrialProcess | None = None

    @property
    def current_pid(self) -> int:
        """The parameter fetched last (the first one before any fetch): final results belong to it."""
        return self.order[-1] if self.order else self.first_pid


def trial_env(*, channel: str, token: str, exp_id: str, trial_id: str, seq: int, trial_dir: Path,
              nas_mode_args: dict[str, Any]) -> dict[str, str]:
    """The trial's environment: ours, NNI's names for compatibility, and this interpreter first on PATH."""
    env = dict(os.environ)
    env.pop("NASTUNE_PARAMETERS", None)  # the channel is the only source inside an experiment
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.update({
        "NASTUNE_CHANNEL": channel, "NASTUNE_TOKEN": token, "NASTUNE_EXPERIMENT_ID": exp_id,
        "NASTUNE_TRIAL_ID": trial_id, "NASTUNE_SEQUENCE_ID": str(seq), "NASTUNE_TRIAL_DIR": str(trial_dir),
        "NNI_PLATFORM": "local", "NNI_EXP_ID": exp_id, "NNI_TRIAL_JOB_ID": trial_id,
        "NNI_TRIAL_SEQ_ID": str(seq), "NNI_OUTPUT_DIR": str(trial_dir), "PYTHONUNBUFFERED": "1",
    })
    if nas_mode_args:
        env["NASTUNE_NAS_MODE_ARGS"] = json.dumps(nas_mode_args)
    return env


def _stderr_tail(trial_dir: Path, limit: int = 300) -> str:
    try:
        with open(trial_dir / "stderr", "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 4096))
            lines = [ln for ln in fh.read().decode(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][-limit:] if lines else ""


def exit_status(trial: RunningTrial, proc: TrialProcess) -> tuple[str, str | None]:
    """``(status, message)`` of an exited trial.

    Killed by the runner: its reason (``TIMEOUT``, ``CANCELED``). Exit 0 with a final result: ``SUCCEEDED``;
    exit 0 without one: ``NO_RESULT`` (the tuner is told ``success=False``). Otherwise ``FAILED``, with the
    exit code or signal and the last line of stderr.
    """
    if proc.kill_reason is not None:
        return proc.kill_reason, proc.kill_message
    code = proc.returncode
    if code == 0:
        if trial.finals - trial.derived:  # the trial reported a final result itself
            return "SUCCEEDED", None
        return "NO_RESULT", "the trial exited 0 without reporting a final result"
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    tail = _stderr_tail(trial.trial_dir)
    return "FAILED", f"{how}: {tail}" if tail else how
