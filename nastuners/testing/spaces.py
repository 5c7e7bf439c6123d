"""Search spaces and a deterministic synthetic reward for testing tuners.

Every space here is a plain JSON document (what ``update_search_space`` receives). Together they cover
each size form (exactly ``k``, a ``[lo, hi]`` range, ``0``, ``k`` larger than the number of optional inputs,
no optional inputs at all), ``choice`` entries, several blocks, single-candidate layers, the unwrapped NNI
v0.9 form and a space too large to enumerate.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from ..space import SearchSpace

__all__ = [
    "ASSORTED_SPACES",
    "assorted_spaces",
    "bench_space",
    "huge_space",
    "layer",
    "mutable_block",
    "synthetic_reward",
    "tiny_space",
]


def layer(ops: list[str], inputs: list[str] | None = None, size: int | list[int] = 0) -> dict[str, Any]:
    """One layer entry (``layer_choice``, ``optional_inputs``, ``optional_input_size``)."""
    return {"layer_choice": list(ops), "optional_inputs": list(inputs or []), "optional_input_size": size}


def mutable_block(**layers: dict[str, Any]) -> dict[str, Any]:
    """A wrapped ``{"_type": "mutable_layer", "_value": {...}}`` block from ``name=layer(...)`` pairs."""
    return {"_type": "mutable_layer", "_value": dict(layers)}


def tiny_space() -> dict[str, Any]:
    """Six architectures: 3 ops × (input ``x`` or ``y``), enough to exhaust in a test."""
    return {"tiny/mutable_block_1": mutable_block(
        mutable_layer_0=layer(["conv(k=3)", "conv(k=5)", "pool()"], ["x", "y"], 1))}


def bench_space() -> dict[str, Any]:
    """The 4-layer reference space of nni-compat §12.4: sizes ``0, 1, [0, 1], 1``; 1,944 architectures."""
    ops = ["conv3x3()", "conv5x5()", "sep3x3()", "maxpool()", "avgpool()", "identity()"]
    return {"bench/mutable_block_1": mutable_block(
        mutable_layer_0=layer(ops, ["x"], 0),
        mutable_layer_1=layer(ops, ["x", "h0"], 1),
        mutable_layer_2=layer(ops[:3], ["h0", "h1"], [0, 1]),
        mutable_layer_3=layer(ops[:3], ["h2"], 1),
    )}


def huge_space(layers: int = 40) -> dict[str, Any]:
    """A space far too large to enumerate (about 10**70 architectures with the default 40 layers)."""
    ops = [f"op{i}()" for i in range(8)]
    body = {f"mutable_layer_{i}": layer(ops, [f"h{j}" for j in range(max(i, 1))], [0, min(i, 2)] if i else 0)
            for i in range(layers)}
    return {"huge/mutable_block_1": mutable_block(**body)}


ASSORTED_SPACES: dict[str, dict[str, Any]] = {
    "size_exact_k": {"b/mutable_block_1": mutable_block(
        mutable_layer_0=layer(["a()", "b()"], ["x", "y", "z"], 2))},
    "size_range": {"b/mutable_block_1": mutable_block(
        mutable_layer_0=layer(["a()", "b()", "c()"], ["x", "y", "z", "w"], [1, 3]))},
    "size_zero_range": {"b/mutable_block_1": mutable_block(
        mutable_layer_0=layer(["a()"], ["x", "y"], [0, 1]),
        mutable_layer_1=layer(["a()", "b()"], ["x", "y"], 0))},
    "size_larger_than_inputs": {"b/mutable_block_1": mutable_block(
        mutable_layer_0=layer(["a()", "b()"], ["x", "y"], 3),
        mutable_layer_1=layer(["c()"], ["x"], [1, 2]))},
    "no_optional_inputs": {"b/mutable_block_1": mutable_block(
        mutable_layer_0=layer(["a()", "b()", "c()", "d()"]))},
    "choice_entries": {
        "b/mutable_block_1": mutable_block(mutable_layer_0=layer(["a()", "b()"], ["x"], 1)),
        "mnist/learning_rate": {"_type": "choice", "_value": [0.1, 0.01, 0.001]},
        "mnist/act": {"_type": "choice", "_value": ["relu", "tanh", True, None]},
    },
    "only_choice_entries": {"lr": {"_type": "choice", "_value": [1, 2, 3, 4, 5]}},
    "several_blocks": {
        "m1/mutable_block_10": mutable_block(
            mutable_layer_0=layer(["a()", "b()"], ["x"], 1),
            mutable_layer_1=layer(["a()", "b()", "c()"], ["x", "layer_0_out"], [0, 2])),
        "m2/mutable_block_20": mutable_block(mutable_layer_0=layer(["d()", "e()"], ["y", "z"], 1)),
        "m3/mutable_block_30": {"_type": "choice", "_value": ["p", "q"]},
    },
    "unwrapped_v09": {"old/mutable_block_5": {
        "mutable_layer_0": layer(["a()", "b()"], ["x", "y"], [0, 1]),
        "mutable_layer_1": layer(["c()", "d()"], ["x"], 1)}},
    "bench_4_layer": bench_space(),
    "huge": huge_space(),
}


def assorted_spaces() -> dict[str, dict[str, Any]]:
    """A fresh deep copy of :data:`ASSORTED_SPACES` (name → space JSON); mutate it freely."""
    return copy.deepcopy(ASSORTED_SPACES)


def synthetic_reward(space: Mapping[str, Any] | SearchSpace, seed: int = 0
                     ) -> Callable[[Mapping[str, Any]], float]:
    """A deterministic reward ``f(choice_doc) -> float`` in ``[0, 1]`` for ``space``.

    Additive over decisions (each category of each decision gets a fixed weight drawn from ``seed``), so it
    has structure a learning tuner can exploit, and identical in every process (no use of ``hash()``).
    """
    parsed = SearchSpace.from_json(space)
    n_dec = max(len(parsed.decisions), 1)
    cache: dict[tuple[int, int], float] = {}  # weights drawn lazily: huge decisions cost nothing up front

    def weight(i: int, c: int) -> float:
        if (i, c) not in cache:
            h = hashlib.sha256(f"{seed}/{i}/{c}".encode()).digest()
            cache[(i, c)] = int.from_bytes(h[:8], "big") / 2**64
        return cache[(i, c)]

    def reward(doc: Mapping[str, Any]) -> float:
        vector = parsed.encode(doc)
        return sum(weight(i, c) for i, c in enumerate(vector)) / n_dec

    return reward
