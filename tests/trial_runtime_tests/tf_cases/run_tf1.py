"""TF1 graph-mode toy cases (tensorflow.compat.v1, sessions), nni-compat §16.3 R-1..R-5 and misuse errors."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import tensorflow
import tensorflow.compat.v1 as tf
from _harness import current_pid, main, nni, use_parameters
from toy_ops import BLOCK, CHOICES, LAYER, R3_CONVERTED, R3_NATIVE, funcs, native

from trial_runtime import tensorflow as tf_modes

tf.disable_eager_execution()


def build(mode: str, size: Any = (0, 1)) -> tuple[Any, Any]:
    """The toy graph as the compiler expands it: ``y = nni.mutable_layer(...)``, ``loss = reduce_mean(y)``."""
    x = tf.ones([2, 3])
    a = 100.0 * x
    b = 1000.0 * x
    f, fa = funcs(tf)
    y = nni.mutable_layer(BLOCK, LAYER, f, fa, [x], {"a": a, "b": b}, list(size), mode, tensorflow)
    return y, tf.reduce_mean(y)


def run(mode: str, steps: int, update: str = "kw", **update_kw: Any) -> dict[str, Any]:
    values, pids = [], []
    with tf.Graph().as_default():
        y, loss = build(mode)
        ops_before = None
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            initial = float(sess.run(y)[0, 0])
            for _ in range(steps):
                if update == "kw":
                    nni.training_update(mode, tf=tf, session=sess, loss=loss, **update_kw)
                else:
                    nni.training_update(mode, tf, sess)
                if ops_before is None:
                    ops_before = len(sess.graph.get_operations())
                values.append(float(sess.run(y)[0, 0]))
                pids.append(current_pid())
            grew = len(sess.graph.get_operations()) - ops_before
    return {"initial": initial, "values": values, "pids": pids, "graph_growth": grew}


def enas_native() -> dict[str, Any]:
    use_parameters(R3_NATIVE)
    return run("enas_mode", 3)


def enas_converted() -> dict[str, Any]:
    use_parameters(R3_CONVERTED)
    return run("enas_mode", 3, update="positional")


def enas_started() -> dict[str, Any]:
    """The trial fetched its first architecture itself (get_next_parameter()); the first update loads it."""
    use_parameters(R3_NATIVE)
    nni.get_next_parameter()
    return run("enas_mode", 3)


class _PrefetchingPlatform:
    """Serves R3_NATIVE like the experiment channel would, recording each fetch's ``prefetch`` flag."""

    trial_id = experiment_id = "T"
    sequence_id = 0
    can_prefetch = True

    def __init__(self) -> None:
        self.flags: list[bool] = []

    def fetch(self, prefetch: bool = False) -> tuple[int, dict[str, Any]]:
        self.flags.append(prefetch)
        return len(self.flags) - 1, R3_NATIVE[(len(self.flags) - 1) % len(R3_NATIVE)]

    def report(self, kind: str, value: Any, parameter_id: Any) -> None:
        pass


def enas_prefetch_flag() -> dict[str, Any]:
    """enas' updates fetch synchronously by default; with enas_prefetch they ask a platform that can
    prefetch (the experiment channel) for the next architecture too."""
    from trial_runtime import _platform

    platform = _PrefetchingPlatform()
    _platform.reset(platform)
    first = run("enas_mode", 2)
    tf_modes.configure(enas_prefetch=True)
    try:
        second = run("enas_mode", 3)
    finally:
        tf_modes.configure(enas_prefetch=False)
    return {"flags": platform.flags, "values": first["values"] + second["values"]}


