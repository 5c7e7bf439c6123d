"""The experiment database: one SQLite file (WAL mode) per experiment; the only module that writes SQL.

Tables: ``experiment`` (one row: id, status, config, search space, budget counters), ``trials``,
``parameters`` (global consecutive ids, multi-phase included), ``metrics`` (intermediate and final results)
and ``tuner_state`` (snapshots). Every write is its own committed transaction, so a result acknowledged to a
trial survives a SIGKILL of the runner.

Deferred writes (``defer=True``): the runner answers a multi-phase fetch first and commits its rows (the new
parameter, the superseded parameter's derived final result) right after the answer went out, in one
transaction, before it handles the next event (:meth:`Store.flush`). Any other write or read flushes them
first, so the database always holds a prefix of the experiment's history: a runner killed between the answer
and the commit loses only rows that nothing else referred to yet (the trial that got the answer can report
nothing more: its channel is gone, and resume kills it if it still runs).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["DB_NAME", "FINISHED", "MetricRow", "Store", "TrialRow"]

DB_NAME = "experiment.db"
SCHEMA_VERSION = 2  # 2: metrics.derived

#: trial statuses that end a trial; RUNNING is the only other one
FINISHED = ("SUCCEEDED", "NO_RESULT", "FAILED", "TIMEOUT", "CANCELED", "INTERRUPTED")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiment (
    id TEXT PRIMARY KEY, name TEXT, status TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL,
    config TEXT NOT NULL, search_space TEXT NOT NULL, code_dir TEXT, elapsed REAL NOT NULL DEFAULT 0,
    runner_pid INTEGER, schema_version INTEGER NOT NULL, message TEXT);
CREATE TABLE IF NOT EXISTS trials (
    trial_id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, parameter_id INTEGER NOT NULL,
    status TEXT NOT NULL, started REAL NOT NULL, ended REAL, exit_code INTEGER, message TEXT,
    trial_dir TEXT NOT NULL, pid INTEGER);
CREATE TABLE IF NOT EXISTS parameters (
    parameter_id INTEGER PRIMARY KEY, trial_id TEXT NOT NULL, params TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS metrics (
    id INTEGER PRIMARY KEY AUTOINCREMENT, trial_id TEXT NOT NULL, parameter_id INTEGER NOT NULL,
    kind TEXT NOT NULL, value TEXT NOT NULL, score REAL, created REAL NOT NULL,
    derived INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS metrics_trial ON metrics (trial_id);
CREATE TABLE IF NOT EXISTS tuner_state (
    id INTEGER PRIMARY KEY AUTOINCREMENT, last_metric_id INTEGER NOT NULL, state TEXT NOT NULL,
    created REAL NOT NULL);
"""

_ADD_METRIC = ("INSERT INTO metrics (trial_id, parameter_id, kind, value, score, created, derived) "
               "VALUES (?,?,?,?,?,?,?)")
_METRIC_COLUMNS = "id, trial_id, parameter_id, kind, value, score, created, derived"
_TABLES = {"experiment", "trials", "parameters", "metrics", "tuner_state"}
_METRIC_COLUMNS_V1 = "id, trial_id, parameter_id, kind, value, score, created, 0"  # read-only, schema 1


@dataclass(frozen=True)
class TrialRow:
    """One trial as stored."""

    trial_id: str
    seq: int
    parameter_id: int
    status: str
    started: float
    ended: float | None
    exit_code: int | None
    message: str | None
    trial_dir: str
    pid: int | None


@dataclass(frozen=True)
class MetricRow:
    """One reported result. ``derived``: a final result the runner derived for a multi-phase parameter the
    trial moved past (its last intermediate result, e.g. an enas child's minibatch metric), not one the trial
    reported with ``report_final_result``."""

    id: int
    trial_id: str
    parameter_id: int
    kind: str
    value: Any
    score: float | None
    created: float
    derived: bool = False


def _bad(message: str) -> NoReturn:
    from nastuners.exceptions import ConfigError

    raise ConfigError(message)


