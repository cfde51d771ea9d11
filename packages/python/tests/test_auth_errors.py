"""Refusals raise RedisStreamerError with the server's code, on every transport."""

from __future__ import annotations

import asyncio
import itertools

import pytest

import redis_streamer as rs
from conftest import AUTH_SECRET
from redis_streamer import aio
from support import Server


def token(sub: str = "tester", **claims: object) -> str:
    return rs.mint_token(AUTH_SECRET, sub, **claims)  # type: ignore[arg-type]


def code_of(call: object) -> str:
    with pytest.raises(rs.RedisStreamerError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


def test_minted_tokens_are_accepted_with_header_or_access_token(
    auth_server: Server, sid: str
) -> None:
    url = auth_server.url
    writer = token(write=[f"{sid}*"], read=[f"{sid}*"])
    for token_in in ("header", "query"):
        with rs.Pusher(url, sid, ack=True, token=writer, token_in=token_in) as pusher:  # type: ignore[arg-type]
            pusher.send(token_in)
        rs.post(sid, b"http-" + token_in.encode(), url=url, token=writer, token_in=token_in)
        with rs.Puller(url, sid, last_entry_id="0", count=10, token=writer, token_in=token_in) as p:  # type: ignore[arg-type]
            assert [e.data for e in itertools.islice(p, 2)] == [b"header", b"http-header"]
    assert rs.get(sid, url=url, last_entry_id="0", token=writer).entries[-1].data == b"http-query"
    assert rs.set_meta(sid, {"ok": True}, url=url, token=writer)
    assert rs.stream(sid, url=url, token=writer).meta == {"ok": True}
    assert sid in rs.sids(url=url, token=writer)
    assert rs.delete_stream(sid, url=url, token=token(admin=True))


def test_missing_or_bad_tokens_are_unauthenticated(auth_server: Server, sid: str) -> None:
    url = auth_server.url
    forged = rs.mint_token("not-the-secret-" + "x" * 32, "intruder", admin=True)
    for bad in (None, forged, "not.a.jwt"):
        assert code_of(lambda: rs.Pusher(url, sid, token=bad).connect()) == "UNAUTHENTICATED"
        assert code_of(lambda: next(rs.Puller(url, sid, token=bad))) == "UNAUTHENTICATED"
        assert code_of(lambda: rs.get(sid, url=url, token=bad)) == "UNAUTHENTICATED"
        assert code_of(lambda: rs.post(sid, b"x", url=url, token=bad)) == "UNAUTHENTICATED"
        assert code_of(lambda: rs.sids(url=url, token=bad)) == "UNAUTHENTICATED"
        assert (
            code_of(lambda: next(iter(rs.subscribe(sid, url=url, token=bad)))) == "UNAUTHENTICATED"
        )
    expired = rs.mint_token(AUTH_SECRET, "late", admin=True, claims={"exp": 1})
    assert code_of(lambda: rs.get(sid, url=url, token=expired)) == "UNAUTHENTICATED"


def test_streams_outside_the_token_are_forbidden(auth_server: Server, sid: str) -> None:
    url = auth_server.url
    reader = token(read=[f"{sid}:mine"])
    other = f"{sid}:other"
    pusher = rs.Pusher(url, f"{sid}:mine", token=reader)
    assert code_of(pusher.connect) == "FORBIDDEN"  # read does not imply write
    assert code_of(lambda: next(rs.Puller(url, other, token=reader))) == "FORBIDDEN"
    assert code_of(lambda: rs.get(other, url=url, token=reader)) == "FORBIDDEN"
    assert code_of(lambda: rs.post(other, b"x", url=url, token=reader)) == "FORBIDDEN"
    assert code_of(lambda: rs.set_meta(other, {"a": 1}, url=url, token=reader)) == "FORBIDDEN"
    assert code_of(lambda: rs.delete_stream(other, url=url, token=reader)) == "FORBIDDEN"
    assert code_of(lambda: next(iter(rs.subscribe(other, url=url, token=reader)))) == "FORBIDDEN"


def test_async_refusals(auth_server: Server, sid: str) -> None:
    async def main() -> list[str]:
        codes = []
        for call in (
            lambda: aio.Pusher(auth_server.url, sid).connect(),
            lambda: aio.Puller(auth_server.url, sid, token=token()).__anext__(),
            lambda: aio.get(sid, url=auth_server.url),
            lambda: aio.streams(url=auth_server.url, token="bad"),
        ):
            try:
                await call()
            except rs.RedisStreamerError as err:
                codes.append(err.code)
        return codes

    assert asyncio.run(main()) == [
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "UNAUTHENTICATED",
        "UNAUTHENTICATED",
    ]


def test_frame_over_the_limit_raises_too_large_not_a_key_error(
    small_server: Server, sid: str
) -> None:
    pusher = rs.Pusher(small_server.url, sid, ack=True)
    assert pusher.send(b"fits") is not None
    with pytest.raises(rs.RedisStreamerError) as caught:
        pusher.send(b"x" * 70000)
    assert caught.value.code == "TOO_LARGE" and caught.value.close_code == 1009
    with pytest.raises(rs.RedisStreamerError):
        pusher.send(b"after the refusal")  # the pusher stays failed: no silent reconnect
    pusher.close()  # the failure was reported once; closing is quiet


def test_handshake_refusals_carry_the_server_code(url: str) -> None:
    assert code_of(lambda: rs.Pusher(url, "XMETA:reserved").connect()) == "BAD_REQUEST"
    assert code_of(lambda: next(rs.Puller(url, "ok", last_entry_id="not-an-id"))) == "BAD_REQUEST"
    assert (
        code_of(lambda: rs.Pusher("http://127.0.0.1:1", "x", reconnect=False).connect())
        == "CONNECT_FAILED"
    )
