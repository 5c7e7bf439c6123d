"""Fetching architectures through the runtime and reading one layer's choice from them.

Both architecture formats are read: native ``{block: {layer: {chosen_layer, chosen_inputs}}}`` and NNI's
converted ``_mutable_layer/<block>/<layer>/<field>`` keys (decoded by ``nastuners.space``, keys split from
the right because block ids contain ``/``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nastuners.exceptions import ChoiceError, Issue, NoMoreTrialError

from . import _config
from ._layers import Layer

_last_loaded: list[Any] = [None]


def architecture_to_load(mode: str) -> dict[str, Any]:
    """The architecture the next ``training_update`` activates.

    The current parameter if no update has loaded it yet (the first update activates the parameter the trial
    started with, or one the trial fetched itself); otherwise the next one, fetched through multi-phase.
    """
    from trial_runtime import _params as runtime_params

    params = runtime_params.current()
    if params is None or params is _last_loaded[0]:
        params = next_parameter(mode, prefetch=mode == "enas_mode" and bool(_config.get("enas_prefetch")))
    _last_loaded[0] = params
    return _check_mapping(params, mode)


def next_parameter(mode: str, *, prefetch: bool = False) -> dict[str, Any]:
    """Fetch the next architecture (multi-phase) and make it current; exhaustion is a clear error.

    ``prefetch``: request the one after it now (experiment channel), so the next update need not wait.
    """
    from trial_runtime import _params as runtime_params
    from trial_runtime._platform import NoParametersError

    try:
        params = runtime_params.fetch_next(prefetch=prefetch)
    except NoMoreTrialError as exc:
        msg = f"training_update({mode!r}): the tuner has no more architectures for this trial ({exc})"
        raise NoMoreTrialError(msg) from exc
    except NoParametersError as exc:
        msg = f"training_update({mode!r}) cannot fetch an architecture: {exc}"
        raise NoParametersError(msg) from None
    if params is None:
        msg = (f"training_update({mode!r}): the tuner has no more architectures for this trial "
               "(the platform returned None); stop training or give the experiment a larger budget")
        raise NoMoreTrialError(msg)
    return _check_mapping(params, mode)


def _check_mapping(params: Any, mode: str) -> Any:
    if not isinstance(params, Mapping):
        raise ChoiceError([Issue(mode, f"the parameters must be a JSON object, got {type(params).__name__}")])
    return params


def layer_choice(params: Mapping[str, Any], layer: Layer) -> tuple[int, list[str]]:
    """``(op index, chosen input names)`` of ``layer`` in ``params`` (either format), validated as classic.

    Raises ``ChoiceError`` naming ``<block>/<layer>``, the bad value and the allowed values.
    """
    from trial_runtime.classic import layer_choice as classic_layer_choice

    size = [layer.size_lo, layer.size_hi]
    chosen_layer, chosen_inputs = classic_layer_choice(params, layer.mutable_id, layer.layer_id,
                                                       layer.choices, layer.inputs, size)
    return layer.choices.index(chosen_layer), chosen_inputs
