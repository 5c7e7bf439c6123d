"""Random search over a mutable_layer space: uniform decisions, no repeats while unseen remain."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from ..exceptions import ChoiceError, NoMoreTrialError
from ..space import SearchSpace, Vector
from ..tuner import OptimizeMode, Tuner

# Past this many rejected samples in a row, fall back to drawing from the explicit list of unseen vectors.
_MAX_REJECTIONS = 32
_ENUMERATE_LIMIT = 2_000_000


class RandomTuner(Tuner):
    """Uniform random search: the op, the input count, the subset of that count and each choice are uniform.

    Never proposes an architecture twice (issued, pending or imported) while unseen ones remain; raises
    ``NoMoreTrialError`` once every architecture of the space has been proposed. Results are ignored.

    Args:
        optimize_mode: ``"maximize"`` or ``"minimize"`` (accepted for uniformity; random search ignores it).
        seed: seeds the sequence of proposals.
    """

    def __init__(self, *, optimize_mode: OptimizeMode = "maximize", seed: int | None = None) -> None:
        super().__init__(optimize_mode=optimize_mode, seed=seed)
        self._seen: set[Vector] = set()

    def update_search_space(self, search_space: Mapping[str, Any] | SearchSpace) -> None:
        """Receive the space; proposals already made stay excluded when the space is unchanged."""
        old = self.space
        super().update_search_space(search_space)
        if old is not None and old != self.space:
            self._seen.clear()

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        """A uniformly random architecture not proposed before."""
        space = self._require_space()
        if len(self._seen) >= space.cardinality:
            msg = f"all {space.cardinality} architectures of the search space have been proposed"
            raise NoMoreTrialError(msg)
        for _ in range(_MAX_REJECTIONS):
            vector = space.sample(self.rng)
            if vector not in self._seen:
                break
        else:
            vector = self._draw_unseen(space)
        self._seen.add(vector)
        return space.decode(vector)

    def trial_end(self, parameter_id: int, success: bool, **kwargs: Any) -> None:
        """An interrupted trial without a result (``interrupted=True``) frees its architecture again."""
        params = self.pending.get(parameter_id)
        if params is not None and kwargs.get("interrupted") and self.space is not None:
            with contextlib.suppress(ChoiceError):  # not an architecture of this space: nothing to free
                self._seen.discard(self.space.encode(params))

    def _draw_unseen(self, space: SearchSpace) -> Vector:
        if space.cardinality > _ENUMERATE_LIMIT:  # rejection keeps working in spaces this large
            while True:
                vector = space.sample(self.rng)
                if vector not in self._seen:
                    return vector
        seen = {space.index(v) for v in self._seen}
        unseen = [i for i in range(space.cardinality) if i not in seen]
        return space.unindex(self.rng.choice(unseen))

    def import_data(self, data: list[dict[str, Any]]) -> None:
        """Mark imported architectures as seen, so they are not proposed again."""
        space = self._require_space()
        for record in data:
            try:
                self._seen.add(space.encode(record["parameter"]))
            except (ChoiceError, KeyError, TypeError):
                continue

    def state_dict(self) -> dict[str, Any]:
        """Base state plus the set of proposed architectures."""
        state = super().state_dict()
        state["seen"] = sorted(list(v) for v in self._seen)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`."""
        super().load_state_dict(state)
        self._seen = {tuple(v) for v in state.get("seen", [])}
