"""End-to-end `nastune run` through the CLI: real trial subprocesses, real sockets, real SQLite."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from exp_helpers import export, only_experiment, run_cli, score, toy_config

from nastuners.experiment.store import Store


def test_file_tuner_runs_whole_space_with_concurrency_2(home: Path, tmp_path: Path, capsys) -> None:
    """A duck-typed tuner from a file sweeps all 9 toy architectures; every result is the known score."""
    assert run_cli("run", str(toy_config(tmp_path)), "--quiet") == 0
    out = capsys.readouterr().out
    assert "DONE" in out and "best: 3.1" in out
    exp = only_experiment(home)
    records = export(exp)
    assert len(records) == 9
    for rec in records:
        assert rec["value"] == pytest.approx(score(rec["parameter"]))
    store = Store(exp)
    trials = store.trials()
    assert [t.seq for t in trials] == list(range(9))
    assert sorted(t.parameter_id for t in trials) == list(range(9))
    assert {t.status for t in trials} == {"SUCCEEDED"}
    assert len({t.trial_id for t in trials}) == 9
    assert len(store.metrics("intermediate")) == 9
    # two trials really overlapped: some trial started before the previous one ended
    assert any(b.started < a.ended for a, b in itertools.pairwise(trials) if a.ended)
    assert store.experiment()["status"] == "DONE"


def test_max_trials_and_json_events(home: Path, tmp_path: Path, capsys) -> None:
    """--max-trials caps the run; --json prints one event per line with start, results and end."""
    assert run_cli("run", str(toy_config(tmp_path)), "--json", "--max-trials", "3", "--concurrency", "1") == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    names = [e["event"] for e in events]
    assert names[0] == "experiment_start" and names[-1] == "experiment_end"
    assert names.count("trial_start") == 3 and names.count("final") == 3 and names.count("intermediate") == 3
    assert events[-1]["status"] == "DONE" and "maxTrialNum (3)" in events[-1]["message"]


def test_crash_hang_and_silent_trials_are_recorded(home: Path, tmp_path: Path) -> None:
    """A crashing, a hanging (timeout) and a never-reporting trial are each recorded; the others succeed."""
    config = toy_config(tmp_path, maxTrialDuration="1.5s",
                        trial={"command": "python3 trial.py --crash 1 --hang 2 --silent 3"})
    assert run_cli("run", str(config), "--quiet") == 0
    store = Store(only_experiment(home))
    by_seq = {t.seq: t for t in store.trials()}
    assert len(by_seq) == 9
    assert by_seq[1].status == "FAILED" and by_seq[1].exit_code == 1
    assert "crashing on purpose" in (by_seq[1].message or "")
    assert by_seq[2].status == "TIMEOUT" and "maxTrialDuration" in (by_seq[2].message or "")
    assert by_seq[2].ended - by_seq[2].started < 10
    assert by_seq[3].status == "NO_RESULT" and by_seq[3].exit_code == 0
    assert {by_seq[s].status for s in (0, 4, 5, 6, 7, 8)} == {"SUCCEEDED"}
    finals = {m.trial_id for m in store.metrics("final")}
    assert finals == {by_seq[s].trial_id for s in (0, 4, 5, 6, 7, 8)}
    # every trial reported its intermediate result before misbehaving
    assert len(store.metrics("intermediate")) == 9


def test_multi_phase_trial_fetches_1000_architectures(home: Path, tmp_path: Path) -> None:
    """Each get_next_parameter() gets a fresh parameter id; the final result belongs to the last fetched."""
    tuner = {"className": "CycleTuner"}
    config = toy_config(tmp_path, multiPhase=True, maxTrialNum=2, tuner=tuner,
                        trial={"command": "python3 trial.py --phases 1000"})
    assert run_cli("run", str(config), "--quiet") == 0
    store = Store(only_experiment(home))
    params = store.parameters()
    assert [p[0] for p in params] == list(range(2000))  # global consecutive ids
    trials = store.trials()
    assert {t.status for t in trials} == {"SUCCEEDED"}
    finals = store.metrics("final")
    assert len(finals) == 2
    for t in trials:
        own = [pid for pid, tid, _ in params if tid == t.trial_id]
        assert len(own) == 1000
        (final,) = [m for m in finals if m.trial_id == t.trial_id]
        assert final.parameter_id == own[-1]
        assert final.value == pytest.approx(score(params[own[-1]][2]))


def test_second_fetch_without_multi_phase_is_an_error(home: Path, tmp_path: Path) -> None:
    """Without multiPhase a trial gets one parameter set; a second fetch fails with a clear error."""
    config = toy_config(tmp_path, maxTrialNum=1, trial={"command": "python3 trial.py --phases 2"})
    assert run_cli("run", str(config), "--quiet") == 1
    store = Store(only_experiment(home))
    (trial,) = store.trials()
    assert trial.status == "FAILED"
    assert "not multi-phase" in (Path(trial.trial_dir) / "stderr").read_text()


def test_wrong_token_is_refused(home: Path, tmp_path: Path) -> None:
    """A trial that presents another token is refused by the channel and fails."""
    config = toy_config(tmp_path, maxTrialNum=1,
                        trial={"command": "NASTUNE_TOKEN=0123456789abcdef python3 trial.py"})
    assert run_cli("run", str(config), "--quiet") == 1
    store = Store(only_experiment(home))
    (trial,) = store.trials()
    assert trial.status == "FAILED"
    assert "refused" in (trial.message or "") and "token" in (trial.message or "")
    assert store.metrics() == []


def test_experiment_commands(home: Path, tmp_path: Path, capsys) -> None:
    """list / show / trials / export json+csv / best read back what the run stored."""
    assert run_cli("run", str(toy_config(tmp_path)), "--quiet", "--max-trials", "4",
                   "--concurrency", "1") == 0
    exp_id = only_experiment(home).name
    capsys.readouterr()
    assert run_cli("experiment", "list") == 0
    assert exp_id in capsys.readouterr().out
    assert run_cli("experiment", "trials", exp_id, "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in rows] == ["SUCCEEDED"] * 4
    assert run_cli("experiment", "export", exp_id, "--format", "json") == 0
    records = json.loads(capsys.readouterr().out)
    assert [sorted(r) for r in records] == [["id", "parameter", "value"]] * 4
    assert run_cli("experiment", "export", exp_id, "--format", "csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("id,value,toy/mutable_block_1/mutable_layer_0/chosen_layer,"
                        "toy/mutable_block_1/mutable_layer_0/chosen_inputs")
    assert len(lines) == 5
    assert run_cli("experiment", "best", exp_id) == 0
    best = json.loads(capsys.readouterr().out)
    assert score(best) == max(r["value"] for r in records)  # SweepTuner order: add(k=2) [] is trial 4
    assert run_cli("experiment", "show", exp_id, "--json") == 0
    info = json.loads(capsys.readouterr().out)
    assert info["status"] == "DONE" and info["trials"] == {"SUCCEEDED": 4}
    assert run_cli("experiment", "show", "nosuchid") == 2
    assert "not found" in capsys.readouterr().err
    # output paths that cannot work: exit 2, the path and the fix, no Python errno form, no file
    missing = tmp_path / "no" / "such"
    assert run_cli("experiment", "export", exp_id, "-o", str(missing / "x.json")) == 2
    err = capsys.readouterr().err
    assert f"{missing / 'x.json'}: No such file or directory; check the path" in err and "[Errno" not in err
    assert run_cli("experiment", "plot", exp_id, "-o", str(tmp_path / "plot.txt")) == 2
    assert "cannot tell the image format from '.txt'" in capsys.readouterr().err
    assert run_cli("experiment", "plot", exp_id, "-o", str(missing / "p.png")) == 2
    assert "does not exist; create it first" in capsys.readouterr().err
    assert not (tmp_path / "plot.txt").exists()
    assert run_cli("experiment", "plot", exp_id, "-o", str(tmp_path / "p.png")) == 0
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_minimize_best_and_custom_experiment_dir(home: Path, tmp_path: Path, capsys) -> None:
    """optimize_mode minimize picks the smallest value; --experiment-dir is still found by id."""
    config = toy_config(tmp_path, tuner={"classArgs": {"optimize_mode": "minimize"}})
    target = tmp_path / "myexp"
    assert run_cli("run", str(config), "--quiet", "--experiment-dir", str(target)) == 0
    capsys.readouterr()
    assert (target / "experiment.db").is_file()
    exp_id = only_experiment(home).name
    assert run_cli("experiment", "best", exp_id) == 0
    assert score(json.loads(capsys.readouterr().out)) == 1.0


def test_experiment_dir_flag_is_relative_to_cwd_and_never_reuses_a_folder(home: Path, tmp_path: Path,
                                                                          monkeypatch, capsys) -> None:
    """`--experiment-dir rel` is relative to the current directory (not the config's); a non-empty folder
    or a file is refused before anything is written."""
    confdir, cwd = tmp_path / "conf", tmp_path / "cwd"
    confdir.mkdir()
    cwd.mkdir()
    config = toy_config(confdir)
    monkeypatch.chdir(cwd)
    (cwd / "busy").mkdir()
    (cwd / "busy" / "mine.txt").write_text("user data")
    assert run_cli("run", str(config), "--quiet", "--experiment-dir", "busy") == 2
    assert f"experimentDir {cwd / 'busy'} is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in (cwd / "busy").iterdir()) == ["mine.txt"]
    (cwd / "afile").write_text("x")
    assert run_cli("run", str(config), "--quiet", "--experiment-dir", "afile") == 2
    assert "is a file; give a new (or empty) directory" in capsys.readouterr().err
    assert run_cli("run", str(config), "--quiet", "--max-trials", "1", "--experiment-dir", "new") == 0
    assert (cwd / "new" / "experiment.db").is_file() and not (confdir / "new").exists()


def test_experiment_without_any_result_says_where_to_look(home: Path, tmp_path: Path, capsys) -> None:
    """Every trial fails (a typo in the command): the summary points at the trials' stderr."""
    config = toy_config(tmp_path, trial={"command": "python3 trail.py"})
    assert run_cli("run", str(config), "--quiet", "--max-trials", "2") == 1
    exp = only_experiment(home)
    captured = capsys.readouterr()
    assert "best:" not in captured.out
    assert f"each trial's output: {exp}/trials/<trial id>/stdout and stderr" in captured.err
    assert [t.status for t in Store(exp).trials()] == ["FAILED", "FAILED"]
