"""The clipped PPO objective (Schulman et al. 2017) and one update over a rollout batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["Adam", "PPOConfig", "clip_grad_norm", "ppo_loss", "ppo_update"]


@dataclass
class PPOConfig:
    """Loss and optimisation settings (NNI's classArg names)."""

    epochs_per_update: int = 4
    minibatch_size: int | None = None   # samples per minibatch; None: the whole batch
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    cliprange: float = 0.2


class Adam:
    """Adam (Kingma & Ba 2015) over a list of tensors.

    Our own few lines rather than ``torch.optim.Adam``: building that optimizer imports ``torch._dynamo`` (and
    sympy), which costs about a second and 70 MB of memory, more than the whole rest of the tuner.
    """

    def __init__(self, params: list[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params = list(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.steps = 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One update from the parameters' ``.grad`` (a missing gradient counts as zero)."""
        self.steps += 1
        b1, b2 = self.betas
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        torch._foreach_lerp_(self.m, grads, 1.0 - b1)
        torch._foreach_mul_(self.v, b2)
        torch._foreach_addcmul_(self.v, grads, grads, value=1.0 - b2)
        denom = torch._foreach_sqrt(self.v)
        torch._foreach_div_(denom, (1.0 - b2 ** self.steps) ** 0.5)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.m, denom, value=-self.lr / (1.0 - b1 ** self.steps))

    def state_dict(self) -> dict[str, object]:
        return {"steps": self.steps, "m": [t.clone() for t in self.m], "v": [t.clone() for t in self.v]}

    def load_state_dict(self, state: dict[str, object]) -> None:
        m, v = state["m"], state["v"]
        assert isinstance(m, list) and isinstance(v, list)
        if len(m) != len(self.params) or any(a.shape != p.shape for a, p in zip(m, self.params, strict=True)):
            raise ValueError("optimizer state does not match the network (built with other arguments?)")
        self.steps = int(state["steps"])  # type: ignore[call-overload]
        self.m = [t.clone() for t in m]
        self.v = [t.clone() for t in v]


def clip_grad_norm(params: list[torch.Tensor], max_norm: float) -> float:
    """Scale the gradients so their global L2 norm is at most ``max_norm``; returns the norm before."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
    scale = max_norm / (float(total) + 1e-6)
    if scale < 1.0:
        torch._foreach_mul_(grads, scale)
    return float(total)


def ppo_loss(new_logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor,
             values: torch.Tensor, returns: torch.Tensor, entropy: torch.Tensor, weight: torch.Tensor,
             *, cliprange: float, vf_coef: float, ent_coef: float,
             with_stats: bool = True) -> tuple[torch.Tensor, dict[str, float]]:
    """``policy_loss + vf_coef * value_loss - ent_coef * entropy`` averaged over the weighted steps.

    ``policy_loss = max(-A r, -A clip(r, 1 - eps, 1 + eps))`` with ``r = exp(new_logp - old_logp)``;
    ``value_loss = 0.5 (V - R)^2``. All tensors are ``[B, T]``; ``weight`` (0 or 1) marks the steps that
    count: steps with a single allowed action carry no decision and are left out of every mean.
    """
    total = weight.sum().clamp_min(1.0)
    ratio = (new_logp - old_logp).exp()
    unclipped = -advantages * ratio
    clipped = -advantages * ratio.clamp(1.0 - cliprange, 1.0 + cliprange)
    policy_loss = (unclipped.maximum(clipped) * weight).sum() / total
    value_loss = (0.5 * (values - returns).pow(2) * weight).sum() / total
    ent = (entropy * weight).sum() / total
    loss = policy_loss + vf_coef * value_loss
    if ent_coef:  # (no backward pass through the entropy when its coefficient is 0, NNI's default)
        loss = loss - ent_coef * ent
    if not with_stats:
        return loss, {}
    with_clip = ((ratio - 1.0).abs() > cliprange).float()
    stats = {
        "policy_loss": float(policy_loss.detach()),
        "value_loss": float(value_loss.detach()),
        "entropy": float(ent.detach()),
        "clip_fraction": float((with_clip * weight).sum() / total),
    }
    return loss, stats


def ppo_update(policy: Policy, optimizer: Adam, config: PPOConfig, actions: torch.Tensor, masks: torch.Tensor,
               final_rewards: np.ndarray, *, gamma: float, lam: float,
               rng: np.random.Generator) -> dict[str, float]:
    """One PPO update on a batch of complete episodes whose only reward is ``final_rewards`` at the end.

    The first pass over the batch gives the sampling policy's log-probabilities and values (no update has
    happened since sampling), hence GAE advantages and returns; advantages are normalised over the weighted
    steps. Then ``epochs_per_update`` passes of shuffled minibatches; when one minibatch is the whole batch
    the first pass is reused for the first gradient step. Returns the last minibatch's statistics.
    """
    from .buffer import gae, minibatches, terminal_rewards

    batch = actions.shape[0]
    weight = (masks.sum(-1) > 1).float()
    first = policy.evaluate(actions, masks)
    old_logp, old_values = first[0].detach(), first[2].detach()
    adv, ret = gae(terminal_rewards(final_rewards, actions.shape[1]), old_values.numpy(), gamma, lam)
    advantages, returns = torch.from_numpy(adv).float(), torch.from_numpy(ret).float()
    count = weight.sum()
    if count > 1:
        mean = (advantages * weight).sum() / count
        std = (((advantages - mean) ** 2 * weight).sum() / (count - 1)).sqrt()
        advantages = (advantages - mean) / (std + 1e-8)
    size = min(config.minibatch_size or batch, batch)
    reuse: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = first if size == batch else None
    stats: dict[str, float] = {}
    for epoch in range(config.epochs_per_update):
        parts = [np.arange(batch)] if size == batch else minibatches(batch, size, rng)
        for n, index in enumerate(parts):
            idx = torch.from_numpy(index)
            if reuse is not None:
                (logp, entropy, values), reuse = reuse, None
            else:
                logp, entropy, values = policy.evaluate(actions[idx], masks[idx])
            last = epoch + 1 == config.epochs_per_update and n + 1 == len(parts)
            loss, stats = ppo_loss(logp, old_logp[idx], advantages[idx], values, returns[idx], entropy,
                                   weight[idx], cliprange=config.cliprange, vf_coef=config.vf_coef,
                                   ent_coef=config.ent_coef, with_stats=last)
            optimizer.zero_grad()
            loss.backward()
            if config.max_grad_norm > 0:
                clip_grad_norm(optimizer.params, config.max_grad_norm)
            optimizer.step()
    return stats
