"""Offline benchmark of the evolution and local-search tuners on NAS-Bench-201 and NAS-Bench-Macro.

Protocol (the one of ``shared/data/nasbench201/reference_runs_rs_rea_ls.json``): each query returns one
randomly drawn training seed's validation accuracy (NAS-Bench-Macro: one test seed); the incumbent is the
architecture with the best observed value; the figure is the incumbent's mean test accuracy (Macro:
``mean_acc``) after B evaluations, averaged over repeats. With ``--workers W`` the tuner keeps W trials in
flight and results come back in random order.

    python benchmarks/bench_evolution_ls.py --repeats 300 --workers 1 4
    python benchmarks/bench_evolution_ls.py --repeats 1000 --first-seed 1000 --procs 1 --tuners local_search
    python benchmarks/bench_evolution_ls.py --cost      # tuner cost per trial vs random, 200-trial runs

Uses at most 2 processes (``--procs``). The accuracy table of docs/benchmarks/evolution.md comes from the
project harness (``nastune bench run``); this script is the fast loop the defaults were tuned with.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from nastuners.exceptions import NoMoreTrialError, NoSuggestionYet
from nastuners.tuners._evolution import EvolutionTuner
from nastuners.tuners._local_search import LocalSearchTuner
from nastuners.tuners._random import RandomTuner

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NB201 = DATA / "nasbench201"
MACRO = DATA / "nas_bench_macro"
NB201_SETS = ("cifar10", "cifar100", "imagenet16_120")
BUDGETS = (25, 50, 100, 150, 200)
REF_ALGOS = {"RS": "random", "REA(P10,S3)": "evolution", "LS(first-improve,10 init)": "local_search"}

Table = tuple[dict[str, Any], dict[str, tuple[list[float], float]], list[tuple[str, list[str]]]]


def load_tables(data: Path = DATA) -> dict[str, Table]:
    """Benchmark name -> (space json, {arch key: (objective seeds, reported value)}, key layout)."""
    tables: dict[str, Table] = {}
    space = json.loads((data / "nasbench201" / "search_space.mutable_layer.json").read_text())
    layout = [(name, spec["layer_choice"]) for name, spec in space["cell"]["_value"].items()]
    rows: dict[str, dict[str, tuple[list[float], float]]] = {ds: {} for ds in NB201_SETS}
    with (data / "nasbench201" / "nb201_unified.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            for ds in NB201_SETS:
                seeds = [float(x) for x in row[f"{ds}_valid_acc_200ep_seeds"].split(";")]
                rows[ds][row["op_key"]] = (seeds, float(row[f"{ds}_test_acc_200ep_mean"]))
    for ds in NB201_SETS:
        tables[f"nb201-{ds}"] = (space, rows[ds], layout)
    mspace = json.loads((data / "nas_bench_macro" / "search_space.mutable_layer.json").read_text())
    mlayout = [(name, spec["layer_choice"]) for name, spec in mspace["macro"]["_value"].items()]
    raw = json.loads((data / "nas_bench_macro" / "nas-bench-macro_cifar10.json").read_text())
    tables["macro-cifar10"] = (mspace, {k: (v["test_acc"], v["mean_acc"]) for k, v in raw.items()}, mlayout)
    return tables


def make_tuner(spec: str, seed: int) -> Any:
    """``name`` or ``name:key=value,key=value`` -> a tuner instance."""
    name, _, args = spec.partition(":")
    kwargs = {k: (int(v) if v.isdigit() else v) for k, v in (a.split("=") for a in args.split(",") if a)}
    cls = {"random": RandomTuner, "evolution": EvolutionTuner, "local_search": LocalSearchTuner}[name]
    return cls(seed=seed, **kwargs)


def run_once(spec: str, table: Table, budget: int, workers: int, seed: int) -> tuple[list[float], float, int]:
    """One search; returns the incumbent's reported value after each evaluation, tuner seconds, duplicates."""
    space, rows, layout = table
    block = next(iter(space))
    codes = [(name, {op: str(i) for i, op in enumerate(ops)}) for name, ops in layout]
    rng = random.Random(seed * 7919 + 17)
    tuner = make_tuner(spec, seed)
    tuner_s = 0.0
    t0 = time.perf_counter()
    tuner.update_search_space(space)
    tuner_s += time.perf_counter() - t0
    inflight: list[tuple[int, dict[str, Any]]] = []
    keys: set[str] = set()
    duplicates = 0
    best_obj, best_rep = float("-inf"), float("nan")
    trace: list[float] = []
    pid = 0
    while len(trace) < budget:
        while len(inflight) < workers and len(trace) + len(inflight) < budget:
            t0 = time.perf_counter()
            try:
                params = tuner.generate_parameters(pid)
            except (NoSuggestionYet, NoMoreTrialError):
                tuner_s += time.perf_counter() - t0
                break
            tuner_s += time.perf_counter() - t0
            inflight.append((pid, params))
            pid += 1
        if not inflight:
            break
        done_pid, params = inflight.pop(rng.randrange(len(inflight)))
        key = "".join(code[params[block][name]["chosen_layer"]] for name, code in codes)
        duplicates += key in keys
        keys.add(key)
        seeds, reported = rows[key]
        obj = seeds[rng.randrange(len(seeds))]
        t0 = time.perf_counter()
        tuner.receive_trial_result(done_pid, params, obj)
        tuner.trial_end(done_pid, True)
        tuner_s += time.perf_counter() - t0
        if obj > best_obj:
            best_obj, best_rep = obj, reported
        trace.append(best_rep)
    return trace, tuner_s, duplicates


