"""Experiment runner benchmarks: trial launch overhead, no-op throughput, channel round trip.

    .venv/bin/python benchmarks/bench_experiment.py [--trials 20] [--repeats 3] [--fetches 2000]

1. Launch overhead: N no-op trials one after another through `nastune run` (concurrency 1; each trial imports
   trial_runtime, fetches its architecture over the channel and reports a final result, which the runner
   commits to SQLite), timed from the first trial's start to the last trial's end (stored timestamps; the
   runner's one-off start-up is excluded) vs the same trial script run N times as a bare `python trial.py`
   (parameters from a file, NASTUNE_PARAMETERS). Ratio of wall times, median over repeats.
2. Throughput: N no-op trials at concurrency 2, trials per second.
3. Channel round trip: a multi-phase trial times each get_next_parameter() (a fresh architecture from the
   random tuner, stored before it is answered) and each report_intermediate_result() (committed before it is
   acknowledged); p50/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPACE = {"b/mutable_block_1": {"_type": "mutable_layer", "_value": {
    f"mutable_layer_{i}": {"layer_choice": [f"op{j}()" for j in range(8)], "optional_inputs": ["a", "b", "c"],
                           "optional_input_size": [0, 2]} for i in range(6)}}}
NOOP = "import trial_runtime as nni\nnni.get_next_parameter()\nnni.report_final_result(1.0)\n"
RTT = """import json, os, time
import trial_runtime as nni
fetch, report = [], []
nni.get_next_parameter()
for _ in range(int(os.environ["FETCHES"])):
    t = time.perf_counter(); nni.get_next_parameter(); fetch.append(time.perf_counter() - t)
    t = time.perf_counter(); nni.report_intermediate_result(0.5); report.append(time.perf_counter() - t)
nni.report_final_result(1.0)
with open(os.path.join(os.environ["NASTUNE_TRIAL_DIR"], "rtt.json"), "w") as fh:
    json.dump({"fetch": fetch, "report": report}, fh)
"""


def _setup(root: Path) -> None:
    (root / "space.json").write_text(json.dumps(SPACE))
    (root / "noop.py").write_text(NOOP)
    (root / "rtt.py").write_text(RTT)
    (root / "choice.json").write_text(json.dumps({}))


def _config(root: Path, name: str, script: str, trials: int, concurrency: int, multi: bool = False) -> Path:
    text = (f"searchSpacePath: space.json\ntrialConcurrency: {concurrency}\nmaxTrialNum: {trials}\n"
            f"multiPhase: {str(multi).lower()}\ntuner: {{builtinTunerName: random}}\n"
            f"trial: {{command: {sys.executable} {script}, codeDir: .}}\n")
    path = root / f"{name}.yml"
    path.write_text(text)
    return path


def _nastune(config: Path, home: Path, *extra: str) -> float:
    env = {**os.environ, "NASTUNE_HOME": str(home)}
    code = "from nastuners.cli.main import main; raise SystemExit(main())"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, "run", str(config), "--quiet", *extra], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def _bare(root: Path, trials: int) -> float:
    env = {**os.environ, "NASTUNE_PARAMETERS": str(root / "choice.json")}
    t = time.perf_counter()
    for _ in range(trials):
        subprocess.run([sys.executable, "noop.py"], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def _trial_span(home: Path) -> float:
    """First trial start to last trial end, from the store: the runner's own start-up is left out."""
    import sqlite3

    (db,) = home.glob("experiments/*/experiment.db")
    with sqlite3.connect(db) as con:
        first, last = con.execute("SELECT MIN(started), MAX(ended) FROM trials").fetchone()
    return float(last - first)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--fetches", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _setup(root)
        seq = _config(root, "seq", "noop.py", args.trials, 1)
        conc = _config(root, "conc", "noop.py", args.trials, 2)
        ratios, per_trial, per_bare, rates = [], [], [], []
        for r in range(args.repeats):
            _nastune(seq, root / f"h{r}")
            run_n = _trial_span(root / f"h{r}")
            bare_n = _bare(root, args.trials)
            ratios.append(run_n / bare_n)
            per_trial.append(run_n / args.trials * 1000)
            per_bare.append(bare_n / args.trials * 1000)
            rates.append(args.trials / _nastune(conc, root / f"c{r}"))
        print(f"launch: {statistics.median(per_trial):.1f} ms/trial via nastune vs "
              f"{statistics.median(per_bare):.1f} ms bare; ratio median {statistics.median(ratios):.3f} "
              f"(repeats {', '.join(f'{x:.3f}' for x in ratios)})")
        print(f"throughput at concurrency 2 (incl. runner start): median {statistics.median(rates):.1f} "
              f"trials/s (repeats {', '.join(f'{x:.1f}' for x in rates)})")
        home = root / "rtt"
        os.environ["FETCHES"] = str(args.fetches)
        _nastune(_config(root, "rtt", "rtt.py", 1, 1, multi=True), home)
        (out,) = home.glob("experiments/*/trials/*/rtt.json")
        data = json.loads(out.read_text())
        for kind in ("fetch", "report"):
            ms = sorted(x * 1000 for x in data[kind])
            p50, p99 = ms[len(ms) // 2], ms[int(len(ms) * 0.99)]
            print(f"channel {kind}: n={len(ms)} p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {ms[-1]:.3f} ms")


if __name__ == "__main__":
    main()
