"""The functions compiled trial code calls (``import trial_runtime as nni``); re-exported by the package."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

from nastuners.exceptions import ChoiceError, Issue
from trial_runtime import _params
from trial_runtime._platform import current_platform

MODES = ("classic_mode", "enas_mode", "oneshot_mode", "darts_mode")
_BAD_METRIC = ('Incorrect {kind} result: the {kind} result should be float/int, or a dict which has a key '
               'named "default" whose value is float/int.')


def _check_mode(mode: Any) -> None:
    if mode not in MODES:
        msg = f"Unrecognized mode: {mode} (expected one of {', '.join(MODES)})"
        raise RuntimeError(msg)


def mutable_layer(mutable_id: str, mutable_layer_id: str, funcs: Mapping[str, Callable[..., Any]],
                  funcs_args: Mapping[str, Mapping[str, Any]], fixed_inputs: list[Any],
                  optional_inputs: Mapping[str, Any], optional_input_size: Any, mode: str = "classic_mode",
                  tf: Any = None) -> Any:
    """Run one layer of a ``@nni.mutable_layers`` block in ``mode`` (see nni-compat §10)."""
    _check_mode(mode)
    if mode == "classic_mode":
        from trial_runtime.classic import classic_mode

        return classic_mode(mutable_id, mutable_layer_id, funcs, funcs_args, fixed_inputs, optional_inputs,
                            optional_input_size)
    if tf is None:
        msg = (f"Internal Error: Tensorflow should not be None in modes other than classic_mode "
               f"(mode {mode!r}); compile the trial with `nastune annotate --nas-mode {mode}`, "
               "which passes it")
        raise RuntimeError(msg)
    from trial_runtime import tensorflow as tf_modes

    return tf_modes.mutable_layer(mode, mutable_id, mutable_layer_id, funcs, funcs_args, fixed_inputs,
                                  optional_inputs, optional_input_size, tf)


def training_update(nas_mode: str, tf: Any = None, session: Any = None, loss: Any = None,
                    feed_dict: Any = None) -> Any:
    """enas_mode: load the next architecture; darts_mode: one architecture step; classic_mode: nothing."""
    _check_mode(nas_mode)
    if nas_mode == "classic_mode":
        return None
    from trial_runtime import tensorflow as tf_modes

    return tf_modes.training_update(nas_mode, tf=tf, session=session, loss=loss, feed_dict=feed_dict)


def get_next_parameter() -> dict[str, Any]:
    """Fetch the next architecture (multi-phase trials call this once per phase) and return it."""
    return _params.fetch_next()


def get_current_parameter(tag: str | None = None) -> Any:
    """The current parameters (``None`` before the first fetch), or their entry ``tag``."""
    params = _params.current()
    if params is None or tag is None:
        return params
    return params[tag]


def _metric(value: Any, kind: str) -> Any:
    def number(x: Any) -> bool:
        return isinstance(x, numbers.Real) and not isinstance(x, bool)

    if number(value):
        return int(value) if isinstance(value, numbers.Integral) else float(value)
    if isinstance(value, Mapping) and number(value.get("default")):
        out = dict(value)
        default = out["default"]
        out["default"] = int(default) if isinstance(default, numbers.Integral) else float(default)
        return out
    msg = f"{_BAD_METRIC.format(kind=kind)} Got {type(value).__name__}: {value!r}"
    raise TypeError(msg)


def report_intermediate_result(metric: Any) -> None:
    """Report an intermediate result (a number, or a dict with a numeric ``default``)."""
    current_platform().report("intermediate", _metric(metric, "intermediate"), _params.current_parameter_id())


def report_final_result(metric: Any) -> None:
    """Report the final result of the current parameters (a number, or a dict with a numeric ``default``)."""
    current_platform().report("final", _metric(metric, "final"), _params.current_parameter_id())


def get_trial_id() -> str:
    return current_platform().trial_id


def get_experiment_id() -> str:
    return current_platform().experiment_id


def get_sequence_id() -> int:
    return current_platform().sequence_id


def _value(key: str | None, name: str | None, what: str) -> Any:
    if key is None:
        msg = f"nni.{what}(name={name!r}) needs key=...; compile the trial with `nastune annotate`"
        raise TypeError(msg)
    params = _params.ensure(f"nni.{what}")
    if key not in params:
        shown = sorted(str(k) for k in params)[:8]
        raise ChoiceError([Issue(key, f"the parameters have no value for this {what}; their keys: {shown}")])
    return params[key]


def _pick(options: Mapping[Any, Any], key: str | None, name: str | None, what: str) -> Any:
    value = _value(key, name, what)
    try:
        return options[value]
    except (KeyError, TypeError):
        pass
    if isinstance(value, float) and not math.isnan(value):  # JSON turns 1 into 1.0 in some tuners
        for option in options:
            if isinstance(option, (int, float)) and not isinstance(option, bool) and option == value:
                return options[option]
    raise ChoiceError([Issue(str(key), f"value {value!r} is not one of {list(options)}")])


def choice(options: Mapping[Any, Any], name: str | None = None, key: str | None = None) -> Any:
    """``@nni.variable(nni.choice(...))``: the option the parameters chose (``options``: key → value)."""
    return _pick(options, key, name, "choice")


def function_choice(funcs: Mapping[Any, Callable[[], Any]], name: str | None = None,
                    key: str | None = None) -> Any:
    """``@nni.function_choice(...)``: call the chosen function (``funcs``: key → zero-argument lambda)."""
    return _pick(funcs, key, name, "function_choice")()


def _distribution(func: str) -> Callable[..., Any]:
    def sample(*args: Any, name: str | None = None, key: str | None = None) -> Any:
        return _value(key, name, func)

    sample.__name__ = sample.__qualname__ = func
    sample.__doc__ = f"``@nni.variable(nni.{func}(...))``: the value the parameters hold for ``key``."
    return sample


randint = _distribution("randint")
uniform = _distribution("uniform")
quniform = _distribution("quniform")
loguniform = _distribution("loguniform")
qloguniform = _distribution("qloguniform")
normal = _distribution("normal")
qnormal = _distribution("qnormal")
lognormal = _distribution("lognormal")
qlognormal = _distribution("qlognormal")
