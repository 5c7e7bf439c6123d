"""Misuse of the TensorFlow nasModes: each error names what is wrong, where (layer, op), what was expected
and how to fix it, instead of a raw TensorFlow error from deep inside TF.

One subprocess (this file run as a script, TensorFlow imported once) builds tiny graphs for every case, TF1
graph cases under ``tf.Graph().as_default()`` with sessions, eager and ``tf.function`` cases outside, and
prints one JSON line per case; the tests check the messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

LAYER = "blk/mutable_layer_0"
INT_OP = "int"


def _cases() -> dict[str, Callable[[], Any]]:
    import numpy as np
    import tensorflow as tf

    import trial_runtime as nni
    from trial_runtime import tensorflow as tfm

    v1 = tf.compat.v1

    def ok(i: Any) -> Any:
        return tf.add_n(i[0])

    def layer(mode: str, funcs: dict[str, Any], x: Any = None, opt: Any = None) -> Any:
        x = tf.ones([2, 3]) if x is None else x
        opt = {"a": 100.0 * x, "b": 1000.0 * x} if opt is None else opt
        return nni.mutable_layer("blk", "mutable_layer_0", funcs, {k: {} for k in funcs}, [x], opt, [0, 1],
                                 mode, tf)

    def graph(body: Callable[[Any], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with tf.Graph().as_default(), v1.Session() as sess:
                return body(sess)
        return run

    def eager(body: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            tfm.forget_eager()
            return body()
        return run

    def dtype_ops() -> dict[str, Any]:
        return {"b": ok, INT_OP: lambda i: tf.cast(tf.add_n(i[0]), tf.int32)}

    cases: dict[str, Callable[[], Any]] = {}
    for mode in ("enas_mode", "oneshot_mode", "darts_mode"):
        cases[f"{mode}_dtype_tf1"] = graph(lambda s, m=mode: layer(m, dtype_ops()))
        cases[f"{mode}_dtype_fn"] = eager(lambda m=mode: tf.function(lambda: layer(m, dtype_ops()))())
        cases[f"{mode}_none_tf1"] = graph(lambda s, m=mode: layer(m, {"b": ok, "none": lambda i: None}))
        cases[f"{mode}_list_tf1"] = graph(lambda s, m=mode: layer(m, {"b": ok, "lst": lambda i: [ok(i)]}))
        cases[f"{mode}_raises_tf1"] = graph(lambda s, m=mode: layer(m, {"b": ok, "bad": lambda i: {}["k"]}))
        cases[f"{mode}_tf_error_tf1"] = graph(
            lambda s, m=mode: layer(m, {"b": ok, "mm": lambda i: tf.matmul(i[0][0], i[0][0])}))
    cases["enas_none_fn"] = eager(
        lambda: tf.function(lambda: layer("enas_mode", {"b": ok, "n": lambda i: None}))())
    cases["enas_optional_input_none"] = eager(
        lambda: layer("enas_mode", {"b": ok}, opt={"a": tf.ones([2, 3]), "b": None}))
    cases["enas_variable_tensor_init_tf1"] = graph(
        lambda s: layer("enas_mode", {"b": ok, "v": lambda i: tf.Variable(tf.ones([3])) * ok(i)}))
    cases["enas_update_numpy"] = graph(
        lambda s: (layer("enas_mode", {"b": ok}), nni.training_update("enas_mode", tf=np, session=s)))
    cases["enas_update_no_layer_tf1"] = graph(lambda s: nni.training_update("enas_mode", tf=tf, session=s))

    def darts_missing_feed(sess: Any) -> Any:
        ph = v1.placeholder(tf.float32, [2, 3], name="val_x")
        loss = tf.reduce_mean(layer("darts_mode", {"a": ok, "b": lambda i: ok(i) * 2}, x=ph))
        sess.run(v1.global_variables_initializer())
        nni.training_update("darts_mode", tf=tf, session=sess, loss=loss, feed_dict={})

    cases["darts_missing_feed_tf1"] = graph(darts_missing_feed)
    cases["darts_feed_list_tf1"] = graph(lambda s: nni.training_update(
        "darts_mode", tf=tf, session=s, loss=tf.reduce_mean(layer("darts_mode", {"a": ok})), feed_dict=[1]))
    cases["darts_loss_unrelated_tf1"] = graph(lambda s: (
        layer("darts_mode", {"a": ok, "b": ok}), s.run(v1.global_variables_initializer()),
        nni.training_update("darts_mode", tf=tf, session=s, loss=tf.constant(3.0))))
    cases["darts_loss_string_tf1"] = graph(lambda s: (
        layer("darts_mode", {"a": ok}), nni.training_update("darts_mode", tf=tf, session=s, loss="loss")))
    cases["darts_loss_unrelated_eager"] = eager(lambda: (
        layer("darts_mode", {"a": ok, "b": ok}),
        nni.training_update("darts_mode", tf=tf, loss=lambda: tf.constant(2.0))))
    cases["darts_loss_returns_none_eager"] = eager(lambda: (
        layer("darts_mode", {"a": ok, "b": ok}), nni.training_update("darts_mode", tf=tf, loss=lambda: None)))
    cases["darts_architecture_no_layer_tf1"] = graph(
        lambda s: (layer("enas_mode", {"a": ok}), tfm.darts_architecture(tf, s)))
    cases["darts_architecture_no_session_tf1"] = graph(
        lambda s: (layer("darts_mode", {"a": ok}), tfm.darts_architecture(tf)))
    cases["oneshot_evaluate_enas_graph_tf1"] = graph(
        lambda s: (layer("enas_mode", {"a": ok}), tfm.oneshot_evaluate(tf, s)))
    cases["oneshot_evaluate_no_layer_eager"] = eager(lambda: tfm.oneshot_evaluate(tf))
    cases["oneshot_train_no_layer_eager"] = eager(lambda: tfm.oneshot_train(tf))
    return cases


def _driver() -> None:
    for name, case in _cases().items():
        try:
            case()
            out: dict[str, Any] = {"case": name}
        except Exception as exc:  # the error is the result of each case
            out = {"case": name, "type": type(exc).__name__, "error": str(exc),
                   "notes": list(getattr(exc, "__notes__", []))}
        print("CASE " + json.dumps(out), flush=True)


@pytest.fixture(scope="module")
def cases() -> dict[str, dict[str, Any]]:
    pytest.importorskip("tensorflow")
    from ._drivers import run_cases  # (not at the top: this file also runs as the driver script)

    return run_cases(Path(__file__).resolve())


def _error(cases: dict[str, dict[str, Any]], name: str, kind: str) -> str:
    result = cases[name]
    assert result.get("type") == kind, result
    return str(result["error"])


MODES = ["enas_mode", "oneshot_mode", "darts_mode"]


@pytest.mark.tf
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("where", ["tf1", "fn"])
def test_candidates_of_another_dtype_name_layer_and_ops(cases: dict, mode: str, where: str) -> None:
    """enas used to fail inside TF's cond/switch_case ("Outputs of 'true_fn' and 'false_fn' ..."): now each
    mode checks a candidate against its siblings before TF merges them."""
    error = _error(cases, f"{mode}_dtype_{where}", "ValueError")
    assert f"{LAYER}: {mode} needs all candidate ops' outputs to have the same shape and dtype" in error
    assert "'b': (2, 3) float32" in error and f"'{INT_OP}': (2, 3) int32" in error
    assert "Make the candidates agree" in error


@pytest.mark.tf
@pytest.mark.parametrize("mode", MODES)
def test_op_returning_a_non_tensor(cases: dict, mode: str) -> None:
    error = _error(cases, f"{mode}_none_tf1", "TypeError")
    assert error.startswith(f"{LAYER}: candidate op 'none' returned None; expected one tensor")
    error = _error(cases, f"{mode}_list_tf1", "TypeError")
    assert error.startswith(f"{LAYER}: candidate op 'lst' returned a list of 1 items; expected one tensor")


@pytest.mark.tf
def test_op_returning_none_inside_tf_function(cases: dict) -> None:
    assert f"{LAYER}: candidate op 'n' returned None" in _error(cases, "enas_none_fn", "TypeError")


@pytest.mark.tf
@pytest.mark.parametrize("mode", MODES)
def test_op_that_raises_is_named(cases: dict, mode: str) -> None:
    """Any exception keeps its type; the layer and op are in the note (or the message for TF's errors)."""
    result = cases[f"{mode}_raises_tf1"]
    assert result["type"] == "KeyError"
    assert result["notes"] == [f"{LAYER}: candidate op 'bad' failed while {mode} built it ({mode} builds "
                               "every candidate, classic_mode only the chosen one)"]
    error = _error(cases, f"{mode}_tf_error_tf1", "ValueError")
    assert error.startswith(f"{LAYER}: candidate op 'mm' failed while {mode} built it")
    assert "Dimensions must be equal" in error


@pytest.mark.tf
def test_optional_input_that_is_not_a_tensor(cases: dict) -> None:
    error = _error(cases, "enas_optional_input_none", "TypeError")
    assert error == f"{LAYER}: optional input 'b' is None; expected a tensor"


@pytest.mark.tf
def test_enas_variable_with_tensor_initial_value_in_tf1_says_what_to_do(cases: dict) -> None:
    """docs/tf_modes.md: a tensor initial value fails with a message saying exactly what to do (TF1 too)."""
    error = _error(cases, "enas_variable_tensor_init_tf1", "ValueError")
    assert error.startswith(f"{LAYER}: candidate op 'v' failed while enas_mode built it")
    assert "tf.compat.v1.get_variable(...)" in error
    assert "tf.Variable(lambda: tf.random.truncated_normal(shape))" in error


@pytest.mark.tf
def test_training_update_misuse(cases: dict) -> None:
    error = _error(cases, "enas_update_numpy", "TypeError")
    assert "got module 'numpy'" in error and "pass tf=tf after `import tensorflow as tf`" in error
    error = _error(cases, "enas_update_no_layer_tf1", "RuntimeError")
    assert "found no enas_mode nni.mutable_layer in the session graph" in error
    assert "build the model in enas_mode first" in error


@pytest.mark.tf
def test_darts_update_misuse(cases: dict) -> None:
    error = _error(cases, "darts_missing_feed_tf1", "ValueError")
    assert "the loss needs placeholder 'val_x', which feed_dict does not feed (it feeds [])" in error
    assert "feed_dict={x: val_x" in error
    error = _error(cases, "darts_feed_list_tf1", "TypeError")
    assert "feed_dict must be a dict {placeholder: value}, got list" in error
    for name in ("darts_loss_unrelated_tf1", "darts_loss_unrelated_eager"):
        error = _error(cases, name, "ValueError")
        assert "the loss does not depend on the architecture weights of any darts_mode layer" in error
        assert f"layer ({LAYER}); " in error
        assert "pass the loss computed from the model's output" in error
    assert "got str 'loss'" in _error(cases, "darts_loss_string_tf1", "ValueError")
    error = _error(cases, "darts_loss_returns_none_eager", "TypeError")
    assert "the loss callable returned NoneType; expected the loss tensor" in error


@pytest.mark.tf
def test_extras_name_the_function_called(cases: dict) -> None:
    error = _error(cases, "darts_architecture_no_layer_tf1", "RuntimeError")
    assert error.startswith("darts_architecture(tf, session) found no darts_mode nni.mutable_layer")
    assert "(its layers were built in ['enas_mode'])" in error
    assert "built_mode(tf, sess) == 'darts_mode'" in error
    error = _error(cases, "darts_architecture_no_session_tf1", "RuntimeError")
    assert error.startswith("darts_architecture(tf, session) in TF1 graph mode needs the session")
    assert "write darts_architecture(tf, sess)" in error
    error = _error(cases, "oneshot_evaluate_enas_graph_tf1", "RuntimeError")
    assert error.startswith("oneshot_evaluate(tf, session) found no oneshot_mode nni.mutable_layer")
    assert "(its layers were built in ['enas_mode'])" in error
    assert "this eager program" in _error(cases, "oneshot_evaluate_no_layer_eager", "RuntimeError")
    error = _error(cases, "oneshot_train_no_layer_eager", "RuntimeError")
    assert error.startswith("oneshot_train(tf, session) found no oneshot_mode")


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_non_finite_mode_args_are_refused(tmp_path: Path, value: float) -> None:
    """configure() and the experiment config share the check (no TensorFlow needed)."""
    from nastuners.exceptions import ConfigError
    from nastuners.experiment.config import parse_config
    from trial_runtime.tensorflow import _config

    with pytest.raises(ValueError, match="configure\\(\\): darts_learning_rate must be a"):
        _config.configure(darts_learning_rate=value)
    raw = {"searchSpacePath": "s.json", "tuner": {"builtinTunerName": "random"},
           "trial": {"command": "python3 t.py", "codeDir": ".", "nasMode": "darts_mode",
                     "nasModeArgs": {"darts_learning_rate": value, "darts_momentum": "x"}}}
    with pytest.raises(ConfigError) as info:
        parse_config(raw, base_dir=tmp_path)
    text = str(info.value)
    assert "trial.nasModeArgs.darts_learning_rate: darts_learning_rate must be a" in text
    assert "trial.nasModeArgs.darts_momentum: darts_momentum must be a number, got 'x'" in text
    _config.reset()


if __name__ == "__main__":
    _driver()
