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


def mode_layers(key: Any, mode: str, call: str) -> list[Layer]:
    """The layers built in ``mode`` in context ``key``; a ``RuntimeError`` naming ``call`` when there are none
    (the model is not built yet, or was built in another mode: the message says which)."""
    layers = [layer for layer in layers_of(key).values() if layer.mode == mode]
    if not layers:
        built = sorted({layer.mode for layer in layers_of(key).values() if layer.mode.endswith("_mode")})
        msg = (f"{call} found no {mode} nni.mutable_layer in "
               f"{'this eager program' if key is EAGER else 'the session graph'}"
               f"{f' (its layers were built in {built})' if built else ''}; build the model in {mode} first "
               f"(call it after the model, and only when built_mode(tf, sess) == {mode!r})")
        raise RuntimeError(msg)
    return layers


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


_VARIABLE_ERRORS = ("lifted out of", "control-flow", "singleton tf.Variable")
VARIABLE_HINT = ("enas_mode builds every candidate op inside a branch (a TF1 conditional, or tf.switch_case "
                 "in eager and tf.function code), so variables the op creates must be lifted out of the "
                 "branch: "
                 "use tf.compat.v1.get_variable(...) or a callable initial value, "
                 "tf.Variable(lambda: tf.random.truncated_normal(shape)); in TF2 code create each weight "
                 "once (e.g. in a dict keyed by layer and op) and reuse it on later calls")


def call_op(tf: Any, mode: str, where: str, name: str, func: Any, inputs: list[Any],
            kwargs: Mapping[str, Any]) -> Any:
    """Call candidate op ``name`` and return its output as a tensor; errors name the layer and the op.

    An exception from the op itself keeps its type (``ValueError``/``TypeError`` get a message naming the
    layer and op, any other type gets that as a note); a non-tensor result is a ``TypeError``.
    """
    context = (f"{where}: candidate op {name!r} failed while {mode} built it ({mode} builds every candidate, "
               "classic_mode only the chosen one)")
    try:
        out = func(inputs, **kwargs)
    except Exception as exc:
        if type(exc) in (ValueError, TypeError):  # (a subclass may need other constructor arguments)
            variable = mode == "enas_mode" and any(s in str(exc) for s in _VARIABLE_ERRORS)
            hint = f"\n{VARIABLE_HINT}" if variable else ""
            msg = f"{context}: {type(exc).__name__}: {exc}{hint}"
            raise type(exc)(msg) from exc
        add_note = getattr(exc, "add_note", None)  # Python 3.11+
        if add_note is not None:
            add_note(context)
        raise
    return to_tensor(tf, out, f"{where}: candidate op {name!r} returned",
                     "one tensor (every candidate of a layer returns a tensor of the same shape and dtype)")


def to_tensor(tf: Any, value: Any, what: str, expected: str) -> Any:
    """``value`` as a tensor; ``None``, lists, tuples, dicts or anything unconvertible are a ``TypeError``."""
    if value is None or isinstance(value, (list, tuple, Mapping)):
        got = "None" if value is None else f"a {type(value).__name__} of {len(value)} items"
        msg = f"{what} {got}; expected {expected}"
        raise TypeError(msg)
    try:
        return tf.convert_to_tensor(value)
    except (ValueError, TypeError) as exc:
        msg = f"{what} {type(value).__name__} {value!r:.80}, not a tensor ({exc}); expected {expected}"
        raise TypeError(msg) from None


def check_sibling(where: str, mode: str, name: str, out: Any, built: Mapping[str, Any]) -> None:
    """enas: compare one candidate's output with those built before it (before TF merges the branches)."""
    if built:
        names = [*built, name]
        check_same_shapes(where, mode, "candidate ops' outputs", names, [*built.values(), out])
