"""The clipped PPO objective (Schulman et al. 2017) and one update over a rollout batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from .optim import Adam, clip_grad_norm

if TYPE_CHECKING:
    from .policy import Outputs, Policy

__all__ = ["Adam", "LossTerms", "PPOConfig", "clip_grad_norm", "ppo_loss", "ppo_update"]


@dataclass
class PPOConfig:
    """Loss and optimisation settings (NNI's classArg names)."""

    epochs_per_update: int = 4
    minibatch_size: int | None = None   # samples per minibatch; None: the whole batch
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    cliprange: float = 0.2


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


@dataclass
class LossTerms:
    """The constant factors of :func:`ppo_loss` for one minibatch, folded so the loss takes few operations.

    ``neg_adv = -A w / W`` and ``value_w = vf_coef w / (2 W)`` with ``w`` the step weights and ``W`` their
    sum (at least 1): ``ppo_loss = sum(max(neg_adv r, neg_adv clip(r))) + sum(value_w (V - R)^2)
    - ent_coef sum(w H) / W`` (``w >= 0``, so the weight moves inside the max).
    """

    neg_adv: torch.Tensor
    value_w: torch.Tensor
    entropy_w: torch.Tensor | None
    old_logp: torch.Tensor
    returns: torch.Tensor

    @classmethod
    def build(cls, advantages: np.ndarray, weight: np.ndarray, old_logp: torch.Tensor, returns: np.ndarray,
              *, vf_coef: float, ent_coef: float) -> LossTerms:
        scale = weight / max(float(weight.sum()), 1.0)
        entropy_w = torch.from_numpy((ent_coef * scale).astype(np.float32)) if ent_coef else None
        return cls(torch.from_numpy((-advantages * scale).astype(np.float32)),
                   torch.from_numpy((0.5 * vf_coef * scale).astype(np.float32)), entropy_w, old_logp,
                   torch.from_numpy(returns.astype(np.float32)))

    def loss(self, logp: torch.Tensor, values: torch.Tensor, logp_all: torch.Tensor,
             cliprange: float) -> torch.Tensor:
        """:func:`ppo_loss`'s value (and gradient) in about a dozen tensor operations."""
        ratio = (logp - self.old_logp).exp()
        clipped = ratio.clamp(1.0 - cliprange, 1.0 + cliprange)
        loss = torch.maximum(self.neg_adv * ratio, self.neg_adv * clipped).sum()
        loss = loss + ((values - self.returns).square() * self.value_w).sum()
        if self.entropy_w is not None:
            entropy = -(logp_all.exp() * logp_all).sum(-1)
            loss = loss - (entropy * self.entropy_w).sum()
        return loss

    @torch.no_grad()
    def gradients(self, out: Outputs, actions: torch.Tensor, cliprange: float
                  ) -> tuple[torch.Tensor, torch.Tensor]:
        """The gradient of :meth:`loss` with respect to the logits ``[T, B, W]`` and the values ``[T, B]``.

        By hand, for :meth:`Policy.backward_prepared`: ``d/d logp`` of the clipped term is ``neg_adv * r``
        where the unclipped branch is taken or the ratio is inside the clip range, else 0 (autograd's
        convention at ties and bounds); through ``log_softmax`` and ``gather`` that is ``g (onehot - p)``; the
        entropy ``H = -sum p log p`` has ``dH/dz = -p (log p + H)``.
        """
        ratio = (out.logp - self.old_logp).exp_()
        unclipped = self.neg_adv * ratio
        clipped = self.neg_adv * ratio.clamp(1.0 - cliprange, 1.0 + cliprange)
        take = (unclipped > clipped).logical_or_((ratio >= 1.0 - cliprange) & (ratio <= 1.0 + cliprange))
        grad_logp = unclipped.mul_(take).unsqueeze(-1)
        probs = out.logp_all.exp()
        grad_logits = probs * grad_logp.neg()
        grad_logits.scatter_add_(-1, actions, grad_logp)
        if self.entropy_w is not None:
            entropy = -(probs * out.logp_all).sum(-1, keepdim=True)
            grad_logits.addcmul_(probs * self.entropy_w.unsqueeze(-1), out.logp_all + entropy)
        grad_values = (out.values - self.returns).mul_(self.value_w).mul_(2.0)
        return grad_logits, grad_values


def _merge_duplicates(actions: np.ndarray, masks: np.ndarray, final_rewards: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Identical samples as one row each with their multiplicity: ``(actions, masks, rewards, counts)``.

    Identical action sequences have identical masks, log-probabilities, values, rewards (the same cached
    score) and so advantages; weighting one row by the count gives the same loss, gradient and advantage
    statistics as the repeated rows, at a fraction of the cost once the policy repeats itself.
    """
    rows: dict[tuple[int, ...], int] = {}
    first: list[int] = []
    inverse: list[int] = []
    for i, row in enumerate(actions.tolist()):
        key = tuple(row)
        index = rows.get(key)
        if index is None:
            index = rows[key] = len(first)
            first.append(i)
        inverse.append(index)
    if len(first) == len(inverse):
        return actions, masks, final_rewards, np.ones(len(inverse))
    counts = np.bincount(inverse, minlength=len(first)).astype(np.float64)
    rewards = np.bincount(inverse, weights=final_rewards, minlength=len(first)) / counts
    return actions[first], masks[first], rewards, counts


def ppo_update(policy: Policy, optimizer: Adam, config: PPOConfig, actions: np.ndarray, masks: np.ndarray,
               final_rewards: np.ndarray, *, gamma: float, lam: float,
               rng: np.random.Generator) -> Callable[[], dict[str, float]]:
    """One PPO update on a batch of complete episodes whose only reward is ``final_rewards`` at the end.

    ``actions [B, T]`` and ``masks [B, T, W]`` are numpy arrays. The first pass over the batch gives the
    sampling policy's log-probabilities and values (no update has happened since sampling), hence GAE
    advantages and returns; advantages are normalised over the weighted steps. Then ``epochs_per_update``
    passes of shuffled minibatches; when one minibatch is the whole batch, identical samples are merged into
    one weighted row (the same loss and gradient) and the first pass is reused for the first gradient step.
    Returns a function that computes the statistics of :func:`ppo_loss` (policy and value loss, entropy,
    clip fraction) for the last minibatch before its step (on demand: they are diagnostics only).
    """
    from .buffer import gae, minibatches, terminal_rewards

    batch = actions.shape[0]
    size = min(config.minibatch_size or batch, batch)
    counts = np.ones(batch)
    whole = size == batch
    if whole:
        actions, masks, final_rewards, counts = _merge_duplicates(actions, masks, final_rewards)
        batch = size = actions.shape[0]
    # steps with a single allowed action carry no decision: weight 0; a merged row counts as many samples
    weight = (masks.sum(-1) > 1).T * counts                            # [T, B], step-major as the policy
    prepared = policy.prepare(actions, masks)
    # the mlp core backpropagates by hand (Policy.backward_prepared: a fraction of autograd's cost); the lstm
    # core through autograd. The first pass also serves the first gradient step when there is one minibatch
    manual = policy.core == "mlp"
    with torch.set_grad_enabled(whole and not manual):
        first = policy.forward_prepared(prepared)
    old_logp, old_values = first.logp.detach(), first.values.detach()
    adv, ret = gae(terminal_rewards(final_rewards, actions.shape[1]), old_values.numpy().T, gamma, lam)
    adv, ret = adv.T, ret.T
    total = weight.sum()
    if total > 1:
        mean = (adv * weight).sum() / total
        std = np.sqrt(((adv - mean) ** 2 * weight).sum() / (total - 1))
        adv = (adv - mean) / (std + 1e-8)
    terms = LossTerms.build(adv, weight, old_logp, ret, vf_coef=config.vf_coef, ent_coef=config.ent_coef)
    reuse = first if whole else None
    last: tuple[Outputs, np.ndarray | None] = (first, None)
    for _ in range(config.epochs_per_update):
        parts: list[np.ndarray | None] = [None] if whole else list(minibatches(batch, size, rng))
        for index in parts:
            part_terms, part = terms, prepared
            if index is not None:
                part = prepared.select(torch.from_numpy(index))
                part_terms = LossTerms.build(adv[:, index], weight[:, index], old_logp[:, index],
                                             ret[:, index], vf_coef=config.vf_coef, ent_coef=config.ent_coef)
            if reuse is not None:
                out, reuse = reuse, None
            else:
                with torch.set_grad_enabled(not manual):
                    out = policy.forward_prepared(part)
            last = (out, index) if manual else (out._replace(logp_all=out.logp_all.detach(),
                                                             logp=out.logp.detach(),
                                                             values=out.values.detach()), index)
            if manual:
                grad_logits, grad_values = part_terms.gradients(out, part.actions, config.cliprange)
                policy.backward_prepared(part, out, grad_logits, grad_values)
            else:
                optimizer.zero_grad()
                part_terms.loss(out.logp, out.values, out.logp_all, config.cliprange).backward()
            if config.max_grad_norm > 0:
                clip_grad_norm(optimizer.params, config.max_grad_norm)
            optimizer.step()

    def stats() -> dict[str, float]:
        (logp_all, logp, values, _, _), index = last
        sel = slice(None) if index is None else torch.from_numpy(index)

        def part(array: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(array.astype(np.float32))[:, sel]

        with torch.no_grad():
            entropy = -(logp_all.exp() * logp_all).sum(-1)
            _, out = ppo_loss(logp, old_logp[:, sel], part(adv), values, part(ret), entropy, part(weight),
                              cliprange=config.cliprange, vf_coef=config.vf_coef, ent_coef=config.ent_coef)
        return out

    return stats
