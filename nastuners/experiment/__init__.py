"""``nastune run``: experiment config, SQLite store, local backend, trial channel server, dispatcher, resume.

Read in this order: :mod:`.config` (what an experiment is), :mod:`.store` (what is recorded),
:mod:`.dispatcher` (the loop), :mod:`.channel` and :mod:`.backend` (how trials are reached and run),
:mod:`.runner` (start and resume), :mod:`.export` (reading results back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["ExperimentConfig", "load_config", "lookup_trial"]


def lookup_trial(exp_id_or_dir: str | Path, trial_id: str) -> tuple[Path, dict[str, Any]]:
    """``(code_dir, parameters)`` of one trial (see :func:`nastuners.experiment.export.lookup_trial`)."""
    from nastuners.experiment.export import lookup_trial as _lookup

    return _lookup(exp_id_or_dir, trial_id)


def __getattr__(name: str) -> Any:
    if name in ("ExperimentConfig", "load_config"):
        from nastuners.experiment import config

        return getattr(config, name)
    raise AttributeError(name)
