"""Parse a search-space JSON document into typed objects, collecting every problem with its JSON path."""

from __future__ import annotations

import difflib
import json
import math
import warnings
from typing import Any

from ..exceptions import Issue
from ._model import Block, ChoiceParam, Layer

_LAYER_KEYS = ("layer_choice", "optional_inputs", "optional_input_size")
# Keys of the annotation that never appear in the JSON (nni-compat §7): named so the error can say so.
_ANNOTATION_ONLY = ("fixed_inputs", "layer_output")
_SUPPORTED_TYPES = ("mutable_layer", "choice")
# NNI _types we know but do not tune over (yet): named so the error can say so precisely.
_KNOWN_UNSUPPORTED = (
    "randint", "uniform", "quniform", "loguniform", "qloguniform", "normal", "qnormal", "lognormal",
    "qlognormal", "function_choice", "layer_choice", "input_choice",
)
_WRAPPED_EXAMPLE = '{"_type": "mutable_layer", "_value": {"mutable_layer_0": {...}}}'
_SIZE_FIX = "write an integer k >= 0 (exactly k inputs) or a range [lo, hi] with 0 <= lo <= hi"


def json_path(path: str, key: Any) -> str:
    """``path`` extended by one key or index, JSON-path style: ``$["block"]["_value"][0]``."""
    return f"{path}[{json.dumps(key, default=str)}]"


