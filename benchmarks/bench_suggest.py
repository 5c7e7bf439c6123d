"""Suggestion cost of a tuner: milliseconds per trial, amortized over a sequential experiment.

The tuner class is resolved once through the registry; each repeat builds it, gives it the 4-layer
reference space (sizes ``0, 1, [0, 1], 1``; 1,944 architectures, nni-compat §12.4) and runs ``--trials``
sequential trials of ``generate_parameters`` → ``receive_trial_result`` → ``trial_end``. Only the tuner's own
CPU time counts (the synthetic reward's cost is subtracted); construction and ``update_search_space`` are
included, amortized over the trials. A trivial tuner (returns one fixed architecture) runs the same loop in
the same process as the baseline; we report the median over ``--repeats`` and the ratio to the baseline.

    python benchmarks/bench_suggest.py                         # random, 200 trials, 25 repeats
    python benchmarks/bench_suggest.py --tuner evolution --tuner ppo --json
    python benchmarks/bench_suggest.py --tuner random --target-ms 0.05   # exit 1 when the median is above
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from nastuners import NoMoreTrialError, NoSuggestionYet, Tuner
from nastuners.registry import get_tuner
from nastuners.testing import bench_space, synthetic_reward

Reward = Callable[[Any], float]


class TrivialTuner(Tuner):
    """The baseline: always the same architecture (measures the loop and the base-class bookkeeping)."""

    def update_search_space(self, search_space: Any) -> None:
        super().update_search_space(search_space)
        space = self._require_space()
        self._doc = space.decode(next(iter(space.enumerate())))

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        return self._doc


def run_once(make: Callable[[int], Tuner], seed: int, trials: int, reward: Reward) -> tuple[float, int]:
    """CPU seconds spent inside the tuner for one experiment, and the number of trials that ran.

    The whole run is timed with this thread's CPU clock (robust on a busy shared machine, where wall-clock
    runs of a few milliseconds are often preempted); the reward's cost, measured by replaying it on the same
    proposals, is subtracted.
    """
    space = bench_space()
    clock = time.thread_time
    start = clock()
    tuner = make(seed)
    tuner.update_search_space(space)
    proposals: list[dict[str, Any]] = []
    pending: list[tuple[int, dict[str, Any]]] = []
    pid = 0
    while len(proposals) < trials:
        try:
            params = tuner.generate_parameters(pid)
        except NoSuggestionYet:
            params = None
        except NoMoreTrialError:
            break
        if params is not None:
            pending.append((pid, params))
            proposals.append(params)
            pid += 1
        if not pending:
            break
        finished, done_params = pending.pop(0)
        tuner.receive_trial_result(finished, done_params, reward(done_params))
        tuner.trial_end(finished, True)
    for finished, done_params in pending:
        tuner.receive_trial_result(finished, done_params, reward(done_params))
        tuner.trial_end(finished, True)
    total = clock() - start
    start = clock()
    for params in proposals:
        reward(params)
    return total - (clock() - start), len(proposals)


def measure(make: Callable[[int], Tuner], trials: int, repeats: int) -> dict[str, Any]:
    """Median, min and max CPU milliseconds per trial over ``repeats`` runs (seeds 0 .. repeats-1)."""
    reward = synthetic_reward(bench_space())
    per_trial = []
    for seed in range(repeats):
        spent, done = run_once(make, seed, trials, reward)
        per_trial.append(1000 * spent / max(done, 1))
    return {"median_ms": statistics.median(per_trial), "min_ms": min(per_trial), "max_ms": max(per_trial),
            "runs_ms": per_trial}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuner", action="append", help="registered tuner name (repeatable; default random)")
    parser.add_argument("--tuner-args", default="{}", help="JSON class arguments for every --tuner")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--target-ms", type=float, default=None, help="exit 1 if a median exceeds this")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    names = args.tuner or ["random"]
    class_args = json.loads(args.tuner_args)

    def registered(name: str) -> Callable[[int], Tuner]:
        cls = type(get_tuner(name, **class_args))  # the registry lookup itself is not timed
        return lambda seed: cls(seed=seed, **class_args)

    measure(registered(names[0]), args.trials, 1)  # warm-up: imports, caches
    base = measure(lambda seed: TrivialTuner(seed=seed), args.trials, args.repeats)
    results: dict[str, Any] = {"trials": args.trials, "repeats": args.repeats, "space_cardinality": 1944,
                               "baseline": base, "tuners": {}}
    for name in names:
        res = measure(registered(name), args.trials, args.repeats)
        res["ratio_to_baseline"] = res["median_ms"] / base["median_ms"]
        results["tuners"][name] = res
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{args.trials} sequential trials on the 4-layer reference space, "
              f"median of {args.repeats} runs")
        print(f"  {'baseline (trivial tuner)':<26} {base['median_ms']:.4f} ms/trial")
        for name, res in results["tuners"].items():
            print(f"  {name:<26} {res['median_ms']:.4f} ms/trial  (min {res['min_ms']:.4f}, "
                  f"max {res['max_ms']:.4f}; {res['ratio_to_baseline']:.1f}x baseline)")
    if args.target_ms is not None:
        over = [n for n, r in results["tuners"].items() if r["median_ms"] > args.target_ms]
        if over:
            print(f"above the target of {args.target_ms} ms/trial: {', '.join(over)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
