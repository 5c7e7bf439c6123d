"""The evolution tuner's own promises: one-decision moves, the winner mutated, aging, async, no repeats."""

from __future__ import annotations

import random

import pytest

from nastuners import NoMoreTrialError, SearchSpace
from nastuners.testing import ASSORTED_SPACES, bench_space, drive, synthetic_reward
from nastuners.tuners._evolution import EvolutionTuner
from nastuners.tuners._history import Moves

from ._helpers import CHAIN, differing, mean_best_of_60, random_mean_best_of_60


@pytest.mark.filterwarnings("ignore:.*optional_input_size")
@pytest.mark.parametrize("name", [n for n in ASSORTED_SPACES if n != "huge"])
def test_moves_match_space_neighbours(name: str) -> None:
    """The fast move tables give exactly space.neighbours() for every architecture of small spaces."""
    space = SearchSpace.from_json(ASSORTED_SPACES[name])
    moves = Moves(space)
    for vector in space.enumerate():
        assert sorted(moves.neighbours(vector)) == sorted(space.neighbours(vector)), vector


def test_moves_match_on_huge_space_and_random_neighbour_is_a_neighbour() -> None:
    """On a 10**70 space (ranges of inputs) random vectors agree too, and random_neighbour is one of them."""
    space = SearchSpace.from_json(ASSORTED_SPACES["huge"])
    moves = Moves(space)
    rng = random.Random(3)
    for _ in range(20):
        vector = space.sample(rng)
        nbrs = moves.neighbours(vector)
        assert sorted(nbrs) == sorted(space.neighbours(vector))
        allowed = set(nbrs)
        for _ in range(20):
            assert moves.random_neighbour(vector, rng) in allowed


def test_random_neighbour_reaches_every_neighbour() -> None:
    """On the 4-layer reference space (input choices) every neighbour is drawn, and nothing else."""
    space = SearchSpace.from_json(bench_space())
    moves = Moves(space)
    rng = random.Random(0)
    vector = space.sample(rng)
    expected = set(space.neighbours(vector))
    drawn = {moves.random_neighbour(vector, rng) for _ in range(3000)}
    assert drawn == expected


def test_first_population_is_random_then_children_mutate_the_winner() -> None:
    """After P random proposals, with S = P each child is a one-decision mutation of the best member."""
    space = SearchSpace.from_json(CHAIN)
    reward = synthetic_reward(CHAIN, seed=1)
    tuner = EvolutionTuner(population_size=5, sample_size=5, seed=0)
    tuner.update_search_space(CHAIN)
    members = []
    for pid in range(5):
        params = tuner.generate_parameters(pid)
        members.append((space.encode(params), reward(params)))
        tuner.receive_trial_result(pid, params, reward(params))
        tuner.trial_end(pid, True)
    for pid in range(5, 30):
        best = max(members[-5:], key=lambda m: m[1])[0]
        params = tuner.generate_parameters(pid)
        child = space.encode(params)
        assert differing(child, best) == 1, (pid, child, best)
        members.append((child, reward(params)))
        tuner.receive_trial_result(pid, params, reward(params))
        tuner.trial_end(pid, True)


def test_population_ages_and_failures_stay_out() -> None:
    """The population is the last P evaluated architectures in arrival order; failed trials never join."""
    tuner = EvolutionTuner(population_size=4, sample_size=2, seed=5)
    tuner.update_search_space(CHAIN)
    space = tuner.space
    assert space is not None
    arrived = []
    for pid in range(12):
        params = tuner.generate_parameters(pid)
        if pid % 3 == 2:
            tuner.trial_end(pid, False)
            continue
        tuner.receive_trial_result(pid, params, float(pid))
        tuner.trial_end(pid, True)
        arrived.append(list(space.encode(params)))
    population = tuner.state_dict()["population"]
    assert [v for v, _ in population] == arrived[-4:]
    assert [f for _, f in population] == [6.0, 7.0, 9.0, 10.0]  # ids 2, 5, 8, 11 failed


