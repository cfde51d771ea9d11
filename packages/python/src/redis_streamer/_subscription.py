"""GraphQL ``data`` subscriptions over WebSocket with the graphql-ws protocol
(``graphql-transport-ws``: connection_init / connection_ack, subscribe, next / error /
complete, ping / pong)."""

from __future__ import annotations

import asyncio
import base64
import datetime as _dt
import json
from typing import Any, NamedTuple

from ._protocol import entry_time
from ._urls import Sids, query_string, sid_list, ws_base
from ._ws import Connection, ConnectionClosed, close_info, open_ws
from .auth import Auth, TokenIn
from .errors import GraphQLError, RedisStreamerError, code_for_close

__all__ = ["Event", "Subscription"]

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


class Subscription:
    """An async iterator of ``Event`` from ``subscription data(sids, lastEntryId, latest)``.

    Written against the graphql-ws protocol. The token goes in ``connection_init``'s payload
    (``{"authorization": "Bearer …"}``). A refused ``connection_init`` raises
    ``RedisStreamerError`` code ``UNAUTHENTICATED``; a stream without read permission
    ``FORBIDDEN``. The iteration ends when the server completes the subscription. ::

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
    ) -> None:
        self.sids = sid_list(sids)
        self._auth = Auth(token, token_in)
        self._endpoint = f"{ws_base(url)}/graphql" + query_string(
            {"access_token": self._auth.query()}
        )
        self._variables = {"sids": self.sids, "lastEntryId": last_entry_id, "latest": latest}
        self._ws: Connection | None = None
        self._done = False

    async def __aenter__(self) -> Subscription:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __aiter__(self) -> Subscription:
        return self

    async def start(self) -> None:
        """Connects, initialises and subscribes (the first ``__anext__`` does it otherwise)."""
        if self._ws is not None:
            return
        ws = await open_ws(
            self._endpoint,
            self._auth.headers(),
            subprotocols=["graphql-transport-ws"],
            what="graphql-ws handshake",
        )
        self._ws = ws
        init: dict[str, Any] = {"type": "connection_init"}
        if self._auth.token:
            init["payload"] = {"authorization": f"Bearer {self._auth.token}"}
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
                        "payload": {"query": _QUERY, "variables": self._variables},
                    }
                )
            )
        except ConnectionClosed as err:
            self._done = True
            raise _closed(err) from err
        except asyncio.TimeoutError as err:
            await self.aclose()
            raise RedisStreamerError("graphql-ws: no connection_ack", "TIMEOUT") from err

    async def __anext__(self) -> Event:
        if self._done:
            raise StopAsyncIteration
        await self.start()
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
                    self._done = True
                    await self.aclose()
                    raise GraphQLError(message.get("payload") or [])
                if kind == "complete":
                    self._done = True
                    await self.aclose()
                    raise StopAsyncIteration
                if kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
        except ConnectionClosed as err:
            self._done = True
            if self._ws is None:
                raise StopAsyncIteration from None  # closed by aclose()
            raise _closed(err) from err

    async def aclose(self) -> None:
        """Completes the subscription and closes the connection. Idempotent."""
        self._done = True
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                await ws.send(json.dumps({"id": "1", "type": "complete"}))
            except ConnectionClosed:
                pass
            await ws.close(1000, "done")


def _closed(err: ConnectionClosed) -> RedisStreamerError:
    code, reason = close_info(err)
    return RedisStreamerError(
        f"graphql-ws: connection closed ({code}{', ' + reason if reason else ''})",
        code_for_close(code),
        close_code=code,
    )
