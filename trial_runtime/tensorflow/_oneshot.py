"""oneshot_mode (Bender et al. 2018): the whole supergraph with path dropout.

With ``k`` optional inputs each one is dropped with rate ``r ** (1/k)`` and with ``m`` candidate ops each op
output is dropped with rate ``r ** (1/m)``: one Bernoulli per candidate, shared over the batch and all
positions, kept values scaled by ``1 / (1 - rate)``; the op outputs are summed. Every op gets
``[fixed_inputs, all optional inputs after dropout]``.

Dropout is on while the context's ``nastune/oneshot_training`` flag is true (the default). :func:`evaluate`
switches it off and fixes a sub-graph through per-layer 0/1 weights (all ones: the whole supergraph without
dropout); :func:`train` switches dropout back on. Both only assign variables, so no graph is rebuilt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import _config, _params
from ._layers import Layer, call_op, check_same_shapes, layers_of, mode_layers, to_tensor
from ._tf import EAGER, context_key, make_variable, session_key, var_name

_FLAG = "nastune/oneshot_training"


def _training_flag(tf: Any, key: Any) -> Any:
    layers = layers_of(key)
    flag = layers.get(("", _FLAG))
    if flag is None:
        flag = Layer("oneshot_flag", "", _FLAG, [], [], 0, 0)
        flag.extra["var"] = make_variable(tf, True, _FLAG, tf.bool)
        layers[("", _FLAG)] = flag
    return flag.extra["var"]


def _factor(tf: Any, training: Any, rate: float, fixed_weight: Any, dtype: Any) -> Any:
    """The scalar a candidate is multiplied by: ``Bernoulli(1 - rate) / (1 - rate)`` or its fixed weight."""
    keep = tf.cast(tf.random.uniform([]) >= rate, dtype) / tf.constant(1.0 - rate, dtype)
    return tf.where(training, keep, tf.cast(fixed_weight, dtype))


def build(tf: Any, mutable_id: str, layer_id: str, funcs: Mapping[str, Any], funcs_args: Mapping[str, Any],
          fixed_inputs: list[Any], optional_inputs: Mapping[str, Any], size: tuple[int, int]) -> Any:
    key = context_key(tf)
    layers = layers_of(key)
    where = f"{mutable_id}/{layer_id}"
    names = list(optional_inputs)
    r = float(_config.get("oneshot_dropout_rate"))
    training = _training_flag(tf, key)
    layer = layers.get((mutable_id, layer_id))
    if layer is None:
        layer = Layer("oneshot_mode", mutable_id, layer_id, list(funcs), names, *size)
        layer.extra["op_weights"] = make_variable(tf, [1.0] * len(funcs),
                                                  var_name(mutable_id, layer_id, "op_weights"), tf.float32)
        name = var_name(mutable_id, layer_id, "input_weights")
        layer.extra["input_weights"] = make_variable(tf, [1.0] * len(names), name, tf.float32)
        layers[(mutable_id, layer_id)] = layer
    layer.extra["rates"] = (r ** (1.0 / len(names)) if names else None, r ** (1.0 / len(funcs)))

    chosen = []
    if names:
        rate = layer.extra["rates"][0]
        tensors = [to_tensor(tf, optional_inputs[n], f"{where}: optional input {n!r} is", "a tensor")
                   for n in names]
        for i, value in enumerate(tensors):
            chosen.append(value * _factor(tf, training, rate, layer.extra["input_weights"][i], value.dtype))
    outputs = [call_op(tf, "oneshot_mode", where, name, funcs[name], [list(fixed_inputs), list(chosen)],
                       dict(funcs_args.get(name, {}))) for name in funcs]
    check_same_shapes(where, "oneshot_mode", "candidate ops' outputs", list(funcs), outputs)
    rate = layer.extra["rates"][1]
    return tf.add_n([out * _factor(tf, training, rate, layer.extra["op_weights"][j], out.dtype)
                     for j, out in enumerate(outputs)])


def _assign(tf: Any, session: Any, pairs: list[tuple[Any, Any]]) -> None:
    if session is None:
        for var, value in pairs:
            var.assign(value)
        return
    for var, value in pairs:  # Variable.load feeds the initializer: no new graph ops.
        var.load(value, session)


def evaluate(tf: Any, session: Any = None, architecture: Mapping[str, Any] | None = None) -> None:
    """Switch dropout off; with ``architecture`` (native or converted) keep only its ops and inputs."""
    tf = _tf_module(tf)
    key = session_key(tf, session, "oneshot_mode", "oneshot_evaluate(tf, session)")
    layers = mode_layers(key, "oneshot_mode", "oneshot_evaluate(tf, session)")
    pairs: list[tuple[Any, Any]] = []
    for layer in layers:
        if architecture is None:
            ops, ins = [1.0] * len(layer.choices), [1.0] * len(layer.inputs)
        else:
            op, chosen = _params.layer_choice(architecture, layer)
            ops = [float(j == op) for j in range(len(layer.choices))]
            ins = [float(name in chosen) for name in layer.inputs]
        pairs += [(layer.extra["op_weights"], ops), (layer.extra["input_weights"], ins)]
    pairs.append((_training_flag(tf, key), False))
    _assign(tf, session if key is not EAGER else None, pairs)


def train(tf: Any, session: Any = None) -> None:
    """Switch path dropout back on (the default state)."""
    tf = _tf_module(tf)
    key = session_key(tf, session, "oneshot_mode", "oneshot_train(tf, session)")
    mode_layers(key, "oneshot_mode", "oneshot_train(tf, session)")
    _assign(tf, session if key is not EAGER else None, [(_training_flag(tf, key), True)])


def _tf_module(tf: Any) -> Any:
    from ._tf import load_tf

    return load_tf(tf, "oneshot_mode")