def enas_chosen_inputs_tensor() -> dict[str, Any]:
    """The chosen optional inputs as the op sees them, and d loss / d each input, for several choices."""
    docs = [native(0, inputs) for inputs in ([], ["a"], ["b"], ["b", "a"], ["a", "b", "a"])]
    use_parameters(docs)
    seen = []
    with tf.Graph().as_default():
        x = tf.ones([2, 3])
        a, b = tf.fill([2, 3], 100.0), tf.fill([2, 3], 1000.0)

        def op(inputs: list[Any]) -> Any:
            seen.append(inputs[1])
            weights = tf.reshape(tf.range(1.0, 1.0 + tf.cast(tf.shape(inputs[1])[0], tf.float32)), [-1, 1, 1])
            return tf.add_n(inputs[0]) + tf.reduce_sum(inputs[1] * weights, axis=0)  # position-weighted

        y = nni.mutable_layer(BLOCK, LAYER, {name: op for name in CHOICES}, {name: {} for name in CHOICES},
                              [x], {"a": a, "b": b}, [0, 3], "enas_mode", tensorflow)
        grads = tf.gradients(tf.reduce_sum(y), [a, b])
        out = []
        with tf.Session() as sess:
            for _ in docs:
                nni.training_update("enas_mode", tf=tf, session=sess)
                chosen, value, (ga, gb) = sess.run([seen[0], y, grads])
                out.append({"chosen": chosen[:, 0, 0].tolist(), "y": float(value[0, 0]),
                            "grad": [float(ga[0, 0]), float(gb[0, 0])]})
    return {"results": out, "static_shape": seen[0].shape.as_list()}


def enas_exhausted() -> dict[str, Any]:
    use_parameters(R3_NATIVE[:2])
    return run("enas_mode", 3)


def enas_bad_choice() -> dict[str, Any]:
    use_parameters([native(0, ["c"])])
    return run("enas_mode", 1)


def enas_bad_choice_after_good_ones() -> dict[str, Any]:
    """Choices already seen are looked up, not validated again: a look-alike invalid one must still fail."""
    string_inputs = {BLOCK: {LAYER: {"chosen_layer": CHOICES[1], "chosen_inputs": "a"}}}
    use_parameters([native(1, ["a"]), native(1, ["a"]), string_inputs])
    return run("enas_mode", 3)


def enas_no_session() -> dict[str, Any]:
    use_parameters(R3_NATIVE)
    with tf.Graph().as_default():
        build("enas_mode")
        nni.training_update("enas_mode", tf=tf)
    return {}


def enas_unequal_shapes() -> dict[str, Any]:
    with tf.Graph().as_default():
        x = tf.ones([2, 3])
        f = {"id": lambda inputs: inputs[0][0], "wide": lambda inputs: tf.concat(inputs[0] * 2, axis=1)}
        nni.mutable_layer(BLOCK, LAYER, f, {"id": {}, "wide": {}}, [x], {}, 0, "enas_mode", tensorflow)
    return {}


def enas_variables() -> dict[str, Any]:
    """Candidate ops that create weights (get_variable / callable init) train only when chosen."""
    use_parameters([{BLOCK: {LAYER: {"chosen_layer": "d", "chosen_inputs": []}}},
                    {BLOCK: {LAYER: {"chosen_layer": "s", "chosen_inputs": []}}}])
    with tf.Graph().as_default():
        x = tf.ones([4, 3])

        def dense(inputs: list[Any], units: int = 3) -> Any:
            w = tf.get_variable("w", [3, units], initializer=tf.zeros_initializer())
            return tf.matmul(tf.add_n(inputs[0]), w)

        def scaled(inputs: list[Any], k: float = 1.0) -> Any:
            v = tf.Variable(lambda: tf.ones([3]), name="v")
            return tf.add_n(inputs[0]) * v * k

        y = nni.mutable_layer(BLOCK, LAYER, {"d": dense, "s": scaled}, {"d": {}, "s": {"k": 2.0}}, [x], {}, 0,
                              "enas_mode", tensorflow)
        loss = tf.reduce_mean(tf.square(y - 5.0))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        names = sorted(v.name for v in tf.trainable_variables())
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            nni.training_update("enas_mode", tf=tf, session=sess)
            sess.run(train)
            v_after_d = sess.run(tf.trainable_variables())
            nni.training_update("enas_mode", tf=tf, session=sess)
            out_s = float(sess.run(y)[0, 0])
    return {"trainable": names, "w_trained": float(abs(v_after_d[0]).sum()),
            "v_untouched": [float(t) for t in v_after_d[1]], "out_s": out_s}



