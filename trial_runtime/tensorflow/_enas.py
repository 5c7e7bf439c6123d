"""enas_mode: every candidate is built once; non-trainable signal variables select the op and the inputs.

Per layer, two signals live in the outermost context: ``op_index`` (int32, initially 0) and ``input_mask``
(bool ``[n]``, initially all false). Only the chosen op runs: in a TF1 graph the candidates are branches of
in-graph (``Switch``/``Merge``) conditionals on ``op_index``; in eager and ``tf.function`` code they are
``tf.switch_case`` branches. The chosen inputs are the optional inputs stacked on a new axis 0 and masked
(``tf.boolean_mask``), so their count is dynamic and repeats collapse; a layer without optional inputs gets
``[]`` as in classic_mode. ``training_update`` fetches the next architecture and assigns the signals: in TF1
through prebuilt placeholder assigns, all layers in one call of a per-session callable run in the caller's
thread (no graph growth), eagerly with ``Variable.assign`` (no retracing of ``tf.function`` code, which reads
the variables).

Why not ``switch_case`` in TF1 graphs (measured on the mnist-nas example, docs/benchmarks/tf.md): its
gradient is one functional ``Case`` that computes the gradient for *every* captured input (e.g. a
``Conv2DBackpropInput`` into the image placeholder nobody asked for), passes forward intermediates out as
optionals, and splits forward and backward ops into different functions, so oneDNN cannot pair e.g.
``MaxPool`` with its ``MaxPoolGrad`` (the plain Eigen kernel is ~15x slower). In-graph conditionals let
``tf.gradients`` build only the gradients the loss needs, next to their forward ops.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import _params
from ._layers import Layer, call_op, check_same_shapes, check_sibling, layers_of, mode_layers, to_tensor
from ._tf import EAGER, context_key, make_variable, session_key, var_name

_log = logging.getLogger("trial_runtime.tensorflow")



def build(tf: Any, mutable_id: str, layer_id: str, funcs: Mapping[str, Any], funcs_args: Mapping[str, Any],
          fixed_inputs: list[Any], optional_inputs: Mapping[str, Any], size: tuple[int, int]) -> Any:
    key = context_key(tf)
    layers = layers_of(key)
    where = f"{mutable_id}/{layer_id}"
    layer = layers.get((mutable_id, layer_id))
    names = list(optional_inputs)
    if layer is None:
        layer = Layer("enas_mode", mutable_id, layer_id, list(funcs), names, *size)
        layer.extra["op_index"] = make_variable(tf, 0, var_name(mutable_id, layer_id, "op_index"), tf.int32)
        layer.extra["input_mask"] = make_variable(tf, [False] * len(names),
                                                  var_name(mutable_id, layer_id, "input_mask"), tf.bool)
        if key is not EAGER:
            with tf.init_scope():
                op_ph = tf.compat.v1.placeholder(tf.int32, [], name=var_name(mutable_id, layer_id, "op_feed"))
                mask_ph = tf.compat.v1.placeholder(tf.bool, [len(names)],
                                                   name=var_name(mutable_id, layer_id, "mask_feed"))
                layer.extra["feeds"] = (op_ph, mask_ph)
                layer.extra["assign"] = tf.group(layer.extra["op_index"].assign(op_ph),
                                                 layer.extra["input_mask"].assign(mask_ph))
        layers[(mutable_id, layer_id)] = layer
    elif layer.choices != list(funcs) or layer.inputs != names:
        msg = (f"{where}: built again with other candidates ({list(funcs)}, inputs {names}) than the first "
               f"time ({layer.choices}, inputs {layer.inputs})")
        raise ValueError(msg)

    tensors = [to_tensor(tf, optional_inputs[n], f"{where}: optional input {n!r} is", "a tensor")
               for n in names]
    if tensors:
        check_same_shapes(where, "enas_mode", "optional inputs", names, tensors)
        # the chosen inputs, in declaration order, on a new axis 0: each input sliced to [0 or 1, ...] by its
        # mask bit, then concatenated (the same tensor as boolean_mask(stack(...)); its gradient is a slice
        # and a pad per input instead of boolean_mask's scatter, ~40% cheaper at batch 512)
        keep = tf.unstack(tf.cast(layer.extra["input_mask"], tf.int32), num=len(tensors))
        chosen = tf.concat([tf.expand_dims(t, 0)[:k] for t, k in zip(tensors, keep, strict=True)], axis=0)
    else:  # no optional inputs: as in classic_mode, an empty list (no runtime ops for an empty tensor)
        chosen = []

    traced: dict[str, Any] = {}

    def branch(name: str, func: Any, kwargs: Mapping[str, Any]) -> Any:
        out = call_op(tf, "enas_mode", where, name, func, [list(fixed_inputs), chosen], kwargs)
        check_sibling(where, "enas_mode", name, out, traced)  # before TF merges the branches' outputs
        traced[name] = out
        return out

    branches = [functools.partial(branch, name, funcs[name], dict(funcs_args.get(name, {})))
                for name in funcs]
    index = tf.convert_to_tensor(layer.extra["op_index"])
    name = var_name(mutable_id, layer_id, "select").replace("/", "_")
    if key is not EAGER and not getattr(tf.compat.v1.get_default_graph(), "building_function", False):
        shared = [t for t in [*fixed_inputs, chosen] if isinstance(t, tf.Tensor)]
        output = _select_in_graph(tf, index, branches, name, shared)
    else:
        output = tf.switch_case(index, branches, name=name)
    if len(traced) == 1 and key is EAGER and tf.executing_eagerly():  # (traced branches: checked above)
        _check_eager_shape(layer, output, where)
    return output


def _select_in_graph(tf: Any, index: Any, branches: list[Any], name: str, shared: list[Any]) -> Any:
    """TF1 graph: ``branches[index]`` (the last one when out of range, as ``switch_case``).

    A chain of ``n - 1`` TF1 conditionals (``index == 0``, else ``index == 1``, ...), built with control flow
    v2 switched off for the duration of the build only (public ``tf.compat.v1`` switch, restored after; the
    candidate ops' own conditionals and loops are built in TF1 style too). Each branch is built in the
    caller's name scope, so candidate variables keep the names they have under ``switch_case``.

    ``shared``: the layer's input tensors (fixed inputs, the masked optional inputs). A TF1 conditional gives
    each of its two branches its own ``Switch`` of a captured tensor, and the gradient of each such switch
    adds a zero tensor of the input's size for the side not taken, then sums the two (``Fill`` + ``AddN`` of
    activation size per input and level, the largest cost of the enas graph at larger batches). Here both
    branches of a level read the input through one ``Switch`` (see :func:`_share_switch`): its gradient is
    the ``Merge`` of the two sides, only one of which runs.
    """
    v1 = tf.compat.v1
    graph = v1.get_default_graph()
    outer = graph.get_name_scope()

    def call(i: int) -> Any:  # in the caller's name scope, as in a switch_case branch (variable names)
        with graph.name_scope(f"{outer}/" if outer else ""):
            return branches[i]()

    def chain(i: int, current: list[Any]) -> Any:
        if i == len(branches) - 1:
            return call(i)
        pred = tf.equal(index, i)
        switches = [_switch(tf, t, pred) for t in current]

        def taken() -> Any:
            _share_switch(graph, shared, switches, 1)
            return call(i)

        def not_taken() -> Any:
            _share_switch(graph, shared, switches, 0)
            return chain(i + 1, [t if sw is None else sw[0] for sw, t in zip(switches, current, strict=True)])

        return v1.cond(pred, taken, not_taken)

    was_v2 = v1.control_flow_v2_enabled()
    v1.disable_control_flow_v2()
    try:
        with tf.name_scope(name):
            return chain(0, shared)
    finally:
        if was_v2:
            v1.enable_control_flow_v2()


def _switch(tf: Any, tensor: Any, pred: Any) -> Any:
    """``(false, true)`` outputs of one ``Switch`` of ``tensor`` on ``pred`` (``None``: no gradient)."""
    if not tensor.dtype.is_floating:  # no gradient to save; the conditional captures it as usual
        return None
    from tensorflow.python.ops import control_flow_ops  # TF1 control flow (tensorflow.compat.v1)

    with tf.control_dependencies(None):
        return control_flow_ops.switch(tensor, pred)


def _share_switch(graph: Any, shared: list[Any], switches: list[Any], side: int) -> None:
    """Make the branch being built (side 1: taken, 0: not taken) read each ``shared`` tensor through
    ``switches`` instead of a ``Switch`` of its own.

    Uses TF1's ``CondContext`` bookkeeping the way its ``AddValue`` does for a captured tensor (``_values``,
    ``_external_values``, the switch's control-flow context): a version of TensorFlow without it leaves the
    conditional capturing as usual (correct, only slower).
    """
    context = graph._get_control_flow_context()  # the CondContext of this branch
    try:
        values, external = context._values, context._external_values
    except AttributeError:
        return
    for tensor, pair in zip(shared, switches, strict=True):
        if pair is None:
            continue
        out = pair[side]
        if side == 1:
            out.op._set_control_flow_context(context)  # its gradient is then a cond merge
            graph.prevent_fetching(out.op)
        ctx = context
        while ctx is not None:
            ctx._values.add(out.name)
            ctx = ctx._outer_context
        values.add(tensor.name)
        external[tensor.name] = out


def _check_eager_shape(layer: Layer, output: Any, where: str) -> None:
    """Eagerly only the chosen branch runs: compare its shape with the other ops seen so far."""
    seen = layer.extra.setdefault("eager_shapes", {})
    op = layer.choices[int(layer.extra["op_index"].numpy())]
    seen[op] = output
    if len(seen) > 1:
        check_same_shapes(where, "enas_mode", "candidate ops' outputs", list(seen), list(seen.values()))


def update(tf: Any, session: Any) -> None:
    """Fetch the next architecture (the current one on the first call) and load it into every layer."""
    key = session_key(tf, session, "enas_mode")
    layers = mode_layers(key, "enas_mode", "training_update('enas_mode')")
    params = _params.architecture_to_load("enas_mode")
    values = [_signal_values(params, layer) for layer in layers]
    if key is EAGER:
        for layer, (op, mask) in zip(layers, values, strict=True):
            layer.extra["op_index"].assign(op)
            layer.extra["input_mask"].assign(mask)
        return
    _loader(session, layers)(*[array for pair in values for array in pair])


_CACHED_CHOICES = 4096  # per layer; beyond that choices are validated every time (still correct, slower)


def _signal_values(params: Mapping[str, Any], layer: Layer) -> tuple[Any, Any]:
    """``(op_index, input_mask)`` arrays of ``layer`` in ``params``, validated as classic_mode does.

    Runs once per layer and update, so a native entry already seen and validated for this layer is looked up
    (``(chosen_layer, chosen_inputs)`` -> arrays) instead of validated again; anything else (converted keys,
    a new or invalid choice) goes through :func:`_params.layer_choice`, which raises the clear errors.
    """
    cache = layer.extra.setdefault("signal_values", {})
    memo: tuple[Any, ...] | None = None
    hit = None
    try:
        entry = params[layer.mutable_id][layer.layer_id]
        inputs = entry.get("chosen_inputs", [])
        if type(inputs) is list:  # exactly what validation accepts (a string or tuple must be rejected)
            memo = (entry["chosen_layer"], *inputs)
            hit = cache.get(memo)
    except (KeyError, TypeError, AttributeError):  # not the native format, or unhashable values
        memo = None
    if hit is None:
        op, inputs = _params.layer_choice(params, layer)
        hit = (np.asarray(op, np.int32), np.asarray([name in inputs for name in layer.inputs], np.bool_))
        if memo is not None and len(cache) < _CACHED_CHOICES:
            cache[memo] = hit
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug("%s_%s: layer: %s, optional inputs: %s", layer.mutable_id, layer.layer_id,
                   layer.choices[int(hit[0])], [n for n, m in zip(layer.inputs, hit[1], strict=True) if m])
    return hit


_loaders: weakref.WeakKeyDictionary[Any, tuple[tuple[int, ...], Any]] = weakref.WeakKeyDictionary()


def _loader(session: Any, layers: list[Layer]) -> Any:
    """A callable of ``session`` that feeds every layer's prebuilt assign ops at once.

    A session callable adds nothing to the graph (finalized graphs work) and skips ``Session.run``'s per-call
    fetch and feed processing (about 1 ms per update on the benchmark); it is rebuilt when layers were added.
    Session wrappers without callables (e.g. ``MonitoredSession``) get a plain ``session.run``.
    """
    ids = tuple(id(layer) for layer in layers)
    try:
        cached = _loaders.get(session)
    except TypeError:  # not weak-referenceable: no cache
        cached = None
    if cached is not None and cached[0] == ids:
        return cached[1]
    feeds = [feed for layer in layers for feed in layer.extra["feeds"]]
    assigns = [layer.extra["assign"] for layer in layers]
    make = getattr(session, "_make_callable_from_options", None)
    if make is None:
        def run(*values: Any) -> None:
            session.run(assigns, feed_dict=dict(zip(feeds, values, strict=True)))
    else:
        from tensorflow.core.protobuf import config_pb2

        options = config_pb2.CallableOptions()
        options.feed.extend(feed.name for feed in feeds)
        options.target.extend(op.name for op in assigns)
        options.run_options.inter_op_thread_pool = -1  # tiny assigns: run in this thread
        run = make(options)
    with contextlib.suppress(TypeError):
        _loaders[session] = (ids, run)
    return run
