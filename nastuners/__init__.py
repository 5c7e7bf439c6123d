"""nastune: neural architecture search with NNI's general NAS programming interface, done properly.

The stable public surface. Importing it is cheap: no entry-point scan, no TensorFlow, no torch, and the search
space and tuner modules load on first use (trial processes import only what they need).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .exceptions import (
    AnnotationError,
    ChoiceError,
    ConfigError,
    DuplicateTuner,
    Issue,
    NastunersError,
    NoMoreTrialError,
    NoSuggestionYet,
    SearchSpaceError,
    TunerArgumentError,
    TunerLoadError,
    TunerNotFound,
)

if TYPE_CHECKING:
    from .space import SearchSpace, load_space
    from .tuner import Tuner

__all__ = [
    "AnnotationError",
    "ChoiceError",
    "ConfigError",
    "DuplicateTuner",
    "Issue",
    "NastunersError",
    "NoMoreTrialError",
    "NoSuggestionYet",
    "SearchSpace",
    "SearchSpaceError",
    "Tuner",
    "TunerArgumentError",
    "TunerLoadError",
    "TunerNotFound",
    "__version__",
    "load_space",
]

_LAZY = {"SearchSpace": ".space", "load_space": ".space", "Tuner": ".tuner"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("nastune")
        except PackageNotFoundError:  # a source tree that is not installed
            value = "0.0.0+unknown"
        globals()[name] = value
        return value
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
