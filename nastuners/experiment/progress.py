"""What ``nastune run`` shows: a live rich display, one line per trial, JSON events, or nothing.

Every reporter receives the same events from the dispatcher: ``experiment_start``, ``trial_start``,
``intermediate``, ``final``, ``trial_end`` and ``experiment_end`` (keyword data as documented in
docs/experiments.md). ``--json`` writes each event as one JSON line on stdout.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

from nastuners.tuner import extract_value

__all__ = ["JsonReporter", "QuietReporter", "Reporter", "RichReporter", "make_reporter"]


class Reporter:
    """Counts trials and tracks the best final result; subclasses decide what to show."""

    def __init__(self, optimize_mode: str = "maximize") -> None:
        self.minimize = optimize_mode == "minimize"
        self.counts: dict[str, int] = {}
        self.running = 0
        self.best: tuple[float, str] | None = None  # (value, trial id)
        self.started = time.monotonic()
        self.exp_id = ""
        self.max_trials: int | None = None

    def event(self, name: str, **data: Any) -> None:
        if name == "experiment_start":
            self.exp_id = data.get("experiment_id", "")
            self.max_trials = data.get("max_trials")
        elif name == "trial_start":
            self.running += 1
        elif name == "trial_end":
            self.running = max(0, self.running - 1)
            self.counts[data["status"]] = self.counts.get(data["status"], 0) + 1
        elif name == "final":
            value = extract_value(data["value"])  # the dispatcher checked it already
            better = self.best is None or (value < self.best[0] if self.minimize else value > self.best[0])
            if better:
                self.best = (value, data["trial_id"])
        self.show(name, data)

    def show(self, name: str, data: dict[str, Any]) -> None:
        """Display one event (no-op here)."""

    def summary(self) -> str:
        done = sum(self.counts.values())
        failed = sum(n for s, n in self.counts.items() if s not in ("SUCCEEDED",))
        total = f"/{self.max_trials}" if self.max_trials else ""
        best = f"{self.best[0]:.6g} (trial {self.best[1]})" if self.best else "-"
        elapsed = time.monotonic() - self.started
        return (f"{self.exp_id}  trials {done}{total} done, {self.running} running, {failed} not succeeded  "
                f"best {best}  elapsed {int(elapsed // 60):02d}:{elapsed % 60:04.1f}")


class QuietReporter(Reporter):
    """Shows nothing (``--quiet``); the CLI prints the final summary."""


class JsonReporter(Reporter):
    """One JSON object per event and line (``--json``)."""

    def __init__(self, optimize_mode: str = "maximize", stream: TextIO | None = None) -> None:
        super().__init__(optimize_mode)
        self.stream = stream or sys.stdout

    def show(self, name: str, data: dict[str, Any]) -> None:
        self.stream.write(json.dumps({"event": name, "time": time.time(), **data}) + "\n")
        self.stream.flush()


class RichReporter(Reporter):
    """A live status line with trial lines above it (plain lines when stdout is not a terminal)."""

    def __init__(self, optimize_mode: str = "maximize") -> None:
        super().__init__(optimize_mode)
        from rich.console import Console

        self.console = Console()
        self.live: Any = None

    def show(self, name: str, data: dict[str, Any]) -> None:
        if name == "experiment_start" and self.console.is_terminal:
            from rich.live import Live

            self.live = Live(self.summary(), console=self.console, refresh_per_second=4, transient=True)
            self.live.start()
        if name == "trial_end":
            from rich.markup import escape

            status = data["status"]
            color = "green" if status == "SUCCEEDED" else "red"
            extra = f"  {escape(str(data['message']))}" if data.get("message") else ""
            final = self._finals.pop(data["trial_id"], None)
            value = f"  final {final:.6g}" if isinstance(final, float) else ""
            self.console.print(f"trial {data['trial_id']} [{color}]{status}[/{color}]{value}{extra}",
                               highlight=False, markup=True)
        if name == "final":
            self._finals[data["trial_id"]] = extract_value(data["value"])
        if self.live is not None:
            self.live.update(self.summary())
        if name == "experiment_end" and self.live is not None:
            self.live.stop()
            self.live = None

    @property
    def _finals(self) -> dict[str, float]:
        if not hasattr(self, "_final_values"):
            self._final_values: dict[str, float] = {}
        return self._final_values


def make_reporter(mode: str, optimize_mode: str = "maximize") -> Reporter:
    """``"rich"``, ``"quiet"`` or ``"json"``."""
    if mode == "json":
        return JsonReporter(optimize_mode)
    if mode == "quiet":
        return QuietReporter(optimize_mode)
    return RichReporter(optimize_mode)
