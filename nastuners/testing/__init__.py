"""The tuner contract suite: checks every ``nastuners.Tuner`` (built-in or third-party) should pass.

With pytest, subclass :class:`TunerContract` and supply a ``tuner_factory`` fixture, a callable
``factory(**kwargs) -> Tuner`` that accepts at least ``seed=`` and ``optimize_mode=``::

    import functools
    import pytest
    from nastuners.testing import TunerContract

    class TestMyTunerContract(TunerContract):
        @pytest.fixture
        def tuner_factory(self):
            return functools.partial(MyTuner, population=8)   # or MyTuner, or registry_factory("mine")

Without pytest::

    from nastuners.testing import check_tuner
    check_tuner(MyTuner)          # {check name: "ok" | "skipped: why"}; raises ContractError on a violation
    check_tuner("random")         # a registered tuner, built through the registry

What is checked (``CHECKS``; only the ``Tuner`` ABC contract, nothing specific to one algorithm):

- ``construction``: ``seed``/``optimize_mode`` accepted and kept, a bad mode is rejected
  (``ValueError``; ``TunerArgumentError`` through the registry);
- ``rejects_unsupported_types``: ``update_search_space`` raises ``SearchSpaceError`` on e.g. ``uniform``;
- ``valid_choices``: proposals are plain JSON, fit the space, use distinct inputs, on spaces with every
  size form (``k``, ``[lo, hi]``, ``0``, ``k`` > inputs), ``choice`` entries, several blocks, the v0.9 form
  and a huge space;
- ``determinism`` and ``determinism_across_processes``: same seed and results → same proposals, also in a
  subprocess with another ``PYTHONHASHSEED`` (the factory must be picklable: a class, a ``functools.partial``,
  or :func:`registry_factory`; otherwise that check is skipped);
- ``state_round_trip``: ``state_dict()`` is strict JSON; a fresh tuner built with *another* seed that loads
  it (after ``update_search_space``) continues exactly like the original, pending trials included;
- ``exhaustion``: a 6-architecture space gives distinct proposals, then ``NoMoreTrialError`` (and again
  after);
- ``minimize``: ``optimize_mode="minimize"`` with value ``v`` behaves like maximize with ``-v``;
- ``failed_trials``: ``trial_end(pid, False)`` without a result (some trials, or all) breaks nothing;
- ``concurrency``: up to 8 pending ids, results in shuffled order, ``tuner.pending`` kept right,
  ``generate_multiple_parameters`` returns valid proposals;
- ``import_data``: good records are taken, malformed ones ignored without crashing.

Throughout, ``NoSuggestionYet`` is accepted only while a trial is pending (otherwise the caller would wait
forever); the driver then delivers one result and asks again.

Building blocks for a tuner's own tests: :func:`drive` (the runner's loop in-process), the spaces in
:mod:`nastuners.testing.spaces` (``tiny_space``, ``bench_space``, ``huge_space``, ``ASSORTED_SPACES``) and
:func:`synthetic_reward` (deterministic, additive over decisions).
"""

from __future__ import annotations

from typing import Any

from .checks import CHECKS, CheckSkipped, TunerFactory, check_tuner, registry_factory
from .driver import ContractError, DriveResult, Trial, check_choice, drive, quiet_space_warnings
from .spaces import ASSORTED_SPACES, assorted_spaces, bench_space, huge_space, synthetic_reward, tiny_space

__all__ = [
    "ASSORTED_SPACES",
    "CHECKS",
    "CheckSkipped",
    "ContractError",
    "DriveResult",
    "Trial",
    "TunerContract",
    "TunerFactory",
    "assorted_spaces",
    "bench_space",
    "check_choice",
    "check_tuner",
    "drive",
    "huge_space",
    "quiet_space_warnings",
    "registry_factory",
    "synthetic_reward",
    "tiny_space",
]


def __getattr__(name: str) -> Any:
    if name == "TunerContract":  # imports pytest, so only on demand
        from .contract import TunerContract

        return TunerContract
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
