"""WebSocket connections on ``websockets``, from Debian's 10.4 (legacy asyncio client) to the
current releases (``websockets.asyncio.client``), with handshake refusals turned into
``RedisStreamerError`` carrying the server's error code."""

from __future__ import annotations

import asyncio
import http.client
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from .errors import RedisStreamerError, code_for_close, code_for_status, parse_error_body

try:  # websockets >= 13
    from websockets.asyncio.client import connect as _connect

    _HEADERS_ARG = "additional_headers"
except ImportError:  # websockets 10-12
    from websockets.legacy.client import connect as _connect  # type: ignore[no-redef]

    _HEADERS_ARG = "extra_headers"

__all__ = ["ConnectionClosed", "close_info", "close_ws", "open_ws"]

Connection = Any  # the connection type differs between websockets versions

#: Seconds allowed for the opening handshake.
OPEN_TIMEOUT = 10.0


async def open_ws(
    url: str,
    headers: Mapping[str, str] | None = None,
    subprotocols: Sequence[str] | None = None,
    what: str = "connection",
) -> Connection:
    """Opens a WebSocket without frame size limit or compression. A refused handshake raises
    ``RedisStreamerError`` with the server's code (``FORBIDDEN``, ``UNAUTHENTICATED``, …) and
    ``status``; an unreachable server ``CONNECT_FAILED``."""
    kwargs: dict[str, Any] = {
        _HEADERS_ARG: dict(headers or {}),
        "max_size": None,
        "compression": None,
        "open_timeout": OPEN_TIMEOUT,
        "ping_interval": None,
        "close_timeout": 2,
    }
    if subprotocols:
        kwargs["subprotocols"] = list(subprotocols)
    try:
        return await _connect(url, **kwargs)
    except InvalidHandshake as err:
        status, body = _refusal(err)
        if status is None:
            raise RedisStreamerError(f"{what} refused: {err}", "HANDSHAKE_FAILED") from err
        if body is None:
            body = await asyncio.to_thread(_refusal_body, url, headers or {})
        parsed = parse_error_body(body) if body else None
        code, message = parsed if parsed else (code_for_status(status), f"HTTP {status}")
        raise RedisStreamerError(
            f"{what} refused: HTTP {status}: {message}", code, status=status
        ) from err
    except (OSError, asyncio.TimeoutError) as err:
        raise RedisStreamerError(
            f"cannot connect to {url}: {err or type(err).__name__}", "CONNECT_FAILED"
        ) from err


def _refusal(err: InvalidHandshake) -> tuple[int | None, bytes | None]:
    """The HTTP status (and body, where websockets keeps it) of a refused handshake."""
    response = getattr(err, "response", None)  # websockets >= 11: InvalidStatus
    if response is not None and hasattr(response, "status_code"):
        return int(response.status_code), bytes(getattr(response, "body", b"") or b"") or None
    status = getattr(err, "status_code", None)  # websockets 10: InvalidStatusCode
    return (int(status), None) if status is not None else (None, None)


def _refusal_body(url: str, headers: Mapping[str, str]) -> bytes | None:
    """websockets 10 drops a refusal's body: ask again with a plain HTTP upgrade request and
    read the server's JSON error (refusals happen before the upgrade, so they are repeatable)."""
    parts = urlsplit(url)
    conn_type = http.client.HTTPSConnection if parts.scheme == "wss" else http.client.HTTPConnection
    conn = conn_type(parts.netloc, timeout=5)
    try:
        conn.request(
            "GET",
            parts.path + (f"?{parts.query}" if parts.query else ""),
            headers={
                **headers,
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "cmVkaXMtc3RyZWFtZXIhIQ==",
            },
        )
        res = conn.getresponse()
        return res.read() if res.status != 101 else None
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


async def close_ws(ws: Connection, code: int = 1000, reason: str = "done") -> None:
    """Closes ``ws``, reading and dropping what the server sent before its close frame.

    The server's close frame queues behind the data frames already on their way (a catch-up
    has many). Unread, they fill the connection's message queue, which stops it reading, so the
    close frame is never seen and ``close`` waits out its timeouts and aborts (1006)."""
    drain = asyncio.ensure_future(_drain(ws))
    try:
        await ws.close(code, reason)
    finally:
        drain.cancel()


async def _drain(ws: Connection) -> None:
    try:
        while True:
            await ws.recv()
    except (ConnectionClosed, RuntimeError):
        # Closed; or another task is reading (RuntimeError), which drains it as well.
        pass


def close_info(err: BaseException) -> tuple[int, str]:
    """``(close_code, reason)`` of a lost connection (1006 when no close frame came)."""
    if isinstance(err, ConnectionClosed):
        rcvd = err.rcvd
        if rcvd is not None:
            return rcvd.code, rcvd.reason
        return 1006, "connection lost without a close frame"
    return 1006, str(err) or type(err).__name__


def closed_error(
    err: BaseException, server_error: tuple[str, str] | None, what: str
) -> RedisStreamerError:
    """The error for a lost connection: the server's error frame when it sent one, else the
    close code and reason."""
    code, reason = close_info(err)
    if server_error:
        return RedisStreamerError(f"{what}: {server_error[1]}", server_error[0], close_code=code)
    return RedisStreamerError(
        f"{what}: connection closed ({code}{', ' + reason if reason else ''})",
        code_for_close(code),
        close_code=code,
    )


__all__ += ["closed_error", "websockets"]
