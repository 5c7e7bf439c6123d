"""The runner side of the trial channel: a Unix domain socket (0600) in the experiment directory.

Wire format and client: :mod:`trial_runtime.channel`. The server runs inside the dispatcher's event loop (one
thread, one ``selectors`` selector shared with trial exit notifications), so the handler may touch the tuner
and the store without locks. A connection must first say ``hello`` with the experiment's token and the id of a
running trial; anything else is answered with an error and the connection is closed.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import selectors
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trial_runtime.channel import HEADER, MAX_FRAME, frame

__all__ = ["ChannelServer", "Connection"]

_MAX_UNIX_PATH = 100  # sun_path is 104-108 bytes depending on the OS


class Connection:
    """One trial's connection; ``trial_id`` is set once the hello was accepted."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.trial_id: str | None = None
        self.closed = False
        self.held: list[bytes] | None = None  # answers collected while one read's requests are handled

    def send(self, message: dict[str, Any]) -> None:
        """Answer one request (a broken connection is ignored: the trial is gone)."""
        if self.closed:
            return
        if self.held is not None:
            self.held.append(frame(message))
            return
        with contextlib.suppress(OSError):
            self.sock.sendall(frame(message))

    def release(self) -> None:
        """Send the held answers in one write (requests that arrived together are answered together)."""
        held, self.held = self.held, None
        if held and not self.closed:
            with contextlib.suppress(OSError):
                self.sock.sendall(b"".join(held))


Handler = Callable[[Connection, dict[str, Any]], "dict[str, Any] | None"]


class ChannelServer:
    """Accepts trial connections and calls ``handler(conn, message)`` for every request after hello.

    The handler returns the answer, or ``None`` to answer later with ``conn.send`` (a deferred fetch).
    ``is_trial(trial_id)`` decides whether a hello names a trial this runner started.
    """

    def __init__(self, exp_dir: Path, selector: selectors.BaseSelector, handler: Handler,
                 is_trial: Callable[[str], bool],
                 on_close: Callable[[Connection], None] | None = None) -> None:
        self.token = secrets.token_hex(16)
        self.selector = selector
        self.handler = handler
        self.is_trial = is_trial
        self.on_close = on_close
        self._tmpdir: str | None = None
        path = exp_dir / "channel.sock"
        if len(str(path)) > _MAX_UNIX_PATH:
            self._tmpdir = tempfile.mkdtemp(prefix="nastune-")  # 0700, private to this user
            path = Path(self._tmpdir) / "channel.sock"
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # left over from a runner that was killed
        self.path = path
        self.address = f"unix:{path}"
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # the socket file is created 0600: no other user may connect
        try:
            self.listener.bind(str(path))
        finally:
            os.umask(old_umask)
        self.listener.listen(128)
        self.listener.setblocking(False)
        self.connections: set[Connection] = set()
        selector.register(self.listener, selectors.EVENT_READ, self._accept)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            sock.setblocking(True)  # read only when the selector says so; answers are small
            conn = Connection(sock)
            self.connections.add(conn)
            self.selector.register(sock, selectors.EVENT_READ, lambda c=conn: self._readable(c))

    def _readable(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(1 << 16)
        except OSError:
            data = b""
        if not data:
            self.close(conn)
            return
        conn.buffer += data
        conn.held = []  # e.g. a prefetching trial's activate + prefetch: one wake-up, one answer write
        try:
            while len(conn.buffer) >= HEADER.size and not conn.closed:
                (size,) = HEADER.unpack_from(conn.buffer)
                if size > MAX_FRAME:
                    conn.release()
                    self._refuse(conn, f"frame of {size} bytes exceeds the {MAX_FRAME}-byte limit")
                    return
                if len(conn.buffer) < HEADER.size + size:
                    break
                body = bytes(conn.buffer[HEADER.size:HEADER.size + size])
                del conn.buffer[:HEADER.size + size]
                self._dispatch(conn, body)
        finally:
            conn.release()

    def _dispatch(self, conn: Connection, body: bytes) -> None:
        try:
            message = json.loads(body)
            if not isinstance(message, dict):
                raise TypeError("not an object")
        except (ValueError, TypeError) as exc:
            self._refuse(conn, f"malformed request ({exc})")
            return
        if conn.trial_id is None:
            token = message.get("token")
            trial_id = message.get("trial_id")
            if message.get("op") != "hello" or not isinstance(token, str) \
                    or not hmac.compare_digest(token.encode(), self.token.encode()):
                self._refuse(conn, "wrong or missing token: this channel belongs to another experiment run")
            elif not isinstance(trial_id, str) or not self.is_trial(trial_id):
                self._refuse(conn, f"trial {trial_id!r} is not running in this experiment")
            else:
                conn.trial_id = trial_id
                conn.send({"ok": True})
            return
        answer = self.handler(conn, message)
        if answer is not None:
            conn.send(answer)

    def _refuse(self, conn: Connection, error: str) -> None:
        conn.send({"ok": False, "error": error})
        conn.release()
        self.close(conn)

    def close(self, conn: Connection) -> None:
        if conn.closed:
            return
        conn.closed = True
        self.connections.discard(conn)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(conn.sock)
        conn.sock.close()
        if self.on_close is not None and conn.trial_id is not None:
            self.on_close(conn)

    def shutdown(self) -> None:
        """Close every connection and the listener; remove the socket file."""
        for conn in list(self.connections):
            self.close(conn)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(self.listener)
        self.listener.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
