"""The reproducibility checks: runs that must give identical proposal sequences.

Same seed twice, the same scenario in another process, a tuner restored from ``state_dict()``, and minimize
against maximize of the negated value.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from . import spaces as sp
from ._base import CheckSkipped, TunerFactory, first_diff, make_tuner
from ._child import run_in_subprocess, scenario
from .driver import ContractError, check_choice, drive


def check_determinism(factory: TunerFactory) -> None:
    """The same seed and the same results give the same proposals (concurrency, failures, dict values)."""
    for name in ("several_blocks", "bench_4_layer"):
        first, second = (scenario(factory, name) for _ in range(2))
        if first != second:
            msg = (
                f"[space {name!r}] two tuners with seed=11 diverged at trial "
                f"{first_diff(first, second)}; draw randomness only from self.rng (or generators "
                f"seeded from self.seed) and never iterate over sets or hash() order"
            )
            raise ContractError(msg)


def check_determinism_across_processes(factory: TunerFactory) -> None:
    """A fresh Python process (another hash seed) proposes the same sequence as this one."""
    expected = scenario(factory, "several_blocks")
    try:
        got = run_in_subprocess(factory, "several_blocks")
    except TypeError as exc:  # pickling failed
        msg = (
            f"the factory cannot be pickled for a subprocess ({exc}); use the class, a "
            f"functools.partial of it, or registry_factory(name)"
        )
        raise CheckSkipped(msg) from None
    if got != expected:
        msg = (
            f"a subprocess with another PYTHONHASHSEED diverged at trial {first_diff(expected, got)}"
            f"; something depends on hash() or set/dict-of-set iteration order"
        )
        raise ContractError(msg)


def check_state_round_trip(factory: TunerFactory) -> None:
    """``state_dict()`` is strict JSON; a fresh tuner (other seed) loading it continues like the original."""
    space = sp.ASSORTED_SPACES["several_blocks"]
    reward = sp.synthetic_reward(space)
    tuner = make_tuner(factory, space, seed=4)
    head = drive(tuner, 10, reward=reward, concurrency=3, order_seed=1, fail=lambda pid: pid % 4 == 3)
    # leave two trials pending across the snapshot
    open_trials = []
    for pid in (head.next_id, head.next_id + 1):
        params = tuner.generate_parameters(pid)
        check_choice(tuner.space, params, who=type(tuner).__name__, pid=pid)  # type: ignore[arg-type]
        open_trials.append((pid, params))
    try:
        text = json.dumps(tuner.state_dict(), allow_nan=False)
    except (TypeError, ValueError) as exc:
        msg = f"state_dict() is not strict JSON ({exc}); use lists, str keys, no NaN/inf"
        raise ContractError(msg) from None
    restored = make_tuner(factory, space, seed=5)  # another seed: the state, not the constructor, must decide
    restored.load_state_dict(json.loads(text))
    if sorted(restored.pending) != [pid for pid, _ in open_trials]:
        msg = (
            f"after load_state_dict, pending is {sorted(restored.pending)}, expected "
            f"{[pid for pid, _ in open_trials]}; call super().load_state_dict()"
        )
        raise ContractError(msg)
    tails = []
    for t in (tuner, restored):
        for pid, params in open_trials:
            t.receive_trial_result(pid, params, reward(params))
            t.trial_end(pid, True)
        tail = drive(t, 20, reward=reward, concurrency=2, start_id=head.next_id + 2, order_seed=5)
        tails.append(tail.params)
    if tails[0] != tails[1]:
        msg = (
            f"the restored tuner diverged from the original at trial {first_diff(*tails)} after "
            f"the snapshot; state_dict() must hold every piece of state (rng included)"
        )
        raise ContractError(msg)


def check_minimize(factory: TunerFactory) -> None:
    """Minimizing ``v`` behaves exactly like maximizing ``-v`` (only the sign of the objective changes)."""
    space = sp.bench_space()
    reward = sp.synthetic_reward(space)
    runs = []
    for mode, sign in (("maximize", -1.0), ("minimize", 1.0)):
        tuner = make_tuner(factory, space, seed=6, optimize_mode=mode)
        signed = functools.partial(_signed, reward, sign)
        runs.append(drive(tuner, 40, reward=signed, concurrency=2, order_seed=3, dict_every=3).params)
    if runs[0] != runs[1]:
        msg = (
            f"minimize with v and maximize with -v diverged at trial {first_diff(*runs)}; "
            f"compare results through self.score(value)"
        )
        raise ContractError(msg)



def _signed(reward: Callable[[Mapping[str, Any]], float], sign: float, doc: Mapping[str, Any]) -> float:
    return sign * reward(doc)
