"""The one error type of the benchmark harness."""

from __future__ import annotations

from ..exceptions import NastunersError

__all__ = ["BenchmarkError"]


class BenchmarkError(NastunersError, ValueError):
    """A benchmark, table, tuner run or report request is invalid; the message says what and how to fix."""
