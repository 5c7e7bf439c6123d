"""nastune-grid: an exhaustive grid tuner, shipped as a separate distribution (entry point ``grid``)."""

from __future__ import annotations

from ._grid import GridTuner

__all__ = ["GridTuner"]
__version__ = "0.1.0"
