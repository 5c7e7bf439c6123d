"""A valid tuner with a required class argument (``budget``), for the argument-check paths."""

from __future__ import annotations

from typing import Any

from nastuners import NoMoreTrialError, Tuner


class NeedsBudgetTuner(Tuner):
    """Random proposals until ``budget`` is spent."""

    def __init__(self, budget: int, *, optimize_mode: str = "maximize", seed: int | None = None) -> None:
        super().__init__(optimize_mode=optimize_mode, seed=seed)  # type: ignore[arg-type]
        self.budget = budget

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        if parameter_id >= self.budget:
            raise NoMoreTrialError("budget spent")
        space = self._require_space()
        return space.decode(space.sample(self.rng))
