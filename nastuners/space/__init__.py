"""The ``mutable_layer`` search space: parse → validate → encode.

A space is a sequence of categorical *decisions* (the op of each layer, the input subset of each layer with
optional inputs, each ``choice`` entry). Every tuner and the offline bench work on its integer vectors.
"""

from __future__ import annotations

from ._converted import convert_space, converted_prefix, decode_converted_layer, split_converted_key
from ._load import load_space, read_space_json
from ._model import Block, ChoiceParam, Decision, Layer
from ._space import SearchSpace, Vector

__all__ = [
    "Block",
    "ChoiceParam",
    "Decision",
    "Layer",
    "SearchSpace",
    "Vector",
    "convert_space",
    "converted_prefix",
    "decode_converted_layer",
    "load_space",
    "read_space_json",
    "split_converted_key",
]
