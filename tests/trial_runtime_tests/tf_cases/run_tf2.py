"""TF2 eager and tf.function toy cases (nni-compat §16.3 R-6): the same values as TF1, no session."""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from _harness import current_pid, main, nni, use_parameters
from toy_ops import BLOCK, LAYER, R3_CONVERTED, R3_NATIVE, funcs, native

from trial_runtime import tensorflow as tf_modes


def model(mode: str) -> Any:
    x = tf.ones([2, 3])
    a = 100.0 * x
    b = 1000.0 * x
    f, fa = funcs(tf)
    return nni.mutable_layer(BLOCK, LAYER, f, fa, [x], {"a": a, "b": b}, [0, 1], mode, tf)


def enas_eager() -> dict[str, Any]:
    tf_modes.forget_eager()
    use_parameters(R3_NATIVE)
    initial = float(model("enas_mode")[0, 0])
    values, pids = [], []
    for _ in range(3):
        nni.training_update("enas_mode", tf=tf)
        values.append(float(model("enas_mode")[0, 0]))
        pids.append(current_pid())
    return {"initial": initial, "values": values, "pids": pids}


def enas_function() -> dict[str, Any]:
    """Inside tf.function: traced once, the signals switch the branch without retracing."""
    tf_modes.forget_eager()
    use_parameters(R3_CONVERTED)
    traces = []

    @tf.function
    def step() -> Any:
        traces.append(1)
        return model("enas_mode")

    initial = float(step()[0, 0])
    traced_before = len(traces)
    values = []
    for _ in range(3):
        nni.training_update("enas_mode", tf)
        values.append(float(step()[0, 0]))
    return {"initial": initial, "values": values, "retraces": len(traces) - traced_before,
            "pids": [current_pid()]}


def darts_eager() -> dict[str, Any]:
    tf_modes.forget_eager()
    use_parameters(None)
    initial = float(model("darts_mode")[0, 0])
    values = []
    for _ in range(3):
        nni.training_update("darts_mode", tf=tf, loss=lambda: tf.reduce_mean(model("darts_mode")))
        values.append(float(model("darts_mode")[0, 0]))
    return {"initial": initial, "values": values, "architecture": tf_modes.darts_architecture(tf)}


def darts_tensor_loss() -> dict[str, Any]:
    tf_modes.forget_eager()
    nni.training_update("darts_mode", tf=tf, loss=tf.reduce_mean(model("darts_mode")))
    return {}


def oneshot_eager() -> dict[str, Any]:
    tf_modes.forget_eager()
    tf_modes.configure(oneshot_dropout_rate=0.3)
    try:
        values = [float(model("oneshot_mode")[0, 0]) for _ in range(2000)]
        tf_modes.oneshot_evaluate(tf, architecture=native(2, ["b"]))
        fixed = float(model("oneshot_mode")[0, 0])
        tf_modes.oneshot_train(tf)
    finally:
        tf_modes.configure(oneshot_dropout_rate=0.01)
    return {"values": values, "fixed": fixed}


def classic_eager() -> dict[str, Any]:
    use_parameters(native(1, ["a"]))
    return {"R1": float(model("classic_mode")[0, 0])}


if __name__ == "__main__":
    main({name: obj for name, obj in dict(globals()).items()
          if callable(obj) and getattr(obj, "__module__", None) == "__main__"
          and name not in {"model", "main"}})
