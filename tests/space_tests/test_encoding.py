"""The encoding on hand-worked examples: decisions, category order, vectors, neighbours, input helpers."""

from __future__ import annotations

import random
import warnings
from typing import Any

import pytest

from nastuners.space import SearchSpace

from ._docs import AC3


def one_layer(inputs: list[str], size: Any, ops: tuple[str, ...] = ("f()",)) -> SearchSpace:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SearchSpace.from_json(
            {
                "b": {
                    "_type": "mutable_layer",
                    "_value": {
                        "l": {
                            "layer_choice": list(ops),
                            "optional_inputs": inputs,
                            "optional_input_size": size,
                        }
                    },
                }
            }
        )


def test_ac3_decisions_and_categories() -> None:
    space = SearchSpace.from_json(AC3)
    op, inputs = space.decisions
    assert (op.kind, op.n, inputs.kind, inputs.n) == ("op", 2, "inputs", 4 + 6 + 4)
    assert inputs.counts == (1, 2, 3) and inputs.offsets == (0, 4, 10)
    assert space.cardinality == 28
    assert [space.input_subset(1, c) for c in (0, 3, 4, 5, 9, 10, 13)] == [
        (0,),
        (3,),
        (0, 1),
        (0, 2),
        (2, 3),
        (0, 1, 2),
        (1, 2, 3),
    ]
    assert space.decode((1, 5)) == {
        "trial/mutable_block_12": {
            "mutable_layer_0": {"chosen_layer": "add(scale=2)", "chosen_inputs": ["a", "c"]}
        }
    }
    # NNI's random tuner once gave ["d", "d", "c"]: legal to validate, not encodable (3 <= 4 inputs)
    nni_answer = {
        "trial/mutable_block_12": {
            "mutable_layer_0": {"chosen_layer": "add(scale=1)", "chosen_inputs": ["d", "d", "c"]}
        }
    }
    space.validate_choice(nni_answer)


def test_multiset_categories_when_count_exceeds_inputs() -> None:
    space = one_layer(["x", "y"], 3)
    assert space.decisions[1].n == 4
    assert [space.input_subset(1, c) for c in range(4)] == [(0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 1, 1)]
    assert space.decode((0, 1))["b"]["l"]["chosen_inputs"] == ["x", "x", "y"]
    assert space.encode({"b": {"l": {"chosen_layer": "f()", "chosen_inputs": ["y", "x", "x"]}}}) == (0, 1)
    # mixed: [1, 3] over two inputs = 2 singletons + 1 pair + 4 triples
    space = one_layer(["x", "y"], [1, 3])
    assert space.decisions[1].n == 7
    assert [space.input_subset(1, c) for c in range(7)] == [
        (0,),
        (1,),
        (0, 1),
        (0, 0, 0),
        (0, 0, 1),
        (0, 1, 1),
        (1, 1, 1),
    ]


def test_zero_size_with_inputs_is_a_one_category_decision() -> None:
    space = one_layer(["x", "y"], 0, ops=("f()", "g()"))
    assert [d.n for d in space.decisions] == [2, 1] and space.cardinality == 2
    assert space.decode((1, 0))["b"]["l"] == {"chosen_layer": "g()", "chosen_inputs": []}


def test_choice_entries_are_decisions_in_document_order() -> None:
    space = SearchSpace.from_json(
        {
            "trial/lr/choice": {"_type": "choice", "_value": [0.1, 0.01]},
            "b": {"l": {"layer_choice": ["f()", "g()", "h()"]}},
            "trial/act/choice": {"_type": "choice", "_value": ["relu", "tanh"]},
        }
    )
    assert [(d.kind, d.n, d.label) for d in space.decisions] == [
        ("choice", 2, "trial/lr/choice"),
        ("op", 3, "b/l:op"),
        ("choice", 2, "trial/act/choice"),
    ]
    assert space.decode((1, 2, 0)) == {
        "trial/lr/choice": 0.01,
        "b": {"l": {"chosen_layer": "h()", "chosen_inputs": []}},
        "trial/act/choice": "relu",
    }
    assert space.index((1, 2, 0)) == 1 * 6 + 2 * 2 + 0
    assert list(space.enumerate())[10] == (1, 2, 0)


