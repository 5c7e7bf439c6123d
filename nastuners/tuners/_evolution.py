"""Regularized (aging) evolution over a mutable_layer space.

Real, Aggarwal, Huang, Le, "Regularized Evolution for Image Classifier Architecture Search" (AAAI 2019):
keep a population of the ``population_size`` most recently *evaluated* architectures; each new architecture
is a one-decision mutation of the winner of a random tournament of ``sample_size`` members; the oldest member
dies when a new one joins. The population starts with ``population_size`` uniformly random architectures.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from ..exceptions import ChoiceError, NoMoreTrialError
from ..space import SearchSpace, Vector
from ..tuner import OptimizeMode, Tuner
from ._history import Moves, decode_records, sample_unseen

__all__ = ["EvolutionTuner"]

# A random mutation that lands on an already seen architecture is redrawn this many times before the
# winner's whole neighbourhood is listed.
_MUTATION_TRIES = 8


class EvolutionTuner(Tuner):
    """Aging evolution: tournament selection, one-decision mutation, the oldest member removed.

    - **Asynchronous.** The population holds evaluated architectures only; suggestions are made from it while
      other trials are still running. The first ``population_size`` suggestions are uniformly random.
    - **No duplicates.** An architecture is never proposed twice (issued, pending, evaluated or imported)
      while unseen ones remain: a mutation that lands on a seen architecture is redrawn, then another unseen
      neighbour of the winner is taken, then an unseen neighbour of the next-best members, then a random
      unseen one.
      ``NoMoreTrialError`` is raised once every architecture of the space has been proposed.
    - **Failed trials** (``trial_end(id, False)`` without a result) count as evaluated (never proposed again)
      but never join the population, so they cannot become parents nor push out a working member.
    - **Mutation.** A uniformly chosen decision (an op, a ``choice`` entry or the input set of a layer) moves
      one step: another op or option; one input added, dropped or swapped within the layer's size range.
    - ``optimize_mode="minimize"`` ranks by the negated value; ``import_data`` records join the population
      (oldest first) and count towards the random start; ``state_dict`` captures everything needed to resume.

    Args:
        population_size: number of evaluated architectures kept (P).
        sample_size: tournament size (S), clipped to the current population size.
        optimize_mode: ``"maximize"`` or ``"minimize"`` the reported value.
        seed: seeds every random choice.
    """

    def __init__(self, *, population_size: int = 10, sample_size: int = 10,
                 optimize_mode: OptimizeMode = "maximize", seed: int | None = None) -> None:
        super().__init__(optimize_mode=optimize_mode, seed=seed)
        for name, value, low in (("population_size", population_size, 1), ("sample_size", sample_size, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                msg = f"EvolutionTuner: {name} must be an int >= {low}, got {value!r}"
                raise ValueError(msg)
        self.population_size = population_size
        self.sample_size = sample_size
        self._moves: Moves | None = None
        self._reset()

    def _reset(self) -> None:
        self._seen: set[Vector] = set()
        self._issued: dict[int, Vector] = {}
        self._population: deque[tuple[Vector, float]] = deque()
        self._exhausted: set[Vector] = set()  # architectures whose every neighbour is seen
        self._started = 0  # random-start suggestions made (imported records count too)

    # -- NNI verbs -------------------------------------------------------------------------------------
    def update_search_space(self, search_space: Mapping[str, Any] | SearchSpace) -> None:
        """Receive the space; the history is kept when the space is unchanged, cleared otherwise."""
        old = self.space
        super().update_search_space(search_space)
        assert self.space is not None
        if old is None or old != self.space:
            self._reset()
            self._moves = Moves(self.space)

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        """A mutation of a tournament winner (a random architecture while the population fills up)."""
        space = self._require_space()
        if len(self._seen) >= space.cardinality:
            msg = f"all {space.cardinality} architectures of the search space have been proposed"
            raise NoMoreTrialError(msg)
        if self._started < self.population_size or not self._population:
            self._started += 1
            vector = sample_unseen(space, self.rng, self._seen)
        else:
            vector = self._child(space)
        self._seen.add(vector)
        self._issued[parameter_id] = vector
        return space.decode(vector)

    def receive_trial_result(self, parameter_id: int, parameters: dict[str, Any], value: Any,
                             **kwargs: Any) -> None:
        """Add the evaluated architecture to the population; the oldest member leaves when it is full."""
        fitness = self.score(value)
        vector = self._issued.pop(parameter_id, None)
        space = self._require_space()
        if vector is None:  # not issued by this tuner (e.g. resumed elsewhere): trust the document
            try:
                vector = space.encode(parameters)
            except ChoiceError:  # e.g. a result for the space before an update: nothing to learn from
                return
            self._seen.add(vector)
        self._join(vector, fitness)

    def trial_end(self, parameter_id: int, success: bool, **kwargs: Any) -> None:
        """Forget ``parameter_id``; a failed architecture stays seen and outside the population."""
        self._issued.pop(parameter_id, None)

    def import_data(self, data: list[dict[str, Any]]) -> None:
        """Warm start: imported architectures are seen, and those with a usable value join the population."""
        space = self._require_space()
        for vector, fitness in decode_records(space, data, self.score):
            self._seen.add(vector)
            if fitness is not None:
                self._started += 1
                self._join(vector, fitness)

    # -- state -----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Base state plus seen architectures, issued ids, the population (oldest first), the start count."""
        state = super().state_dict()
        state["seen"] = sorted(list(v) for v in self._seen)
        state["issued"] = {str(k): list(v) for k, v in self._issued.items()}
        state["population"] = [[list(v), f] for v, f in self._population]
        state["started"] = self._started
        state["exhausted"] = sorted(list(v) for v in self._exhausted)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` (after ``update_search_space`` with the same space)."""
        super().load_state_dict(state)
        self._seen = {tuple(v) for v in state.get("seen", [])}
        self._issued = {int(k): tuple(v) for k, v in state.get("issued", {}).items()}
        self._population = deque((tuple(v), float(f)) for v, f in state.get("population", []))
        self._started = int(state.get("started", 0))
        self._exhausted = {tuple(v) for v in state.get("exhausted", [])}

    # -- internals -------------------------------------------------------------------------------------
    def _join(self, vector: Vector, fitness: float) -> None:
        self._population.append((vector, fitness))
        if len(self._population) > self.population_size:
            self._population.popleft()

    def _child(self, space: SearchSpace) -> Vector:
        moves = self._moves
        assert moves is not None
        population = self._population
        rng = self.rng
        n = len(population)
        if self.sample_size >= n:
            parent = max(population, key=_fitness)[0]
        else:
            parent = max((population[i] for i in rng.sample(range(n), self.sample_size)), key=_fitness)[0]
        seen = self._seen
        if parent not in self._exhausted:
            for _ in range(_MUTATION_TRIES):
                child = moves.random_neighbour(parent, rng)
                if child is None:
                    break
                if child not in seen:
                    return child
        # the winner's neighbourhood is (nearly) exhausted: its other unseen neighbours, then the best members
        ranked = [parent, *(v for v, _ in sorted(population, key=_fitness, reverse=True) if v != parent)]
        for member in ranked:
            if member in self._exhausted:
                continue
            unseen = [c for c in moves.neighbours(member) if c not in seen]
            if unseen:
                return unseen[rng.randrange(len(unseen))]
            self._exhausted.add(member)  # stays exhausted: the seen set only grows
        return sample_unseen(space, rng, seen)


def _fitness(member: tuple[Vector, float]) -> float:
    return member[1]
