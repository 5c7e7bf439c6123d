"""Toy trial: its final result is a known function of the chosen op and inputs.

Behaviour by sequence id (argv): ``--crash N`` exits 3, ``--hang N`` sleeps forever, ``--silent N`` exits 0
without a final result, ``--phases K`` fetches K architectures (multi-phase) and reports the last one.
"""

import argparse
import time

import trial_runtime as nni

OPS = {"add(k=1)": 1.0, "add(k=2)": 2.0, "mul(k=3)": 3.0}


def score(params):
    layer = params["toy/mutable_block_1"]["mutable_layer_0"]
    return OPS[layer["chosen_layer"]] + 0.1 * len(layer["chosen_inputs"])


parser = argparse.ArgumentParser()
parser.add_argument("--crash", type=int, action="append", default=[])
parser.add_argument("--hang", type=int, action="append", default=[])
parser.add_argument("--silent", type=int, action="append", default=[])
parser.add_argument("--phases", type=int, default=1)
args = parser.parse_args()
seq = nni.get_sequence_id()
params = nni.get_next_parameter()
for _ in range(args.phases - 1):
    params = nni.get_next_parameter()
nni.report_intermediate_result(score(params) / 2)
if seq in args.crash:
    raise SystemExit("toy trial: crashing on purpose")
if seq in args.hang:
    time.sleep(3600)
if seq not in args.silent:
    nni.report_final_result(score(params))
