"""The shipped enas configs fit their search space: enas fetches one architecture per training step and the
random tuner never repeats one, so ``steps x maxTrialNum`` above the space's size fails the last trial. With
``enas_prefetch`` on (off by default) each trial also takes one architecture it never trains, so the check
budgets ``steps + 1`` per trial either way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from nastuners.annotation import generate_search_space
from nastuners.space import SearchSpace

ROOT = Path(__file__).resolve().parents[2]
ENAS_CONFIGS = sorted(c for c in (ROOT / "configs").glob("*.yml")
                      if (yaml.safe_load(c.read_text()).get("trial") or {}).get("nasMode") == "enas_mode")


def test_there_are_enas_configs() -> None:
    assert {c.name for c in ENAS_CONFIGS} >= {"mnist_nas_enas.yml", "enas_macro_enas.yml"}


@pytest.mark.parametrize("config", ENAS_CONFIGS, ids=[c.stem for c in ENAS_CONFIGS])
def test_enas_config_budget_fits_the_space(config: Path) -> None:
    doc = yaml.safe_load(config.read_text())
    steps = int(re.search(r"--steps (\d+)", doc["trial"]["command"]).group(1))  # type: ignore[union-attr]
    space = SearchSpace.from_json(generate_search_space(config.parent / doc["trial"]["codeDir"]))
    assert (steps + 1) * doc["maxTrialNum"] <= space.cardinality, (
        f"{config.name}: ({steps} steps + 1 prefetched) x {doc['maxTrialNum']} trials > "
        f"{space.cardinality} architectures")
