"""Speed of the offline benchmark harness (``nastuners.bench``).

Usage::

    python benchmarks/bench_harness.py [--rounds 5]

Measures, each over ``--rounds`` rounds (median reported):

1. end to end: ``run_benchmark("nb201-cifar10-v1", ["random"], budget=200, repeats=300)`` with 2 processes and
   with 1 (pool start-up, tuner construction through the registry, everything);
2. the harness's own cost per evaluation: ``simulate`` driven by a replay tuner whose proposals are prebuilt
   (its measured wall time is subtracted), so what remains is lookup + noise + event queue + bookkeeping;
3. the table lookup against a baseline in the same process: the rank-indexed fast path (``Benchmark.row``)
   vs a JSON canonical-key dictionary (``space.canonical_key`` -> row), per lookup.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from nastuners import Tuner
from nastuners.bench import load_benchmark, run_benchmark, simulate, summarize


class ReplayTuner(Tuner):
    """Hands out prebuilt choice documents (near-zero cost), to isolate the harness's own cost."""

    def __init__(self, *, optimize_mode: Any = "maximize", seed: int | None = None,
                 docs: list[dict[str, Any]] | None = None) -> None:
        super().__init__(optimize_mode=optimize_mode, seed=seed)
        self.docs = docs or []

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        return self.docs[parameter_id]


def end_to_end(processes: int, rounds: int) -> tuple[float, dict[str, Any]]:
    walls = []
    summary: dict[str, Any] = {}
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = run_benchmark("nb201-cifar10-v1", ["random"], budget=200, repeats=300, seed=0,
                               processes=processes)
        walls.append(time.perf_counter() - t0)
        summary = summarize(result)["tuners"]["random"]
    return statistics.median(walls), summary


def harness_overhead(rounds: int, repeats: int = 300, evals: int = 200) -> tuple[float, float]:
    """(wall minus measured tuner time, CPU time of the whole simulate call) per evaluation, medians."""
    bench = load_benchmark("nb201-cifar10-v1")
    import random

    wall, cpu = [], []
    for _ in range(rounds):
        total = tuner_time = cpu_total = 0.0
        for r in range(repeats):
            rng = random.Random(r)
            docs = [bench.space.decode(bench.space.sample(rng)) for _ in range(evals)]
            tuner = ReplayTuner(seed=r, docs=docs)
            tuner.update_search_space(bench.space.to_json())
            c0, t0 = time.process_time(), time.perf_counter()
            trace = simulate(bench, tuner, max_evals=evals, seed=r)
            total += time.perf_counter() - t0
            cpu_total += time.process_time() - c0
            tuner_time += trace.suggest_total_s + float(trace.columns["tell_s"].sum())
        wall.append((total - tuner_time) / (repeats * evals))
        cpu.append(cpu_total / (repeats * evals))
    return statistics.median(wall), statistics.median(cpu)


def lookup_ratio(rounds: int, n: int = 20000) -> tuple[float, float]:
    bench = load_benchmark("nb201-cifar10-v1")
    space = bench.space
    import random

    rng = random.Random(0)
    docs = [space.decode(space.sample(rng)) for _ in range(n)]
    by_key = {space.vector_key(space.unindex(i)): i for i in range(space.cardinality)}
    fast, slow = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        a = [bench.row(d) for d in docs]
        fast.append((time.perf_counter() - t0) / n)
        t0 = time.perf_counter()
        b = [by_key[space.canonical_key(d)] for d in docs]
        slow.append((time.perf_counter() - t0) / n)
        assert a == b
    return statistics.median(fast), statistics.median(slow)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for processes in (2, 1):
        wall, s = end_to_end(processes, args.rounds)
        print(f"random, NB201 CIFAR-10, 300 repeats x 200 evals, {processes} process(es): {wall:.2f} s "
              f"(median of {args.rounds}); @100 = {s['at_evals']['100']['mean']:.2f} "
              f"± {s['at_evals']['100']['std']:.2f}; "
              f"random's suggest cost {s['suggest_mean_s'] * 1e6:.1f} µs")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    wall, cpu = harness_overhead(args.rounds)
    print(f"harness overhead per evaluation: {wall * 1e6:.2f} µs wall (tuner time subtracted); "
          f"{cpu * 1e6:.2f} µs CPU for the whole simulate call (replay tuner included)")
    fast, slow = lookup_ratio(args.rounds)
    print(f"lookup per evaluation: rank fast path {fast * 1e6:.2f} µs "
          f"vs canonical-key dict {slow * 1e6:.2f} µs "
          f"(x{slow / fast:.1f})")


if __name__ == "__main__":
    main()
