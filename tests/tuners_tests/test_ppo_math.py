"""PPO arithmetic against hand-computed answers: GAE, returns, the clipped loss, masking, batched sampling."""

# ruff: noqa: E402  (torch is optional: skip before importing what needs it)
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nastuners.tuners._ppo.algorithm import ppo_loss
from nastuners.tuners._ppo.buffer import gae, minibatches, terminal_rewards
from nastuners.tuners._ppo.policy import Policy


def test_gae_matches_hand_computation() -> None:
    rewards = np.array([[0.0, 0.0, 1.0]])
    values = np.array([[0.5, 0.2, 0.4]])
    adv, ret = gae(rewards, values, gamma=0.9, lam=0.8)
    # delta_2 = 1 - 0.4 = 0.6;  delta_1 = 0.9 * 0.4 - 0.2 = 0.16;  delta_0 = 0.9 * 0.2 - 0.5 = -0.32
    # A_2 = 0.6;  A_1 = 0.16 + 0.72 * 0.6 = 0.592;  A_0 = -0.32 + 0.72 * 0.592 = 0.10624
    assert adv == pytest.approx(np.array([[0.10624, 0.592, 0.6]]))
    assert ret == pytest.approx(np.array([[0.60624, 0.792, 1.0]]))


def test_gae_with_gamma_and_lambda_one_is_monte_carlo() -> None:
    rewards = terminal_rewards(np.array([2.0, -1.0]), 4)
    assert rewards.tolist() == [[0, 0, 0, 2], [0, 0, 0, -1]]
    values = np.array([[0.3, -0.2, 1.0, 0.5], [0.0, 0.1, 0.2, 0.3]])
    adv, ret = gae(rewards, values, gamma=1.0, lam=1.0)
    assert ret == pytest.approx(np.array([[2.0] * 4, [-1.0] * 4]))
    assert adv == pytest.approx(ret - values)


def test_gae_with_lambda_zero_is_one_step_td() -> None:
    rewards = np.array([[0.0, 3.0]])
    values = np.array([[1.0, 2.0]])
    adv, _ = gae(rewards, values, gamma=0.5, lam=0.0)
    assert adv == pytest.approx(np.array([[0.5 * 2.0 - 1.0, 3.0 - 2.0]]))


def test_gae_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match=r"must both be \[batch, steps\]"):
        gae(np.zeros((2, 3)), np.zeros((2, 2)), 0.9, 0.9)


def test_minibatches_split_evenly_and_cover_everything() -> None:
    parts = minibatches(20, 6, np.random.default_rng(0))
    assert sorted(len(p) for p in parts) == [5, 5, 5, 5]
    assert sorted(np.concatenate(parts).tolist()) == list(range(20))
    assert [len(p) for p in minibatches(3, 10, np.random.default_rng(0))] == [3]
    with pytest.raises(ValueError, match="minibatch size must be >= 1"):
        minibatches(3, 0, np.random.default_rng(0))


def test_clipped_loss_on_a_known_batch() -> None:
    old = torch.zeros(1, 3)
    new = torch.log(torch.tensor([[0.5, 1.0, 1.5]])).requires_grad_()
    adv = torch.tensor([[1.0, -1.0, 1.0]])
    values = torch.tensor([[1.0, 2.0, 3.0]])
    returns = torch.ones(1, 3)
    entropy = torch.ones(1, 3)
    weight = torch.ones(1, 3)
    loss, stats = ppo_loss(new, old, adv, values, returns, entropy, weight, cliprange=0.2, vf_coef=0.5,
                           ent_coef=0.01)
    # policy: max(-A r, -A clip(r)) = max(-0.5, -0.8), max(1, 1), max(-1.5, -1.2) -> (-0.5 + 1 - 1.2) / 3
    assert stats["policy_loss"] == pytest.approx(-0.7 / 3)
    assert stats["value_loss"] == pytest.approx(0.5 * (0 + 1 + 4) / 3)
    assert stats["entropy"] == pytest.approx(1.0)
    assert stats["clip_fraction"] == pytest.approx(2 / 3)
    assert float(loss.detach()) == pytest.approx(-0.7 / 3 + 0.5 * 5 / 6 - 0.01)
    loss.backward()
    # d/d logp of -A r is -A r (unclipped terms); the clipped term (r = 1.5 > 1.2 with A > 0) has no gradient
    assert new.grad.tolist()[0] == pytest.approx([-0.5 / 3, 1.0 / 3, 0.0])


