"""PPOTuner behaviour: NNI arguments, batches and "not now", duplicates, failures, resume, learning."""

# ruff: noqa: E402  (torch is optional: skip before importing what needs it)
from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from nastuners import NoMoreTrialError, NoSuggestionYet
from nastuners.registry import get_tuner
from nastuners.space import SearchSpace
from nastuners.testing import (
    TunerContract,
    TunerFactory,
    bench_space,
    drive,
    registry_factory,
    synthetic_reward,
    tiny_space,
)
from nastuners.testing.spaces import layer, mutable_block
from nastuners.tuners._ppo import PPOTuner

NNI_CLASS_ARGS = {"optimize_mode": "maximize", "trials_per_update": 20, "epochs_per_update": 4,
                  "minibatch_size": 4, "ent_coef": 0.0, "lr": 3e-4, "vf_coef": 0.5, "max_grad_norm": 0.5,
                  "gamma": 0.99, "lam": 0.95, "cliprange": 0.2}


class TestPPOContract(TunerContract):
    """The tuner ``get_tuner("ppo")`` builds, with its defaults."""

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return registry_factory("ppo")


class TestPPOLSTMContract(TunerContract):
    """The NNI-like LSTM network, small batches and minibatches (several updates in each check)."""

    skip_checks = ("determinism_across_processes", "rejects_unsupported_types", "construction")

    @pytest.fixture
    def tuner_factory(self) -> TunerFactory:
        return functools.partial(PPOTuner, network="lstm", trials_per_update=3, minibatch_size=2)


