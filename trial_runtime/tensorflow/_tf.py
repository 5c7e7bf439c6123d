"""Loading TensorFlow and telling the build contexts apart (TF1 graphs, TF2 eager and ``tf.function``).

This sub-package is the only place in nastune that imports TensorFlow, and it does so on first use of a
TensorFlow mode, never at ``import trial_runtime``.
"""

from __future__ import annotations

import importlib.util
import re
from typing import Any

from nastuners.exceptions import NastunersError

EAGER = "eager"
"""Context key of TF2 eager code and every ``tf.function`` traced from it (variables: once per process)."""

_TF_NONE = "Tensorflow should not be None in modes other than classic_mode"


class TensorFlowMissing(NastunersError, ImportError):
    """A TensorFlow nasMode was used but TensorFlow is not installed (or not importable)."""


def load_tf(tf_arg: Any, mode: str, where: str = "") -> Any:
    """Return the TF2 ``tensorflow`` module after checking what the trial passed as ``tf``.

    Compiled code passes the top-level ``tensorflow`` module; users may pass ``tensorflow.compat.v1`` (or
    ``compat.v2``). All are accepted, and the runtime itself always works through ``tensorflow`` /
    ``tensorflow.compat.v1``.
    """
    if tf_arg is None:
        hint = ("pass the TensorFlow module, e.g. nni.mutable_layer(..., tensorflow) or "
                "@nni.training_update(tf=tf, ...)")
        if importlib.util.find_spec("tensorflow") is None:
            hint += "; TensorFlow is not installed either: pip install 'nastune[tf]'"
        msg = f"{_TF_NONE}: {mode} got tf=None; {hint}"
        raise RuntimeError(msg)
    name = getattr(tf_arg, "__name__", "")
    if not name.startswith("tensorflow"):
        at = f" ({where})" if where else ""
        msg = (f"{mode}{at}: tf must be the TensorFlow module (tensorflow or tensorflow.compat.v1), got "
               f"{type(tf_arg).__name__} {name or tf_arg!r}; pass tf=tf after `import tensorflow as tf`")
        raise TypeError(msg)
    return import_tf(mode)


def import_tf(mode: str) -> Any:
    """Import ``tensorflow``, turning a missing installation into :class:`TensorFlowMissing`."""
    try:
        import tensorflow
    except ImportError as exc:
        msg = (f"{mode} runs on TensorFlow, which cannot be imported ({exc}). Install it with "
               "pip install 'nastune[tf]' (tensorflow-cpu), or run the trial in classic_mode")
        raise TensorFlowMissing(msg) from exc
    return tensorflow


def context_key(tf: Any) -> Any:
    """Where variables built now live: the outermost TF1 graph, or :data:`EAGER`.

    Inside a ``switch_case`` branch or a ``tf.function``, ``init_scope`` lifts to the outermost context.
    """
    with tf.init_scope():
        if tf.executing_eagerly():
            return EAGER
        return tf.compat.v1.get_default_graph()


def session_key(tf: Any, session: Any, mode: str, call: str = "") -> Any:
    """The context key ``call`` (default: ``training_update``) works on: the session's graph, else eager."""
    if session is not None:  # (called once per training step: messages are built only when needed)
        graph = getattr(session, "graph", None)
        if graph is None or not hasattr(session, "run"):
            msg = (f"{call or f'training_update({mode!r})'}: session must be a tf.compat.v1.Session, got "
                   f"{type(session).__name__}")
            raise TypeError(msg)
        return graph
    key = context_key(tf)
    if key is not EAGER:
        call = call or f"training_update({mode!r})"
        example = ("@nni.training_update(tf=tf, session=sess) (or nni.training_update(mode, tf, sess))"
                   if call.startswith("training_update") else f"{call.split('(')[0]}(tf, sess)")
        msg = (f"{call} in TF1 graph mode needs the session that runs the graph: write {example}; "
               "only TF2 eager code may omit it")
        raise RuntimeError(msg)
    return EAGER


def var_name(mutable_id: str, layer_id: str, what: str) -> str:
    """A valid TF variable name ``nastune/<block>/<layer>/<what>``."""
    raw = f"nastune/{mutable_id}/{layer_id}/{what}"
    return re.sub(r"[^A-Za-z0-9_./-]", "_", raw)


def make_variable(tf: Any, initial: Any, name: str, dtype: Any) -> Any:
    """A non-trainable variable created in the outermost context (so once, outside branches and functions)."""
    with tf.init_scope():
        return tf.Variable(lambda: tf.constant(initial, dtype=dtype), trainable=False, name=name,
                           dtype=dtype)
