"""``python -m redis_streamer``: the original sample client's commands, and recording to files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import redis_streamer as rs
from conftest import AUTH_SECRET
from redis_streamer.images import decode_jpeg, encode_jpeg, jpeg_shape, parse_shape
from support import Redis, Server


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "redis_streamer", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_push_increment_then_pull_raw(url: str, sid: str, redis: Redis) -> None:
    pushed = cli("push_increment", sid, "--max_value", "300", "--ack", "--url", url)
    assert pushed.returncode == 0, pushed.stderr
    assert f"push_increment {sid}: 300 entries in" in pushed.stderr
    assert [d for _, d in redis.xrange(sid)] == [str(i).encode() for i in range(300)]
    pulled = cli(
        "--url", url, "pull_raw", sid, "--last-entry-id", "0", "--count", "100", "--limit", "300"
    )
    assert pulled.returncode == 0, pulled.stderr
    ids = [i for i, _ in redis.xrange(sid)]
    assert pulled.stdout.splitlines() == [f"{sid}: {ids[i]} | {i}" for i in range(300)]
    assert f"pull_raw {sid}: 300 entries in" in pulled.stderr and "entries/s" in pulled.stderr


def test_pull_raw_stops_after_duration_and_shows_binary_as_hex(url: str, sid: str) -> None:
    rs.post(sid, b"\x00\x01binary", url=url)
    pulled = cli("pull_raw", sid, "--last_entry_id", "0", "--duration", "1.5", "--url", url)
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.strip().endswith("| <8 bytes: 000162696e617279>")


def test_pull_out_records_files_that_push_file_replays(url: str, sid: str, tmp_path: Path) -> None:
    rs.post(sid, [b'{"a": 1}', b"text", b"\xff\xd8jpeg-ish", b"\x00bin"], url=url)
    pulled = cli(
        "pull", sid, "--out", str(tmp_path), "--last_entry_id", "0", "--limit", "4", "--url", url
    )
    assert pulled.returncode == 0, pulled.stderr
    files = sorted(tmp_path.iterdir())
    assert sorted(p.suffix for p in files) == [".bin", ".jpg", ".json", ".txt"]
    copy = f"{sid}:copy"
    replay = cli("push_file", copy, str(tmp_path), "--ack", "--url", url)
    assert replay.returncode == 0, replay.stderr
    assert [e.data for e in rs.get(copy, url=url, last_entry_id="0").entries] == [
        b'{"a": 1}',
        b"text",
        b"\xff\xd8jpeg-ish",
        b"\x00bin",
    ]


def test_push_image_and_pull_image_latest(url: str, sid: str, tmp_path: Path) -> None:
    pushed = cli(
        "push_image", sid, "--shape", "[120,160,3]", "--limit", "5", "--fps", "50", "--url", url
    )
    assert pushed.returncode == 0, pushed.stderr
    assert "5 frames" in pushed.stderr
    pulled = cli(
        "pull_image",
        sid,
        "--latest",
        "--last_entry_id",
        "0",
        "--limit",
        "1",
        "--out",
        str(tmp_path),
        "--url",
        url,
    )
    assert pulled.returncode == 0, pulled.stderr
    assert "[120, 160, 3]" in pulled.stderr
    (frame,) = tmp_path.iterdir()
    assert decode_jpeg(frame.read_bytes()).shape == (120, 160, 3)
    grey = cli("push_image", f"{sid}:grey", "--shape", "[40,30]", "--limit", "1", "--url", url)
    assert grey.returncode == 0, grey.stderr
    assert jpeg_shape(rs.get(f"{sid}:grey", url=url, last_entry_id="0").entries[0].data) == (40, 30)


def test_ls_lists_streams_and_token_mints_a_working_token(auth_server: Server, sid: str) -> None:
    env = {"AUTH_JWT_SECRET": AUTH_SECRET}
    minted = cli("token", "--sub", "cli", "--write", f"{sid}*", "--read", f"{sid}*", env=env)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    pushed = cli(
        "push_increment", sid, "--max_value", "3", "--url", auth_server.url, env={"RS_TOKEN": token}
    )
    assert pushed.returncode == 0, pushed.stderr
    listed = cli("ls", "--url", auth_server.url, "--token", token)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["sid", "length", "lastEntryId", "lastEntryTime", "meta"]
    assert any(line.startswith(sid) and line.split()[1] == "3" for line in lines)
    assert lines[-1] == "1 stream"  # only what the token may read


def test_refusals_exit_non_zero_with_the_code(auth_server: Server, sid: str) -> None:
    refused = cli("pull_raw", sid, "--url", auth_server.url, env={"RS_TOKEN": ""})
    assert refused.returncode == 1
    assert "error: UNAUTHENTICATED" in refused.stderr
    bad = cli("push_image", sid, "--shape", "[1,2,4]")
    assert bad.returncode == 2 and "shape must be" in bad.stderr


def test_image_helpers() -> None:
    import numpy

    pixels = numpy.zeros((8, 16, 3), dtype=numpy.uint8)
    assert jpeg_shape(encode_jpeg(pixels)) == (8, 16, 3)
    assert decode_jpeg(encode_jpeg(pixels[:, :, 0])).shape == (8, 16)
    assert parse_shape("[700,700,3]") == (700, 700, 3) == parse_shape("700x700x3")
    assert parse_shape("400,200") == (400, 200)
