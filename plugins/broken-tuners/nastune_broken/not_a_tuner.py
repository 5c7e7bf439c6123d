"""A plugin that has NNI's verbs but does not derive from ``nastuners.Tuner``."""

from __future__ import annotations

from typing import Any


class LooksLikeATuner:
    """Duck-typed like an NNI tuner, which the registry must refuse (it requires a Tuner subclass)."""

    def update_search_space(self, search_space: dict[str, Any]) -> None:
        self.space = search_space

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        return {}
