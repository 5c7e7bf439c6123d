"""Parse a search-space JSON document into typed objects, collecting every problem with its JSON path."""

from __future__ import annotations

import difflib
import json
import warnings
from typing import Any

from ..exceptions import Issue
from ._model import Block, ChoiceParam, Layer

_LAYER_KEYS = ("layer_choice", "optional_inputs", "optional_input_size")
_SUPPORTED_TYPES = ("mutable_layer", "choice")
# NNI _types we know but do not tune over (yet): named so the error can say so precisely.
_KNOWN_UNSUPPORTED = (
    "randint", "uniform", "quniform", "loguniform", "qloguniform", "normal", "qnormal", "lognormal",
    "qlognormal", "function_choice",
)


def _p(path: str, key: str | int) -> str:
    return f"{path}[{json.dumps(key)}]"


def _show(value: Any) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Parser:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def err(self, path: str, message: str) -> None:
        self.issues.append(Issue(path, message))

    # -- top level -------------------------------------------------------------------------------------
    def parse(self, doc: Any) -> list[Block | ChoiceParam]:
        if not isinstance(doc, dict):
            self.err("$", f"expected a JSON object mapping keys to entries, got {type(doc).__name__} "
                          f"{_show(doc)}; wrap entries as {{\"<block>\": {{\"_type\": \"mutable_layer\", ...}}}}")
            return []
        if not doc:
            self.err("$", "the search space is empty; it needs at least one mutable_layer block or choice entry")
            return []
        entries: list[Block | ChoiceParam] = []
        for key, value in doc.items():
            path = _p("$", key)
            entry = self.parse_entry(str(key), value, path)
            if entry is not None:
                entries.append(entry)
        return entries

    def parse_entry(self, key: str, value: Any, path: str) -> Block | ChoiceParam | None:
        if not isinstance(value, dict):
            self.err(path, f"expected an object with \"_type\" and \"_value\", got {_show(value)}")
            return None
        if "_type" not in value:
            if value and all(isinstance(v, dict) and "layer_choice" in v for v in value.values()):
                return self.parse_block(key, value, path, wrapped=False)  # NNI v0.9 unwrapped form
            self.err(path, "missing \"_type\"; expected {\"_type\": \"mutable_layer\", \"_value\": {...}} "
                           "or {\"_type\": \"choice\", \"_value\": [...]}")
            return None
        kind = value["_type"]
        extra = sorted(set(value) - {"_type", "_value"})
        if extra:
            self.err(path, f"unexpected keys {extra}; an entry has only \"_type\" and \"_value\"")
        if "_value" not in value:
            self.err(_p(path, "_type"), f"entry of type {_show(kind)} has no \"_value\"")
            return None
        if kind == "mutable_layer":
            if not isinstance(value["_value"], dict):
                self.err(_p(path, "_value"), f"expected an object mapping layer ids to layers, "
                                             f"got {_show(value['_value'])}")
                return None
            return self.parse_block(key, value["_value"], _p(path, "_value"), wrapped=True)
        if kind == "choice":
            return self.parse_choice(key, value["_value"], _p(path, "_value"))
        tpath = _p(path, "_type")
        if kind in _KNOWN_UNSUPPORTED:
            self.err(tpath, f"_type {_show(kind)} is not supported by nastune's NAS tuners; supported: "
                            f"{', '.join(_SUPPORTED_TYPES)} (replace it with a \"choice\" over explicit values)")
        else:
            close = difflib.get_close_matches(str(kind), _SUPPORTED_TYPES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.err(tpath, f"unknown _type {_show(kind)}{hint}; expected one of {', '.join(_SUPPORTED_TYPES)}")
        return None

    def parse_choice(self, key: str, options: Any, path: str) -> ChoiceParam | None:
        if not isinstance(options, list) or not options:
            self.err(path, f"expected a non-empty list of options, got {_show(options)}")
            return None
        seen: set[str] = set()
        for i, opt in enumerate(options):
            if not isinstance(opt, (str, int, float, bool)) and opt is not None:
                self.err(_p(path, i), f"options must be numbers, strings, booleans or null, got {_show(opt)}")
                continue
            marker = json.dumps(opt)
            if marker in seen:
                self.err(_p(path, i), f"duplicate option {_show(opt)}; remove the repeated entry")
            seen.add(marker)
        return ChoiceParam(key, tuple(options))

    # -- blocks and layers -----------------------------------------------------------------------------
    def parse_block(self, key: str, layers: dict[str, Any], path: str, *, wrapped: bool) -> Block | None:
        if not layers:
            self.err(path, "a mutable_layer block needs at least one layer")
            return None
        parsed = []
        for name, layer in layers.items():
            result = self.parse_layer(key, str(name), layer, _p(path, name))
            if result is not None:
                parsed.append(result)
        return Block(key, tuple(parsed), wrapped)

    def _strings(self, value: Any, path: str, what: str, *, allow_empty: bool) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.err(path, f"{what} must be a list of strings, got {_show(value)}")
            return None
        if not value and not allow_empty:
            self.err(path, f"{what} is empty; give at least one candidate op string (e.g. [\"conv(ch=64)\"])")
            return None
        ok = True
        seen: set[str] = set()
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.err(_p(path, i), f"{what} entries must be strings (normalised source), got {_show(item)}")
                ok = False
            elif item in seen:
                self.err(_p(path, i), f"duplicate {what} entry {item!r}: duplicates share one runtime key, "
                                      "so the second can never be chosen; remove it")
                ok = False
            else:
                seen.add(item)
        return tuple(value) if ok else None

    def _size(self, size: Any, path: str) -> tuple[int, int] | None:
        if _is_int(size):
            if size < 0:
                self.err(path, f"optional_input_size must be >= 0, got {size}")
                return None
            return size, size
        if isinstance(size, list):
            if len(size) != 2 or not all(_is_int(v) for v in size):
                self.err(path, f"optional_input_size range must be [lo, hi] with two integers, got {_show(size)}")
                return None
            lo, hi = size
            if lo < 0 or lo > hi:
                self.err(path, f"optional_input_size range should be [lo, hi] with 0 <= lo <= hi, got {size}; "
                               f"write [{min(max(lo, 0), max(hi, 0))}, {max(lo, hi, 0)}]")
                return None
            return lo, hi
        self.err(path, f"optional_input_size must be an integer k >= 0 or a range [lo, hi], got {_show(size)}")
        return None

    def parse_layer(self, block: str, name: str, layer: Any, path: str) -> Layer | None:
        if not isinstance(layer, dict):
            self.err(path, f"a layer must be an object with {', '.join(_LAYER_KEYS)}, got {_show(layer)}")
            return None
        for key in layer:
            if key not in _LAYER_KEYS:
                close = difflib.get_close_matches(str(key), _LAYER_KEYS, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.err(_p(path, key), f"unexpected layer key {key!r}; {hint}allowed: {', '.join(_LAYER_KEYS)}")
        if "layer_choice" not in layer:
            self.err(path, "missing \"layer_choice\" (the list of candidate op strings)")
            choices = None
        else:
            choices = self._strings(layer["layer_choice"], _p(path, "layer_choice"), "layer_choice",
                                    allow_empty=False)
        inputs = self._strings(layer.get("optional_inputs", []), _p(path, "optional_inputs"),
                               "optional_inputs", allow_empty=True)
        size_json = layer.get("optional_input_size", 0)
        size = self._size(size_json, _p(path, "optional_input_size"))
        if choices is None or inputs is None or size is None:
            return None
        lo, hi = size
        if not inputs and hi > 0:
            self.err(_p(path, "optional_input_size"),
                     f"optional_input_size {_show(size_json)} asks for inputs but optional_inputs is empty; "
                     "use 0 (or list the optional inputs)")
            return None
        if inputs and hi > len(inputs):
            warnings.warn(f"{path}: optional_input_size {_show(size_json)} exceeds the {len(inputs)} optional "
                          "inputs; NNI allowed this (inputs repeat), so choices will repeat inputs",
                          stacklevel=4)
        return Layer(block, name, choices, inputs, lo, hi, size_json)


def parse_space(doc: Any) -> tuple[list[Block | ChoiceParam], list[Issue]]:
    """Parse ``doc``; return its entries in document order and every issue found."""
    parser = _Parser()
    entries = parser.parse(doc)
    return entries, parser.issues
