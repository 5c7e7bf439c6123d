"""Step time of the TensorFlow nasModes on the mnist-nas network (examples/mnist_nas, TF1 graph mode, digits).

One process, one compiled copy of the example per mode (``nastune annotate --nas-mode``), the same batches:

* enas: ``training_update`` (fetch + signal assign) + one weight step, vs classic_mode built for the same
  architecture (target <= 1.3x). Architectures come from the standalone platform
  (``NASTUNE_PARAMETERS``, a JSON Lines file); the experiment channel's socket round trip is not
  included (see docs/benchmarks/tf.md).
* darts: architecture step (validation batch) + weight step, vs one weight step of the full supergraph
  (oneshot_mode with dropout switched off: every op, summed);
* oneshot: one weight step with path dropout, vs the same full supergraph.

Usage: python benchmarks/bench_tf_modes.py [--steps 200] [--repeats 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mnist_nas"


def compile_modes(out: Path) -> dict[str, Path]:
    dirs = {}
    for mode in ("classic_mode", "enas_mode", "oneshot_mode", "darts_mode"):
        target = out / mode
        args = ["annotate", str(EXAMPLE), "-o", str(target), "--nas-mode", mode]
        if mode == "classic_mode":
            args += ["--search-space", str(out / "space.json")]
        subprocess.run([sys.executable, "-c", "from nastuners.cli.main import main; raise SystemExit(main())",
                        *args], check=True, capture_output=True)
        dirs[mode] = target / "mnist_nas.py"
    return dirs


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tmp = Path(tempfile.mkdtemp(prefix="bench_tf_"))
    paths = compile_modes(tmp)
    sys.path.insert(0, str(EXAMPLE))
    import numpy as np
    import tensorflow
    import tensorflow.compat.v1 as tf
    from data import load

    import trial_runtime as nni
    from nastuners.space import load_space
    from trial_runtime import _platform
    from trial_runtime import tensorflow as tf_modes

    tf.disable_eager_execution()
    modules = {mode: load_module(path, f"mnist_nas_{mode}") for mode, path in paths.items()}
    space = load_space(tmp / "space.json")
    import random

    arch = space.decode(space.sample(random.Random(0)))
    (tmp / "arch.json").write_text(json.dumps(arch))
    with open(tmp / "archs.jsonl", "w") as f:  # enas: one architecture per step, all steps of all repeats
        f.writelines(json.dumps(arch) + "\n" for _ in range((args.steps + 5) * (args.repeats + 1)))
    x_train, y_train, _, _ = load()
    rng = np.random.default_rng(0)
    batches = [rng.choice(len(x_train), args.batch_size) for _ in range(args.steps)]

    def measure(mode: str, params: str | None, *, full: bool = False, arch_step: bool = False,
                update: bool = True) -> list[float]:
        if params:
            os.environ["NASTUNE_PARAMETERS"] = str(tmp / params)
        else:
            os.environ.pop("NASTUNE_PARAMETERS", None)
        _platform.reset()
        times = []
        with tf.Graph().as_default():
            x, labels, loss, _ = modules[mode].build(x_train.shape[1:])
            train = tf.train.AdamOptimizer(0.01).minimize(loss)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                if full:
                    tf_modes.oneshot_evaluate(tensorflow, sess)
                if mode == "enas_mode" and not update:  # load the architecture once
                    nni.training_update(mode, tf=tf, session=sess)
                for repeat in range(args.repeats + 1):
                    start = time.perf_counter()
                    for b in batches:
                        feed = {x: x_train[b], labels: y_train[b]}
                        if (mode == "enas_mode" and update) or arch_step:
                            nni.training_update(mode, tf=tf, session=sess, loss=loss, feed_dict=feed)
                        sess.run(train, feed)
                    if repeat:  # the first pass warms up
                        times.append((time.perf_counter() - start) / args.steps * 1000)
        return times

    results = {
        "classic (chosen arch)": measure("classic_mode", "arch.json"),
        "enas (same arch, update per step)": measure("enas_mode", "archs.jsonl"),
        "enas (same arch, no update)": measure("enas_mode", "archs.jsonl", update=False),
        "full supergraph": measure("oneshot_mode", None, full=True),
        "oneshot (path dropout)": measure("oneshot_mode", None),
        "darts (arch step + weight step)": measure("darts_mode", None, arch_step=True),
    }
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"steps={args.steps} repeats={args.repeats} batch={args.batch_size}; median ms/step")
    for name, value in med.items():
        print(f"  {name:36s} {value:8.3f}   (runs: {', '.join(f'{t:.2f}' for t in results[name])})")
    classic = med["classic (chosen arch)"]
    print(f"enas / classic        = {med['enas (same arch, update per step)'] / classic:.2f}x")
    print(f"enas without updates / classic = "
          f"{med['enas (same arch, no update)'] / med['classic (chosen arch)']:.2f}x")
    print(f"oneshot / supergraph  = {med['oneshot (path dropout)'] / med['full supergraph']:.2f}x")
    print(f"darts / supergraph    = {med['darts (arch step + weight step)'] / med['full supergraph']:.2f}x")


if __name__ == "__main__":
    main()
