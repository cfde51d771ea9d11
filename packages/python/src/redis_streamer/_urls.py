"""URLs of the service's endpoints."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode

#: The server a client talks to unless told otherwise.
DEFAULT_URL = "http://localhost:8000"

Sids = str | Iterable[str]


def http_base(url: str | None = None) -> str:
    """``http(s)://host[:port][/prefix]`` without a trailing slash; ``ws(s)://`` is accepted too."""
    base = (url or DEFAULT_URL).rstrip("/")
    if re.match(r"^wss?://", base, re.I):
        return "http" + base[2:]
    if not re.match(r"^https?://", base, re.I):
        return "http://" + base
    return base


def ws_base(url: str | None = None) -> str:
    """The WebSocket base for a server URL: ``http`` → ``ws``, ``https`` → ``wss``."""
    return "ws" + http_base(url)[4:]


def sid_list(sids: Sids) -> list[str]:
    """One sid, ``a+b``-joined sids or a list of sids, as a non-empty list."""
    result = sids.split("+") if isinstance(sids, str) else list(sids)
    if not result or any(not isinstance(s, str) or s == "" for s in result):
        raise ValueError(f"stream ids must be non-empty strings, got {sids!r}")
    return result


def sid_segment(sids: Sids) -> str:
    """The ``{sid}`` path segment: every sid percent-encoded, several joined by ``+``."""
    return "+".join(quote(s, safe="") for s in sid_list(sids))


def query_string(params: Mapping[str, str | int | float | bool | None]) -> str:
    """``?a=1&b=x`` from the values that are not None (booleans as ``1``/``0``); '' when none."""
    pairs = [
        (k, ("1" if v else "0") if isinstance(v, bool) else str(v))
        for k, v in params.items()
        if v is not None
    ]
    return "?" + urlencode(pairs) if pairs else ""
