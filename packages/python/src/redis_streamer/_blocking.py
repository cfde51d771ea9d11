"""The blocking API, generated from the async one: each blocking class wraps an async object
and its methods are the async methods run on one event loop in a daemon thread (same
arguments, same docstrings), so scripts and notebooks (which may have a loop of their own
running) can call them directly. Only what blocking iteration changes is written here."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, Unpack

from ._protocol import Entry
from ._puller import Gap
from ._puller import Puller as AsyncPuller
from ._puller import PullerOptions
from ._pusher import PusherOptions
from ._pusher import Pusher as AsyncPusher
from ._subscription import Event
from ._subscription import Subscription as AsyncSubscription
from ._sync import SyncTuple, group_tuples
from ._urls import Sids

T = TypeVar("T")
A = TypeVar("A")
P = ParamSpec("P")

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


class _Facade(Generic[A]):
    """A blocking face of the async object ``_aio``."""

    _aio: A

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


def _blocking(
    method: Callable[Concatenate[A, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[_Facade[A], P], T]:
    """The blocking version of an async method: the same arguments and docstring."""

    @functools.wraps(method)
    def call(self: _Facade[A], *args: P.args, **kwargs: P.kwargs) -> T:
        return run(method(self._aio, *args, **kwargs))

    return call


class _Mirror(Generic[T]):
    """A read-only attribute that reads the async object's attribute of the same name."""

    def __init__(self, doc: str | None = None) -> None:
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, facade: _Facade[Any] | None, owner: type | None = None) -> T:
        if facade is None:
            return self  # type: ignore[return-value]  # the class's own attribute (help, inspect)
        return getattr(facade._aio, self._name)  # type: ignore[no-any-return]

    def __set__(self, facade: _Facade[Any], value: T) -> None:
        raise AttributeError(f"{self._name} is read-only")


class Pusher(_Facade[AsyncPusher]):
    """Blocking ``Pusher``: the same arguments and semantics as ``redis_streamer.aio.Pusher``.

    ::

        with Pusher("http://localhost:8000", "cam", ack=True) as pusher:
            entry_id = pusher.send(b"frame")
    """

    sids: _Mirror[list[str]] = _Mirror("The stream ids.")
    reconnects: _Mirror[int] = _Mirror("Connections re-established after a loss.")

    def __init__(self, url: str | None, sids: Sids, **options: Unpack[PusherOptions]) -> None:
        self._aio = AsyncPusher(url, sids, **options)

    def __enter__(self) -> Pusher:
        self.connect()
        return self

    connect = _blocking(AsyncPusher.connect)
    send = _blocking(AsyncPusher.send)
    send_batch = _blocking(AsyncPusher.send_batch)
    flush = _blocking(AsyncPusher.flush)
    close = _blocking(AsyncPusher.close)


class Puller(_Facade[AsyncPuller]):
    """Blocking ``Puller``: an iterator of ``Entry(sid, id, time, data)`` with the arguments and
    semantics of ``redis_streamer.aio.Puller`` (reconnects, resumes after the last entry
    delivered). Iterating blocks until entries come; ``close()`` ends it.

    ::

        with Puller("http://localhost:8000", "counter", last_entry_id="0") as puller:
            for entry in puller:
                print(entry.id, entry.data)
    """

    sids: _Mirror[list[str]] = _Mirror("The stream ids.")
    reconnects: _Mirror[int] = _Mirror("Connections lost and re-established (or attempted).")
    gaps: _Mirror[list[Gap]] = _Mirror(
        "Every gap signal received so far (``gaps=True``): entries this puller missed."
    )

    def __init__(self, url: str | None, sids: Sids, **options: Unpack[PullerOptions]) -> None:
        self._aio = AsyncPuller(url, sids, **options)
        self._buffer: deque[Entry] = deque()
        self._cursors: dict[str, str] = {}

    def __iter__(self) -> Iterator[Entry]:
        return self

    def __enter__(self) -> Puller:
        return self

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

    close = _blocking(AsyncPuller.aclose)


class Subscription(_Facade[AsyncSubscription]):
    """Blocking ``data`` subscription: an iterator of ``Event`` (see
    ``redis_streamer.aio.Subscription``).

    ::

        with subscribe(["cam"], url="http://localhost:8000") as events:
            for event in events:
                print(event.sid, event.id, event.utf8)
    """

    reconnects: _Mirror[int] = _Mirror("Connections re-established after a loss.")

    def __init__(self, subscription: AsyncSubscription) -> None:
        self._aio = subscription

    def position(self) -> str:
        """``last_entry_id`` right after the last event delivered."""
        return self._aio.position()

    def __enter__(self) -> Subscription:
        run(self._aio.start())
        return self

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        try:
            return run(self._aio.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    close = _blocking(AsyncSubscription.aclose)
