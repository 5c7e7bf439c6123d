"""The trial channel on its own: real Unix sockets, token check, framing, permissions; and the store."""

from __future__ import annotations

import selectors
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nastuners.exceptions import NoMoreTrialError
from nastuners.experiment.channel import ChannelServer
from nastuners.experiment.store import Store
from trial_runtime.channel import ChannelError, ChannelPlatform


class _Served:
    def __init__(self, exp_dir: Path) -> None:
        self.selector = selectors.DefaultSelector()
        self.calls: list[tuple[str | None, dict[str, Any]]] = []
        self.server = ChannelServer(exp_dir, self.selector, self.handle, lambda t: t in ("t1", "t2"))
        self.stop = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def handle(self, conn: Any, message: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((conn.trial_id, message))
        if message["op"] == "fetch":
            if len(self.calls) > 2:
                return {"ok": False, "no_more": True, "error": "done"}
            return {"ok": True, "parameter_id": len(self.calls), "parameters": {"x": [1, "a"]}}
        return {"ok": True}

    def loop(self) -> None:
        while not self.stop:
            for key, _ in self.selector.select(0.02):
                key.data()

    def env(self, **changes: str) -> dict[str, str]:
        env = {"NASTUNE_CHANNEL": self.server.address, "NASTUNE_TOKEN": self.server.token,
               "NASTUNE_TRIAL_ID": "t1", "NASTUNE_EXPERIMENT_ID": "e", "NASTUNE_SEQUENCE_ID": "7"}
        return {**env, **changes}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[_Served]:
    s = _Served(tmp_path)
    yield s
    s.stop = True
    s.thread.join()
    s.server.shutdown()


def test_fetch_and_report_round_trip(served: _Served) -> None:
    """Fetches return the handler's answer; reports carry kind, value and parameter id; no-more raises"""
    client = ChannelPlatform(served.env())
    assert (client.trial_id, client.experiment_id, client.sequence_id) == ("t1", "e", 7)
    assert client.fetch() == (1, {"x": [1, "a"]})
    client.report("final", {"default": 0.5, "loss": 2}, 1)
    with pytest.raises(NoMoreTrialError, match="done"):
        client.fetch()
    assert served.calls[1] == ("t1", {"op": "report", "kind": "final", "value": {"default": 0.5, "loss": 2},
                                      "parameter_id": 1})
    client.close()


def test_wrong_token_and_unknown_trial_are_refused(served: _Served) -> None:
    """Another token, or a trial id this runner did not start, is refused before any request is handled."""
    with pytest.raises(ChannelError, match="wrong or missing token"):
        ChannelPlatform(served.env(NASTUNE_TOKEN="x" * 32)).fetch()
    with pytest.raises(ChannelError, match="'t9' is not running"):
        ChannelPlatform(served.env(NASTUNE_TRIAL_ID="t9")).fetch()
    assert served.calls == []


def test_socket_is_private(served: _Served) -> None:
    """The socket file is mode 0600."""
    mode = stat.S_IMODE(served.server.path.stat().st_mode)
    assert mode == 0o600


def test_long_directory_falls_back_to_short_socket_path(tmp_path: Path) -> None:
    """A directory too long for sun_path gets a private temporary socket that still works."""
    deep = tmp_path / ("x" * 60) / ("y" * 60)
    deep.mkdir(parents=True)
    s = _Served(deep)
    try:
        assert len(str(s.server.path)) < 100 and not str(s.server.path).startswith(str(deep))
        assert ChannelPlatform(s.env()).fetch()[0] == 1
    finally:
        s.stop = True
        s.thread.join()
        s.server.shutdown()
    assert not s.server.path.exists()


def test_client_outside_runner_is_a_clear_error() -> None:
    """Without the runner's variables the platform says what is missing."""
    with pytest.raises(ChannelError, match="NASTUNE_CHANNEL, NASTUNE_TOKEN, NASTUNE_TRIAL_ID not set"):
        ChannelPlatform({})
    with pytest.raises(ChannelError, match="expected 'unix:PATH'"):
        ChannelPlatform({"NASTUNE_CHANNEL": "pipe:x", "NASTUNE_TOKEN": "t", "NASTUNE_TRIAL_ID": "a"}).fetch()


def test_store_wal_ids_and_snapshots(tmp_path: Path) -> None:
    """WAL mode; ids continue after stored ones; only the newest two tuner snapshots are kept."""
    store = Store(tmp_path, create=True)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.create_experiment("e1", "n", {"a": 1}, {"s": 2}, None)
    assert store.next_ids() == (0, 0)
    store.add_trial("t1", 0, 0, {"p": 0}, str(tmp_path))
    store.add_parameter(1, "t1", {"p": 1})
    assert store.next_ids() == (2, 1)
    m = store.add_metric("t1", 1, "final", {"default": 3, "other": "x"})
    assert store.metrics("final")[0].score == 3.0
    for i in range(4):
        store.save_tuner_state({"i": i}, m)
    assert store.tuner_state() == ({"i": 3}, m)
    assert store.db.execute("SELECT COUNT(*) FROM tuner_state").fetchone()[0] == 2
    store.close()
    reopened = Store(tmp_path)
    assert reopened.experiment()["config"] == {"a": 1}
    assert [t.trial_id for t in reopened.trials("RUNNING")] == ["t1"]
