"""NNI v1.1's flattened ("converted") form of mutable_layer spaces, as TPE/Random/Anneal consumed it.

Each layer ``P = "_mutable_layer/<block>/<layer>"`` becomes three parameters: ``P/layer_choice`` (a choice),
``P/optional_input_size`` (``randint [lo, hi + 1)``) and ``P/optional_input_chosen_state`` (``randint
[0, n ** hi)``), decoded as base-``n`` digits over the sorted input names, least significant first.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ..exceptions import ChoiceError, Issue
from ._parse import json_path

PREFIX = "_mutable_layer"


def converted_prefix(block: str, layer: str) -> str:
    """The key prefix ``_mutable_layer/<block>/<layer>`` of one layer's three converted parameters."""
    return f"{PREFIX}/{block}/{layer}"


def convert_space(space_json: Mapping[str, Any]) -> dict[str, Any]:
    """The converted form of a (wrapped or unwrapped) mutable_layer space; ``space_json`` is not mutated."""
    out: dict[str, Any] = {}
    for key, entry in space_json.items():
        if isinstance(entry, Mapping) and entry.get("_type") == "mutable_layer":
            layers = entry["_value"]
        elif isinstance(entry, Mapping) and "_type" not in entry:
            layers = entry
        else:
            out[key] = copy.deepcopy(entry)
            continue
        for name, layer in layers.items():
            p = converted_prefix(key, name)
            choices = list(layer.get("layer_choice") or [])
            if not choices:
                msg = f"No layer choice found in {p}"
                raise ValueError(msg)
            inputs = list(layer.get("optional_inputs") or [])
            size = layer.get("optional_input_size", 0)
            if not inputs:
                lo, hi = 0, 0
            elif isinstance(size, int):
                lo, hi = size, size
            else:
                lo, hi = int(size[0]), int(size[1])
            out[f"{p}/layer_choice"] = {"_type": "choice", "_value": choices}
            out[f"{p}/optional_input_size"] = {"_type": "randint", "_value": [lo, hi + 1]}
            states = len(inputs) ** hi if inputs else 1
            out[f"{p}/optional_input_chosen_state"] = {"_type": "randint", "_value": [0, states]}
    return out


def decode_converted_layer(params: Mapping[str, Any], block: str, layer: str,
                           input_names: Sequence[str]) -> tuple[Any, list[str]]:
    """Decode one layer's ``(chosen_layer, chosen_inputs)`` from converted parameters.

    Raises ``ChoiceError`` (naming the key) when a key is missing or a count asks for inputs that do not
    exist.
    """
    p = converted_prefix(block, layer)
    issues = [Issue(json_path("$", k), f"missing converted parameter {k!r}; the converted format has "
                    "<P>/layer_choice, <P>/optional_input_size and <P>/optional_input_chosen_state")
              for k in (f"{p}/layer_choice", f"{p}/optional_input_size", f"{p}/optional_input_chosen_state")
              if k not in params]
    if issues:
        raise ChoiceError(issues)
    chosen_layer = params[f"{p}/layer_choice"]
    try:
        count = int(params[f"{p}/optional_input_size"])
        state = int(params[f"{p}/optional_input_chosen_state"])
    except (TypeError, ValueError, OverflowError) as exc:
        raise ChoiceError([Issue(json_path("$", f"{p}/optional_input_size"),
                                 f"size and chosen state must be integers ({exc})")]) from None
    keys = sorted(input_names)
    if count > 0 and not keys:
        raise ChoiceError([Issue(json_path("$", f"{p}/optional_input_size"),
                                 f"count {count} asks for inputs, but the layer has no optional inputs; "
                                 "expected 0")])
    if count < 0 or state < 0:
        raise ChoiceError([Issue(json_path("$", f"{p}/optional_input_size"),
                                 f"size {count} and chosen state {state} must be >= 0")])
    chosen: list[str] = []
    for _ in range(count):
        chosen.append(keys[state % len(keys)])
        state //= len(keys)
    return chosen_layer, chosen


def split_converted_key(key: str) -> tuple[str, str, str] | None:
    """Split ``_mutable_layer/<block>/<layer>/<field>`` from the right (block ids contain ``/``)."""
    if not key.startswith(PREFIX + "/"):
        return None
    rest = key[len(PREFIX) + 1:]
    parts = rest.rsplit("/", 2)
    if len(parts) != 3:
        return None
    return parts[0], parts[1], parts[2]
