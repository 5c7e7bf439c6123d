"""Shared documents and builders: the spec's worked examples (AC*), one block with layers, issues raised."""

from __future__ import annotations

from typing import Any

import pytest

from nastuners.exceptions import Issue, NastunersError, SearchSpaceError
from nastuners.space import SearchSpace

# worked examples of the search-space spec (never mutate them: copy first)
AC2: dict[str, Any] = {
    "trial/mutable_block_13": {
        "_type": "mutable_layer",
        "_value": {
            "mutable_layer_0": {
                "layer_choice": ["concat()"],
                "optional_inputs": ["out0", "out1", "out2"],
                "optional_input_size": 2,
            }
        },
    }
}
AC3: dict[str, Any] = {
    "trial/mutable_block_12": {
        "_type": "mutable_layer",
        "_value": {
            "mutable_layer_0": {
                "layer_choice": ["add(scale=1)", "add(scale=2)"],
                "optional_inputs": ["a", "b", "c", "d"],
                "optional_input_size": [1, 3],
            }
        },
    }
}
AC4: dict[str, Any] = {
    "trial/mutable_block_24": {
        "_type": "mutable_layer",
        "_value": {
            "mutable_layer_0": {
                "layer_choice": ["conv3()", "conv5()", "max_pool()"],
                "optional_inputs": [],
                "optional_input_size": 0,
            },
            "mutable_layer_1": {
                "layer_choice": ["conv3()", "conv5()", "max_pool()"],
                "optional_inputs": ["x", "l0"],
                "optional_input_size": [0, 1],
            },
        },
    }
}
AC4_AND_LR: dict[str, Any] = {"trial/lr/choice": {"_type": "choice", "_value": [0.1, 0.01]}, **AC4}
AC9: dict[str, Any] = {
    "trial/lr/choice": {"_type": "choice", "_value": [0.1, 0.01]},
    "trial/mutable_block_13": {
        "_type": "mutable_layer",
        "_value": {
            "mutable_layer_0": {
                "layer_choice": ["conv(k=3)", "conv(k=5)"],
                "optional_inputs": [],
                "optional_input_size": 0,
            }
        },
    },
}

B = "trial/mutable_block_13"
L = f'$["{B}"]["_value"]["mutable_layer_0"]'


def layer(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "layer_choice": ["f(k=1)", "f(k=2)"],
        "optional_inputs": ["a", "b"],
        "optional_input_size": 1,
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not DROP}


DROP = object()


def space_of(*layers: dict[str, Any]) -> dict[str, Any]:
    return {
        B: {"_type": "mutable_layer", "_value": {f"mutable_layer_{i}": lay for i, lay in enumerate(layers)}}
    }


def issues_of(doc: Any) -> list[Issue]:
    with pytest.raises(SearchSpaceError) as info:
        SearchSpace.from_json(doc)
    assert isinstance(info.value, ValueError) and isinstance(info.value, NastunersError)
    return info.value.issues


def only_issue(doc: Any) -> Issue:
    issues = issues_of(doc)
    assert len(issues) == 1, issues
    return issues[0]
