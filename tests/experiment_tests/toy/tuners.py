"""Tuner classes loaded from a file (NNI's codeDir/classFileName/className), duck-typed (no base class).

``SweepTuner`` walks the 9 architectures of toy/search_space.json in a fixed order, skipping imported ones; it
has no ``state_dict``, so resume goes through ``import_data``. ``CycleTuner`` never runs out (multi-phase).
"""

import itertools

OPS = ["add(k=1)", "add(k=2)", "mul(k=3)"]
INPUTS = [[], ["a"], ["b"]]
KEY = "toy/mutable_block_1"


class NoMoreTrialError(Exception):
    """Named like NNI's: the runner treats it as exhaustion."""


def arch(i):
    op, inputs = list(itertools.product(OPS, INPUTS))[i % 9]
    return {KEY: {"mutable_layer_0": {"chosen_layer": op, "chosen_inputs": list(inputs)}}}


class SweepTuner:
    def __init__(self, optimize_mode="maximize"):
        self.seen = []
        self.results = {}

    def update_search_space(self, search_space):
        assert KEY in search_space

    def generate_parameters(self, parameter_id, **kwargs):
        for i in range(9):
            if arch(i) not in self.seen:
                self.seen.append(arch(i))
                return arch(i)
        raise NoMoreTrialError("sweep done")

    def receive_trial_result(self, parameter_id, parameters, value, **kwargs):
        self.results[parameter_id] = value

    def import_data(self, data):
        self.seen.extend(rec["parameter"] for rec in data)


class CycleTuner(SweepTuner):
    def generate_parameters(self, parameter_id, **kwargs):
        return arch(parameter_id)


class LogTuner(CycleTuner):
    """``CycleTuner`` that appends every verb the runner calls, as a JSON line, to the file ``log``."""

    def __init__(self, log, optimize_mode="maximize"):
        super().__init__(optimize_mode)
        self.log = log

    def _write(self, *call):
        import json

        with open(self.log, "a") as fh:
            fh.write(json.dumps(list(call)) + "\n")

    def generate_parameters(self, parameter_id, **kwargs):
        self._write("generate", parameter_id)
        return super().generate_parameters(parameter_id, **kwargs)

    def receive_trial_result(self, parameter_id, parameters, value, **kwargs):
        self._write("receive", parameter_id, value)

    def trial_end(self, parameter_id, success, interrupted=False):
        self._write("end", parameter_id, success, interrupted)
