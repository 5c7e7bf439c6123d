"""Mode arguments (``trial.nasModeArgs`` in the experiment config).

The runner passes them as JSON in ``NASTUNE_NAS_MODE_ARGS``; trials may also call :func:`configure`. Read at
graph-build time (oneshot), when the darts optimizer is built (first ``training_update``), and at every
enas ``training_update`` (``enas_prefetch``).
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

DEFAULTS: dict[str, float | bool] = {
    "oneshot_dropout_rate": 0.01, "darts_learning_rate": 0.025, "darts_momentum": 0.9, "enas_prefetch": False,
}
_FLAGS = ("enas_prefetch",)
ENV = "NASTUNE_NAS_MODE_ARGS"

_overrides: dict[str, float | bool] = {}


def configure(**kwargs: float | bool) -> None:
    """Override mode arguments in this process, e.g. ``configure(oneshot_dropout_rate=0.05)``."""
    for name, value in kwargs.items():
        _overrides[name] = check(name, value, "configure()")


def reset() -> None:
    """Forget :func:`configure` overrides."""
    _overrides.clear()


def get(name: str) -> float | bool:
    """The value of one mode argument: ``configure()``, else ``$NASTUNE_NAS_MODE_ARGS``, else the default."""
    if name in _overrides:
        return _overrides[name]
    raw = os.environ.get(ENV)
    if raw:
        doc = _environment(raw)
        if name in doc:
            return doc[name]
    if name not in DEFAULTS:
        msg = f"unknown nasModeArgs {name!r}; known: {sorted(DEFAULTS)}"
        raise ValueError(msg)
    return DEFAULTS[name]


_parsed: dict[str, dict[str, float | bool]] = {}  # raw $NASTUNE_NAS_MODE_ARGS -> checked values (enas reads
#                                                   one per training_update: parse once)


def _environment(raw: str) -> dict[str, float | bool]:
    if raw in _parsed:
        return _parsed[raw]
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        msg = f"${ENV} must be a JSON object like {{\"oneshot_dropout_rate\": 0.05}}: {exc}"
        raise ValueError(msg) from None
    if not isinstance(doc, dict):
        msg = f"${ENV} must be a JSON object, got {raw!r}"
        raise ValueError(msg)
    unknown = sorted(set(doc) - set(DEFAULTS))
    if unknown:
        msg = f"${ENV}: unknown nasModeArgs {unknown}; known: {sorted(DEFAULTS)}"
        raise ValueError(msg)
    checked = {name: check(name, value, f"${ENV}") for name, value in doc.items()}
    _parsed.clear()
    _parsed[raw] = checked
    return checked


def check(name: str, value: Any, where: str) -> float | bool:
    """``value`` as mode argument ``name`` uses it; ``ValueError`` saying what is wrong (at ``where``)."""
    if name not in DEFAULTS:
        msg = f"{where}: unknown nasModeArgs {name!r}; known: {sorted(DEFAULTS)}"
        raise ValueError(msg)
    if name in _FLAGS:
        if not isinstance(value, bool):
            msg = f"{where}: {name} must be true or false, got {value!r}"
            raise ValueError(msg)
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        msg = f"{where}: {name} must be a number, got {value!r}"
        raise ValueError(msg)
    value = float(value)
    if not math.isfinite(value):
        msg = f"{where}: {name} must be a finite number, got {value}"
        raise ValueError(msg)
    if name == "oneshot_dropout_rate" and not 0.0 <= value < 1.0:
        msg = (f"{where}: oneshot_dropout_rate must be in [0, 1) (the probability that everything is "
               f"dropped), got {value}")
        raise ValueError(msg)
    if name == "darts_learning_rate" and not value > 0:
        msg = f"{where}: darts_learning_rate must be > 0, got {value}"
        raise ValueError(msg)
    if name == "darts_momentum" and not 0.0 <= value < 1.0:
        msg = f"{where}: darts_momentum must be in [0, 1), got {value}"
        raise ValueError(msg)
    return value
