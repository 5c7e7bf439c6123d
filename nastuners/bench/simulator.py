"""Replay a tuner against a benchmark table with W simulated workers on a simulated clock.

Event loop (the semantics every report relies on):

1. At simulated time ``t`` every free worker asks the tuner (``generate_parameters`` with consecutive ids from
   0). ``NoSuggestionYet`` leaves the remaining free workers idle until the next result; ``NoMoreTrialError``
   stops all asking for the rest of the run. No asking once the evaluation budget has been issued or
   ``t >= max_time``.
2. A proposal is looked up in the table when it is issued: its objective is one seed drawn with the repeat's
   noise generator (seeded ``seed``), its finish time is ``t + cost``. An architecture without a row fails at
   once (finish time ``t``).
3. The clock jumps to the earliest finish time; every trial finishing then is delivered in issue order:
   ``receive_trial_result(id, parameters, value)`` then ``trial_end(id, success=True)``, or only
   ``trial_end(id, success=False)`` for a failed one. Then back to 1. Trials that would finish after
   ``max_time`` are never delivered.

The incumbent is the architecture with the best *observed* objective so far (ties keep the earlier one); it
is reported with its report metric. All but the wall-clock columns is a deterministic function of the seed.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import numpy as np

from ..exceptions import ChoiceError, NoMoreTrialError, NoSuggestionYet
from ._errors import BenchmarkError
from .benchmark import Benchmark

__all__ = ["Trace", "simulate"]

_FIELDS = ("parameter_id", "worker", "rank", "ok", "start", "finish", "objective", "report",
           "inc_objective", "inc_report", "suggest_s", "tell_s")


@dataclass
class Trace:
    """One run of one tuner: per evaluation, in the order results were delivered (numpy arrays).

    ``rank`` is the architecture (``SearchSpace.index``), ``ok`` whether the trial succeeded,
    ``start``/``finish`` simulated times, ``objective``/``report`` the observed values (NaN for a failure),
    ``inc_*`` the incumbent after this evaluation (NaN before the first success), ``suggest_s``/``tell_s`` the
    tuner's own wall time for the proposal and for taking the result. ``suggest_total_s``/``suggest_calls``
    include ``NoSuggestionYet`` calls.
    """

    tuner: str
    repeat: int
    seed: int
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    exhausted: bool = False
    suggest_calls: int = 0
    suggest_total_s: float = 0.0
    wall_s: float = 0.0

    def __len__(self) -> int:
        return len(self.columns["parameter_id"])

    def __getattr__(self, name: str) -> np.ndarray:
        columns = self.__dict__.get("columns", {})
        if name in columns:
            return columns[name]
        raise AttributeError(name)

    def same_result(self, other: Trace) -> bool:
        """True when both traces are identical except for wall-clock measurements."""
        same = (self.tuner, self.seed, self.exhausted) == (other.tuner, other.seed, other.exhausted)
        return same and all(np.array_equal(self.columns[k], other.columns[k], equal_nan=True)
                            for k in _FIELDS if not k.endswith("_s"))


def simulate(bench: Benchmark, tuner: Any, *, max_evals: int | None = None, max_time: float | None = None,
             workers: int = 1, seed: int = 0, label: str = "tuner", repeat: int = 0) -> Trace:
    """Run ``tuner`` (search space already set) on ``bench`` until the budget is spent; return the trace."""
    if max_evals is None and max_time is None:
        msg = "give a budget: max_evals (evaluations) and/or max_time (simulated time)"
        raise BenchmarkError(msg)
    if workers < 1:
        msg = f"workers must be >= 1, got {workers}"
        raise BenchmarkError(msg)
    wall0 = perf_counter()
    rng = random.Random(seed)
    seeds, reports, costs = bench.objective_seeds, bench.report_values, bench.cost_values
    row_of_rank, rank_of = bench.row_of_rank, bench.rank
    sign = 1.0 if bench.mode == "max" else -1.0
    eval_cap = math.inf if max_evals is None else max_evals
    time_cap = math.inf if max_time is None else max_time
    generate, receive, end = tuner.generate_parameters, tuner.receive_trial_result, tuner.trial_end
    out: dict[str, list[Any]] = {k: [] for k in _FIELDS}
    (c_pid, c_worker, c_rank, c_ok, c_start, c_finish, c_obj, c_rep, c_iobj, c_irep,
     c_sug, c_tell) = (out[k].append for k in _FIELDS)
    free = list(range(workers))  # a heap: the lowest free worker id takes the next trial
    running: list[tuple[float, int, int, Any, int, int, float, float, float]] = []
    t = 0.0
    next_id = 0
    asking, waiting = True, False
    best, inc_obj, inc_rep = -math.inf, math.nan, math.nan
    calls, suggest_total = 0, 0.0
    while True:
        while free and asking and not waiting and next_id < eval_cap and t < time_cap:
            calls += 1
            t0 = perf_counter()
            try:
                params = generate(next_id)
            except NoSuggestionYet:
                suggest_total += perf_counter() - t0
                waiting = True
                break
            except NoMoreTrialError:
                suggest_total += perf_counter() - t0
                asking = False
                break
            dt = perf_counter() - t0
            suggest_total += dt
            try:
                rank = rank_of(params)
            except ChoiceError as exc:
                msg = (f"tuner {label!r} (repeat {repeat}, seed {seed}) proposed parameter id {next_id} "
                       f"outside the search space of {bench.id}:\n{exc}")
                raise BenchmarkError(msg) from None
            row = row_of_rank(rank)
            values = seeds[row] if row >= 0 else ()
            if values:
                value = values[int(rng.random() * len(values))] if len(values) > 1 else values[0]
                finish = t + costs[row]
            else:
                value, finish = math.nan, t
            heapq.heappush(running, (finish, next_id, heapq.heappop(free), params, row, rank, value, t, dt))
            next_id += 1
        if not running:
            if waiting and asking:
                msg = (f"tuner {label!r} (repeat {repeat}) raised NoSuggestionYet at parameter id {next_id} "
                       "with no trial running, so it would wait forever; raise NoSuggestionYet only while "
                       "trials are pending, or NoMoreTrialError when done")
                raise BenchmarkError(msg)
            break
        if running[0][0] > time_cap:
            break
        t = running[0][0]
        while running and running[0][0] == t:
            finish, pid, worker, params, row, rank, value, start, dt = heapq.heappop(running)
            heapq.heappush(free, worker)
            t0 = perf_counter()
            ok = value == value
            if ok:
                receive(pid, params, value)
                end(pid, True)
            else:
                end(pid, False)
            c_tell(perf_counter() - t0)
            if ok and sign * value > best:
                best, inc_obj, inc_rep = sign * value, value, reports[row]
            c_pid(pid)
            c_worker(worker)
            c_rank(rank)
            c_ok(ok)
            c_start(start)
            c_finish(finish)
            c_obj(value)
            c_rep(reports[row] if ok else math.nan)
            c_iobj(inc_obj)
            c_irep(inc_rep)
            c_sug(dt)
        waiting = False
    dtypes = {"parameter_id": np.int64, "worker": np.int32, "ok": np.bool_,
              "rank": np.int64 if bench.space.cardinality < 2**63 else object}
    columns: dict[str, np.ndarray] = {k: np.array(v, dtype=dtypes.get(k, np.float64)) for k, v in out.items()}
    return Trace(tuner=label, repeat=repeat, seed=seed, columns=columns, exhausted=not asking,
                 suggest_calls=calls, suggest_total_s=suggest_total, wall_s=perf_counter() - wall0)
