"""Where a multi-phase fetch's time goes: after a training step vs back to back (issue 8).

A real ``nastune run`` experiment (multi-phase, the random tuner on a 3 x 20 choice space, one trial). The
trial alternates a TF1 training step (six 256x256 matmul layers, two threads, batch ``--batch-size``) with a
fetch of the next parameter ("in loop"), then fetches back to back; each pass ``--steps`` long, ``--repeats``
passes of each. Timestamps (``time.perf_counter_ns``: CLOCK_MONOTONIC, comparable across processes) are taken
in the trial (step end, request sent, answer back) and in the runner (request read, answer written): the
runner is started by this script with its channel's read handler and ``Connection.release`` wrapped, so the
numbers come from the same code path as any experiment. Medians per segment, in µs:

    .venv/bin/python benchmarks/bench_channel_loop.py --batch-size 64     # and 512

Segments: ``trial`` (step end to request sent: the trial's Python), ``to runner`` (sent to the runner's read
handler: kernel + runner wake-up), ``runner`` (read to answer written: dispatch, supersession, tuner, the
deferred row), ``write`` (the answer's ``sendall``), ``back`` (answer written to the trial's fetch returning:
trial wake-up + decoding).
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SPACE = {key: {"_type": "choice", "_value": list(range(20))} for key in "abc"}  # 8000 parameters


def trial(work: Path, steps: int, repeats: int, batch_size: int) -> None:
    """Inside the experiment's trial: alternate steps and fetches, then fetch back to back."""
    import numpy as np
    import tensorflow.compat.v1 as tf

    import trial_runtime as nni
    import trial_runtime.channel as channel
    from trial_runtime import _params

    sent: list[int] = []
    send_frame = channel.send_frame

    def timed_send(sock: Any, message: dict[str, Any]) -> None:
        sent.append(time.perf_counter_ns())
        send_frame(sock, message)

    channel.send_frame = timed_send  # ChannelPlatform._call looks it up at call time
    tf.disable_eager_execution()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 256])
        h = x
        for _ in range(6):
            h = tf.nn.relu(tf.matmul(h, tf.Variable(tf.random.normal([256, 256]) * 0.05)))
        train = tf.train.GradientDescentOptimizer(0.01).minimize(tf.reduce_mean(h))
        config = tf.ConfigProto(intra_op_parallelism_threads=2, inter_op_parallelism_threads=2)
        sess = tf.Session(graph=graph, config=config)
        sess.run(tf.global_variables_initializer())
    feed = {x: np.random.default_rng(0).random((batch_size, 256), dtype=np.float32)}
    nni.get_next_parameter()
    out: dict[str, list[Any]] = {"loop": [], "b2b": [], "step": []}
    for _ in range(repeats):
        for _ in range(steps):
            start = time.perf_counter_ns()
            sess.run(train, feed)
            end = time.perf_counter_ns()
            _params.fetch_next()
            out["step"].append(end - start)
            out["loop"].append((end, time.perf_counter_ns()))
        for _ in range(steps):
            start = time.perf_counter_ns()
            _params.fetch_next()
            out["b2b"].append((start, time.perf_counter_ns()))
    out["sent"] = sent
    (work / "trial.json").write_text(json.dumps(out))
    nni.report_final_result(0.0)


def runner(work: Path) -> None:
    """The experiment's runner (``nastune run``), its channel instrumented."""
    from nastuners.cli.main import main
    from nastuners.experiment import channel

    log: list[tuple[str, int]] = []
    readable, release = channel.ChannelServer._readable, channel.Connection.release

    def timed_readable(self: Any, conn: Any) -> None:
        log.append(("read", time.perf_counter_ns()))
        readable(self, conn)

    def timed_release(self: Any) -> None:
        log.append(("write", time.perf_counter_ns()))
        release(self)
        log.append(("written", time.perf_counter_ns()))

    channel.ChannelServer._readable = timed_readable  # type: ignore[method-assign]
    channel.Connection.release = timed_release  # type: ignore[method-assign]
    try:
        code = main(["run", str(work / "config.yml"), "--experiment-dir", str(work / "exp"), "--quiet"])
    finally:
        (work / "runner.json").write_text(json.dumps(log))
    raise SystemExit(code)


def segments(pairs: list[list[int]], sent: list[int], log: list[list[Any]]) -> list[float]:
    """Median µs of (trial, to runner, runner, write, back, total) over the fetches ``(start, end)``."""
    stamps: dict[str, list[int]] = {}
    for kind, ts in log:
        stamps.setdefault(kind, []).append(ts)

    def first(kind: str, after: int) -> int:
        values = stamps[kind]
        i = bisect.bisect_left(values, after)
        return values[i] if i < len(values) else 1 << 62

    rows = []
    for start, end in pairs:
        send = sent[bisect.bisect_left(sent, start)]
        read = first("read", send)
        write = first("write", read)
        written = first("written", write)
        if written > end:  # not this fetch's answer (should not happen)
            continue
        rows.append((send - start, read - send, write - read, written - write, end - written, end - start))
    return [statistics.median(column) / 1000 for column in zip(*rows)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--trial", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--runner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trial:
        trial(args.trial, args.steps, args.repeats, args.batch_size)
        return
    if args.runner:
        runner(args.runner)
        return
    work = Path(tempfile.mkdtemp(prefix="bench_channel_"))
    (work / "space.json").write_text(json.dumps(SPACE))
    script = Path(__file__).resolve()
    config = {
        "experimentName": "bench_channel_loop", "trialConcurrency": 1, "maxTrialNum": 1,
        "maxExecDuration": "30m", "trainingServicePlatform": "local", "multiPhase": True,
        "searchSpacePath": str(work / "space.json"), "useAnnotation": False,
        "tuner": {"builtinTunerName": "random", "classArgs": {"seed": 0}},
        "trial": {"command": f"{sys.executable} {script} --trial {work} --steps {args.steps} "
                             f"--repeats {args.repeats} --batch-size {args.batch_size}",
                  "codeDir": str(work)},
    }
    (work / "config.yml").write_text(json.dumps(config))  # JSON is YAML
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, str(script), "--runner", str(work)], env=env, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0 or not (work / "trial.json").exists():
        msg = f"the benchmark experiment failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        raise SystemExit(msg)
    out = json.loads((work / "trial.json").read_text())
    log = json.loads((work / "runner.json").read_text())
    print(f"batch {args.batch_size}: TF step median {statistics.median(out['step']) / 1000:.0f} µs; "
          f"{os.cpu_count()} CPUs; median µs per segment")
    heads = ("trial", "to runner", "runner", "write", "back", "total")
    print(f"  {'':16s} " + " ".join(f"{h:>{max(6, len(h))}s}" for h in heads))
    for name, label in (("loop", "after a step"), ("b2b", "back to back")):
        values = segments(out[name], out["sent"], log)
        print(f"  {label:16s} " + " ".join(f"{v:{w}.0f}" for v, w in zip(values, (6, 9, 6, 6, 6, 6))))


if __name__ == "__main__":
    main()
