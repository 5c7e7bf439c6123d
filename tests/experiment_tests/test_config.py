"""Experiment config: NNI v1 files as they are, our keys, CLI overrides, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from exp_helpers import TOY, run_cli, toy_config

from nastuners.exceptions import ConfigError
from nastuners.experiment.config import load_config

NNI_V1 = """
authorName: default
experimentName: example_mnist
trialConcurrency: 1
maxExecDuration: 1h
maxTrialNum: 10
trainingServicePlatform: local
useAnnotation: true
multiThread: false
tuner:
  builtinTunerName: PPOTuner
  classArgs:
    optimize_mode: maximize
    trials_per_update: 60
trial:
  command: python3 mnist.py
  codeDir: .
  gpuNum: 0
  nasMode: enas_mode
"""


def test_nni_v1_file_loads_as_is(tmp_path: Path) -> None:
    """An NNI v1 config with annotations and enas_mode: fields mapped, multiPhase on, paths absolute."""
    (tmp_path / "config.yml").write_text(NNI_V1)
    config = load_config(tmp_path / "config.yml")
    assert config.name == "example_mnist" and config.max_trials == 10 and config.max_duration == 3600
    assert config.use_annotation and config.multi_phase  # enas_mode needs multi-phase
    assert config.tuner is not None and config.tuner.name == "PPOTuner"
    assert config.tuner.class_args == {"optimize_mode": "maximize", "trials_per_update": 60}
    assert config.trial.code_dir == str(tmp_path.resolve()) and config.trial.nas_mode == "enas_mode"


def test_overrides_replace_tuner_but_keep_direction(tmp_path: Path) -> None:
    """--tuner replaces the tuner section but keeps optimize_mode; numeric flags override the file."""
    path = toy_config(tmp_path, tuner={"classArgs": {"optimize_mode": "minimize"}})
    config = load_config(path, {"tuner": "random", "tuner_args": '{"x": 1}', "max_trials": 5,
                                "concurrency": 3, "max_duration": "2m", "max_trial_duration": "10s"})
    assert config.tuner is not None and config.tuner.name == "random"
    assert config.tuner.class_args == {"optimize_mode": "minimize", "x": 1}
    assert (config.max_trials, config.concurrency, config.max_duration, config.max_trial_duration) == \
        (5, 3, 120, 10)


@pytest.mark.parametrize(("changes", "expected"), [
    ({"trialConcurency": 2}, "trialConcurency: unknown key; did you mean 'trialConcurrency'?"),
    ({"trialConcurrency": "two"}, "trialConcurrency: expected an integer, found str 'two'"),
    ({"maxTrialNum": 0}, "maxTrialNum: 0 is out of range; expected 1 to 99999"),
    ({"maxExecDuration": "1 week"}, "maxExecDuration: '1 week' is not a duration"),
    ({"useAnnotation": True}, "If you set useAnnotation=true, please leave searchSpacePath empty"),
    ({"searchSpacePath": None}, "searchSpacePath: missing"),
    ({"trainingServicePlatform": "pai"}, "'pai' is not supported; only 'local' is implemented"),
    ({"assessor": {"builtinAssessorName": "Medianstop"}}, "assessors are not supported"),
    ({"trial": {"nasMode": "enas"}}, "'enas' is not a NAS mode"),
    ({"trial": {"nasMode": "enas_mode"}, "multiPhase": False}, "enas_mode fetches one architecture"),
    ({"trial": {"comand": "x"}}, "trial.comand: unknown key; did you mean 'command'?"),
    ({"trial": {"codeDir": "/no/such/dir"}}, "trial.codeDir: '/no/such/dir' is not a directory"),
    ({"tuner": {"className": None}}, "missing className"),
    ({"tuner": {"classArgs": {"optimize_mode": "max"}}}, "'max': expected 'maximize' or 'minimize'"),
    ({"tuner": None}, "tuner: missing"),
])
def test_bad_configs_name_the_key_and_the_fix(tmp_path: Path, changes: dict, expected: str) -> None:
    """Each mistake gives a ConfigError naming the key, what was found and what is expected."""
    with pytest.raises(ConfigError) as info:
        load_config(toy_config(tmp_path, **changes))
    assert expected in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Three mistakes, three lines in one error."""
    with pytest.raises(ConfigError) as info:
        load_config(toy_config(tmp_path, trialConcurrency=0, maxTrialNum="x", foo=1))
    assert "(3 problems)" in str(info.value)


