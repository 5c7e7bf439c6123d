"""``ArchitectureEnv``: the architecture decision process as a ``gymnasium.Env`` with action masks.

One episode builds one architecture, one step per decision (see :mod:`.process` for how inputs are
factored). The observation is a dict: ``step`` (the index of the next step), ``actions`` (the actions taken so
far, shifted by one so that 0 means "not yet taken") and ``action_mask`` (1 for each allowed action of the
next step); the mask is also in ``info["action_mask"]``, where maskable RL libraries look for it. An action
the mask forbids raises ``ValueError``. The last step ends the episode (``terminated``) with
``info["architecture"]`` (the native choice document) and ``info["vector"]``; the reward is
``reward_fn(architecture)`` when a reward function is given, else 0.

The PPO tuner drives the same :class:`~.process.DecisionProcess` in batches rather than through this class, so
its samples follow exactly the masks this environment exposes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ...space import SearchSpace
from .process import DecisionProcess

__all__ = ["ArchitectureEnv"]


class ArchitectureEnv(gym.Env):
    """Build an architecture of ``space`` one masked decision at a time."""

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012 (gymnasium's convention)

    def __init__(self, space: SearchSpace,
                 reward_fn: Callable[[dict[str, Any]], float] | None = None) -> None:
        self.process = DecisionProcess(space)
        self.reward_fn = reward_fn
        steps = len(self.process)
        width = self.process.width
        self.action_space = spaces.Discrete(width)
        self.observation_space = spaces.Dict({
            "step": spaces.Discrete(steps + 1),
            "actions": spaces.MultiDiscrete(np.array([s + 1 for s in self.process.sizes] or [1])),
            "action_mask": spaces.MultiBinary(width),
        })
        self._actions = np.zeros((1, max(steps, 1)), dtype=np.int64)
        self._t = 0
        self._done = True
        self._allowed = np.zeros(width, dtype=np.int8)

    def _next_mask(self) -> np.ndarray:
        if len(self.process) == 0:
            # nothing to decide: one formal step (action 0) ends the episode with the only architecture
            return np.eye(1, self.process.width, dtype=np.int8)[0]
        return self.process.mask(self._t, self._actions)[0].astype(np.int8)

    def _obs(self) -> dict[str, Any]:
        taken = np.zeros(self._actions.shape[1], dtype=np.int64)
        taken[:self._t] = self._actions[0, :self._t] + 1
        return {"step": self._t, "actions": taken, "action_mask": self._allowed}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        self._actions[:] = 0
        self._t = 0
        self._done = False
        self._allowed = self._next_mask()
        return self._obs(), {"action_mask": self._allowed}

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        if self._done:
            raise RuntimeError("ArchitectureEnv.step called after the episode ended; call reset() first")
        a = int(action)
        if not (0 <= a < self.process.width and self._allowed[a]):
            msg = (f"action {a} is not allowed at step {self._t} "
                   f"(allowed: {np.flatnonzero(self._allowed).tolist()}); follow info['action_mask']")
            raise ValueError(msg)
        steps = len(self.process)
        if steps:
            self._actions[0, self._t] = a
            self._t += 1
        if self._t < steps:
            self._allowed = self._next_mask()
            return self._obs(), 0.0, False, False, {"action_mask": self._allowed}
        self._done = True
        vector = self.process.to_vectors(self._actions[:, :steps])[0]
        architecture = self.process.space.decode(vector)
        reward = float(self.reward_fn(architecture)) if self.reward_fn is not None else 0.0
        self._allowed = np.zeros(self.process.width, dtype=np.int8)
        info = {"action_mask": self._allowed, "architecture": architecture, "vector": vector}
        return self._obs(), reward, True, False, info
