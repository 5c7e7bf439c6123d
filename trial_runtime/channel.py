"""The trial side of the experiment channel: one persistent socket to the runner, length-prefixed JSON.

The runner (``nastune run``) starts every trial with these environment variables:

* ``NASTUNE_CHANNEL``: ``unix:/path/to/channel.sock`` or ``tcp:127.0.0.1:PORT``;
* ``NASTUNE_TOKEN``: the per-experiment secret; a connection that presents another token is refused;
* ``NASTUNE_TRIAL_ID``, ``NASTUNE_EXPERIMENT_ID``, ``NASTUNE_SEQUENCE_ID``.

Wire format (both directions): a 4-byte big-endian length, then that many bytes of UTF-8 JSON. Every request
gets exactly one answer ``{"ok": true, ...}`` or ``{"ok": false, "error": "...", "no_more": bool}``. The first
request is ``{"op": "hello", "token": ..., "trial_id": ...}``; then ``fetch`` and ``report``. A report is
answered only after the runner has committed it to the experiment database. Answers come in request order.

Prefetch (multi-phase; enas' ``training_update`` with ``enas_prefetch``): ``{"op": "prefetch"}`` asks for
the next architecture *without* finishing the current one; it is answered at once with the parameter (reserved
for this trial, not current yet) or ``{"ok": false, "not_now": true}`` when the tuner cannot propose before
more results are in (it is never deferred). ``{"op": "activate", "parameter_id": N}`` makes the prefetched
parameter current: the runner finishes the previous one exactly as a ``fetch`` does. The client sends both
without waiting for their answers and reads them before its next request, so the runner's round trip overlaps
the trial's computation (see docs/tf_modes.md, "Prefetching").

This module is stdlib-only: it is imported inside every trial process and must start fast.
"""

from __future__ import annotations

import json
import os
import socket
import struct
from typing import Any

__all__ = ["HEADER", "MAX_FRAME", "ChannelError", "ChannelPlatform", "connect", "frame", "recv_frame",
           "send_frame"]

HEADER = struct.Struct(">I")  # the length prefix of every frame
MAX_FRAME = 64 * 1024 * 1024


class ChannelError(RuntimeError):
    """The runner refused a request or the connection to it broke."""


def frame(message: dict[str, Any]) -> bytes:
    """One JSON message with its length prefix, as sent."""
    body = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
    return HEADER.pack(len(body)) + body


def send_frame(sock: socket.socket, message: dict[str, Any]) -> None:
    """Send one JSON message with its length prefix."""
    sock.sendall(frame(message))


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(n)
        if not chunk:
            raise ChannelError("the experiment runner closed the channel (did it stop or crash?)")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket) -> dict[str, Any]:
    """Receive one JSON message (blocking)."""
    (size,) = HEADER.unpack(_recv_exact(sock, HEADER.size))
    if size > MAX_FRAME:
        msg = f"channel frame of {size} bytes exceeds the {MAX_FRAME}-byte limit"
        raise ChannelError(msg)
    return json.loads(_recv_exact(sock, size))


def connect(address: str, timeout: float | None = 30.0) -> socket.socket:
    """Open a socket to ``unix:PATH`` or ``tcp:HOST:PORT``."""
    kind, _, rest = address.partition(":")
    if kind == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: Any = rest
    elif kind == "tcp":
        host, _, port = rest.rpartition(":")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        target = (host, int(port))
    else:
        msg = f"NASTUNE_CHANNEL={address!r}: expected 'unix:PATH' or 'tcp:HOST:PORT'"
        raise ChannelError(msg)
    sock.settimeout(timeout)
    try:
        sock.connect(target)
    except OSError as exc:
        sock.close()
        msg = f"cannot reach the experiment runner at {address}: {exc}"
        raise ChannelError(msg) from exc
    sock.settimeout(None)
    return sock


