"""Ctrl-C and SIGTERM in the dispatcher loop: handlers set flags, a wake-up socket ends the select."""

from __future__ import annotations

import selectors
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["SignalWatch"]


class SignalWatch:
    """Route SIGINT/SIGTERM to ``on_signal(signum)`` and wake ``selector``; ``close()`` restores the state.

    Does nothing outside the main thread (Python only delivers signals there).
    """

    def __init__(self, selector: selectors.BaseSelector, on_signal: Callable[[int], None]) -> None:
        self.selector = selector
        self.saved: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        self.read, self.write = socket.socketpair()
        for s in (self.read, self.write):
            s.setblocking(False)
        self.old_wakeup = signal.set_wakeup_fd(self.write.fileno(), warn_on_full_buffer=False)
        selector.register(self.read, selectors.EVENT_READ, self._drain)
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.saved[sig] = signal.signal(sig, lambda signum, frame: on_signal(signum))

    def _drain(self) -> None:
        try:
            while self.read.recv(512):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def close(self) -> None:
        if not self.saved:
            return
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self.old_wakeup)
        self.selector.unregister(self.read)
        self.read.close()
        self.write.close()
        self.saved.clear()
