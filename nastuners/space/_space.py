"""``SearchSpace``: a parsed, validated mutable_layer space and its encoding as categorical decisions."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from itertools import product
from math import prod
from operator import index as _as_int
from typing import Any

from ..exceptions import ChoiceError, Issue, SearchSpaceError
from . import _choice, _inputs
from ._converted import decode_converted_layer
from ._model import Block, ChoiceParam, Decision, Layer
from ._parse import parse_space, show

Vector = tuple[int, ...]


def _size_json(layer: Layer) -> int | list[int]:
    if not layer.optional_inputs:
        return 0
    return layer.size_json if isinstance(layer.size_json, int) else list(layer.size_json)


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
                    decisions.append(_inputs.inputs_decision(layer))
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
                                 "optional_input_size": _size_json(layer)}
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
        return _inputs.subset(self.decisions[decision_index], category)

    def input_category(self, decision_index: int, indices: tuple[int, ...] | list[int]) -> int:
        """Category of the inputs decision ``decision_index`` for the given input indices (any order)."""
        return _inputs.category(self.decisions[decision_index], indices)

    def input_neighbours(self, decision_index: int, category: int) -> list[int]:
        """Categories one input away from ``category`` (one added, dropped or swapped), sorted, not itself.

        The moves :meth:`neighbours` makes for an inputs decision; a count ``<= n`` never gets repeats.
        """
        return _inputs.neighbour_categories(self.decisions[decision_index], category)

    # -- encoding --------------------------------------------------------------------------------------
    def check_vector(self, vector: Vector | list[int]) -> Vector:
        """``vector`` as a tuple of ints; ``ValueError`` naming the decision when it does not fit."""
        if len(vector) != len(self._sizes):
            msg = (f"vector has {len(vector)} entries, the space has {len(self._sizes)} decisions; "
                   "encode a choice document with space.encode(doc)")
            raise ValueError(msg)
        for v, n in zip(vector, self._sizes):  # lengths checked above; fast path: plain ints
            if v.__class__ is not int or not 0 <= v < n:
                break
        else:
            return vector if vector.__class__ is tuple else tuple(vector)
        out = tuple(_as_int(v) for v in vector)  # numpy ints and the like; TypeError for floats
        for i, (v, n) in enumerate(zip(out, self._sizes, strict=True)):
            if not 0 <= v < n:
                msg = (f"vector[{i}] = {v} is out of range for {self.decisions[i].label}: "
                       f"expected 0 <= v < {n}")
                raise ValueError(msg)
        return out

    def decode(self, vector: Vector | list[int]) -> dict[str, Any]:
        """The native choice document of ``vector`` (inputs in declaration order)."""
        vector = self.check_vector(vector)
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
                    names = [layer.optional_inputs[j] for j in _inputs.subset(self.decisions[i], vector[i])]
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
        """Decode NNI's flattened hyperopt format (``_mutable_layer/<block>/<layer>/...``) to a native doc.

        Raises ``ChoiceError`` listing every missing or undecodable parameter, or when the decoded document
        does not fit the space (repeated inputs, which NNI produced, are accepted).
        """
        doc: dict[str, Any] = {}
        issues: list[Issue] = []
        for entry in self.entries:
            if isinstance(entry, ChoiceParam):
                if entry.key in params:
                    doc[entry.key] = params[entry.key]
                else:
                    issues.append(Issue(f"$[{json.dumps(entry.key)}]", f"missing choice entry {entry.key!r}; "
                                        f"add one of the options {show(list(entry.options))}"))
                continue
            doc[entry.key] = {}
            for layer in entry.layers:
                try:
                    chosen, inputs = decode_converted_layer(params, entry.key, layer.name,
                                                            layer.optional_inputs)
                except ChoiceError as exc:
                    issues.extend(exc.issues)
                    continue
                doc[entry.key][layer.name] = {"chosen_layer": chosen, "chosen_inputs": inputs}
        if issues:
            raise ChoiceError(issues)
        self.validate_choice(doc)
        return doc

    # -- sampling, enumeration, neighbours -------------------------------------------------------------
    def sample(self, rng: random.Random) -> Vector:
        """A random vector: uniform over each op, each input count, the subsets of that count, each choice."""
        return tuple(_inputs.sample_category(d, rng) if d.kind == "inputs" else rng.randrange(d.n)
                     for d in self.decisions)

    def enumerate(self) -> Iterator[Vector]:
        """Every vector, in lexicographic order (only sensible for small spaces)."""
        return product(*(range(n) for n in self._sizes))

    def index(self, vector: Vector) -> int:
        """Mixed-radix rank of ``vector`` in ``range(cardinality)`` (the position in :meth:`enumerate`)."""
        idx = 0
        for v, n in zip(self.check_vector(vector), self._sizes, strict=True):
            idx = idx * n + v
        return idx

    def unindex(self, idx: int) -> Vector:
        """Inverse of :meth:`index`."""
        idx = _as_int(idx)
        if not 0 <= idx < self.cardinality:
            msg = f"index {idx} is out of range: expected 0 <= index < cardinality ({self.cardinality})"
            raise ValueError(msg)
        out = []
        for n in reversed(self._sizes):
            idx, v = divmod(idx, n)
            out.append(v)
        return tuple(reversed(out))

    def neighbours(self, vector: Vector) -> list[Vector]:
        """Vectors that differ in one decision: another op or option; one input added, dropped or swapped."""
        vector = self.check_vector(vector)
        result: list[Vector] = []
        for i, d in enumerate(self.decisions):
            if d.kind == "inputs":
                cats: list[int] | range = _inputs.neighbour_categories(d, vector[i])
            else:
                cats = range(d.n)
            result.extend((*vector[:i], c, *vector[i + 1:]) for c in cats if c != vector[i])
        return result
