"""Parse rules for one layer: layer_choice, optional_inputs, optional_input_size, unknown keys."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from nastuners.space import SearchSpace

from ._docs import DROP, B, L, issues_of, layer, only_issue, space_of


def test_empty_layer_choice() -> None:
    issue = only_issue(space_of(layer(layer_choice=[])))
    assert issue.path == f'{L}["layer_choice"]'
    assert "layer_choice is empty" in issue.message and "at least one" in issue.message


def test_missing_layer_choice() -> None:
    issue = only_issue(space_of(layer(layer_choice=DROP)))
    assert issue.path == L and 'missing "layer_choice"' in issue.message


def test_duplicate_choice_and_input() -> None:
    """nni-compat §3: repeated strings stay legal (one runtime key) with a warning naming the JSON path; the
    model keeps the first occurrence only, so no tuner sees two equivalent categories."""
    doc = space_of(layer(layer_choice=["f()", "g()", "f()"], optional_inputs=["a", "b", "a"],
                         optional_input_size=[1, 2]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        space = SearchSpace.from_json(doc)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2, messages
    assert messages[0].startswith(f'{L}["layer_choice"][2]: duplicate layer_choice entry '
                                  "'f()' (same as entry 0)")
    assert messages[1].startswith(f'{L}["optional_inputs"][2]: duplicate optional_inputs entry '
                                  "'a' (same as entry 0)")
    assert all("keeps only the first" in m and "remove the repeat" in m for m in messages)
    (parsed,) = space.layers
    assert parsed.layer_choice == ("f()", "g()") and parsed.optional_inputs == ("a", "b")
    # decisions: 2 ops; inputs: 2 singletons + 1 pair = 3 categories (the repeat is no extra category)
    assert [d.n for d in space.decisions] == [2, 3] and space.cardinality == 6
    assert space.to_json()[B]["_value"]["mutable_layer_0"]["layer_choice"] == ["f()", "g()"]


def test_duplicate_inputs_count_against_the_size_once() -> None:
    """["a", "a"] is one distinct input: a size of 2 now exceeds it (legal, NNI repeats inputs: a warning)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        space = SearchSpace.from_json(space_of(layer(optional_inputs=["a", "a"], optional_input_size=2)))
    assert [str(w.message).split(": ", 1)[1][:40] for w in caught] == [
        "duplicate optional_inputs entry 'a' (sam", "optional_input_size 2 exceeds the 1 opti"]
    assert space.layers[0].optional_inputs == ("a",)
    assert space.decode((0, 0))[B]["mutable_layer_0"]["chosen_inputs"] == ["a", "a"]


def test_non_string_entries() -> None:
    issues = issues_of(space_of(layer(layer_choice=["f()", 3], optional_inputs=["a", None])))
    assert [i.path for i in issues] == [f'{L}["layer_choice"][1]', f'{L}["optional_inputs"][1]']
    assert "entries must be strings" in issues[0].message and "got 3" in issues[0].message
    assert "got null" in issues[1].message


@pytest.mark.parametrize("key", ["layer_choice", "optional_inputs"])
def test_lists_that_are_not_lists(key: str) -> None:
    issue = only_issue(space_of(layer(**{key: "f()"})))
    assert issue.path == f'{L}["{key}"]' and f'{key} must be a list of strings, got "f()"' in issue.message


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (-1, "must be >= 0, got -1"),
        ([2, 1], "0 <= lo <= hi, got [2, 1]; write [1, 2]"),
        ([-1, 1], "0 <= lo <= hi, got [-1, 1]; write [0, 1]"),
        ([0, 2, 5], "two integers, got [0, 2, 5]; write [0, 2] (NNI silently kept the first two"),
        ([1], "two integers, got [1]"),
        ([], "two integers, got []"),
        ([0, 1.5], "two integers, got [0, 1.5]"),
        ([True, 1], "two integers, got [true, 1]"),
        (1.0, "integer k >= 0 or a range [lo, hi], got 1.0"),
        ("1", 'got "1"'),
        (True, "got true"),
        (None, "got null"),
        ({"lo": 1}, 'got {"lo": 1}'),
    ],
)
def test_bad_sizes(size: Any, expected: str) -> None:
    issue = only_issue(space_of(layer(optional_input_size=size)))
    assert issue.path == f'{L}["optional_input_size"]'
    assert expected in issue.message


def test_size_with_no_inputs() -> None:
    for size in (1, [0, 2]):
        issue = only_issue(space_of(layer(optional_inputs=[], optional_input_size=size)))
        assert issue.path == f'{L}["optional_input_size"]'
        assert "asks for inputs but optional_inputs is empty" in issue.message and "use 0" in issue.message
    issue = only_issue(space_of(layer(optional_inputs=DROP, optional_input_size=2)))
    assert "optional_inputs is empty" in issue.message


def test_missing_size_with_inputs() -> None:
    issue = only_issue(space_of(layer(optional_input_size=DROP)))
    assert issue.path == L and "optional_input_size must exist when optional_inputs exists" in issue.message


def test_no_inputs_forms_are_equivalent() -> None:
    forms = [
        layer(optional_inputs=[], optional_input_size=0),
        layer(optional_inputs=DROP, optional_input_size=DROP),
        layer(optional_inputs=[], optional_input_size=[0, 0]),
    ]
    spaces = [SearchSpace.from_json(space_of(f)) for f in forms]
    assert all(s == spaces[0] for s in spaces)
    assert [d.kind for d in spaces[0].decisions] == ["op"]


def test_size_above_input_count_is_legal_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="exceeds the 2 optional inputs"):
        space = SearchSpace.from_json(space_of(layer(optional_input_size=[1, 3])))
    assert (space.layers[0].size_lo, space.layers[0].size_hi) == (1, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SearchSpace.from_json(space_of(layer(optional_input_size=[0, 2])))


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("layer_choices", "did you mean 'layer_choice'?"),
        ("optional_input", "did you mean 'optional_inputs'?"),
        ("optional_inputs_size", "did you mean 'optional_input_size'?"),
        ("fixed_inputs", "belongs to the @nni.mutable_layers annotation"),
        ("layer_output", "belongs to the @nni.mutable_layers annotation"),
        ("zzz", "allowed: layer_choice, optional_inputs, optional_input_size"),
    ],
)
def test_unknown_layer_keys(key: str, hint: str) -> None:
    issue = only_issue(space_of(layer(**{key: []})))
    assert issue.path == f'{L}["{key}"]' and hint in issue.message
