"""Looking at an experiment never changes it; a file that is not an experiment database is a clear error."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from exp_helpers import only_experiment, run_cli, toy_config

READERS = (("experiment", "show"), ("experiment", "trials"), ("experiment", "best"), ("experiment", "export"))


@pytest.mark.parametrize("content", [b"", b"garbage, not SQLite" * 10], ids=["empty", "garbage"])
def test_a_corrupt_database_is_a_clear_error_and_stays_untouched(tmp_path: Path, home: Path, content: bytes,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "experiment.db").write_bytes(content)
    for command in (*READERS, ("resume",)):
        assert run_cli(*command, str(exp)) == 2, command
        err = capsys.readouterr().err
        assert f"{exp / 'experiment.db'}: not a nastune experiment database" in err, (command, err)
        assert "Traceback" not in err
        assert (exp / "experiment.db").read_bytes() == content  # nothing written: no schema, no WAL
        assert sorted(p.name for p in exp.iterdir()) == ["experiment.db"]


def _schema_1(exp: Path) -> None:
    """Turn a finished experiment's database back into schema 1 (no metrics.derived)."""
    db = sqlite3.connect(exp / "experiment.db")
    db.execute("ALTER TABLE metrics DROP COLUMN derived")
    db.execute("UPDATE experiment SET schema_version=1")
    db.commit()
    db.close()


def test_readers_leave_a_schema_1_database_as_it_is_and_resume_migrates_it(
        tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = toy_config(tmp_path, maxTrialNum=3, trialConcurrency=1)
    assert run_cli("run", str(config), "--quiet") == 0
    exp = only_experiment(home)
    _schema_1(exp)
    db_file = exp / "experiment.db"
    before = db_file.read_bytes()
    capsys.readouterr()
    for command in READERS:
        assert run_cli(*command, str(exp)) == 0, command
        assert db_file.read_bytes() == before, command  # read-only: not migrated, not touched
    assert run_cli("experiment", "trials", str(exp), "--json") == 0
    assert '"final": ' in capsys.readouterr().out
    backup = tmp_path / "copy"
    shutil.copytree(exp, backup)
    assert run_cli("resume", str(exp), "--max-trials", "4") == 0  # a runner opens it: schema 2
    db = sqlite3.connect(db_file)
    assert "derived" in {row[1] for row in db.execute("PRAGMA table_info(metrics)")}
    assert db.execute("SELECT schema_version FROM experiment").fetchone() == (2,)
    assert db.execute("SELECT COUNT(*) FROM metrics WHERE derived != 0").fetchone() == (0,)


def test_list_shows_an_unreadable_experiment_beside_the_others(tmp_path: Path, home: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    config = toy_config(tmp_path, maxTrialNum=1, trialConcurrency=1)
    assert run_cli("run", str(config), "--quiet") == 0
    good = only_experiment(home)
    bad = good.parent / "zzbroken"
    bad.mkdir()
    (bad / "experiment.db").write_bytes(b"garbage" * 20)
    capsys.readouterr()
    assert run_cli("experiment", "list") == 0
    out = capsys.readouterr().out
    assert good.name in out and "DONE" in out
    assert "zzbroken  UNREADABLE:" in out and "not a nastune experiment database" in out
