"""Helpers shared by the model-free tuners: the seen/issued bookkeeping, fast one-decision moves, unseen
sampling, imported records.

``space.neighbours`` builds every neighbour of a vector; the tuners here mostly need *one* random neighbour
per suggestion, so :class:`Moves` precomputes per decision what a single move can change and caches the
input-subset moves per category. The move set is exactly the one ``space.neighbours`` uses: another op or
option; one input added, dropped or swapped while staying within the layer's size range.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..exceptions import ChoiceError, NoMoreTrialError
from ..space import SearchSpace, Vector
from ..tuner import Tuner

__all__ = ["HistoryTuner", "Moves", "decode_records", "model_guided_sample", "rank_effects", "sample_unseen"]

# Rejection sampling is tried this many times before the unseen vectors are listed explicitly.
_MAX_REJECTIONS = 32
# Spaces up to this size may be listed explicitly to find the last unseen architectures.
_ENUMERATE_LIMIT = 2_000_000


class Moves:
    """One-decision moves over the vectors of ``space`` (same neighbourhood as ``space.neighbours``)."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        decisions = space.decisions
        self.sizes = tuple(d.n for d in decisions)
        self.is_inputs = tuple(d.kind == "inputs" for d in decisions)
        # decisions where a move exists at all (a single category cannot change)
        self.mutable = tuple(i for i, d in enumerate(decisions) if d.n > 1)
        self._input_cache: dict[tuple[int, int], tuple[int, ...]] = {}

    def alternatives(self, i: int, category: int) -> tuple[int, ...]:
        """Categories decision ``i`` can move to from ``category`` in one step."""
        if not self.is_inputs[i]:
            return tuple(v for v in range(self.sizes[i]) if v != category)
        key = (i, category)
        alts = self._input_cache.get(key)
        if alts is None:
            alts = self._input_cache[key] = self._input_alternatives(i, category)
        return alts

    def random_neighbour(self, vector: Vector, rng: random.Random) -> Vector | None:
        """A random neighbour: a uniformly chosen decision, then a uniformly chosen move of it."""
        mutable = self.mutable
        if not mutable:
            return None
        i = mutable[rng.randrange(len(mutable))] if len(mutable) > 1 else mutable[0]
        current = vector[i]
        if self.is_inputs[i]:
            alts = self.alternatives(i, current)
            new = alts[rng.randrange(len(alts))]
        else:
            new = rng.randrange(self.sizes[i] - 1)
            if new >= current:
                new += 1
        return vector[:i] + (new,) + vector[i + 1:]

    def neighbourhood_size(self, vector: Vector) -> int:
        """Number of one-decision neighbours of ``vector`` (without building them)."""
        return sum(len(self.alternatives(i, vector[i])) for i in self.mutable)

    def neighbours(self, vector: Vector) -> list[Vector]:
        """Every one-decision neighbour of ``vector`` (decision order, then category order)."""
        out: list[Vector] = []
        for i in self.mutable:
            head, tail = vector[:i], vector[i + 1:]
            out.extend(head + (c,) + tail for c in self.alternatives(i, vector[i]))
        return out

    def _input_alternatives(self, i: int, category: int) -> tuple[int, ...]:
        # one input added, dropped or swapped; the space knows which moves are legal for each count
        return tuple(self.space.input_neighbours(i, category))


def sample_unseen(space: SearchSpace, rng: random.Random, seen: set[Vector] | dict[Vector, Any]) -> Vector:
    """A uniformly random vector not in ``seen`` (the caller checks that one exists)."""
    for _ in range(_MAX_REJECTIONS):
        vector = space.sample(rng)
        if vector not in seen:
            return vector
    if space.cardinality > _ENUMERATE_LIMIT:  # rejection keeps working in spaces this large
        while True:
            vector = space.sample(rng)
            if vector not in seen:
                return vector
    taken = {space.index(v) for v in seen}
    unseen = [i for i in range(space.cardinality) if i not in taken]
    return space.unindex(unseen[rng.randrange(len(unseen))])


def rank_effects(results: list[tuple[Vector, float]], shrink: float = 2.0,
                 sweeps: int = 0) -> dict[tuple[int, int], float]:
    """Additive per-decision model of ``results``: ``(decision, category) -> effect``.

    Each result is replaced by its centred rank (in [-0.5, 0.5]: robust to outliers and to the scale of the
    objective). ``sweeps=0``: the effect of category ``c`` of decision ``i`` is the sum of the centred ranks
    of the results having it, divided by their count plus ``shrink`` (rarely seen categories stay near 0).
    ``sweeps >= 1``: the same shrunk means fitted jointly by backfitting (each decision in turn on the ranks
    minus the other decisions' effects, ``sweeps`` passes), so a category is not credited for the good
    categories it was evaluated with (results near a climb's centre share most of its decisions).
    Only categories present in ``results`` get an entry (ties in value keep the order of ``results``).
    """
    n = len(results)
    if not n:
        return {}
    vectors = np.array([v for v, _ in results], dtype=np.intp).reshape(n, -1)
    target = np.empty(n)
    target[np.argsort(np.array([f for _, f in results]), kind="stable")] = (np.arange(n) + 0.5) / n - 0.5
    columns = list(vectors.T)
    counts = [np.bincount(col) for col in columns]
    if sweeps <= 0:
        effects = [np.bincount(col, weights=target) / (cnt + shrink)
                   for col, cnt in zip(columns, counts, strict=True)]
    else:
        effects = [np.zeros(len(cnt)) for cnt in counts]
        fitted = np.zeros(n)  # the model's prediction of each result
        for _ in range(sweeps):
            for i, col in enumerate(columns):
                old = effects[i][col]
                new = effects[i] = np.bincount(col, weights=target - fitted + old, minlength=len(counts[i])) \
                    / (counts[i] + shrink)
                fitted += new[col] - old
    return {(i, int(c)): float(eff[c]) for i, (eff, cnt) in enumerate(zip(effects, counts, strict=True))
            for c in np.flatnonzero(cnt)}


