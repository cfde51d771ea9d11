"""Access tokens: where they go on each request, and minting HS256 tokens for a server with
``AUTH_JWT_SECRET``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Auth", "mint_token", "parse_ttl"]

TokenIn = Literal["header", "query"]


@dataclass(frozen=True)
class Auth:
    """A token and where it travels: the ``Authorization: Bearer`` header (default), or the
    ``access_token`` query parameter (for proxies or setups that drop the header)."""

    token: str | None = None
    token_in: TokenIn = "header"

    def headers(self) -> dict[str, str]:
        if self.token and self.token_in == "header":
            return {"Authorization": f"Bearer {self.token}"}
        return {}

    def query(self) -> str | None:
        return self.token if self.token and self.token_in == "query" else None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_ttl(span: str | int | float) -> int:
    """Seconds from ``3600``, ``"90s"``, ``"30m"``, ``"1h"`` or ``"7d"``."""
    if isinstance(span, (int, float)):
        return int(span)
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", span)
    if not match:
        raise ValueError(f"ttl must be seconds or a number with s, m, h or d; got {span!r}")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def mint_token(
    secret: str,
    sub: str,
    *,
    read: Iterable[str] = (),
    write: Iterable[str] = (),
    admin: bool = False,
    ttl: str | int | float = "1h",
    claims: dict[str, object] | None = None,
) -> str:
    """An HS256 JWT for a server started with ``AUTH_JWT_SECRET=secret``.

    ``read`` / ``write`` are sid globs (``cam/*``) the token may pull / push; ``admin`` allows
    everything. ``ttl`` sets ``exp`` (seconds or ``30m``, ``1h``, ``7d``; ``0`` = no ``exp``);
    ``claims`` adds or overrides claims.
    """
    now = int(time.time())
    payload: dict[str, object] = {
        "sub": sub,
        "iat": now,
        "streams": {"read": list(read), "write": list(write)},
    }
    if admin:
        payload["admin"] = True
    seconds = parse_ttl(ttl)
    if seconds:
        payload["exp"] = now + seconds
    payload.update(claims or {})
    signing_input = (
        _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(payload, separators=(",", ":")).encode())
    )
    signature = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"