def test_importing_the_package_does_not_import_torch() -> None:
    code = ("import sys, nastuners, nastuners.tuners\n"
            "from nastuners.tuners import PPOTuner\n"
            "assert 'torch' not in sys.modules, 'torch imported too early'\n"
            "PPOTuner(seed=0)\n"
            "assert 'torch' in sys.modules\n"
            "assert 'torch._dynamo' not in sys.modules, 'torch._dynamo costs 1 s and 70 MB'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_nni_class_args_are_accepted_and_run() -> None:
    tuner = get_tuner("ppo", **NNI_CLASS_ARGS, seed=0)
    tuner.update_search_space(bench_space())
    result = drive(tuner, 60, reward=synthetic_reward(bench_space()), concurrency=4)
    assert len(result.trials) == 60
    assert tuner.agent.updates == 2          # 20 new architectures per update


def test_uneven_minibatches_work() -> None:
    tuner = PPOTuner(seed=0, trials_per_update=7, minibatch_size=3)
    tuner.update_search_space(bench_space())
    drive(tuner, 21, reward=synthetic_reward(bench_space()))
    assert tuner.agent.updates == 2


@pytest.mark.parametrize(("args", "message"), [
    ({"trials_per_update": 0}, "trials_per_update must be an integer >= 1, got 0"),
    ({"minibatch_size": 2.5}, "minibatch_size must be an integer >= 1, got 2.5"),
    ({"lr": -1}, r"lr must be a number in \(0.0, 10.0\], got -1"),
    ({"gamma": 1.5}, r"gamma must be a number in \[0.0, 1.0\], got 1.5"),
    ({"cliprange": 0}, r"cliprange must be a number in \(0.0"),
    ({"network": "gru"}, "network must be 'lstm' or 'mlp', got 'gru'"),
])
def test_bad_class_args_are_clear_errors(args: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PPOTuner(**args)


def test_not_now_while_the_batch_waits_then_the_next_batch() -> None:
    tuner = PPOTuner(seed=1, trials_per_update=4)
    tuner.update_search_space(bench_space())
    params = [tuner.generate_parameters(pid) for pid in range(4)]
    with pytest.raises(NoSuggestionYet):
        tuner.generate_parameters(4)
    for pid in (2, 0, 3):                       # results in any order
        tuner.receive_trial_result(pid, params[pid], 0.1 * pid)
        tuner.trial_end(pid, True)
        with pytest.raises(NoSuggestionYet):
            tuner.generate_parameters(4)
    tuner.receive_trial_result(1, params[1], 0.5)
    tuner.trial_end(1, True)
    assert tuner.agent.updates == 0
    tuner.generate_parameters(4)
    assert tuner.agent.updates == 1
    assert tuner.pending.keys() == {4}


def test_evaluated_architectures_are_never_issued_again() -> None:
    doc = tiny_space()
    space = SearchSpace.from_json(doc)
    vectors = list(space.enumerate())
    tuner = PPOTuner(seed=0, trials_per_update=2)
    tuner.update_search_space(doc)
    tuner.import_data([{"parameter": space.decode(v), "value": 0.5} for v in vectors[:4]]
                      + [{"parameter": {"bogus": 1}, "value": 1.0}, {"value": 2.0}])
    got = [tuner.generate_parameters(0), tuner.generate_parameters(1)]
    assert sorted(space.encode(p) for p in got) == sorted(vectors[4:])
    for pid, p in enumerate(got):
        tuner.receive_trial_result(pid, p, 1.0)
        tuner.trial_end(pid, True)
    with pytest.raises(NoMoreTrialError):
        tuner.generate_parameters(2)


def test_a_long_run_proposes_distinct_architectures() -> None:
    tuner = PPOTuner(seed=3)
    tuner.update_search_space(bench_space())
    result = drive(tuner, 300, reward=synthetic_reward(bench_space()), concurrency=3, order_seed=1)
    keys = [json.dumps(t.params, sort_keys=True) for t in result.trials]
    assert len(keys) == 300 and len(set(keys)) == 300


def test_failed_trial_gets_the_worst_score_seen() -> None:
    tuner = PPOTuner(seed=0, trials_per_update=5)
    tuner.update_search_space(bench_space())
    agent, space = tuner.agent, tuner.space
    params = [tuner.generate_parameters(pid) for pid in range(5)]
    assert agent.failure_score() == 0.0          # before any result
    tuner.trial_end(0, False)
    for pid, value in ((1, 0.7), (2, {"default": 0.4}), (4, 0.9)):
        tuner.receive_trial_result(pid, params[pid], value)
        tuner.trial_end(pid, True)
    tuner.trial_end(3, True)                      # ended without a result: a failure too
    batch = agent.batch
    assert batch.complete
    scores = dict(zip(batch.vectors, agent.batch_scores(batch).tolist(), strict=True))
    assert [scores[space.encode(p)] for p in params] == [0.4, 0.7, 0.4, 0.4, 0.9]
    assert agent.failed == {space.encode(params[0]), space.encode(params[3])}
    p5 = tuner.generate_parameters(5)             # learns from the batch, failures included
    assert agent.updates == 1
    tuner.receive_trial_result(5, p5, 0.5)
    tuner.trial_end(5, True)
    drive(tuner, 150, reward=synthetic_reward(bench_space()), start_id=6)
    assert {space.encode(p) for p in params} & set(agent.batch.todo) == set()
    assert len(agent.cache) + len(agent.failed) >= 150


def test_interrupted_parameter_is_not_evaluated_and_is_issued_again() -> None:
    """trial_end(pid, False, interrupted=True): no failure, out of pending, proposed again in the same batch,
    and its reward (when it comes) completes the batch."""
    tuner = PPOTuner(seed=0, trials_per_update=3)
    tuner.update_search_space(bench_space())
    agent, space = tuner.agent, tuner.space
    params = [tuner.generate_parameters(pid) for pid in range(3)]
    tuner.trial_end(1, False, interrupted=True)
    assert agent.failed == set() and 1 not in tuner.pending
    tuner.receive_trial_result(0, params[0], 0.2)
    tuner.trial_end(2, False)                     # a real failure, for contrast
    assert agent.failed == {space.encode(params[2])}
    again = tuner.generate_parameters(3)          # the interrupted architecture, not a new batch
    assert again == params[1] and agent.updates == 0
    tuner.trial_end(1, False)                     # a late trial-level end of the old id changes nothing
    assert agent.failed == {space.encode(params[2])}
    with pytest.raises(NoSuggestionYet):
        tuner.generate_parameters(4)
    tuner.receive_trial_result(3, again, 0.6)
    tuner.generate_parameters(4)
    assert agent.updates == 1
    assert agent.cache[space.encode(params[1])] == 0.6


def test_results_imported_on_resume_complete_the_restored_batch() -> None:
    """A result newer than the snapshot arrives as import_data: it is the reward of the batch's sample."""
    tuner = PPOTuner(seed=0, trials_per_update=2)
    tuner.update_search_space(bench_space())
    p0 = tuner.generate_parameters(0)
    state = json.loads(json.dumps(tuner.state_dict()))  # p1 not yet issued at the snapshot
    p1 = tuner.generate_parameters(1)
    fresh = PPOTuner(seed=0, trials_per_update=2)
    fresh.update_search_space(bench_space())
    fresh.load_state_dict(state)
    fresh.import_data([{"parameter": p1, "value": 0.3}])
    fresh.receive_trial_result(0, p0, 0.1)
    fresh.generate_parameters(2)                  # p1 is not issued again: the batch is complete
    assert fresh.agent.updates == 1


def test_minimize_mode_rewards_the_negated_value() -> None:
    tuner = PPOTuner(seed=0, optimize_mode="minimize", trials_per_update=2)
    tuner.update_search_space(bench_space())
    p = tuner.generate_parameters(0)
    tuner.receive_trial_result(0, p, 3.0)
    assert tuner.agent.cache[tuner.space.encode(p)] == -3.0


def test_resume_restores_network_optimizer_and_batch() -> None:
    doc = bench_space()
    reward = synthetic_reward(doc)
    a = PPOTuner(seed=0, trials_per_update=6)
    a.update_search_space(doc)
    drive(a, 45, reward=reward)                  # 7 updates, then half a batch issued
    state = json.loads(json.dumps(a.state_dict()))
    b = PPOTuner(seed=99, trials_per_update=6)
    b.update_search_space(doc)
    b.load_state_dict(state)
    for (name, pa), pb in zip(a.agent.policy.state_dict().items(), b.agent.policy.state_dict().values(),
                              strict=True):
        assert torch.equal(pa, pb), name
    assert a.agent.optimizer.steps == b.agent.optimizer.steps > 0
    assert all(torch.equal(x, y) for x, y in zip(a.agent.optimizer.v, b.agent.optimizer.v, strict=True))
    ra = drive(a, 40, reward=reward, start_id=45)
    rb = drive(b, 40, reward=reward, start_id=45)
    assert [t.params for t in ra.trials] == [t.params for t in rb.trials]
    assert a.agent.updates == b.agent.updates


def test_same_space_keeps_learning_and_a_new_space_starts_over() -> None:
    tuner = PPOTuner(seed=0, trials_per_update=4)
    tuner.update_search_space(bench_space())
    drive(tuner, 8, reward=synthetic_reward(bench_space()))
    agent = tuner.agent
    tuner.update_search_space(bench_space())
    assert tuner.agent is agent
    other = {"b": mutable_block(l0=layer(["a()", "b()"], ["x", "y", "z"], [1, 3]))}
    tuner.update_search_space(other)
    assert tuner.agent is not agent and not tuner.agent.cache
    drive(tuner, 10, reward=synthetic_reward(other))


def _finds_optimum(make, doc: dict, budget: int, seeds: range) -> int:
    space = SearchSpace.from_json(doc)
    reward = synthetic_reward(doc)
    # the reward is additive over decisions: the best category of each decision, the others fixed, is optimal
    vector = [0] * len(space.decisions)
    for i, d in enumerate(space.decisions):
        vector[i] = max(range(d.n), key=lambda c: reward(space.decode((*vector[:i], c, *vector[i + 1:]))))
    best = reward(space.decode(tuple(vector)))
    hits = 0
    for seed in seeds:
        tuner = make(seed)
        tuner.update_search_space(doc)
        result = drive(tuner, budget, reward=reward)
        hits += max(t.value for t in result.trials) == best
    return hits


def test_learns_the_optimum_of_a_synthetic_space_far_more_often_than_random() -> None:
    # 6 layers x 5 ops, one with a [0, 2] input choice: 15,625 x 7 = 109,375 architectures; additive reward
    ops = ["a()", "b()", "c()", "d()", "e()"]
    doc = {"s/mutable_block_1": mutable_block(**{f"l{i}": layer(ops) for i in range(5)},
                                              l5=layer(ops, ["x", "y", "z"], [0, 2]))}
    budget, seeds = 150, range(10)
    ppo_hits = _finds_optimum(lambda s: PPOTuner(seed=s), doc, budget, seeds)
    random_hits = _finds_optimum(lambda s: get_tuner("random", seed=s), doc, budget, seeds)
    # random finds it with probability 150 / 109,375 per run
    assert random_hits <= 1
    assert ppo_hits >= 7, ppo_hits
