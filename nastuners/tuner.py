"""The ``Tuner`` ABC: NNI's verbs, plus what NNI lacked (optimize mode, seed, pending, "not now", state)."""

from __future__ import annotations

import abc
import functools
import math
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from .exceptions import NoMoreTrialError, NoSuggestionYet
from .space import SearchSpace

__all__ = ["OptimizeMode", "Tuner", "extract_value"]

OptimizeMode = Literal["maximize", "minimize"]

_BAD_VALUE = ("Incorrect final result: the final result should be float/int, or a dict which has a key named "
              "\"default\" whose value is float/int.")


def extract_value(value: Any) -> float:
    """The numeric metric of a final result: a number, or a dict whose ``"default"`` is a number."""
    if isinstance(value, Mapping):
        value = value.get("default")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(_BAD_VALUE)
    if math.isnan(value):
        msg = f"{_BAD_VALUE} Got NaN."
        raise ValueError(msg)
    return float(value)


def _tracks_pending(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def generate(self: Tuner, parameter_id: int, **kwargs: Any) -> Any:
        params = fn(self, parameter_id, **kwargs)
        self.pending[parameter_id] = params
        return params

    generate._nastune_tracked = True  # type: ignore[attr-defined]
    return generate


class Tuner(abc.ABC):
    """Base class of every nastune tuner, built-in or plugin.

    **Call order** (what the runner and the offline bench do)::

        tuner = SomeTuner(optimize_mode="maximize", seed=0, **class_args)
        tuner.update_search_space(space_json)        # once before anything else (and on space updates)
        tuner.import_data(records)                    # optional warm start / resume
        loop:
            params = tuner.generate_parameters(pid)   # whenever a worker is free; pid = 0, 1, 2, ... (global)
                # raises NoSuggestionYet  -> "not now": ask again after the next result
                # raises NoMoreTrialError -> nothing left: stop asking
            ... the trial runs ...
            tuner.receive_trial_result(pid, params, value)   # final result (number or {"default": number})
            tuner.trial_end(pid, success)                    # always, after the result if there is one
        state = tuner.state_dict()                    # any time; JSON-serialisable
        tuner.load_state_dict(state)                  # on a fresh tuner after update_search_space (resume)

    Results may arrive in any order and several parameters may be pending at once. ``trial_end(pid, False)``
    without a result is a failed trial.

    **``trial_end`` kwargs** (optional information a tuner may use; NNI's verbs take ``**kwargs``):
    ``interrupted=True`` says the parameter was *not evaluated* for a reason unrelated to the architecture
    (the runner died or the experiment stopped while its trial ran, or a multi-phase trial moved on to its
    next parameter without a result for this one). A tuner should drop it from its pending set and may
    propose it again; it must not count it as a failure. A tuner that ignores the kwarg handles it like any
    result-less end; a ``trial_end`` without ``**kwargs`` (duck-typed tuners) is called without it.

    **Multi-phase trials** (``multiPhase``, enas_mode): every ``get_next_parameter()`` of one trial is a
    ``generate_parameters(pid, trial_job_id=...)`` call. Before it, the trial's previous parameter is
    finished: ``receive_trial_result(prev, params, last_intermediate, trial_job_id=...)`` if intermediate
    results were reported while it was current (ENAS: the child's metric on a minibatch), else
    ``trial_end(prev, False, interrupted=True)``; so a tuner that waits for results never waits for a
    superseded parameter. The trial's own final result belongs to the parameter fetched last. When the trial
    ends, a last parameter left without a result gets ``trial_end(last, False)`` (``interrupted=True`` if the
    trial succeeded or was stopped), then NNI's
    ``trial_end(first_pid, success)`` follows as for any trial (for a first parameter already finished, a
    tuner simply ignores it: ``pending`` no longer holds it).

    **What the base class does for subclasses**: ``self.space`` (a parsed :class:`SearchSpace`, set by
    ``update_search_space``), ``self.rng`` (a ``random.Random`` seeded with ``seed``), ``self.pending``
    (``{parameter_id: params}`` issued and not yet finished; maintained automatically around
    ``generate_parameters``, ``receive_trial_result`` and ``trial_end``), ``self.score(value)`` (the number to
    *maximise*: NNI's value rules, negated in minimize mode), and a ``state_dict`` holding those.

    Subclasses implement ``generate_parameters`` and usually ``receive_trial_result``; they override
    ``update_search_space``/``state_dict``/``load_state_dict``/``import_data`` calling ``super()``.
    Parameters returned are plain JSON data (native choice documents); they are never evaluated.
    """

    def __init__(self, *, optimize_mode: OptimizeMode = "maximize", seed: int | None = None) -> None:
        if optimize_mode not in ("maximize", "minimize"):
            msg = f"optimize_mode must be 'maximize' or 'minimize', got {optimize_mode!r}"
            raise ValueError(msg)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            msg = f"seed must be an int or None, got {seed!r}"
            raise TypeError(msg)
        self.optimize_mode: OptimizeMode = optimize_mode
        self.seed = seed
        self.rng = random.Random(seed)
        self.space: SearchSpace | None = None
        self.pending: dict[int, dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fn = cls.__dict__.get("generate_parameters")
        if fn is not None and not getattr(fn, "_nastune_tracked", False) \
                and not getattr(fn, "__isabstractmethod__", False):
            cls.generate_parameters = _tracks_pending(fn)  # type: ignore[method-assign]
        for name in ("receive_trial_result", "trial_end"):
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "_nastune_tracked", False):
                setattr(cls, name, _ends_pending(method))

    # -- NNI verbs -------------------------------------------------------------------------------------
    def update_search_space(self, search_space: Mapping[str, Any] | SearchSpace) -> None:
        """Receive the space (JSON dict or parsed); unsupported ``_type`` s raise ``SearchSpaceError``."""
        self.space = SearchSpace.from_json(search_space)

    @abc.abstractmethod
    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        """One choice document for ``parameter_id``; or raise ``NoSuggestionYet`` / ``NoMoreTrialError``."""

    def generate_multiple_parameters(self, parameter_id_list: Iterable[int],
                                     **kwargs: Any) -> list[dict[str, Any]]:
        """Call ``generate_parameters`` per id, stopping at the first "not now" or "exhausted".

        Returns what was generated (for the first ids); re-raises when nothing could be generated at all.
        """
        out: list[dict[str, Any]] = []
        for pid in parameter_id_list:
            try:
                out.append(self.generate_parameters(pid, **kwargs))
            except (NoMoreTrialError, NoSuggestionYet):
                if not out:
                    raise
                break
        return out

    def receive_trial_result(  # noqa: B027 - optional hook, no-op by default
        self, parameter_id: int, parameters: dict[str, Any], value: Any, **kwargs: Any,
    ) -> None:
        """A final result for ``parameter_id`` (``value``: a number or a dict with a numeric ``default``)."""

    def trial_end(self, parameter_id: int, success: bool, **kwargs: Any) -> None:  # noqa: B027 - optional hook
        """The trial that started with ``parameter_id`` ended (``success=False``: failed, no result).

        Also sent for a multi-phase parameter finished without a result. kwarg ``interrupted=True``: not
        evaluated (see the class docstring); forget it, do not count it as a failure.
        """

    def import_data(self, data: list[dict[str, Any]]) -> None:  # noqa: B027 - optional hook
        """Warm start from ``[{"parameter": ..., "value": ...}]`` records; the default ignores them."""

    # -- beyond NNI ------------------------------------------------------------------------------------
    def score(self, value: Any) -> float:
        """The value to *maximise* for a final result (negated in minimize mode); raises ``ValueError``."""
        v = extract_value(value)
        return -v if self.optimize_mode == "minimize" else v

    def reseed(self, seed: int | None) -> None:
        """Reset the random state."""
        self.seed = seed
        self.rng = random.Random(seed)

    def state_dict(self) -> dict[str, Any]:
        """JSON-serialisable state; subclasses extend the dict returned by ``super().state_dict()``."""
        version, internal, gauss = self.rng.getstate()
        return {
            "optimize_mode": self.optimize_mode,
            "seed": self.seed,
            "rng": [version, list(internal), gauss],
            "pending": {str(k): v for k, v in self.pending.items()},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (after ``update_search_space``)."""
        version, internal, gauss = state["rng"]
        self.rng.setstate((version, tuple(internal), gauss))
        self.seed = state.get("seed", self.seed)
        self.pending = {int(k): v for k, v in state.get("pending", {}).items()}

    def _require_space(self) -> SearchSpace:
        if self.space is None:
            msg = f"{type(self).__name__}: call update_search_space() before asking for parameters"
            raise RuntimeError(msg)
        return self.space


def _ends_pending(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(self: Tuner, parameter_id: int, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, parameter_id, *args, **kwargs)
        finally:
            self.pending.pop(parameter_id, None)

    wrapper._nastune_tracked = True  # type: ignore[attr-defined]
    return wrapper


Tuner.receive_trial_result = _ends_pending(Tuner.receive_trial_result)  # type: ignore[method-assign]
Tuner.trial_end = _ends_pending(Tuner.trial_end)  # type: ignore[method-assign]
