"""Local search (hill climbing over one-decision neighbours with random restarts), made asynchronous.

White, Nolen, Savani, "Local Search is State of the Art for Neural Architecture Search Benchmarks" (2020):
evaluate random starts, climb from the best of them by evaluating its neighbours in random order and moving
to the first one that is better (first improvement), and restart from a new random architecture at a local
optimum. Two additions, both driven by an additive per-decision rank model of the results so far
(``_history.rank_effects``): the centre's neighbours are proposed best-predicted first
(``neighbour_order="model"``), and once a few results are in, each new start is the most promising of several
random unseen architectures (``start_candidates``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..space import SearchSpace, Vector
from ..tuner import OptimizeMode
from ._history import HistoryTuner, model_guided_sample, rank_effects, sample_unseen

__all__ = ["LocalSearchTuner"]

NeighbourOrder = Literal["model", "random"]

# Random neighbours drawn (rejecting seen ones) before the centre's unseen neighbours are listed explicitly.
_LAZY_TRIES = 16
# Starts are model-guided once this many results are in (before that: uniformly random).
_MODEL_MIN_RESULTS = 5
# The model (starts and neighbour order) is refitted once the results have grown by this factor since the last
# fit (cost: a fit sorts and scans every result; refitting at every centre move doubled the cost per trial,
# with the same accuracy within noise).
_MODEL_REFIT_GROWTH = 1.25
# Backfitting passes of the additive rank model (0: per-category means, which credit a move for the good
# categories of the centre it was evaluated around; 3 passes found the optimum of an additive reward in 25%
# fewer evaluations than the paper's random order, 1 pass no faster than random).
_SWEEPS = 3
# Neighbourhoods larger than this are proposed in random order even with neighbour_order="model": listing and
# ranking thousands of input moves at every centre move cost ~1 ms per trial on a 40-layer space.
_ORDER_LIMIT = 512


class LocalSearchTuner(HistoryTuner):
    """First-improvement local search with random restarts.

    - **Climb.** The *centre* is the best architecture of the current climb. Its unseen one-decision
      neighbours (another op or option; one input added, dropped or swapped) are proposed best-predicted first
      under the additive rank model of all results so far (``neighbour_order="random"``: the paper's random
      order; neighbourhoods over 512 are always random); as soon as a result beats the centre, that
      architecture becomes the centre and its neighbours come next.
    - **Starts.** The first climb starts from the best of ``initial_samples`` starts (plus imported results);
      after a local optimum (every neighbour evaluated, none better) the next climb starts from the best of
      ``restart_samples`` new starts. The first starts are uniformly random; once 5 results are in, each
      start is the best of ``start_candidates`` random unseen architectures ranked by an additive
      per-decision model of the ranks of all results so far (``start_candidates=1``: the paper's random
      starts).
    - **Asynchronous.** Several neighbours are in flight at once; a late result that beats the centre still
      moves it. When every neighbour of the centre is issued but some are pending, the tuner proposes random
      starts for the next climb instead of idling.
    - **No duplicates** while unseen architectures remain; ``NoMoreTrialError`` once all are proposed.
    - **Failed trials** count as evaluated (never proposed again) and never become a centre.
    - ``optimize_mode="minimize"`` climbs on the negated value; ``import_data`` records are seen and count as
      random starts; ``state_dict`` captures everything needed to resume.

    Args:
        initial_samples: random architectures evaluated before the first climb.
        restart_samples: starts evaluated before each later climb.
        start_candidates: random unseen architectures the model ranks for each start (1: no model).
        neighbour_order: ``"model"`` (best-predicted neighbour first) or ``"random"`` (the paper's order).
        optimize_mode: ``"maximize"`` or ``"minimize"`` the reported value.
        seed: seeds every random choice.
    """

    def __init__(self, *, initial_samples: int = 10, restart_samples: int = 3, start_candidates: int = 10,
                 neighbour_order: NeighbourOrder = "model", optimize_mode: OptimizeMode = "maximize",
                 seed: int | None = None) -> None:
        super().__init__(optimize_mode=optimize_mode, seed=seed)
        for name, value in (("initial_samples", initial_samples), ("restart_samples", restart_samples),
                            ("start_candidates", start_candidates)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                msg = f"LocalSearchTuner: {name} must be an int >= 1, got {value!r}"
                raise ValueError(msg)
        if neighbour_order not in ("model", "random"):
            msg = f"LocalSearchTuner: neighbour_order must be 'model' or 'random', got {neighbour_order!r}"
            raise ValueError(msg)
        self.neighbour_order = neighbour_order
        self.initial_samples = initial_samples
        self.restart_samples = restart_samples
        self.start_candidates = start_candidates
        self._reset()

    def _reset(self) -> None:
        super()._reset()
        self._climbing: set[int] = set()          # pending ids proposed as neighbours
        self._center: Vector | None = None
        self._center_score = 0.0
        self._queue: list[Vector] | None = None    # neighbours of the centre left to propose (None: rebuild)
        self._pool: dict[Vector, float | None] = {}  # starts for the next climb -> score (None: no result)
        self._pool_needed = self.initial_samples
        self._results: list[tuple[Vector, float]] = []  # every usable result, for the model
        self._effect: dict[tuple[int, int], float] = {}  # the model, fitted on self._results[:_fitted]
        self._fitted = 0
        self._unranked: Vector | None = None  # a centre whose neighbourhood is too large to rank

    # -- NNI verbs (update_search_space and import_data: HistoryTuner) ---------------------------------
    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        """The next unseen neighbour of the centre, or a random start."""
        space = self._space_left()
        vector = self._next_neighbour() if self._center is not None or self._start_climb() else None
        if vector is not None:
            self._climbing.add(parameter_id)
        else:
            vector = self._new_start(space)
            self._pool[vector] = None
        return self._issue(space, parameter_id, vector)

    def receive_trial_result(self, parameter_id: int, parameters: dict[str, Any], value: Any,
                             **kwargs: Any) -> None:
        """Record the result; a climb result (or a late one) that beats the centre moves the centre."""
        fitness = self.score(value)
        self._climbing.discard(parameter_id)
        vector = self._result_vector(parameter_id, parameters)
        if vector is None:
            return
        self._results.append((vector, fitness))
        if vector in self._pool:
            self._pool[vector] = fitness
        elif self._center is not None and fitness > self._center_score:
            self._move(vector, fitness)

    def trial_end(self, parameter_id: int, success: bool, **kwargs: Any) -> None:
        """Forget the bookkeeping of ``parameter_id``; a failed architecture stays seen."""
        self._climbing.discard(parameter_id)
        super().trial_end(parameter_id, success, **kwargs)

    def _imported(self, vector: Vector, fitness: float) -> None:
        """Warm start: an imported architecture with a usable value is a candidate start."""
        self._pool[vector] = fitness
        self._results.append((vector, fitness))

    # -- state -----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """History state plus the climbing ids, the centre, its queue, the start pool and the results."""
        state = super().state_dict()
        state.update({
            "climbing": sorted(self._climbing),
            "center": None if self._center is None else [list(self._center), self._center_score],
            "queue": None if self._queue is None else [list(v) for v in self._queue],
            "pool": [[list(v), f] for v, f in self._pool.items()],
            "pool_needed": self._pool_needed,
            "results": [[list(v), f] for v, f in self._results],
            "fitted": self._fitted,
        })
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` (after ``update_search_space`` with the same space)."""
        super().load_state_dict(state)
        self._climbing = {int(k) for k in state.get("climbing", [])}
        center = state.get("center")
        self._center = None if center is None else tuple(center[0])
        self._center_score = 0.0 if center is None else float(center[1])
        queue = state.get("queue")
        self._queue = None if queue is None else [tuple(v) for v in queue]
        self._pool = {tuple(v): (None if f is None else float(f)) for v, f in state.get("pool", [])}
        self._pool_needed = int(state.get("pool_needed", self.initial_samples))
        self._results = [(tuple(v), float(f)) for v, f in state.get("results", [])]
        self._fitted = int(state.get("fitted", 0))
        self._effect = rank_effects(self._results[:self._fitted], sweeps=_SWEEPS) if self._fitted else {}

    # -- internals -------------------------------------------------------------------------------------
    def _new_start(self, space: SearchSpace) -> Vector:
        n = len(self._results)
        if n < _MODEL_MIN_RESULTS or self.start_candidates == 1:
            return sample_unseen(space, self.rng, self._seen)
        return model_guided_sample(space, self.rng, self._seen, self._model(), self.start_candidates)

    def _model(self) -> dict[tuple[int, int], float]:
        """The rank model of the results, refitted once they have grown by ``_MODEL_REFIT_GROWTH``."""
        n = len(self._results)
        if n >= self._fitted * _MODEL_REFIT_GROWTH:
            self._effect, self._fitted = rank_effects(self._results, sweeps=_SWEEPS), n
        return self._effect

    def _move(self, vector: Vector, fitness: float) -> None:
        self._center, self._center_score = vector, fitness
        self._queue = None

    def _start_climb(self) -> bool:
        """Climb from the best evaluated start once enough starts were proposed; False: keep sampling."""
        if len(self._pool) < self._pool_needed:
            return False
        scored = [(f, v) for v, f in self._pool.items() if f is not None]
        if not scored:
            return False
        fitness, vector = max(scored, key=lambda fv: fv[0])
        self._pool = {}
        self._pool_needed = self.restart_samples
        self._move(vector, fitness)
        return True

    def _next_neighbour(self) -> Vector | None:
        """An unseen neighbour of the centre; at a local optimum a new climb starts (None: random start)."""
        moves = self._moves
        assert moves is not None
        seen = self._seen
        while True:
            center = self._center
            assert center is not None
            if self._queue is None and self.neighbour_order == "model" and self._results \
                    and center != self._unranked:
                if moves.neighbourhood_size(center) <= _ORDER_LIMIT:
                    self._queue = self._ranked_neighbours(center)
                else:  # too many to rank: random order for this centre (checked once, not per suggestion)
                    self._unranked = center
            if self._queue is None:
                # a random unseen neighbour by rejection: the same law as a shuffled list of the unseen ones,
                # without building that list (thousands of neighbours in large spaces with input choices)
                for _ in range(_LAZY_TRIES):
                    vector = moves.random_neighbour(center, self.rng)
                    if vector is None:
                        break
                    if vector not in seen:
                        return vector
                queue = [c for c in moves.neighbours(center) if c not in seen]
                self.rng.shuffle(queue)
                self._queue = queue
            queue = self._queue
            while queue:
                vector = queue.pop()
                if vector not in seen:
                    return vector
            if self._climbing:  # results of the neighbourhood are still coming: prepare the next start
                return None
            self._center = None  # local optimum
            self._queue = None
            if not self._start_climb():
                return None

    def _ranked_neighbours(self, center: Vector) -> list[Vector]:
        """The unseen neighbours of ``center``, best-predicted last (popped first), under the rank model.

        A neighbour changes one decision ``i`` to ``c``, so its predicted gain over the centre is
        ``effect(i, c) - effect(i, center[i])``; ties keep a random order.
        """
        moves = self._moves
        assert moves is not None
        get = self._model().get
        seen = self._seen
        scored: list[tuple[float, Vector]] = []
        for i in moves.mutable:
            here = get((i, center[i]), 0.0)
            head, tail = center[:i], center[i + 1:]
            for c in moves.alternatives(i, center[i]):
                vector = head + (c,) + tail
                if vector not in seen:
                    scored.append((get((i, c), 0.0) - here, vector))
        self.rng.shuffle(scored)
        scored.sort(key=lambda sv: sv[0])
        return [v for _, v in scored]
