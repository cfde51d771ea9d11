"""Reconnect policy shared by pushers, pullers and subscriptions."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

from .errors import RedisStreamerError


@dataclass(frozen=True)
class Reconnect:
    """Exponential backoff with jitter: ``min_delay`` seconds after the first failure, doubling
    up to ``max_delay``; ``max_attempts`` consecutive failures before giving up (None = never)."""

    min_delay: float = 0.1
    max_delay: float = 5.0
    max_attempts: int | None = None

    def delay(self, attempt: int) -> float:
        base = min(self.max_delay, self.min_delay * 2.0 ** (attempt - 1))
        return base * (0.5 + random.random() * 0.5)


@dataclass(frozen=True)
class ReconnectEvent:
    """Passed to ``on_reconnect`` before each new attempt."""

    attempt: int
    delay: float
    error: RedisStreamerError


OnReconnect = Callable[[ReconnectEvent], None]

#: Handshake statuses worth retrying: the server or a proxy is overloaded or restarting.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def retryable(err: RedisStreamerError) -> bool:
    """True for failures a new connection may cure: unreachable server, server restarting or
    shutting down, Redis unavailable (1013), a connection lost without a close frame."""
    if err.status is not None:
        return err.status in RETRY_STATUSES
    if err.close_code is not None:
        return err.close_code in (1000, 1001, 1006, 1012, 1013, 1014)
    return err.code in (
        "CONNECT_FAILED",
        "CLOSED",
        "TIMEOUT",
        "HANDSHAKE_FAILED",
        "SERVICE_UNAVAILABLE",
    )


def policy(reconnect: bool | Reconnect | None) -> Reconnect | None:
    if reconnect is True or reconnect is None:
        return Reconnect()
    if reconnect is False:
        return None
    return reconnect


async def backoff(
    policy: Reconnect | None,
    attempt: int,
    error: RedisStreamerError,
    on_reconnect: OnReconnect | None,
) -> bool:
    """Waits before reconnect attempt ``attempt`` (1 after a loss) following ``error``; False,
    at once, when reconnecting is off, cannot cure ``error`` or has been tried often enough."""
    if (
        policy is None
        or not retryable(error)
        or (policy.max_attempts is not None and attempt > policy.max_attempts)
    ):
        return False
    delay = policy.delay(attempt)
    if on_reconnect:
        on_reconnect(ReconnectEvent(attempt, delay, error))
    await asyncio.sleep(delay)
    return True
