"""What every contract check builds on: the factory type, building a tuner from it, reporting a divergence."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from ..tuner import Tuner
from .driver import ContractError

TunerFactory = Callable[..., Tuner]


class CheckSkipped(Exception):
    """The check does not apply to this factory; the message says why."""


def registry_factory(name: str, **class_args: Any) -> TunerFactory:
    """A picklable factory building the registered tuner ``name`` (with ``class_args``) via the registry."""
    from ..registry import get_tuner

    return functools.partial(get_tuner, name, **class_args)


def make_tuner(factory: TunerFactory, space: Mapping[str, Any] | None, **kwargs: Any) -> Tuner:
    """``factory(**kwargs)``, checked to be a ``Tuner``, with ``space`` set when given."""
    tuner = factory(**kwargs)
    if not isinstance(tuner, Tuner):
        msg = f"the factory returned {type(tuner).__name__}, not a nastuners.Tuner subclass instance"
        raise ContractError(msg)
    if space is not None:
        tuner.update_search_space(space)
    return tuner


def first_diff(a: list[Any], b: list[Any]) -> str:
    """Where two proposal sequences first differ, for messages."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"{i}: {json.dumps(x)} != {json.dumps(y)}"
    return f"{min(len(a), len(b))} (lengths {len(a)} and {len(b)})"
