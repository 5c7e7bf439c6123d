"""An experiment that finishes without any result exits 1 and says why; one result is enough for exit 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from exp_helpers import CLI, only_experiment, run_cli, toy_config

from nastuners.experiment.store import Store

ALWAYS_FAILS = "python3 trial.py --crash 0 --crash 1 --crash 2"


def _stored(exp: Path) -> tuple[str, str, list[str]]:
    store = Store(exp)
    try:
        rec = store.experiment()
        return rec["status"], rec["message"], [t.status for t in store.trials()]
    finally:
        store.close()


def test_all_trials_failing_exits_1_with_where_to_look(home: Path, tmp_path: Path) -> None:
    """Real `nastune run` process: exit 1, the counts, the latest failure with its stderr file, the command
    that lists the trials; the experiment stays DONE with the reason in its message."""
    config = toy_config(tmp_path, trialConcurrency=1, trial={"command": ALWAYS_FAILS})
    proc = subprocess.run([sys.executable, "-c", CLI, "run", str(config), "--quiet", "--max-trials", "3"],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    exp = only_experiment(home)
    exp_id = exp.name
    status, message, trials = _stored(exp)
    assert (status, trials) == ("DONE", ["FAILED"] * 3)
    assert message == "maxTrialNum (3) reached; no trial produced a result (3 FAILED)"
    assert f"experiment {exp_id} DONE ({message})" in proc.stdout and "best:" not in proc.stdout
    err = proc.stderr
    assert (f"nastune: experiment {exp_id} finished but no trial produced a result "
            "(3 trials: 3 FAILED).") in err
    assert f"each trial's output: {exp}/trials/<trial id>/stdout and stderr" in err
    last = Store(exp).trials()[-1]
    assert f"latest, trial {last.trial_id} FAILED: exit code 1: toy trial: crashing on purpose" in err
    assert f"its stderr: {last.trial_dir}/stderr" in err
    assert "crashing on purpose" in (Path(last.trial_dir) / "stderr").read_text()
    assert f"list them: nastune experiment trials {exp_id}" in err
    assert "nastune resume" not in err  # nothing to continue: the run reached its end
    listing = subprocess.run([sys.executable, "-c", CLI, "experiment", "trials", "--json", exp_id],
                             capture_output=True, text=True, env=dict(os.environ), timeout=60, check=True)
    assert [t["status"] for t in json.loads(listing.stdout)] == ["FAILED"] * 3


def test_some_trials_failing_still_exits_0(home: Path, tmp_path: Path, capsys) -> None:
    config = toy_config(tmp_path, trialConcurrency=1,
                        trial={"command": "python3 trial.py --crash 0 --crash 2 --silent 3"})
    assert run_cli("run", str(config), "--quiet", "--max-trials", "5") == 0
    captured = capsys.readouterr()
    status, message, trials = _stored(only_experiment(home))
    assert trials == ["FAILED", "SUCCEEDED", "FAILED", "NO_RESULT", "SUCCEEDED"]
    assert (status, message) == ("DONE", "maxTrialNum (5) reached")
    assert "best:" in captured.out and "no trial produced a result" not in captured.err


def test_only_silent_trials_count_as_no_result(home: Path, tmp_path: Path, capsys) -> None:
    """Trials that exit 0 without a final result produce nothing either; --json keeps stdout pure JSON."""
    config = toy_config(tmp_path, trialConcurrency=1,
                        trial={"command": "python3 trial.py --silent 0 --silent 1"})
    assert run_cli("run", str(config), "--json", "--max-trials", "2") == 1
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines()]
    assert events[-1]["event"] == "experiment_end" and events[-1]["status"] == "DONE"
    assert events[-1]["message"] == "maxTrialNum (2) reached; no trial produced a result (2 NO_RESULT)"
    assert "no trial produced a result (2 trials: 2 NO_RESULT)" in captured.err
    assert "the trial exited 0 without reporting a final result" in captured.err


def test_resume_keeps_the_signal_until_a_result_arrives(home: Path, tmp_path: Path, capsys) -> None:
    """Resuming without new trials still exits 1; a resumed run whose new trial succeeds exits 0 and the
    stored message no longer says there is no result."""
    config = toy_config(tmp_path, trialConcurrency=1, trial={"command": ALWAYS_FAILS})
    assert run_cli("run", str(config), "--quiet", "--max-trials", "2") == 1
    exp = only_experiment(home)
    capsys.readouterr()
    assert run_cli("resume", exp.name, "--quiet") == 1
    assert "no trial produced a result (2 trials: 2 FAILED)" in capsys.readouterr().err
    assert _stored(exp)[:2] == ("DONE", "maxTrialNum (2) reached; no trial produced a result (2 FAILED)")
    assert run_cli("resume", exp.name, "--quiet", "--max-trials", "4") == 0  # seq 2 crashes, seq 3 succeeds
    captured = capsys.readouterr()
    assert "best:" in captured.out and "no trial produced a result" not in captured.err
    assert _stored(exp) == ("DONE", "maxTrialNum (4) reached", ["FAILED", "FAILED", "FAILED", "SUCCEEDED"])
