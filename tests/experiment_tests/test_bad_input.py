"""Bad input to `nastune run`/`resume` (audit findings): exit 2, a message naming where it is wrong and how to
fix it, and no experiment directory left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from exp_helpers import TOY, run_cli, toy_config


def _config(tmp_path: Path, tuner: Any = None, **changes: Any) -> Path:
    """A toy config whose ``tuner`` section is replaced as a whole (``toy_config`` merges mappings)."""
    path = toy_config(tmp_path, **changes)
    raw = yaml.safe_load(path.read_text())
    if tuner is not None:
        raw["tuner"] = tuner
    path.write_text(yaml.safe_dump(raw))
    return path


def _nothing_created(home: Path, exp_dir: Path | None = None) -> None:
    assert not (home / "experiments").exists() or not any((home / "experiments").iterdir())
    assert exp_dir is None or not exp_dir.exists()


# -- #3: a tuner file that calls sys.exit while being imported ----------------------------------------------
def test_tuner_file_calling_sys_exit_at_import(tmp_path: Path, home: Path, capsys) -> None:
    """argparse at module level: our error names the file and the guard; its usage text is quoted under it."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "cli_tuner.py").write_text("import argparse\nparser = argparse.ArgumentParser(prog='mytool')\n"
                                       "parser.parse_args(['--bogus'])\n\nclass T:\n    pass\n")
    tuner = {"codeDir": str(code), "classFileName": "cli_tuner.py", "className": "T"}
    exp_dir = tmp_path / "exp"
    config = _config(tmp_path, tuner)
    assert run_cli("run", str(config), "--experiment-dir", str(exp_dir), "--quiet") == 2
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first == (f"nastune: error: {config}: tuner.classFileName: importing {code / 'cli_tuner.py'}: "
                     "it called sys.exit(2) while being imported; guard module-level code with "
                     "`if __name__ == '__main__':`")
    # argparse's own usage/error lines only appear quoted under ours, never as a bare "usage:" line
    assert "    | usage: mytool" in err and "    | mytool: error: unrecognized arguments: --bogus" in err
    assert not any(line.startswith(("usage:", "mytool:")) for line in err.splitlines())
    _nothing_created(home, exp_dir)


