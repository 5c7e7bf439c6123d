"""Every config in ``configs/`` loads, names a tuner that resolves, and (outside TF) has a usable space.

No trial runs. The TensorFlow examples' configs are only loaded and their tuners built: their search spaces
come from example code that other tests cover, and nothing here imports TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nastuners.annotation import generate_search_space
from nastuners.experiment.config import ExperimentConfig, load_config
from nastuners.experiment.tuner_loader import build_tuner
from nastuners.space import SearchSpace, load_space

CONFIGS = sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.yml"))
TF_EXAMPLES = {"mnist_nas", "enas_macro"}  # trial code that imports TensorFlow


def _uses_tensorflow(config: ExperimentConfig) -> bool:
    return Path(config.trial.code_dir).name in TF_EXAMPLES


def test_configs_folder_is_not_empty() -> None:
    """The glob below finds the shipped configs (a moved folder would otherwise pass vacuously)."""
    assert len(CONFIGS) >= 5, CONFIGS


@pytest.mark.filterwarnings("ignore:.*optional_input_size")
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_loads_and_its_tuner_resolves(path: Path) -> None:
    """The config validates, its code exists, its tuner builds and proposes an architecture of the space."""
    config = load_config(path)
    assert Path(config.trial.code_dir).is_dir(), config.trial.code_dir
    if _uses_tensorflow(config):
        assert config.use_annotation
        if config.tuner is not None:
            build_tuner(config.tuner, config.seed)
        return
    if config.use_annotation:
        space = SearchSpace.from_json(generate_search_space(config.trial.code_dir))
    else:
        assert config.search_space_path is not None
        space = load_space(config.search_space_path)
    assert config.tuner is not None, f"{path.name}: a non-TF config needs a tuner"
    tuner = build_tuner(config.tuner, config.seed)
    tuner.update_search_space(space.to_json())
    space.validate_choice(tuner.generate_parameters(0))
