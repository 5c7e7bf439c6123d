"""``TunerContract``: the pytest face of the contract checks. Subclass it, supply a ``tuner_factory`` fixture.

::

    import functools
    import pytest
    from nastuners.testing import TunerContract

    class TestMyTunerContract(TunerContract):
        skip_checks = ()                     # names from nastuners.testing.CHECKS, only with a good reason

        @pytest.fixture
        def tuner_factory(self):
            return functools.partial(MyTuner, population=8)   # called as factory(seed=..., optimize_mode=...)
"""

from __future__ import annotations

from typing import ClassVar

import pytest

from .checks import CHECKS, CheckSkipped, TunerFactory
from .driver import quiet_space_warnings

__all__ = ["TunerContract"]


class TunerContract:
    """Base class of a tuner's contract tests; one test per entry of ``nastuners.testing.CHECKS``."""

    skip_checks: ClassVar[tuple[str, ...]] = ()

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        """Override: return ``factory(**kwargs) -> Tuner`` accepting ``seed=`` and ``optimize_mode=``."""
        pytest.fail(f"{type(self).__name__} must define a tuner_factory fixture")

    def _run(self, name: str, factory: TunerFactory) -> None:
        if name in self.skip_checks:
            pytest.skip(f"{name} listed in {type(self).__name__}.skip_checks")
        try:
            with quiet_space_warnings():
                CHECKS[name](factory)
        except CheckSkipped as exc:
            pytest.skip(str(exc))

    def test_construction(self, tuner_factory: TunerFactory) -> None:
        """seed and optimize_mode are accepted; a bad optimize_mode is rejected."""
        self._run("construction", tuner_factory)

    def test_rejects_unsupported_types(self, tuner_factory: TunerFactory) -> None:
        """update_search_space raises SearchSpaceError for an unsupported _type."""
        self._run("rejects_unsupported_types", tuner_factory)

    def test_valid_choices(self, tuner_factory: TunerFactory) -> None:
        """Proposals fit every assorted space: all size forms, choice entries, several blocks, huge spaces."""
        self._run("valid_choices", tuner_factory)

    def test_determinism(self, tuner_factory: TunerFactory) -> None:
        """Same seed, same results: same proposals."""
        self._run("determinism", tuner_factory)

    def test_determinism_across_processes(self, tuner_factory: TunerFactory) -> None:
        """A subprocess with another hash seed proposes the same sequence."""
        self._run("determinism_across_processes", tuner_factory)

    def test_state_round_trip(self, tuner_factory: TunerFactory) -> None:
        """state_dict() is strict JSON and a restored tuner continues identically."""
        self._run("state_round_trip", tuner_factory)

    def test_exhaustion(self, tuner_factory: TunerFactory) -> None:
        """A tiny space yields distinct proposals, then NoMoreTrialError."""
        self._run("exhaustion", tuner_factory)

    def test_minimize(self, tuner_factory: TunerFactory) -> None:
        """Minimizing v is the same as maximizing -v."""
        self._run("minimize", tuner_factory)

    def test_failed_trials(self, tuner_factory: TunerFactory) -> None:
        """Failed trials without results (some or all) do not break the tuner."""
        self._run("failed_trials", tuner_factory)

    def test_concurrency(self, tuner_factory: TunerFactory) -> None:
        """Many pending ids and out-of-order results; generate_multiple_parameters works."""
        self._run("concurrency", tuner_factory)

    def test_import_data(self, tuner_factory: TunerFactory) -> None:
        """import_data accepts good records and ignores bad ones without crashing."""
        self._run("import_data", tuner_factory)

    def test_every_check_has_a_test(self) -> None:
        """Guard: each registered check is exercised by a test method of this class."""
        missing = [name for name in CHECKS if not hasattr(self, f"test_{name}")]
        assert not missing, f"TunerContract lacks tests for {missing}"


