"""The error classes of the space API: hierarchy, message layout, and pickling (errors cross processes)."""

from __future__ import annotations

import pickle

import pytest

from nastuners import exceptions as ex
from nastuners.exceptions import ChoiceError, Issue, NastunersError, SearchSpaceError


def test_hierarchy() -> None:
    for cls in (SearchSpaceError, ChoiceError, ex.ConfigError, ex.AnnotationError):
        assert issubclass(cls, NastunersError) and issubclass(cls, ValueError)
    for cls in (
        ex.NoMoreTrialError,
        ex.NoSuggestionYet,
        ex.TunerNotFound,
        ex.TunerLoadError,
        ex.DuplicateTuner,
        ex.TunerArgumentError,
    ):
        assert issubclass(cls, NastunersError)
    assert not issubclass(ex.NoSuggestionYet, ex.NoMoreTrialError)
    assert not issubclass(ex.NoMoreTrialError, ex.NoSuggestionYet)


def test_message_layout() -> None:
    one = SearchSpaceError([Issue('$["a"]', "bad thing")])
    assert str(one) == 'invalid search space (1 problem):\n  - $["a"]: bad thing'
    two = ChoiceError([Issue("$", "x"), Issue('$["b"]', "y")], source="arch.json")
    assert str(two) == 'arch.json: invalid choice (2 problems):\n  - $: x\n  - $["b"]: y'
    assert two.source == "arch.json" and [i.path for i in two.issues] == ["$", '$["b"]']


@pytest.mark.parametrize("cls", [SearchSpaceError, ChoiceError])
def test_issue_errors_pickle(cls: type[SearchSpaceError]) -> None:
    err = cls([Issue('$["k"]', "problem one"), Issue("$", "problem two")], source="f.json")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert back.issues == err.issues and back.source == "f.json" and str(back) == str(err)


def test_annotation_error_layout_and_pickle() -> None:
    err = ex.AnnotationError(
        "Duplicated field: layer_choice", path="e.py", line=8, text="  layer_choice: [f()],"
    )
    assert str(err) == "e.py:8: Duplicated field: layer_choice\n    layer_choice: [f()],"
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.line == 8 and back.message == "Duplicated field: layer_choice"
