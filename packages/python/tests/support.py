"""Test support: the real server as a child process, a raw Redis connection, a TCP proxy that
can cut connections, and polling instead of sleeping."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")


def eventually(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.02) -> T:
    """Polls ``check`` until it returns a truthy value (and returns it) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception as err:  # noqa: BLE001 - reported at the deadline
            last = err
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last error: {last!r})")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def node_binary() -> str:
    """Node 24: $NODE, else the one scripts/node24 provides."""
    if os.environ.get("NODE"):
        return os.environ["NODE"]
    out = subprocess.run(
        ["bash", "-c", 'eval "$(scripts/node24 --env)" && command -v node'],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def ensure_build(node: str) -> None:
    if not (REPO / "dist" / "main.js").exists():
        env = {**os.environ, "PATH": f"{Path(node).parent}:{os.environ['PATH']}"}
        subprocess.run(["npm", "run", "build", "--silent"], cwd=REPO, env=env, check=True)


class Server:
    """The built service (``node dist/main.js``) on a free port; restartable on the same port."""

    def __init__(self, node: str, env: dict[str, str] | None = None) -> None:
        self.node = node
        self.env = env or {}
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "LOG_LEVEL": "warn",
            "REDIS_URL": REDIS_URL,
            **self.env,
        }
        self.proc = subprocess.Popen(
            [self.node, "dist/main.js"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as res:
                    return res.status == 200
            except OSError:
                return False

        eventually(ready, timeout=30, interval=0.05)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def restart(self, sig: int = signal.SIGTERM) -> None:
        self.stop(sig)
        self.start()


class Redis:
    """A minimal RESP client for checking what is in Redis and removing the tests' keys."""

    def __init__(self, url: str = REDIS_URL) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379))
        self.file = self.sock.makefile("rb")
        if parts.password:
            self.call("AUTH", *([parts.username] if parts.username else []), parts.password)

    def call(self, *args: str | bytes) -> Any:
        out = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg.encode() if isinstance(arg, str) else arg
            out.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
        self.sock.sendall(b"".join(out))
        return self._read()

    def _read(self) -> Any:
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)[:-2]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RuntimeError(f"unexpected RESP reply {line!r}")

    def xrange(self, key: str) -> list[tuple[str, bytes]]:
        """Every entry of a stream: ``(id, payload of field d)``."""
        return [
            (entry_id.decode(), dict(zip(fields[::2], fields[1::2]))[b"d"])
            for entry_id, fields in self.call("XRANGE", key, "-", "+")
        ]

    def delete_matching(self, pattern: str) -> int:
        """UNLINKs every key matching ``pattern`` (SCAN, never KEYS)."""
        cursor, removed = b"0", 0
        while True:
            cursor, keys = self.call("SCAN", cursor, "MATCH", pattern, "COUNT", "1000")
            if keys:
                removed += self.call("UNLINK", *keys)
            if cursor == b"0":
                return removed

    def close(self) -> None:
        self.file.close()
        self.sock.close()


class Proxy:
    """A TCP proxy to ``port`` whose open connections ``cut()`` ends abruptly (no close frame)."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> int:
        """Ends every connection made so far; returns how many sockets were cut."""
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            # shutdown wakes the threads blocked in recv (a bare close would not); the peers
            # see the stream end without a WebSocket close frame.
            for step in (lambda: s.shutdown(socket.SHUT_RDWR), s.close):
                try:
                    step()
                except OSError:
                    pass
        return len(conns)

    def close(self) -> None:
        self.listener.close()
        self.cut()
