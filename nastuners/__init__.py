"""nastune: neural architecture search with NNI's general NAS programming interface, done properly.

The stable public surface. Importing it is cheap: no entry-point scan, no TensorFlow, no torch.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

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
from .space import SearchSpace, load_space
from .tuner import Tuner

try:
    __version__ = version("nastune")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

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
