"""PPO tuner benchmarks: cost (ms/trial, set-up, peak RSS) and sample efficiency on the shipped tables.

    python benchmarks/bench_ppo.py cost                       # 4-layer reference space, 200 trials, 7 repeats
    python benchmarks/bench_ppo.py cost --baseline-ref f07e286  # also the ppo package of a git commit
    python benchmarks/bench_ppo.py quality --repeats 300      # ppo vs random on NB201 x3 and NAS-Bench-Macro
    python benchmarks/bench_ppo.py quality --bench nb201-cifar10-v1 --args '{"lr": 1e-2}' --repeats 30

``cost`` runs each measurement in a fresh subprocess (so torch's import and the peak RSS are the tuner's own),
two experiments per process: the first ("cold", paying our modules' import and torch's first-call costs) and
a second one ("warm", what every later experiment in a long-lived process costs). Reported:
the amortized CPU time per trial of a sequential 200-trial experiment (construction, ``update_search_space``
and every policy update included; the synthetic reward's cost is not), with the random tuner measured the
same way as the baseline; the set-up time (construction + ``update_search_space``) after ``import torch``;
the time of ``import torch`` itself; and the peak RSS of the whole process. Medians over ``--repeats``.
With ``--baseline-ref REF`` the ``nastuners/tuners/_ppo`` package of git commit ``REF`` (read with ``git
show``, nothing in the checkout changes) is measured the same way as ``ppo@REF``, from a temporary copy of the
package tree placed first on ``PYTHONPATH`` (and as the working directory); the kinds run interleaved repeat
by repeat, so a change of load affects them alike.

``quality`` uses the offline harness (``nastuners.bench.run_benchmark``): the incumbent's reported metric
after 50, 100 and 200 evaluations, mean ± standard error over repeats, ppo and random with the same seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
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


ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "nastuners/tuners/_ppo"


def _child(kind: str, trials: int, seed: int, args: dict[str, Any],
           tree: str | None = None) -> dict[str, float]:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (tree, env.get("PYTHONPATH")) if p)
    out = subprocess.run([sys.executable, "-c", _CHILD, kind, str(trials), str(seed), json.dumps(args)],
                         check=True, capture_output=True, text=True, env=env, cwd=tree or ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _tree_at(ref: str, into: str) -> str:
    """A copy of ``nastuners`` whose ppo package is the one of git commit ``ref``."""
    shutil.copytree(ROOT / "nastuners", Path(into, "nastuners"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    target = Path(into, PACKAGE)
    shutil.rmtree(target)
    target.mkdir()
    names = subprocess.run(["git", "ls-tree", "--name-only", f"{ref}:{PACKAGE}"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    for name in names:
        text = subprocess.run(["git", "show", f"{ref}:{PACKAGE}/{name}"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
        (target / name).write_text(text)
    return into


def cost(repeats: int, trials: int, args: dict[str, Any], baseline_ref: str | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        kinds: dict[str, tuple[str, str | None]] = {"random": ("random", None), "ppo": ("ppo", None)}
        if baseline_ref:
            kinds[f"ppo@{baseline_ref}"] = ("ppo", _tree_at(baseline_ref, tmp))
        runs: dict[str, list[dict[str, float]]] = {label: [] for label in kinds}
        for seed in range(repeats):     # interleaved: load changes hit every kind alike
            for label, (kind, tree) in kinds.items():
                runs[label].append(_child(kind, trials, seed, args, tree))
    med = {kind: {key: statistics.median(r[key] for r in rs) for key in rs[0]} for kind, rs in runs.items()}
    base = max(med["random"]["ms_per_trial"], 1e-9)
    for label in kinds:
        if label != "random":
            med[label]["ratio_to_random"] = med[label]["ms_per_trial"] / base
    ranges = {label: {key: [round(min(r[key] for r in rs), 4), round(max(r[key] for r in rs), 4)]
                      for key in ("ms_per_trial", "ms_per_trial_cold")}
              for label, rs in runs.items() if label != "random"}
    return {"trials": trials, "repeats": repeats, "args": args, "median": med, "range": ranges}


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
    parser.add_argument("--baseline-ref", default=None,
                        help="cost: also measure the ppo package of this git commit (e.g. f07e286)")
    ns = parser.parse_args(argv)
    args = json.loads(ns.args)
    if ns.what == "cost":
        result = cost(ns.repeats or 7, ns.trials, args, ns.baseline_ref)
    else:
        result = quality(ns.bench or BENCHES, ns.repeats or 30, args, ns.processes, ns.workers)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
