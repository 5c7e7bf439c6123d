"""The local backend: each trial is a shell command in its own process group, outputs to files.

Exits are noticed through a pidfd registered in the dispatcher's selector (Linux), so a finished trial is
handled at once; elsewhere the dispatcher polls. Killing a trial signals its whole process group: SIGTERM
first, SIGKILL after a grace period. Another backend (remote, simulated) implements the same three calls:
``launch``, ``kill`` and ``tick``.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LocalBackend", "TrialProcess"]


@dataclass(eq=False)
class TrialProcess:
    """A launched trial: its process, deadline and why it is being killed (``None``: not killed)."""

    trial_id: str
    popen: subprocess.Popen[bytes]
    started: float
    deadline: float | None
    kill_reason: str | None = None
    kill_message: str | None = None
    escalate_at: float | None = None
    pidfd: int | None = field(default=None, repr=False)
    returncode: int | None = None


class LocalBackend:
    """Runs trials as local subprocesses; calls ``on_exit(proc)`` once per trial when it has exited."""

    def __init__(self, selector: selectors.BaseSelector, on_exit: Callable[[TrialProcess], None],
                 *, grace: float = 2.0) -> None:
        self.selector = selector
        self.on_exit = on_exit
        self.grace = grace
        self.running: dict[str, TrialProcess] = {}
        self.uses_pidfd = hasattr(os, "pidfd_open")

    def launch(self, trial_id: str, command: str, cwd: Path, trial_dir: Path, env: dict[str, str],
               timeout: float | None) -> TrialProcess:
        """Start ``command`` with ``/bin/sh`` in ``cwd``; stdout/stderr go to files in ``trial_dir``."""
        trial_dir.mkdir(parents=True, exist_ok=True)
        with open(trial_dir / "stdout", "wb") as out, open(trial_dir / "stderr", "wb") as err:
            popen = subprocess.Popen(command, shell=True, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=err, start_new_session=True)
        now = time.monotonic()
        proc = TrialProcess(trial_id, popen, now, now + timeout if timeout else None)
        if self.uses_pidfd:
            try:
                proc.pidfd = os.pidfd_open(popen.pid)
            except OSError:  # kernel without pidfd support: fall back to polling
                self.uses_pidfd = False
        if proc.pidfd is not None:
            self.selector.register(proc.pidfd, selectors.EVENT_READ, lambda p=proc: self._reap(p))
        self.running[trial_id] = proc
        return proc

    def _reap(self, proc: TrialProcess) -> None:
        if proc.popen.poll() is None:
            return
        if proc.pidfd is not None:
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(proc.pidfd)
            os.close(proc.pidfd)
            proc.pidfd = None
        proc.returncode = proc.popen.returncode
        self._signal_group(proc, signal.SIGKILL)  # leftovers of the trial (background children)
        self.running.pop(proc.trial_id, None)
        self.on_exit(proc)

    def kill(self, proc: TrialProcess, reason: str, message: str, *, now: float | None = None) -> None:
        """Ask the trial's process group to stop (SIGTERM); SIGKILL follows after the grace period."""
        if proc.kill_reason is None:
            proc.kill_reason = reason
            proc.kill_message = message
        if proc.escalate_at is None:
            proc.escalate_at = (now or time.monotonic()) + self.grace
            self._signal_group(proc, signal.SIGTERM)

    def kill_now(self, proc: TrialProcess) -> None:
        self._signal_group(proc, signal.SIGKILL)

    @staticmethod
    def _signal_group(proc: TrialProcess, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.popen.pid, sig)

    def tick(self, now: float, timeout_message: Callable[[TrialProcess], str]) -> None:
        """Reap exits (without pidfd), enforce per-trial timeouts, escalate kills."""
        for proc in list(self.running.values()):
            if proc.pidfd is None:
                self._reap(proc)
                if proc.returncode is not None:
                    continue
            if proc.deadline is not None and now >= proc.deadline and proc.kill_reason is None:
                self.kill(proc, "TIMEOUT", timeout_message(proc), now=now)
            if proc.escalate_at is not None and now >= proc.escalate_at:
                self.kill_now(proc)
                proc.escalate_at = now + self.grace

    def next_wakeup(self) -> float | None:
        """The earliest monotonic time :meth:`tick` has something to do."""
        times = [t for p in self.running.values() for t in (p.deadline if p.kill_reason is None else None,
                                                              p.escalate_at) if t is not None]
        if not self.uses_pidfd and self.running:
            times.append(time.monotonic() + 0.01)
        return min(times) if times else None
