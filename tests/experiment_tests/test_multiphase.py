"""Multi-phase supersession: a fetched parameter finishes the previous one (enas_mode with a waiting tuner).

End to end with PPO (which waits for every result of its batch) and at the store/resume level.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from exp_helpers import TOY, only_experiment, run_cli, toy_config

from nastuners import Tuner
from nastuners.experiment.runner import _restore_tuner
from nastuners.experiment.store import Store
from nastuners.space import SearchSpace

SPACE = json.loads((TOY / "search_space.json").read_text())


def _score(params: dict[str, Any]) -> float:
    layer = params["toy/mutable_block_1"]["mutable_layer_0"]
    ops = {"add(k=1)": 1.0, "add(k=2)": 2.0, "mul(k=3)": 3.0}
    return ops[layer["chosen_layer"]] + 0.1 * len(layer["chosen_inputs"])


def test_ppo_learns_from_superseded_parameters_in_enas_style_trials(home: Path, tmp_path: Path) -> None:
    """PPO (batches of 2) under two concurrent 4-step enas-style trials: no deadlock; each superseded
    parameter's last intermediate result is committed as its final metric (right after the fetch is
    answered, before the runner's next answer: the trial checks) and is PPO's reward; a result-less one is
    not counted as a failure."""
    pytest.importorskip("torch")
    config = toy_config(tmp_path, multiPhase=True, maxTrialNum=2, trialConcurrency=2,
                        trial={"command": "python3 enas_trial.py --steps 4 --skip 1"})
    assert run_cli("run", str(config), "--quiet", "--tuner", "ppo",
                   "--tuner-args", '{"trials_per_update": 2, "seed": 0}') == 0
    exp = only_experiment(home)
    store = Store(exp)
    assert store.experiment()["status"] == "DONE"
    trials = store.trials()
    assert [t.status for t in trials] == ["SUCCEEDED", "SUCCEEDED"], [t.message for t in trials]
    params = store.parameters()
    assert [pid for pid, _, _ in params] == list(range(8))  # global consecutive ids, fetches included
    finals = {m.parameter_id: m for m in store.metrics("final")}
    for trial in trials:
        own = [(pid, p) for pid, tid, p in params if tid == trial.trial_id]
        assert own[0][0] == trial.parameter_id and len(own) == 4
        (q0, p0), (q1, _), (q2, p2), (q3, p3) = own
        assert finals[q0].value == pytest.approx(_score(p0))       # superseded, had an intermediate
        assert q1 not in finals                                     # superseded without any result
        assert finals[q2].value == pytest.approx(_score(p2))
        assert finals[q3].value == pytest.approx(_score(p3) + 10)  # the trial's own final: last fetched
        assert (finals[q0].derived, finals[q2].derived, finals[q3].derived) == (True, True, False)
    assert len(finals) == 6
    # PPO received every result as a reward (its cache) and learned from them; nothing counted as failed
    state, _ = store.tuner_state()  # type: ignore[misc]
    ppo = state["ppo"]
    space = SearchSpace.from_json(SPACE)
    cache = {tuple(v): s for v, s in ppo["cache"]}
    for pid, metric in finals.items():
        vector = space.encode(next(p for q, _, p in params if q == pid))
        assert cache[vector] == pytest.approx(metric.value)
    assert ppo["failed"] == []
    assert ppo["updates"] >= 2
    assert state["pending"] == {}


def test_without_intermediate_results_a_waiting_tuner_reissues_instead_of_deadlocking(home: Path,
                                                                                     tmp_path: Path) -> None:
    """Every superseded parameter is result-less: PPO is told interrupted=True, issues the architecture
    again, and the single trial still gets an architecture at every fetch."""
    pytest.importorskip("torch")
    config = toy_config(tmp_path, multiPhase=True, maxTrialNum=1, trialConcurrency=1,
                        trial={"command": "python3 enas_trial.py --steps 6 --skip 0 --skip 1 --skip 2 "
                                          "--skip 3 --skip 4"})
    assert run_cli("run", str(config), "--quiet", "--tuner", "ppo",
                   "--tuner-args", '{"trials_per_update": 2, "seed": 1}') == 0
    store = Store(only_experiment(home))
    (trial,) = store.trials()
    assert trial.status == "SUCCEEDED", trial.message
    params = store.parameters()
    assert [pid for pid, _, _ in params] == list(range(6))
    (final,) = store.metrics("final")
    assert final.parameter_id == 5
    # the batch's two architectures come round again instead of being marked failed
    archs = [json.dumps(p, sort_keys=True) for _, _, p in params]
    assert len(set(archs)) == 2 and archs[:2] == archs[2:4] == archs[4:]
    state, _ = store.tuner_state()  # type: ignore[misc]
    assert state["ppo"]["failed"] == []


class _Recorder(Tuner):
    """Issues the toy space's architectures in order and records every verb the runner calls."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.calls: list[tuple[Any, ...]] = []

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        space = self._require_space()
        return space.decode(space.unindex(parameter_id % space.cardinality))

    def receive_trial_result(self, parameter_id: int, parameters: dict[str, Any], value: Any,
                             **kwargs: Any) -> None:
        self.calls.append(("receive", parameter_id, value))

    def trial_end(self, parameter_id: int, success: bool, **kwargs: Any) -> None:
        self.calls.append(("end", parameter_id, success, kwargs.get("interrupted", False)))

    def import_data(self, data: list[dict[str, Any]]) -> None:
        self.calls.append(("import", [r["value"] for r in data]))


