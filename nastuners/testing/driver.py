"""A small in-process experiment loop that drives a tuner the way the runner does, checking the ABC contract.

:func:`drive` issues parameter ids 0, 1, 2, ..., keeps up to ``concurrency`` trials pending, finishes them in
FIFO or seeded-random order (a result then ``trial_end(pid, True)``, or a failure ``trial_end(pid, False)``
without a result), and validates every proposal against the space. Contract violations raise
:class:`ContractError` with an explanation of the likely cause.
"""

from __future__ import annotations

import json
import math
import random
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import ChoiceError, NoMoreTrialError, NoSuggestionYet
from ..space import SearchSpace
from ..tuner import Tuner

__all__ = ["ContractError", "DriveResult", "Trial", "check_choice", "drive", "quiet_space_warnings"]

Reward = Callable[[Mapping[str, Any]], float]


class ContractError(AssertionError):
    """A tuner broke the ``Tuner`` contract; the message says what was expected and the likely cause."""


@dataclass
class Trial:
    """One trial of a driven run: its id, the proposal, how it ended (``value`` is None when it failed)."""

    parameter_id: int
    params: dict[str, Any]
    value: float | None = None
    success: bool = True


@dataclass
class DriveResult:
    """What :func:`drive` observed: every trial in issue order and whether the tuner said it is exhausted."""

    trials: list[Trial] = field(default_factory=list)
    exhausted: bool = False
    next_id: int = 0

    @property
    def params(self) -> list[dict[str, Any]]:
        """The proposals in issue order."""
        return [t.params for t in self.trials]


@contextmanager
def quiet_space_warnings() -> Iterator[None]:
    """Silence the parser's "size larger than the optional inputs" warning (legal NNI, used on purpose)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*optional_input_size .* exceeds", category=UserWarning)
        yield


def check_choice(space: SearchSpace, params: Any, *, who: str = "tuner", pid: int | None = None) -> None:
    """Assert that ``params`` is a plain-JSON choice document that fits ``space`` with distinct inputs."""
    where = f"{who}.generate_parameters({pid})" if pid is not None else who
    if not isinstance(params, dict):
        msg = f"{where} returned {type(params).__name__}, expected a dict (a native choice document)"
        raise ContractError(msg)
    try:
        text = json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as exc:
        msg = f"{where} returned data that is not plain JSON ({exc}): {params!r}; use str/int/float/list/dict"
        raise ContractError(msg) from None
    if json.loads(text) != params:
        msg = f"{where} returned data that changes in a JSON round trip (tuples? int keys?): {params!r}"
        raise ContractError(msg)
    try:
        space.validate_choice(params)
        space.encode(params)
    except ChoiceError as exc:
        msg = (f"{where} returned a choice that does not fit the search space. Build proposals with "
               f"space.decode(vector) for canonical documents (distinct inputs in declaration order).\n{exc}")
        raise ContractError(msg) from None


def drive(tuner: Tuner, n_trials: int, *, reward: Reward, concurrency: int = 1, start_id: int = 0,
          fail: Callable[[int], bool] | None = None, order_seed: int | None = None,
          dict_every: int = 0) -> DriveResult:
    """Run up to ``n_trials`` trials of ``tuner`` (already given its space) and return what happened.

    ``fail(pid)`` marks trials that fail; ``order_seed`` finishes pending trials in a seeded random order
    (FIFO when None); every ``dict_every``-th result is sent as ``{"default": value}``. Stops early when the
    tuner raises ``NoMoreTrialError``. Raises :class:`ContractError` on invalid proposals, on
    ``NoSuggestionYet`` with nothing pending (the caller would wait forever) and on wrong
    ``tuner.pending`` bookkeeping.
    """
    space = tuner.space
    if space is None:
        msg = "drive() needs a tuner whose update_search_space() was called"
        raise ContractError(msg)
    who = type(tuner).__name__
    order = random.Random(order_seed) if order_seed is not None else None
    result = DriveResult(next_id=start_id)
    pending: list[Trial] = []
    issued = 0
    while True:
        while not result.exhausted and issued < n_trials and len(pending) < concurrency:
            pid = result.next_id
            try:
                params = tuner.generate_parameters(pid)
            except NoSuggestionYet:
                if not pending:
                    msg = (f"{who}.generate_parameters({pid}) raised NoSuggestionYet with no trial pending: "
                           f"the caller would wait forever. Raise it only while results are outstanding.")
                    raise ContractError(msg) from None
                break
            except NoMoreTrialError:
                result.exhausted = True
                break
            check_choice(space, params, who=who, pid=pid)
            trial = Trial(pid, params)
            pending.append(trial)
            result.trials.append(trial)
            result.next_id += 1
            issued += 1
            _check_pending(tuner, pending, who)
        if not pending:
            return result
        trial = pending.pop(order.randrange(len(pending)) if order else 0)
        _finish(tuner, trial, reward, fail, dict_every)
        _check_pending(tuner, pending, who)


def _finish(tuner: Tuner, trial: Trial, reward: Reward, fail: Callable[[int], bool] | None,
            dict_every: int) -> None:
    pid = trial.parameter_id
    if fail is not None and fail(pid):
        trial.success, trial.value = False, None
        tuner.trial_end(pid, False)
        return
    value = reward(trial.params)
    if not math.isfinite(value):
        msg = f"the reward function returned {value} for {trial.params}"
        raise ContractError(msg)
    trial.value = value
    sent: Any = {"default": value, "extra": 1} if dict_every and pid % dict_every == 0 else value
    tuner.receive_trial_result(pid, trial.params, sent)
    tuner.trial_end(pid, True)


def _check_pending(tuner: Tuner, pending: list[Trial], who: str) -> None:
    expected = sorted(t.parameter_id for t in pending)
    actual = sorted(tuner.pending) if isinstance(tuner.pending, dict) else tuner.pending
    if actual != expected:
        msg = (f"{who}.pending lists {actual}, expected the issued-but-unfinished ids {expected}. The base "
               f"class maintains it; do not reassign self.pending, and call super().__init__().")
        raise ContractError(msg)