def test_keyboard_interrupt_while_importing_a_tuner_file_propagates(tmp_path: Path, home: Path,
                                                                    capsys) -> None:
    """Ctrl-C during the import is not turned into a config error: nastune's interrupt path (exit 130)."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "slow.py").write_text("raise KeyboardInterrupt\n")
    tuner = {"codeDir": str(code), "classFileName": "slow.py", "className": "T"}
    assert run_cli("run", str(_config(tmp_path, tuner)), "--quiet") == 130
    err = capsys.readouterr().err
    assert "nastune: interrupted" in err and "tuner.classFileName" not in err


# -- #8: run/resume flags are checked as flags --------------------------------------------------------------
@pytest.mark.parametrize(("flag", "value", "expected"), [
    ("--concurrency", "0", "--concurrency: 0 is out of range; give an integer >= 1"),
    ("--concurrency", "-3", "--concurrency: -3 is out of range; give an integer >= 1"),
    ("--max-trials", "0", "--max-trials: 0 is out of range; give an integer >= 1"),
    ("--max-trials", "100000", "--max-trials: 100000 is out of range; give an integer <= 99999"),
    ("--seed", "-4", "--seed: -4 is out of range; give an integer >= 0"),
    ("--trial-timeout", "-1", "--trial-timeout: '-1' must be positive; give a number of seconds or a string "
                              "such as '30s', '10m', '2h' or '1d'"),
    ("--max-duration", "-5m", "--max-duration: '-5m' must be positive"),
    ("--max-duration", "0", "--max-duration: '0' must be positive"),
    ("--max-duration", "10x", "--max-duration: '10x' is not a duration; expected a number of seconds"),
])
def test_run_flag_out_of_range_names_the_flag(tmp_path: Path, home: Path, capsys, flag: str, value: str,
                                              expected: str) -> None:
    config = toy_config(tmp_path)
    exp_dir = tmp_path / "exp"
    # FLAG=VALUE: argparse would take '-5m' for an option of its own
    assert run_cli("run", str(config), f"{flag}={value}", "--experiment-dir", str(exp_dir), "--quiet") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nastune: error: {expected}")
    assert str(config) not in err and "invalid experiment config" not in err  # the flag, not the file
    _nothing_created(home, exp_dir)


def test_resume_flags_are_checked_before_the_experiment_is_touched(tmp_path: Path, home: Path,
                                                                   capsys) -> None:
    assert run_cli("resume", "no-such-experiment", "--concurrency", "0") == 2
    err = capsys.readouterr().err
    assert err == "nastune: error: --concurrency: 0 is out of range; give an integer >= 1\n"
    assert run_cli("resume", "no-such-experiment", "--trial-timeout=-2m") == 2
    assert "--trial-timeout: '-2m' must be positive" in capsys.readouterr().err


def test_negative_duration_in_the_config_says_must_be_positive(tmp_path: Path, home: Path, capsys) -> None:
    config = toy_config(tmp_path, maxTrialDuration="-10s")
    assert run_cli("run", str(config), "--quiet") == 2
    err = capsys.readouterr().err
    assert f"{config}: invalid experiment config (1 problem)" in err
    assert "maxTrialDuration: '-10s' must be positive; give a number of seconds" in err
    _nothing_created(home)


# -- #9: "tuner: missing" only when there is no tuner section -----------------------------------------------
@pytest.mark.parametrize(("tuner", "problem"), [
    ({"builtinTunerName": "random", "className": "SweepTuner"},
     "tuner: give either builtinTunerName or codeDir/classFileName/className, not both"),
    ("random", "tuner: expected a mapping, found str 'random'"),
    ({"codeDir": str(TOY), "className": "SweepTuner"},
     "tuner: a tuner class in a file needs codeDir, classFileName and className; missing classFileName"),
])
def test_wrong_tuner_section_is_not_also_reported_missing(tmp_path: Path, home: Path, capsys, tuner: Any,
                                                          problem: str) -> None:
    config = _config(tmp_path, tuner)
    assert run_cli("run", str(config), "--quiet") == 2
    err = capsys.readouterr().err
    assert f"{config}: invalid experiment config (1 problem):\n  - {problem}" in err
    assert "missing: name a tuner" not in err
    _nothing_created(home)


def test_absent_tuner_section_is_reported_missing(tmp_path: Path, home: Path, capsys) -> None:
    assert run_cli("run", str(toy_config(tmp_path, tuner=None)), "--quiet") == 2
    assert ("  - tuner: missing: name a tuner (for example `tuner: {builtinTunerName: random}` or "
            "`--tuner random`)") in capsys.readouterr().err


# -- #15: searchSpacePath errors name the config file and how the path is resolved --------------------------
def _space_config(tmp_path: Path, space: str) -> tuple[Path, Path]:
    folder = tmp_path / "configs"
    folder.mkdir()
    return toy_config(folder, searchSpacePath=space), folder


def test_unreadable_search_space_path_names_config_and_folder(tmp_path: Path, home: Path, capsys) -> None:
    config, folder = _space_config(tmp_path, "spaces/space.json")
    assert run_cli("run", str(config), "--quiet") == 2
    err = capsys.readouterr().err
    assert err == (f"nastune: error: {config}: searchSpacePath: cannot read {folder / 'spaces/space.json'}: "
                   f"No such file or directory; searchSpacePath is relative to the config file's folder "
                   f"{folder}; fix the path in {config} (or give an absolute one)\n")
    _nothing_created(home)


@pytest.mark.parametrize(("text", "issue"), [
    ('{"b": {"_type": "choice", "_value": [1, 2],}}',
     "$: not valid JSON: Expecting property name enclosed in double quotes at line 1 column 44; "
     "fix the syntax"),
    # the strict reader of `nastune space validate`: a repeated key is an error, not silently the last one
    ('{"b": {"_type": "choice", "_value": [1]}, "b": {"_type": "choice", "_value": [2]}}',
     '$["b"]: duplicate key "b" (2 times in this object)'),
])
def test_bad_search_space_file_names_config_and_json_path(tmp_path: Path, home: Path, capsys, text: str,
                                                          issue: str) -> None:
    config, folder = _space_config(tmp_path, "space.json")
    (folder / "space.json").write_text(text)
    assert run_cli("run", str(config), "--quiet") == 2
    err = capsys.readouterr().err
    assert (f"nastune: error: {config}: searchSpacePath {folder / 'space.json'} (relative to the config "
            f"file's folder {folder}): invalid search space (1 problem):\n  - {issue}") in err
    _nothing_created(home)


# -- #16: a tuner's rejection of its class arguments, said once ---------------------------------------------
def test_rejected_class_argument_is_said_once(tmp_path: Path, home: Path, capsys) -> None:
    config = _config(tmp_path, {"builtinTunerName": "random", "classArgs": {"seed": "banana"}})
    assert run_cli("run", str(config), "--quiet") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nastune: error: {config}: tuner.classArgs: tuner 'random' rejected its class "
                          "arguments {'seed': 'banana'}: seed must be an int or None, got 'banana'")
    assert err.count("rejected its") == 1 and err.count("banana") == 2
    _nothing_created(home)


# -- #17: did-you-mean and the accepted names ---------------------------------------------------------------
def test_misspelt_class_name_lists_the_classes_of_the_file(tmp_path: Path, home: Path, capsys) -> None:
    config = toy_config(tmp_path, tuner={"className": "SweepTunr"})
    assert run_cli("run", str(config), "--quiet") == 2
    err = capsys.readouterr().err
    assert err == (f"nastune: error: {config}: tuner.className: {TOY / 'tuners.py'} defines no class "
                   "'SweepTunr' (did you mean 'SweepTuner'?); the classes it defines: CycleTuner, LogTuner, "
                   "NoMoreTrialError, SweepTuner; set className to one of them\n")
    # a name the file has, but not a class ('itertools' is a module it imports): said so; no guess
    assert run_cli("run", str(toy_config(tmp_path, tuner={"className": "itertools"})), "--quiet") == 2
    err = capsys.readouterr().err
    assert "defines no class 'itertools' (its 'itertools' is a module); the classes it defines: " in err
    _nothing_created(home)


def test_unknown_key_without_close_match_lists_the_accepted_keys(tmp_path: Path, home: Path, capsys) -> None:
    config = toy_config(tmp_path, fooBar=1, trial={"zzz": 1})
    assert run_cli("run", str(config), "--quiet") == 2
    err = capsys.readouterr().err
    top = err.split("  - fooBar: ")[1].splitlines()[0]
    assert top.startswith("unknown key; remove it, or use one of the keys accepted at the top level: "
                          "authorName, experimentName, ")
    assert "searchSpacePath" in top and "seed" in top and "assessor" not in top  # rejected keys not offered
    assert ("  - trial.zzz: unknown key; remove it, or use one of the keys accepted under 'trial': command, "
            "codeDir, gpuNum, nasMode, nasModeArgs\n") in err
    # a close spelling still gets a single did-you-mean, at every level
    assert run_cli("run", str(toy_config(tmp_path, maxTrailNum=3)), "--quiet") == 2
    assert "  - maxTrailNum: unknown key; did you mean 'maxTrialNum'?\n" in capsys.readouterr().err
    _nothing_created(home)
