"""Annotated toy trial: two numpy layers chosen by @nni.mutable_layers; the result is a known function."""

import numpy as np


def scale(inputs, k):
    fixed, chosen = inputs
    return (fixed[0] + sum(chosen)) * k


def shift(inputs, k):
    fixed, chosen = inputs
    return fixed[0] + sum(chosen) + k


def square(inputs):
    fixed, chosen = inputs
    return (fixed[0] + sum(chosen)) ** 2


def main():
    x = np.arange(4.0)  # noqa: F841 (used by the annotation)
    """@nni.mutable_layers(
    {
        layer_choice: [scale(k=2), shift(k=1), square()],
        fixed_inputs: [x],
        layer_output: l0
    },
    {
        layer_choice: [scale(k=2), shift(k=1)],
        fixed_inputs: [l0],
        optional_inputs: [x],
        optional_input_size: [0, 1],
        layer_output: l1
    }
    )"""
    """@nni.report_intermediate_result(float(l0.sum()))"""
    """@nni.report_final_result(float(l1.sum()))"""


if __name__ == "__main__":
    main()
