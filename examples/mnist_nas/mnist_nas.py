"""The seed's mnist-nas network in TF1 style (tensorflow.compat.v1, placeholders, a session).

Six annotated layers: a first convolution (kernel 1/3/5), an activation, a pooling choice, a second
convolution with an optional skip connection, an activation, and a pooling choice whose input may add one of
two earlier outputs. Compile with ``nastune annotate . -o OUT --nas-mode <mode>`` (or run it through
``nastune run`` with one of ``configs/mnist_nas_*.yml``); the same source runs in all four modes.

In oneshot_mode path dropout is switched off while evaluating (``oneshot_evaluate`` / ``oneshot_train``); in
darts_mode the derived (argmax) architecture is printed and reported with the final result. In enas_mode every
step trains a new architecture on the shared weights; the reported accuracy is that of the current (last
fetched) architecture, and the log also shows the mean held-out accuracy of the architectures sampled since
the last evaluation (docs/tf_modes.md says what to expect).

Data: scikit-learn's digits (8x8) by default, real MNIST with ``--mnist-dir DIR`` (the four idx
files, plain or .gz), both through ``trial_runtime.datasets.load``.
"""

# ruff: noqa: F821, F841  (layer outputs and used inputs are bound by the @nni annotations)
from __future__ import annotations

import argparse
import json
import logging

import numpy as np
import tensorflow.compat.v1 as tf

from trial_runtime import tensorflow as nas_tf
from trial_runtime.datasets import load

tf.disable_eager_execution()
logger = logging.getLogger("mnist_nas")
CHANNELS = 16


def weight(shape):
    # callable initial values: enas_mode builds candidate ops inside tf.switch_case branches
    return tf.Variable(lambda: tf.random.truncated_normal(shape, stddev=0.1))


def merge(inputs):
    """The fixed input plus the sum of the chosen optional inputs (a list, or enas' stacked tensor)."""
    return tf.add_n(inputs[0]) + tf.reduce_sum(inputs[1], axis=0)


def conv2d(inputs, size=3, in_ch=CHANNELS, out_ch=CHANNELS):
    x = merge(inputs)
    return tf.nn.conv2d(x, weight([size, size, in_ch, out_ch]), strides=[1, 1, 1, 1], padding="SAME") \
        + tf.Variable(lambda: tf.fill([out_ch], 0.1))


def activation(inputs, kind="relu"):
    x = merge(inputs)
    return tf.nn.relu(x) if kind == "relu" else tf.nn.sigmoid(x)


def max_pool(inputs):
    return tf.nn.max_pool2d(merge(inputs), ksize=2, strides=2, padding="SAME")


def avg_pool(inputs):
    return tf.nn.avg_pool2d(merge(inputs), ksize=2, strides=2, padding="SAME")


def build(image_shape):
    x = tf.placeholder(tf.float32, [None, *image_shape], name="x")
    labels = tf.placeholder(tf.int64, [None], name="labels")
    x_image = x
    """@nni.mutable_layers(
    {
        layer_choice: [conv2d(size=1, in_ch=1), conv2d(size=3, in_ch=1), conv2d(size=5, in_ch=1)],
        fixed_inputs: [x_image],
        layer_output: conv1_out
    },
    {
        layer_choice: [activation(kind='relu'), activation(kind='sigmoid')],
        fixed_inputs: [conv1_out],
        layer_output: act1_out
    },
    {
        layer_choice: [max_pool(), avg_pool()],
        fixed_inputs: [act1_out],
        layer_output: pool1_out
    },
    {
        layer_choice: [conv2d(size=1), conv2d(size=3)],
        fixed_inputs: [pool1_out],
        optional_inputs: [pool1_out],
        optional_input_size: [0, 1],
        layer_output: conv2_out
    },
    {
        layer_choice: [activation(kind='relu'), activation(kind='sigmoid')],
        fixed_inputs: [conv2_out],
        layer_output: act2_out
    },
    {
        layer_choice: [max_pool(), avg_pool()],
        fixed_inputs: [act2_out],
        optional_inputs: [pool1_out, conv2_out],
        optional_input_size: [0, 1],
        layer_output: pool2_out
    }
    )"""
    flat = tf.reshape(pool2_out, [-1, int(np.prod(pool2_out.shape[1:]))])
    logits = tf.matmul(flat, weight([int(flat.shape[1]), 10])) + tf.Variable(lambda: tf.zeros([10]))
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))
    return x, labels, loss, accuracy


def main(args):
    x_train, y_train, x_test, y_test = load(args.mnist_dir)
    x, labels, loss, accuracy = build(x_train.shape[1:])
    train_step = tf.train.AdamOptimizer(args.learning_rate).minimize(loss)
    rng = np.random.default_rng(args.seed)
    # darts' architecture step uses held-out data: the last fifth of the training set
    split = int(0.8 * len(x_train))
    fit_x, fit_y, val_x, val_y = x_train[:split], y_train[:split], x_train[split:], y_train[split:]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        mode = nas_tf.built_mode(tf, sess)  # None in classic_mode (only the chosen ops were built)

        def evaluate():
            if mode == "oneshot_mode":  # inference: every path on, no dropout
                nas_tf.oneshot_evaluate(tf, sess)
            value = float(sess.run(accuracy, {x: x_test, labels: y_test}))
            if mode == "oneshot_mode":
                nas_tf.oneshot_train(tf, sess)
            return value

        test_acc = 0.0
        sampled: list[float] = []  # enas: each step's architecture on the held-out fifth (logged only)
        for step in range(1, args.steps + 1):
            batch = rng.choice(len(fit_x), args.batch_size)
            val = rng.choice(len(val_x), args.batch_size)
            feed_dict = {x: val_x[val], labels: val_y[val]}
            """@nni.training_update(tf=tf, session=sess, loss=loss, feed_dict=feed_dict)"""
            sess.run(train_step, {x: fit_x[batch], labels: fit_y[batch]})
            if mode == "enas_mode":
                sampled.append(float(sess.run(accuracy, {x: val_x, labels: val_y})))
            if step % args.eval_every == 0 or step == args.steps:
                test_acc = evaluate()  # enas: the current (last fetched) architecture, the one reported
                logger.info("step %d, test accuracy %.4f", step, test_acc)
                if sampled:  # how well the shared weights serve the architectures sampled lately
                    logger.info("step %d, mean validation accuracy of the last %d architectures %.4f",
                                step, len(sampled), float(np.mean(sampled)))
                    sampled.clear()
                """@nni.report_intermediate_result(test_acc)"""
        result = test_acc
        if mode == "darts_mode":
            architecture = nas_tf.darts_architecture(tf, sess)
            print("darts derived architecture:", json.dumps(architecture), flush=True)
            result = {"default": test_acc, "architecture": architecture}
        """@nni.report_final_result(result)"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-dir", help="directory with the four MNIST idx files (default: digits)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main(parse_args())
