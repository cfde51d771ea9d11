"""The blocking API: the async classes run on one event loop in a daemon thread, so scripts
and notebooks (which may have a loop of their own running) can call them directly."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Coroutine, Iterable, Iterator
from typing import Any, TypeVar, Unpack

from ._protocol import Entry, Payload
from ._puller import Gap
from ._puller import Puller as AsyncPuller
from ._puller import PullerOptions
from ._pusher import BatchEntry, PusherOptions
from ._pusher import Pusher as AsyncPusher
from ._subscription import Event
from ._subscription import Subscription as AsyncSubscription
from ._sync import SyncTuple, group_tuples
from ._urls import Sids

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="redis-streamer-loop", daemon=True
            ).start()
            _loop = loop
        return _loop


def run(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Runs a coroutine on the client's loop thread and waits for its result."""
    loop = _background_loop()
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result(timeout)
    except BaseException:
        future.cancel()
        raise


class Pusher:
    """Blocking ``Pusher``: the same arguments and semantics as ``redis_streamer.aio.Pusher``.

    ::

        with Pusher("http://localhost:8000", "cam", ack=True) as pusher:
            entry_id = pusher.send(b"frame")
    """

    def __init__(self, url: str | None, sids: Sids, **options: Unpack[PusherOptions]) -> None:
        self._aio = AsyncPusher(url, sids, **options)

    @property
    def sids(self) -> list[str]:
        return self._aio.sids

    @property
    def reconnects(self) -> int:
        """Connections re-established after a loss."""
        return self._aio.reconnects

    def __enter__(self) -> Pusher:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Opens the connection (the first send does it otherwise); raises when refused."""
        run(self._aio.connect())

    def send(self, payload: Payload, sid: str | None = None) -> str | None:
        """Sends one entry; returns its id with ``ack``."""
        return run(self._aio.send(payload, sid))

    def send_batch(self, entries: Iterable[BatchEntry], *, wait: bool = True) -> list[str]:
        """Sends payloads or ``(sid, payload)`` pairs as one batch; their ids with ``ack``."""
        return run(self._aio.send_batch(list(entries), wait=wait))

    def flush(self) -> None:
        """Waits until every batch sent is acked."""
        run(self._aio.flush())

    def close(self) -> None:
        """Waits for outstanding acks, then closes."""
        run(self._aio.close())


class Puller:
    """Blocking ``Puller``: an iterator of ``Entry(sid, id, time, data)`` with the arguments and
    semantics of ``redis_streamer.aio.Puller`` (reconnects, resumes after the last entry
    delivered). Iterating blocks until entries come; ``close()`` ends it.

    ::

        with Puller("http://localhost:8000", "counter", last_entry_id="0") as puller:
            for entry in puller:
                print(entry.id, entry.data)
    """

    def __init__(self, url: str | None, sids: Sids, **options: Unpack[PullerOptions]) -> None:
        self._aio = AsyncPuller(url, sids, **options)
        self._buffer: deque[Entry] = deque()
        self._cursors: dict[str, str] = {}

    @property
    def sids(self) -> list[str]:
        return self._aio.sids

    @property
    def reconnects(self) -> int:
        return self._aio.reconnects

    @property
    def gaps(self) -> list[Gap]:
        """Every gap signal received so far (``gaps=True``): entries this puller missed."""
        return self._aio.gaps

    def __iter__(self) -> Iterator[Entry]:
        return self

    def __enter__(self) -> Puller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __next__(self) -> Entry:
        if not self._buffer:
            before = self._aio.position()
            batch = run(self._aio.next_batch())
            if not batch:
                raise StopIteration
            # The async puller counts the whole batch as delivered; here it is delivered entry
            # by entry, so the position starts from before the batch.
            self._cursors = dict(zip(self.sids, before.split("+")))
            self._buffer.extend(batch)
        entry = self._buffer.popleft()
        self._cursors[entry.sid] = entry.id
        return entry

    def next_tuples(self, timeout: float | None = None) -> list[SyncTuple]:
        """With ``sync``: the tuples of the next batch (see ``next_batch``)."""
        return group_tuples(self.next_batch(timeout), self._aio._reference(), self.sids)

    def tuples(self) -> Iterator[SyncTuple]:
        """With ``sync``: the tuples, one per reference entry, until closed."""
        while batch := self.next_tuples():
            yield from batch

    def next_batch(self, timeout: float | None = None) -> list[Entry]:
        """The buffered entries, else the next non-empty batch; [] once closed or when nothing
        came within ``timeout`` seconds (nothing is lost: the next call picks it up)."""
        if self._buffer:
            entries = list(self._buffer)
            self._buffer.clear()
            return entries
        try:
            return run(asyncio.wait_for(self._aio.next_batch(), timeout))
        except asyncio.TimeoutError:
            return []

    def position(self) -> str:
        """``last_entry_id`` right after the last entry delivered."""
        if not self._buffer:
            return self._aio.position()
        return "+".join(self._cursors[sid] for sid in self.sids)

    def close(self) -> None:
        """Stops pulling; the iteration ends."""
        run(self._aio.aclose())


class Subscription:
    """Blocking ``data`` subscription: an iterator of ``Event`` (see
    ``redis_streamer.aio.Subscription``).

    ::

        with subscribe(["cam"], url="http://localhost:8000") as events:
            for event in events:
                print(event.sid, event.id, event.utf8)
    """

    def __init__(self, subscription: AsyncSubscription) -> None:
        self._aio = subscription

    @property
    def reconnects(self) -> int:
        return self._aio.reconnects

    def position(self) -> str:
        """``last_entry_id`` right after the last event delivered."""
        return self._aio.position()

    def __enter__(self) -> Subscription:
        run(self._aio.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        try:
            return run(self._aio.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        run(self._aio.aclose())
