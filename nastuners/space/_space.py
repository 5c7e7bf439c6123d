"""``SearchSpace``: a parsed, validated mutable_layer space and its encoding as categorical decisions."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from itertools import product
from math import prod
from pathlib import Path
from typing import Any

from ..exceptions import SearchSpaceError
from . import _choice
from ._combinatorics import count_subsets, rank_subset, unrank_subset
from ._converted import decode_converted_layer
from ._model import Block, ChoiceParam, Decision, Layer
from ._parse import parse_space

Vector = tuple[int, ...]


def _inputs_decision(layer: Layer) -> Decision:
    n = len(layer.optional_inputs)
    counts = tuple(range(layer.size_lo, layer.size_hi + 1))
    offsets = []
    total = 0
    for c in counts:
        offsets.append(total)
        total += count_subsets(n, c)
    return Decision("inputs", total, layer=layer, counts=counts, offsets=tuple(offsets))


class SearchSpace:
    """A search space: ``mutable_layer`` blocks and ``choice`` entries, encoded as a sequence of decisions.

    Build one with :meth:`from_json` or :func:`load_space`. A choice document (native format) maps to an
    integer vector (one category per decision) with :meth:`encode` and back with :meth:`decode`.
    """

    def __init__(self, entries: list[Block | ChoiceParam], source: str | None = None) -> None:
        self.entries = tuple(entries)
        self.source = source
        self.blocks = tuple(e for e in entries if isinstance(e, Block))
        self.params = tuple(e for e in entries if isinstance(e, ChoiceParam))
        self.layers = tuple(layer for b in self.blocks for layer in b.layers)
        decisions: list[Decision] = []
        for entry in entries:
            if isinstance(entry, ChoiceParam):
                decisions.append(Decision("choice", len(entry.options), param=entry))
                continue
            for layer in entry.layers:
                decisions.append(Decision("op", len(layer.layer_choice), layer=layer))
                if layer.optional_inputs:
                    decisions.append(_inputs_decision(layer))
        self.decisions = tuple(decisions)
        self.cardinality: int = prod(d.n for d in self.decisions)
        self._sizes = tuple(d.n for d in self.decisions)

    # -- construction ----------------------------------------------------------------------------------
    @classmethod
    def from_json(cls, doc: Any, *, source: str | None = None) -> SearchSpace:
        """Parse and validate a search-space document; raise ``SearchSpaceError`` listing every problem."""
        if isinstance(doc, SearchSpace):
            return doc
        entries, issues = parse_space(doc)
        if issues:
            raise SearchSpaceError(issues, source=source)
        return cls(entries, source)

    def to_json(self) -> dict[str, Any]:
        """The wrapped JSON form (what NNI's compiler emits)."""
        out: dict[str, Any] = {}
        for entry in self.entries:
            if isinstance(entry, ChoiceParam):
                out[entry.key] = {"_type": "choice", "_value": list(entry.options)}
            else:
                out[entry.key] = {"_type": "mutable_layer", "_value": {
                    layer.name: {"layer_choice": list(layer.layer_choice),
                                 "optional_inputs": list(layer.optional_inputs),
                                 "optional_input_size": layer.size_json if layer.optional_inputs else 0}
                    for layer in entry.layers}}
        return out

    def __repr__(self) -> str:
        return (f"SearchSpace(blocks={len(self.blocks)}, layers={len(self.layers)}, "
                f"decisions={len(self.decisions)}, cardinality={self.cardinality})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_json(), sort_keys=True))

    # -- input subsets ---------------------------------------------------------------------------------
    def input_subset(self, decision_index: int, category: int) -> tuple[int, ...]:
        """Indices (declaration order, sorted) of the optional inputs that ``category`` stands for."""
        d = self.decisions[decision_index]
        if d.kind != "inputs":
            msg = f"decision {decision_index} ({d.label}) is not an inputs decision"
            raise ValueError(msg)
        return _subset(d, category)

    def input_category(self, decision_index: int, indices: tuple[int, ...] | list[int]) -> int:
        """Category of the inputs decision ``decision_index`` for the given input indices (any order)."""
        d = self.decisions[decision_index]
        return _category(d, tuple(sorted(indices)))

    # -- encoding --------------------------------------------------------------------------------------
    def decode(self, vector: Vector | list[int]) -> dict[str, Any]:
        """The native choice document of ``vector`` (inputs in declaration order)."""
        if len(vector) != len(self.decisions):
            msg = f"vector has {len(vector)} entries, the space has {len(self.decisions)} decisions"
            raise ValueError(msg)
        doc: dict[str, Any] = {}
        i = 0
        for entry in self.entries:
            if isinstance(entry, ChoiceParam):
                doc[entry.key] = entry.options[vector[i]]
                i += 1
                continue
            block: dict[str, Any] = {}
            for layer in entry.layers:
                chosen = layer.layer_choice[vector[i]]
                i += 1
                names: list[str] = []
                if layer.optional_inputs:
                    names = [layer.optional_inputs[j] for j in _subset(self.decisions[i], vector[i])]
                    i += 1
                block[layer.name] = {"chosen_layer": chosen, "chosen_inputs": names}
            doc[entry.key] = block
        return doc

    def encode(self, doc: Mapping[str, Any]) -> Vector:
        """The vector of a native choice document; raises ``ChoiceError`` when it does not fit."""
        return _choice.encode(self, doc)

    def validate_choice(self, doc: Any, *, source: str | None = None) -> None:
        """Check a (possibly foreign) choice document; NNI-legal repeated inputs are accepted."""
        _choice.validate(self, doc, source=source)

    def canonical_key(self, doc: Mapping[str, Any]) -> str:
        """An order-independent key of a choice document (JSON key order and input order do not matter)."""
        return self.vector_key(self.encode(doc))

    def vector_key(self, vector: Vector) -> str:
        """The canonical key of an encoded vector (same string as :meth:`canonical_key` of its document)."""
        return json.dumps(self.decode(vector), sort_keys=True, separators=(",", ":"))

    def from_converted(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Decode NNI's flattened hyperopt format (``_mutable_layer/<block>/<layer>/...``) to a native document."""
        doc: dict[str, Any] = {}
        for entry in self.entries:
            if isinstance(entry, ChoiceParam):
                if entry.key in params:
                    doc[entry.key] = params[entry.key]
                continue
            doc[entry.key] = {}
            for layer in entry.layers:
                chosen, inputs = decode_converted_layer(params, entry.key, layer.name, layer.optional_inputs)
                doc[entry.key][layer.name] = {"chosen_layer": chosen, "chosen_inputs": inputs}
        return doc

    # -- sampling, enumeration, neighbours -------------------------------------------------------------
    def sample(self, rng: random.Random) -> Vector:
        """A random vector: uniform over each op, each input count, the subsets of that count, each choice."""
        out = []
        for d in self.decisions:
            if d.kind == "inputs":
                k = rng.randrange(len(d.counts))
                size = d.n - d.offsets[k] if k + 1 == len(d.counts) else d.offsets[k + 1] - d.offsets[k]
                out.append(d.offsets[k] + rng.randrange(size))
            else:
                out.append(rng.randrange(d.n))
        return tuple(out)

    def enumerate(self) -> Iterator[Vector]:
        """Every vector, in lexicographic order (only sensible for small spaces)."""
        return product(*(range(n) for n in self._sizes))

    def index(self, vector: Vector) -> int:
        """Mixed-radix rank of ``vector`` in ``range(cardinality)`` (the position in :meth:`enumerate`)."""
        idx = 0
        for v, n in zip(vector, self._sizes):
            idx = idx * n + v
        return idx

    def unindex(self, idx: int) -> Vector:
        """Inverse of :meth:`index`."""
        out = []
        for n in reversed(self._sizes):
            idx, v = divmod(idx, n)
            out.append(v)
        return tuple(reversed(out))

    def neighbours(self, vector: Vector) -> list[Vector]:
        """Vectors that differ in one decision: another op or option; one input added, dropped or swapped."""
        result: list[Vector] = []
        for i, d in enumerate(self.decisions):
            if d.kind != "inputs":
                result.extend(vector[:i] + (v,) + vector[i + 1:] for v in range(d.n) if v != vector[i])
                continue
            cats = {_category(d, s) for s in _input_moves(d, _subset(d, vector[i]))}
            cats.discard(vector[i])
            result.extend(vector[:i] + (c,) + vector[i + 1:] for c in sorted(cats))
        return result


def _subset(d: Decision, category: int) -> tuple[int, ...]:
    if not 0 <= category < d.n:
        msg = f"category {category} out of range for {d.label} ({d.n} categories)"
        raise ValueError(msg)
    k = len(d.offsets) - 1
    while d.offsets[k] > category:
        k -= 1
    assert d.layer is not None
    return unrank_subset(category - d.offsets[k], len(d.layer.optional_inputs), d.counts[k])


def _category(d: Decision, indices: tuple[int, ...]) -> int:
    assert d.layer is not None
    c = len(indices)
    if c not in d.counts:
        msg = f"{d.label}: {c} inputs chosen, allowed counts are {list(d.counts)}"
        raise ValueError(msg)
    return d.offsets[d.counts.index(c)] + rank_subset(indices, len(d.layer.optional_inputs))


def _input_moves(d: Decision, current: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    assert d.layer is not None
    n = len(d.layer.optional_inputs)
    lo, hi = d.counts[0], d.counts[-1]
    multiset = len(current) >= n
    present = set(current)
    addable = range(n) if multiset else [j for j in range(n) if j not in present]
    if len(current) + 1 <= hi:
        for j in addable:
            yield tuple(sorted((*current, j)))
    if len(current) - 1 >= lo:
        for pos in range(len(current)):
            yield current[:pos] + current[pos + 1:]
    for pos in range(len(current)):
        for j in range(n):
            if j != current[pos] and (multiset or j not in present):
                yield tuple(sorted((*current[:pos], *current[pos + 1:], j)))


def load_space(path: str | Path) -> SearchSpace:
    """Read and validate a search-space JSON file; errors name the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        from ..exceptions import Issue

        raise SearchSpaceError([Issue("$", f"cannot read file: {exc.strerror}")], source=str(p)) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        from ..exceptions import Issue

        raise SearchSpaceError([Issue("$", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")],
                               source=str(p)) from None
    return SearchSpace.from_json(doc, source=str(p))
