"""The update's fast paths against plain autograd: hand backprop, folded loss, merged repeats, flat Adam."""

# ruff: noqa: E402  (torch is optional: skip before importing what needs it)
from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nastuners.tuners._ppo.algorithm import LossTerms, PPOConfig, ppo_loss, ppo_update
from nastuners.tuners._ppo.buffer import gae, terminal_rewards
from nastuners.tuners._ppo.optim import Adam, FlatParameters, clip_grad_norm
from nastuners.tuners._ppo.policy import Policy

SIZES = (4, 3, 2, 5)


def _batch(rng: np.random.Generator, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Random valid actions and masks: step 2 is forced (one allowed action) in every sample."""
    width = max(SIZES)
    actions = np.zeros((batch, len(SIZES)), dtype=np.int64)
    masks = np.zeros((batch, len(SIZES), width), dtype=bool)
    for t, size in enumerate(SIZES):
        for b in range(batch):
            allowed = rng.random(size) < 0.7 if t != 2 else np.eye(size, dtype=bool)[1]
            allowed[rng.integers(size)] |= t != 2
            masks[b, t, :size] = allowed
            actions[b, t] = rng.choice(np.flatnonzero(allowed))
    return actions, masks


def _policy(core: str, seed: int = 0) -> Policy:
    torch.manual_seed(seed)
    policy = Policy(SIZES, core=core, hidden=16, embedding=8)
    with torch.no_grad():   # a non-trivial policy and value function
        policy.head_w.normal_(0.0, 0.5)
        policy.value.weight.normal_(0.0, 0.5)
    return policy


@pytest.mark.parametrize("ent_coef", [0.0, 0.05])
def test_hand_backprop_and_folded_loss_match_autograd(ent_coef: float) -> None:
    rng = np.random.default_rng(1)
    policy = _policy("mlp")
    actions, masks = _batch(rng, 12)
    prepared = policy.prepare(actions, masks)
    steps, batch = len(SIZES), 12
    weight = (masks.sum(-1) > 1).T * rng.integers(1, 4, size=batch)    # forced steps 0, multiplicities
    adv, ret = rng.normal(size=(steps, batch)) * 2, rng.normal(size=(steps, batch))
    with torch.no_grad():
        out = policy.forward_prepared(prepared)
    old = out.logp + torch.from_numpy(rng.normal(0.0, 0.4, size=(steps, batch)).astype(np.float32))
    terms = LossTerms.build(adv, weight, old, ret, vf_coef=0.5, ent_coef=ent_coef)

    grad_logits, grad_values = terms.gradients(out, prepared.actions, 0.2)
    policy.backward_prepared(prepared, out, grad_logits, grad_values)
    manual = {name: p.grad.clone() for name, p in policy.named_parameters()}

    policy.zero_grad()
    auto = policy.forward_prepared(prepared)
    entropy = -(auto.logp_all.exp() * auto.logp_all).sum(-1)
    as_tensor = {key: torch.from_numpy(v.astype(np.float32))
                 for key, v in (("a", adv), ("r", ret), ("w", weight))}
    loss, _ = ppo_loss(auto.logp, old, as_tensor["a"], auto.values, as_tensor["r"], entropy, as_tensor["w"],
                       cliprange=0.2, vf_coef=0.5, ent_coef=ent_coef, with_stats=False)
    loss.backward()
    folded = terms.loss(auto.logp, auto.values, auto.logp_all, 0.2)
    assert float(folded.detach()) == pytest.approx(float(loss.detach()), rel=1e-5)
    ratio = (out.logp - old).exp()
    counted = torch.from_numpy(weight > 0)
    assert bool(((ratio > 1.2) & counted).any()) and bool(((ratio < 0.8) & counted).any())  # both clips
    for name, p in policy.named_parameters():
        assert p.grad is not None and float(p.grad.abs().max()) > 0, name
        torch.testing.assert_close(manual[name], p.grad, rtol=1e-4, atol=1e-6, msg=name)


def _reference_update(policy: Policy, optimizer: Adam, config: PPOConfig, actions: np.ndarray,
                      masks: np.ndarray, final: np.ndarray, gamma: float, lam: float) -> None:
    """The textbook update: autograd over every sample (duplicates included), batch-major, per-tensor Adam."""
    acts, msk = torch.from_numpy(actions), torch.from_numpy(masks)
    weight = (msk.sum(-1) > 1).float()
    with torch.no_grad():
        old_logp, _, old_values = policy.evaluate(acts, msk)
    adv_np, ret_np = gae(terminal_rewards(final, actions.shape[1]), old_values.numpy(), gamma, lam)
    adv, ret = torch.from_numpy(adv_np).float(), torch.from_numpy(ret_np).float()
    count = weight.sum()
    mean = (adv * weight).sum() / count
    adv = (adv - mean) / ((((adv - mean) ** 2 * weight).sum() / (count - 1)).sqrt() + 1e-8)
    for _ in range(config.epochs_per_update):
        logp, entropy, values = policy.evaluate(acts, msk)
        loss, _ = ppo_loss(logp, old_logp, adv, values, ret, entropy, weight, cliprange=config.cliprange,
                           vf_coef=config.vf_coef, ent_coef=config.ent_coef, with_stats=False)
        optimizer.zero_grad()
        loss.backward()
        clip_grad_norm(optimizer.params, config.max_grad_norm)
        optimizer.step()


@pytest.mark.parametrize("core", ["mlp", "lstm"])
def test_update_equals_the_textbook_update_on_a_batch_with_duplicates(core: str) -> None:
    rng = np.random.default_rng(2)
    actions, masks = _batch(rng, 6)
    order = np.array([0, 1, 0, 2, 3, 1, 0, 4, 5, 5])             # repeats, as the pool gives them
    actions, masks = actions[order], masks[order]
    scores = rng.normal(size=6)
    final = scores[order]                                         # a repeated architecture, the same reward
    config = PPOConfig(epochs_per_update=2, ent_coef=0.01, max_grad_norm=0.5)
    ours, reference = _policy(core), _policy(core)
    flat = FlatParameters(ours.parameters())
    # a large eps keeps Adam's step proportional to the gradient, so float noise cannot flip tiny steps
    ours_opt = Adam([flat.tensor], lr=0.01, eps=1e-2)
    ref_opt = Adam(list(reference.parameters()), lr=0.01, eps=1e-2)
    ppo_update(ours, ours_opt, config, actions, masks, final, gamma=0.99, lam=0.95,
               rng=np.random.default_rng(0))
    _reference_update(reference, ref_opt, config, actions, masks, final, 0.99, 0.95)
    moved = 0.0
    initial = _policy(core).parameters()
    for (name, a), b, start in zip(ours.named_parameters(), reference.parameters(), initial, strict=True):
        torch.testing.assert_close(a.detach(), b.detach(), rtol=1e-4, atol=2e-6, msg=name)
        moved = max(moved, float((a - start).abs().max()))
    assert moved > 1e-3      # the update did something


def test_flat_parameters_are_views_and_collect_the_gradients() -> None:
    policy = _policy("mlp")
    before = copy.deepcopy(policy.state_dict())
    flat = FlatParameters(policy.parameters())
    for name, value in policy.state_dict().items():
        torch.testing.assert_close(value, before[name])
    assert flat.tensor.numel() == sum(p.numel() for p in policy.parameters())
    with torch.no_grad():
        flat.tensor.add_(1.0)
    torch.testing.assert_close(policy.head_b, before["head_b"] + 1.0)
    actions, masks = _batch(np.random.default_rng(3), 4)
    out = policy.forward_prepared(policy.prepare(actions, masks))
    (out.logp.sum() + out.values.sum()).backward()
    assert flat.tensor.grad is not None
    expected = torch.cat([p.grad.reshape(-1) for p in policy.parameters()])
    torch.testing.assert_close(flat.tensor.grad, expected)
    assert float(flat.tensor.grad.abs().sum()) > 0
    policy.head_w.grad = None            # replaced from outside: zero_grad links it again
    flat.zero_grad()
    assert policy.head_w.grad is not None and float(flat.tensor.grad.abs().sum()) == 0.0
