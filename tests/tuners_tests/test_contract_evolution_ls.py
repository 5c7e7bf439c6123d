"""Evolution and local search through the contract suite, built directly and through the registry."""

from __future__ import annotations

import functools

import pytest

from nastuners.testing import TunerContract, TunerFactory, registry_factory
from nastuners.tuners._evolution import EvolutionTuner
from nastuners.tuners._local_search import LocalSearchTuner


class TestEvolutionContract(TunerContract):
    """EvolutionTuner with a small population, so mutation (not only the random start) is exercised."""

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return functools.partial(EvolutionTuner, population_size=4, sample_size=2)


class TestEvolutionFromRegistryContract(TunerContract):
    """The tuner that ``get_tuner("evolution")`` builds, with its defaults."""

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return registry_factory("evolution")


class TestLocalSearchContract(TunerContract):
    """LocalSearchTuner with few random starts, so climbing is exercised early."""

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return functools.partial(LocalSearchTuner, initial_samples=3)


class TestLocalSearchFromRegistryContract(TunerContract):
    """The tuner that ``get_tuner("local_search")`` builds, with its defaults."""

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return registry_factory("local_search")


class TestLocalSearchPaperContract(TunerContract):
    """The paper's setting (random neighbour order, random starts) stays reachable and keeps the contract."""

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return functools.partial(LocalSearchTuner, initial_samples=3, restart_samples=1, start_candidates=1,
                                 neighbour_order="random")
