"""Built-in tuners. Each is registered as an entry point in the ``nastuners.tuners`` group.

Names resolve lazily, so importing this package imports neither torch nor any tuner module.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["EvolutionTuner", "LocalSearchTuner", "PPOTuner", "RandomTuner"]

_WHERE = {
    "RandomTuner": "._random",
    "EvolutionTuner": "._evolution",
    "LocalSearchTuner": "._local_search",
    "PPOTuner": "._ppo",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
