"""Digits NAS demo: a random-feature network whose layers are chosen by ``@nni.mutable_layers``.

Each hidden layer is a fixed random projection (seeded, so an architecture always gives the same network)
followed by a non-linearity; the readout is a ridge classifier fitted on the last layer. The tuner chooses
each layer's op and width and its skip connections; the final result is accuracy on a held-out split of
scikit-learn's digits (1,797 8x8 images). One trial takes well under a second after imports.
Run standalone with ``NASTUNE_PARAMETERS=choice.json python trial.py`` after ``nastune annotate``.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import train_test_split


def _combine(inputs):
    fixed, chosen = inputs
    return np.concatenate(list(fixed) + list(chosen), axis=1)


def _project(x, width, seed):
    weights = np.random.default_rng(seed).normal(0.0, 1.0 / np.sqrt(x.shape[1]), (x.shape[1], width))
    return x @ weights


def relu(inputs, width):
    x = _combine(inputs)
    return np.maximum(_project(x, width, seed=x.shape[1] * 7 + width), 0.0)


def tanh(inputs, width):
    x = _combine(inputs)
    return np.tanh(_project(x, width, seed=x.shape[1] * 11 + width))


def identity(inputs):
    return _combine(inputs)


def main():
    digits = load_digits()
    x = digits.data / 16.0  # noqa: F841 (used by the annotation)
    """@nni.mutable_layers(
    {
        layer_choice: [relu(width=64), relu(width=256), tanh(width=256)],
        fixed_inputs: [x],
        layer_output: h1
    },
    {
        layer_choice: [relu(width=256), tanh(width=512), identity()],
        fixed_inputs: [h1],
        optional_inputs: [x],
        optional_input_size: [0, 1],
        layer_output: h2
    },
    {
        layer_choice: [relu(width=512), relu(width=1024), identity()],
        fixed_inputs: [h2],
        optional_inputs: [x, h1],
        optional_input_size: [0, 1],
        layer_output: h3
    }
    )"""
    features = h3  # noqa: F821 (h3 is the annotation's layer_output)
    train_x, val_x, train_y, val_y = train_test_split(features, digits.target, test_size=0.3, random_state=0)
    model = RidgeClassifier(alpha=1.0).fit(train_x, train_y)
    accuracy = float(model.score(val_x, val_y))  # noqa: F841 (reported by the annotation below)
    """@nni.report_final_result(accuracy)"""


if __name__ == "__main__":
    main()
