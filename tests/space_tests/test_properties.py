"""Hypothesis properties of parsing, validation and the encoding, checked by brute force where it fits."""

from __future__ import annotations

import random
import warnings
from collections import Counter
from collections.abc import Iterator
from itertools import combinations, combinations_with_replacement
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nastuners.exceptions import ChoiceError, SearchSpaceError
from nastuners.space import Decision, SearchSpace

from .strategies import choice_docs, mutations, small_space_docs, space_docs

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICK = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


@pytest.fixture(autouse=True)
def _no_size_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*exceeds the .* optional inputs")
        warnings.filterwarnings("ignore", message=".*duplicate (layer_choice|optional_inputs) entry")
        yield


def canonical(space: SearchSpace, doc: dict[str, Any]) -> dict[str, Any]:
    """The expected canonical form of a choice: inputs sorted in declaration order."""
    out: dict[str, Any] = {p.key: doc[p.key] for p in space.params}
    for block in space.blocks:
        out[block.key] = {}
        for layer in block.layers:
            chosen = doc[block.key][layer.name]
            inputs = sorted(chosen["chosen_inputs"], key=layer.optional_inputs.index)
            out[block.key][layer.name] = {"chosen_layer": chosen["chosen_layer"], "chosen_inputs": inputs}
    return out


