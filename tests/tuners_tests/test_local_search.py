"""The local-search tuner's own promises: climb from the best start, first improvement, restarts, async."""

from __future__ import annotations

import random
import statistics

import pytest

from nastuners import NoMoreTrialError, SearchSpace
from nastuners.testing import bench_space, drive, synthetic_reward
from nastuners.tuners._history import model_guided_sample, rank_effects
from nastuners.tuners._local_search import LocalSearchTuner

from ._helpers import CHAIN, differing, mean_best_of_60, random_mean_best_of_60

SPACE = SearchSpace.from_json(CHAIN)


def _reward(vector: tuple[int, ...]) -> float:
    """Additive, with a single optimum at (2, 2, 2, 2): every climb ends there."""
    return float(sum(vector))


def _tuner(**kwargs: object) -> LocalSearchTuner:
    tuner = LocalSearchTuner(**kwargs)  # type: ignore[arg-type]
    tuner.update_search_space(CHAIN)
    return tuner


def _finish(tuner: LocalSearchTuner, pid: int, vector: tuple[int, ...]) -> None:
    tuner.receive_trial_result(pid, SPACE.decode(vector), _reward(vector))
    tuner.trial_end(pid, True)


def test_sequential_climb_first_improvement_then_restart() -> None:
    """Starts, then neighbours of the centre; a better one becomes the centre; at the optimum a restart."""
    tuner = _tuner(initial_samples=3, restart_samples=1, seed=4)
    starts = [SPACE.encode(tuner.generate_parameters(pid)) for pid in range(3)]
    for pid, v in enumerate(starts):
        _finish(tuner, pid, v)
    proposed = set(starts)
    center = max(starts, key=_reward)
    pid = 3
    while True:
        v = SPACE.encode(tuner.generate_parameters(pid))
        assert v not in proposed
        proposed.add(v)
        if differing(v, center) != 1:
            break
        _finish(tuner, pid, v)
        if _reward(v) > _reward(center):
            center = v
        pid += 1
    # the climb ended only at the optimum, once every neighbour of it had been proposed
    assert center == (2, 2, 2, 2)
    assert set(SPACE.neighbours(center)) <= proposed
    assert tuner.state_dict()["center"] is None
    _finish(tuner, pid, v)
    nxt = SPACE.encode(tuner.generate_parameters(pid + 1))  # restart_samples=1: climb from the new start
    assert differing(nxt, v) == 1


def test_asynchronous_neighbours_in_flight_and_late_improvement() -> None:
    """With 4 in flight all proposals are neighbours; a better late result moves the centre at once."""
    tuner = _tuner(initial_samples=2, seed=1)
    tuner.import_data([{"parameter": SPACE.decode((0, 0, 0, 0)), "value": 0.0},
                       {"parameter": SPACE.decode((1, 0, 0, 0)), "value": 1.0}])
    flight = [(pid, SPACE.encode(tuner.generate_parameters(pid))) for pid in range(4)]
    assert all(differing(v, (1, 0, 0, 0)) == 1 for _, v in flight)
    assert (0, 0, 0, 0) not in [v for _, v in flight]
    better = next((pid, v) for pid, v in flight if _reward(v) > 1.0)
    _finish(tuner, *better)
    nxt = SPACE.encode(tuner.generate_parameters(4))
    assert differing(nxt, better[1]) == 1


def test_waiting_on_the_last_neighbours_proposes_random_starts() -> None:
    """Centre at the optimum, all 8 neighbours pending: further proposals are new starts, not 'not now'."""
    tuner = _tuner(initial_samples=1, restart_samples=1, seed=0)
    tuner.import_data([{"parameter": SPACE.decode((2, 2, 2, 2)), "value": 8.0}])
    flight = [SPACE.encode(tuner.generate_parameters(pid)) for pid in range(8)]
    assert sorted(flight) == sorted(SPACE.neighbours((2, 2, 2, 2)))
    extra = SPACE.encode(tuner.generate_parameters(8))
    assert extra not in flight and extra != (2, 2, 2, 2)
    state = tuner.state_dict()
    assert state["climbing"] == list(range(8))
    assert [v for v, _ in state["pool"]] == [list(extra)]
    for pid, v in enumerate(flight):
        _finish(tuner, pid, v)
    _finish(tuner, 8, extra)
    # local optimum: the next climb starts from the evaluated start
    assert differing(SPACE.encode(tuner.generate_parameters(9)), extra) == 1