def enas_runs_only_the_chosen_branch() -> dict[str, Any]:
    """Per candidate: a run counter and a weight; SGD steps under op 1 then op 2; d loss / d placeholder."""
    use_parameters([native(1, ["a"]), native(2, [])])
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 3])

        def op(inputs: list[Any], i: int = 0) -> Any:
            runs = tf.Variable(lambda: tf.constant(0.0), trainable=False, name=f"runs{i}")
            w = tf.Variable(lambda: tf.constant(float(i + 1)), name=f"w{i}")
            with tf.control_dependencies([runs.assign_add(1.0)]):
                return (tf.add_n(inputs[0]) + tf.reduce_sum(inputs[1], axis=0)) * w

        f = {name: op for name in CHOICES}
        y = nni.mutable_layer(BLOCK, LAYER, f, {name: {"i": i} for i, name in enumerate(CHOICES)}, [x],
                              {"a": 2.0 * x, "b": 3.0 * x}, [0, 1], "enas_mode", tensorflow)
        loss = tf.reduce_mean(y)
        grad_x = tf.gradients(loss, x)[0]
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        feed = {x: np.ones([2, 3], np.float32)}
        runs, weights = ([tf.global_variables(f"{what}{i}:")[0] for i in range(3)] for what in ("runs", "w"))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            grads = []
            for steps in (3, 2):
                nni.training_update("enas_mode", tf=tf, session=sess)
                grads.append(float(sess.run([grad_x, loss], feed)[0][0, 0] * 6))  # the forward runs once
                for _ in range(steps):
                    sess.run(train, feed)
            values = sess.run({"runs": runs, "weights": weights})
        switches = sum(1 for o in tf.get_default_graph().get_operations()
                       if o.type == "Switch" and o.inputs[0] is x)
    return {**{k: np.array(v).tolist() for k, v in values.items()}, "grad_x": grads,
            "switches_on_x": switches}

def darts() -> dict[str, Any]:
    use_parameters(None)
    out = run("darts_mode", 3)
    return out


def darts_better_op() -> dict[str, Any]:
    """Weights train on one batch, the architecture on another (its feed_dict); the op that fits wins."""
    rng = np.random.default_rng(0)
    w_true = rng.normal(size=[4, 1]).astype("float32")
    batches = [rng.normal(size=[32, 4]).astype("float32") for _ in range(2)]
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 4])
        t = tf.placeholder(tf.float32, [None, 1])

        def linear(inputs: list[Any]) -> Any:
            w = tf.get_variable("w_linear", [4, 1], initializer=tf.zeros_initializer())
            return tf.matmul(inputs[0][0], w)

        def square(inputs: list[Any]) -> Any:
            w = tf.get_variable("w_square", [4, 1], initializer=tf.zeros_initializer())
            return tf.matmul(tf.square(inputs[0][0]), w)

        y = nni.mutable_layer(BLOCK, LAYER, {"linear": linear, "square": square},
                              {"linear": {}, "square": {}}, [x], {}, 0, "darts_mode", tensorflow)
        loss = tf.reduce_mean(tf.square(y - t))
        train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
        weights = tf.trainable_variables()
        logits = [v for v in tf.global_variables() if v.name.endswith("logits:0")]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            probs = []
            moved_weights = []
            for _ in range(60):
                sess.run(train, {x: batches[0], t: batches[0] @ w_true})
                before = sess.run(weights)
                nni.training_update("darts_mode", tf=tf, session=sess, loss=loss,
                                    feed_dict={x: batches[1], t: batches[1] @ w_true})
                moved_weights.append(any((a != b).any() for a, b in zip(before, sess.run(weights))))
                probs.append(sess.run(tf.nn.softmax(logits[0])).tolist())
            arch = tf_modes.darts_architecture(tensorflow, sess)
    return {"probs": probs, "weights_moved": any(moved_weights), "architecture": arch,
            "trainable": sorted(v.name for v in weights)}


def darts_no_loss() -> dict[str, Any]:
    with tf.Graph().as_default():
        build("darts_mode")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            nni.training_update("darts_mode", tf=tf, session=sess)
    return {}


def oneshot() -> dict[str, Any]:
    use_parameters(None)
    with tf.Graph().as_default():
        y, _ = build("oneshot_mode")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            nni.training_update("oneshot_mode", tf=tf, session=sess)
            samples = [sess.run(y) for _ in range(int(os.environ.get("TOY_STEPS", "10000")))]
            equal = all(float(s.max() - s.min()) == 0.0 for s in samples)
            values = [float(s[0, 0]) for s in samples]
            tf_modes.oneshot_evaluate(tensorflow, sess)
            full = [float(sess.run(y)[0, 0]) for _ in range(3)]
            tf_modes.oneshot_evaluate(tensorflow, sess, native(1, ["a"]))
            fixed = float(sess.run(y)[0, 0])
            tf_modes.oneshot_train(tensorflow, sess)
            again = {float(sess.run(y)[0, 0]) for _ in range(50)}
    return {"equal_elements": equal, "values": values, "full": full, "fixed": fixed, "again": len(again)}


