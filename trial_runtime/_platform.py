"""Where a trial's parameters come from and where its reports go.

A *platform* is chosen once per process (:func:`current_platform`):

* ``NASTUNE_CHANNEL`` set (by the experiment runner): the experiment channel, ``trial_runtime.channel``;
* ``NASTUNE_PARAMETERS=FILE``: standalone run; a JSON object is one architecture (every fetch returns it), a
  JSON list or a JSON Lines file gives one architecture per ``get_next_parameter()``; reports are printed;
* neither: fetching parameters raises :class:`NoParametersError`, which says how to run the trial.

Every platform implements :class:`Platform`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

from nastuners.exceptions import NoMoreTrialError

__all__ = ["NoParametersError", "NoPlatform", "Platform", "StandalonePlatform", "current_platform", "reset"]

HOW_TO_RUN = (
    "run it inside an experiment (`nastune run CONFIG`), or give it an architecture: "
    "`NASTUNE_PARAMETERS=choice.json python trial.py` (a JSON choice document; a JSON Lines file gives one "
    "architecture per get_next_parameter()); `nastune trial codegen` writes a standalone copy instead"
)


class Platform(Protocol):
    """What the runtime needs from its surroundings."""

    trial_id: str
    experiment_id: str
    sequence_id: int

    def fetch(self) -> tuple[int, dict[str, Any]]:
        """Return ``(parameter_id, parameters)`` of the next architecture; ``NoMoreTrialError`` if none."""
        ...

    def report(self, kind: str, value: Any, parameter_id: int | None) -> None:
        """Send a result: ``kind`` is ``"intermediate"`` or ``"final"``."""
        ...


class NoParametersError(RuntimeError):
    """The trial asked for parameters, but it runs outside an experiment and none were supplied."""


def _print_report(kind: str, value: Any) -> None:
    # the same text as `nastune trial codegen` output prints, so both runs can be compared line by line
    print(f"nni.report_{kind}_result: ", value, flush=True)


class NoPlatform:
    """Outside an experiment with no ``NASTUNE_PARAMETERS``: reports are printed, fetching is an error."""

    trial_id = "STANDALONE"
    experiment_id = "STANDALONE"
    sequence_id = 0

    def fetch(self) -> tuple[int, dict[str, Any]]:
        msg = ("no architecture: this trial runs outside an experiment and NASTUNE_PARAMETERS is not set; "
               f"{HOW_TO_RUN}")
        raise NoParametersError(msg)

    def report(self, kind: str, value: Any, parameter_id: int | None) -> None:
        _print_report(kind, value)


class StandalonePlatform:
    """Parameters from a file (``NASTUNE_PARAMETERS``), reports printed to stdout.

    The file is read on the first fetch. A JSON object is one architecture, returned by every fetch (so an
    enas-mode trial can run standalone); a JSON list or JSON Lines file is a sequence, one per fetch, then
    ``NoMoreTrialError``. Each item is a choice document, or NNI's envelope
    ``{"parameter_id": .., "parameters": {..}}``.
    """

    trial_id = "STANDALONE"
    experiment_id = "STANDALONE"
    sequence_id = 0

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._items: list[tuple[int, dict[str, Any]]] | None = None
        self._repeat = False
        self._next = 0

    def _load(self) -> list[tuple[int, dict[str, Any]]]:
        where = f"NASTUNE_PARAMETERS={self.path}"
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            msg = f"{where}: cannot read the parameter file ({exc.strerror or exc})"
            raise NoParametersError(msg) from None
        try:
            doc = json.loads(text)
            docs = doc if isinstance(doc, list) else [doc]
            self._repeat = not isinstance(doc, list)
        except json.JSONDecodeError as whole_error:
            docs = []
            for number, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    docs.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    msg = (f"{where}: neither a JSON document ({whole_error}) nor JSON Lines "
                           f"(line {number}: {exc.msg})")
                    raise NoParametersError(msg) from None
        items = []
        for index, item in enumerate(docs):
            if isinstance(item, dict) and "parameters" in item and "parameter_id" in item:
                pid = item["parameter_id"]
                item = item["parameters"]
            else:
                pid = index
            if not isinstance(item, dict):
                msg = (f"{where}: architecture {index} must be a JSON object (a choice document), "
                       f"got {type(item).__name__}")
                raise NoParametersError(msg)
            items.append((int(pid) if isinstance(pid, int) else index, item))
        if not items:
            msg_0 = f"{where}: the file holds no architecture"
            raise NoParametersError(msg_0)
        return items

    def fetch(self) -> tuple[int, dict[str, Any]]:
        if self._items is None:
            self._items = self._load()
        if self._repeat:
            return self._items[0]
        if self._next >= len(self._items):
            msg = f"NASTUNE_PARAMETERS={self.path}: all {len(self._items)} architectures were used"
            raise NoMoreTrialError(msg)
        item = self._items[self._next]
        self._next += 1
        return item

    def report(self, kind: str, value: Any, parameter_id: int | None) -> None:
        _print_report(kind, value)


_current: Platform | None = None


def current_platform() -> Platform:
    """The process's platform, chosen from the environment on the first call."""
    global _current
    if _current is None:
        if os.environ.get("NASTUNE_CHANNEL"):
            from trial_runtime.channel import ChannelPlatform

            _current = ChannelPlatform()
        elif os.environ.get("NASTUNE_PARAMETERS"):
            _current = StandalonePlatform(os.environ["NASTUNE_PARAMETERS"])
        else:
            _current = NoPlatform()
    return _current


def reset(platform: Platform | None = None) -> None:
    """Forget the chosen platform (or install ``platform``) and the parameters; for tests and embedding."""
    global _current
    _current = platform
    from trial_runtime import _params

    _params.clear()