def test_failed_start_never_becomes_the_centre_and_minimize() -> None:
    """Minimize: the start with the lowest value is climbed from; a failed start is ignored."""
    tuner = _tuner(initial_samples=3, optimize_mode="minimize", seed=3)
    starts = [SPACE.encode(tuner.generate_parameters(pid)) for pid in range(3)]
    tuner.trial_end(0, False)
    tuner.receive_trial_result(1, SPACE.decode(starts[1]), 5.0)
    tuner.receive_trial_result(2, SPACE.decode(starts[2]), {"default": 1.0})
    v = SPACE.encode(tuner.generate_parameters(3))
    assert differing(v, starts[2]) == 1


def test_no_duplicates_with_workers_then_exhaustion() -> None:
    """With 4 trials in flight, shuffled results and failures, all 1,944 architectures come exactly once."""
    tuner = LocalSearchTuner(seed=11)
    tuner.update_search_space(bench_space())
    result = drive(tuner, 3000, reward=synthetic_reward(bench_space()), concurrency=4, order_seed=1,
                   fail=lambda pid: pid % 13 == 0)
    space = SearchSpace.from_json(bench_space())
    keys = [space.canonical_key(t.params) for t in result.trials]
    assert len(keys) == len(set(keys)) == space.cardinality
    assert result.exhausted
    with pytest.raises(NoMoreTrialError):
        tuner.generate_parameters(5000)


def test_bad_arguments_are_rejected() -> None:
    """Sample counts must be positive ints."""
    with pytest.raises(ValueError, match="initial_samples must be an int >= 1"):
        LocalSearchTuner(initial_samples=0)
    with pytest.raises(ValueError, match="restart_samples"):
        LocalSearchTuner(restart_samples=True)
    with pytest.raises(ValueError, match="start_candidates must be an int >= 1"):
        LocalSearchTuner(start_candidates=0)


def test_beats_random_search_on_a_structured_reward() -> None:
    """On the reference space with an additive reward, local search's best-of-60 is higher than random's."""
    ls = mean_best_of_60(lambda seed: LocalSearchTuner(seed=seed))
    rnd = random_mean_best_of_60()
    assert ls > rnd


def test_model_guided_sample_prefers_the_categories_of_good_results() -> None:
    """Additive ranks: the unseen vector sharing the categories of the best results is chosen."""
    starts = [(0, 0, 0, 0), (1, 1, 1, 1), (2, 2, 2, 2), (2, 1, 0, 0), (0, 1, 2, 2)]
    results = [(v, _reward(v)) for v in starts]
    every = [SPACE.unindex(i) for i in range(SPACE.cardinality)]
    seen = set(every) - {(2, 2, 2, 1), (0, 0, 0, 1)}
    effect = rank_effects(results)
    # centred ranks: 0000 -0.4, 2100 -0.2, 1111 0, 0122 0.2, 2222 0.4; two results per category, shrink 2
    assert effect[(0, 2)] == pytest.approx((0.4 - 0.2) / (2 + 2.0))
    assert effect[(3, 0)] == pytest.approx((-0.4 - 0.2) / (2 + 2.0))
    assert effect[(3, 2)] == pytest.approx((0.4 + 0.2) / (2 + 2.0))
    rng = random.Random(0)
    picks = {model_guided_sample(SPACE, rng, seen, effect, candidates=40) for _ in range(20)}
    assert picks == {(2, 2, 2, 1)}
    # one candidate (or no model yet): uniformly random among the unseen
    plain = {model_guided_sample(SPACE, rng, seen, effect, candidates=1) for _ in range(60)}
    assert plain == {(2, 2, 2, 1), (0, 0, 0, 1)}
    assert {model_guided_sample(SPACE, rng, seen, {}, candidates=40) for _ in range(60)} == plain


def test_starts_after_five_results_are_model_guided() -> None:
    """With an additive reward, guided starts (6th on) are better on average than the paper's random ones."""
    def later_starts(candidates: int, seed: int) -> list[float]:
        tuner = _tuner(initial_samples=20, start_candidates=candidates, seed=seed)
        values = []
        for pid in range(20):
            v = SPACE.encode(tuner.generate_parameters(pid))
            _finish(tuner, pid, v)
            values.append(_reward(v))
        assert tuner.state_dict()["center"] is None  # all 20 were starts
        return values[5:]

    guided = statistics.fmean(x for s in range(40) for x in later_starts(10, s))
    plain = statistics.fmean(x for s in range(40) for x in later_starts(1, s))
    # uniform starts average 4 (each layer 0..2, mean 1; slightly more as the seen ones are excluded)
    assert plain < 4.5 < 5.1 < guided