def _default_number(value: Any) -> float | None:
    """The numeric value of a result (a number, or a dict's ``default``), else None."""
    if isinstance(value, dict):
        value = value.get("default")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class Store:
    """Read and write one experiment database.

    ``read_only``: for commands that only look (``experiment show/trials/best/export/plot``): the file is
    opened read-only, never created, changed or migrated. A file that is not an experiment database is a
    :class:`~nastuners.exceptions.ConfigError` naming it.
    """

    def __init__(self, exp_dir: Path | str, *, create: bool = False, read_only: bool = False) -> None:
        self.path = Path(exp_dir) / DB_NAME
        if not create and not self.path.exists():
            _bad(f"{self.path}: no experiment database here")
        self._deferred: list[tuple[str, tuple[Any, ...]]] = []
        try:
            if read_only:
                self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                          isolation_level=None, check_same_thread=False, timeout=30)
            else:
                self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                          timeout=30)
            if not create:  # checked before anything is written
                rows = self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")
                tables = {row[0] for row in rows}
                if not tables >= _TABLES:
                    msg = f"it has the tables {sorted(tables)}, not {sorted(_TABLES)}"
                    raise sqlite3.DatabaseError(msg)
            if not read_only:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.executescript(_SCHEMA)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(metrics)")}
            if "derived" not in columns and not read_only:  # schema 1: every final was reported
                with self.db:
                    self.db.execute("BEGIN")
                    self.db.execute("ALTER TABLE metrics ADD COLUMN derived INTEGER NOT NULL DEFAULT 0")
                    self.db.execute("UPDATE experiment SET schema_version=?", (SCHEMA_VERSION,))
                columns.add("derived")
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(AttributeError, sqlite3.Error):
                self.db.close()
            _bad(f"{self.path}: not a nastune experiment database ({exc}); point to the directory "
                 "`nastune run` created (it holds experiment.db and trials/), or `nastune experiment list`")
        self._metric_columns = _METRIC_COLUMNS if "derived" in columns else _METRIC_COLUMNS_V1

    def close(self) -> None:
        self.flush()
        self.db.close()

    def _write(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        # isolation_level=None: each statement outside BEGIN is committed on return
        self.flush()
        return self.db.execute(sql, args)

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        self.flush()  # reads see this process's deferred writes
        return self.db.execute(sql, args)

    @property
    def pending(self) -> int:
        """The number of deferred writes not committed yet."""
        return len(self._deferred)

    def flush(self) -> int | None:
        """Commit the deferred writes in one transaction, in the order they were made.

        Returns the id of the newest final metric among them, or ``None`` if there was none.
        """
        if not self._deferred:
            return None
        pending, self._deferred = self._deferred, []
        last = None
        with self.db:
            self.db.execute("BEGIN")
            for sql, args in pending:
                cur = self.db.execute(sql, args)
                if sql is _ADD_METRIC and args[2] == "final":
                    last = cur.lastrowid
        return None if last is None else int(last)

    # experiment -------------------------------------------------------------------------------------------
    def create_experiment(self, exp_id: str, name: str | None, config: dict[str, Any],
                          search_space: dict[str, Any], code_dir: str | None) -> None:
        now = time.time()
        self._write("INSERT INTO experiment VALUES (?,?,?,?,?,?,?,?,0,NULL,?,NULL)",
                    (exp_id, name, "CREATED", now, now, json.dumps(config), json.dumps(search_space),
                     code_dir, SCHEMA_VERSION))

    def experiment(self) -> dict[str, Any]:
        cur = self._query("SELECT * FROM experiment")
        row = cur.fetchone()
        if row is None:
            from nastuners.exceptions import ConfigError

            msg = f"{self.path}: the experiment record is missing"
            raise ConfigError(msg)
        out = dict(zip([c[0] for c in cur.description], row, strict=True))
        out["config"] = json.loads(out["config"])
        out["search_space"] = json.loads(out["search_space"])
        return out

    def set_status(self, status: str, *, runner_pid: int | None = None, message: str | None = None) -> None:
        self._write("UPDATE experiment SET status=?, runner_pid=?, message=?, updated=?",
                    (status, runner_pid, message, time.time()))

    def set_config(self, config: dict[str, Any]) -> None:
        self._write("UPDATE experiment SET config=?, updated=?", (json.dumps(config), time.time()))

    def add_elapsed(self, seconds: float) -> None:
        self._write("UPDATE experiment SET elapsed=elapsed+?, updated=?", (seconds, time.time()))

    # trials and parameters --------------------------------------------------------------------------------
    def next_ids(self) -> tuple[int, int]:
        """``(next parameter id, next sequence id)``: both continue after every stored one."""
        (pid,) = self._query("SELECT COALESCE(MAX(parameter_id)+1, 0) FROM parameters").fetchone()
        (seq,) = self.db.execute("SELECT COALESCE(MAX(seq)+1, 0) FROM trials").fetchone()
        return int(pid), int(seq)

    def add_trial(self, trial_id: str, seq: int, parameter_id: int, params: dict[str, Any],
                  trial_dir: str) -> None:
        now = time.time()
        self.flush()
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("INSERT INTO trials VALUES (?,?,?,?,?,NULL,NULL,NULL,?,NULL)",
                            (trial_id, seq, parameter_id, "RUNNING", now, trial_dir))
            self.db.execute("INSERT INTO parameters VALUES (?,?,?,?)",
                            (parameter_id, trial_id, json.dumps(params), now))

    def set_trial_pid(self, trial_id: str, pid: int) -> None:
        self._write("UPDATE trials SET pid=? WHERE trial_id=?", (pid, trial_id))

    def add_parameter(self, parameter_id: int, trial_id: str, params: dict[str, Any], *,
                      defer: bool = False) -> None:
        args = (parameter_id, trial_id, json.dumps(params), time.time())
        if defer:
            self._deferred.append(("INSERT INTO parameters VALUES (?,?,?,?)", args))
        else:
            self._write("INSERT INTO parameters VALUES (?,?,?,?)", args)

    def end_trial(self, trial_id: str, status: str, exit_code: int | None, message: str | None) -> None:
        self._write("UPDATE trials SET status=?, ended=?, exit_code=?, message=? WHERE trial_id=?",
                    (status, time.time(), exit_code, message, trial_id))

    def trials(self, status: str | None = None) -> list[TrialRow]:
        sql = "SELECT * FROM trials" + (" WHERE status=?" if status else "") + " ORDER BY seq"
        return [TrialRow(*row) for row in self._query(sql, (status,) if status else ())]

    def trial(self, trial_id: str) -> TrialRow | None:
        row = self._query("SELECT * FROM trials WHERE trial_id=?", (trial_id,)).fetchone()
        return TrialRow(*row) if row else None

    def parameters(self, trial_id: str | None = None) -> list[tuple[int, str, dict[str, Any]]]:
        """``(parameter_id, trial_id, params)`` in id order."""
        sql = "SELECT parameter_id, trial_id, params FROM parameters"
        rows = self._query(sql + (" WHERE trial_id=?" if trial_id else "") + " ORDER BY parameter_id",
                               (trial_id,) if trial_id else ())
        return [(pid, tid, json.loads(p)) for pid, tid, p in rows]

    def count_trials(self, statuses: tuple[str, ...]) -> int:
        marks = ",".join("?" * len(statuses))
        (n,) = self._query(f"SELECT COUNT(*) FROM trials WHERE status IN ({marks})", statuses).fetchone()
        return int(n)

    def status_counts(self) -> dict[str, int]:
        """Number of trials per status."""
        rows = self._query("SELECT status, COUNT(*) FROM trials GROUP BY status")
        return {str(status): int(n) for status, n in rows}

    # metrics ------------------------------------------------------------------------------------------------
    def count_metrics(self, kind: str) -> int:
        (n,) = self._query("SELECT COUNT(*) FROM metrics WHERE kind=?", (kind,)).fetchone()
        return int(n)

    def add_metric(self, trial_id: str, parameter_id: int, kind: str, value: Any, *,
                   derived: bool = False, defer: bool = False) -> int | None:
        """Store a result; its id, or ``None`` when deferred (:meth:`flush` returns the newest final's id)."""
        args = (trial_id, parameter_id, kind, json.dumps(value), _default_number(value), time.time(),
                int(derived))
        if defer:
            self._deferred.append((_ADD_METRIC, args))
            return None
        return int(self._write(_ADD_METRIC, args).lastrowid or 0)

    def metrics(self, kind: str | None = None, after_id: int = 0) -> list[MetricRow]:
        sql = (f"SELECT {self._metric_columns} FROM metrics WHERE id > ?" + (" AND kind=?" if kind else "")
               + " ORDER BY id")
        rows = self._query(sql, (after_id, kind) if kind else (after_id,))
        return [MetricRow(i, t, p, k, json.loads(v), s, c, bool(d)) for i, t, p, k, v, s, c, d in rows]

    # tuner state --------------------------------------------------------------------------------------------
    def save_tuner_state(self, state: Any, last_metric_id: int) -> None:
        self.flush()
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("INSERT INTO tuner_state (last_metric_id, state, created) VALUES (?,?,?)",
                            (last_metric_id, json.dumps(state), time.time()))
            self.db.execute("DELETE FROM tuner_state WHERE id NOT IN "
                            "(SELECT id FROM tuner_state ORDER BY id DESC LIMIT 2)")

    def tuner_state(self) -> tuple[Any, int] | None:
        """The newest snapshot and the id of the last metric it had seen, or None."""
        row = self._query("SELECT state, last_metric_id FROM tuner_state ORDER BY id DESC LIMIT 1")
        found = row.fetchone()
        return (json.loads(found[0]), int(found[1])) if found else None
