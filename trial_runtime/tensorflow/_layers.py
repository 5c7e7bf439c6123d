"""One record per built ``mutable_layer``, kept per build context, and the shared argument checks."""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._tf import EAGER


@dataclass
class Layer:
    """What a mode built for one (block, layer) in one context; ``extra`` holds mode-specific handles."""

    mode: str
    mutable_id: str
    layer_id: str
    choices: list[str]
    inputs: list[str]
    size_lo: int
    size_hi: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.mutable_id}/{self.layer_id}"


_graphs: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Layer]] = weakref.WeakKeyDictionary()
_eager: dict[tuple[str, str], Layer] = {}


def layers_of(key: Any) -> dict[tuple[str, str], Layer]:
    """The layers built in context ``key`` (a graph or :data:`EAGER`), in build order."""
    if key is EAGER:
        return _eager
    return _graphs.setdefault(key, {})


def forget_eager() -> None:
    """Drop every eager layer record (tests and notebooks that rebuild a model from scratch)."""
    _eager.clear()


def size_range(size: Any, n: int, where: str) -> tuple[int, int]:
    """``optional_input_size`` (``k`` or ``[lo, hi, ...]``) as ``(lo, hi)``; no inputs: ``(0, 0)``."""
    if n == 0:
        return 0, 0
    if isinstance(size, bool):
        size = None
    if isinstance(size, int):
        return size, size
    if isinstance(size, Sequence) and len(size) >= 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in size[:2]):
        return int(size[0]), int(size[1])
    msg = f"{where}: optional_input_size must be an int or a [lo, hi] list, got {size!r}"
    raise ValueError(msg)


def check_call(mode: str, mutable_id: Any, layer_id: Any, funcs: Any, funcs_args: Any,
               fixed_inputs: Any, optional_inputs: Any) -> None:
    """Reject malformed compiled calls with a message that says which argument is wrong."""
    where = f"{mutable_id}/{layer_id}"
    if not isinstance(mutable_id, str) or not isinstance(layer_id, str):
        msg = f"{mode}: mutable_id and mutable_layer_id must be strings, got {mutable_id!r}, {layer_id!r}"
        raise TypeError(msg)
    if not isinstance(funcs, Mapping) or not funcs:
        msg = f"{where}: funcs must be a non-empty dict {{choice string: callable}}, got {funcs!r}"
        raise TypeError(msg)
    bad = [name for name, func in funcs.items() if not callable(func)]
    if bad:
        msg = f"{where}: funcs entries {bad} are not callable"
        raise TypeError(msg)
    if not isinstance(funcs_args, Mapping) or set(funcs_args) - set(funcs):
        msg = (f"{where}: funcs_args must be a dict keyed by the funcs keys {list(funcs)}, "
               f"got keys {list(funcs_args) if isinstance(funcs_args, Mapping) else funcs_args!r}")
        raise TypeError(msg)
    if not isinstance(fixed_inputs, (list, tuple)):
        msg = f"{where}: fixed_inputs must be a list, got {type(fixed_inputs).__name__}"
        raise TypeError(msg)
    if not isinstance(optional_inputs, Mapping):
        msg = f"{where}: optional_inputs must be a dict {{name: value}}, got {type(optional_inputs).__name__}"
        raise TypeError(msg)


def check_same_shapes(where: str, mode: str, what: str, names: Sequence[str], tensors: Sequence[Any]) -> None:
    """Raise ``ValueError`` when the static shapes or dtypes of ``tensors`` disagree."""
    shapes = [t.shape for t in tensors]
    dtypes = [t.dtype for t in tensors]
    first = shapes[0]
    if all(s.is_compatible_with(first) for s in shapes) and len(set(dtypes)) == 1:
        return
    listing = ", ".join(f"{n!r}: {s} {d.name}" for n, s, d in zip(names, shapes, dtypes, strict=True))
    msg = (f"{where}: {mode} needs all {what} to have the same shape and dtype, got {listing}. "
           f"Make the candidates agree (e.g. project channels or pad), or use classic_mode")
    raise ValueError(msg)
