"""The one exception type of the client, carrying the server's error code."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["RedisStreamerError", "GraphQLError", "FATAL_CLOSE_CODES", "code_for_status"]

#: WebSocket close codes after which reconnecting cannot help: the server refused what the client
#: sent (1007 malformed, 1008 not allowed or token expired, 1009 too large) or failed on it
#: (1011, e.g. the key is not a stream).
FATAL_CLOSE_CODES = frozenset({1007, 1008, 1009, 1011})

_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    413: "TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

_CLOSE_CODES = {
    1001: "SHUTTING_DOWN",
    1007: "MALFORMED_DATA",
    1008: "NOT_ALLOWED",
    1009: "TOO_LARGE",
    1011: "INTERNAL",
    1013: "UNAVAILABLE",
    4401: "UNAUTHENTICATED",
    4403: "FORBIDDEN",
}


class RedisStreamerError(Exception):
    """A failure reported by the server or the connection.

    ``code`` is the server's error code when it sent one (``FORBIDDEN``, ``UNAUTHENTICATED``,
    ``TOO_LARGE``, ``MALFORMED_DATA``, ``BAD_REQUEST``, ``UNAVAILABLE``, ``TOKEN_EXPIRED``, …),
    else one derived from the HTTP status or close code, or ``CONNECT_FAILED`` / ``CLOSED`` for
    a connection that could not be made or was lost. ``status`` is the HTTP status of a refused
    request or handshake, ``close_code`` the WebSocket close code.
    """

    def __init__(
        self,
        message: str,
        code: str = "CLIENT_ERROR",
        *,
        status: int | None = None,
        close_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.close_code = close_code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"RedisStreamerError({self.message!r}, code={self.code!r})"


class GraphQLError(RedisStreamerError):
    """A GraphQL answer with ``errors``; ``code`` is the first error's ``extensions.code``."""

    def __init__(self, errors: list[dict[str, Any]], status: int | None = None) -> None:
        messages = "; ".join(str(e.get("message", "")) for e in errors) or "GraphQL error"
        first = errors[0] if errors else {}
        code = (first.get("extensions") or {}).get("code") if isinstance(first, dict) else None
        super().__init__(
            messages, code if isinstance(code, str) else "GRAPHQL_ERROR", status=status
        )
        self.errors = errors


def code_for_status(status: int) -> str:
    """The error code the server uses for an HTTP status (``HTTP_<status>`` when none fits)."""
    return _STATUS_CODES.get(status, f"HTTP_{status}")


def code_for_close(close_code: int) -> str:
    """The error code that goes with a WebSocket close code (``CLOSED`` when none fits)."""
    return _CLOSE_CODES.get(close_code, "CLOSED")


def parse_error_body(text: str | bytes) -> tuple[str, str] | None:
    """``(code, message)`` from the server's ``{"error": {"code", "message"}}``, if that is it."""
    try:
        parsed = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        return None
    code = error.get("code")
    message = error.get("message")
    return (
        code if isinstance(code, str) else f"HTTP_{code}",
        message if isinstance(message, str) else str(text),
    )


def http_error(what: str, status: int, body: bytes) -> RedisStreamerError:
    """The error for a non-2xx HTTP answer, with the server's code and message when it sent them."""
    parsed = parse_error_body(body)
    if parsed:
        code, message = parsed
        return RedisStreamerError(f"{what}: HTTP {status}: {message}", code, status=status)
    text = body[:200].decode("utf-8", "replace")
    return RedisStreamerError(
        f"{what}: HTTP {status}{' ' + text if text else ''}", code_for_status(status), status=status
    )
