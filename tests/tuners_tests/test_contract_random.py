"""The built-in random tuner through the contract suite, built directly and through the registry."""

from __future__ import annotations

import functools

import pytest

from nastuners.testing import TunerContract, TunerFactory, registry_factory
from nastuners.tuners import RandomTuner


class TestRandomContract(TunerContract):
    """RandomTuner constructed from its class."""

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return functools.partial(RandomTuner)


class TestRandomFromRegistryContract(TunerContract):
    """The tuner that ``get_tuner("random")`` builds (the path the runner takes)."""

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return registry_factory("random")
