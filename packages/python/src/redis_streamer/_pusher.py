"""The async pusher: ``ws://HOST/data/{sid}/push`` with acks, bounded in-flight batches and
reconnects."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

from ._protocol import Payload, pack_push, to_bytes
from ._reconnect import OnReconnect, Reconnect, backoff, policy, retryable
from ._urls import Sids, query_string, sid_list, sid_segment, ws_base
from ._ws import Connection, ConnectionClosed, closed_error, open_ws
from .auth import Auth, TokenIn
from .errors import RedisStreamerError, parse_error_body

__all__ = ["Pusher"]

BatchEntry = Payload | tuple[str, Payload]

#: A connection open this long before it was lost starts the reconnect backoff over.
STABLE_SECONDS = 10.0


class PusherOptions(TypedDict, total=False):
    """The keyword arguments of ``Pusher`` (shared by the blocking one)."""

    ack: bool
    header: bool
    token: str | None
    token_in: TokenIn
    max_in_flight: int
    reconnect: bool | Reconnect
    on_reconnect: OnReconnect | None


@dataclass
class _Batch:
    """Frames of one batch, kept until acked so that a new connection can send them again."""

    frames: list[str | bytes]
    done: asyncio.Future[list[str]] = field(repr=False)
    #: 1 with a header (one ack for the batch), one per frame with header=0.
    acks_needed: int = 1
    ids: list[str] = field(default_factory=list)
    acked: int = 0

    def unacked_frames(self) -> list[str | bytes]:
        """What a new connection must send again: all with a header, the unacked frames else."""
        return self.frames if self.acks_needed == 1 else self.frames[self.acked :]


class Pusher:
    """Writes entries to ``ws://HOST/data/{sid}/push``.

    ``sids`` is one stream id, a list, or ``"a+b"``. Every ``send`` / ``send_batch`` is one
    batch: a JSON header text frame and one binary frame (``header=False``: one binary frame
    per entry, a single stream only). Entries are stored in the order they are sent.

    With ``ack=True`` the server answers every batch with its entry ids once they are in Redis:
    ``send`` returns the id, ``send_batch`` the ids, and at most ``max_in_flight`` batches wait
    for their acks (``wait=False`` pipelines them). When the connection is lost (server
    restarting, ``1013`` Redis unavailable, network) the pusher reconnects with backoff and
    sends every batch that was not acked again, in order, before anything new: nothing acked
    is lost or sent twice; a batch whose ack was lost may be stored twice (at least once).
    Without ``ack`` the server confirms nothing, so batches written before a lost connection
    may be lost; later sends reconnect.

    Refusals that a new connection cannot cure (bad token, forbidden stream, too large,
    malformed) raise ``RedisStreamerError`` with the server's code. ::

        async with Pusher("http://localhost:8000", "cam", ack=True) as pusher:
            entry_id = await pusher.send(b"frame")
    """

    def __init__(
        self,
        url: str | None,
        sids: Sids,
        *,
        ack: bool = False,
        header: bool = True,
        token: str | None = None,
        token_in: TokenIn = "header",
        max_in_flight: int = 64,
        reconnect: bool | Reconnect = True,
        on_reconnect: OnReconnect | None = None,
    ) -> None:
        self.sids = sid_list(sids)
        if not header and len(self.sids) != 1:
            raise ValueError("header=False pushes to a single stream")
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.ack = ack
        self.header = header
        self._auth = Auth(token, token_in)
        self._url = f"{ws_base(url)}/data/{sid_segment(self.sids)}/push" + query_string(
            {
                "ack": True if ack else None,
                "header": False if not header else None,
                "access_token": self._auth.query(),
            }
        )
        self._reconnect = policy(reconnect)
        self._on_reconnect = on_reconnect
        self._slots = asyncio.Semaphore(max_in_flight)
        self._pending: deque[_Batch] = deque()
        self._lock = asyncio.Lock()
        self._ws: Connection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._failure: RedisStreamerError | None = None
        #: Why the last connection was lost or refused, until an ack shows progress again.
        self._loss: RedisStreamerError | None = None
        self._attempts = 0
        self._opened_at = 0.0
        self._closed = False
        #: Connections re-established after a loss.
        self.reconnects = 0

    async def __aenter__(self) -> Pusher:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Opens the connection (``send`` does it on first use); raises when refused."""
        async with self._lock:
            await self._ensure_open()

    async def send(self, payload: Payload, sid: str | None = None) -> str | None:
        """Sends one entry (to ``sid``, default the first stream); returns its id with ``ack``."""
        ids = await self.send_batch([(sid, payload)] if sid is not None else [payload])
        return ids[0] if ids else None

    async def send_batch(self, entries: Iterable[BatchEntry], *, wait: bool = True) -> list[str]:
        """Sends entries as one batch: payloads, or ``(sid, payload)`` pairs for several streams.

        With ``ack``, returns their ids once stored; ``wait=False`` returns ``[]`` once the batch
        is written (``flush()`` or ``close()`` then waits for the acks). Without ``ack``, returns
        ``[]`` once the frames are handed to the socket."""
        batch = self._pack(list(entries))
        if self._failure:
            raise self._failure
        if self.ack:
            await self._slots.acquire()
        try:
            await self._write(batch)
        except BaseException:
            if self.ack and not batch.done.done():
                self._slots.release()
            raise
        if not self.ack:
            return []
        if not wait:
            batch.done.add_done_callback(_consume)
            return []
        return list(await asyncio.shield(batch.done))

    async def flush(self) -> None:
        """Waits until every batch sent is acked (raises the error that ended the pusher)."""
        while self._pending:
            await asyncio.wait([self._pending[-1].done])
            if self._failure:
                raise self._failure
        if self._failure:
            raise self._failure

    async def close(self) -> None:
        """Waits for the acks of what was sent (with ``ack``), then closes the connection."""
        if self._closed:
            return
        try:
            if self.ack and self._failure is None:
                await self.flush()
        finally:
            self._closed = True
            ws, self._ws = self._ws, None
            if ws is not None:
                await ws.close(1000, "done")
            if self._reader is not None:
                await asyncio.wait([self._reader], timeout=2)

    def _pack(self, entries: Sequence[BatchEntry]) -> _Batch:
        if not entries:
            raise ValueError("a batch needs at least one entry")
        pairs = [e if isinstance(e, tuple) else (None, e) for e in entries]
        loop = asyncio.get_running_loop()
        if self.header:
            header, body = pack_push(pairs, self.sids[0])
            frames: list[str | bytes] = [header, body]
        else:
            if any(sid not in (None, self.sids[0]) for sid, _ in pairs):
                raise ValueError("header=False pushes to the connection's one stream")
            frames = [to_bytes(data) for _, data in pairs]
        return _Batch(frames, loop.create_future(), acks_needed=1 if self.header else len(frames))

    async def _write(self, batch: _Batch) -> None:
        async with self._lock:
            if self._closed:
                raise RedisStreamerError("the pusher is closed", "CLOSED")
            while True:
                ws = await self._ensure_open()
                if self.ack:
                    self._pending.append(batch)
                try:
                    for frame in batch.frames:
                        await ws.send(frame)
                    return
                except (ConnectionClosed, OSError):
                    # With ack the batch stays pending and the reconnect sends it again; without,
                    # it is sent again on the new connection (it cannot have been complete).
                    if self.ack:
                        return
                    self._loss = RedisStreamerError("push connection lost", "CLOSED")
                    await self._lost(ws)

    async def _ensure_open(self) -> Connection:
        """The open connection; (re)connects with backoff and resends the unacked batches."""
        if self._failure:
            raise self._failure
        if self._ws is not None:
            return self._ws
        while True:
            if self._loss is not None:
                # Backoff also between connections that open and are closed again at once
                # (Redis unavailable: 1013 at the first frame), until an ack shows progress.
                self._attempts += 1
                if not await backoff(
                    self._reconnect, self._attempts, self._loss, self._on_reconnect
                ):
                    self._fail(self._loss)
                    raise self._loss
            try:
                ws = await open_ws(self._url, self._auth.headers(), what="push handshake")
                for batch in self._pending:
                    for frame in batch.unacked_frames():
                        await ws.send(frame)
            except (ConnectionClosed, OSError) as err:
                self._loss = RedisStreamerError(f"push connection lost: {err}", "CLOSED")
            except RedisStreamerError as err:
                self._loss = err
            else:
                self._ws = ws
                self._opened_at = time.monotonic()
                self._reader = asyncio.create_task(self._read(ws))
                return ws

    async def _read(self, ws: Connection) -> None:
        """Takes the acks (in batch order) and the error frame that precedes a refusal."""
        server_error: tuple[str, str] | None = None
        try:
            while True:
                message = await ws.recv()
                if isinstance(message, bytes):
                    continue
                try:
                    parsed = json.loads(message)
                except ValueError:
                    continue
                if isinstance(parsed, list):
                    if self._pending:
                        batch = self._pending[0]
                        batch.ids.extend(str(i) for i in parsed)
                        batch.acked += 1
                        self._loss, self._attempts = None, 0
                        if batch.acked >= batch.acks_needed:
                            self._pending.popleft()
                            if not batch.done.done():
                                batch.done.set_result(batch.ids)
                                self._slots.release()
                else:
                    server_error = parse_error_body(message)
        except ConnectionClosed as err:
            if self._closed or self._ws is not ws:
                return
            error = closed_error(err, server_error, "push connection")
        if retryable(error) and self._reconnect is not None:
            self._loss = error
            await self._lost(ws)
            if self._pending:  # someone waits for acks: reconnect now to send them again
                asyncio.create_task(self._recover())
        else:
            self._fail(error)

    async def _recover(self) -> None:
        try:
            async with self._lock:
                await self._ensure_open()
        except RedisStreamerError:
            pass  # _ensure_open failed the pending batches with it

    async def _lost(self, ws: Connection) -> None:
        if self._ws is ws:
            self._ws = None
            self.reconnects += 1
            if time.monotonic() - self._opened_at > STABLE_SECONDS:
                self._attempts = 0  # a connection that lasted: start the backoff over

    def _fail(self, error: RedisStreamerError) -> None:
        self._failure = error
        self._ws = None
        while self._pending:
            batch = self._pending.popleft()
            if not batch.done.done():
                batch.done.set_exception(error)
                self._slots.release()


def _consume(future: asyncio.Future[list[str]]) -> None:
    if not future.cancelled():
        future.exception()  # marks it retrieved: flush() reports the failure
