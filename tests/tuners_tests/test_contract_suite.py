"""The contract suite itself: a correct tuner passes; each deliberately broken tuner fails the right check."""

from __future__ import annotations

import functools
import random
from typing import Any

import pytest

from nastuners import NoMoreTrialError, NoSuggestionYet, Tuner
from nastuners.space import Vector
from nastuners.testing import CHECKS, ContractError, check_tuner, quiet_space_warnings


class Sampler(Tuner):
    """A correct minimal tuner: uniform samples, no repeats, state saved."""

    def __init__(self, *, optimize_mode: Any = "maximize", seed: int | None = None) -> None:
        super().__init__(optimize_mode=optimize_mode, seed=seed)
        self.seen: set[Vector] = set()

    def update_search_space(self, search_space: Any) -> None:
        super().update_search_space(search_space)
        self.seen = set()

    def draw(self) -> Vector:
        return self._require_space().sample(self.rng)

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        space = self._require_space()
        if len(self.seen) >= space.cardinality:
            raise NoMoreTrialError("done")
        vector = self.draw()
        while vector in self.seen:
            vector = self.draw()
        self.seen.add(vector)
        return space.decode(vector)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "seen": sorted(list(v) for v in self.seen)}

    def load_state_dict(self, state: Any) -> None:
        super().load_state_dict(state)
        self.seen = {tuple(v) for v in state["seen"]}


class Repeats(Sampler):
    """Forgets what it proposed."""

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        return self._require_space().decode(self.draw())


class HashOrder(Sampler):
    """Deterministic within one process only: its generator is seeded with a string hash."""

    def update_search_space(self, search_space: Any) -> None:
        super().update_search_space(search_space)
        self.rng = random.Random(hash("nastune") + (self.seed or 0))


class ForgetsState(Sampler):
    """Draws from a private generator that state_dict() does not save."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.private = random.Random(self.seed)

    def draw(self) -> Vector:
        return self._require_space().sample(self.private)


class IgnoresMode(Sampler):
    """Greedy around the best *raw* value instead of self.score(value)."""

    best: tuple[float, Vector] | None = None

    def draw(self) -> Vector:
        space = self._require_space()
        if self.best is None or self.rng.random() < 0.3:
            return space.sample(self.rng)
        return self.rng.choice(space.neighbours(self.best[1]))

    def receive_trial_result(self, parameter_id: int, parameters: Any, value: Any, **kwargs: Any) -> None:
        raw = value["default"] if isinstance(value, dict) else value
        if self.best is None or raw > self.best[0]:
            self.best = (raw, self._require_space().encode(parameters))


class TupleInputs(Sampler):
    """Returns tuples where JSON has lists."""

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        doc = super().generate_parameters(parameter_id)
        for block in doc.values():
            if isinstance(block, dict):
                for layer in block.values():
                    layer["chosen_inputs"] = tuple(layer["chosen_inputs"])
        return doc


class Deadlocks(Sampler):
    """Says "not now" with nothing pending."""

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        raise NoSuggestionYet


class ClobbersPending(Sampler):
    """Reassigns self.pending."""

    def receive_trial_result(self, parameter_id: int, parameters: Any, value: Any, **kwargs: Any) -> None:
        self.pending = {}


class DropsMode(Sampler):
    """Does not pass optimize_mode on."""

    def __init__(self, *, optimize_mode: Any = "maximize", seed: int | None = None) -> None:
        super().__init__(seed=seed)


def _fails(name: str, factory: Any, match: str) -> None:
    with quiet_space_warnings(), pytest.raises(ContractError, match=match):
        CHECKS[name](factory)


def test_correct_tuner_passes_everything() -> None:
    """The reference Sampler passes every check (so each failure below is the defect's doing)."""
    assert set(check_tuner(Sampler).values()) == {"ok"}


def test_repeats_fail_exhaustion() -> None:
    """A tuner that repeats architectures fails the exhaustion check."""
    _fails("exhaustion", Repeats, "proposed the same architecture twice")


def test_hash_dependence_is_caught_only_across_processes() -> None:
    """hash()-dependent choices pass in-process determinism but fail in a subprocess (other hash seed)."""
    CHECKS["determinism"](HashOrder)
    _fails("determinism_across_processes", HashOrder, "another PYTHONHASHSEED diverged at trial 0")


def test_unsaved_state_fails_round_trip() -> None:
    """State kept outside state_dict() makes the restored tuner diverge."""
    _fails("state_round_trip", ForgetsState, "restored tuner diverged")


def test_raw_values_fail_minimize() -> None:
    """Using raw values instead of self.score() makes minimize differ from maximize of -v."""
    _fails("minimize", IgnoresMode, "minimize with v and maximize with -v diverged")
    CHECKS["minimize"](functools.partial(Sampler))  # results ignored: trivially symmetric


def test_tuples_fail_valid_choices() -> None:
    """Non-JSON data in a proposal is reported."""
    _fails("valid_choices", TupleInputs, "changes in a JSON round trip")


def test_not_now_with_nothing_pending_is_a_deadlock() -> None:
    """NoSuggestionYet with nothing pending is reported as a would-be deadlock."""
    _fails("valid_choices", Deadlocks, "NoSuggestionYet with no trial pending")


def test_reassigned_pending_fails_concurrency() -> None:
    """Reassigning self.pending breaks the pending bookkeeping."""
    _fails("concurrency", ClobbersPending, r"pending lists \[\]")


def test_dropped_optimize_mode_fails_construction() -> None:
    """Not passing optimize_mode to the base class is caught."""
    _fails("construction", DropsMode, "optimize_mode='minimize' was not kept")


def test_check_tuner_prefixes_the_failed_check_and_skips_unpicklable() -> None:
    """check_tuner names the failing check, honours skip=, skips the subprocess check for a lambda."""
    with quiet_space_warnings(), pytest.raises(ContractError, match="check 'exhaustion' failed"):
        check_tuner(Repeats, skip=("valid_choices", "determinism_across_processes"))
    report = check_tuner(lambda **kw: Sampler(**kw), skip=("valid_choices",))
    assert report["valid_choices"] == "skipped: asked"
    assert report["determinism_across_processes"].startswith("skipped: the factory cannot be pickled")
    with pytest.raises(ValueError, match="unknown checks"):
        check_tuner(Sampler, skip=("nope",))