def test_minimize_mutates_the_lowest_value() -> None:
    """In minimize mode the tournament winner is the member with the smallest reported value."""
    tuner = EvolutionTuner(population_size=3, sample_size=3, optimize_mode="minimize", seed=2)
    tuner.update_search_space(CHAIN)
    space = tuner.space
    assert space is not None
    vectors = []
    for pid, value in enumerate([5.0, 1.0, 9.0]):
        params = tuner.generate_parameters(pid)
        vectors.append(space.encode(params))
        tuner.receive_trial_result(pid, params, {"default": value})
        tuner.trial_end(pid, True)
    child = space.encode(tuner.generate_parameters(3))
    assert differing(child, vectors[1]) == 1


def test_no_duplicates_with_workers_then_exhaustion() -> None:
    """4 trials in flight, shuffled results: all 1,944 architectures come once, then NoMoreTrialError."""
    tuner = EvolutionTuner(population_size=6, sample_size=3, seed=11)
    tuner.update_search_space(bench_space())
    result = drive(tuner, 3000, reward=synthetic_reward(bench_space()), concurrency=4, order_seed=1,
                   fail=lambda pid: pid % 17 == 0)
    space = SearchSpace.from_json(bench_space())
    keys = [space.canonical_key(t.params) for t in result.trials]
    assert len(keys) == len(set(keys)) == space.cardinality == 1944
    assert result.exhausted
    with pytest.raises(NoMoreTrialError):
        tuner.generate_parameters(5000)


def test_import_data_seeds_the_population() -> None:
    """Enough imported records skip the random start: the first proposal mutates the best imported one."""
    space = SearchSpace.from_json(CHAIN)
    rng = random.Random(4)
    vectors = []
    while len(vectors) < 6:
        v = space.sample(rng)
        if v not in vectors:
            vectors.append(v)
    records = [{"parameter": space.decode(v), "value": float(i)} for i, v in enumerate(vectors)]
    records += [{"parameter": {"nope": 1}, "value": 3.0}, {"value": 1.0}, "junk",
                {"parameter": space.decode(vectors[0]), "value": "bad"}]
    tuner = EvolutionTuner(population_size=6, sample_size=6, seed=0)
    tuner.update_search_space(CHAIN)
    tuner.import_data(records)
    child = space.encode(tuner.generate_parameters(0))
    assert differing(child, vectors[-1]) == 1
    assert child not in vectors


def test_bad_arguments_are_rejected() -> None:
    """Population and tournament sizes must be positive ints."""
    with pytest.raises(ValueError, match="population_size must be an int >= 1"):
        EvolutionTuner(population_size=0)
    with pytest.raises(ValueError, match="sample_size"):
        EvolutionTuner(sample_size=2.5)  # type: ignore[arg-type]


def test_space_update_resets_only_when_the_space_changes() -> None:
    """The same space keeps the history; another space starts afresh."""
    tuner = EvolutionTuner(seed=0)
    tuner.update_search_space(CHAIN)
    params = tuner.generate_parameters(0)
    tuner.receive_trial_result(0, params, 1.0)
    tuner.update_search_space(CHAIN)
    assert len(tuner.state_dict()["population"]) == 1
    tuner.update_search_space(bench_space())
    assert tuner.state_dict()["population"] == []


def test_beats_random_search_on_a_structured_reward() -> None:
    """On the reference space with an additive reward, evolution's best-of-60 is higher than random's."""
    evo = mean_best_of_60(lambda seed: EvolutionTuner(seed=seed))
    rnd = random_mean_best_of_60()
    assert evo > rnd


def test_result_for_an_unknown_or_stale_parameter() -> None:
    """A result not issued by this tuner joins the population if it fits the space, else it is ignored."""
    tuner = EvolutionTuner(population_size=3, seed=0)
    tuner.update_search_space(CHAIN)
    space = tuner.space
    assert space is not None
    doc = space.decode((1, 2, 0, 1))
    tuner.receive_trial_result(40, doc, 0.5)
    tuner.receive_trial_result(41, {"other/block": {}}, 0.9)
    assert tuner.state_dict()["population"] == [[[1, 2, 0, 1], 0.5]]
    with pytest.raises(ValueError, match="Incorrect final result"):
        tuner.receive_trial_result(42, doc, "high")
