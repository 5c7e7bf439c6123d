"""Crash and stop: SIGKILL of the runner then `nastune resume`, and a clean Ctrl-C (SIGINT) stop."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from exp_helpers import dumps, export, only_experiment, run_cli, score, spawn_cli, toy_config

from nastuners.experiment.store import Store


def _wait_for(home: Path, sql: str, at_least: int, proc: subprocess.Popen[str], limit: float = 60) -> Path:
    """Poll the experiment database (read-only) until ``sql`` counts ``at_least`` rows."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        assert proc.poll() is None, "the runner ended before the test could interrupt it"
        db = next((home / "experiments").glob("*/experiment.db"), None) if (home / "experiments").is_dir() \
            else None
        if db is not None:
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
                    if con.execute(sql).fetchone()[0] >= at_least:
                        return db.parent
            except sqlite3.OperationalError:
                pass  # tables not created yet
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {sql}")


def test_sigkill_then_resume_keeps_every_result(home: Path, tmp_path: Path, capsys) -> None:
    """SIGKILL mid-experiment, then resume: completed results kept, running trials INTERRUPTED, ids go on."""
    config = toy_config(tmp_path, trial={"command": "sleep 0.4 && python3 trial.py"})
    runner = spawn_cli("run", str(config), "--quiet", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    exp = _wait_for(home, "SELECT COUNT(*) FROM metrics WHERE kind='final'", 3, runner)
    _wait_for(home, "SELECT COUNT(*) FROM trials WHERE status='RUNNING'", 1, runner)
    runner.send_signal(signal.SIGKILL)
    runner.wait(timeout=10)
    before = {m.parameter_id: (m.trial_id, m.value) for m in Store(exp).metrics("final")}
    running_before = {t.trial_id for t in Store(exp).trials("RUNNING")}
    assert len(before) >= 3 and running_before
    # the store still says RUNNING, but `experiment show` knows the runner is gone and says how to go on
    capsys.readouterr()
    assert run_cli("experiment", "show", exp.name, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "CRASHED" and f"nastune resume {exp.name}" in shown["message"]

    assert run_cli("resume", exp.name, "--quiet") == 0
    store = Store(exp)
    after = {m.parameter_id: (m.trial_id, m.value) for m in store.metrics("final")}
    assert all(after[pid] == result for pid, result in before.items())  # nothing lost or changed
    trials = store.trials()
    assert {t.trial_id for t in trials if t.status == "INTERRUPTED"} == running_before
    assert len({t.trial_id for t in trials}) == len(trials)
    assert [t.seq for t in trials] == list(range(len(trials)))
    pids = [p[0] for p in store.parameters()]
    assert pids == list(range(len(pids)))
    # the sweep finished: each of the 9 architectures has exactly one final result, with its known score
    records = export(exp)
    assert sorted(dumps(r["parameter"]) for r in records) == sorted({dumps(r["parameter"]) for r in records})
    assert len(records) == 9
    assert all(r["value"] == pytest.approx(score(r["parameter"])) for r in records)
    assert store.experiment()["status"] == "DONE"
    # the killed runner's trials did not outlive it (zombies count as gone: nobody may reap them here)
    for t in trials:
        if t.status == "INTERRUPTED" and t.pid:
            assert not _alive(t.pid)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_sigint_stops_cleanly_and_resume_finishes(home: Path, tmp_path: Path) -> None:
    """Ctrl-C: running trials are killed and recorded CANCELED, status STOPPED, exit 130; resume completes."""
    config = toy_config(tmp_path, maxTrialNum=4, trial={"command": "python3 trial.py --hang 0 --hang 1"})
    runner = spawn_cli("run", str(config), "--quiet", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    exp = _wait_for(home, "SELECT COUNT(*) FROM metrics WHERE kind='intermediate'", 2, runner)
    runner.send_signal(signal.SIGINT)
    out, err = runner.communicate(timeout=20)
    assert runner.returncode == 130, err
    assert "STOPPED" in out
    assert f"continue it with: nastune resume {exp.name}" in err
    store = Store(exp)
    assert store.experiment()["status"] == "STOPPED"
    trials = store.trials()
    assert [t.status for t in trials] == ["CANCELED", "CANCELED"]
    assert "SIGINT" in (trials[0].message or "")
    # canceled trials give their budget back: resume runs 4 more, all succeed
    assert run_cli("resume", exp.name, "--quiet") == 0
    trials = Store(exp).trials()
    assert [t.status for t in trials] == ["CANCELED"] * 2 + ["SUCCEEDED"] * 4
    assert [t.parameter_id for t in trials] == list(range(6))


def test_resume_after_sigkill_right_after_launch_evaluates_no_architecture_twice(home: Path,
                                                                                tmp_path: Path) -> None:
    """The runner dies while its first trials run and before any result: the resumed tuner knows the
    parameters it issued (snapshot after launching) and ends them as interrupted, so no architecture is
    evaluated twice; an interrupted architecture, never evaluated, may be proposed again."""
    config = toy_config(tmp_path, maxTrialNum=5, trial={"command": "sleep 2 && python3 trial.py"})
    doc = yaml.safe_load(config.read_text())
    doc["tuner"] = {"builtinTunerName": "random", "classArgs": {"seed": 3}}  # has a state_dict
    config.write_text(yaml.safe_dump(doc))
    runner = spawn_cli("run", str(config), "--quiet", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    exp = _wait_for(home, "SELECT COUNT(*) FROM trials WHERE status='RUNNING'", 2, runner)
    time.sleep(0.5)  # the trials sleep 2 s: still running
    runner.send_signal(signal.SIGKILL)
    runner.wait(timeout=10)
    assert run_cli("resume", exp.name, "--quiet") == 0
    store = Store(exp)
    trials = store.trials()
    assert sum(t.status == "INTERRUPTED" for t in trials) == 2
    assert sum(t.status == "SUCCEEDED" for t in trials) == 5
    arch_of = {pid: dumps(p) for pid, _, p in store.parameters()}
    assert sorted(arch_of) == list(range(7))
    evaluated = [arch_of[t.parameter_id] for t in trials if t.status == "SUCCEEDED"]
    interrupted = {arch_of[t.parameter_id] for t in trials if t.status == "INTERRUPTED"}
    assert len(set(evaluated)) == 5, evaluated
    repeats = [a for a in arch_of.values() if list(arch_of.values()).count(a) > 1]
    assert set(repeats) <= interrupted, (repeats, interrupted)


def test_resume_of_a_finished_experiment_says_how_to_run_more(home: Path, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """Resuming a DONE experiment runs nothing and says which flag extends it; the flag then runs more."""
    config = toy_config(tmp_path, maxTrialNum=2)
    assert run_cli("run", str(config), "--quiet") == 0
    exp = only_experiment(home)
    caplog.clear()
    assert run_cli("resume", exp.name, "--quiet") == 0
    err = caplog.text
    assert "already finished" in err and f"nastune resume {exp.name} --max-trials N" in err, err
    assert len(Store(exp).trials()) == 2
    assert run_cli("resume", exp.name, "--quiet", "--max-trials", "3") == 0
    assert len(Store(exp).trials()) == 3
