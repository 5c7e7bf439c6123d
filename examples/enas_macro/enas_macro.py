"""An ENAS-macro-style search space (Pham et al. 2018), TF2 style: eager code, tf.function, no session.

A stem convolution, then four layers; each picks one of five ops (3x3 / 5x5 convolution, 3x3 depthwise-
separable convolution, 3x3 max / average pooling, all stride 1) and any subset of the earlier layers' outputs
as skip connections (averaged with the layer's input), then 2x2 average pooling and a linear classifier.
Weights are created once per (layer, op) in ``WEIGHTS``, so the same code serves every nasMode.

Data: scikit-learn's digits by default, real MNIST with ``--mnist-dir DIR`` (the four idx
files, plain or .gz), both through ``trial_runtime.datasets.load``.
"""

# ruff: noqa: F821, F841, E501  (names bound by the @nni annotations; one-line layer choices)
from __future__ import annotations

import argparse
import json
import logging

import numpy as np
import tensorflow as tf

from trial_runtime import tensorflow as nas_tf
from trial_runtime.datasets import load

logger = logging.getLogger("enas_macro")
C = 16
WEIGHTS: dict[str, tf.Variable] = {}


def weight(key, shape, init=None):
    if key not in WEIGHTS:
        with tf.init_scope():  # created once, outside tf.function and enas branches
            fan_in = int(np.prod(shape[:-1]))
            value = init(shape) if init else tf.random.truncated_normal(shape, stddev=np.sqrt(2.0 / fan_in))
            WEIGHTS[key] = tf.Variable(value, name=key.replace("/", "_"))
    return WEIGHTS[key]


def merge(inputs):
    """The mean of the fixed input and the chosen skip connections (a list, or enas' stacked tensor).

    A mean, not a sum: the scale stays the same however many skips an architecture picks, so weights shared
    across architectures (enas) and the summed supergraph paths (oneshot, darts) keep training stably.
    """
    fixed, chosen = inputs
    count = len(fixed) + (tf.shape(chosen)[0] if tf.is_tensor(chosen) else len(chosen))
    total = tf.add_n(fixed) + tf.reduce_sum(chosen, axis=0)
    return total / tf.cast(count, total.dtype)


def conv(inputs, size=3, key=""):
    x = merge(inputs)
    y = tf.nn.conv2d(x, weight(f"{key}/conv{size}", [size, size, C, C]), 1, "SAME")
    return tf.nn.relu(y + weight(f"{key}/conv{size}_b", [C], tf.zeros))


def sep_conv(inputs, size=3, key=""):
    x = merge(inputs)
    y = tf.nn.separable_conv2d(x, weight(f"{key}/dw{size}", [size, size, C, 1]),
                               weight(f"{key}/pw{size}", [1, 1, C, C]), [1, 1, 1, 1], "SAME")
    return tf.nn.relu(y)


def max_pool(inputs, key=""):
    return tf.nn.max_pool2d(merge(inputs), 3, 1, "SAME")


def avg_pool(inputs, key=""):
    return tf.nn.avg_pool2d(merge(inputs), 3, 1, "SAME")


