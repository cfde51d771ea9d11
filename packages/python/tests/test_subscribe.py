"""GraphQL data subscriptions over graphql-ws."""

from __future__ import annotations

import asyncio
import json

import redis_streamer as rs
from redis_streamer import aio
from support import Proxy


def test_blocking_subscription_receives_history_and_live_entries(url: str, sid: str) -> None:
    rs.post(sid, b'{"n": 1}', url=url)
    with rs.subscribe(sid, url=url, last_entry_id="0") as events:
        first = next(events)
        ids = rs.post(sid, [b"plain text", b"\xff\xfe"], url=url)
        second, third = next(events), next(events)
    assert first.sid == sid and first.json == {"n": 1} and first.utf8 == '{"n": 1}'
    assert (second.id, second.data, second.utf8, second.json) == (
        ids[0],
        b"plain text",
        "plain text",
        None,
    )
    assert (third.id, third.data, third.utf8) == (ids[1], b"\xff\xfe", None)
    assert third.time.timestamp() * 1000 == int(ids[1].split("-")[0])


def test_async_subscription_receives_live_entries(url: str, sid: str) -> None:
    async def main() -> list[rs.Event]:
        got: list[rs.Event] = []
        async with aio.subscribe([sid], url=url) as events:

            async def push() -> None:
                for i in range(3):
                    await aio.post(sid, json.dumps({"i": i}), url=url)

            task = asyncio.create_task(push())
            async for event in events:
                got.append(event)
                if len(got) == 3:
                    break
            await task
        return got

    events = asyncio.run(main())
    assert [e.json for e in events] == [{"i": 0}, {"i": 1}, {"i": 2}]


def test_subscription_resumes_after_a_lost_connection(url: str, sid: str) -> None:
    proxy = Proxy(int(url.rsplit(":", 1)[1]))
    fast = rs.Reconnect(min_delay=0.05, max_delay=0.5)
    try:
        with rs.subscribe(sid, url=proxy.url, last_entry_id="0", reconnect=fast) as events:
            rs.post(sid, [b"1", b"2"], url=url)
            got = [next(events).data, next(events).data]
            assert proxy.cut() > 0  # no close frame
            rs.post(sid, [b"3", b"4"], url=url)
            got += [next(events).data, next(events).data]
            assert events.reconnects >= 1
    finally:
        proxy.close()
    assert got == [b"1", b"2", b"3", b"4"]
