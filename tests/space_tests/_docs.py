"""Shared builders for the parse tests: one block with layers, and the issues a document raises."""

from __future__ import annotations

from typing import Any

import pytest

from nastuners.exceptions import Issue, NastunersError, SearchSpaceError
from nastuners.space import SearchSpace

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
