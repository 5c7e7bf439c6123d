"""darts_mode (Liu et al. 2018): a softmax-weighted sum of every candidate op.

Each layer owns architecture logits ``[num_ops]``, initialised to zeros and created non-trainable, so the
user's optimizer (which works on ``trainable_variables``) never touches them. Every op gets
``[fixed_inputs, all optional inputs]``; the output is ``sum_i softmax(logits)_i * out_i``.

``training_update`` takes one plain (non-Nesterov) momentum step on the logits only, the update rule of
``tf.compat.v1.train.MomentumOptimizer``: ``accum = momentum * accum + grad; logits -= lr * accum``. In TF1
the step is built once per loss tensor on the first call and run with the given ``feed_dict``; eagerly the
loss is a zero-argument callable evaluated under a ``GradientTape``.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Mapping
from typing import Any

from . import _config
from ._layers import Layer, call_op, check_same_shapes, layers_of, mode_layers
from ._tf import EAGER, context_key, make_variable, session_key, var_name

_log = logging.getLogger("trial_runtime.tensorflow")


def build(tf: Any, mutable_id: str, layer_id: str, funcs: Mapping[str, Any], funcs_args: Mapping[str, Any],
          fixed_inputs: list[Any], optional_inputs: Mapping[str, Any], size: tuple[int, int]) -> Any:
    key = context_key(tf)
    layers = layers_of(key)
    where = f"{mutable_id}/{layer_id}"
    names = list(optional_inputs)
    layer = layers.get((mutable_id, layer_id))
    if layer is None:
        layer = Layer("darts_mode", mutable_id, layer_id, list(funcs), names, *size)
        layer.extra["logits"] = make_variable(tf, [0.0] * len(funcs),
                                              var_name(mutable_id, layer_id, "logits"), tf.float32)
        layers[(mutable_id, layer_id)] = layer
    chosen = [optional_inputs[n] for n in names]
    outputs = [call_op(tf, "darts_mode", where, name, funcs[name], [list(fixed_inputs), list(chosen)],
                       dict(funcs_args.get(name, {}))) for name in funcs]
    check_same_shapes(where, "darts_mode", "candidate ops' outputs", list(funcs), outputs)
    weights = tf.nn.softmax(layer.extra["logits"])
    return tf.add_n([out * tf.cast(weights[i], out.dtype) for i, out in enumerate(outputs)])


def _no_gradient(layers: list[Layer], grads: list[Any]) -> None:
    if all(grad is None for grad in grads):
        where = ", ".join(layer.where for layer in layers)
        msg = ("training_update('darts_mode'): the loss does not depend on the architecture weights of any "
               f"darts_mode layer ({where}); pass the loss computed from "
               "the model's output (the validation loss), so the step can move the architecture logits")
        raise ValueError(msg)


def _accumulators(tf: Any, layers: list[Layer]) -> tuple[list[Any], list[Any]]:
    """The momentum slot of every layer, and those created just now (which a TF1 session must initialise)."""
    fresh = []
    for layer in layers:
        if "accum" not in layer.extra:
            name = var_name(layer.mutable_id, layer.layer_id, "logits_momentum")
            layer.extra["accum"] = make_variable(tf, [0.0] * len(layer.choices), name, tf.float32)
            fresh.append(layer.extra["accum"])
    return [layer.extra["accum"] for layer in layers], fresh


def _step_ops(tf: Any, layers: list[Layer], accums: list[Any], grads: list[Any]) -> list[Any]:
    lr, momentum = float(_config.get("darts_learning_rate")), float(_config.get("darts_momentum"))
    ops = []
    for layer, accum, grad in zip(layers, accums, grads, strict=True):
        if grad is None:  # this layer does not influence the loss
            continue
        new = accum.assign(momentum * accum + grad)
        ops.append(layer.extra["logits"].assign_sub(lr * new))
    return ops


def update(tf: Any, session: Any, loss: Any, feed_dict: Mapping[Any, Any] | None) -> None:
    """One momentum step on the architecture logits (model weights are untouched)."""
    key = session_key(tf, session, "darts_mode")
    layers = mode_layers(key, "darts_mode", "training_update('darts_mode')")
    if loss is None:
        msg = ("training_update('darts_mode') needs the loss to minimise over the architecture weights: "
               "@nni.training_update(tf=tf, session=sess, loss=loss, feed_dict=validation_feed) in TF1, "
               "nni.training_update('darts_mode', tf=tf, loss=lambda: compute_loss(...)) eagerly")
        raise ValueError(msg)
    if feed_dict is not None and not isinstance(feed_dict, Mapping):
        msg = (f"training_update('darts_mode'): feed_dict must be a dict {{placeholder: value}}, got "
               f"{type(feed_dict).__name__}")
        raise TypeError(msg)
    logits = [layer.extra["logits"] for layer in layers]
    if key is EAGER:
        if not callable(loss):
            msg = ("training_update('darts_mode') without a session (TF2 eager) needs loss as a "
                   f"zero-argument callable that computes the loss, got {type(loss).__name__}: an eager "
                   "tensor has no gradient history")
            raise TypeError(msg)
        accums, _ = _accumulators(tf, layers)
        with tf.GradientTape() as tape:
            tape.watch(logits)
            value = loss()
        if not isinstance(value, (tf.Tensor, tf.Variable)):
            msg = (f"training_update('darts_mode'): the loss callable returned {type(value).__name__}; "
                   "expected the loss tensor (e.g. loss=lambda: loss_fn(model(val_x), val_y))")
            raise TypeError(msg)
        grads = tape.gradient(value, logits)
        _no_gradient(layers, grads)
        _step_ops(tf, layers, accums, grads)
        return
    if callable(loss) and not hasattr(loss, "graph"):
        loss = loss()
    if getattr(loss, "graph", None) is not key:
        got = (f"a tensor of another graph ({loss.name})" if hasattr(loss, "graph")
               else f"{type(loss).__name__} {loss!r:.60}")
        msg = (f"training_update('darts_mode'): loss must be a tensor of the session's graph (the loss "
               f"computed from the model's output), got {got}")
        raise ValueError(msg)
    cache = layers[0].extra.setdefault("steps", {})
    step = cache.get(loss.ref())
    if step is None:
        assert key is not None  # a graph: the eager case returned above
        with key.as_default():
            accums, fresh = _accumulators(tf, layers)
            if fresh and session in layers[0].extra.get("sessions", ()):
                session.run(tf.compat.v1.variables_initializer(fresh))
            grads = tf.gradients(loss, logits)
            _no_gradient(layers, grads)
            step = tf.group(*_step_ops(tf, layers, accums, grads))
        cache[loss.ref()] = step
    sessions = layers[0].extra.setdefault("sessions", weakref.WeakSet())
    if session not in sessions:  # the momentum slots start at zero in every session
        session.run(tf.compat.v1.variables_initializer([layer.extra["accum"] for layer in layers]))
        sessions.add(session)
    try:
        session.run(step, feed_dict=feed_dict)
    except tf.errors.InvalidArgumentError as exc:
        missing = re.search(r"must feed a value for placeholder tensor '([^']+)'", exc.message)
        if missing is None:
            raise
        fed = sorted(getattr(k, "name", str(k)) for k in feed_dict or {})
        msg = (f"training_update('darts_mode'): the loss needs placeholder {missing.group(1)!r}, which "
               f"feed_dict does not feed (it feeds {fed}); "
               "pass the validation batch: feed_dict={x: val_x, y: val_y, ...}")
        raise ValueError(msg) from None


def architecture(tf: Any, session: Any = None) -> dict[str, Any]:
    """The derived architecture: per layer the argmax op; darts has no input weights, so the first
    ``min(n, hi)`` optional inputs in declaration order (every input the op saw, within the allowed size)."""
    key = session_key(tf, session, "darts_mode", "darts_architecture(tf, session)")
    layers = mode_layers(key, "darts_mode", "darts_architecture(tf, session)")
    values = ([layer.extra["logits"].numpy() for layer in layers] if key is EAGER
              else session.run([layer.extra["logits"] for layer in layers]))
    doc: dict[str, Any] = {}
    for layer, logits in zip(layers, values, strict=True):
        best = max(range(len(layer.choices)), key=lambda i: logits[i])
        doc.setdefault(layer.mutable_id, {})[layer.layer_id] = {
            "chosen_layer": layer.choices[best],
            "chosen_inputs": layer.inputs[:min(len(layer.inputs), layer.size_hi)],
        }
    _log.info("darts derived architecture: %s", doc)
    return doc
