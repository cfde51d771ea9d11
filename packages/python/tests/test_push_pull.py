"""Pusher and Puller, blocking and async, against the real server."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest

import redis_streamer as rs
from redis_streamer import aio
from support import Redis


def take(puller: rs.Puller, n: int) -> list[rs.Entry]:
    return list(itertools.islice(puller, n))


def test_blocking_push_with_ack_returns_the_ids_stored_in_redis(
    url: str, sid: str, redis: Redis
) -> None:
    with rs.Pusher(url, sid, ack=True) as pusher:
        first = pusher.send(b"one")
        rest = pusher.send_batch([b"two", "three"])
    assert [first, *rest] == [entry_id for entry_id, _ in redis.xrange(sid)]
    assert [data for _, data in redis.xrange(sid)] == [b"one", b"two", b"three"]


def test_blocking_puller_yields_entries_with_sid_id_time_and_data(url: str, sid: str) -> None:
    ids = rs.post(sid, [b"a", b"bb", b"ccc"], url=url)
    with rs.Puller(url, sid, last_entry_id="0", count=10) as puller:
        entries = take(puller, 3)
    assert [(e.sid, e.id, e.data) for e in entries] == list(
        zip([sid] * 3, ids, [b"a", b"bb", b"ccc"])
    )
    ms = int(ids[0].split("-")[0])
    assert entries[0].time == dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
    assert entries[0].time.tzinfo is not None


def test_multi_sid_batches_go_to_each_stream(url: str, sid: str, redis: Redis) -> None:
    cam, depth = f"{sid}:cam", f"{sid}:depth"
    with rs.Pusher(url, [cam, depth], ack=True) as pusher:
        ids = pusher.send_batch([(cam, b"c1"), (depth, b"d1"), (cam, b"c2")])
        one = pusher.send(b"d2", sid=depth)
    assert len(ids) == 3
    assert [d for _, d in redis.xrange(cam)] == [b"c1", b"c2"]
    assert redis.xrange(depth) == [(ids[1], b"d1"), (one, b"d2")]
    with rs.Puller(url, f"{cam}+{depth}", last_entry_id="0+0", count=10) as puller:
        got = take(puller, 4)
    assert sorted((e.sid, e.data) for e in got) == sorted(
        [(cam, b"c1"), (cam, b"c2"), (depth, b"d1"), (depth, b"d2")]
    )
    assert puller.position() == f"{redis.xrange(cam)[-1][0]}+{one}"


def test_header_0_sends_every_binary_frame_as_one_entry(url: str, sid: str, redis: Redis) -> None:
    with rs.Pusher(url, sid, header=False, ack=True) as pusher:
        ids = pusher.send_batch([b"x", b"", b"zz"])
    assert redis.xrange(sid) == list(zip(ids, [b"x", b"", b"zz"]))
    with pytest.raises(ValueError):
        rs.Pusher(url, [sid, sid + "2"], header=False)


def test_pipelined_acks_stay_bounded_and_all_arrive(url: str, sid: str, redis: Redis) -> None:
    with rs.Pusher(url, sid, ack=True, max_in_flight=4) as pusher:
        for i in range(200):
            assert pusher.send_batch([str(i)], wait=False) == []
        pusher.flush()
    assert [d for _, d in redis.xrange(sid)] == [str(i).encode() for i in range(200)]


def test_push_without_ack_stores_everything_by_close(url: str, sid: str, redis: Redis) -> None:
    with rs.Pusher(url, sid) as pusher:
        for i in range(500):
            assert pusher.send(str(i)) is None

    def stored() -> bool:
        return len(redis.xrange(sid)) == 500

    from support import eventually

    eventually(stored)
    assert [d for _, d in redis.xrange(sid)] == [str(i).encode() for i in range(500)]


def test_puller_catches_up_in_several_batches_then_goes_live(url: str, sid: str) -> None:
    rs.post(sid, [str(i) for i in range(250)], url=url)
    with rs.Puller(url, sid, last_entry_id="0", count=100) as puller:
        batches = [puller.next_batch() for _ in range(3)]
        assert [len(b) for b in batches] == [100, 100, 50]
        rs.post(sid, b"live", url=url)
        live = next(puller)
    assert [e.data for b in batches for e in b] == [str(i).encode() for i in range(250)]
    assert live.data == b"live"


def test_puller_from_now_skips_history_and_follows_heartbeats(url: str, sid: str) -> None:
    rs.post(sid, b"old", url=url)
    with rs.Puller(url, sid, block=100) as puller:
        # Several heartbeats (every 100 ms) pass before the entry is written.
        import threading

        timer = threading.Timer(0.5, lambda: rs.post(sid, b"new", url=url))
        timer.start()
        entry = next(puller)
        timer.join()
    assert entry.data == b"new"
    assert puller.reconnects == 0


def test_latest_pull_gets_only_the_newest_entry(url: str, sid: str) -> None:
    rs.post(sid, [b"1", b"2", b"3"], url=url)
    with rs.Puller(url, sid, last_entry_id="0", latest=True, count=10) as puller:
        entry = next(puller)
    assert entry.data == b"3"


def test_async_pusher_and_puller(url: str, sid: str) -> None:
    async def main() -> tuple[list[str], list[aio.Entry]]:
        async with aio.Pusher(url, sid, ack=True) as pusher:
            ids = await pusher.send_batch([b"a", b"b"])
            ids.append(await pusher.send(b"c") or "")
        got = []
        async with aio.Puller(url, sid, last_entry_id="0", count=2) as puller:
            async for entry in puller:
                got.append(entry)
                if len(got) == 3:
                    break
            assert puller.position() == ids[-1]
        return ids, got

    ids, got = asyncio.run(main())
    assert [(e.id, e.data) for e in got] == list(zip(ids, [b"a", b"b", b"c"]))


def test_async_puller_with_ack_flow_control_and_max_fps(url: str, sid: str) -> None:
    async def main() -> list[bytes]:
        await aio.post(sid, [b"1", b"2", b"3", b"4"], url=url)
        out = []
        async with aio.Puller(url, sid, last_entry_id="0", ack=True, max_fps=50) as puller:
            async for entry in puller:
                out.append(entry.data)
                if len(out) == 4:
                    break
        return out

    assert asyncio.run(main()) == [b"1", b"2", b"3", b"4"]


def test_large_entries_travel_whole(url: str, sid: str) -> None:
    big = bytes(range(256)) * 4096  # 1 MiB
    with rs.Pusher(url, sid, ack=True) as pusher:
        pusher.send(big)
    with rs.Puller(url, sid, last_entry_id="0") as puller:
        assert next(puller).data == big


def test_next_batch_timeouts_lose_nothing(url: str, sid: str) -> None:
    received: list[bytes] = []
    with rs.Puller(url, sid, last_entry_id="0", block=50) as puller:
        for i in range(60):
            rs.post(sid, str(i), url=url)
            # Tiny timeouts cancel reads at any point, between a header and its body too.
            while len(received) <= i:
                received += [e.data for e in puller.next_batch(timeout=0.0005 * (1 + i % 7))]
    assert received == [str(i).encode() for i in range(60)]


def test_a_puller_with_gaps_is_told_how_many_entries_were_trimmed_before_it_read_them(
    url: str, sid: str, redis: Redis
) -> None:
    with rs.Pusher(url, sid, ack=True) as pusher:
        ids = pusher.send_batch([f"e{i}".encode() for i in range(30)])
    redis.call("XTRIM", sid, "MAXLEN", "10")
    seen: list[rs.Gap] = []
    with rs.Puller(url, sid, last_entry_id="0", count=100, on_gap=seen.append) as puller:
        entries = take(puller, 10)
    assert [e.id for e in entries] == ids[20:]
    assert seen == [rs.Gap(sid=sid, missed=20, from_id="0-0", to_id=ids[20], exact=True)]
    assert puller.gaps == seen


def test_a_puller_without_gaps_gets_the_same_entries_and_no_gap(
    url: str, sid: str, redis: Redis
) -> None:
    with rs.Pusher(url, sid, ack=True) as pusher:
        ids = pusher.send_batch([f"e{i}".encode() for i in range(30)])
    redis.call("XTRIM", sid, "MAXLEN", "10")
    with rs.Puller(url, sid, last_entry_id="0", count=100) as puller:
        entries = take(puller, 10)
    assert [e.id for e in entries] == ids[20:]
    assert puller.gaps == []


def test_close_during_a_catch_up_completes_the_close_handshake(url: str, sid: str) -> None:
    # Far more one-entry batches than the client queues: the server has many on their way when
    # the close starts, and its close frame comes after them.
    rs.post(sid, [b"%d" % i for i in range(900)], url=url)
    puller = rs.Puller(url, sid, last_entry_id="0")
    assert [entry.data for entry in take(puller, 5)] == [b"0", b"1", b"2", b"3", b"4"]
    ws = puller._aio._ws  # the connection, to see how it ended
    puller.close()
    # The server's close frame was read (1000), not waited for in vain until the connection
    # was dropped (1006) seconds later.
    assert ws is not None and ws.close_code == 1000