def test_neighbours_known_answers() -> None:
    # AC-2: exactly 2 of 3 inputs, one op: the neighbours of {out0, out1} are the two single swaps
    space = one_layer(["out0", "out1", "out2"], 2)
    v = space.encode({"b": {"l": {"chosen_layer": "f()", "chosen_inputs": ["out0", "out1"]}}})
    assert [space.decode(w)["b"]["l"]["chosen_inputs"] for w in space.neighbours(v)] == [
        ["out0", "out2"],
        ["out1", "out2"],
    ]
    # every input chosen (count == n) in a range reaching past n: swaps would repeat, so only add/drop
    space = one_layer(["x", "y"], [0, 3], ops=("f()", "g()"))
    v = space.encode({"b": {"l": {"chosen_layer": "f()", "chosen_inputs": ["x", "y"]}}})
    got = sorted(tuple(space.decode(w)["b"]["l"]["chosen_inputs"]) for w in space.neighbours(v) if w[0] == 0)
    assert got == [("x",), ("x", "x", "y"), ("x", "y", "y"), ("y",)]
    assert [w for w in space.neighbours(v) if w[0] != 0] == [(1, v[1])]
    # from a multiset of 3 over 2 inputs, dropping must give the distinct pair, never ("x", "x")
    v = space.encode({"b": {"l": {"chosen_layer": "f()", "chosen_inputs": ["x", "x", "y"]}}})
    got = sorted(tuple(space.decode(w)["b"]["l"]["chosen_inputs"]) for w in space.neighbours(v) if w[0] == 0)
    assert got == [("x", "x", "x"), ("x", "y"), ("x", "y", "y")]


def test_input_helpers_reject_bad_arguments() -> None:
    space = SearchSpace.from_json(AC3)
    with pytest.raises(ValueError, match="is a 'op' decision, not an 'inputs' decision"):
        space.input_subset(0, 0)
    with pytest.raises(ValueError, match="is a 'op' decision"):
        space.input_category(0, [0])
    with pytest.raises(ValueError, match=r"category 14 out of range .* expected 0 <= category < 14"):
        space.input_subset(1, 14)
    with pytest.raises(ValueError, match=r"4 inputs chosen \[0, 1, 2, 3\], allowed counts are \[1, 2, 3\]"):
        space.input_category(1, [0, 1, 2, 3])
    with pytest.raises(ValueError, match=r"out of range; expected 0 <= index < 4"):
        space.input_category(1, [4])
    with pytest.raises(ValueError, match=r"input indices \[1, 1\] repeat"):
        space.input_category(1, [1, 1])
    assert space.input_category(1, (3, 0)) == 6


def test_vectors_are_checked() -> None:
    space = SearchSpace.from_json(AC3)
    with pytest.raises(ValueError, match="vector has 1 entries, the space has 2 decisions"):
        space.decode((0,))
    with pytest.raises(
        ValueError,
        match=r"vector\[0\] = -1 is out of range for trial/mutable_block_12/"
        r"mutable_layer_0:op: expected 0 <= v < 2",
    ):
        space.decode((-1, 0))
    with pytest.raises(ValueError, match=r"vector\[1\] = 14 is out of range"):
        space.index((0, 14))
    with pytest.raises(
        ValueError, match=r"index 28 is out of range: expected 0 <= index < cardinality \(28\)"
    ):
        space.unindex(28)
    with pytest.raises(TypeError):
        space.decode((0.5, 1))
    with pytest.raises(ValueError, match="out of range"):
        space.neighbours((2, 0))


def test_vectors_may_be_lists_or_numpy_ints() -> None:
    np = pytest.importorskip("numpy")
    space = SearchSpace.from_json(AC3)
    assert space.check_vector([1, 5]) == (1, 5)
    assert space.check_vector(np.array([1, 5])) == (1, 5)
    assert space.decode(np.array([1, 5])) == space.decode((1, 5))


def test_sample_is_uniform_over_count_then_subset() -> None:
    space = one_layer(["a", "b", "c", "d"], [1, 3])
    rng = random.Random(1)
    counts = [0, 0, 0, 0]
    draws = 6000
    for _ in range(draws):
        counts[len(space.input_subset(1, space.sample(rng)[1]))] += 1
    # each of the counts 1, 2, 3 has probability 1/3 (not 4/14, 6/14, 4/14 as a flat draw would give)
    assert counts[0] == 0
    assert all(abs(c / draws - 1 / 3) < 0.03 for c in counts[1:]), counts
