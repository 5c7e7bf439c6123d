"""Choice documents: validation of foreign choices, strict encoding, canonical keys."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nastuners.exceptions import ChoiceError, Issue, NastunersError
from nastuners.space import SearchSpace

BLK = "trial/mutable_block_24"
SPACE = SearchSpace.from_json(
    {
        "trial/lr/choice": {"_type": "choice", "_value": [0.1, 0.01, 1]},
        BLK: {
            "_type": "mutable_layer",
            "_value": {
                "mutable_layer_0": {
                    "layer_choice": ["conv3()", "conv5()"],
                    "optional_inputs": [],
                    "optional_input_size": 0,
                },
                "mutable_layer_1": {
                    "layer_choice": ["conv3()", "conv5()"],
                    "optional_inputs": ["x", "l0", "z"],
                    "optional_input_size": [1, 2],
                },
            },
        },
    }
)
L1 = f'$["{BLK}"]["mutable_layer_1"]'


def good(**layer1: Any) -> dict[str, Any]:
    l1 = {"chosen_layer": "conv5()", "chosen_inputs": ["x"]}
    l1.update(layer1)
    return {
        "trial/lr/choice": 0.01,
        BLK: {"mutable_layer_0": {"chosen_layer": "conv3()", "chosen_inputs": []}, "mutable_layer_1": l1},
    }


def issues_of(doc: Any, *, encode: bool = False) -> list[Issue]:
    with pytest.raises(ChoiceError) as info:
        (SPACE.encode if encode else SPACE.validate_choice)(doc)
    assert isinstance(info.value, ValueError) and isinstance(info.value, NastunersError)
    return info.value.issues


def test_valid_choice_validates_and_encodes() -> None:
    SPACE.validate_choice(good())
    assert SPACE.encode(good()) == (1, 0, 1, 0)
    assert SPACE.encode(good(chosen_inputs=["z", "x"])) == (1, 0, 1, 3 + 1)  # pairs start at 3: (x,l0),(x,z)


def test_missing_entries_blocks_and_layers() -> None:
    issues = issues_of({BLK: {"mutable_layer_1": {"chosen_layer": "conv3()", "chosen_inputs": ["x"]}}})
    assert [i.path for i in issues] == ['$["trial/lr/choice"]', f'$["{BLK}"]["mutable_layer_0"]']
    assert (
        "missing choice entry 'trial/lr/choice'; add one of the options [0.1, 0.01, 1]" in issues[0].message
    )
    assert "missing layer 'mutable_layer_0'" in issues[1].message and "chosen_layer" in issues[1].message
    (issue,) = issues_of({"trial/lr/choice": 1})
    assert issue.path == f'$["{BLK}"]' and f"missing block {BLK!r}" in issue.message


def test_bad_chosen_layer() -> None:
    for bad in ("conv7()", 3, None, ["conv3()"]):
        (issue,) = issues_of(good(chosen_layer=bad))
        assert issue.path == f'{L1}["chosen_layer"]'
        assert f"chosen_layer {json.dumps(bad)} is not one of ['conv3()', 'conv5()']" in issue.message
    (issue,) = issues_of(
        {
            "trial/lr/choice": 0.01,
            BLK: {
                "mutable_layer_0": {"chosen_inputs": []},
                "mutable_layer_1": good()[BLK]["mutable_layer_1"],
            },
        }
    )
    assert issue.path == f'$["{BLK}"]["mutable_layer_0"]' and 'missing "chosen_layer"' in issue.message


def test_inputs_not_among_optional_inputs_and_counts() -> None:
    issues = issues_of(good(chosen_inputs=["x", "y", 3]))
    assert [i.path for i in issues] == [
        f'{L1}["chosen_inputs"][1]',
        f'{L1}["chosen_inputs"][2]',
        f'{L1}["chosen_inputs"]',
    ]
    assert "\"y\" is not one of the optional inputs ['x', 'l0', 'z']" in issues[0].message
    assert "3 is not one of the optional inputs" in issues[1].message
    assert "3 inputs chosen" in issues[2].message and "takes 1 to 2 of ['x', 'l0', 'z']" in issues[2].message
    (issue,) = issues_of(good(chosen_inputs=[]))
    assert "0 inputs chosen []" in issue.message
    (issue,) = issues_of(good(chosen_inputs="x"))
    assert (
        issue.path == f'{L1}["chosen_inputs"]' and 'must be a list of input names, got "x"' in issue.message
    )
    doc = good()
    doc[BLK]["mutable_layer_0"]["chosen_inputs"] = ["x"]
    issues = issues_of(doc)
    assert [i.path for i in issues] == [
        f'$["{BLK}"]["mutable_layer_0"]["chosen_inputs"][0]',
        f'$["{BLK}"]["mutable_layer_0"]["chosen_inputs"]',
    ]
    assert "takes exactly 0" in issues[1].message


def test_nni_legal_repeats_validate_but_do_not_encode() -> None:
    doc = good(chosen_inputs=["l0", "l0"])
    SPACE.validate_choice(doc)
    (issue,) = issues_of(doc, encode=True)
    assert issue.path == f'{L1}["chosen_inputs"]'
    assert 'repeated inputs ["l0", "l0"] cannot be encoded' in issue.message
    assert "use distinct names" in issue.message and "validate_choice accepts NNI's repeats" in issue.message
    with pytest.raises(ChoiceError):
        SPACE.canonical_key(doc)


def test_unknown_keys_are_rejected_with_hints() -> None:
    doc = good(chosen_input=["x"])
    doc["trial/lr/choise"] = 0.1
    doc[BLK]["mutable_layer_2"] = {}
    issues = issues_of(doc)
    assert [i.path for i in issues] == [
        '$["trial/lr/choise"]',
        f'$["{BLK}"]["mutable_layer_2"]',
        f'{L1}["chosen_input"]',
    ]
    assert "not a key of the search space; did you mean 'trial/lr/choice'?" in issues[0].message
    assert 'has no layer "mutable_layer_2"' in issues[1].message
    assert 'unexpected key "chosen_input"' in issues[2].message


def test_choice_entry_values() -> None:
    assert SPACE.encode(good() | {"trial/lr/choice": 1.0})[0] == 2  # 1.0 is the option 1
    for bad in (True, "0.1", 0.2, [0.1]):
        (issue,) = issues_of(good() | {"trial/lr/choice": bad})
        assert issue.path == '$["trial/lr/choice"]'
        assert "is not one of the options [0.1, 0.01, 1]" in issue.message


def test_shape_errors_and_collect_all() -> None:
    (issue,) = issues_of([good()])
    assert issue.path == "$" and "must be an object" in issue.message and "list" in issue.message
    issues = issues_of(
        {
            "trial/lr/choice": 5,
            BLK: {
                "mutable_layer_0": "conv3()",
                "mutable_layer_1": {"chosen_layer": "nope()", "chosen_inputs": ["w", "w", "w"]},
            },
            "extra": 1,
        }
    )
    assert [i.path for i in issues] == [
        '$["extra"]',
        '$["trial/lr/choice"]',
        f'$["{BLK}"]["mutable_layer_0"]',
        f'{L1}["chosen_layer"]',
        f'{L1}["chosen_inputs"][0]',
        f'{L1}["chosen_inputs"][1]',
        f'{L1}["chosen_inputs"][2]',
        f'{L1}["chosen_inputs"]',
    ]
    (issue,) = issues_of({"trial/lr/choice": 1, BLK: []})
    assert issue.path == f'$["{BLK}"]' and "must map layer ids" in issue.message
    with pytest.raises(ChoiceError) as info:
        SPACE.validate_choice([], source="arch.json")
    assert str(info.value).startswith("arch.json: invalid choice (1 problem):")


def test_canonical_key_ignores_key_and_input_order() -> None:
    a = good(chosen_inputs=["x", "z"])
    b = {
        BLK: {
            "mutable_layer_1": {"chosen_inputs": ["z", "x"], "chosen_layer": "conv5()"},
            "mutable_layer_0": {"chosen_inputs": [], "chosen_layer": "conv3()"},
        },
        "trial/lr/choice": 0.01,
    }
    assert json.dumps(a) != json.dumps(b)
    assert SPACE.canonical_key(a) == SPACE.canonical_key(b) == SPACE.vector_key(SPACE.encode(a))
    assert SPACE.canonical_key(a) != SPACE.canonical_key(good(chosen_inputs=["x", "l0"]))
    assert json.loads(SPACE.canonical_key(b)) == SPACE.decode(SPACE.encode(a))
    assert SPACE.decode(SPACE.encode(b))[BLK]["mutable_layer_1"]["chosen_inputs"] == ["x", "z"]


def test_strings_are_data() -> None:
    evil = "__import__('os').system('false')"
    space = SearchSpace.from_json(
        {
            "b": {
                "l": {
                    "layer_choice": [evil, "f()"],
                    "optional_inputs": ["a[0]", "x.y"],
                    "optional_input_size": 1,
                }
            }
        }
    )
    doc = {"b": {"l": {"chosen_layer": evil, "chosen_inputs": ["x.y"]}}}
    assert space.decode(space.encode(doc)) == doc
    with pytest.raises(ChoiceError, match="is not one of"):
        space.validate_choice({"b": {"l": {"chosen_layer": "f( )", "chosen_inputs": ["x.y"]}}})


def test_a_large_choice_list_encodes_every_option_to_its_position() -> None:
    options = [*range(5000), *(f"s{i}" for i in range(5000)), None, 0.5]
    space = SearchSpace.from_json({"c": {"_type": "choice", "_value": options}})
    for position in (0, 1, 4999, 5000, 9999, 10000, 10001):
        assert space.encode({"c": options[position]}) == (position,)
    assert space.encode({"c": 7.0}) == (7,)  # 7.0 is the option 7
    for bad in (True, "5000", 0.25, [1], {"a": 1}):
        with pytest.raises(ChoiceError):
            space.encode({"c": bad})