def model(x):
    stem = tf.nn.relu(tf.nn.conv2d(x, weight("stem", [3, 3, 1, C]), 1, "SAME"))
    """@nni.mutable_layers(
    {
        layer_choice: [conv(size=3, key='l1'), conv(size=5, key='l1'), sep_conv(size=3, key='l1'), max_pool(key='l1'), avg_pool(key='l1')],
        fixed_inputs: [stem],
        layer_output: out1
    },
    {
        layer_choice: [conv(size=3, key='l2'), conv(size=5, key='l2'), sep_conv(size=3, key='l2'), max_pool(key='l2'), avg_pool(key='l2')],
        fixed_inputs: [out1],
        optional_inputs: [stem],
        optional_input_size: [0, 1],
        layer_output: out2
    },
    {
        layer_choice: [conv(size=3, key='l3'), conv(size=5, key='l3'), sep_conv(size=3, key='l3'), max_pool(key='l3'), avg_pool(key='l3')],
        fixed_inputs: [out2],
        optional_inputs: [stem, out1],
        optional_input_size: [0, 2],
        layer_output: out3
    },
    {
        layer_choice: [conv(size=3, key='l4'), conv(size=5, key='l4'), sep_conv(size=3, key='l4'), max_pool(key='l4'), avg_pool(key='l4')],
        fixed_inputs: [out3],
        optional_inputs: [stem, out1, out2],
        optional_input_size: [0, 3],
        layer_output: out4
    }
    )"""
    # 2x2 average pooling then a linear classifier on the flattened map (not ENAS' global pooling: on 8x8
    # digits the layout is most of the signal, and a short run should learn visibly in every mode)
    pooled = tf.nn.avg_pool2d(out4, 2, 2, "SAME")
    flat = tf.reshape(pooled, [-1, int(np.prod(pooled.shape[1:]))])
    return tf.matmul(flat, weight("fc", [int(flat.shape[1]), 10])) + weight("fc_b", [10], tf.zeros)


def loss_fn(x, y):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model(x)))


def main(args):
    x_train, y_train, x_test, y_test = load(args.mnist_dir)
    split = int(0.8 * len(x_train))
    fit_x, fit_y, val_x, val_y = x_train[:split], y_train[:split], x_train[split:], y_train[split:]
    rng = np.random.default_rng(args.seed)
    tf.random.set_seed(args.seed)
    # one trace creates every weight (tf.function traces all enas branches; eager runs only the chosen one)
    tf.function(loss_fn)(tf.constant(fit_x[:2]), tf.constant(fit_y[:2]))
    momentum = {key: tf.Variable(tf.zeros_like(w), trainable=False) for key, w in WEIGHTS.items()}

    @tf.function
    def train_step(x, y):
        keys = list(WEIGHTS)
        with tf.GradientTape() as tape:
            loss = loss_fn(x, y)
        for key, grad in zip(keys, tape.gradient(loss, [WEIGHTS[k] for k in keys]), strict=True):
            if grad is not None:  # enas: the ops not chosen get no gradient
                momentum[key].assign(0.9 * momentum[key] + grad)
                WEIGHTS[key].assign_sub(args.learning_rate * momentum[key])
        return loss

    @tf.function
    def accuracy(x, y):
        return tf.reduce_mean(tf.cast(tf.equal(tf.argmax(model(x), 1), y), tf.float32))

    mode = nas_tf.built_mode(tf)  # None in classic_mode (only the chosen ops were built)

    def evaluate():
        if mode == "oneshot_mode":  # inference: every path on, no dropout
            nas_tf.oneshot_evaluate(tf)
        value = float(accuracy(tf.constant(x_test), tf.constant(y_test)))
        if mode == "oneshot_mode":
            nas_tf.oneshot_train(tf)
        return value

    test_acc = 0.0
    for step in range(1, args.steps + 1):
        batch = rng.choice(len(fit_x), args.batch_size)
        val = rng.choice(len(val_x), args.batch_size)
        val_xb, val_yb = tf.constant(val_x[val]), tf.constant(val_y[val])
        """@nni.training_update(tf=tf, loss=lambda: loss_fn(val_xb, val_yb))"""
        train_step(tf.constant(fit_x[batch]), tf.constant(fit_y[batch]))
        if step % args.eval_every == 0 or step == args.steps:
            test_acc = evaluate()
            logger.info("step %d, test accuracy %.4f", step, test_acc)
            """@nni.report_intermediate_result(test_acc)"""
    result = test_acc
    if mode == "darts_mode":
        architecture = nas_tf.darts_architecture(tf)
        print("darts derived architecture:", json.dumps(architecture), flush=True)
        result = {"default": test_acc, "architecture": architecture}
    """@nni.report_final_result(result)"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-dir", help="directory with the four MNIST idx files (default: digits)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main(parse_args())
