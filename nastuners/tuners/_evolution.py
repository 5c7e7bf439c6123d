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

from ..space import SearchSpace, Vector
from ..tuner import OptimizeMode
from ._history import HistoryTuner, sample_unseen

__all__ = ["EvolutionTuner"]

# A random mutation that lands on an already seen architecture is redrawn this many times before the
# winner's whole neighbourhood is listed.
_MUTATION_TRIES = 8


class EvolutionTuner(HistoryTuner):
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
        self._reset()

    def _reset(self) -> None:
        super()._reset()
        self._population: deque[tuple[Vector, float]] = deque()
        self._exhausted: set[Vector] = set()  # architectures whose every neighbour is seen
        self._started = 0  # random-start suggestions made (imported records count too)

    # -- NNI verbs (update_search_space, trial_end and import_data: HistoryTuner) -------------------------
    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        """A mutation of a tournament winner (a random architecture while the population fills up)."""
        space = self._space_left()
        if self._started < self.population_size or not self._population:
            self._started += 1
            vector = sample_unseen(space, self.rng, self._seen)
        else:
            vector = self._child(space)
        return self._issue(space, parameter_id, vector)

    def receive_trial_result(self, parameter_id: int, parameters: dict[str, Any], value: Any,
                             **kwargs: Any) -> None:
        """Add the evaluated architecture to the population; the oldest member leaves when it is full."""
        fitness = self.score(value)
        vector = self._result_vector(parameter_id, parameters)
        if vector is not None:
            self._join(vector, fitness)

    def _imported(self, vector: Vector, fitness: float) -> None:
        """Warm start: an imported architecture with a usable value joins the population (a random start)."""
        self._started += 1
        self._join(vector, fitness)

    # -- state -----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """History state plus the population (oldest first), the start count, the exhausted members."""
        state = super().state_dict()
        state["population"] = [[list(v), f] for v, f in self._population]
        state["started"] = self._started
        state["exhausted"] = sorted(list(v) for v in self._exhausted)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` (after ``update_search_space`` with the same space)."""
        super().load_state_dict(state)
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