def test_resume_passes_newer_results_then_ends_pending_parameters(tmp_path: Path) -> None:
    """Store → tuner on resume: a pending parameter's newer result is received, a result the snapshot's tuner
    never issued is imported, and every other pending parameter is ended: interrupted=True when its trial
    was interrupted or moved on past it, a plain failure when it was the last one of a failed trial."""
    store = Store(tmp_path, create=True)
    store.create_experiment("e", None, {}, SPACE, None)
    tuner = _Recorder()
    tuner.update_search_space(SPACE)
    docs = {pid: tuner.generate_parameters(pid) for pid in range(4)}  # pending at the snapshot: 0, 1, 2, 3
    store.save_tuner_state(tuner.state_dict(), 0)
    # trial A (multi-phase, runner died): 0 superseded with a result, 1 without, 4 and 5 fetched after the
    # snapshot (4 superseded with a result); trial B failed on 2; trial C was running on 3
    store.add_trial("aaaaa", 0, 0, docs[0], str(tmp_path / "a"))
    store.add_trial("bbbbb", 1, 2, docs[2], str(tmp_path / "b"))
    store.add_trial("ccccc", 2, 3, docs[3], str(tmp_path / "c"))
    store.add_parameter(1, "aaaaa", docs[1])
    store.add_parameter(4, "aaaaa", docs[0])
    store.add_parameter(5, "aaaaa", docs[1])
    store.add_metric("aaaaa", 0, "final", 0.5)
    store.add_metric("aaaaa", 4, "final", 0.7)
    store.end_trial("bbbbb", "FAILED", 1, "boom")
    store.end_trial("aaaaa", "INTERRUPTED", None, None)
    store.end_trial("ccccc", "INTERRUPTED", None, None)

    fresh = _Recorder()
    fresh.update_search_space(SPACE)
    _restore_tuner(fresh, store)
    assert fresh.calls == [("receive", 0, 0.5), ("import", [0.7]),
                           ("end", 1, False, True), ("end", 2, False, False), ("end", 3, False, True)]
    assert fresh.pending == {}
    assert store.next_ids() == (6, 3)  # ids go on after the stored ones


