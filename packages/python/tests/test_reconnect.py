"""Lost connections: the puller resumes after the last entry it delivered, the pusher resends
what was not acked, across a dropped connection and a server restart."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
from collections.abc import Iterator

import pytest

import redis_streamer as rs
from redis_streamer import aio
from support import Proxy, Redis, Server, eventually, free_port

FAST = rs.Reconnect(min_delay=0.05, max_delay=0.5)


def test_puller_resumes_after_the_server_restarts_mid_stream(restartable: Server, sid: str) -> None:
    url = restartable.url
    rs.post(sid, [str(i) for i in range(300)], url=url)
    events: list[rs.ReconnectEvent] = []
    got: list[rs.Entry] = []
    with rs.Puller(
        url, sid, last_entry_id="0", count=40, reconnect=FAST, on_reconnect=events.append
    ) as puller:
        for entry in puller:
            got.append(entry)
            if len(got) == 100:  # mid-batch: 20 entries of this batch are still buffered
                restartable.restart()  # SIGTERM: the server closes the socket with 1001
                rs.post(sid, [str(i) for i in range(300, 350)], url=url)
            if len(got) == 350:
                break
    assert [e.data for e in got] == [str(i).encode() for i in range(350)]
    assert len({e.id for e in got}) == 350
    assert puller.reconnects >= 1 and events and events[0].error.code == "SHUTTING_DOWN"


def test_puller_resumes_after_an_abrupt_connection_loss(url: str, sid: str) -> None:
    proxy = Proxy(int(url.rsplit(":", 1)[1]))
    try:
        rs.post(sid, [str(i) for i in range(200)], url=url)

        async def main() -> tuple[list[rs.Entry], int]:
            got = []
            cuts = [45, 130]  # cut once past these counts, while a connection is open
            async with aio.Puller(
                proxy.url, sid, last_entry_id="0", count=30, reconnect=FAST
            ) as puller:
                async for entry in puller:
                    got.append(entry)
                    # Cut without a close frame (1006): what the client had already received
                    # is still delivered, then it reconnects after the last entry delivered.
                    if cuts and len(got) >= cuts[0] and proxy.cut() > 0:
                        await aio.post(sid, [f"x{2 - len(cuts)}"], url=url)
                        cuts.pop(0)
                    if len(got) == 202:
                        break
                return got, puller.reconnects

        got, reconnects = asyncio.run(main())
    finally:
        proxy.close()
    expected = [str(i).encode() for i in range(200)] + [b"x0", b"x1"]
    assert [e.data for e in got] == expected
    assert reconnects >= 2


def test_pusher_with_ack_across_a_server_restart_stores_every_acked_entry_once(
    restartable: Server, sid: str, redis: Redis
) -> None:
    acked: dict[str, bytes] = {}
    total = 400
    errors: list[BaseException] = []

    def push() -> None:
        try:
            with rs.Pusher(restartable.url, sid, ack=True, reconnect=FAST) as pusher:
                for i in range(total):
                    payload = str(i).encode()
                    entry_id = pusher.send(payload)
                    assert entry_id is not None
                    acked[entry_id] = payload
            reconnects.append(pusher.reconnects)
        except BaseException as err:  # noqa: BLE001 - reported by the test
            errors.append(err)

    reconnects: list[int] = []
    thread = threading.Thread(target=push)
    thread.start()
    eventually(lambda: len(acked) >= 100)
    restartable.restart(signal.SIGKILL)  # no goodbye: batches in flight get no ack
    thread.join(60)
    assert not thread.is_alive() and not errors
    stored = redis.xrange(sid)
    stored_ids = [entry_id for entry_id, _ in stored]
    assert len(acked) == total
    # Every acked id is in Redis exactly once, with its payload.
    assert all(stored_ids.count(entry_id) == 1 for entry_id in acked)
    assert all(dict(stored)[entry_id] == payload for entry_id, payload in acked.items())
    # Every payload was stored in order; the one in flight when the server died may be there
    # twice (stored, ack lost, resent).
    payloads = [int(d) for _, d in stored]
    assert list(dict.fromkeys(payloads)) == list(range(total))
    assert len(payloads) - total <= 1
    assert reconnects and reconnects[0] >= 1


def test_pipelined_pusher_resends_what_was_not_acked(
    restartable: Server, sid: str, redis: Redis
) -> None:
    async def main() -> int:
        async with aio.Pusher(
            restartable.url, sid, ack=True, max_in_flight=16, reconnect=FAST
        ) as pusher:
            for i in range(300):
                await pusher.send_batch([str(i)], wait=False)
                if i == 150:
                    await asyncio.to_thread(restartable.restart, signal.SIGKILL)
            await pusher.flush()
            return pusher.reconnects

    assert asyncio.run(main()) >= 1
    payloads = [int(d) for _, d in redis.xrange(sid)]
    # Batches in flight when the server died may be stored twice (stored, ack lost, resent):
    # at most max_in_flight of them; in the order of first storage, everything once and in order.
    assert list(dict.fromkeys(payloads)) == list(range(300))
    assert len(payloads) - 300 <= 16


class OwnRedis:
    """A redis-server of the test's own, persisting every write (appendfsync always), so that
    it can be stopped and started again on the same port without losing acked entries."""

    def __init__(self, directory: str) -> None:
        self.port = free_port()
        self.dir = directory
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir]
            + ["--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL,
        )
        eventually(lambda: Redis(self.url).call("PING") == "PONG")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def own_redis(tmp_path: object) -> Iterator[OwnRedis]:
    redis = OwnRedis(str(tmp_path))
    redis.start()
    yield redis
    redis.stop()


def test_pusher_rides_out_redis_unavailable_1013(node: str, own_redis: OwnRedis, sid: str) -> None:
    srv = Server(node, {"REDIS_URL": own_redis.url})
    srv.start()
    events: list[rs.ReconnectEvent] = []
    ids: list[str] = []
    errors: list[BaseException] = []

    def push() -> None:
        try:
            with rs.Pusher(srv.url, sid, ack=True, reconnect=FAST, on_reconnect=events.append) as p:
                for i in range(100):
                    ids.append(p.send(str(i)) or "")
        except BaseException as err:  # noqa: BLE001 - reported by the test
            errors.append(err)

    thread = threading.Thread(target=push)
    try:
        own_redis.stop()  # the server answers a push with UNAVAILABLE and closes with 1013
        thread.start()
        eventually(lambda: any(e.error.close_code == 1013 for e in events), timeout=20)
        assert ids == []
        own_redis.start()
        thread.join(30)
    finally:
        srv.stop()
    assert not thread.is_alive() and not errors
    assert {e.error.code for e in events} <= {"UNAVAILABLE", "CONNECT_FAILED", "CLOSED"}
    stored = Redis(own_redis.url).xrange(sid)
    assert [entry_id for entry_id, _ in stored] == ids
    assert [d for _, d in stored] == [str(i).encode() for i in range(100)]
