"""The async API (asyncio): ``Pusher``, ``Puller``, ``subscribe``, and coroutine versions of the
HTTP data and metadata calls. The blocking API in ``redis_streamer`` runs these on a loop thread
of its own.

::

    from redis_streamer import aio

    async with aio.Pusher("http://localhost:8000", "counter", ack=True) as pusher:
        ids = await pusher.send_batch([b"1", b"2"])
    async for entry in aio.Puller("http://localhost:8000", "counter", last_entry_id="0"):
        ...
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar, Unpack

from . import _data, _meta
from ._data import GetResult
from ._meta import StreamInfo
from ._protocol import Entry
from ._puller import Gap, Puller
from ._pusher import Pusher
from ._reconnect import Reconnect, ReconnectEvent
from ._subscription import Event, Subscription, SubscriptionOptions
from ._urls import Sids
from .errors import GraphQLError, RedisStreamerError

__all__ = [
    "Entry",
    "Event",
    "Gap",
    "GetResult",
    "GraphQLError",
    "Puller",
    "Pusher",
    "Reconnect",
    "ReconnectEvent",
    "RedisStreamerError",
    "StreamInfo",
    "Subscription",
    "delete_stream",
    "get",
    "graphql",
    "post",
    "set_meta",
    "sids",
    "stream",
    "streams",
    "subscribe",
]


P = ParamSpec("P")
R = TypeVar("R")


def _in_thread(call: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """The coroutine version of a blocking HTTP call: the same arguments, run in a thread."""

    @functools.wraps(call)
    async def threaded(*args: P.args, **kwargs: P.kwargs) -> R:
        return await asyncio.to_thread(call, *args, **kwargs)

    return threaded


get = _in_thread(_data.get)
post = _in_thread(_data.post)
graphql = _in_thread(_meta.graphql)
sids = _in_thread(_meta.sids)
streams = _in_thread(_meta.streams)
stream = _in_thread(_meta.stream)
set_meta = _in_thread(_meta.set_meta)
delete_stream = _in_thread(_meta.delete_stream)


def subscribe(
    sids: Sids, *, url: str | None = None, **options: Unpack[SubscriptionOptions]
) -> Subscription:
    """A ``data`` subscription (graphql-ws): ``async with subscribe(["cam"]) as events:``."""
    return Subscription(url, sids, **options)
