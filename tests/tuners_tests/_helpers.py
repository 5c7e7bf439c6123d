"""Shared by the evolution and local-search tests: a chain space, move distance, best-of-N against random."""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable
from typing import Any

from nastuners import Tuner
from nastuners.testing import bench_space, drive, synthetic_reward
from nastuners.tuners._random import RandomTuner

# 4 layers x 3 ops, no inputs: 81 architectures, 8 one-decision neighbours each
CHAIN: dict[str, Any] = {"c/mutable_block_1": {"_type": "mutable_layer", "_value": {
    f"mutable_layer_{i}": {"layer_choice": ["a()", "b()", "c()"], "optional_inputs": [],
                           "optional_input_size": 0} for i in range(4)}}}


def differing(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """How many decisions two vectors differ in (1: one move apart)."""
    return sum(x != y for x, y in zip(a, b, strict=True))


def mean_best_of_60(make: Callable[[int], Tuner]) -> float:
    """Mean over seeds 0..19 of the best value in 60 trials on the reference space with an additive reward."""
    reward = synthetic_reward(bench_space(), seed=7)

    def best(tuner: Tuner) -> float:
        tuner.update_search_space(bench_space())
        return max(t.value for t in drive(tuner, 60, reward=reward).trials if t.value is not None)

    return statistics.fmean(best(make(seed)) for seed in range(20))


@functools.cache
def random_mean_best_of_60() -> float:
    """:func:`mean_best_of_60` of random search (the baseline; computed once per test session)."""
    return mean_best_of_60(lambda seed: RandomTuner(seed=seed))
