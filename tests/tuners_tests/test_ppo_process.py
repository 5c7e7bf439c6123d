"""The PPO decision process and its gymnasium environment: every architecture exactly once, masks exact."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from gymnasium.utils.passive_env_checker import check_action_space, check_observation_space

from nastuners.space import SearchSpace
from nastuners.testing import ASSORTED_SPACES, bench_space
from nastuners.testing.spaces import layer, mutable_block
from nastuners.tuners._ppo import ArchitectureEnv, DecisionProcess

# every size form: k < n, k == n, k > n (multisets), [lo, hi] with and without 0, [lo, hi] past n, 0,
# no inputs
ALL_FORMS = {
    "b/mutable_block_1": mutable_block(
        l0=layer(["a()", "b()"], ["x", "y", "z"], 2),
        l1=layer(["a()"], ["x", "y"], 2),
        l2=layer(["a()", "b()"], ["x", "y"], 3),
        l3=layer(["a()"], ["x", "y", "z"], [0, 2]),
        l4=layer(["a()"], ["x", "y"], [1, 3]),
        l5=layer(["a()", "b()", "c()"], ["x"], 0),
        l6=layer(["a()", "b()"]),
    ),
    "lr": {"_type": "choice", "_value": [0.1, 0.01]},
}


def all_sequences(process: DecisionProcess) -> list[tuple[int, ...]]:
    """Every action sequence the masks allow (depth-first)."""
    out: list[tuple[int, ...]] = []

    def walk(prefix: list[int]) -> None:
        t = len(prefix)
        if t == len(process):
            out.append(tuple(prefix))
            return
        row = np.zeros((1, len(process)), dtype=np.int64)
        row[0, :t] = prefix
        for a in np.flatnonzero(process.mask(t, row)[0]):
            walk([*prefix, int(a)])

    walk([])
    return out


@pytest.mark.parametrize("doc", [ALL_FORMS, bench_space(), *ASSORTED_SPACES.values()],
                         ids=["all_forms", "bench", *ASSORTED_SPACES])
def test_masked_sequences_are_a_bijection_onto_the_space(doc: dict) -> None:
    space = SearchSpace.from_json(doc)
    if space.cardinality > 20_000:
        pytest.skip("too large to enumerate")
    process = DecisionProcess(space)
    sequences = all_sequences(process) if len(process) else [()]
    vectors = process.to_vectors(np.array(sequences, dtype=np.int64).reshape(len(sequences), len(process)))
    assert len(sequences) == space.cardinality
    assert sorted(vectors) == sorted(space.enumerate())          # every architecture, each exactly once
    for seq, vector in zip(sequences, vectors, strict=True):
        assert tuple(process.to_actions(vector)) == seq           # the inverse mapping
        doc_out = space.decode(vector)
        space.validate_choice(doc_out)
        for block in doc_out.values():
            if isinstance(block, dict):
                for choice in block.values():
                    inputs = choice["chosen_inputs"]
                    # distinct and in declaration order unless more inputs are required than exist
                    assert inputs == sorted(set(inputs), key=inputs.index) or len(inputs) > len(set(inputs))


def test_step_layout_of_the_reference_space() -> None:
    process = DecisionProcess(SearchSpace.from_json(bench_space()))
    # l0 op(6); l1 op(6), one slot over 2 inputs; l2 op(3), count 0..1, one slot over 2; l3 op(3) (1 input:
    # fixed)
    assert [(s.kind, s.size) for s in process.steps] == [
        ("op", 6), ("op", 6), ("slot", 2), ("op", 3), ("count", 2), ("slot", 2), ("op", 3)]


def test_padding_slot_allows_only_action_zero() -> None:
    space = SearchSpace.from_json({"b": mutable_block(l0=layer(["a()"], ["x", "y", "z"], [0, 2]))})
    process = DecisionProcess(space)
    assert [s.kind for s in process.steps] == ["count", "slot", "slot"]
    prefix = np.array([[0, 0, 0], [1, 2, 0], [2, 0, 0], [2, 1, 0]])
    assert process.mask(0, prefix)[0].tolist() == [True, True, True]
    assert process.mask(1, prefix).tolist() == [
        [True, False, False],      # count 0: padding
        [True, True, True],        # count 1: any input
        [True, True, False],       # count 2: first index leaves room for a second
        [True, True, False]]
    assert process.mask(2, prefix).tolist() == [
        [True, False, False],      # padding
        [True, False, False],      # padding
        [False, True, True],       # after input 0: 1 or 2
        [False, False, True]]      # after input 1: only 2


def test_multiset_slots_never_decrease() -> None:
    space = SearchSpace.from_json({"b": mutable_block(l0=layer(["a()"], ["x", "y"], 3))})
    process = DecisionProcess(space)
    prefix = np.array([[1, 1, 0]])
    assert process.mask(1, prefix)[0].tolist() == [False, True]
    assert process.mask(2, prefix)[0].tolist() == [False, True]
    assert space.decode(process.to_vectors(np.array([[0, 1, 1]]))[0])["b"]["l0"]["chosen_inputs"] == \
        ["x", "y", "y"]


def test_env_passes_gymnasium_checks_and_builds_valid_architectures() -> None:
    # (gymnasium's check_env steps with unmasked random actions, which this env rejects by design)
    space = SearchSpace.from_json(ALL_FORMS)
    env = ArchitectureEnv(space, reward_fn=lambda doc: float(doc["lr"]))
    check_observation_space(env.observation_space)
    check_action_space(env.action_space)
    rng = random.Random(0)
    seen = set()
    for episode in range(200):
        obs, info = env.reset(seed=episode)
        assert env.observation_space.contains(obs)
        assert np.array_equal(obs["action_mask"], info["action_mask"])
        done = False
        steps = 0
        while not done:
            allowed = np.flatnonzero(info["action_mask"])
            obs, reward, done, truncated, info = env.step(rng.choice(allowed.tolist()))
            assert not truncated and env.observation_space.contains(obs)
            steps += 1
        assert steps == len(env.process)
        space.validate_choice(info["architecture"])
        assert reward == info["architecture"]["lr"]
        seen.add(info["vector"])
    assert len(seen) > 100


def test_env_rejects_masked_actions_and_steps_after_the_end() -> None:
    space = SearchSpace.from_json({"b": mutable_block(l0=layer(["a()"], ["x", "y", "z"], [0, 2]))})
    env = ArchitectureEnv(space)
    env.reset()
    env.step(0)  # count 0
    with pytest.raises(ValueError, match=r"action 1 is not allowed at step 1 \(allowed: \[0\]\)"):
        env.step(1)
    env.step(0)
    *_, done, _, info = env.step(0)
    assert done and info["architecture"] == {"b": {"l0": {"chosen_layer": "a()", "chosen_inputs": []}}}
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)


def test_env_on_a_space_with_nothing_to_decide() -> None:
    env = ArchitectureEnv(SearchSpace.from_json({"b": mutable_block(l0=layer(["a()"]))}))
    _, info = env.reset()
    assert info["action_mask"].tolist() == [1]
    _, _, done, _, info = env.step(0)
    assert done and info["vector"] == (0,)


def test_masks_of_complete_sequences_match_stepwise_masks() -> None:
    space = SearchSpace.from_json(ALL_FORMS)
    process = DecisionProcess(space)
    sequences = np.array(list(itertools.islice(all_sequences(process), 0, None, 37)))
    full = process.masks(sequences)
    for t in range(len(process)):
        assert np.array_equal(full[:, t], process.mask(t, sequences))
        assert full[np.arange(len(sequences)), t, sequences[:, t]].all()   # taken actions are allowed
