"""The event-queue simulator on a tiny hand-made table where every time, ordering and incumbent is known."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from nastuners.bench import BenchmarkError, simulate

from ._helpers import A, B, C, D, make_tuner, tiny_benchmark


def test_two_workers_exact_event_order() -> None:
    """With 2 workers, results arrive in finish order, ties in issue order; the tuner is asked when free."""
    bench = tiny_benchmark()  # objective A .5 B .9 C .7 D .95; cost A 3 B 1 C 2 D 5
    tuner = make_tuner(bench, sequence=[A, B, C, D])
    tr = simulate(bench, tuner, max_evals=10, workers=2, seed=0)
    assert tuner.log == [
        ("gen", 0, A), ("gen", 1, B),                    # t=0: both workers ask
        ("result", 1, 0.9), ("end", 1, True),            # t=1: B done (worker 1)
        ("gen", 2, C),                                   # worker 1 takes C, finishes at 3
        ("result", 0, 0.5), ("end", 0, True),            # t=3: A and C tie: issue order
        ("result", 2, 0.7), ("end", 2, True),
        ("gen", 3, D), ("done", 4),                      # worker 0 takes D (until 8); nothing left
        ("result", 3, 0.95), ("end", 3, True),           # t=8
    ]
    assert tr.parameter_id.tolist() == [1, 0, 2, 3]
    assert tr.worker.tolist() == [1, 0, 1, 0]
    assert tr.start.tolist() == [0.0, 0.0, 1.0, 3.0]
    assert tr.finish.tolist() == [1.0, 3.0, 3.0, 8.0]
    assert tr.rank.tolist() == [1, 0, 2, 3]
    # the incumbent is the best *observed* objective, not the last one, reported with its report metric
    assert tr.inc_objective.tolist() == [0.9, 0.9, 0.9, 0.95]
    assert tr.inc_report.tolist() == [90.0, 90.0, 90.0, 95.0]
    assert tr.report.tolist() == [90.0, 50.0, 70.0, 95.0]
    assert tr.exhausted


def test_one_worker_is_sequential() -> None:
    """One worker: the clock is the running sum of costs, results in proposal order."""
    bench = tiny_benchmark()
    tr = simulate(bench, make_tuner(bench, sequence=[D, C, B, A]), max_evals=4, seed=0)
    assert tr.finish.tolist() == [5.0, 7.0, 8.0, 11.0]
    assert tr.inc_report.tolist() == [95.0, 95.0, 95.0, 95.0]
    assert not tr.exhausted


def test_evaluation_budget_stops_asking() -> None:
    """``max_evals`` caps the proposals: the tuner is never asked for id ``max_evals``."""
    bench = tiny_benchmark()
    tuner = make_tuner(bench, sequence=[A, B, C, D])
    tr = simulate(bench, tuner, max_evals=2, workers=2, seed=0)
    assert len(tr) == 2
    assert [e for e in tuner.log if e[0] == "gen"] == [("gen", 0, A), ("gen", 1, B)]


@pytest.mark.parametrize(("limit", "delivered"), [(3.0, [1, 0, 2]), (2.9, [1]), (8.0, [1, 0, 2, 3])])
def test_time_budget(limit: float, delivered: list[int]) -> None:
    """Trials finishing after ``max_time`` are not delivered; nothing is asked at ``t >= max_time``."""
    bench = tiny_benchmark()
    tuner = make_tuner(bench, sequence=[A, B, C, D])
    tr = simulate(bench, tuner, max_time=limit, workers=2, seed=0)
    assert tr.parameter_id.tolist() == delivered
    assert all(f <= limit for f in tr.finish)
    if limit == 3.0:
        assert ("gen", 3, D) not in tuner.log


def test_missing_row_fails_the_trial_and_the_run_goes_on() -> None:
    """An architecture without a row fails at once: trial_end(success=False), no result, worker reused."""
    bench = tiny_benchmark(rows=[0, 1, 3])  # C has no row
    tuner = make_tuner(bench, sequence=[A, B, C, D])
    tr = simulate(bench, tuner, max_evals=10, workers=2, seed=0)
    assert tuner.log == [
        ("gen", 0, A), ("gen", 1, B),
        ("result", 1, 0.9), ("end", 1, True),            # t=1
        ("gen", 2, C),                                   # fails immediately at t=1
        ("end", 2, False),
        ("gen", 3, D),                                   # same worker, t=1 -> 6
        ("result", 0, 0.5), ("end", 0, True),            # t=3
        ("done", 4),
        ("result", 3, 0.95), ("end", 3, True),           # t=6
    ]
    assert tr.ok.tolist() == [True, False, True, True]
    assert tr.finish.tolist() == [1.0, 1.0, 3.0, 6.0]
    assert math.isnan(tr.objective[1]) and math.isnan(tr.report[1])
    assert tr.inc_report.tolist() == [90.0, 90.0, 90.0, 95.0]


def test_min_mode() -> None:
    """In min mode the incumbent is the lowest observed objective and the tuner is told to minimize."""
    bench = tiny_benchmark(objective=[0.3, 0.1, 0.2, 0.4], report=[3.0, 1.0, 2.0, 4.0], mode="min")
    tuner = make_tuner(bench, sequence=[A, D, B, C])
    assert tuner.optimize_mode == "minimize"
    tr = simulate(bench, tuner, max_evals=4, seed=0)
    assert tr.inc_objective.tolist() == [0.3, 0.3, 0.1, 0.1]
    assert tr.inc_report.tolist() == [3.0, 3.0, 1.0, 1.0]


def test_no_suggestion_yet_waits_for_the_next_result() -> None:
    """A batch tuner saying "not now" leaves workers idle until a result arrives, then is asked again."""
    bench = tiny_benchmark(cost=[1.0, 1.0, 1.0, 1.0])
    tuner = make_tuner(bench, sequence=[A, B, C, D], batch=2)
    tr = simulate(bench, tuner, max_evals=10, workers=3, seed=0)
    assert tuner.log[:3] == [("gen", 0, A), ("gen", 1, B), ("wait", 2)]
    assert tr.start.tolist() == [0.0, 0.0, 1.0, 1.0]
    assert tr.worker.tolist() == [0, 1, 0, 1]


def test_stalled_tuner_is_a_clear_error() -> None:
    """NoSuggestionYet with nothing pending would wait forever: a BenchmarkError says so."""
    bench = tiny_benchmark()
    message = "raised NoSuggestionYet at parameter id 0 with no trial"
    with pytest.raises(BenchmarkError, match=re.escape(message)):
        simulate(bench, make_tuner(bench, stall=True), max_evals=5, seed=0)


def test_proposal_outside_the_space_names_the_tuner() -> None:
    """A proposal that does not fit the space is a tuner bug, reported with the parameter id."""
    bench = tiny_benchmark()
    tuner = make_tuner(bench, sequence=[A])
    tuner.generate_parameters = lambda pid, **kw: {"blk": {"l0": {"chosen_layer": "zzz"}}}  # type: ignore
    with pytest.raises(BenchmarkError, match="proposed parameter id 0 outside the search space of tiny"):
        simulate(bench, tuner, max_evals=1, seed=0, label="bad")


def test_per_seed_objective_draws_one_seed_per_query_reproducibly() -> None:
    """A per-seed objective returns one of the seeds, drawn per query from the seeded noise stream."""
    seeds = [[0.1, 0.2, 0.3], [0.4, 0.5], [0.6], [0.7, 0.8, 0.9]]
    bench = tiny_benchmark(seeds=seeds, cost=[1.0] * 4)
    seq = [A, B, C, D] * 25
    a = simulate(bench, make_tuner(bench, sequence=seq), max_evals=100, seed=7)
    b = simulate(bench, make_tuner(bench, sequence=seq), max_evals=100, seed=7)
    c = simulate(bench, make_tuner(bench, sequence=seq), max_evals=100, seed=8)
    assert a.same_result(b) and not a.same_result(c)
    for rank, value in zip(a.rank.tolist(), a.objective.tolist(), strict=True):
        assert value in seeds[rank]
    # every seed of A is drawn at some point, roughly uniformly
    drawn_a = a.objective[a.rank == 0]
    assert set(drawn_a.tolist()) == {0.1, 0.2, 0.3}
    # the report of a per-seed table stays the report metric (test), not the drawn objective
    assert np.all(a.report == np.array([50.0, 90.0, 70.0, 95.0])[a.rank])
