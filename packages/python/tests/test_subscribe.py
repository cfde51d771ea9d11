"""GraphQL data subscriptions over graphql-ws."""

from __future__ import annotations

import asyncio
import json

import redis_streamer as rs
from redis_streamer import aio
from support import eventually


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
