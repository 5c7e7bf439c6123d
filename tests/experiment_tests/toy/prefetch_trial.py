"""enas-style multi-phase toy trial that fetches like enas_mode's ``training_update``: with prefetch.

``--steps N`` minibatches, each ``fetch_next(prefetch=True)`` (activate the prefetched architecture, ask for
the next one without waiting); ``--skip K`` (repeatable): no intermediate result at step K. Each reported
intermediate result is the architecture's score; the final result (score + 10) belongs to the last one.
"""

import argparse

import trial_runtime as nni
from trial_runtime import _params

OPS = {"add(k=1)": 1.0, "add(k=2)": 2.0, "mul(k=3)": 3.0}


def score(params):
    layer = params["toy/mutable_block_1"]["mutable_layer_0"]
    return OPS[layer["chosen_layer"]] + 0.1 * len(layer["chosen_inputs"])


parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=4)
parser.add_argument("--skip", type=int, action="append", default=[])
args = parser.parse_args()
for step in range(args.steps):
    params = _params.fetch_next(prefetch=True)
    if nni.get_current_parameter() is not params:
        raise SystemExit("fetch_next did not make the fetched architecture current")
    if step not in args.skip:
        nni.report_intermediate_result(score(params))
nni.report_final_result(score(params) + 10)
