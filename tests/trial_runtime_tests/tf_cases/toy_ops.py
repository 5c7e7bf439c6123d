"""The toy acceptance case's ops (nni-compat §16.3), written against whatever ``tf`` module is passed in."""

from __future__ import annotations

from typing import Any

BLOCK = "toy/mutable_block_29"
LAYER = "mutable_layer_0"
CHOICES = ["plus(k=1.0)", "times(k=10.0)", "plus(k=5.0)"]


def funcs(tf: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(funcs, funcs_args)`` exactly as the compiler emits them for the toy's annotation."""

    def plus(inputs: list[Any], k: float = 0.0) -> Any:
        return tf.add_n(inputs[0]) + tf.reduce_sum(inputs[1], axis=0) + k

    def times(inputs: list[Any], k: float = 1.0) -> Any:
        return (tf.add_n(inputs[0]) + tf.reduce_sum(inputs[1], axis=0)) * k

    return ({CHOICES[0]: plus, CHOICES[1]: times, CHOICES[2]: plus},
            {CHOICES[0]: {"k": 1.0}, CHOICES[1]: {"k": 10.0}, CHOICES[2]: {"k": 5.0}})


def native(op: int, inputs: list[str]) -> dict[str, Any]:
    return {BLOCK: {LAYER: {"chosen_layer": CHOICES[op], "chosen_inputs": inputs}}}


def converted(op: int, size: int, state: int) -> dict[str, Any]:
    p = f"_mutable_layer/{BLOCK}/{LAYER}"
    return {f"{p}/layer_choice": CHOICES[op], f"{p}/optional_input_size": size,
            f"{p}/optional_input_chosen_state": state}


R3_NATIVE = [native(0, []), native(1, ["a"]), native(2, ["b"])]
R3_CONVERTED = [converted(0, 0, 0), converted(1, 1, 0), converted(2, 1, 1)]
