"""Typed, frozen objects a parsed search space is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

DecisionKind = Literal["op", "inputs", "choice"]


@dataclass(frozen=True)
class Layer:
    """One ``mutable_layer``: candidate ops, optional inputs and how many of them to pick.

    ``size_lo``/``size_hi`` are the inclusive bounds of the number of chosen inputs (``k`` gives ``k, k``; no
    optional inputs gives ``0, 0``). ``size_json`` keeps the form written in the document (``k`` or
    ``(lo, hi)``, a tuple so that layers stay hashable).
    """

    block: str
    name: str
    layer_choice: tuple[str, ...]
    optional_inputs: tuple[str, ...]
    size_lo: int
    size_hi: int
    size_json: int | tuple[int, int] = 0

    @property
    def path(self) -> str:
        """``<block>/<layer>``, as used in messages and logs."""
        return f"{self.block}/{self.name}"


@dataclass(frozen=True)
class Block:
    """A ``{"_type": "mutable_layer"}`` entry: an ordered group of layers under one key."""

    key: str
    layers: tuple[Layer, ...]
    wrapped: bool = True


@dataclass(frozen=True)
class ChoiceParam:
    """A ``{"_type": "choice"}`` entry (``@nni.variable(nni.choice(...))``, ``@nni.function_choice``)."""

    key: str
    options: tuple[Any, ...]

    @cached_property
    def option_index(self) -> dict[tuple[str, Any], int]:
        """``option_key(option) -> position`` (options are unique scalars, checked when parsed)."""
        from ._parse import option_key

        return {option_key(opt): i for i, opt in enumerate(self.options)}


@dataclass(frozen=True)
class Decision:
    """One categorical decision of the encoding.

    ``kind`` is ``"op"`` (which candidate op of ``layer``), ``"inputs"`` (which subset of ``layer``'s optional
    inputs) or ``"choice"`` (which option of ``param``). ``n`` is the number of categories (an exact int).
    For ``inputs`` decisions ``counts`` lists the allowed input counts and ``offsets`` where each count's
    categories start.
    """

    kind: DecisionKind
    n: int
    layer: Layer | None = None
    param: ChoiceParam | None = None
    counts: tuple[int, ...] = ()
    offsets: tuple[int, ...] = field(default=(), repr=False)

    @property
    def label(self) -> str:
        """A short human-readable name (``block/layer:op``, ``block/layer:inputs``, or the choice key)."""
        if self.param is not None:
            return self.param.key
        assert self.layer is not None
        return f"{self.layer.path}:{self.kind}"
