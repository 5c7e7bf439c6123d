"""enas-style multi-phase toy trial: a fresh architecture per "minibatch", its score as intermediate result.

``--steps N`` minibatches; ``--skip K`` (repeatable): no intermediate result at step K. Before each fetch it
remembers the current parameter; after the runner's next answer (the runner answers a fetch first and commits
right after, before it handles the next request) it checks in the experiment database (read-only) that the
superseded parameter's derived final result is committed. The final result belongs to the last architecture.
"""

import argparse
import json
import os
import sqlite3
from pathlib import Path

import trial_runtime as nni
from trial_runtime import _params

OPS = {"add(k=1)": 1.0, "add(k=2)": 2.0, "mul(k=3)": 3.0}


def score(params):
    layer = params["toy/mutable_block_1"]["mutable_layer_0"]
    return OPS[layer["chosen_layer"]] + 0.1 * len(layer["chosen_inputs"])


def committed_final(pid):
    db = Path(os.environ["NASTUNE_TRIAL_DIR"]).parent.parent / "experiment.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        sql = "SELECT value FROM metrics WHERE parameter_id=? AND kind='final'"
        rows = con.execute(sql, (pid,)).fetchall()
    return [json.loads(v) for (v,) in rows]


parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=4)
parser.add_argument("--skip", type=int, action="append", default=[])
parser.add_argument("--final-offset", type=float, default=10.0, help="added to the trial's own final result")
args = parser.parse_args()


def check(pending):
    """Called after a later answer than the fetch that superseded the parameter."""
    for previous, expected in pending:
        if committed_final(previous) != expected:
            raise SystemExit(f"parameter {previous}: final {committed_final(previous)}, expected {expected}")
    pending.clear()


pending = []
params = last = nni.get_next_parameter()
for step in range(args.steps):
    if step:
        previous, reported = _params.current_parameter_id(), step - 1 not in args.skip
        params = nni.get_next_parameter()
        check(pending)  # the supersessions of earlier fetches
        pending.append((previous, [score(last)] if reported else []))
    last = params
    if step not in args.skip:
        nni.report_intermediate_result(score(params))
        check(pending)
nni.report_final_result(score(params) + args.final_offset)  # told apart from the minibatch results
check(pending)