class ChannelPlatform:
    """:class:`trial_runtime._platform.Platform` over the experiment channel (built from the environment)."""

    can_prefetch = True  # fetch(prefetch=True): see the module docstring

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        missing = [k for k in ("NASTUNE_CHANNEL", "NASTUNE_TOKEN", "NASTUNE_TRIAL_ID") if not env.get(k)]
        if missing:
            msg = f"not started by an experiment runner: {', '.join(missing)} not set"
            raise ChannelError(msg)
        self.address = env["NASTUNE_CHANNEL"]
        self.trial_id = env["NASTUNE_TRIAL_ID"]
        self.experiment_id = env.get("NASTUNE_EXPERIMENT_ID", "")
        self.sequence_id = int(env.get("NASTUNE_SEQUENCE_ID", "0"))
        self._token = env["NASTUNE_TOKEN"]
        self._sock: socket.socket | None = None
        self._unanswered: list[str] = []  # ops sent without waiting for their answers, oldest first
        self._prefetched: dict[str, Any] | None = None  # the answer to the last prefetch, once read

    def _socket(self) -> socket.socket:
        if self._sock is None:
            sock = connect(self.address)
            send_frame(sock, {"op": "hello", "token": self._token, "trial_id": self.trial_id})
            answer = recv_frame(sock)
            if not answer.get("ok"):
                sock.close()
                msg = f"the experiment runner refused this trial: {answer.get('error')}"
                raise ChannelError(msg)
            self._sock = sock
        return self._sock

    def _drain(self) -> None:
        """Read the answers of the requests sent without waiting (they come in request order)."""
        while self._unanswered:
            op = self._unanswered.pop(0)
            answer = recv_frame(self._socket())
            if op == "prefetch":
                self._prefetched = answer
            elif not answer.get("ok"):
                msg = f"the experiment runner refused {op!r}: {answer.get('error')}"
                raise ChannelError(msg)

    def _call(self, message: dict[str, Any]) -> dict[str, Any]:
        self._drain()
        sock = self._socket()
        send_frame(sock, message)
        return recv_frame(sock)

    def _send(self, *messages: dict[str, Any]) -> None:
        """Send requests without waiting for their answers, in one write (one wake-up of the runner)."""
        self._socket().sendall(b"".join(frame(m) for m in messages))
        self._unanswered.extend(m["op"] for m in messages)

    def fetch(self, *, prefetch: bool = False) -> tuple[int, dict[str, Any]]:
        """Return ``(parameter_id, parameters)``; raise ``NoMoreTrialError`` when the tuner has no more.

        A prefetched parameter is activated without waiting for the runner; otherwise the runner is asked and
        the answer awaited. ``prefetch``: also ask for the next parameter now, to be taken by the next fetch
        (sent with the activation in one write; see the module docstring).
        """
        self._drain()
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None and prefetched.get("ok"):
            pid = int(prefetched["parameter_id"])
            self._send({"op": "activate", "parameter_id": pid}, *([{"op": "prefetch"}] if prefetch else []))
            return pid, prefetched["parameters"]
        answer = self._call({"op": "fetch"})
        if answer.get("ok"):
            if prefetch:
                self._send({"op": "prefetch"})
            return int(answer["parameter_id"]), answer["parameters"]
        if answer.get("no_more"):
            from nastuners.exceptions import NoMoreTrialError

            raise NoMoreTrialError(answer.get("error") or "the tuner has no more architectures")
        raise ChannelError(str(answer.get("error")))

    def report(self, kind: str, value: Any, parameter_id: int | None) -> None:
        """Send an ``"intermediate"`` or ``"final"`` result; returns once the runner has committed it."""
        answer = self._call({"op": "report", "kind": kind, "value": value, "parameter_id": parameter_id})
        if not answer.get("ok"):
            raise ChannelError(str(answer.get("error")))

    def close(self) -> None:
        """Close the connection (the runner also notices when the process exits)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._unanswered.clear()
        self._prefetched = None