def test_unreadable_and_non_mapping_files(tmp_path: Path) -> None:
    """A missing file, broken YAML and a list at the top level are clear errors."""
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "nope.yml")
    (tmp_path / "bad.yml").write_text("a: [1,\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path / "bad.yml")
    (tmp_path / "list.yml").write_text("- 1\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(tmp_path / "list.yml")


def test_cli_bad_config_exit_2_without_experiment(home: Path, tmp_path: Path, capsys) -> None:
    """`nastune run` on a bad config exits 2 with the message on stderr and creates nothing."""
    assert run_cli("run", str(toy_config(tmp_path, maxTrialNum=-1))) == 2
    assert "maxTrialNum" in capsys.readouterr().err
    assert run_cli("run", str(toy_config(tmp_path)), "--tuner-args", "{oops") == 2
    assert "--tuner-args: not valid JSON" in capsys.readouterr().err
    assert not (home / "experiments").exists() or not any((home / "experiments").iterdir())


def test_cli_bad_search_space_exit_2(home: Path, tmp_path: Path, capsys) -> None:
    """An invalid search space is reported (every issue) before any trial runs."""
    space = tmp_path / "space.json"
    space.write_text('{"b": {"_type": "mutable_layer", "_value": {"l": {"layer_choice": []}}}}')
    assert run_cli("run", str(toy_config(tmp_path, searchSpacePath=str(space)))) == 2
    err = capsys.readouterr().err
    assert "search space" in err and "layer_choice" in err
    config = tmp_path / "config.yml"
    # where the bad space came from: the config file, and the file its searchSpacePath names
    assert f"{config}: searchSpacePath {space} (relative to the config file's folder {tmp_path}): " \
        "invalid search space" in err
    assert not (home / "experiments").exists()


def test_tuner_file_without_tuner_class(tmp_path: Path, home: Path, capsys) -> None:
    """A className that is not in the file, or lacks the tuner verbs, is a config error."""
    assert run_cli("run", str(toy_config(tmp_path, tuner={"className": "Nope"}))) == 2
    assert "defines no class 'Nope'" in capsys.readouterr().err
    assert run_cli("run", str(toy_config(tmp_path, tuner={"className": "NoMoreTrialError"}))) == 2
    assert "is not a tuner: it lacks" in capsys.readouterr().err
    assert TOY.is_dir()


def test_yaml_syntax_error_names_line_and_empty_file(tmp_path: Path) -> None:
    """Broken YAML names file:line:col; an empty file says it is empty (not 'found NoneType')."""
    (tmp_path / "bad.yml").write_text("a: 1\n b: 2\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "bad.yml")
    expected = f"{tmp_path / 'bad.yml'}:2:3: not valid YAML: mapping values are not allowed here"
    assert expected in str(info.value)
    assert "<unicode string>" not in str(info.value)
    (tmp_path / "empty.yml").write_text("# only a comment\n")
    with pytest.raises(ConfigError, match="the config file is empty"):
        load_config(tmp_path / "empty.yml")


@pytest.mark.parametrize(("nni_name", "ours", "warns"), [
    ("PPOTuner", "ppo", False), ("Random", "random", False), ("RandomNASTuner", "random", False),
    ("Evolution", "evolution", False), ("TPE", "evolution", True), ("Anneal", "local_search", True),
    ("GridSearch", "grid", False), ("EVOLUTION", "evolution", False),
])
def test_nni_builtin_tuner_names_map(nni_name: str, ours: str, warns: bool, caplog) -> None:
    """NNI v1 builtinTunerName values resolve to installed tuners; a different algorithm is announced."""
    from nastuners.experiment.tuner_loader import resolve_tuner_name

    with caplog.at_level("WARNING", logger="nastuners"):
        assert resolve_tuner_name(nni_name) == ours
    assert (f"using {ours!r} instead" in caplog.text) == warns


@pytest.mark.parametrize(("name", "expected"), [
    ("SMAC", "NNI's builtin tuner 'SMAC' has no nastune counterpart; use one of: evolution, grid"),
    ("BatchTuner", "NNI's builtin tuner 'BatchTuner' has no nastune counterpart"),
    ("randm", "no tuner named 'randm'; did you mean 'random'?"),
    ("PPOTunr", "did you mean 'ppo'?"),
    ("zzzz", "no tuner named 'zzzz' (installed: evolution, grid"),
])
def test_unknown_tuner_names_suggest_only_installed_tuners(name: str, expected: str) -> None:
    """Unknown names: a did-you-mean that exists (never a name nobody registered), or NNI's own name."""
    from nastuners.experiment.tuner_loader import resolve_tuner_name

    with pytest.raises(ConfigError) as info:
        resolve_tuner_name(name)
    assert expected in str(info.value)
    assert "'tpe'" not in str(info.value)


def test_cli_use_annotation_on_code_without_annotations(home: Path, tmp_path: Path, capsys) -> None:
    """useAnnotation on code without annotations: exit 2 naming trial.codeDir and the fix; nothing created."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "trial.py").write_text("print('no annotations here')\n")
    config = toy_config(tmp_path, useAnnotation=True, searchSpacePath=None, trial={"codeDir": str(code)})
    assert run_cli("run", str(config)) == 2
    err = capsys.readouterr().err
    assert f"trial.codeDir {code}: useAnnotation is true but no @nni annotation" in err
    assert "set useAnnotation: false and give searchSpacePath" in err and "--allow-empty" not in err
    assert not (home / "experiments").exists() or not any((home / "experiments").iterdir())


def test_cli_annotated_space_with_unsupported_types_names_the_code_dir(home: Path, tmp_path: Path,
                                                                        capsys) -> None:
    """Direct nni.uniform(...) calls enter the generated space; the run refuses it, naming the code dir."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "trial.py").write_text("import nni\nlr = nni.uniform(0, 1, name='lr')\n")
    config = toy_config(tmp_path, useAnnotation=True, searchSpacePath=None, trial={"codeDir": str(code)})
    assert run_cli("run", str(config)) == 2
    err = capsys.readouterr().err
    assert f"search space generated from the annotations in {code}: invalid search space" in err
    assert '$["trial/lr/uniform"]["_type"]: _type "uniform" is not supported' in err


def test_cli_shows_the_enas_multiphase_notice_and_runs_multiphase(home: Path, tmp_path: Path) -> None:
    """nasMode enas_mode without multiPhase: `nastune run` says on stderr that multiPhase was enabled (an
    INFO, visible at the CLI's default log level) and the experiment is multi-phase."""
    import json
    import subprocess

    from exp_helpers import spawn_cli

    from nastuners.experiment.store import Store

    config = toy_config(tmp_path, maxTrialNum=1, trial={"nasMode": "enas_mode"})
    proc = spawn_cli("run", str(config), "--quiet", "--experiment-dir", str(tmp_path / "exp"),
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "INFO" in err and "multiPhase enabled" in err
    stored = Store(tmp_path / "exp").experiment()["config"]
    assert stored["multi_phase"] is True, json.dumps(stored)


def test_nas_mode_args_values_are_checked_when_the_config_is_read(tmp_path: Path) -> None:
    """A wrong nasModeArgs value is refused by `nastune run` before any trial starts, with its path."""
    from nastuners.exceptions import ConfigError
    from nastuners.experiment.config import parse_config

    raw = {"searchSpacePath": "s.json", "tuner": {"builtinTunerName": "random"},
           "trial": {"command": "python3 t.py", "codeDir": ".", "nasMode": "enas_mode",
                     "nasModeArgs": {"enas_prefetch": 1, "oneshot_dropout_rate": 1.5}}}
    with pytest.raises(ConfigError) as info:
        parse_config(raw, base_dir=tmp_path)
    text = str(info.value)
    assert "trial.nasModeArgs.enas_prefetch: enas_prefetch must be true or false, got 1" in text
    assert "trial.nasModeArgs.oneshot_dropout_rate: oneshot_dropout_rate must be in [0, 1)" in text
    raw["trial"]["nasModeArgs"] = {"enas_prefetch": False}
    assert parse_config(raw, base_dir=tmp_path).trial.nas_mode_args == {"enas_prefetch": False}
