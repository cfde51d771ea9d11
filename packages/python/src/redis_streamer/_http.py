"""A small blocking HTTP client on the standard library (the async API runs it in a thread)."""

from __future__ import annotations

import http.client
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import RedisStreamerError

#: Seconds a request may take beyond any ``block`` it asks the server for.
DEFAULT_TIMEOUT = 30.0


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Response:
    """One HTTP request on a connection of its own; raises ``RedisStreamerError`` (code
    ``CONNECT_FAILED``) when the server cannot be reached."""
    parts = urlsplit(url)
    conn_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_type(parts.netloc, timeout=timeout)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, target or "/", body=body, headers=dict(headers or {}))
        res = conn.getresponse()
        return Response(res.status, res.headers, res.read())
    except (OSError, http.client.HTTPException) as err:
        raise RedisStreamerError(f"{method} {url}: {err}", "CONNECT_FAILED") from err
    finally:
        conn.close()


def multipart(parts: Sequence[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body of parts named ``entries`` with ``(filename, data)``;
    returns the body and its content type."""
    boundary = f"----redis-streamer-{uuid.uuid4().hex}"
    chunks: list[bytes] = []
    for filename, data in parts:
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="entries"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode("utf-8")
        )
        chunks.append(data)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def env_default(name: str, fallback: str | None) -> str | None:
    value = os.environ.get(name)
    return value if value else fallback
