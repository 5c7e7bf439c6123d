"""PPO tuner benchmarks: cost (ms/trial, set-up, peak RSS) and sample efficiency on the shipped tables.

    python benchmarks/bench_ppo.py cost                       # 4-layer reference space, 200 trials, 7 repeats
    python benchmarks/bench_ppo.py quality --repeats 300      # ppo vs random on NB201 x3 and NAS-Bench-Macro
    python benchmarks/bench_ppo.py quality --bench nb201-cifar10-v1 --args '{"lr": 1e-2}' --repeats 30

``cost`` runs each measurement in a fresh subprocess (so torch's import and the peak RSS are the tuner's own),
two experiments per process: the first ("cold", paying our modules' import and torch's first-call costs) and
a second one ("warm", what every later experiment in a long-lived process costs). Reported:
the amortized CPU time per trial of a sequential 200-trial experiment (construction, ``update_search_space``
and every policy update included; the synthetic reward's cost is not), with the random tuner measured the
same way as the baseline; the set-up time (construction + ``update_search_space``) after ``import torch``;
the time of ``import torch`` itself; and the peak RSS of the whole process. Medians over ``--repeats``.

``quality`` uses the offline harness (``nastuners.bench.run_benchmark``): the incumbent's reported metric
after 50, 100 and 200 evaluations, mean ± standard error over repeats, ppo and random with the same seeds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from typing import Any

_CHILD = r"""
import json, resource, sys, time
kind, trials, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
args = json.loads(sys.argv[4])
from nastuners.testing import bench_space, synthetic_reward
space = bench_space()
reward = synthetic_reward(space)
t0 = time.perf_counter(); import torch; torch_import = time.perf_counter() - t0
from nastuners.tuners._ppo import PPOTuner
from nastuners.tuners._random import RandomTuner
make = {"ppo": lambda s: PPOTuner(seed=s, **args), "random": lambda s: RandomTuner(seed=s)}[kind]

def experiment(s):
    # CPU seconds of the tuner over a whole sequential experiment, set-up included, the reward's cost excluded
    rewards = 0.0
    c0, w0 = time.thread_time(), time.perf_counter()
    tuner = make(s); tuner.update_search_space(space)
    setup = time.perf_counter() - w0
    for pid in range(trials):
        p = tuner.generate_parameters(pid)
        r0 = time.thread_time(); value = reward(p); rewards += time.thread_time() - r0
        tuner.receive_trial_result(pid, p, value); tuner.trial_end(pid, True)
    return 1000 * (time.thread_time() - c0 - rewards) / trials, setup

cold, first_setup = experiment(seed)          # first in the process: module imports, torch's first calls
warm, setup = experiment(seed + 1000)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"ms_per_trial": warm, "ms_per_trial_cold": cold, "setup_s": setup,
                  "first_setup_s": first_setup, "torch_import_s": torch_import, "peak_rss_mb": peak}))
"""


def _child(kind: str, trials: int, seed: int, args: dict[str, Any]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, kind, str(trials), str(seed), json.dumps(args)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cost(repeats: int, trials: int, args: dict[str, Any]) -> dict[str, Any]:
    runs = {kind: [_child(kind, trials, seed, args) for seed in range(repeats)] for kind in ("random", "ppo")}
    med = {kind: {key: statistics.median(r[key] for r in rs) for key in rs[0]} for kind, rs in runs.items()}
    med["ppo"]["ratio_to_random"] = med["ppo"]["ms_per_trial"] / max(med["random"]["ms_per_trial"], 1e-9)
    return {"trials": trials, "repeats": repeats, "args": args, "median": med,
            "ppo_ms_per_trial_all": sorted(r["ms_per_trial"] for r in runs["ppo"])}


BENCHES = ["nb201-cifar10-v1", "nb201-cifar100-v1", "nb201-imagenet16_120-v1", "nasbench-macro-cifar10-v1"]


def quality(benches: list[str], repeats: int, args: dict[str, Any], processes: int | None,
            workers: int) -> dict[str, Any]:
    from nastuners.bench import run_benchmark, summarize

    out: dict[str, Any] = {}
    for bench in benches:
        result = run_benchmark(bench, [("ppo", args), "random"], budget=200, repeats=repeats, seed=0,
                               processes=processes, workers=workers)
        summary = summarize(result)["tuners"]
        out[bench] = {label: {b: [round(s["at_evals"][b]["mean"], 3), round(s["at_evals"][b]["sem"], 3)]
                              for b in ("50", "100", "200")} for label, s in summary.items()}
        print(bench, json.dumps(out[bench]), flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["cost", "quality"])
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--args", default="{}", help="PPO class arguments as JSON")
    parser.add_argument("--bench", action="append", help="benchmark id (default: all four)")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    ns = parser.parse_args(argv)
    args = json.loads(ns.args)
    if ns.what == "cost":
        result = cost(ns.repeats or 7, ns.trials, args)
    else:
        result = quality(ns.bench or BENCHES, ns.repeats or 30, args, ns.processes, ns.workers)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