def model_guided_sample(space: SearchSpace, rng: random.Random, seen: set[Vector] | dict[Vector, Any],
                        effect: Mapping[tuple[int, int], float], candidates: int) -> Vector:
    """The best of ``candidates`` random unseen vectors by the sum of their ``effect`` (see rank_effects).

    Ties keep the earlier draw; ``candidates <= 1`` or an empty model: one uniformly random unseen vector.
    """
    best = sample_unseen(space, rng, seen)
    if candidates <= 1 or not effect:
        return best
    get = effect.get
    best_score = sum(get(key, 0.0) for key in enumerate(best))
    for _ in range(candidates - 1):
        vector = sample_unseen(space, rng, seen)
        score = sum(get(key, 0.0) for key in enumerate(vector))
        if score > best_score:
            best, best_score = vector, score
    return best


def decode_records(space: SearchSpace, data: Iterable[Any], score: Any) -> list[tuple[Vector, float | None]]:
    """``import_data`` records as ``(vector, score)``; score ``None`` when the value is unusable.

    Records whose parameter does not fit the space are skipped (``import_data`` must never crash); a record
    with a valid architecture but no usable value still marks the architecture as seen.
    """
    out: list[tuple[Vector, float | None]] = []
    for record in data:
        if not isinstance(record, Mapping):
            continue
        try:
            vector = space.encode(record["parameter"])
        except (ChoiceError, KeyError, TypeError, ValueError, AttributeError):
            continue
        try:
            value: float | None = score(record.get("value"))
        except (ValueError, TypeError):
            value = None
        out.append((vector, value))
    return out



class HistoryTuner(Tuner):
    """Base of the tuners that never propose an architecture twice (evolution, local search).

    Keeps every architecture proposed, imported or reported (``_seen``) and the architecture of each issued id
    until its result or end (``_issued``); rebuilds :class:`Moves` and clears the history (:meth:`_reset`)
    when the space changes; saves both in ``state_dict``. Subclasses extend :meth:`_reset` and handle the
    usable imported records in :meth:`_imported`.
    """

    _moves: Moves | None = None

    def _reset(self) -> None:
        self._seen: set[Vector] = set()
        self._issued: dict[int, Vector] = {}

    def update_search_space(self, search_space: Mapping[str, Any] | SearchSpace) -> None:
        """Receive the space; the history is kept when the space is unchanged, cleared otherwise."""
        old = self.space
        super().update_search_space(search_space)
        assert self.space is not None
        if old is None or old != self.space:
            self._reset()
            self._moves = Moves(self.space)

    def trial_end(self, parameter_id: int, success: bool, **kwargs: Any) -> None:
        """Forget ``parameter_id``; a failed architecture stays seen.

        ``interrupted=True`` without a result (the trial was stopped, not judged): the architecture was never
        evaluated, so it may be proposed again.
        """
        vector = self._issued.pop(parameter_id, None)
        if vector is not None and kwargs.get("interrupted"):
            self._seen.discard(vector)

    def import_data(self, data: list[dict[str, Any]]) -> None:
        """Warm start: imported architectures are seen; those with a usable value go to :meth:`_imported`."""
        space = self._require_space()
        for vector, fitness in decode_records(space, data, self.score):
            self._seen.add(vector)
            if fitness is not None:
                self._imported(vector, fitness)

    def _imported(self, vector: Vector, fitness: float) -> None:
        """An imported architecture with a usable value (already seen); the default ignores it."""

    def state_dict(self) -> dict[str, Any]:
        """Base state plus the seen architectures and the issued ids."""
        state = super().state_dict()
        state["seen"] = sorted(list(v) for v in self._seen)
        state["issued"] = {str(k): list(v) for k, v in self._issued.items()}
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` (after ``update_search_space`` with the same space)."""
        super().load_state_dict(state)
        self._seen = {tuple(v) for v in state.get("seen", [])}
        self._issued = {int(k): tuple(v) for k, v in state.get("issued", {}).items()}

    def _space_left(self) -> SearchSpace:
        """The space, or ``NoMoreTrialError`` once every architecture of it has been proposed."""
        space = self._require_space()
        if len(self._seen) >= space.cardinality:
            msg = f"all {space.cardinality} architectures of the search space have been proposed"
            raise NoMoreTrialError(msg)
        return space

    def _issue(self, space: SearchSpace, parameter_id: int, vector: Vector) -> dict[str, Any]:
        """Mark ``vector`` seen and issued as ``parameter_id``; its choice document."""
        self._seen.add(vector)
        self._issued[parameter_id] = vector
        return space.decode(vector)

    def _result_vector(self, parameter_id: int, parameters: dict[str, Any]) -> Vector | None:
        """The architecture a result is for: the one issued as ``parameter_id``, else (e.g. resumed
        elsewhere) the encoded ``parameters``, now seen; ``None`` when they do not fit the space."""
        vector = self._issued.pop(parameter_id, None)
        if vector is None:  # not issued by this tuner: trust the document
            try:
                vector = self._require_space().encode(parameters)
            except ChoiceError:  # e.g. a result for the space before an update: nothing to learn from
                return None
            self._seen.add(vector)
        return vector