def brute_subsets(n: int, counts: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every category of an inputs decision in rank order, listed by itertools."""
    out: list[tuple[int, ...]] = []
    for c in counts:
        out += combinations(range(n), c) if c <= n else combinations_with_replacement(range(n), c)
    return out


def brute_cardinality(space: SearchSpace) -> int:
    total = 1
    for p in space.params:
        total *= len(p.options)
    for layer in space.layers:
        total *= len(layer.layer_choice)
        if layer.optional_inputs:
            total *= len(
                brute_subsets(len(layer.optional_inputs), tuple(range(layer.size_lo, layer.size_hi + 1)))
            )
    return total


def one_move_apart(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """True when multiset ``b`` is ``a`` with one input added, dropped or swapped."""
    ca, cb = Counter(a), Counter(b)
    removed, added = sum((ca - cb).values()), sum((cb - ca).values())
    return (removed, added) in ((0, 1), (1, 0), (1, 1))


# -- validation never crashes ---------------------------------------------------------------------------
@FAST
@given(space_docs().flatmap(mutations))
def test_mutated_spaces_raise_only_search_space_errors(doc: Any) -> None:
    try:
        space = SearchSpace.from_json(doc)
    except SearchSpaceError as exc:
        assert exc.issues and all(i.path.startswith("$") and i.message for i in exc.issues)
        return
    assert space.cardinality >= 1
    assert SearchSpace.from_json(space.to_json()) == space


@FAST
@given(st.data())
def test_mutated_choices_raise_only_choice_errors(data: st.DataObject) -> None:
    space = SearchSpace.from_json(data.draw(space_docs()))
    doc = data.draw(choice_docs(space).flatmap(mutations))
    for check in (space.validate_choice, space.encode, space.canonical_key):
        try:
            check(doc)
        except ChoiceError as exc:
            assert exc.issues and all(i.path.startswith("$") for i in exc.issues)


@FAST
@given(st.data())
def test_generated_choices_validate(data: st.DataObject) -> None:
    space = SearchSpace.from_json(data.draw(space_docs()))
    space.validate_choice(data.draw(choice_docs(space, repeats=True)))  # NNI-legal repeats, any order


# -- encode / decode ------------------------------------------------------------------------------------
@FAST
@given(st.data())
def test_encode_decode_round_trip(data: st.DataObject) -> None:
    space = SearchSpace.from_json(data.draw(space_docs()))
    doc = data.draw(choice_docs(space, repeats=False))
    vector = space.encode(doc)
    assert len(vector) == len(space.decisions)
    decoded = space.decode(vector)
    assert decoded == canonical(space, doc)
    assert space.encode(decoded) == vector
    assert space.canonical_key(doc) == space.canonical_key(decoded) == space.vector_key(vector)


@FAST
@given(space_docs(), st.randoms(use_true_random=False))
def test_samples_decode_to_valid_distinct_choices(doc: dict[str, Any], rng: random.Random) -> None:
    space = SearchSpace.from_json(doc)
    for _ in range(5):
        vector = space.sample(rng)
        assert space.encode(space.decode(vector)) == vector
        assert space.unindex(space.index(vector)) == vector
        assert 0 <= space.index(vector) < space.cardinality
        choice = space.decode(vector)
        space.validate_choice(choice)
        for layer in space.layers:
            names = choice[layer.block][layer.name]["chosen_inputs"]
            assert layer.size_lo <= len(names) <= layer.size_hi
            positions = [layer.optional_inputs.index(name) for name in names]
            assert positions == sorted(positions)  # declaration order
            if len(names) <= len(layer.optional_inputs):
                assert len(set(names)) == len(names)


@QUICK
@given(small_space_docs())
def test_cardinality_equals_enumeration(doc: dict[str, Any]) -> None:
    space = SearchSpace.from_json(doc)
    vectors = list(space.enumerate())
    assert space.cardinality == len(set(vectors)) == len(vectors) == brute_cardinality(space)
    assert [space.index(v) for v in vectors] == list(range(space.cardinality))
    assert all(space.unindex(i) == v for i, v in enumerate(vectors))
    keys = {space.vector_key(v) for v in vectors}
    assert len(keys) == space.cardinality  # the canonical key is injective


@QUICK
@given(small_space_docs())
def test_input_subsets_follow_the_documented_order(doc: dict[str, Any]) -> None:
    space = SearchSpace.from_json(doc)
    for i, d in enumerate(space.decisions):
        if d.kind != "inputs":
            continue
        assert d.layer is not None
        expected = brute_subsets(len(d.layer.optional_inputs), d.counts)
        assert [space.input_subset(i, c) for c in range(d.n)] == expected
        for c, subset in enumerate(expected):
            assert space.input_category(i, subset) == c
            assert space.input_category(i, list(reversed(subset))) == c


@FAST
@given(space_docs(max_inputs=9, max_extra=5), st.data())
def test_input_subset_category_round_trip_on_larger_decisions(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    space = SearchSpace.from_json(doc)
    for i, d in enumerate(space.decisions):
        if d.kind != "inputs":
            continue
        assert d.layer is not None
        n = len(d.layer.optional_inputs)
        for category in data.draw(st.lists(st.integers(0, d.n - 1), min_size=1, max_size=5)):
            subset = space.input_subset(i, category)
            assert len(subset) in d.counts and list(subset) == sorted(subset)
            assert all(0 <= j < n for j in subset)
            if len(subset) <= n:
                assert len(set(subset)) == len(subset)
            shuffled = data.draw(st.permutations(subset))
            assert space.input_category(i, shuffled) == category


# -- neighbours -----------------------------------------------------------------------------------------
def _expected_neighbour_categories(space: SearchSpace, i: int, d: Decision, current: int) -> set[int]:
    if d.kind != "inputs":
        return set(range(d.n)) - {current}
    here = space.input_subset(i, current)
    return {c for c in range(d.n) if c != current and one_move_apart(here, space.input_subset(i, c))}


@FAST
@given(space_docs(max_inputs=4), st.randoms(use_true_random=False))
def test_neighbours_are_exactly_the_one_decision_moves(doc: dict[str, Any], rng: random.Random) -> None:
    space = SearchSpace.from_json(doc)
    vector = space.sample(rng)
    found = space.neighbours(vector)
    assert len(found) == len(set(found))
    by_decision: dict[int, set[int]] = {}
    for w in found:
        diff = [i for i, (a, b) in enumerate(zip(vector, w, strict=True)) if a != b]
        assert len(diff) == 1
        by_decision.setdefault(diff[0], set()).add(w[diff[0]])
        space.validate_choice(space.decode(w))
    for i, d in enumerate(space.decisions):
        expected = _expected_neighbour_categories(space, i, d, vector[i])
        assert by_decision.get(i, set()) == expected, d.label
        if d.kind == "inputs":
            assert space.input_neighbours(i, vector[i]) == sorted(expected)


# -- huge spaces ----------------------------------------------------------------------------------------
def test_huge_space_exact_cardinality_and_fast_operations() -> None:
    rng = random.Random(7)
    names = [f"out{j}" for j in range(30)]
    doc: dict[str, Any] = {"net/mutable_block_1": {"_type": "mutable_layer", "_value": {}}}
    expected = 1
    for i in range(40):
        lo = rng.randrange(0, 10)
        hi = rng.randrange(lo, 31)
        doc["net/mutable_block_1"]["_value"][f"mutable_layer_{i}"] = {
            "layer_choice": [f"conv(k={k})" for k in (1, 3, 5)],
            "optional_inputs": names,
            "optional_input_size": [lo, hi],
        }
        expected *= 3 * sum(_comb(30, c) for c in range(lo, hi + 1))
    space = SearchSpace.from_json(doc)
    assert isinstance(space.cardinality, int) and space.cardinality == expected
    assert space.cardinality > 2**1000
    for _ in range(200):
        vector = space.sample(rng)
        choice = space.decode(vector)
        assert space.encode(choice) == vector
        assert space.unindex(space.index(vector)) == vector
    assert len(space.neighbours(vector)) > 40


def _comb(n: int, k: int) -> int:
    """Binomial coefficient by the multiplicative formula (independent of math.comb)."""
    out = 1
    for j in range(k):
        out = out * (n - j) // (j + 1)
    return out
