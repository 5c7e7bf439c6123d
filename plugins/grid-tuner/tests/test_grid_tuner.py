"""nastune-grid: the contract suite (both orders, direct and via the registry) and grid-specific behaviour."""

from __future__ import annotations

import functools
import json

import pytest
from nastune_grid import GridTuner

from nastuners import NoMoreTrialError, SearchSpace
from nastuners.registry import get_tuner, list_tuners
from nastuners.testing import (
    TunerContract,
    TunerFactory,
    bench_space,
    drive,
    registry_factory,
    synthetic_reward,
    tiny_space,
)


class TestGridContract(TunerContract):
    """Lexicographic grid, built from the class."""

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return GridTuner


class TestShuffledGridFromRegistryContract(TunerContract):
    """Shuffled grid, built by name through the registry (the installed entry point)."""

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return registry_factory("grid", order="shuffled")


def _walk(tuner: GridTuner, space: dict) -> list[str]:
    tuner.update_search_space(space)
    parsed = SearchSpace.from_json(space)
    return [parsed.canonical_key(p) for p in drive(tuner, 10_000, reward=synthetic_reward(space)).params]


@pytest.mark.parametrize("order", ["lexicographic", "shuffled"])
def test_visits_every_architecture_once(order: str) -> None:
    """Both orders propose each of the 1,944 bench architectures exactly once, then stop."""
    keys = _walk(GridTuner(order=order, seed=3), bench_space())
    parsed = SearchSpace.from_json(bench_space())
    assert len(keys) == parsed.cardinality == 1944
    assert set(keys) == {parsed.vector_key(v) for v in parsed.enumerate()}


def test_lexicographic_order_is_enumeration_order() -> None:
    """The default order is SearchSpace.enumerate() order, independent of the seed."""
    parsed = SearchSpace.from_json(tiny_space())
    expected = [parsed.vector_key(v) for v in parsed.enumerate()]
    assert _walk(GridTuner(seed=1), tiny_space()) == expected
    assert _walk(GridTuner(seed=2), tiny_space()) == expected


def test_shuffled_order_depends_on_seed() -> None:
    """Different seeds give different shuffled orders over the same set."""
    a = _walk(GridTuner(order="shuffled", seed=1), bench_space())
    b = _walk(GridTuner(order="shuffled", seed=2), bench_space())
    assert a != b and sorted(a) == sorted(b)


def test_imported_architectures_are_skipped() -> None:
    """import_data removes evaluated architectures from the walk."""
    space = tiny_space()
    parsed = SearchSpace.from_json(space)
    done = [parsed.decode(v) for v in list(parsed.enumerate())[:2]]
    tuner = GridTuner()
    tuner.update_search_space(space)
    tuner.import_data([{"parameter": d, "value": 0.5} for d in done] + [{"parameter": "garbage"}])
    keys = [parsed.canonical_key(p) for p in drive(tuner, 100, reward=synthetic_reward(space)).params]
    assert len(keys) == 4 and not {parsed.canonical_key(d) for d in done} & set(keys)


def test_best_follows_optimize_mode() -> None:
    """best keeps the highest result when maximizing and the lowest when minimizing."""
    space = tiny_space()
    for mode, expected in (("maximize", 0.9), ("minimize", 0.1)):
        tuner = GridTuner(optimize_mode=mode)
        tuner.update_search_space(space)
        for pid, value in enumerate([0.5, 0.9, 0.1]):
            params = tuner.generate_parameters(pid)
            tuner.receive_trial_result(pid, params, {"default": value})
            tuner.trial_end(pid, True)
        assert tuner.best is not None and abs(tuner.best["score"]) == expected


def test_huge_space_state_is_json() -> None:
    """A space with more than 2**64 architectures works, and its state survives JSON (big ints as strings)."""
    space = {"b": {"_type": "choice", "_value": list(range(100))}, **{
        f"c{i}": {"_type": "choice", "_value": list(range(10))} for i in range(20)}}
    tuner = GridTuner(order="shuffled", seed=0)
    tuner.update_search_space(space)
    first = [tuner.generate_parameters(i) for i in range(3)]
    restored = GridTuner(order="shuffled", seed=0)
    restored.update_search_space(space)
    restored.load_state_dict(json.loads(json.dumps(tuner.state_dict())))
    assert restored.generate_parameters(3) == tuner.generate_parameters(3)
    assert len({json.dumps(p, sort_keys=True) for p in first}) == 3


def test_exhausted_grid_keeps_raising() -> None:
    """After the last architecture every call raises NoMoreTrialError."""
    tuner = GridTuner()
    tuner.update_search_space({"x": {"_type": "choice", "_value": [1]}})
    assert tuner.generate_parameters(0) == {"x": 1}
    for pid in (1, 2):
        with pytest.raises(NoMoreTrialError, match="all 1 architectures"):
            tuner.generate_parameters(pid)


def test_registered_under_grid() -> None:
    """The installed distribution exposes the entry point ``grid`` with its metadata and summary."""
    info = {t.name: t for t in list_tuners()}["grid"]
    assert (info.distribution, info.version) == ("nastune-grid", "0.1.0")
    assert info.target == "nastune_grid:GridTuner"
    assert info.summary.startswith("Exhaustive grid search")
    tuner = get_tuner("grid", order="shuffled", seed=1)
    assert isinstance(tuner, GridTuner) and tuner.order == "shuffled"


def test_bad_order_is_rejected() -> None:
    """An unknown order is a clear error."""
    with pytest.raises(ValueError, match="order must be 'lexicographic' or 'shuffled'"):
        functools.partial(GridTuner, order="spiral")()
