"""HTTP data endpoints and GraphQL metadata, blocking and async."""

from __future__ import annotations

import asyncio
import threading

import pytest

import redis_streamer as rs
from redis_streamer import aio
from support import Redis


def test_post_raw_multipart_and_named_streams(url: str, sid: str, redis: Redis) -> None:
    one = rs.post(sid, b"raw", url=url)
    many = rs.post(sid, [b"p1", "p2"], url=url)
    a, b = f"{sid}:a", f"{sid}:b"
    named = rs.post(f"{a}+{b}", [(b, b"to-b"), (a, b"to-a")], url=url)
    star = rs.post("*", [(a, b"star-a")], url=url)
    assert [d for _, d in redis.xrange(sid)] == [b"raw", b"p1", b"p2"]
    assert [i for i, _ in redis.xrange(sid)] == one + many
    assert redis.xrange(a) == [(named[1], b"to-a"), (star[0], b"star-a")]
    assert redis.xrange(b) == [(named[0], b"to-b")]


def test_get_continues_with_the_cursor_until_caught_up(url: str, sid: str) -> None:
    ids = rs.post(sid, [str(i) for i in range(120)], url=url)
    result = rs.get(sid, url=url, last_entry_id="0", count=50)  # three answers: 50, 50, 20
    assert [e.data for e in result.entries] == [str(i).encode() for i in range(120)]
    assert result.last_entry_id == ids[-1]
    assert rs.get(sid, url=url, last_entry_id=result.last_entry_id).entries == []
    limited = rs.get(sid, url=url, last_entry_id="0", count=50, limit=70)
    assert len(limited.entries) == 70 and limited.last_entry_id == ids[69]
    single = rs.get(sid, url=url, last_entry_id="0", count=50, follow=False)
    assert len(single.entries) == 50


def test_get_several_streams_latest_and_block(url: str, sid: str) -> None:
    a, b = f"{sid}:a", f"{sid}:b"
    rs.post(a, [b"a1", b"a2"], url=url)
    rs.post(b, [b"b1"], url=url)
    both = rs.get([a, b], url=url, last_entry_id="0+0")
    assert sorted(e.data for e in both.entries) == [b"a1", b"a2", b"b1"]
    assert len(both.last_entry_id.split("+")) == 2
    latest = rs.get(f"{a}+{b}", url=url, last_entry_id="0", latest=True)
    assert sorted(e.data for e in latest.entries) == [b"a2", b"b1"]
    timer = threading.Timer(0.3, lambda: rs.post(a, b"later", url=url))
    timer.start()
    waited = rs.get(a, url=url, block=5000)
    timer.join()
    assert [e.data for e in waited.entries] == [b"later"]


def test_async_http_calls(url: str, sid: str) -> None:
    async def main() -> rs.GetResult:
        await aio.post(sid, [b"x", b"y"], url=url)
        return await aio.get(sid, url=url, last_entry_id="0")

    assert [e.data for e in asyncio.run(main()).entries] == [b"x", b"y"]


def test_metadata_listing_and_delete(url: str, sid: str, redis: Redis) -> None:
    rs.post(sid, [b"first", b"last"], url=url)
    meta_only = f"{sid}:meta-only"
    assert rs.set_meta(sid, {"format": "txt", "fps": 1}, url=url) is True
    assert rs.set_meta(sid, {"fps": 30}, update=True, url=url) is True
    assert rs.set_meta(meta_only, {"planned": True}, url=url)
    assert sid in rs.sids(url=url)
    assert meta_only not in rs.sids(url=url)
    assert meta_only in rs.sids(True, url=url)
    info = rs.stream(sid, url=url, with_data=True)
    assert info.length == 2 and info.entries_added == 2
    assert info.meta == {"format": "txt", "fps": 30}
    assert info.first_entry_data == b"first" and info.last_entry_data == b"last"
    assert info.last_entry_time is not None and info.last_entry_time.tzinfo is not None
    listed = {s.sid: s for s in rs.streams([sid, meta_only], url=url)}
    assert listed[sid].last_entry_id == info.last_entry_id
    assert listed[meta_only].error and listed[meta_only].meta == {"planned": True}
    assert rs.delete_stream(sid, url=url) is True
    assert rs.delete_stream(sid, url=url) is False
    assert redis.call("EXISTS", sid, f"XMETA:{sid}") == 0


def test_async_metadata(url: str, sid: str) -> None:
    async def main() -> tuple[list[str], rs.StreamInfo, list[rs.StreamInfo], bool]:
        await aio.post(sid, b"x", url=url)
        await aio.set_meta(sid, {"k": 1}, url=url)
        return (
            await aio.sids(url=url),
            await aio.stream(sid, url=url),
            await aio.streams([sid], url=url),
            await aio.delete_stream(sid, url=url),
        )

    names, one, listed, deleted = asyncio.run(main())
    assert sid in names and one.meta == {"k": 1} and listed[0].length == 1 and deleted


def test_graphql_errors_carry_the_server_code(url: str) -> None:
    with pytest.raises(rs.GraphQLError) as caught:
        rs.stream("", url=url)
    assert caught.value.code == "BAD_USER_INPUT"
    with pytest.raises(rs.RedisStreamerError) as caught2:
        rs.graphql('mutation { streamMeta(sid: "x", meta: [1]) }', url=url)
    assert caught2.value.code == "BAD_USER_INPUT"


def test_http_errors_carry_the_server_code(url: str, small_server: object) -> None:
    with pytest.raises(rs.RedisStreamerError) as caught:
        rs.get("XMETA:nope", url=url)
    assert caught.value.code == "BAD_REQUEST" and caught.value.status == 400
    with pytest.raises(rs.RedisStreamerError) as too_large:
        rs.post("big", b"x" * 70000, url=small_server.url)  # type: ignore[attr-defined]
    assert too_large.value.code == "TOO_LARGE" and too_large.value.status == 413
    with pytest.raises(rs.RedisStreamerError) as unreachable:
        rs.get("x", url="http://127.0.0.1:1")
    assert unreachable.value.code == "CONNECT_FAILED"
