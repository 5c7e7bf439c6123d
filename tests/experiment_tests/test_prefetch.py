"""Prefetching the next architecture (enas_mode's ``training_update``): the channel's ``prefetch`` and
``activate`` requests, end to end through ``nastune run`` with real trial processes, and on their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from exp_helpers import only_experiment, run_cli, toy_config

from nastuners.experiment.store import Store


def _score(params: dict) -> float:
    layer = params["toy/mutable_block_1"]["mutable_layer_0"]
    ops = {"add(k=1)": 1.0, "add(k=2)": 2.0, "mul(k=3)": 3.0}
    return ops[layer["chosen_layer"]] + 0.1 * len(layer["chosen_inputs"])


def test_prefetch_asks_ahead_and_finishes_each_parameter_on_activation(home: Path, tmp_path: Path) -> None:
    """One 4-step trial, no result at step 1. The tuner is asked for k+1 before it learns k's result (one
    minibatch ahead), learns k's result when k+1 is activated, and the never-activated fifth parameter is
    ended as interrupted (not a failure) when the trial exits."""
    log = tmp_path / "calls.jsonl"
    config = toy_config(tmp_path, multiPhase=True, maxTrialNum=1, trialConcurrency=1,
                        tuner={"className": "LogTuner", "classArgs": {"log": str(log)}},
                        trial={"command": "python3 prefetch_trial.py --steps 4 --skip 1"})
    assert run_cli("run", str(config), "--quiet") == 0
    store = Store(only_experiment(home))
    (trial,) = store.trials()
    assert trial.status == "SUCCEEDED", trial.message
    params = {pid: p for pid, _, p in store.parameters()}
    assert sorted(params) == [0, 1, 2, 3, 4]  # 4 used + the one prefetched at the last step
    finals = {m.parameter_id: m.value for m in store.metrics("final")}
    assert finals == {0: pytest.approx(_score(params[0])), 2: pytest.approx(_score(params[2])),
                      3: pytest.approx(_score(params[3]) + 10)}
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls == [
        ["generate", 0],                        # the trial's first parameter (launch)
        ["generate", 1],                        # step 0 prefetches 1 while 0 trains
        ["receive", 0, _score(params[0])],      # step 1 activates 1: 0 is finished with its last result
        ["generate", 2],
        ["end", 1, False, True],                # step 2 activates 2: 1 had no result (interrupted)
        ["generate", 3],
        ["receive", 2, _score(params[2])],      # step 3 activates 3
        ["generate", 4],
        ["receive", 3, _score(params[3]) + 10],  # the trial's own final result
        ["end", 4, False, True],                # prefetched, never trained
        ["end", 0, True, False],                # NNI's trial end (first parameter)
    ]


def test_prefetch_with_a_waiting_tuner_falls_back_to_fetching(home: Path, tmp_path: Path) -> None:
    """PPO in batches of 2 with two concurrent 4-step prefetching trials: when the tuner cannot answer a
    prefetch it says not_now at once, the trial fetches normally at its next step (waiting for the other
    trial's result), and nothing deadlocks; every reported result reaches PPO, none counts as a failure."""
    pytest.importorskip("torch")
    config = toy_config(tmp_path, multiPhase=True, maxTrialNum=2, trialConcurrency=2,
                        trial={"command": "python3 prefetch_trial.py --steps 4"})
    assert run_cli("run", str(config), "--quiet", "--tuner", "ppo",
                   "--tuner-args", '{"trials_per_update": 2, "seed": 0}') == 0
    store = Store(only_experiment(home))
    assert [t.status for t in store.trials()] == ["SUCCEEDED", "SUCCEEDED"]
    finals = {m.parameter_id for m in store.metrics("final")}
    own = {}
    for pid, tid, _ in store.parameters():
        own.setdefault(tid, []).append(pid)
    # PPO's batch (2) is always in flight, so every prefetch was refused and each trial fetched its 4
    # architectures normally: no reserved extras, and every trained architecture got its result
    assert sorted(len(pids) for pids in own.values()) == [4, 4]
    assert finals == {pid for pids in own.values() for pid in pids}
    state, _ = store.tuner_state()  # type: ignore[misc]
    assert state["ppo"]["failed"] == []
    assert state["pending"] == {}
    assert state["ppo"]["updates"] >= 2


def test_prefetch_outside_multiphase_is_the_usual_error(home: Path, tmp_path: Path) -> None:
    """Without multiPhase a prefetching trial gets the usual clear error at its second fetch."""
    config = toy_config(tmp_path, multiPhase=False, maxTrialNum=1, trialConcurrency=1,
                        tuner={"className": "CycleTuner"},
                        trial={"command": "python3 prefetch_trial.py --steps 2"})
    assert run_cli("run", str(config), "--quiet") == 1
    (trial,) = Store(only_experiment(home)).trials()
    assert trial.status == "FAILED"
    assert "not multi-phase" in (trial.message or "")


MISUSE = """
from trial_runtime.channel import ChannelPlatform, recv_frame, send_frame
p = ChannelPlatform()
p.fetch()
def ask(message):
    send_frame(p._socket(), message)
    return recv_frame(p._socket())
print(ask({"op": "activate", "parameter_id": 99})["error"])
print(ask({"op": "prefetch"})["parameter_id"])
print(ask({"op": "prefetch"})["error"])
print(ask({"op": "activate", "parameter_id": 1}))
print(ask({"op": "nonsense"})["error"])
"""


def test_runner_refuses_protocol_misuse(home: Path, tmp_path: Path) -> None:
    """activate of a parameter the trial does not hold, a second prefetch before activating the first and
    unknown requests are refused with errors that say what the trial holds / what is expected."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "misuse.py").write_text(MISUSE)
    config = toy_config(tmp_path, multiPhase=True, maxTrialNum=1, trialConcurrency=1,
                        tuner={"className": "CycleTuner"},
                        trial={"command": "python3 misuse.py", "codeDir": str(code)})
    assert run_cli("run", str(config), "--quiet") == 1
    (trial,) = Store(only_experiment(home)).trials()
    lines = (Path(trial.trial_dir) / "stdout").read_text().splitlines()
    assert lines == ["activate parameter 99: this trial holds none prefetched", "1",
                     "parameter 1 was prefetched and not activated yet; "
                     "activate it before prefetching another",
                     "{'ok': True}",
                     "unknown request 'nonsense'; expected 'fetch', 'report', 'prefetch' or 'activate'"]
