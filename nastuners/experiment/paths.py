"""Where experiments live: ``$NASTUNE_HOME/experiments/<id>/`` (default ``~/.nastune``), ids, lookup."""

from __future__ import annotations

import os
import secrets
import string
from pathlib import Path

from nastuners.exceptions import ConfigError

__all__ = ["experiments_root", "find_experiment", "link_experiment", "nastune_home", "new_id"]

_ALPHABET = string.ascii_lowercase + string.digits


def nastune_home() -> Path:
    """``$NASTUNE_HOME`` or ``~/.nastune``."""
    return Path(os.environ.get("NASTUNE_HOME") or Path.home() / ".nastune")


def experiments_root() -> Path:
    return nastune_home() / "experiments"


def new_id(length: int = 8, taken: set[str] | None = None) -> str:
    """A random id of lowercase letters and digits (NNI: 8 for experiments, 5 for trials)."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if not taken or candidate not in taken:
            return candidate


def link_experiment(exp_id: str, exp_dir: Path) -> None:
    """Make an experiment in a custom directory findable by id (a symlink under the experiments root)."""
    root = experiments_root()
    root.mkdir(parents=True, exist_ok=True)
    link = root / exp_id
    if link.resolve() != exp_dir.resolve():
        link.symlink_to(exp_dir.resolve(), target_is_directory=True)


def find_experiment(ref: str | Path) -> Path:
    """An experiment directory from an id (under the experiments root) or a path; ConfigError otherwise."""
    from nastuners.experiment.store import DB_NAME

    as_path = Path(ref).expanduser()
    if (as_path / DB_NAME).is_file():
        return as_path
    by_id = experiments_root() / str(ref)
    if (by_id / DB_NAME).is_file():
        return by_id
    known = sorted(p.name for p in experiments_root().glob("*") if (p / DB_NAME).is_file()) \
        if experiments_root().is_dir() else []
    hint = f"known ids: {', '.join(known[:10])}" if known else "no experiments yet"
    msg = (
        f"experiment {str(ref)!r} not found: neither a directory with {DB_NAME} nor an id under "
                      f"{experiments_root()} ({hint}; `nastune experiment list` shows them)"
    )
    raise ConfigError(msg)
