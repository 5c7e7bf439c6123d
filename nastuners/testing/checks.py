"""The contract checks, as plain functions usable without pytest, and :func:`check_tuner` running them all.

Each ``check_*`` takes a *factory*: a callable ``factory(**kwargs) -> Tuner`` accepting at least ``seed=`` and
``optimize_mode=`` (the tuner class itself, a ``functools.partial`` of it, or :func:`registry_factory`).
A check returns ``None`` or raises :class:`ContractError` (an ``AssertionError``) explaining what broke;
:class:`CheckSkipped` means the check cannot run for this factory (e.g. it cannot be pickled). The checks
that compare two runs for identical proposals live in :mod:`._reproducibility`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from ..exceptions import NoMoreTrialError, SearchSpaceError
from ..space import SearchSpace
from . import spaces as sp
from ._base import CheckSkipped, TunerFactory, make_tuner, registry_factory
from ._reproducibility import (
    check_determinism,
    check_determinism_across_processes,
    check_minimize,
    check_state_round_trip,
)
from .driver import ContractError, check_choice, drive, quiet_space_warnings

__all__ = ["CHECKS", "CheckSkipped", "TunerFactory", "check_tuner", "registry_factory"]


def _keys(space: Mapping[str, Any], docs: list[dict[str, Any]]) -> list[str]:
    parsed = SearchSpace.from_json(space)
    return [parsed.canonical_key(d) for d in docs]


# -- the checks ---------------------------------------------------------------------------------------------
def check_construction(factory: TunerFactory) -> None:
    """``seed``/``optimize_mode`` are accepted and kept; an unknown ``optimize_mode`` is rejected."""
    tuner = make_tuner(factory, None, seed=7, optimize_mode="minimize")
    if tuner.optimize_mode != "minimize":
        msg = (
            f"optimize_mode='minimize' was not kept (got {tuner.optimize_mode!r}); pass it to "
            f"super().__init__()"
        )
        raise ContractError(msg)
    if tuner.score(2.0) != -2.0 or tuner.score({"default": 3}) != -3.0:
        raise ContractError("score() must negate results in minimize mode; do not override score()")
    try:
        factory(seed=0, optimize_mode="sideways")
    except (ValueError, TypeError):  # TypeError: the registry's TunerArgumentError
        pass
    else:
        raise ContractError("optimize_mode='sideways' was accepted; pass optimize_mode to super().__init__()")


def check_rejects_unsupported_types(factory: TunerFactory) -> None:
    """``update_search_space`` rejects NNI ``_type`` s nastune does not tune with ``SearchSpaceError``."""
    tuner = make_tuner(factory, None, seed=0)
    bad = {**sp.tiny_space(), "lr": {"_type": "uniform", "_value": [0.0, 1.0]}}
    try:
        tuner.update_search_space(bad)
    except SearchSpaceError:
        return
    raise ContractError("update_search_space accepted a 'uniform' entry; call super().update_search_space() "
                        "first so unsupported _types raise SearchSpaceError")


def check_valid_choices(factory: TunerFactory, *, n_trials: int = 25) -> None:
    """Proposals fit every assorted space (size forms, choice entries, blocks, v0.9 form, a huge space)."""
    for name, space in sp.assorted_spaces().items():
        tuner = make_tuner(factory, space, seed=1)
        reward = sp.synthetic_reward(space)
        try:
            drive(tuner, n_trials, reward=reward, concurrency=2)
        except ContractError as exc:
            msg = f"[space {name!r}] {exc}"
            raise ContractError(msg) from None


def check_exhaustion(factory: TunerFactory) -> None:
    """A tiny space: distinct proposals, then ``NoMoreTrialError`` (and again on the next call)."""
    space = sp.tiny_space()
    card = SearchSpace.from_json(space).cardinality
    tuner = make_tuner(factory, space, seed=2)
    run = drive(tuner, card + 3, reward=sp.synthetic_reward(space))
    keys = _keys(space, run.params)
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        msg = f"proposed the same architecture twice in a {card}-architecture space: {dupes[0]}"
        raise ContractError(msg)
    if not run.exhausted:
        msg = f"{len(run.trials)} proposals in a space of {card} without NoMoreTrialError"
        raise ContractError(msg)
    try:
        tuner.generate_parameters(run.next_id)
    except NoMoreTrialError:
        return
    raise ContractError("after NoMoreTrialError the next generate_parameters() returned a proposal")


def check_failed_trials(factory: TunerFactory) -> None:
    """Failed trials (``trial_end(pid, False)`` without a result) never break the tuner, even all of them."""
    space = sp.bench_space()
    reward = sp.synthetic_reward(space)
    for label, fail in (("every third", lambda pid: pid % 3 == 1), ("all", lambda pid: True)):
        tuner = make_tuner(factory, space, seed=8)
        try:
            drive(tuner, 30, reward=reward, concurrency=3, order_seed=2, fail=fail)
        except ContractError as exc:
            msg = f"[{label} trials failing] {exc}"
            raise ContractError(msg) from None


def check_concurrency(factory: TunerFactory) -> None:
    """Many pending ids, shuffled results; ``generate_multiple_parameters`` returns valid proposals."""
    space = sp.ASSORTED_SPACES["several_blocks"]
    reward = sp.synthetic_reward(space)
    tuner = make_tuner(factory, space, seed=9)
    run = drive(tuner, 60, reward=reward, concurrency=8, order_seed=4)
    ids = list(range(run.next_id, run.next_id + 6))
    batch = tuner.generate_multiple_parameters(ids)
    if not 1 <= len(batch) <= len(ids):
        msg = f"generate_multiple_parameters({ids}) returned {len(batch)} proposals"
        raise ContractError(msg)
    for pid, params in zip(ids, batch, strict=False):
        check_choice(tuner.space, params, who=type(tuner).__name__, pid=pid)  # type: ignore[arg-type]
    if sorted(tuner.pending) != ids[:len(batch)]:
        msg = f"after generate_multiple_parameters pending is {sorted(tuner.pending)}"
        raise ContractError(msg)


def check_import_data(factory: TunerFactory) -> None:
    """``import_data`` takes good records and shrugs off bad ones; proposals stay valid afterwards."""
    space = sp.bench_space()
    parsed = SearchSpace.from_json(space)
    reward = sp.synthetic_reward(space)
    rng = random.Random(0)
    good = [parsed.decode(parsed.sample(rng)) for _ in range(10)]
    records: list[Any] = [{"parameter": d, "value": reward(d)} for d in good]
    records += [{"parameter": good[0], "value": {"default": 0.5}}, {"parameter": {"nope": 1}, "value": 0.1},
                {"parameter": good[1], "value": "n/a"}, {"value": 0.3}, {"parameter": good[2]}]
    tuner = make_tuner(factory, space, seed=10)
    tuner.import_data(records)
    drive(tuner, 10, reward=reward)


CHECKS: dict[str, Callable[[TunerFactory], None]] = {
    "construction": check_construction,
    "rejects_unsupported_types": check_rejects_unsupported_types,
    "valid_choices": check_valid_choices,
    "determinism": check_determinism,
    "determinism_across_processes": check_determinism_across_processes,
    "state_round_trip": check_state_round_trip,
    "exhaustion": check_exhaustion,
    "minimize": check_minimize,
    "failed_trials": check_failed_trials,
    "concurrency": check_concurrency,
    "import_data": check_import_data,
}


def check_tuner(factory: TunerFactory | str, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Run every check (except ``skip``) against ``factory`` (or a registered tuner name).

    Returns ``{check: "ok" | "skipped: why"}``; raises the first :class:`ContractError`, prefixed with the
    name of the check.
    """
    if isinstance(factory, str):
        factory = registry_factory(factory)
    unknown = sorted(set(skip) - set(CHECKS))
    if unknown:
        msg = f"unknown checks {unknown}; known: {sorted(CHECKS)}"
        raise ValueError(msg)
    report: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name in skip:
            report[name] = "skipped: asked"
            continue
        try:
            with quiet_space_warnings():
                check(factory)
        except CheckSkipped as exc:
            report[name] = f"skipped: {exc}"
        except ContractError as exc:
            msg = f"check {name!r} failed: {exc}"
            raise ContractError(msg) from None
        else:
            report[name] = "ok"
    return report
