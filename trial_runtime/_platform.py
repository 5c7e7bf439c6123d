"""Where a trial's parameters come from and where its reports go.

A *platform* is chosen once per process:

* ``NASTUNE_CHANNEL`` set (by the experiment runner): the experiment channel, ``trial_runtime.channel``;
* ``NASTUNE_PARAMETERS=FILE``: standalone run; a JSON file is one architecture, a JSON Lines file gives one
  architecture per ``get_next_parameter()``; reports are printed;
* neither: fetching parameters raises a clear error that says how to run the trial.

Every platform implements :class:`Platform`.
"""

from __future__ import annotations

from typing import Any, Protocol


class Platform(Protocol):
    """What the runtime needs from its surroundings."""

    trial_id: str
    experiment_id: str
    sequence_id: int

    def fetch(self) -> tuple[int, dict[str, Any]]:
        """Return ``(parameter_id, parameters)`` of the next architecture; raise ``NoMoreTrialError`` if none."""
        ...

    def report(self, kind: str, value: Any, parameter_id: int | None) -> None:
        """Send a result: ``kind`` is ``"intermediate"`` or ``"final"``."""
        ...
