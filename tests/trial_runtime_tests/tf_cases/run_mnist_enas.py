"""enas_mode against classic_mode on the mnist-nas example, end to end (compiler, signals, gradients).

The example is compiled in both modes. Per fixed architecture: one enas graph (every candidate, signals
loaded by ``training_update``, which fetches the same architecture before every step) and one classic graph
(only the chosen ops), the classic weights copied from the enas graph's chosen candidates, then the same
Adam steps on the same minibatches. Printed per architecture: both loss curves, the gradient norms of the
chosen and the unchosen weights at the start, whether the unchosen weights moved.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow.compat.v1 as tf
from _harness import main, nni, use_parameters

from nastuners.annotation import expand
from trial_runtime.datasets import load

tf.disable_eager_execution()

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "mnist_nas"
STEPS = 15
OUT = Path(tempfile.mkdtemp(prefix="mnist_enas_"))
expand(EXAMPLE, OUT / "classic_mode", nas_mode="classic_mode")
(BLOCK,) = expand(EXAMPLE, OUT / "enas_mode", nas_mode="enas_mode")  # one block, its id from the line number


def _module(mode: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"mnist_nas_{mode}", OUT / mode / "mnist_nas.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


ENAS, CLASSIC = _module("enas_mode"), _module("classic_mode")
X_TRAIN, Y_TRAIN, _, _ = load()


def architecture(ops: list[str], conv2_inputs: list[str], pool2_inputs: list[str]) -> dict[str, Any]:
    inputs = {3: conv2_inputs, 5: pool2_inputs}
    return {BLOCK: {f"mutable_layer_{i}": {"chosen_layer": op, "chosen_inputs": inputs.get(i, [])}
                    for i, op in enumerate(ops)}}


RELU, SIGMOID = "activation(kind='relu')", "activation(kind='sigmoid')"
ARCHITECTURES = {  # every candidate op, both skip connections, relu and sigmoid
    "conv5_sigmoid_max_skip": architecture(["conv2d(size=5, in_ch=1)", SIGMOID, "max_pool()",
                                            "conv2d(size=3)", RELU, "avg_pool()"],
                                           ["pool1_out"], ["conv2_out"]),
    "conv3_relu_avg": architecture(["conv2d(size=3, in_ch=1)", RELU, "avg_pool()", "conv2d(size=1)", SIGMOID,
                                    "max_pool()"], [], ["pool1_out"]),
    "conv1_relu_max": architecture(["conv2d(size=1, in_ch=1)", RELU, "max_pool()", "conv2d(size=3)", RELU,
                                    "max_pool()"], [], []),
}


def chosen_variable_indices(arch: dict[str, Any]) -> list[int]:
    """Indices of the chosen ops' weights among the enas graph's trainable variables (creation order).

    The example's conv candidates create a kernel and a bias each (3 in layer 0, 2 in layer 3), then the
    classifier; classic creates only the chosen ones, in the same order.
    """
    first = ["conv2d(size=1, in_ch=1)", "conv2d(size=3, in_ch=1)", "conv2d(size=5, in_ch=1)"]
    second = ["conv2d(size=1)", "conv2d(size=3)"]
    i = first.index(arch[BLOCK]["mutable_layer_0"]["chosen_layer"])
    j = second.index(arch[BLOCK]["mutable_layer_3"]["chosen_layer"])
    return [2 * i, 2 * i + 1, 6 + 2 * j, 7 + 2 * j, 10, 11]


def compare(name: str) -> dict[str, Any]:
    arch = ARCHITECTURES[name]
    use_parameters(arch)  # every fetch returns this architecture
    nni_params = sys.modules["trial_runtime._params"]
    nni_params.clear()
    rng = np.random.default_rng(0)
    batches = [rng.choice(len(X_TRAIN), 64) for _ in range(STEPS)]
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        x, labels, loss, _ = ENAS.build(X_TRAIN.shape[1:])
        weights = tf.trainable_variables()
        grads = tf.gradients(loss, weights)
        train = tf.train.AdamOptimizer(0.01).minimize(loss)
        enas = tf.Session()
        enas.run(tf.global_variables_initializer())
    chosen = chosen_variable_indices(arch)
    unchosen = [i for i in range(len(weights)) if i not in chosen]
    start = enas.run(weights)
    enas_losses, norms = [], None
    for step, batch in enumerate(batches):
        nni.training_update("enas_mode", tf=tf, session=enas)
        feed = {x: X_TRAIN[batch], labels: Y_TRAIN[batch]}
        if step == 0:
            norms = [float(np.linalg.norm(g)) for g in enas.run(grads, feed)]
        enas_losses.append(float(enas.run([loss, train], feed)[0]))
    end = enas.run(weights)
    enas.close()
    with tf.Graph().as_default():
        x, labels, loss, _ = CLASSIC.build(X_TRAIN.shape[1:])  # reads the architecture (classic_mode)
        classic_weights = tf.trainable_variables()
        train = tf.train.AdamOptimizer(0.01).minimize(loss)
        with tf.Session() as classic:
            classic.run(tf.global_variables_initializer())
            for var, index in zip(classic_weights, chosen, strict=True):
                var.load(start[index], classic)
            classic_losses = [float(classic.run([loss, train], {x: X_TRAIN[b], labels: Y_TRAIN[b]})[0])
                              for b in batches]
    return {"enas_losses": enas_losses, "classic_losses": classic_losses,
            "chosen_grad_norms": [norms[i] for i in chosen],
            "unchosen_grad_norms": [norms[i] for i in unchosen],
            "unchosen_moved": [bool(np.any(start[i] != end[i])) for i in unchosen],
            "classic_variables": len(classic_weights)}


CASES = {f"mnist_enas_vs_classic_{name}": (lambda name=name: compare(name)) for name in ARCHITECTURES}

if __name__ == "__main__":
    main(CASES)
