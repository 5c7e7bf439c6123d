"""Choice documents against a space: validation (NNI-legal, foreign) and strict encoding to vectors."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import ChoiceError, Issue
from . import _inputs
from ._model import Block, ChoiceParam, Decision, Layer
from ._parse import json_path, option_key, show

if TYPE_CHECKING:
    from ._space import SearchSpace, Vector

_LAYER_EXAMPLE = '{"chosen_layer": "<one of layer_choice>", "chosen_inputs": [...]}'


def _option_index(param: ChoiceParam, value: Any) -> int | None:
    try:
        return param.option_index.get(option_key(value))  # a dict: large choice lists encode in O(1)
    except TypeError:  # unhashable value (a list, an object): not an option
        return None


def _did_you_mean(key: Any, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1) if isinstance(key, str) else []
    return f"did you mean {close[0]!r}? " if close else ""


def _allowed(layer: Layer) -> str:
    lo, hi = layer.size_lo, layer.size_hi
    return f"exactly {lo}" if lo == hi else f"{lo} to {hi}"


class _Checker:
    """Walks a choice document in decision order; ``vector`` is complete only when ``issues`` is empty."""

    def __init__(self, space: SearchSpace, *, strict: bool) -> None:
        self.space = space
        self.strict = strict
        self.issues: list[Issue] = []
        self.vector: list[int] = []
        self.inputs_decisions: dict[int, Decision] = {
            id(d.layer): d for d in space.decisions if d.kind == "inputs"}

    def err(self, path: str, message: str) -> None:
        self.issues.append(Issue(path, message))

    def check(self, doc: Any) -> None:
        if not isinstance(doc, Mapping):
            self.err("$", f"a choice document must be an object mapping block ids (and choice keys) to "
                          f"choices, got {type(doc).__name__} {show(doc)}")
            return
        known = [e.key for e in self.space.entries]
        for key in doc:
            if key not in known:
                self.err(json_path("$", key), f"{show(key)} is not a key of the search space; "
                                              f"{_did_you_mean(key, known)}keys: {show(known)}; remove it")
        for entry in self.space.entries:
            path = json_path("$", entry.key)
            if entry.key not in doc:
                if isinstance(entry, Block):
                    self.err(path, f"missing block {entry.key!r}; add {{\"<layer id>\": {_LAYER_EXAMPLE}}} "
                                   "for each of its layers")
                else:
                    self.err(path, f"missing choice entry {entry.key!r}; add one of the options "
                                   f"{show(list(entry.options))}")
            elif isinstance(entry, ChoiceParam):
                self.param(entry, doc[entry.key], path)
            else:
                self.block(entry, doc[entry.key], path)

    def param(self, param: ChoiceParam, value: Any, path: str) -> None:
        i = _option_index(param, value)
        if i is None:
            self.err(path, f"{show(value)} is not one of the options {show(list(param.options))}; "
                           "use one of them")
        else:
            self.vector.append(i)

    def block(self, block: Block, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            self.err(path, f"a block choice must map layer ids to {_LAYER_EXAMPLE}, got {show(value)}")
            return
        names = [layer.name for layer in block.layers]
        for key in value:
            if key not in names:
                self.err(json_path(path, key), f"block {block.key!r} has no layer {show(key)}; "
                                               f"{_did_you_mean(key, names)}its layer ids: {names}; "
                                               "rename or remove it")
        for layer in block.layers:
            lpath = json_path(path, layer.name)
            if layer.name not in value:
                self.err(lpath, f"missing layer {layer.name!r}; add {_LAYER_EXAMPLE}")
            else:
                self.layer(layer, value[layer.name], lpath)

    def layer(self, layer: Layer, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            self.err(path, f"expected {_LAYER_EXAMPLE}, got {show(value)}")
            return
        keys = ("chosen_layer", "chosen_inputs")
        for key in value:
            if key not in keys:
                self.err(json_path(path, key), f"unexpected key {show(key)}; {_did_you_mean(key, keys)}"
                                               "a layer choice has only \"chosen_layer\" and "
                                               "\"chosen_inputs\": rename or remove it")
        if "chosen_layer" not in value:
            self.err(path, f"missing \"chosen_layer\"; add \"chosen_layer\": one of "
                           f"{list(layer.layer_choice)}")
        else:
            chosen = value["chosen_layer"]
            if isinstance(chosen, str) and chosen in layer.layer_choice:
                self.vector.append(layer.layer_choice.index(chosen))
            else:
                self.err(json_path(path, "chosen_layer"), f"chosen_layer {show(chosen)} is not one of "
                                                          f"{list(layer.layer_choice)}; use one of them")
        if "chosen_inputs" not in value and layer.optional_inputs:
            # NNI's runtime failed (KeyError) here too; a layer without optional inputs needs none
            self.err(path, f"missing \"chosen_inputs\"; add \"chosen_inputs\": a list of "
                           f"{_allowed(layer)} of {list(layer.optional_inputs)}")
            return
        inputs = value.get("chosen_inputs", [])
        ipath = json_path(path, "chosen_inputs")
        if not isinstance(inputs, list):
            self.err(ipath, f"chosen_inputs must be a list of input names, got {show(inputs)}; "
                            f"write e.g. {show(list(layer.optional_inputs[:1]))}")
            return
        self.inputs(layer, inputs, ipath)

    def inputs(self, layer: Layer, inputs: list[Any], path: str) -> None:
        before = len(self.issues)
        optional = layer.optional_inputs
        for i, name in enumerate(inputs):
            if not isinstance(name, str) or name not in optional:
                self.err(json_path(path, i), f"{show(name)} is not one of the optional inputs "
                                             f"{list(optional)} of {layer.path}; use one of them")
        count, n = len(inputs), len(optional)
        if not layer.size_lo <= count <= layer.size_hi:
            self.err(path, f"{count} inputs chosen {show(inputs)}; {layer.path} takes {_allowed(layer)} of "
                           f"{list(optional)}")
        if len(self.issues) > before:
            return
        if self.strict and count <= n and len(set(inputs)) != count:
            self.err(path, f"repeated inputs {show(inputs)} cannot be encoded: with {count} <= {n} "
                           "optional inputs nastune's encoding picks distinct inputs; use distinct names "
                           "(validate_choice accepts NNI's repeats)")
            return
        if optional and self.strict:
            decision = self.inputs_decisions[id(layer)]
            self.vector.append(_inputs.category(decision, [optional.index(name) for name in inputs]))


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
