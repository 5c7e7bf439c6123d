"""A second ``grid`` tuner from another distribution: a name clash the registry must report."""

from __future__ import annotations

from typing import Any

from nastuners import Tuner


class DuplicateGridTuner(Tuner):
    """Proposes the first architecture forever (never used: its name clashes)."""

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        space = self._require_space()
        return space.decode(next(iter(space.enumerate())))
