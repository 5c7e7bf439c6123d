"""The nastune exception hierarchy: one root, one class per failure a caller may want to handle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AnnotationError",
    "ChoiceError",
    "ConfigError",
    "DuplicateTuner",
    "Issue",
    "NastunersError",
    "NoMoreTrialError",
    "NoSuggestionYet",
    "SearchSpaceError",
    "TunerArgumentError",
    "TunerLoadError",
    "TunerNotFound",
]


class NastunersError(Exception):
    """Root of every error nastune raises on purpose."""


@dataclass(frozen=True)
class Issue:
    """One problem in a JSON document: where (a JSON path such as ``$["blk"]["_value"]``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class _IssuesError(NastunersError, ValueError):
    """An error that carries every issue found in one document, not just the first."""

    def __init__(self, issues: list[Issue], *, source: str | None = None, what: str = "document") -> None:
        self.issues = list(issues)
        self.source = source
        head = f"{source}: " if source else ""
        count = len(self.issues)
        lines = [f"{head}invalid {what} ({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  - {issue}" for issue in self.issues]
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[Any, ...]:
        # the default pickles ``args`` (the message) and would rebuild ``issues`` from it: keep the real state
        return (_rebuild_issues_error, (type(self), self.issues, self.source))


def _rebuild_issues_error(cls: type[_IssuesError], issues: list[Issue], source: str | None) -> _IssuesError:
    return cls(issues, source=source)


class SearchSpaceError(_IssuesError):
    """A search-space document breaks the spec; ``.issues`` lists every problem with its JSON path."""

    def __init__(self, issues: list[Issue], *, source: str | None = None) -> None:
        super().__init__(issues, source=source, what="search space")


class ChoiceError(_IssuesError):
    """A choice (architecture) document does not fit its search space; ``.issues`` lists every problem."""

    def __init__(self, issues: list[Issue], *, source: str | None = None) -> None:
        super().__init__(issues, source=source, what="choice")


class NoMoreTrialError(NastunersError):
    """The tuner has nothing left to propose: the space is exhausted or its budget is spent."""


class NoSuggestionYet(NastunersError):
    """Not now: the tuner waits for pending results; ask again after the next result arrives."""


class TunerNotFound(NastunersError, LookupError):
    """No installed tuner has the requested name."""


class TunerLoadError(NastunersError):
    """A tuner plugin is installed but failed to import, or is not a ``Tuner``."""


class DuplicateTuner(NastunersError):
    """Two installed distributions register the same tuner name."""


class TunerArgumentError(NastunersError, TypeError):
    """The class arguments given for a tuner do not match its constructor."""


class ConfigError(NastunersError, ValueError):
    """An experiment configuration is invalid."""


class AnnotationError(NastunersError, ValueError):
    """An ``@nni.`` annotation in trial code is invalid; the message reads ``<path>:<line>: <message>``."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 col: int | None = None, text: str | None = None) -> None:
        self.path = path
        self.line = line
        self.col = col
        self.text = text
        self.message = message
        where = ""
        if path is not None:
            where = f"{path}:{line}:" if col is None else f"{path}:{line}:{col}:"
            where += " "
        full = f"{where}{message}"
        if text:
            full += f"\n    {text.strip()}"
        super().__init__(full)
