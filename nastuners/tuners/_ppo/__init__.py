"""The PPO tuner: a torch policy (mlp or NNI's LSTM) over the masked architecture decision process.

Importing this package imports torch.
"""

from __future__ import annotations

from .env import ArchitectureEnv
from .process import DecisionProcess
from .tuner import PPOTuner

__all__ = ["ArchitectureEnv", "DecisionProcess", "PPOTuner"]
