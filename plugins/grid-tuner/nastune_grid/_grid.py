"""The grid tuner: walk the integer vectors of a space in a fixed or seeded order, each exactly once."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from nastuners import ChoiceError, NoMoreTrialError, SearchSpace, Tuner
from nastuners.space import Vector

Order = Literal["lexicographic", "shuffled"]


class GridTuner(Tuner):
    """Exhaustive grid search: every architecture exactly once, then ``NoMoreTrialError``.

    The architectures are the positions ``0 .. cardinality-1`` of the space's encoding.
    ``order="lexicographic"`` visits them in :meth:`SearchSpace.enumerate` order; ``order="shuffled"`` visits
    position ``p`` at index ``(a * p + b) mod cardinality`` with ``a`` (coprime to the cardinality) and ``b``
    drawn from ``seed``: a bijection, so still each architecture once, and nothing is enumerated up front
    (huge spaces are fine).
    Architectures given to :meth:`import_data` are skipped. Results only update :attr:`best`.

    Args:
        order: ``"lexicographic"`` (default) or ``"shuffled"``.
        optimize_mode: ``"maximize"`` or ``"minimize"`` (which result counts as :attr:`best`).
        seed: seeds the shuffled order.
    """

    def __init__(self, *, order: Order = "lexicographic",
                 optimize_mode: Literal["maximize", "minimize"] = "maximize",
                 seed: int | None = None) -> None:
        super().__init__(optimize_mode=optimize_mode, seed=seed)
        if order not in ("lexicographic", "shuffled"):
            msg = f"order must be 'lexicographic' or 'shuffled', got {order!r}"
            raise ValueError(msg)
        self.order: Order = order
        self._cursor = 0
        self._mult, self._shift = 1, 0
        self._skip: set[Vector] = set()
        self.best: dict[str, Any] | None = None  # {"parameter": doc, "score": float} of the best result

    def update_search_space(self, search_space: Mapping[str, Any] | SearchSpace) -> None:
        """Receive the space; a changed space restarts the walk."""
        old = self.space
        super().update_search_space(search_space)
        space = self._require_space()
        if old is not None and old == space:
            return
        self._cursor, self._skip, self.best = 0, set(), None
        n = space.cardinality
        self._mult, self._shift = 1, 0
        if self.order == "shuffled" and n > 2:
            self._mult = self.rng.randrange(1, n)
            while math.gcd(self._mult, n) != 1:
                self._mult = self.rng.randrange(1, n)
            self._shift = self.rng.randrange(n)

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        """The next architecture of the walk that was not imported; ``NoMoreTrialError`` at the end."""
        space = self._require_space()
        n = space.cardinality
        while self._cursor < n:
            vector = space.unindex((self._mult * self._cursor + self._shift) % n)
            self._cursor += 1
            if vector not in self._skip:
                return space.decode(vector)
        msg = f"the grid is exhausted: all {n} architectures have been proposed"
        raise NoMoreTrialError(msg)

    def receive_trial_result(self, parameter_id: int, parameters: dict[str, Any], value: Any,
                             **kwargs: Any) -> None:
        """Keep the best result (in the sense of ``optimize_mode``)."""
        score = self.score(value)
        if self.best is None or score > self.best["score"]:
            self.best = {"parameter": parameters, "score": score}

    def import_data(self, data: list[dict[str, Any]]) -> None:
        """Skip architectures that were already evaluated; malformed records are ignored."""
        space = self._require_space()
        for record in data:
            try:
                self._skip.add(space.encode(record["parameter"]))
            except (ChoiceError, KeyError, TypeError, ValueError):
                continue

    def state_dict(self) -> dict[str, Any]:
        """Base state plus the walk position (big integers as strings) and skipped architectures."""
        state = super().state_dict()
        state.update(order=self.order, cursor=str(self._cursor), mult=str(self._mult), shift=str(self._shift),
                     skip=sorted(list(v) for v in self._skip), best=self.best)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` (after ``update_search_space``)."""
        super().load_state_dict(state)
        self._cursor, self._mult, self._shift = int(state["cursor"]), int(state["mult"]), int(state["shift"])
        self._skip = {tuple(v) for v in state.get("skip", [])}
        self.best = state.get("best")
