"""NNI v1.1's flattened (hyperopt-converted) format: conversion bounds, decoding, and ``from_converted``."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from nastuners.exceptions import ChoiceError
from nastuners.space import (
    SearchSpace,
    convert_space,
    converted_prefix,
    decode_converted_layer,
    split_converted_key,
)

from ._docs import AC2, AC3, AC4, AC9


def bounds(converted: dict[str, Any], prefix: str) -> tuple[Any, Any]:
    return (
        converted[f"{prefix}/optional_input_size"]["_value"],
        converted[f"{prefix}/optional_input_chosen_state"]["_value"],
    )


def test_decoding_examples_from_the_spec() -> None:
    params = {
        "_mutable_layer/b/l/layer_choice": "f()",
        "_mutable_layer/b/l/optional_input_size": 1,
        "_mutable_layer/b/l/optional_input_chosen_state": 1,
    }
    assert decode_converted_layer(params, "b", "l", ["a", "b"]) == ("f()", ["b"])
    params.update(
        {"_mutable_layer/b/l/optional_input_size": 2, "_mutable_layer/b/l/optional_input_chosen_state": 5}
    )
    assert decode_converted_layer(params, "b", "l", ["out0", "out1", "out2"]) == ("f()", ["out2", "out1"])
    # digits index the *sorted* names: AC-4 layer 1, size 1, state 1 -> sorted ["l0", "x"] -> ["x"]
    params.update(
        {"_mutable_layer/b/l/optional_input_size": 1, "_mutable_layer/b/l/optional_input_chosen_state": 1}
    )
    assert decode_converted_layer(params, "b", "l", ["x", "l0"]) == ("f()", ["x"])
    # hyperopt hands back floats for randint: int() them like NNI; repeats are possible
    params.update(
        {"_mutable_layer/b/l/optional_input_size": 3.0, "_mutable_layer/b/l/optional_input_chosen_state": 0.0}
    )
    assert decode_converted_layer(params, "b", "l", ["x", "l0"]) == ("f()", ["l0", "l0", "l0"])


def test_decoding_errors() -> None:
    p = converted_prefix("b", "l")
    assert p == "_mutable_layer/b/l"
    with pytest.raises(ChoiceError) as info:
        decode_converted_layer({f"{p}/layer_choice": "f()"}, "b", "l", ["a"])
    assert [i.path for i in info.value.issues] == [
        f'$["{p}/optional_input_size"]',
        f'$["{p}/optional_input_chosen_state"]',
    ]
    assert "missing converted parameter" in info.value.issues[0].message
    params = {
        f"{p}/layer_choice": "f()",
        f"{p}/optional_input_size": 1,
        f"{p}/optional_input_chosen_state": 0,
    }
    with pytest.raises(ChoiceError, match="count 1 asks for inputs, but the layer has no optional inputs"):
        decode_converted_layer(params, "b", "l", [])
    with pytest.raises(ChoiceError, match="must be integers"):
        decode_converted_layer(params | {f"{p}/optional_input_size": "many"}, "b", "l", ["a"])
    with pytest.raises(ChoiceError, match="must be >= 0"):
        decode_converted_layer(params | {f"{p}/optional_input_chosen_state": -1}, "b", "l", ["a"])
    assert decode_converted_layer(params | {f"{p}/optional_input_size": 0}, "b", "l", []) == ("f()", [])


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (AC2, {"trial/mutable_block_13/mutable_layer_0": ([2, 3], [0, 9])}),
        (AC3, {"trial/mutable_block_12/mutable_layer_0": ([1, 4], [0, 64])}),
        (
            AC4,
            {
                "trial/mutable_block_24/mutable_layer_0": ([0, 1], [0, 1]),
                "trial/mutable_block_24/mutable_layer_1": ([0, 2], [0, 2]),
            },
        ),
    ],
)
def test_conversion_bounds(doc: dict[str, Any], expected: dict[str, tuple[list[int], list[int]]]) -> None:
    before = copy.deepcopy(doc)
    converted = convert_space(doc)
    assert doc == before  # never mutated (NNI incremented hi in place)
    assert len(converted) == 3 * len(expected)
    for layer_path, want in expected.items():
        prefix = f"_mutable_layer/{layer_path}"
        assert bounds(converted, prefix) == want
        assert converted[f"{prefix}/optional_input_size"]["_type"] == "randint"
        block, layer = layer_path.rsplit("/", 1)
        assert converted[f"{prefix}/layer_choice"] == {
            "_type": "choice",
            "_value": doc[block]["_value"][layer]["layer_choice"],
        }


def test_conversion_keeps_choice_entries_and_shares_nothing() -> None:
    doc = copy.deepcopy(AC9) | {
        "unwrapped/mutable_block_1": {
            "l": {"layer_choice": ["f()"], "optional_inputs": ["a", "b"], "optional_input_size": [0, 2]}
        }
    }
    before = copy.deepcopy(doc)
    converted = convert_space(doc)
    assert converted["trial/lr/choice"] == {"_type": "choice", "_value": [0.1, 0.01]}
    assert bounds(converted, "_mutable_layer/unwrapped/mutable_block_1/l") == ([0, 3], [0, 4])
    for value in converted.values():  # mutating the output leaves the input alone
        value["_value"].append("junk")
    assert doc == before


def test_empty_layer_choice_is_an_error() -> None:
    doc = copy.deepcopy(AC4)
    doc["trial/mutable_block_24"]["_value"]["mutable_layer_1"]["layer_choice"] = []
    with pytest.raises(
        ValueError, match=r"^No layer choice found in _mutable_layer/trial/mutable_block_24/mutable_layer_1$"
    ):
        convert_space(doc)


def test_split_converted_key_parses_from_the_right() -> None:
    assert split_converted_key(
        "_mutable_layer/pkg.sub.cell/mutable_block_15/mutable_layer_0/layer_choice"
    ) == ("pkg.sub.cell/mutable_block_15", "mutable_layer_0", "layer_choice")
    assert split_converted_key(
        "_mutable_layer/a/b/c/mutable_block_3/mutable_layer_2/optional_input_size"
    ) == ("a/b/c/mutable_block_3", "mutable_layer_2", "optional_input_size")
    assert split_converted_key("trial/lr/choice") is None
    assert split_converted_key("_mutable_layer/only/two") is None
    for key in convert_space(AC4):
        block, layer, field = split_converted_key(key)  # type: ignore[misc]
        assert key == f"{converted_prefix(block, layer)}/{field}"


def test_from_converted_ac4_and_ac9() -> None:
    space = SearchSpace.from_json(AC4)
    params = {
        "_mutable_layer/trial/mutable_block_24/mutable_layer_0/layer_choice": "conv5()",
        "_mutable_layer/trial/mutable_block_24/mutable_layer_0/optional_input_size": 0,
        "_mutable_layer/trial/mutable_block_24/mutable_layer_0/optional_input_chosen_state": 0,
        "_mutable_layer/trial/mutable_block_24/mutable_layer_1/layer_choice": "max_pool()",
        "_mutable_layer/trial/mutable_block_24/mutable_layer_1/optional_input_size": 1,
        "_mutable_layer/trial/mutable_block_24/mutable_layer_1/optional_input_chosen_state": 1,
    }
    native = {
        "trial/mutable_block_24": {
            "mutable_layer_0": {"chosen_layer": "conv5()", "chosen_inputs": []},
            "mutable_layer_1": {"chosen_layer": "max_pool()", "chosen_inputs": ["x"]},
        }
    }
    assert space.from_converted(params) == native
    assert space.canonical_key(space.from_converted(params)) == space.canonical_key(native)

    space = SearchSpace.from_json(AC9)
    params = {
        "trial/lr/choice": 0.01,
        "_mutable_layer/trial/mutable_block_13/mutable_layer_0/layer_choice": "conv(k=5)",
        "_mutable_layer/trial/mutable_block_13/mutable_layer_0/optional_input_size": 0,
        "_mutable_layer/trial/mutable_block_13/mutable_layer_0/optional_input_chosen_state": 0,
    }
    assert space.from_converted(params) == {
        "trial/lr/choice": 0.01,
        "trial/mutable_block_13": {"mutable_layer_0": {"chosen_layer": "conv(k=5)", "chosen_inputs": []}},
    }


def test_from_converted_collects_every_problem() -> None:
    space = SearchSpace.from_json(AC9 | AC4)
    with pytest.raises(ChoiceError) as info:
        space.from_converted(
            {"_mutable_layer/trial/mutable_block_24/mutable_layer_1/layer_choice": "conv3()"}
        )
    paths = [i.path for i in info.value.issues]
    assert paths[0] == '$["trial/lr/choice"]' and len(paths) == 1 + 3 + 3 + 2
    space = SearchSpace.from_json(AC2)
    p = "_mutable_layer/trial/mutable_block_13/mutable_layer_0"
    with pytest.raises(ChoiceError, match=r"chosen_layer \"nope\(\)\" is not one of"):
        space.from_converted(
            {
                f"{p}/layer_choice": "nope()",
                f"{p}/optional_input_size": 2,
                f"{p}/optional_input_chosen_state": 0,
            }
        )
    # NNI's repeats (state 0 -> out0, out0) are legal foreign choices
    assert space.from_converted(
        {
            f"{p}/layer_choice": "concat()",
            f"{p}/optional_input_size": 2,
            f"{p}/optional_input_chosen_state": 0,
        }
    )["trial/mutable_block_13"]["mutable_layer_0"]["chosen_inputs"] == ["out0", "out0"]


def test_every_native_choice_has_a_converted_form_that_decodes_to_it() -> None:
    space = SearchSpace.from_json(AC3 | AC4)
    rng = random.Random(3)
    for vector in space.enumerate():
        native = space.decode(vector)
        params: dict[str, Any] = {}
        for layer in space.layers:
            p = converted_prefix(layer.block, layer.name)
            chosen = native[layer.block][layer.name]
            keys = sorted(layer.optional_inputs)
            digits = [
                keys.index(name) for name in rng.sample(chosen["chosen_inputs"], len(chosen["chosen_inputs"]))
            ]
            state = sum(d * len(keys) ** i for i, d in enumerate(digits))
            params |= {
                f"{p}/layer_choice": chosen["chosen_layer"],
                f"{p}/optional_input_size": len(digits),
                f"{p}/optional_input_chosen_state": state,
            }
        assert space.encode(space.from_converted(params)) == vector
