"""The random tuner's own promises: uniform over op / input count / subset / choice, no repeats, seeded."""

from __future__ import annotations

from collections import Counter

import pytest

from nastuners import NoMoreTrialError, SearchSpace
from nastuners.testing import bench_space, drive, synthetic_reward
from nastuners.tuners import RandomTuner

# chi-square critical values at p = 0.001 (df -> value), so a correct sampler fails about once in 1000 seeds;
# the seeds below are fixed, so the test is deterministic.
CHI2_CRIT = {2: 13.816, 3: 16.266, 5: 20.515}

INPUTS = ["a", "b", "c", "d"]
SPACE = {
    "m/mutable_block_1": {"_type": "mutable_layer", "_value": {
        "mutable_layer_0": {"layer_choice": ["x()", "y()", "z()"], "optional_inputs": INPUTS,
                            "optional_input_size": [0, 2]}}},
    "act": {"_type": "choice", "_value": ["relu", "tanh", "gelu", "silu"]},
    # a wide decision so that 4,000 draws almost never collide (repeats are rejected, which would bias counts)
    "noise": {"_type": "choice", "_value": list(range(2000))},
}


def _chi2(counts: Counter, categories: list, total: int) -> float:
    expected = total / len(categories)
    return sum((counts.get(c, 0) - expected) ** 2 / expected for c in categories)


@pytest.fixture(scope="module")
def draws() -> list[dict]:
    tuner = RandomTuner(seed=2024)
    tuner.update_search_space(SPACE)
    return [tuner.generate_parameters(i) for i in range(4000)]


def test_op_is_uniform(draws: list[dict]) -> None:
    """Each of the 3 candidate ops is equally likely."""
    counts = Counter(d["m/mutable_block_1"]["mutable_layer_0"]["chosen_layer"] for d in draws)
    assert _chi2(counts, ["x()", "y()", "z()"], len(draws)) < CHI2_CRIT[2]


def test_input_count_is_uniform_not_subset_weighted(draws: list[dict]) -> None:
    """Counts 0, 1, 2 are equally likely (1/3 each), although they have 1, 4 and 6 subsets."""
    counts = Counter(len(d["m/mutable_block_1"]["mutable_layer_0"]["chosen_inputs"]) for d in draws)
    assert _chi2(counts, [0, 1, 2], len(draws)) < CHI2_CRIT[2]
    assert counts[0] > len(draws) / 4  # a subset-uniform sampler would give about 1/11


def test_subset_of_a_count_is_uniform_and_distinct(draws: list[dict]) -> None:
    """Given two inputs, each of the 6 pairs is equally likely; inputs are distinct, in declaration order."""
    pairs = [tuple(d["m/mutable_block_1"]["mutable_layer_0"]["chosen_inputs"]) for d in draws]
    pairs = [p for p in pairs if len(p) == 2]
    assert all(p[0] != p[1] and INPUTS.index(p[0]) < INPUTS.index(p[1]) for p in pairs)
    all_pairs = [(a, b) for i, a in enumerate(INPUTS) for b in INPUTS[i + 1:]]
    assert _chi2(Counter(pairs), all_pairs, len(pairs)) < CHI2_CRIT[5]


def test_choice_is_uniform(draws: list[dict]) -> None:
    """A choice entry's options are equally likely."""
    counts = Counter(d["act"] for d in draws)
    assert _chi2(counts, ["relu", "tanh", "gelu", "silu"], len(draws)) < CHI2_CRIT[3]


def test_never_repeats_and_exhausts_the_bench_space() -> None:
    """All 1,944 architectures, each once, then NoMoreTrialError (also on every later call)."""
    space = SearchSpace.from_json(bench_space())
    tuner = RandomTuner(seed=0)
    tuner.update_search_space(bench_space())
    run = drive(tuner, 5000, reward=synthetic_reward(space), concurrency=4, order_seed=1)
    keys = [space.canonical_key(p) for p in run.params]
    assert run.exhausted and len(keys) == len(set(keys)) == space.cardinality == 1944
    with pytest.raises(NoMoreTrialError, match="all 1944 architectures"):
        tuner.generate_parameters(run.next_id)


def test_imported_architectures_are_not_proposed() -> None:
    """Architectures from import_data count as seen."""
    space = SearchSpace.from_json(bench_space())
    done = [space.decode(v) for v in list(space.enumerate())[::10]]
    tuner = RandomTuner(seed=3)
    tuner.update_search_space(bench_space())
    tuner.import_data([{"parameter": d, "value": 0.1} for d in done])
    left = space.cardinality - len(done)
    proposed = {space.canonical_key(tuner.generate_parameters(i)) for i in range(left)}
    assert proposed.isdisjoint(space.canonical_key(d) for d in done)
    with pytest.raises(NoMoreTrialError):
        tuner.generate_parameters(10_000)


def test_size_larger_than_inputs_repeats_inputs() -> None:
    """With 3 inputs required from 2, inputs necessarily repeat (NNI-legal), and the choice validates."""
    space = {"b": {"_type": "mutable_layer", "_value": {"l": {
        "layer_choice": ["f()"], "optional_inputs": ["p", "q"], "optional_input_size": 3}}}}
    with pytest.warns(UserWarning, match="exceeds"):
        parsed = SearchSpace.from_json(space)
    tuner = RandomTuner(seed=1)
    with pytest.warns(UserWarning):
        tuner.update_search_space(space)
    seen = [tuner.generate_parameters(i)["b"]["l"]["chosen_inputs"] for i in range(parsed.cardinality)]
    assert sorted(seen) == [["p", "p", "p"], ["p", "p", "q"], ["p", "q", "q"], ["q", "q", "q"]]


def test_seeded_sequences() -> None:
    """The same seed repeats the sequence; another seed gives another one."""

    def run(seed: int) -> list[dict]:
        tuner = RandomTuner(seed=seed)
        tuner.update_search_space(bench_space())
        return [tuner.generate_parameters(i) for i in range(30)]

    assert run(7) == run(7)
    assert run(7) != run(8)


@pytest.mark.parametrize("name", ["random", "evolution", "local_search"])
def test_interrupted_architecture_can_be_proposed_again(name: str) -> None:
    """An interrupted trial without a result frees its architecture; a failed one does not."""
    from nastuners.registry import get_tuner

    space = {"b": {"_type": "mutable_layer", "_value": {
        "l": {"layer_choice": ["a()", "b()", "c()"], "optional_inputs": [], "optional_input_size": 0}}}}
    tuner = get_tuner(name, seed=0)
    tuner.update_search_space(space)
    first = [tuner.generate_parameters(i) for i in range(3)]
    tuner.trial_end(0, False, interrupted=True)
    tuner.trial_end(1, False)
    tuner.receive_trial_result(2, first[2], 1.0)
    tuner.trial_end(2, True)
    again = tuner.generate_parameters(3)
    assert again == first[0]
    with pytest.raises(NoMoreTrialError):
        tuner.generate_parameters(4)