_TABLES: dict[str, Table] = {}


def _job(job: tuple[str, str, int, int, int]) -> tuple[str, str, int, list[float], float, int]:
    spec, bench, budget, workers, seed = job
    if not _TABLES:
        _TABLES.update(load_tables())
    trace, tuner_s, dup = run_once(spec, _TABLES[bench], budget, workers, seed)
    return spec, bench, workers, trace, tuner_s, dup


def cost_table(seeds: int = 15, trials: int = 200) -> None:
    """Tuner wall time per trial (generate + receive + trial_end), median over seeds, random as baseline."""
    from nastuners.testing import bench_space, huge_space, synthetic_reward

    nb201 = json.loads((NB201 / "search_space.mutable_layer.json").read_text())
    print(f"| space | tuner | ms/trial (median of {seeds}) | x random |")
    print("|---|---|---|---|")
    spaces = (("nb201", nb201), ("bench_4_layer (§12.4)", bench_space()), ("huge (40 layers)", huge_space()))
    for name, space in spaces:
        reward = synthetic_reward(space)
        base = None
        for spec in ("random", "evolution", "local_search"):
            costs = []
            for seed in range(seeds):
                tuner = make_tuner(spec, seed)
                tuner.update_search_space(space)
                spent = 0.0
                for pid in range(trials):
                    t0 = time.perf_counter()
                    params = tuner.generate_parameters(pid)
                    spent += time.perf_counter() - t0
                    value = reward(params)
                    t0 = time.perf_counter()
                    tuner.receive_trial_result(pid, params, value)
                    tuner.trial_end(pid, True)
                    spent += time.perf_counter() - t0
                costs.append(spent / trials * 1e3)
            ms = statistics.median(costs)
            base = base or ms
            print(f"| {name} | {spec} | {ms:.4f} | {ms / base:.2f} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tuners", nargs="+", default=["random", "evolution", "local_search"])
    ap.add_argument("--benches", nargs="+", default=[f"nb201-{d}" for d in NB201_SETS] + ["macro-cifar10"])
    ap.add_argument("--repeats", type=int, default=100)
    ap.add_argument("--first-seed", type=int, default=0,
                    help="repeats use seeds first..first+repeats-1 (fresh seeds to confirm a choice)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1])
    ap.add_argument("--budget", type=int, default=max(BUDGETS))
    ap.add_argument("--procs", type=int, default=2, choices=(1, 2))
    ap.add_argument("--json", type=Path, help="also write the raw means here")
    ap.add_argument("--cost", action="store_true", help="only measure the tuners' cost per trial")
    args = ap.parse_args(argv)
    if args.cost:
        cost_table()
        return 0
    jobs = [(t, b, args.budget, w, s) for t in args.tuners for b in args.benches for w in args.workers
            for s in range(args.first_seed, args.first_seed + args.repeats)]
    started = time.perf_counter()
    if args.procs == 1:
        results = [_job(j) for j in jobs]
    else:
        with multiprocessing.Pool(args.procs) as pool:
            results = pool.map(_job, jobs, chunksize=max(1, len(jobs) // 64))
    agg: dict[tuple[str, str, int], list[tuple[list[float], float, int]]] = {}
    for spec, bench, workers, trace, tuner_s, dup in results:
        agg.setdefault((spec, bench, workers), []).append((trace, tuner_s, dup))
    budgets = [b for b in BUDGETS if b <= args.budget]
    ref = json.loads((NB201 / "reference_runs_rs_rea_ls.json").read_text())
    out: dict[str, Any] = {}
    print(f"repeats={args.repeats}  wall={time.perf_counter() - started:.1f}s")
    print("| bench | tuner | W | " + " | ".join(f"@{b}" for b in budgets) + " | ms/sugg | dups |")
    print("|---|---|---|" + "---|" * (len(budgets) + 2))
    for (spec, bench, workers), runs in agg.items():
        cells = []
        means = {}
        for b in budgets:
            vals = [t[b - 1] for t, _, _ in runs if len(t) >= b]
            m, sd = statistics.fmean(vals), statistics.pstdev(vals)
            means[b] = m
            cells.append(f"{m:.2f} ± {sd:.2f}")
        ms = statistics.median(s / len(t) for t, s, _ in runs) * 1e3
        dups = sum(d for _, _, d in runs)
        out[f"{bench}|{spec}|W{workers}"] = means
        print(f"| {bench} | {spec} | {workers} | " + " | ".join(cells) + f" | {ms:.4f} | {dups} |")
    for bench in args.benches:
        ds = bench.removeprefix("nb201-")
        for algo in REF_ALGOS:
            key = f"{ds}|{algo}"
            if key in ref:
                cells = [f"{ref[key][str(b)][0]:.2f} ± {ref[key][str(b)][1]:.2f}" for b in budgets]
                print(f"| {bench} | reference {algo} | 1 | " + " | ".join(cells) + " | | |")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
