"""Tiny hand-made benchmarks and a scripted tuner whose every call is logged."""

from __future__ import annotations

from typing import Any

import numpy as np

from nastuners import NoMoreTrialError, NoSuggestionYet, Tuner
from nastuners.bench import Benchmark
from nastuners.bench._format import CompactTable
from nastuners.space import SearchSpace

# one block, two layers of two ops: ranks 0..3 are A=(a,x), B=(a,y), C=(b,x), D=(b,y)
TINY_SPACE = {"blk": {"_type": "mutable_layer", "_value": {
    "l0": {"layer_choice": ["a", "b"], "optional_inputs": [], "optional_input_size": 0},
    "l1": {"layer_choice": ["x", "y"], "optional_inputs": [], "optional_input_size": 0}}}}
A, B, C, D = (0, 0), (0, 1), (1, 0), (1, 1)


def tiny_benchmark(*, objective: list[float] | None = None, cost: list[float] | None = None,
                   report: list[float] | None = None, rows: list[int] | None = None, mode: str = "max",
                   seeds: list[list[float]] | None = None) -> Benchmark:
    """The tiny space with per-rank metrics (``rows`` keeps only those ranks: the others are missing)."""
    space = SearchSpace.from_json(TINY_SPACE)
    objective = objective or [0.5, 0.9, 0.7, 0.95]
    cost = cost or [3.0, 1.0, 2.0, 5.0]
    report = report or [50.0, 90.0, 70.0, 95.0]
    keep = rows if rows is not None else [0, 1, 2, 3]
    metrics: dict[str, np.ndarray] = {
        "acc": np.array([objective[r] for r in keep]), "test": np.array([report[r] for r in keep]),
        "time": np.array([cost[r] for r in keep])}
    if seeds is not None:
        width = max(len(s) for s in seeds)
        arr = np.full((len(keep), width), np.nan)
        for i, r in enumerate(keep):
            arr[i, : len(seeds[r])] = seeds[r]
        metrics["acc"] = arr
    index = None if rows is None else np.array(keep, dtype=np.int64)
    table = CompactTable(space=TINY_SPACE, metrics=metrics, index=index)
    return Benchmark(space, table, objective="acc", report="test", cost="time", mode=mode, id="tiny")


class ScriptedTuner(Tuner):
    """Proposes ``sequence`` (vectors) in order, then raises NoMoreTrialError; logs every call.

    With ``batch=k`` it proposes ``k`` and then answers NoSuggestionYet until all of them have ended.
    With ``stall=True`` it always answers NoSuggestionYet (a broken tuner).
    """

    def __init__(self, *, optimize_mode: str = "maximize", seed: int | None = None,
                 sequence: list[tuple[int, ...]] | None = None, batch: int = 0, stall: bool = False,
                 fail_at: int | None = None) -> None:
        super().__init__(optimize_mode=optimize_mode, seed=seed)  # type: ignore[arg-type]
        self.sequence = [tuple(v) for v in (sequence or [])]
        self.batch, self.stall, self.fail_at = batch, stall, fail_at
        self.log: list[tuple[Any, ...]] = []
        self.issued = 0

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        space = self._require_space()
        if self.fail_at is not None and parameter_id == self.fail_at:
            raise RuntimeError("scripted crash")
        if self.stall or (self.batch and self.pending and self.issued % self.batch == 0):
            self.log.append(("wait", parameter_id))
            raise NoSuggestionYet
        if self.issued >= len(self.sequence):
            self.log.append(("done", parameter_id))
            raise NoMoreTrialError
        vector = self.sequence[self.issued]
        self.issued += 1
        self.log.append(("gen", parameter_id, vector))
        return space.decode(vector)

    def receive_trial_result(self, parameter_id: int, parameters: dict[str, Any], value: Any,
                             **kwargs: Any) -> None:
        self.log.append(("result", parameter_id, value))

    def trial_end(self, parameter_id: int, success: bool, **kwargs: Any) -> None:
        self.log.append(("end", parameter_id, success))


class RandomVectorTuner(Tuner):
    """Uniform random vectors with replacement (a minimal third-party-style tuner)."""

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        space = self._require_space()
        return space.decode(space.sample(self.rng))


def make_tuner(bench: Benchmark, **kwargs: Any) -> ScriptedTuner:
    """A scripted tuner with the benchmark's space already set."""
    mode = "maximize" if bench.mode == "max" else "minimize"
    tuner = ScriptedTuner(optimize_mode=mode, **kwargs)
    tuner.update_search_space(bench.space.to_json())
    return tuner
