"""GraphQL ``data`` subscriptions over WebSocket with the graphql-ws protocol
(``graphql-transport-ws``: connection_init / connection_ack, subscribe, next / error /
complete, ping / pong)."""

from __future__ import annotations

import asyncio
import base64
import datetime as _dt
import json
from typing import Any, NamedTuple, TypedDict

from ._data import resolve_new_cursors, start_cursors
from ._protocol import entry_time
from ._reconnect import OnReconnect, Reconnect, backoff, policy
from ._urls import Sids, query_string, sid_list, ws_base
from ._ws import Connection, ConnectionClosed, close_info, close_ws, open_ws
from .auth import Auth, TokenIn
from .errors import GraphQLError, RedisStreamerError, code_for_close

__all__ = ["Event", "Subscription", "SubscriptionOptions"]

_QUERY = (
    "subscription Data($sids: [String!]!, $lastEntryId: String, $latest: Boolean) "
    "{ data(sids: $sids, lastEntryId: $lastEntryId, latest: $latest) { sid time data utf8 json } }"
)

#: Seconds to wait for ``connection_ack``.
ACK_TIMEOUT = 10.0


class Event(NamedTuple):
    """One entry delivered by a subscription: its stream, entry id, the id's time (UTC), the
    payload, the payload as text (None when not UTF-8) and parsed as JSON (None when not JSON)."""

    sid: str
    id: str
    time: _dt.datetime
    data: bytes
    utf8: str | None
    json: Any


class SubscriptionOptions(TypedDict, total=False):
    """The keyword arguments of ``Subscription`` and ``subscribe``."""

    last_entry_id: str
    latest: bool
    token: str | None
    token_in: TokenIn
    reconnect: bool | Reconnect
    on_reconnect: OnReconnect | None


class Subscription:
    """An async iterator of ``Event`` from ``subscription data(sids, lastEntryId, latest)``.

    Written against the graphql-ws protocol. The token goes in ``connection_init``'s payload
    (``{"authorization": "Bearer …"}``). A refused ``connection_init`` raises
    ``RedisStreamerError`` code ``UNAUTHENTICATED``; a stream without read permission
    ``FORBIDDEN``. When the connection is lost (server restarting, network, Redis unavailable)
    it reconnects with backoff and subscribes again right after the last event delivered, like
    ``Puller`` (a ``$`` start is resolved first, except with ``latest``). The iteration ends when
    the server completes the subscription. ::

        async with Subscription("http://localhost:8000", ["cam"]) as events:
            async for event in events:
                print(event.sid, event.id, event.utf8)
    """

    def __init__(
        self,
        url: str | None,
        sids: Sids,
        *,
        last_entry_id: str = "$",
        latest: bool = False,
        token: str | None = None,
        token_in: TokenIn = "header",
        reconnect: bool | Reconnect = True,
        on_reconnect: OnReconnect | None = None,
    ) -> None:
        self.sids = sid_list(sids)
        self._url = url
        self._auth = Auth(token, token_in)
        self._endpoint = f"{ws_base(url)}/graphql" + query_string(
            {"access_token": self._auth.query()}
        )
        self._cursors = start_cursors(self.sids, last_entry_id)
        self._latest = latest
        self._reconnect = policy(reconnect)
        self._on_reconnect = on_reconnect
        self._ws: Connection | None = None
        self._done = False
        #: Connections lost and re-established (or attempted) so far.
        self.reconnects = 0

    async def __aenter__(self) -> Subscription:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __aiter__(self) -> Subscription:
        return self

    def position(self) -> str:
        """``lastEntryId`` right after the last event delivered (one id per stream, ``+``)."""
        return "+".join(self._cursors[sid] for sid in self.sids)

    async def start(self) -> None:
        """Connects, initialises and subscribes (the first ``__anext__`` does it otherwise)."""
        if self._ws is not None:
            return
        if not self._latest:
            await resolve_new_cursors(self._url, self._cursors, self._auth)
        ws = await open_ws(
            self._endpoint,
            self._auth.headers(),
            subprotocols=["graphql-transport-ws"],
            what="graphql-ws handshake",
        )
        init: dict[str, Any] = {"type": "connection_init"}
        if self._auth.token:
            init["payload"] = {"authorization": f"Bearer {self._auth.token}"}
        variables = {"sids": self.sids, "lastEntryId": self.position(), "latest": self._latest}
        try:
            await ws.send(json.dumps(init))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), ACK_TIMEOUT))
                if message.get("type") == "connection_ack":
                    break
                if message.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": _QUERY, "variables": variables},
                    }
                )
            )
        except ConnectionClosed as err:
            raise _closed(err) from err
        except asyncio.TimeoutError as err:
            await ws.close(1000, "no connection_ack")
            raise RedisStreamerError("graphql-ws: no connection_ack", "TIMEOUT") from err
        self._ws = ws

    async def __anext__(self) -> Event:
        attempt = 0
        while not self._done:
            try:
                await self.start()
                event = await self._receive()
            except RedisStreamerError as err:
                if self._done:
                    break
                await self._close_quietly()
                attempt += 1
                if not await backoff(self._reconnect, attempt, err, self._on_reconnect):
                    self._done = True
                    raise
                self.reconnects += 1
                continue
            if event is None:
                break
            self._cursors[event.sid] = event.id
            return event
        raise StopAsyncIteration

    async def _receive(self) -> Event | None:
        """The next event; None when the server completed the subscription."""
        ws = self._ws
        assert ws is not None
        try:
            while True:
                message = json.loads(await ws.recv())
                kind = message.get("type")
                if kind == "next":
                    payload = message.get("payload") or {}
                    if payload.get("errors"):
                        raise GraphQLError(payload["errors"])
                    item = payload["data"]["data"]
                    return Event(
                        item["sid"],
                        item["time"],
                        entry_time(item["time"]),
                        base64.b64decode(item["data"]),
                        item.get("utf8"),
                        item.get("json"),
                    )
                if kind == "error":
                    await self._close_quietly()
                    raise GraphQLError(message.get("payload") or [])
                if kind == "complete":
                    await self.aclose()
                    return None
                if kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
        except ConnectionClosed as err:
            raise _closed(err) from err

    async def _close_quietly(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await close_ws(ws)

    async def aclose(self) -> None:
        """Completes the subscription and closes the connection. Idempotent."""
        self._done = True
        ws = self._ws
        if ws is not None:
            try:
                await ws.send(json.dumps({"id": "1", "type": "complete"}))
            except ConnectionClosed:
                pass
        await self._close_quietly()


def _closed(err: ConnectionClosed) -> RedisStreamerError:
    code, reason = close_info(err)
    return RedisStreamerError(
        f"graphql-ws: connection closed ({code}{', ' + reason if reason else ''})",
        code_for_close(code),
        close_code=code,
    )
