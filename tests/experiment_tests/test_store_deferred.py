"""Deferred writes of the experiment store: committed in order, in one transaction, before other access."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nastuners.experiment.store import Store


def _store(tmp_path: Path) -> Store:
    store = Store(tmp_path, create=True)
    store.create_experiment("exp", "t", {}, {}, None)
    store.add_trial("t1", 0, 0, {"a": 0}, str(tmp_path))
    return store


def _other(tmp_path: Path) -> sqlite3.Connection:
    """Another process's view of the database file."""
    return sqlite3.connect(tmp_path / "experiment.db")


def test_deferred_rows_are_invisible_until_flush_then_committed_in_order(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.add_metric("t1", 0, "intermediate", 0.5)
    assert store.add_metric("t1", 0, "final", 0.5, defer=True) is None
    store.add_parameter(1, "t1", {"a": 1}, defer=True)
    store.add_metric("t1", 1, "final", {"default": 0.7}, defer=True)
    store.add_parameter(2, "t1", {"a": 2}, defer=True)
    assert store.pending == 4
    other = _other(tmp_path)
    assert other.execute("SELECT COUNT(*) FROM parameters").fetchone() == (1,)
    assert other.execute("SELECT COUNT(*) FROM metrics").fetchone() == (1,)

    last = store.flush()
    assert store.pending == 0
    finals = store.metrics("final")
    assert [(m.parameter_id, m.value) for m in finals] == [(0, 0.5), (1, {"default": 0.7})]
    assert last == finals[-1].id  # the newest final's id, for the tuner snapshot
    assert [p for p, _, _ in store.parameters()] == [0, 1, 2]
    assert other.execute("SELECT COUNT(*) FROM parameters").fetchone() == (3,)
    assert store.flush() is None  # nothing left


def test_flush_without_a_final_returns_none(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.add_parameter(1, "t1", {"a": 1}, defer=True)
    store.add_metric("t1", 1, "intermediate", 0.1, defer=True)
    assert store.flush() is None
    assert store.count_metrics("intermediate") == 1


def test_reads_and_writes_flush_deferred_rows_first(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.add_parameter(1, "t1", {"a": 1}, defer=True)
    assert [p for p, _, _ in store.parameters()] == [0, 1]  # a read sees its own deferred write
    store.add_parameter(2, "t1", {"a": 2}, defer=True)
    metric_id = store.add_metric("t1", 2, "final", 0.9)  # a plain write commits the deferred rows first
    assert store.pending == 0
    rows = _other(tmp_path).execute("SELECT parameter_id FROM parameters ORDER BY parameter_id").fetchall()
    assert rows == [(0,), (1,), (2,)]
    assert metric_id == store.metrics("final")[-1].id


def test_a_failing_flush_commits_none_of_its_rows(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.add_parameter(1, "t1", {"a": 1}, defer=True)
    store.add_parameter(0, "t1", {"a": 0}, defer=True)  # parameter 0 exists: the transaction fails
    with pytest.raises(sqlite3.IntegrityError):
        store.flush()
    assert [p for p, _, _ in store.parameters()] == [0]  # parameter 1 was rolled back with it
    assert store.pending == 0


def test_close_commits_deferred_rows(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.add_parameter(1, "t1", {"a": 1}, defer=True)
    store.close()
    assert _other(tmp_path).execute("SELECT COUNT(*) FROM parameters").fetchone() == (2,)


def test_a_schema_1_database_gains_the_derived_column_and_keeps_its_results(tmp_path: Path) -> None:
    """Experiments written before ``metrics.derived`` existed open as before: all finals count as reported."""
    db = sqlite3.connect(tmp_path / "experiment.db")
    db.executescript("""
        CREATE TABLE experiment (
            id TEXT PRIMARY KEY, name TEXT, status TEXT NOT NULL, created REAL NOT NULL,
            updated REAL NOT NULL, config TEXT NOT NULL, search_space TEXT NOT NULL, code_dir TEXT,
            elapsed REAL NOT NULL DEFAULT 0, runner_pid INTEGER, schema_version INTEGER NOT NULL,
            message TEXT);
        CREATE TABLE metrics (
            id INTEGER PRIMARY KEY AUTOINCREMENT, trial_id TEXT NOT NULL, parameter_id INTEGER NOT NULL,
            kind TEXT NOT NULL, value TEXT NOT NULL, score REAL, created REAL NOT NULL);
        CREATE TABLE trials (trial_id TEXT PRIMARY KEY);
        CREATE TABLE parameters (parameter_id INTEGER PRIMARY KEY);
        CREATE TABLE tuner_state (id INTEGER PRIMARY KEY);
        INSERT INTO experiment VALUES ('old', 'n', 'DONE', 0, 0, '{}', '{}', NULL, 0, NULL, 1, NULL);
        INSERT INTO metrics (trial_id, parameter_id, kind, value, score, created)
            VALUES ('t1', 0, 'final', '0.5', 0.5, 0);
    """)
    db.commit()
    db.close()
    store = Store(tmp_path)
    (old,) = store.metrics("final")
    assert (old.value, old.derived) == (0.5, False)
    assert store.experiment()["schema_version"] == 2
    store.add_metric("t1", 1, "final", 0.7, derived=True)
    assert [m.derived for m in store.metrics("final")] == [False, True]
    store.close()
    assert [m.derived for m in Store(tmp_path).metrics("final")] == [False, True]  # opened again: no change
