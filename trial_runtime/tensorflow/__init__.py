"""TensorFlow nasModes ``enas_mode``, ``oneshot_mode`` and ``darts_mode`` (the only TF importer).

The dispatcher in ``trial_runtime`` calls :func:`mutable_layer` and :func:`training_update` for every mode
other than ``classic_mode``. TF1 graph code (``tensorflow.compat.v1``, sessions, placeholders) and TF2 eager /
``tf.function`` code are both supported; the variables the modes add (enas signals, oneshot weights, darts
logits) are created once per (block, layer) and per TF1 graph (once per process for eager code), outside any
branch or function, and are non-trainable.

Extra entry points for trial code: :func:`built_mode` (which nasMode built the model),
:func:`oneshot_evaluate` / :func:`oneshot_train` (switch path dropout off and optionally fix a sub-graph, and
back), :func:`darts_architecture` (the argmax architecture),
:func:`configure` (``nasModeArgs`` in-process; the runner passes them in ``$NASTUNE_NAS_MODE_ARGS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import _config, _darts, _enas, _oneshot
from ._layers import check_call, forget_eager, layers_of, size_range
from ._tf import TensorFlowMissing, context_key, import_tf, load_tf

__all__ = [
    "TensorFlowMissing",
    "built_mode",
    "configure",
    "darts_architecture",
    "forget_eager",
    "mutable_layer",
    "oneshot_evaluate",
    "oneshot_train",
    "training_update",
]

MODES = ("enas_mode", "oneshot_mode", "darts_mode")
_BUILDERS = {"enas_mode": _enas.build, "oneshot_mode": _oneshot.build, "darts_mode": _darts.build}

configure = _config.configure


def mutable_layer(mode: str, mutable_id: str, mutable_layer_id: str, funcs: Mapping[str, Any],
                  funcs_args: Mapping[str, Mapping[str, Any]], fixed_inputs: list[Any],
                  optional_inputs: Mapping[str, Any], optional_input_size: Any, tf: Any) -> Any:
    """Build one layer of the supergraph in ``mode`` and return its output tensor (see the mode modules)."""
    if mode not in _BUILDERS:
        msg = f"Unrecognized mode: {mode}"
        raise RuntimeError(msg)
    where = f"{mutable_id}/{mutable_layer_id}"
    tf_module = load_tf(tf, mode, f"nni.mutable_layer {where}")
    check_call(mode, mutable_id, mutable_layer_id, funcs, funcs_args, fixed_inputs, optional_inputs)
    size = size_range(optional_input_size, len(optional_inputs), where)
    return _BUILDERS[mode](tf_module, mutable_id, mutable_layer_id, funcs, funcs_args, list(fixed_inputs),
                           optional_inputs, size)


def training_update(mode: str, tf: Any = None, session: Any = None, loss: Any = None,
                    feed_dict: Mapping[Any, Any] | None = None) -> None:
    """enas_mode: fetch and load the next architecture; darts_mode: one architecture step; else nothing.

    Positional ``training_update(mode, tf, session)`` works too. In TF1 graph mode pass the session; eagerly
    omit it (and give darts ``loss`` as a zero-argument callable).
    """
    if mode not in (*_BUILDERS, "classic_mode"):
        msg = f"Unrecognized mode: {mode}"
        raise RuntimeError(msg)
    if mode in ("classic_mode", "oneshot_mode"):
        return
    tf_module = load_tf(tf, mode)
    if mode == "enas_mode":
        _enas.update(tf_module, session)
    elif mode == "darts_mode":
        _darts.update(tf_module, session, loss, feed_dict)


def oneshot_evaluate(tf: Any, session: Any = None, architecture: Mapping[str, Any] | None = None) -> None:
    """oneshot_mode inference: dropout off; ``architecture`` (native or converted) fixes a sub-graph."""
    _oneshot.evaluate(tf, session, architecture)


def oneshot_train(tf: Any, session: Any = None) -> None:
    """oneshot_mode: path dropout back on (the default)."""
    _oneshot.train(tf, session)


def darts_architecture(tf: Any, session: Any = None) -> dict[str, Any]:
    """darts_mode: the derived (argmax) architecture in native format; logged at INFO."""
    return _darts.architecture(load_tf(tf, "darts_mode"), session)


def built_mode(tf: Any, session: Any = None) -> str | None:
    """The nasMode of the ``nni.mutable_layer``s built in ``session``'s graph (TF1) or eagerly (no session).

    ``None`` when none was built there: classic_mode builds only the chosen ops and keeps no record. Lets one
    trial source call mode-specific extras, e.g. :func:`oneshot_evaluate` only in oneshot_mode.
    """
    load_tf(tf, "built_mode")
    if session is not None:
        key = getattr(session, "graph", None)
        if key is None:
            msg = f"built_mode: session must be a tf.compat.v1.Session, got {type(session).__name__}"
            raise TypeError(msg)
    else:
        key = context_key(import_tf("built_mode"))
    return next((layer.mode for layer in layers_of(key).values() if layer.mode in MODES), None)
