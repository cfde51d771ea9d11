"""Python client for redis-streamer: push and pull binary data through Redis Streams over
WebSockets and HTTP, stream metadata and live subscriptions over GraphQL.

The blocking API (this module) is for scripts and notebooks; ``redis_streamer.aio`` has the
same calls for asyncio.

::

    import redis_streamer as rs

    with rs.Pusher("http://localhost:8000", "counter", ack=True) as pusher:
        print(pusher.send(b"hello"))                       # the new entry id
    print(rs.get("counter", last_entry_id="0").entries)     # everything so far, over HTTP
    for entry in rs.Puller("http://localhost:8000", "counter", last_entry_id="0"):
        print(entry.sid, entry.id, entry.data)            # live, reconnecting
"""

from __future__ import annotations

from typing import Unpack

from . import aio
from ._blocking import Puller, Pusher, Subscription
from ._data import GetResult, get, post
from ._meta import StreamInfo, delete_stream, graphql, set_meta, sids, stream, streams
from ._protocol import Entry
from ._puller import Gap
from ._reconnect import Reconnect, ReconnectEvent
from ._subscription import Event, SubscriptionOptions
from ._subscription import Subscription as _AsyncSubscription
from ._sync import SyncTuple
from ._urls import DEFAULT_URL, Sids
from .auth import mint_token
from .errors import GraphQLError, RedisStreamerError

__version__ = "1.0.0"

# The async API's names (blocking here), and what only this module has.
__all__ = ["DEFAULT_URL", "aio", "mint_token"]
__all__ += aio.__all__


def subscribe(
    sids: Sids, *, url: str | None = None, **options: Unpack[SubscriptionOptions]
) -> Subscription:
    """A ``data`` subscription (graphql-ws) as a blocking iterator of ``Event``."""
    return Subscription(_AsyncSubscription(url, sids, **options))
