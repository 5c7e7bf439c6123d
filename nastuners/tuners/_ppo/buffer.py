"""Rollout arithmetic as pure functions: rewards per step, GAE advantages and returns, minibatch splits."""

from __future__ import annotations

import numpy as np

__all__ = ["gae", "minibatches", "terminal_rewards"]


def terminal_rewards(final: np.ndarray, steps: int) -> np.ndarray:
    """Per-step rewards ``[B, T]`` for episodes whose only reward is ``final[b]`` at the last step."""
    rewards = np.zeros((len(final), steps), dtype=np.float64)
    if steps:
        rewards[:, -1] = final
    return rewards


def gae(rewards: np.ndarray, values: np.ndarray, gamma: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Generalised advantage estimation for complete episodes of equal length.

    ``rewards`` and ``values`` are ``[B, T]``; every episode ends after step ``T - 1`` (the value after it
    is 0).
    With ``delta_t = r_t + gamma * V_{t+1} - V_t``, the advantage is
    ``A_t = delta_t + gamma * lam * A_{t+1}`` and the return (the value target) is ``A_t + V_t``.
    Returns ``(advantages, returns)``, both ``[B, T]`` float64.
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if rewards.shape != values.shape or rewards.ndim != 2:
        msg = f"rewards {rewards.shape} and values {values.shape} must both be [batch, steps]"
        raise ValueError(msg)
    advantages = np.zeros_like(rewards)
    next_value = np.zeros(rewards.shape[0])
    running = np.zeros(rewards.shape[0])
    for t in range(rewards.shape[1] - 1, -1, -1):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        running = delta + gamma * lam * running
        advantages[:, t] = running
        next_value = values[:, t]
    return advantages, advantages + values


def minibatches(batch: int, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A shuffled split of ``range(batch)`` into ``ceil(batch / size)`` minibatches of near-equal size.

    Sizes differ by at most one, so an uneven split (``batch % size != 0``) leaves no tiny last minibatch.
    """
    if size < 1:
        msg = f"minibatch size must be >= 1, got {size}"
        raise ValueError(msg)
    order = rng.permutation(batch)
    count = max(1, -(-batch // size))
    return [part for part in np.array_split(order, count) if len(part)]
