"""The async puller: ``ws://HOST/data/{sid}/pull`` as an iterator of entries that resumes after
the last entry it delivered when the connection is lost."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Mapping, TypedDict

from ._data import resolve_new_cursors, start_cursors
from ._protocol import Entry, parse_batch_header, split_batch
from ._reconnect import OnReconnect, Reconnect, backoff, policy
from ._sync import SyncTuple, group_tuples, rate_param
from ._urls import Sids, query_string, sid_list, sid_segment, ws_base
from ._ws import Connection, ConnectionClosed, close_ws, closed_error, open_ws
from .auth import Auth, TokenIn
from .errors import RedisStreamerError, parse_error_body

__all__ = ["Gap", "Puller", "PullerOptions"]


@dataclass(frozen=True)
class Gap:
    """Entries of ``sid`` this puller did not get: trimmed before it read them, or skipped by
    ``latest`` / ``max_fps``. ``missed`` is exact when ``exact``, else a lower bound; the entries
    after ``from_id`` up to (not including) ``to_id`` are the ones missed."""

    sid: str
    missed: int
    from_id: str
    to_id: str
    exact: bool


def parse_gap(body: Any) -> Gap | None:
    """The ``{"gap": {...}}`` text frame a puller with ``gaps`` gets, or None for another frame."""
    gap = body.get("gap") if isinstance(body, dict) else None
    if not isinstance(gap, dict):
        return None
    return Gap(
        sid=str(gap.get("sid")),
        missed=int(gap.get("missed", 0)),
        from_id=str(gap.get("from")),
        to_id=str(gap.get("to")),
        exact=bool(gap.get("exact", False)),
    )


class PullerOptions(TypedDict, total=False):
    """The keyword arguments of ``Puller`` (shared by the blocking one)."""

    last_entry_id: str
    count: int | None
    latest: bool
    max_fps: float | None
    block: int | None
    ack: bool
    token: str | None
    token_in: TokenIn
    reconnect: bool | Reconnect
    on_reconnect: OnReconnect | None
    gaps: bool
    on_gap: Callable[[Gap], None] | None
    sync: str | None
    tolerance_ms: int | None
    max_wait_ms: int | None
    rate: Mapping[str, float] | str | None


class Puller:
    """Reads ``ws://HOST/data/{sid}/pull`` as an async iterator of ``Entry(sid, id, time, data)``.

    ``sids``: one stream id, a list, or ``"a+b"``. ``last_entry_id``: ``$`` (default: entries
    newer than now), ``0`` (from the beginning), an entry id, or one per stream joined by ``+``.
    ``count``: most entries per stream per batch; ``latest``: only the newest entry of each
    stream per batch (frames the consumer is too slow for are skipped); ``max_fps``: at most
    this many batches a second; ``ack``: the server sends the next batch only once the consumer
    has taken the previous one; ``block``: the server's heartbeat interval in ms (default 5000).

    Batches are split into entries; heartbeats (empty batches) are followed silently, and a
    connection silent for twice the heartbeat interval is replaced. When the connection is
    lost, the puller reconnects with backoff and resumes right after the last entry it
    delivered: no gap, no repeat (a ``$`` start is first resolved to the stream's newest id
    so that entries written while reconnecting are not skipped; with ``latest`` skipping is the
    point). Refusals a new connection cannot cure raise ``RedisStreamerError``. ::

        async for entry in Puller("http://localhost:8000", "counter", last_entry_id="0"):
            print(entry.sid, entry.id, entry.data)
    """

    def __init__(
        self,
        url: str | None,
        sids: Sids,
        *,
        last_entry_id: str = "$",
        count: int | None = None,
        latest: bool = False,
        max_fps: float | None = None,
        block: int | None = None,
        ack: bool = False,
        token: str | None = None,
        token_in: TokenIn = "header",
        reconnect: bool | Reconnect = True,
        on_reconnect: OnReconnect | None = None,
        gaps: bool = False,
        on_gap: Callable[[Gap], None] | None = None,
        sync: str | None = None,
        tolerance_ms: int | None = None,
        max_wait_ms: int | None = None,
        rate: Mapping[str, float] | str | None = None,
    ) -> None:
        self.sids = sid_list(sids)
        self._cursors = start_cursors(self.sids, last_entry_id)
        self._url = url
        self._auth = Auth(token, token_in)
        self._params = {
            "count": count,
            "latest": True if latest else None,
            "max_fps": max_fps,
            "block": block,
            "ack": True if ack else None,
            "gaps": True if gaps or on_gap is not None else None,
            "sync": sync,
            "tolerance_ms": tolerance_ms,
            "max_wait_ms": max_wait_ms,
            "rate": None if rate is None else rate_param(rate),
            "access_token": self._auth.query(),
        }
        self._on_gap = on_gap
        #: The reference stream of a synchronized pull (``sync``), else None.
        self.sync = sync
        #: Every gap signal received so far (with ``gaps`` or ``on_gap``).
        self.gaps: list[Gap] = []
        self._latest = latest
        self._ack = ack
        heartbeat = 5000 if block is None else block
        self._idle = (heartbeat * 2 + 1000) / 1000 if heartbeat > 0 else None
        self._reconnect = policy(reconnect)
        self._on_reconnect = on_reconnect
        self._ws: Connection | None = None
        self._buffer: deque[Entry] = deque()
        self._header: list[tuple[str, str, int]] | None = None
        self._need_ack = False
        self._closed = False
        #: Connections lost and re-established (or attempted) so far.
        self.reconnects = 0

    def __aiter__(self) -> Puller:
        return self

    async def __aenter__(self) -> Puller:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def __anext__(self) -> Entry:
        while not self._buffer:
            if self._closed:
                raise StopAsyncIteration
            await self._fill()
        entry = self._buffer.popleft()
        self._cursors[entry.sid] = entry.id
        return entry

    async def next_batch(self) -> list[Entry]:
        """The entries of the next batch (all that are buffered, else the next non-empty batch
        from the server), marked delivered at once."""
        while not self._buffer:
            if self._closed:
                return []
            await self._fill()
        entries = list(self._buffer)
        self._buffer.clear()
        for entry in entries:
            self._cursors[entry.sid] = entry.id
        return entries

    async def next_tuples(self) -> list[SyncTuple]:
        """With ``sync``: the tuples of the next batch (see ``next_batch``); [] once closed."""
        return group_tuples(await self.next_batch(), self._reference(), self.sids)

    async def tuples(self) -> AsyncIterator[SyncTuple]:
        """With ``sync``: the tuples, one per reference entry, until closed. ::

            puller = Puller(url, ["cam", "imu", "depth"], sync="cam", tolerance_ms=20)
            async for t in puller.tuples():
                print(t.reference.id, t.dt_ms)
        """
        while batch := await self.next_tuples():
            for tuple_ in batch:
                yield tuple_

    def _reference(self) -> str:
        if self.sync is None:
            raise RedisStreamerError("tuples need sync= (the reference stream)", "BAD_REQUEST")
        return self.sync

    def position(self) -> str:
        """The ``last_entry_id`` right after the last entry delivered (one id per stream, ``+``)."""
        return "+".join(self._cursors[sid] for sid in self.sids)

    async def aclose(self) -> None:
        """Stops pulling and closes the connection; the iteration ends. Idempotent."""
        self._closed = True
        ws, self._ws = self._ws, None
        if ws is not None:
            await close_ws(ws)

    async def _fill(self) -> None:
        """Reads until a non-empty batch arrives; reconnects on a lost connection."""
        attempt = 0
        task = asyncio.current_task()
        while not self._closed:
            if task is not None and task.cancelling():
                # Python 3.11's wait_for can swallow a cancellation that races with a result;
                # a caller's timeout must still end this loop.
                raise asyncio.CancelledError
            try:
                ws = self._ws or await self._open()
                if self._need_ack:
                    self._need_ack = False
                    await ws.send("ok")
                entries = await self._read_batch(ws)
            except RedisStreamerError as err:
                if self._closed:
                    return
                self._ws = None
                self._header = None
                self._buffer.clear()
                self._need_ack = False
                attempt += 1
                if not await backoff(self._reconnect, attempt, err, self._on_reconnect):
                    self._closed = True
                    raise
                self.reconnects += 1
                continue
            if entries:
                self._buffer.extend(entries)
                self._need_ack = self._ack
                return

    async def _open(self) -> Connection:
        if not self._latest:
            await resolve_new_cursors(self._url, self._cursors, self._auth)
        url = f"{ws_base(self._url)}/data/{sid_segment(self.sids)}/pull" + query_string(
            {"last_entry_id": self.position(), **self._params}
        )
        self._ws = await open_ws(url, self._auth.headers(), what="pull handshake")
        return self._ws

    async def _read_batch(self, ws: Connection) -> list[Entry]:
        """One batch: the header text frame and the binary frame; [] for a heartbeat."""
        server_error: tuple[str, str] | None = None
        try:
            while self._header is None:
                message = await asyncio.wait_for(ws.recv(), self._idle)
                if isinstance(message, bytes):
                    continue  # a binary frame out of turn cannot come from the server: skip it
                parsed = json.loads(message)
                gap = parse_gap(parsed)
                if gap is not None:
                    self.gaps.append(gap)
                    if self._on_gap is not None:
                        self._on_gap(gap)
                    continue  # the batch that follows the gap comes next
                if isinstance(parsed, dict):
                    server_error = parse_error_body(message)
                    continue  # the close follows
                # Kept until its body is read: a read cancelled in between (a caller's timeout)
                # resumes with the body instead of losing the batch.
                self._header = parse_batch_header(parsed)
            body = await asyncio.wait_for(ws.recv(), self._idle)
            header, self._header = self._header, None
            if not isinstance(body, bytes):
                raise RedisStreamerError("pull: a text frame where data belongs", "PROTOCOL")
            if not header and self._ack:
                await ws.send("ok")  # the server waits for an answer to a heartbeat too
            return split_batch(header, body)
        except ConnectionClosed as err:
            raise closed_error(err, server_error, "pull connection") from err
        except asyncio.TimeoutError as err:
            await close_ws(ws, 1000, "idle")
            raise RedisStreamerError(
                f"pull connection: no data or heartbeat for {self._idle} s", "TIMEOUT"
            ) from err
        except (OSError, ValueError) as err:
            raise RedisStreamerError(f"pull connection: {err}", "CLOSED") from err
