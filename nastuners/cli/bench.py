"""``nastune bench list | run``: benchmark tuners offline on tabulated NAS benchmarks."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .main import add_group

# nastuners.bench (numpy, the tables) is imported inside the commands, so `nastune --help` stays fast.


def register(subparsers: Any, groups: dict[str, Any]) -> None:
    """Add the ``bench`` group."""
    sub = add_group(subparsers, groups, "bench", help="benchmark tuners offline on tabulated NAS benchmarks")

    ls = sub.add_parser("list", help="the shipped benchmarks with size, metrics and optimum")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(func=_list)

    r = sub.add_parser("run", help="run tuners on a benchmark with simulated workers and time",
                       description="Run each tuner REPEATS times (repeat r seeded SEED+r) on a tabular "
                                   "benchmark.")
    src = r.add_argument_group("benchmark (a shipped id, or your own space + table)")
    src.add_argument("--benchmark", metavar="ID", help="shipped benchmark id, e.g. nb201-cifar10-v1")
    src.add_argument("--space", metavar="S.json", help="search-space JSON file (with --table)")
    src.add_argument("--table", metavar="T.jsonl[.gz]", help="JSON Lines table (see docs/bench.md)")
    src.add_argument("--objective", metavar="M", help="metric the tuner sees (per-seed: one drawn)")
    src.add_argument("--report", metavar="M2", help="metric the incumbent is judged by (default: objective)")
    src.add_argument("--cost", metavar="M3", help="simulated time of one evaluation (default: 1)")
    src.add_argument("--mode", choices=("max", "min"), default="max", help="direction (default max)")
    r.add_argument("--tuner", action="append", required=True, metavar="NAME",
                   help="registered tuner name; repeat the flag to compare several")
    r.add_argument("--tuner-args", action="append", default=[], metavar="NAME:JSON",
                   help='class arguments of one tuner, e.g. evolution:{"population_size": 10} '
                        '(plain JSON when there is a single --tuner)')
    r.add_argument("--budget", type=int, metavar="N", help="evaluations per repeat")
    r.add_argument("--time", type=float, metavar="T", help="simulated time per repeat (cost-metric units)")
    r.add_argument("--repeats", type=int, default=10, metavar="R", help="independent repeats (default 10)")
    r.add_argument("--seed", type=int, default=0, metavar="S", help="repeat r uses seed S+r (default 0)")
    r.add_argument("--workers", type=int, default=1, metavar="W", help="simulated workers (default 1)")
    r.add_argument("--processes", type=int, default=None, metavar="P", help="OS processes (default: cores)")
    r.add_argument("-o", "--out", metavar="OUT_DIR",
                   help="new (or empty) directory for evaluations.csv, summary.json and PNG plots")
    r.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=_run)


def _list(args: argparse.Namespace) -> int:
    from ..bench import list_benchmarks
    from ..bench.console import benchmark_table

    rows = list_benchmarks()
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        benchmark_table(rows, file=sys.stdout)
    return 0


def _parse_tuner_args(names: list[str], items: list[str]) -> dict[str, dict[str, Any]]:
    from ..bench import BenchmarkError
    from ..registry import parse_class_args

    out: dict[str, dict[str, Any]] = {}
    for item in items:
        name, sep, text = item.partition(":")
        if item.lstrip().startswith("{"):  # plain JSON without NAME: fine when there is one tuner
            if len(names) != 1:
                msg = (f"--tuner-args {item!r}: with several --tuner, say which tuner the arguments are for: "
                       f"NAME:JSON, e.g. {names[0]}:{item}")
                raise BenchmarkError(msg)
            name, sep, text = names[0], ":", item
        if not sep:
            msg = f"--tuner-args {item!r}: expected NAME:JSON, e.g. evolution:{{\"population_size\": 10}}"
            raise BenchmarkError(msg)
        if name not in names:
            msg = f"--tuner-args names tuner {name!r}, which is not among --tuner {names}"
            raise BenchmarkError(msg)
        value = parse_class_args(text, label=f"--tuner-args {name}", error=BenchmarkError)
        out.setdefault(name, {}).update(value)
    return out


def _benchmark(args: argparse.Namespace) -> Any:
    from ..bench import Benchmark, BenchmarkError, load_benchmark

    own = [f for f in ("space", "table", "objective") if getattr(args, f)]
    if args.benchmark:
        extra = own + [f for f in ("report", "cost") if getattr(args, f)]
        if extra:
            msg = f"--benchmark cannot be combined with --{', --'.join(extra)}; use one or the other"
            raise BenchmarkError(msg)
        return load_benchmark(args.benchmark)
    if len(own) != 3:
        missing = [f"--{f}" for f in ("space", "table", "objective") if not getattr(args, f)]
        msg = ("give --benchmark ID (see `nastune bench list`) or --space, --table and --objective; "
               f"missing {', '.join(missing)}")
        raise BenchmarkError(msg)
    return Benchmark.from_files(args.space, args.table, objective=args.objective, report=args.report,
                                cost=args.cost, mode=args.mode)


def _check_out_dir(out: str | None) -> None:
    """Refuse an output directory that would be overwritten, before any work is done."""
    from ..bench import BenchmarkError

    if out is None:
        return
    path = Path(out)
    if path.exists() and not path.is_dir():
        msg = f"-o {out!r} is a file; give a new (or empty) directory for the results"
        raise BenchmarkError(msg)
    if path.is_dir() and any(path.iterdir()):
        msg = (f"-o {out!r} already exists and is not empty; nothing is overwritten: choose a new directory "
               "or remove the old results")
        raise BenchmarkError(msg)


def _run(args: argparse.Namespace) -> int:
    from ..bench import BenchmarkError, TunerSpec, run_benchmark
    from ..bench.console import progress, results_table
    from ..bench.reports import summarize, write_outputs

    if args.budget is None and args.time is None:
        msg = "give a budget: --budget N (evaluations) and/or --time T (simulated time)"
        raise BenchmarkError(msg)
    _check_out_dir(args.out)
    bench = _benchmark(args)
    names = list(dict.fromkeys(args.tuner))
    tuner_args = _parse_tuner_args(names, args.tuner_args)
    specs = [TunerSpec(name=n, args=tuner_args.get(n, {})) for n in names]
    total = len(specs) * args.repeats
    show = not args.no_progress and sys.stderr.isatty()
    with progress(total, enabled=show, file=sys.stderr) as on_progress:
        result = run_benchmark(bench, specs, budget=args.budget, time=args.time, repeats=args.repeats,
                               seed=args.seed, workers=args.workers, processes=args.processes,
                               on_progress=on_progress)
    results_table(summarize(result), file=sys.stdout)
    if args.out:
        files = write_outputs(result, args.out, plots=not args.no_plots)
        print("wrote " + ", ".join(str(p) for p in files.values()))
    return 0