def test_loss_ignores_steps_with_zero_weight() -> None:
    args = dict(cliprange=0.2, vf_coef=1.0, ent_coef=0.0)
    a = torch.tensor([[0.3, 9.0]])
    full, _ = ppo_loss(a, a, torch.tensor([[1.0, 100.0]]), a, a + 1, a, torch.tensor([[1.0, 0.0]]), **args)
    one, _ = ppo_loss(a[:, :1], a[:, :1], torch.tensor([[1.0]]), a[:, :1], a[:, :1] + 1, a[:, :1],
                      torch.ones(1, 1), **args)
    assert float(full) == pytest.approx(float(one))


@pytest.mark.parametrize("core", ["lstm", "mlp"])
def test_masked_actions_have_probability_exactly_zero(core: str) -> None:
    torch.manual_seed(0)
    policy = Policy([5], core=core)
    with torch.no_grad():
        policy.head_b.copy_(torch.tensor([[9.0, 0.0, 5.0, 7.0, 0.0]]))   # favour a masked action
    mask = torch.tensor([True, False, True, False, True]).expand(5, 1, 5)
    logp, _, _ = policy.evaluate(torch.arange(5).reshape(5, 1), mask)
    probs = logp.exp().squeeze(1)
    assert probs[1] == 0.0 and probs[3] == 0.0
    assert float(probs[[0, 2, 4]].sum()) == pytest.approx(1.0, abs=1e-6)
    forced = torch.tensor([False, False, True, False, False]).expand(1, 1, 5)
    logp1, entropy1, _ = policy.evaluate(torch.tensor([[2]]), forced)
    assert float(logp1) == 0.0 and float(entropy1) == 0.0     # a forced step carries nothing
    actions, _ = policy.sample(2000, lambda t, a: mask[0].numpy().repeat(2000, 0),
                               torch.Generator().manual_seed(1))
    assert set(np.unique(actions).tolist()) <= {0, 2, 4}


@pytest.mark.parametrize("core", ["lstm", "mlp"])
def test_batched_sampling_follows_the_evaluated_distribution(core: str) -> None:
    torch.manual_seed(3)
    policy = Policy([3, 2], core=core, hidden=16, embedding=8)
    with torch.no_grad():
        policy.head_w.mul_(300.0)   # a clearly non-uniform, history-dependent distribution
    everything = np.ones((3,), dtype=bool)

    def mask_fn(t: int, actions: np.ndarray) -> np.ndarray:
        return np.broadcast_to(everything, (actions.shape[0], 3)).copy() if t == 0 else \
            np.broadcast_to(np.array([True, True, False]), (actions.shape[0], 3)).copy()

    n = 30_000
    actions, masks = policy.sample(n, mask_fn, torch.Generator().manual_seed(0))
    pairs = [(a, b) for a in range(3) for b in range(2)]
    seqs = torch.tensor(pairs)
    full_masks = torch.from_numpy(np.stack([np.stack([everything, [True, True, False]])] * len(pairs)))
    with torch.no_grad():
        logp, _, _ = policy.evaluate(seqs, full_masks)
    expected = logp.sum(1).exp().numpy()
    assert expected.sum() == pytest.approx(1.0, abs=1e-5)
    counts = np.array([np.sum((actions[:, 0] == a) & (actions[:, 1] == b)) for a, b in pairs])
    assert expected.max() - expected.min() > 0.05        # the test is not trivially uniform
    # within 5 standard errors of a multinomial count
    assert np.all(np.abs(counts - n * expected) <= 5 * np.sqrt(n * expected * (1 - expected)) + 1)
    assert masks[:, 1, 2].sum() == 0


def test_our_adam_and_clipping_match_torch() -> None:
    """The tuner's small Adam and gradient clipping give torch.optim.Adam's and clip_grad_norm_'s updates."""
    from nastuners.tuners._ppo.algorithm import Adam, clip_grad_norm

    gen = torch.Generator().manual_seed(0)
    ours = [torch.randn(3, 4, generator=gen), torch.randn(4, generator=gen)]
    ref = [p.clone().requires_grad_(True) for p in ours]
    for p in ours:
        p.requires_grad_(True)
    opt_ours = Adam(ours, lr=0.01)
    opt_ref = torch.optim.Adam(ref, lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    x = torch.randn(5, 3, generator=gen)
    for _ in range(6):
        for params, opt in ((ours, opt_ours), (ref, opt_ref)):
            opt.zero_grad()
            loss = ((x @ params[0] + params[1]) ** 2).sum()
            loss.backward()
        norm_ours = clip_grad_norm(ours, 0.5)
        norm_ref = float(torch.nn.utils.clip_grad_norm_(ref, 0.5))
        assert norm_ours == pytest.approx(norm_ref, rel=1e-5)
        opt_ours.step()
        opt_ref.step()
        for a, b in zip(ours, ref):
            torch.testing.assert_close(a.detach(), b.detach(), rtol=1e-5, atol=1e-6)