def test_best_and_export_tell_derived_results_from_reported_ones(home: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A derived result (last minibatch metric of a superseded parameter) can be the best (NNI counted every
    phase); it is marked as derived, and --reported-only keeps only the trials' own final results."""
    config = toy_config(tmp_path, multiPhase=True, maxTrialNum=1, trialConcurrency=1,
                        trial={"command": "python3 enas_trial.py --steps 5 --final-offset -10"})
    assert run_cli("run", str(config), "--quiet", "--tuner", "random", "--tuner-args", '{"seed": 3}') == 0
    out = capsys.readouterr().out
    exp = only_experiment(home)
    store = Store(exp)
    finals = store.metrics("final")
    params = {pid: p for pid, _, p in store.parameters()}
    (own,) = [m for m in finals if not m.derived]
    derived = [m for m in finals if m.derived]
    assert len(derived) == 4 and own.parameter_id == max(params)
    assert own.value == pytest.approx(_score(params[own.parameter_id]) - 10)  # below every derived one
    top = max(derived, key=lambda m: (m.value, -m.parameter_id))
    assert f"parameter {top.parameter_id}; derived" in out  # the run's summary says what the best is

    assert run_cli("experiment", "best", str(exp)) == 0
    assert json.loads(capsys.readouterr().out) == params[top.parameter_id]
    assert run_cli("experiment", "best", str(exp), "--reported-only") == 0
    assert json.loads(capsys.readouterr().out) == params[own.parameter_id]
    assert run_cli("experiment", "export", str(exp), "--reported-only") == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["parameter"] for r in records] == [params[own.parameter_id]]
    assert run_cli("experiment", "export", str(exp)) == 0
    assert len(json.loads(capsys.readouterr().out)) == 5  # NNI's shape: every phase's final result
    assert run_cli("experiment", "trials", str(exp), "--json") == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["final"] == pytest.approx(own.value) and row["derived_finals"] == 4


def test_sigkill_while_a_trial_streams_fetches_leaves_a_consistent_prefix(home: Path, tmp_path: Path) -> None:
    """The runner answers a fetch before it commits the fetch's rows (the new parameter and the superseded
    one's derived final, in one transaction). Killed at an arbitrary point of a stream of fetches, it leaves
    a database where both rows exist or neither does, and resume continues from it."""
    import signal
    import sqlite3
    import time

    from exp_helpers import spawn_cli

    config = toy_config(tmp_path, multiPhase=True, maxTrialNum=1, trialConcurrency=1,
                        tuner={"className": "CycleTuner"},
                        trial={"command": "python3 enas_trial.py --steps 1000"})
    runner = spawn_cli("run", str(config), "--quiet", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end:  # until the stream is well under way
            assert runner.poll() is None, "the runner ended before the test could kill it"
            root = home / "experiments"
            dbs = list(root.glob("*/experiment.db")) if root.is_dir() else []
            if dbs:
                try:
                    with sqlite3.connect(f"file:{dbs[0]}?mode=ro", uri=True) as con:
                        if con.execute("SELECT COUNT(*) FROM parameters").fetchone()[0] >= 40:
                            break
                except sqlite3.OperationalError:
                    pass
            time.sleep(0.02)
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=10)
    finally:
        if runner.poll() is None:
            runner.kill()
    exp = only_experiment(home)
    store = Store(exp, read_only=True)
    pids = [pid for pid, _, _ in store.parameters()]
    assert len(pids) >= 40 and pids == list(range(len(pids)))  # no gap: rows are committed in order
    derived = sorted(m.parameter_id for m in store.metrics("final") if m.derived)
    # a parameter's derived final was committed with the next parameter (one trial: ids are consecutive)
    assert derived == list(range(len(pids) - 1)), (derived[-3:], len(pids))
    store.close()
    assert run_cli("resume", exp.name, "--quiet") == 0  # the interrupted trial is not counted: one more runs
    store = Store(exp, read_only=True)
    assert [t.status for t in store.trials()] == ["INTERRUPTED", "SUCCEEDED"]
    after = [pid for pid, _, _ in store.parameters()]
    assert after[:len(pids)] == pids and after == list(range(len(after)))  # ids go on after the prefix
    assert len(after) == len(pids) + 1000