def show(value: Any) -> str:
    """A short JSON rendering of ``value`` for messages (never fails, truncated past 60 characters)."""
    try:
        text = json.dumps(value, default=repr)
    except (TypeError, ValueError):  # circular structures, odd keys
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def option_key(value: Any) -> tuple[str, Any]:
    """Identity of a ``choice`` option: ``1`` and ``1.0`` are the same option, ``True`` and ``1`` are not."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ("number", value)
    return (type(value).__name__, value)


class _Parser:
    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.warnings: list[Issue] = []

    def err(self, path: str, message: str) -> None:
        self.issues.append(Issue(path, message))

    def warn(self, path: str, message: str) -> None:
        """A leniency NNI allowed (nni-compat §3): legal, but worth a warning naming the JSON path."""
        self.warnings.append(Issue(path, message))

    # -- top level -------------------------------------------------------------------------------------
    def parse(self, doc: Any) -> list[Block | ChoiceParam]:
        if not isinstance(doc, dict):
            self.err("$", f"expected a JSON object mapping keys to entries, got {type(doc).__name__} "
                          f"{show(doc)}; write {{\"<block>\": {_WRAPPED_EXAMPLE}}}")
            return []
        if not doc:
            self.err("$", "the search space {} is empty; it needs at least one mutable_layer block or choice "
                          f"entry, e.g. {{\"<block>\": {_WRAPPED_EXAMPLE}}}")
            return []
        entries: list[Block | ChoiceParam] = []
        for key, value in doc.items():
            path = json_path("$", key)
            if not isinstance(key, str):
                self.err(path, f"entry keys must be strings, got {type(key).__name__} {show(key)}; "
                               "use the block id or the choice key as a string")
                continue
            entry = self.parse_entry(key, value, path)
            if entry is not None:
                entries.append(entry)
        return entries

    def parse_entry(self, key: str, value: Any, path: str) -> Block | ChoiceParam | None:
        if not isinstance(value, dict):
            self.err(path, f"expected an object with \"_type\" and \"_value\", got {show(value)}; write "
                           f"{_WRAPPED_EXAMPLE} or {{\"_type\": \"choice\", \"_value\": [...]}}")
            return None
        if "_type" not in value:
            if value and all(isinstance(v, dict) and "layer_choice" in v for v in value.values()):
                return self.parse_block(key, value, path, wrapped=False)  # NNI v0.9 unwrapped form
            self.err(path, f"missing \"_type\" in {show(value)}; expected {_WRAPPED_EXAMPLE} or "
                           "{\"_type\": \"choice\", \"_value\": [...]}")
            return None
        kind = value["_type"]
        extra = sorted(str(k) for k in set(value) - {"_type", "_value"})
        if extra:
            self.err(path, f"unexpected keys {extra}; an entry has only \"_type\" and \"_value\": "
                           "remove them")
        tpath = json_path(path, "_type")
        if kind not in _SUPPORTED_TYPES:
            self._bad_type(kind, tpath)
            return None
        if "_value" not in value:
            what = "layers object" if kind == "mutable_layer" else "list of options"
            self.err(path, f"entry of _type {show(kind)} has no \"_value\"; add the {what} as \"_value\"")
            return None
        vpath = json_path(path, "_value")
        if kind == "choice":
            return self.parse_choice(key, value["_value"], vpath)
        layers = value["_value"]
        if not isinstance(layers, dict):
            self.err(vpath, f"expected an object mapping layer ids to layers, got {show(layers)}; "
                            "write {\"mutable_layer_0\": {\"layer_choice\": [...], ...}}")
            return None
        return self.parse_block(key, layers, vpath, wrapped=True)

    def _bad_type(self, kind: Any, path: str) -> None:
        supported = ", ".join(_SUPPORTED_TYPES)
        if isinstance(kind, str) and kind in _KNOWN_UNSUPPORTED:
            self.err(path, f"_type {show(kind)} is not supported by nastune's NAS tuners; supported: "
                           f"{supported} (replace it with a \"choice\" over explicit values)")
            return
        close = difflib.get_close_matches(kind, _SUPPORTED_TYPES, n=1) if isinstance(kind, str) else []
        hint = f"did you mean {close[0]!r}? " if close else ""
        self.err(path, f"unknown _type {show(kind)}; {hint}expected one of: {supported}")

    def parse_choice(self, key: str, options: Any, path: str) -> ChoiceParam | None:
        if not isinstance(options, list) or not options:
            self.err(path, f"a choice needs a non-empty list of options, got {show(options)}; "
                           "write e.g. [0.1, 0.01]")
            return None
        seen: dict[tuple[str, Any], int] = {}
        for i, opt in enumerate(options):
            if not (opt is None or isinstance(opt, (str, int, float))):
                self.err(json_path(path, i), f"option {show(opt)} is not a number, string, boolean or null; "
                                             "write nested values as a string")
                continue
            if isinstance(opt, float) and not math.isfinite(opt):
                self.err(json_path(path, i), f"option {opt!r} is not a finite number; remove it")
                continue
            marker = option_key(opt)
            if marker in seen:
                self.err(json_path(path, i), f"duplicate option {show(opt)} (same as option {seen[marker]}); "
                                             "remove the repeated entry")
            else:
                seen[marker] = i
        return ChoiceParam(key, tuple(options))

    # -- blocks and layers -----------------------------------------------------------------------------
    def parse_block(self, key: str, layers: dict[Any, Any], path: str, *, wrapped: bool) -> Block | None:
        if not layers:
            self.err(path, "a mutable_layer block needs at least one layer; add "
                           "{\"mutable_layer_0\": {\"layer_choice\": [...]}} or remove the block")
            return None
        parsed = []
        for name, layer in layers.items():
            lpath = json_path(path, name)
            if not isinstance(name, str):
                self.err(lpath, f"layer ids must be strings, got {show(name)}; "
                                "write e.g. \"mutable_layer_0\"")
                continue
            result = self.parse_layer(key, name, layer, lpath)
            if result is not None:
                parsed.append(result)
        return Block(key, tuple(parsed), wrapped)

    def _strings(self, value: Any, path: str, what: str, *, allow_empty: bool) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.err(path, f"{what} must be a list of strings, got {show(value)}; write [\"...\", ...]")
            return None
        if not value and not allow_empty:
            self.err(path, f"{what} is empty; give at least one candidate op string (e.g. [\"conv(ch=64)\"])")
            return None
        ok = True
        seen: dict[str, int] = {}
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.err(json_path(path, i), f"{what} entries must be strings (normalised source), got "
                                             f"{show(item)}; quote it as {json.dumps(show(item))}")
                ok = False
            elif item in seen:
                # nni-compat §3: legal (NNI kept it); the repeat shares the first one's runtime key
                self.warn(json_path(path, i), f"duplicate {what} entry {item!r} (same as entry {seen[item]}) "
                                              "shares one runtime key with it, so it is not a separate "
                                              "candidate; nastune keeps only the first (remove the repeat "
                                              "to silence this warning)")
            else:
                seen[item] = i
        return tuple(seen) if ok else None  # first occurrences, in document order

    def _size(self, size: Any, path: str) -> tuple[int, int] | None:
        if _is_int(size):
            if size < 0:
                self.err(path, f"optional_input_size must be >= 0, got {size}; {_SIZE_FIX}")
                return None
            return size, size
        if isinstance(size, list):
            if len(size) != 2 or not all(_is_int(v) for v in size):
                fix = _SIZE_FIX
                if len(size) > 2 and all(_is_int(v) for v in size[:2]):
                    fix = f"write [{size[0]}, {size[1]}] (NNI silently kept the first two elements)"
                self.err(path, f"optional_input_size range must be [lo, hi] with two integers, got "
                               f"{show(size)}; {fix}")
                return None
            lo, hi = size
            if lo < 0 or lo > hi:
                self.err(path, f"optional_input_size range should be [lo, hi] with 0 <= lo <= hi, got "
                               f"{size}; write [{min(max(lo, 0), max(hi, 0))}, {max(lo, hi, 0)}]")
                return None
            return lo, hi
        self.err(path, f"optional_input_size must be an integer k >= 0 or a range [lo, hi], got "
                       f"{show(size)}; {_SIZE_FIX}")
        return None

    def _unknown_key(self, key: Any, path: str) -> None:
        if key in _ANNOTATION_ONLY:
            self.err(path, f"{key!r} belongs to the @nni.mutable_layers annotation, not to the search-space "
                           f"JSON; remove it (layer keys: {', '.join(_LAYER_KEYS)})")
            return
        close = difflib.get_close_matches(key, _LAYER_KEYS, n=1) if isinstance(key, str) else []
        hint = f"did you mean {close[0]!r}? " if close else ""
        self.err(path, f"unexpected layer key {show(key)}; {hint}allowed: {', '.join(_LAYER_KEYS)}")

    def parse_layer(self, block: str, name: str, layer: Any, path: str) -> Layer | None:
        if not isinstance(layer, dict):
            self.err(path, f"a layer must be an object with {', '.join(_LAYER_KEYS)}, got {show(layer)}; "
                           "write {\"layer_choice\": [\"op()\"], \"optional_inputs\": [], "
                           "\"optional_input_size\": 0}")
            return None
        for key in layer:
            if key not in _LAYER_KEYS:
                self._unknown_key(key, json_path(path, key))
        if "layer_choice" not in layer:
            self.err(path, "missing \"layer_choice\" (the list of candidate op strings); "
                           "add \"layer_choice\": [\"op()\", ...]")
            choices = None
        else:
            choices = self._strings(layer["layer_choice"], json_path(path, "layer_choice"), "layer_choice",
                                    allow_empty=False)
        inputs = self._strings(layer.get("optional_inputs", []), json_path(path, "optional_inputs"),
                               "optional_inputs", allow_empty=True)
        spath = json_path(path, "optional_input_size")
        if inputs and "optional_input_size" not in layer:
            self.err(path, f"optional_input_size must exist when optional_inputs exists ({len(inputs)} "
                           "optional inputs); add \"optional_input_size\": k or [lo, hi]")
            return None
        size_json = layer.get("optional_input_size", 0)
        size = self._size(size_json, spath)
        if inputs is None or size is None:
            return None
        lo, hi = size
        if not inputs and hi > 0:
            self.err(spath, f"optional_input_size {show(size_json)} asks for inputs but optional_inputs is "
                            "empty; use 0 (or list the optional inputs)")
            return None
        if choices is None:
            return None
        if hi > len(inputs) > 0:
            self.warn(path, f"optional_input_size {show(size_json)} exceeds the {len(inputs)} optional "
                            "inputs; NNI allowed this (inputs repeat), so choices will repeat inputs")
        frozen = size_json if isinstance(size_json, int) else (lo, hi)
        return Layer(block, name, choices, inputs, lo, hi, frozen)


def parse_space(doc: Any) -> tuple[list[Block | ChoiceParam], list[Issue]]:
    """Parse ``doc``; return its entries in document order and every issue found.

    NNI leniencies (a size above the input count, repeated ``layer_choice``/``optional_inputs`` strings, which
    are kept once) are legal and reported as ``UserWarning``s ``<JSON path>: <message>``.
    """
    parser = _Parser()
    entries = parser.parse(doc)
    for warning in parser.warnings:  # one stable location: each distinct warning shows once per process
        warnings.warn(str(warning), stacklevel=2)
    return entries, parser.issues
