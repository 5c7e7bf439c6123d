"""The enas graph alone (no channel): training step of the mnist-nas example in enas_mode vs classic_mode.

Both compiled from ``examples/mnist_nas`` (``nastune annotate``), built in one process with the same thread
pools, the same batch and the same architecture (enas signals loaded once, from a parameter file); the passes
interleave the variants, the first is discarded, median of the rest. A third variant builds the enas graph
without the shared input ``Switch`` of each conditional level (``trial_runtime/tensorflow/_enas.py``:
``_switch`` returning ``None`` makes every branch capture its inputs as plain TF1 conditionals do), to show
what sharing it saves.

Usage: python benchmarks/bench_enas_graph.py [--batch-size 64] [--threads 2] [--steps 150] [--repeats 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mnist_nas"
CLI = "from nastuners.cli.main import main; raise SystemExit(main())"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="intra- and inter-op threads")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampled architecture")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_enas_graph_"))
    for mode in ("classic_mode", "enas_mode"):
        extra = ["--search-space", str(work / "space.json")] if mode == "classic_mode" else []
        subprocess.run([sys.executable, "-c", CLI, "annotate", str(EXAMPLE), "-o", str(work / mode),
                        "--nas-mode", mode, *extra], check=True, capture_output=True)
    from nastuners.space import load_space

    space = load_space(work / "space.json")
    (work / "arch.json").write_text(json.dumps(space.decode(space.sample(random.Random(args.seed)))))
    os.environ["NASTUNE_PARAMETERS"] = str(work / "arch.json")

    import numpy as np
    import tensorflow.compat.v1 as tf

    import trial_runtime as nni
    from trial_runtime.datasets import load
    from trial_runtime.tensorflow import _enas

    tf.disable_eager_execution()
    x_train, y_train, _, _ = load()
    batch = np.random.default_rng(0).choice(len(x_train), args.batch_size)
    shared_switch = _enas._switch

    def variant(mode: str, share: bool) -> Any:
        _enas._switch = shared_switch if share else (lambda tf_, tensor, pred: None)
        spec = importlib.util.spec_from_file_location(f"m_{mode}_{share}", work / mode / "mnist_nas.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        graph = tf.Graph()
        with graph.as_default():
            x, labels, loss, _ = module.build(x_train.shape[1:])
            train = tf.train.AdamOptimizer(0.01).minimize(loss)
            config = tf.ConfigProto(intra_op_parallelism_threads=args.threads,
                                    inter_op_parallelism_threads=args.threads)
            sess = tf.Session(graph=graph, config=config)
            sess.run(tf.global_variables_initializer())
        if mode == "enas_mode":
            nni.training_update("enas_mode", tf=tf, session=sess)
        feed = {x: x_train[batch], labels: y_train[batch]}
        return lambda: sess.run(train, feed)

    variants = {"classic (chosen arch)": variant("classic_mode", False),
                "enas, plain TF1 capture": variant("enas_mode", False),
                "enas (shared input switches)": variant("enas_mode", True)}
    _enas._switch = shared_switch
    times: dict[str, list[float]] = {name: [] for name in variants}
    for repeat in range(args.repeats + 1):
        for name, step in variants.items():
            for _ in range(10):
                step()
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            if repeat:
                times[name].append((time.perf_counter() - start) / args.steps * 1000)
    med = {name: statistics.median(values) for name, values in times.items()}
    classic = med["classic (chosen arch)"]
    print(f"batch={args.batch_size} threads={args.threads} steps={args.steps} repeats={args.repeats}; "
          f"median ms/step, ratio to classic")
    for name, value in med.items():
        print(f"  {name:32s} {value:7.3f}  {value / classic:5.2f}x   (runs: "
              f"{', '.join(f'{t:.2f}' for t in times[name])})")


if __name__ == "__main__":
    main()