def oneshot_rates() -> dict[str, Any]:
    """Decodable masks: inputs 1, 2, 4 into one op; ops returning 1, 2, 4, 8 (r: $NASTUNE_NAS_MODE_ARGS)."""
    os.environ["NASTUNE_NAS_MODE_ARGS"] = json.dumps({"oneshot_dropout_rate": 0.2})
    try:
        with tf.Graph().as_default():
            one = tf.ones([5])
            ins = {"p": one, "q": 2.0 * one, "r": 4.0 * one}
            y_in = nni.mutable_layer("rates/mutable_block_1", "mutable_layer_0",
                                     {"sum": lambda inputs: tf.add_n(inputs[1])}, {"sum": {}}, [], ins, 3,
                                     "oneshot_mode", tensorflow)
            ops = {f"c{v}": (lambda inputs, v=v: float(v) * one) for v in (1, 2, 4, 8)}
            y_ops = nni.mutable_layer("rates/mutable_block_1", "mutable_layer_1", ops, {k: {} for k in ops},
                                      [], {}, 0, "oneshot_mode", tensorflow)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                samples = [sess.run([y_in, y_ops]) for _ in range(4000)]
    finally:
        del os.environ["NASTUNE_NAS_MODE_ARGS"]
    return {"inputs": [s[0].tolist() for s in samples], "ops": [s[1].tolist() for s in samples]}


def classic() -> dict[str, Any]:
    out = {}
    for case, doc in (("R1", native(1, ["a"])), ("R2", {
            f"_mutable_layer/{BLOCK}/{LAYER}/layer_choice": "plus(k=1.0)",
            f"_mutable_layer/{BLOCK}/{LAYER}/optional_input_size": 1,
            f"_mutable_layer/{BLOCK}/{LAYER}/optional_input_chosen_state": 1})):
        use_parameters(doc)
        with tf.Graph().as_default() as graph:
            y, _ = build("classic_mode")
            with tf.Session() as sess:
                out[case] = float(sess.run(y)[0, 0])
            out[case + "_ops"] = sorted({op.type for op in graph.get_operations()})
    return out


def built_modes() -> dict[str, Any]:
    """built_mode per graph; enas loads the fetched sequence through fresh sessions and a MonitoredSession."""
    use_parameters([*R3_NATIVE, *R3_NATIVE, R3_NATIVE[1]])
    out: dict[str, Any] = {}
    for mode in ("enas_mode", "oneshot_mode", "darts_mode"):
        with tf.Graph().as_default():
            build(mode)
            with tf.Session() as sess:
                out[mode] = tf_modes.built_mode(tf, sess)
    with tf.Graph().as_default():
        tf.ones([1])
        with tf.Session() as sess:
            out["plain"] = tf_modes.built_mode(tf, sess)
    with tf.Graph().as_default():
        y, _ = build("enas_mode")
        values = []
        for _ in range(2):  # a fresh session each time: its own loader, same prebuilt assign ops
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(3):
                    nni.training_update("enas_mode", tf, sess)
                    values.append(float(sess.run(y)[0, 0]))
        with tf.train.MonitoredSession() as monitored:  # a wrapper without callables, on a finalized graph
            values.append(float(monitored.run(y)[0, 0]))  # the last loaded architecture stays
            nni.training_update("enas_mode", tf, monitored)
            values.append(float(monitored.run(y)[0, 0]))
    out["two_sessions"] = values
    return out


def no_tf() -> dict[str, Any]:
    with tf.Graph().as_default():
        x = tf.ones([2, 3])
        f, fa = funcs(tf)
        nni.mutable_layer(BLOCK, LAYER, f, fa, [x], {}, 0, "enas_mode")
    return {}


if __name__ == "__main__":
    main({name: obj for name, obj in dict(globals()).items()
          if callable(obj) and getattr(obj, "__module__", None) == "__main__"
          and name not in {"build", "run", "main"} and not name.startswith("_")})
