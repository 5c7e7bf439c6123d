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
