"""Step time of the TensorFlow nasModes on the mnist-nas network (examples/mnist_nas, TF1 graph mode, digits).

The measurements run **inside a trial of a real experiment** (``nastune run``, multi-phase, a tuner that
always proposes the same architecture), so enas' ``training_update`` fetches one architecture per minibatch
through the experiment channel (Unix socket, runner-side tuner call and SQLite insert) as in a search. One
trial process, one compiled copy of the example per mode (``nastune annotate --nas-mode``), the same batches;
every variant is built first, then the repeats interleave the variants (the machine is shared: interleaving
keeps load changes from favouring one variant). The first repeat warms up and is discarded.

* enas: ``training_update`` (fetch through the channel + signal load) + one weight step, vs classic_mode built
  for the same architecture (target <= 1.3x), with the default synchronous fetch (each update waits for the
  runner's answer) and with ``enas_prefetch`` (the next architecture is requested while this step trains);
  also enas with the signals loaded once, and the bare channel
  round trip (``get_next_parameter`` alone);
* darts: architecture step (validation batch) + weight step, vs one weight step of the full supergraph
  (oneshot_mode with dropout switched off: every op, summed);
* oneshot: one weight step with path dropout, vs the same full supergraph.

Every variant's session gets the same thread pools (``--intra-threads`` / ``--inter-threads``, default 2 each:
the machine's cores; 0 leaves TensorFlow's default).

Usage: python benchmarks/bench_tf_modes.py [--steps 100] [--repeats 7] [--batch-size 64] [--seed 0]
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
MODES = ("classic_mode", "enas_mode", "oneshot_mode", "darts_mode")
ENAS_SYNC = "enas (channel fetch + load per step)"  # the default
ENAS_PREFETCH = "enas (enas_prefetch: fetch overlaps the step)"  # nasModeArgs enas_prefetch: true


class FixedArchitectureTuner:
    """Proposes the architecture in ``architecture_file`` for every request (loaded by the runner)."""

    def __init__(self, architecture_file: str) -> None:
        self.architecture = json.loads(Path(architecture_file).read_text())

    def update_search_space(self, search_space: Any) -> None:
        pass

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        return self.architecture

    def receive_trial_result(self, parameter_id: int, parameters: Any, value: Any, **kwargs: Any) -> None:
        pass


def compile_modes(out: Path) -> None:
    for mode in MODES:
        args = ["annotate", str(EXAMPLE), "-o", str(out / mode), "--nas-mode", mode]
        if mode == "classic_mode":
            args += ["--search-space", str(out / "space.json")]
        subprocess.run([sys.executable, "-c", CLI, *args], check=True, capture_output=True)


def _load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def trial(work: Path, steps: int, repeats: int, batch_size: int,
          threads: tuple[int, int], no_spin: bool) -> dict[str, list[float]]:
    """The measurements (run inside the experiment's trial: ``$NASTUNE_CHANNEL`` is set)."""
    import numpy as np
    import tensorflow
    import tensorflow.compat.v1 as tf

    import trial_runtime as nni
    from trial_runtime import _params
    from trial_runtime import tensorflow as tf_modes
    from trial_runtime.datasets import load

    tf.disable_eager_execution()
    x_train, y_train, _, _ = load()
    rng = np.random.default_rng(0)
    batches = [rng.choice(len(x_train), batch_size) for _ in range(steps)]
    modules = {mode: _load_module(work / mode / "mnist_nas.py", f"mnist_nas_{mode}") for mode in MODES}

    update_time = [0.0]  # seconds spent in enas' per-step training_update during the current pass

    def session(mode: str) -> tuple[Any, Any]:
        graph = tf.Graph()
        with graph.as_default():
            x, labels, loss, _ = modules[mode].build(x_train.shape[1:])
            train = tf.train.AdamOptimizer(0.01).minimize(loss)
            # the same thread pools for every variant (0 = TensorFlow's default, the number of cores)
            config = tf.ConfigProto(intra_op_parallelism_threads=threads[0],
                                    inter_op_parallelism_threads=threads[1])
            config.experimental.disable_thread_spinning = no_spin
            sess = tf.Session(graph=graph, config=config)
            sess.run(tf.global_variables_initializer())

        def step(b: Any, update: bool = False, arch_step: bool = False, prefetch: bool = False) -> None:
            feed = {x: x_train[b], labels: y_train[b]}
            if update:
                tf_modes.configure(enas_prefetch=prefetch)  # which variant: not part of the timed update
                start = time.perf_counter()
                nni.training_update(mode, tf=tf, session=sess)
                update_time[0] += time.perf_counter() - start
            if arch_step:
                nni.training_update(mode, tf=tf, session=sess, loss=loss, feed_dict=feed)
            sess.run(train, feed)
        return sess, step

    classic = session("classic_mode")[1]  # classic_mode reads the trial's first architecture (the channel)
    enas = session("enas_mode")[1]
    once_sess, enas_once = session("enas_mode")
    nni.training_update("enas_mode", tf=tf, session=once_sess)  # loads the current architecture, no fetch
    full_sess, full = session("oneshot_mode")
    tf_modes.oneshot_evaluate(tensorflow, full_sess)
    oneshot = session("oneshot_mode")[1]
    darts = session("darts_mode")[1]

    def fetch_only(b: Any) -> None:
        # (the next enas pass then loads this architecture on its first step without a fetch: 1 step in 100)
        _params.fetch_next()

    variants = {
        "classic (chosen arch)": classic,
        ENAS_SYNC: lambda b: enas(b, update=True),
        ENAS_PREFETCH: lambda b: enas(b, update=True, prefetch=True),
        "enas (same arch, signals loaded once)": enas_once,
        "channel round trip alone (get_next_parameter)": fetch_only,
        "full supergraph": full,
        "oneshot (path dropout)": oneshot,
        "darts (arch step + weight step)": lambda b: darts(b, arch_step=True),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for repeat in range(repeats + 1):
        for name, step in variants.items():
            update_time[0] = 0.0
            start = time.perf_counter()
            for b in batches:
                step(b)
            if repeat:  # the first pass warms up
                times[name].append((time.perf_counter() - start) / steps * 1000)
                if update_time[0]:
                    part = "prefetch" if name == ENAS_PREFETCH else "default"
                    times.setdefault(f"  of which training_update ({part})", []).append(
                        update_time[0] / steps * 1000)
    return times


def run_experiment(work: Path, args: argparse.Namespace) -> dict[str, list[float]]:
    """Run :func:`trial` as the single trial of a multi-phase experiment; return its timings."""
    from nastuners.space import load_space

    space = load_space(work / "space.json")
    (work / "arch.json").write_text(json.dumps(space.decode(space.sample(random.Random(args.seed)))))
    command = (f"{sys.executable} {Path(__file__).resolve()} --trial {work} --steps {args.steps} "
               f"--repeats {args.repeats} --batch-size {args.batch_size} "
               f"--intra-threads {args.intra_threads} --inter-threads {args.inter_threads}"
               f"{' --no-thread-spinning' if args.no_thread_spinning else ''}")
    config = {
        "experimentName": "bench_tf_modes", "trialConcurrency": 1, "maxTrialNum": 1,
        "maxExecDuration": "60m", "trainingServicePlatform": "local", "multiPhase": True,
        "searchSpacePath": str(work / "space.json"), "useAnnotation": False,
        "tuner": {"codeDir": str(Path(__file__).resolve().parent), "classFileName": Path(__file__).name,
                  "className": "FixedArchitectureTuner",
                  "classArgs": {"architecture_file": str(work / "arch.json")}},
        "trial": {"command": command, "codeDir": str(work)},
    }
    (work / "config.yml").write_text(json.dumps(config))  # JSON is YAML
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    command = [sys.executable, "-c", CLI, "run", str(work / "config.yml"),
               "--experiment-dir", str(work / "exp"), "--quiet"]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    results = work / "results.json"
    if proc.returncode != 0 or not results.exists():
        stderr = sorted((work / "exp").glob("trials/*/stderr"))
        tail = stderr[0].read_text()[-3000:] if stderr else ""
        msg = f"the benchmark experiment failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}\n{tail}"
        raise SystemExit(msg)
    return json.loads(results.read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampled architecture")
    parser.add_argument("--intra-threads", type=int, default=2, help="intra-op threads (0: TF's)")
    parser.add_argument("--inter-threads", type=int, default=2, help="inter-op threads (0: TF's)")
    parser.add_argument("--no-thread-spinning", action="store_true",
                        help="ConfigProto.experimental.disable_thread_spinning, every variant")
    parser.add_argument("--trial", type=Path, help=argparse.SUPPRESS)  # inside the experiment
    args = parser.parse_args()
    if args.trial:
        times = trial(args.trial, args.steps, args.repeats, args.batch_size,
                      (args.intra_threads, args.inter_threads), args.no_thread_spinning)
        (args.trial / "results.json").write_text(json.dumps(times))
        import trial_runtime as nni

        nni.report_final_result(0.0)  # a trial with a result: the experiment succeeds
        return
    work = Path(tempfile.mkdtemp(prefix="bench_tf_"))
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    compile_modes(work)
    times = run_experiment(work, args)
    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"architecture: {(work / 'arch.json').read_text()}")
    print(f"steps={args.steps} repeats={args.repeats} batch={args.batch_size} "
          f"threads intra={args.intra_threads} inter={args.inter_threads} no_spin={args.no_thread_spinning}; "
          f"median ms/step (nastune run); "
          f"load average before/after: "
          f"{load_before} / {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for name, value in med.items():
        print(f"  {name:48s} {value:8.3f}   (runs: {', '.join(f'{t:.2f}' for t in times[name])})")
    classic, full = med["classic (chosen arch)"], med["full supergraph"]
    enas, sync = med[ENAS_PREFETCH], med[ENAS_SYNC]
    once = med["enas (same arch, signals loaded once)"]
    print(f"enas (channel, per step) / classic = {sync / classic:.2f}x")
    print(f"enas (enas_prefetch) / classic     = {enas / classic:.2f}x")
    print(f"enas (loaded once) / classic       = {once / classic:.2f}x")
    print(f"oneshot / supergraph               = {med['oneshot (path dropout)'] / full:.2f}x")
    print(f"darts / supergraph                 = {med['darts (arch step + weight step)'] / full:.2f}x")


if __name__ == "__main__":
    main()
