import os

import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
STEPS = int(os.environ.get('TOY_STEPS', '3'))


def plus(inputs, k=0.0):
    return tf.add_n(inputs[0]) + tf.reduce_sum(inputs[1], axis=0) + k


def times(inputs, k=1.0):
    return (tf.add_n(inputs[0]) + tf.reduce_sum(inputs[1], axis=0)) * k


def main():
    x = tf.ones([2, 3])
    a = 100.0 * x
    b = 1000.0 * x
    """@nni.mutable_layers(
    {
        layer_choice: [plus(k=1.0), times(k=10.0), plus(k=5.0)],
        fixed_inputs: [x],
        optional_inputs: [a, b],
        optional_input_size: [0, 1],
        layer_output: y
    }
    )"""
    loss = tf.reduce_mean(y)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print('initial', float(sess.run(y)[0, 0]))
        for _ in range(STEPS):
            """@nni.training_update(tf=tf, session=sess, loss=loss)"""
            value = float(sess.run(y)[0, 0])
            """@nni.report_intermediate_result(value)"""
        """@nni.report_final_result(value)"""


main()
# ruff: noqa: F821, F841  (the verbatim toy of nni-compat §16.3; names used by the annotations)
