"""Choice documents against a space: validation (NNI-legal, foreign) and strict encoding to vectors."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import ChoiceError, Issue
from ._model import Block, ChoiceParam, Layer

if TYPE_CHECKING:
    from ._space import SearchSpace, Vector


def _p(path: str, key: str | int) -> str:
    return f"{path}[{json.dumps(key)}]"


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b or (
        isinstance(a, (int, float)) and isinstance(b, (int, float))
        and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


class _Checker:
    def __init__(self, space: SearchSpace, *, strict: bool) -> None:
        self.space = space
        self.strict = strict
        self.issues: list[Issue] = []
        self.vector: list[int] = []

    def err(self, path: str, message: str) -> None:
        self.issues.append(Issue(path, message))
        self.vector.append(-1)

    def check(self, doc: Any) -> None:
        if not isinstance(doc, Mapping):
            self.issues.append(Issue("$", f"a choice document must be an object, got {type(doc).__name__}"))
            return
        known = {e.key for e in self.space.entries}
        for key in doc:
            if key not in known:
                close = difflib.get_close_matches(str(key), sorted(known), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.issues.append(Issue(_p("$", key), f"not a key of the search space{hint}"))
        for entry in self.space.entries:
            path = _p("$", entry.key)
            if entry.key not in doc:
                what = "block" if isinstance(entry, Block) else "choice entry"
                self.err(path, f"missing {what} {entry.key!r}")
                continue
            if isinstance(entry, ChoiceParam):
                self.param(entry, doc[entry.key], path)
            else:
                self.block(entry, doc[entry.key], path)

    def param(self, param: ChoiceParam, value: Any, path: str) -> None:
        for i, opt in enumerate(param.options):
            if _same(opt, value):
                self.vector.append(i)
                return
        self.err(path, f"{json.dumps(value, default=repr)} is not one of the options "
                       f"{json.dumps(list(param.options), default=repr)}")

    def block(self, block: Block, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            self.err(path, "a block choice must map layer ids to {\"chosen_layer\", \"chosen_inputs\"}")
            return
        names = {layer.name for layer in block.layers}
        for key in value:
            if key not in names:
                self.issues.append(Issue(_p(path, key), f"block {block.key!r} has no layer {key!r}; "
                                                        f"layers: {sorted(names)}"))
        for layer in block.layers:
            lpath = _p(path, layer.name)
            if layer.name not in value:
                self.err(lpath, f"missing layer {layer.name!r}")
                if layer.optional_inputs:
                    self.vector.append(-1)
                continue
            self.layer(layer, value[layer.name], lpath)

    def layer(self, layer: Layer, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            self.err(path, "expected {\"chosen_layer\": ..., \"chosen_inputs\": [...]}")
            if layer.optional_inputs:
                self.vector.append(-1)
            return
        for key in value:
            if key not in ("chosen_layer", "chosen_inputs"):
                self.issues.append(Issue(_p(path, key), "unexpected key; a layer choice has "
                                                        "\"chosen_layer\" and \"chosen_inputs\""))
        chosen = value.get("chosen_layer")
        if "chosen_layer" not in value:
            self.err(path, "missing \"chosen_layer\"")
        elif isinstance(chosen, str) and chosen in layer.layer_choice:
            self.vector.append(layer.layer_choice.index(chosen))
        else:
            self.err(_p(path, "chosen_layer"), f"chosen_layer {json.dumps(chosen, default=repr)} is not one of "
                                               f"{list(layer.layer_choice)}")
        inputs = value.get("chosen_inputs", [])
        ipath = _p(path, "chosen_inputs")
        if not isinstance(inputs, list):
            self.issues.append(Issue(ipath, f"chosen_inputs must be a list of input names, got "
                                            f"{json.dumps(inputs, default=repr)}"))
            if layer.optional_inputs:
                self.vector.append(-1)
            return
        self.inputs(layer, inputs, ipath)

    def inputs(self, layer: Layer, inputs: list[Any], path: str) -> None:
        ok = True
        for i, name in enumerate(inputs):
            if not isinstance(name, str) or name not in layer.optional_inputs:
                self.issues.append(Issue(_p(path, i), f"{json.dumps(name, default=repr)} is not one of the "
                                                      f"optional inputs {list(layer.optional_inputs)}"))
                ok = False
        count = len(inputs)
        if not layer.size_lo <= count <= layer.size_hi:
            allowed = (f"exactly {layer.size_lo}" if layer.size_lo == layer.size_hi
                       else f"{layer.size_lo} to {layer.size_hi}")
            self.issues.append(Issue(path, f"{count} inputs chosen; {layer.path} takes {allowed}"))
            ok = False
        n = len(layer.optional_inputs)
        if ok and self.strict and count <= n and len(set(inputs)) != count:
            self.issues.append(Issue(path, f"repeated inputs {inputs} cannot be encoded: nastune encodes "
                                           f"{count} distinct inputs out of {n}"))
            ok = False
        if not layer.optional_inputs:
            return
        if not ok:
            self.vector.append(-1)
            return
        indices = tuple(sorted(layer.optional_inputs.index(name) for name in inputs))
        d = next(d for d in self.space.decisions if d.kind == "inputs" and d.layer is layer)
        from ._space import _category

        self.vector.append(_category(d, indices))


def validate(space: SearchSpace, doc: Any, *, source: str | None = None) -> None:
    """Raise ``ChoiceError`` with every problem of ``doc``; NNI-legal repeats and any order are accepted."""
    checker = _Checker(space, strict=False)
    checker.check(doc)
    if checker.issues:
        raise ChoiceError(checker.issues, source=source)


def encode(space: SearchSpace, doc: Mapping[str, Any]) -> Vector:
    """The vector of ``doc``; raise ``ChoiceError`` when it does not fit or cannot be encoded."""
    checker = _Checker(space, strict=True)
    checker.check(doc)
    if checker.issues:
        raise ChoiceError(checker.issues)
    return tuple(checker.vector)
