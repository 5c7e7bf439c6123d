"""Offline tuner benchmarking on tabulated NAS benchmarks: tables, a simulated-worker replay, reports.

Quick use::

    from nastuners.bench import run_benchmark, summarize
    result = run_benchmark("nb201-cifar10-v1", ["random", ("evolution", {"population_size": 10})],
                           budget=100, repeats=30, seed=0)
    summarize(result)["tuners"]["random"]["at_evals"]["100"]  # {"mean", "std", "sem", "n"}

See docs/bench.md for the table format and the simulation semantics.
"""

from __future__ import annotations

from typing import Any

from ._errors import BenchmarkError
from .benchmark import Benchmark, load_benchmark
from .catalog import BENCH_ID_RE, SHIPPED, parse_benchmark_id
from .reports import incumbent_at_evals, incumbent_at_times, summarize, write_outputs
from .runner import BenchResult, TunerSpec, run_benchmark
from .simulator import Trace, simulate
from .tables import load_jsonl_table, write_jsonl_table

__all__ = [
    "BENCH_ID_RE",
    "BenchResult",
    "Benchmark",
    "BenchmarkError",
    "Trace",
    "TunerSpec",
    "incumbent_at_evals",
    "incumbent_at_times",
    "list_benchmarks",
    "load_benchmark",
    "load_jsonl_table",
    "parse_benchmark_id",
    "run_benchmark",
    "simulate",
    "summarize",
    "write_jsonl_table",
    "write_outputs",
]


def list_benchmarks() -> list[dict[str, Any]]:
    """One description per shipped benchmark (id, size, metrics, optimum, bytes on disk), newest ids last."""
    rows = []
    for spec in SHIPPED.values():
        info = load_benchmark(spec.id).info()
        info["bytes"] = spec.path.stat().st_size
        rows.append(info)
    return rows
