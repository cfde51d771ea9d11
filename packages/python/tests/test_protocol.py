"""Pure logic: frames, cursors, tokens, URLs (no server)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest

import redis_streamer as rs
from redis_streamer._protocol import pack_push, split_batch
from redis_streamer._urls import http_base, sid_segment, ws_base


def test_push_header_is_cumulative_end_offsets_or_sid_pairs() -> None:
    assert pack_push([(None, b"ab"), (None, "c")], "s") == ("[2,3]", b"abc")
    assert pack_push([("a", b"xy"), (None, b"z")], "s") == ('[["a",2],["s",3]]', b"xyz")


def test_pull_batch_split_by_start_offsets() -> None:
    entries = split_batch([["a", "1000-0", 0], ["b", "1000-1", 2], ["a", "2000-0", 2]], b"xxyyy")
    assert [(e.sid, e.id, e.data) for e in entries] == [
        ("a", "1000-0", b"xx"),
        ("b", "1000-1", b""),
        ("a", "2000-0", b"yyy"),
    ]
    assert entries[2].time == dt.datetime(1970, 1, 1, 0, 0, 2, tzinfo=dt.timezone.utc)
    assert split_batch([], b"") == []


def test_urls_encode_sids_and_switch_schemes() -> None:
    assert sid_segment(["dev/cam", "a b"]) == "dev%2Fcam+a%20b"
    assert sid_segment("x+y") == "x+y"
    assert http_base("localhost:8000/") == "http://localhost:8000"
    assert ws_base("https://h") == "wss://h"
    with pytest.raises(ValueError):
        sid_segment([])


def test_minted_token_is_an_hs256_jwt_with_the_claims() -> None:
    token = rs.mint_token("s" * 32, "cam1", read=["cam/*"], write=["cam/1"], ttl="30m")
    head, payload, signature = token.split(".")
    pad = lambda part: part + "=" * (-len(part) % 4)  # noqa: E731
    assert json.loads(base64.urlsafe_b64decode(pad(head))) == {"alg": "HS256", "typ": "JWT"}
    claims = json.loads(base64.urlsafe_b64decode(pad(payload)))
    assert claims["sub"] == "cam1" and claims["streams"] == {"read": ["cam/*"], "write": ["cam/1"]}
    assert claims["exp"] - claims["iat"] == 1800 and "admin" not in claims
    expected = hmac.new(b"s" * 32, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(pad(signature)) == expected


def test_puller_refuses_a_cursor_list_of_the_wrong_length() -> None:
    with pytest.raises(ValueError):
        rs.Puller(None, ["a", "b", "c"], last_entry_id="0+0")
