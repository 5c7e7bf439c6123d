"""The PPO tuner: a torch LSTM policy over the masked architecture decision process (see ``docs/ppo.md``).

Importing this package imports torch.
"""

from __future__ import annotations

from .env import ArchitectureEnv
from .process import DecisionProcess
from .tuner import PPOTuner

__all__ = ["ArchitectureEnv", "DecisionProcess", "PPOTuner"]
