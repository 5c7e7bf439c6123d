"""A plugin module whose import fails: it needs a dependency that is not installed."""

from __future__ import annotations

import nastune_dependency_that_is_not_installed  # noqa: F401


class ImportFailsTuner:
    """Never reached."""
