"""classic_mode: run only the chosen op on the chosen inputs; pure Python, no framework.

:func:`layer_choice` reads one layer's choice from either architecture format and validates it; the codegen
(``nastune trial codegen``) uses the same function, so a compiled trial and its standalone copy agree.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nastuners.exceptions import ChoiceError, Issue
from trial_runtime import _params

__all__ = ["classic_mode", "layer_choice", "size_bounds"]

_log = logging.getLogger("trial_runtime")


def size_bounds(optional_input_size: Any) -> tuple[int, int]:
    """``(lo, hi)`` of ``optional_input_size``: ``k`` → ``(k, k)``, ``[lo, hi, ...]`` → ``(lo, hi)``."""
    if isinstance(optional_input_size, (list, tuple)):
        return int(optional_input_size[0]), int(optional_input_size[1])
    return int(optional_input_size), int(optional_input_size)


def _fail(where: str, message: str) -> ChoiceError:
    return ChoiceError([Issue(where, message)])


def _misspelt(wanted: str, found: Sequence[Any]) -> str:
    """`` (is 'x' a misspelling of it?)`` when a key in ``found`` looks like ``wanted``, else ``""``."""
    close = difflib.get_close_matches(wanted, [k for k in found if isinstance(k, str)], n=1)
    return f" (is {close[0]!r} a misspelling of it?)" if close else ""


def _wanted_inputs(inputs: Sequence[str], optional_input_size: Any) -> str:
    lo, hi = size_bounds(optional_input_size)
    count = f"exactly {lo}" if lo == hi else f"{lo} to {hi}"
    return f"a list of {count} of {list(dict.fromkeys(inputs))}"


def _native(entry: Any, where: str, choices: Sequence[str], inputs: Sequence[str],
            optional_input_size: Any) -> tuple[Any, list[Any]]:
    """``(chosen_layer, chosen_inputs)`` of a native layer entry; clear errors naming a missing key.

    Keys other than the two are ignored, as NNI did (``nastune trial codegen`` rejects them).
    """
    example = "{\"chosen_layer\": ..., \"chosen_inputs\": [...]}"
    if not isinstance(entry, Mapping):
        raise _fail(where, f"expected {example}, got {type(entry).__name__} {entry!r}")
    keys = list(entry)
    if "chosen_layer" not in entry:
        raise _fail(where, f"missing \"chosen_layer\"{_misspelt('chosen_layer', keys)}; add "
                           f"\"chosen_layer\": one of {list(dict.fromkeys(choices))}")
    if "chosen_inputs" not in entry:
        if inputs:  # NNI failed here too (KeyError); a layer without optional inputs needs none
            raise _fail(where, f"missing \"chosen_inputs\"{_misspelt('chosen_inputs', keys)}; add "
                               f"\"chosen_inputs\": {_wanted_inputs(inputs, optional_input_size)}")
        return entry["chosen_layer"], []
    chosen_inputs = entry["chosen_inputs"]
    if not isinstance(chosen_inputs, list):
        raise _fail(where, f"chosen_inputs must be a list of input names, got {chosen_inputs!r}; write "
                           f"{_wanted_inputs(inputs, optional_input_size)}")
    return entry["chosen_layer"], chosen_inputs


def layer_choice(params: Mapping[str, Any], mutable_id: str, mutable_layer_id: str, choices: Sequence[str],
                 inputs: Sequence[str], optional_input_size: Any) -> tuple[str, list[str]]:
    """``(chosen_layer, chosen_inputs)`` of one layer, from the native or the converted format, validated.

    Raises ``ChoiceError`` naming ``<block>/<layer>``, the bad value and the allowed values. Repeated inputs
    and any order are accepted (NNI's tuners produced both); the count must lie within
    ``optional_input_size``.
    """
    where = f"{mutable_id}/{mutable_layer_id}"
    if not isinstance(params, Mapping):
        raise _fail(where, f"the parameters must be a JSON object, got {type(params).__name__}")
    block = params.get(mutable_id)
    prefix = f"_mutable_layer/{mutable_id}/{mutable_layer_id}/"
    converted = any(isinstance(key, str) and key.startswith(prefix) for key in params)
    if isinstance(block, Mapping) and mutable_layer_id in block:
        chosen_layer, chosen_inputs = _native(block[mutable_layer_id], where, choices, inputs,
                                              optional_input_size)
    elif isinstance(block, Mapping) and not converted:
        layers = list(block)
        raise _fail(where, f"block {mutable_id!r} has no layer {mutable_layer_id!r}; its layer ids: "
                           f"{layers}{_misspelt(mutable_layer_id, layers)}; add \"{mutable_layer_id}\": "
                           "{\"chosen_layer\": ..., \"chosen_inputs\": [...]}")
    else:
        if not converted:
            shown = sorted(str(key) for key in params)[:8]
            raise _fail(where, f"the architecture has no entry for this layer (neither native "
                               f"{mutable_id!r} -> {mutable_layer_id!r} nor converted {prefix}*); "
                               f"its keys: {shown}{_misspelt(mutable_id, shown)}")
        from nastuners.space import decode_converted_layer

        try:
            chosen_layer, chosen_inputs = decode_converted_layer(params, mutable_id, mutable_layer_id,
                                                                 list(inputs))
        except ChoiceError as exc:
            raise _fail(where, "; ".join(str(issue) for issue in exc.issues)) from None
    if chosen_layer not in choices:
        raise _fail(where, f"chosen_layer {chosen_layer!r} is not one of {list(dict.fromkeys(choices))}")
    unknown = [name for name in chosen_inputs if name not in inputs]
    if unknown:
        raise _fail(where, f"chosen_inputs {unknown} are not among the optional inputs "
                           f"{list(dict.fromkeys(inputs))}")
    lo, hi = size_bounds(optional_input_size) if inputs else (0, 0)
    if not lo <= len(chosen_inputs) <= hi:
        allowed = str(lo) if lo == hi else f"{lo}..{hi}"
        raise _fail(where, f"{len(chosen_inputs)} chosen inputs {chosen_inputs}, but optional_input_size "
                           f"allows {allowed}")
    return chosen_layer, list(chosen_inputs)


def classic_mode(mutable_id: str, mutable_layer_id: str, funcs: Mapping[str, Callable[..., Any]],
                 funcs_args: Mapping[str, Mapping[str, Any]], fixed_inputs: list[Any],
                 optional_inputs: Mapping[str, Any], optional_input_size: Any) -> Any:
    """Run the chosen op: ``funcs[c]([fixed_inputs, [optional_inputs[n] for n in chosen]], **kwargs)``."""
    params = _params.ensure("nni.mutable_layer")
    chosen_layer, chosen_inputs = layer_choice(params, mutable_id, mutable_layer_id, list(funcs),
                                               list(optional_inputs), optional_input_size)
    _log.info("%s_%s: layer: %s, optional inputs: %s", mutable_id, mutable_layer_id, chosen_layer,
              chosen_inputs)
    chosen = [optional_inputs[name] for name in chosen_inputs]
    return funcs[chosen_layer]([fixed_inputs, chosen], **funcs_args[chosen_layer])
