"""numpy stand-ins for the design document's ops: deterministic, shape-preserving, and traced.

Every op takes NNI's ``inputs = [fixed_inputs, chosen_inputs]`` and records one entry in ``TRACE`` (op name,
how many fixed and chosen inputs it got, its keyword arguments), which the trials print at the end.
"""

from __future__ import annotations

import json

import numpy as np

WIDTH = 8
TRACE: list[dict] = []


def _merge(inputs: list) -> np.ndarray:
    tensors = [*inputs[0], *inputs[1]]
    return np.mean(tensors, axis=0) if tensors else np.zeros((2, WIDTH))


def _record(name: str, inputs: list, **kwargs: object) -> None:
    TRACE.append({"op": name, "fixed": len(inputs[0]), "chosen": len(inputs[1]), **kwargs})


def conv(inputs: list, ch: int = 16, size: int = 3) -> np.ndarray:
    _record("conv", inputs, ch=ch, size=size)
    weights = np.eye(WIDTH) * (ch / 16.0) / size
    return np.maximum(_merge(inputs) @ weights, 0.0)


def sep_conv(inputs: list, size: int = 3) -> np.ndarray:
    _record("sep_conv", inputs, size=size)
    return np.tanh(_merge(inputs) / size)


def max_pool(inputs: list) -> np.ndarray:
    _record("max_pool", inputs)
    x = _merge(inputs)
    return np.maximum(x, np.roll(x, 1, axis=-1))


def avg_pool(inputs: list) -> np.ndarray:
    _record("avg_pool", inputs)
    x = _merge(inputs)
    return (x + np.roll(x, 1, axis=-1)) / 2


def identity(inputs: list) -> np.ndarray:
    _record("identity", inputs)
    return _merge(inputs)


def concat(inputs: list) -> np.ndarray:
    """Sum of all inputs (a shape-preserving stand-in for channel concatenation)."""
    _record("concat", inputs)
    return np.sum([*inputs[0], *inputs[1]], axis=0)


def dump_trace() -> None:
    print("TRACE " + json.dumps(TRACE))
