#!/usr/bin/env python3
"""A synchronized pull of three streams, with nothing but `websockets` (docs/sync.md).

    python3 examples/python/sync_pull.py lab --seconds 2

Three "devices" push --seconds of a camera (30 Hz), an IMU (200 Hz) and a depth camera (45 Hz)
to {prefix}/cam, {prefix}/imu and {prefix}/depth, each with its own clock in the entry ids
(`[[sid, id, end], ...]` headers; ±5 ms of jitter). Then one pull,
ws://HOST/data/{cam}+{imu}+{depth}/pull?sync={cam}&tolerance_ms=20&tuples=1&last_entry_id=0,
gets one tuple per camera frame: the IMU sample and depth frame nearest to it in time, or none
when nothing is within 20 ms. Each batch is the usual header + binary frame (reference entry
first), preceded by a `{"tuples": [...]}` text frame giving each partner's time difference.
"""
import argparse
import asyncio
import json
import os
import random
import time
from urllib.parse import quote

import websockets

try:  # websockets >= 13
    from websockets.asyncio.client import connect as _connect

    _HEADERS = "additional_headers"
except ImportError:  # websockets 10-12
    _connect = websockets.connect
    _HEADERS = "extra_headers"


def connect(url, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return _connect(url, max_size=None, **{_HEADERS: headers})


async def push(base, sid, hz, start_ms, seconds, token):
    """One device: `seconds` of entries at `hz`, ids from its own clock with ±5 ms jitter."""
    ids, last = [], 0
    for i in range(int(seconds * hz)):
        ms = max(last + 1, start_ms + round(i * 1000 / hz) + random.randint(-5, 5))
        ids.append(f"{ms}-0")
        last = ms
    async with connect(f"{base}/data/{quote(sid, safe='')}/push?ack=1", token) as ws:
        for at in range(0, len(ids), 50):
            header, body = [], b""
            for entry_id in ids[at : at + 50]:
                body += f"{sid}@{entry_id}".encode()
                header.append([sid, entry_id, len(body)])
            await ws.send(json.dumps(header))
            await ws.send(body)
            reply = json.loads(await ws.recv())
            if isinstance(reply, dict):
                raise SystemExit(f"server refused: {reply['error']}")
    return len(ids)


async def pull(base, cam, imu, depth, expected, token):
    path = "+".join(quote(s, safe="") for s in (cam, imu, depth))
    query = f"sync={quote(cam, safe='')}&tolerance_ms=20&tuples=1&last_entry_id=0&count=10"
    tuples, largest, missing = 0, 0, 0
    async with connect(f"{base}/data/{path}/pull?{query}", token) as ws:
        while tuples < expected:
            described = json.loads(await ws.recv())
            if "error" in described:
                raise SystemExit(f"server refused: {described['error']}")
            header = json.loads(await ws.recv())  # [[sid, entry_id, start_offset], ...]
            await ws.recv()  # the payloads: reference entry, then the partners found
            assert len(header) == sum(1 + sum(m is not None for m in t["members"].values()) for t in described["tuples"])
            for t in described["tuples"]:
                tuples += 1
                parts = []
                for sid, member in t["members"].items():
                    name = sid.rsplit("/", 1)[-1]
                    if member is None:
                        missing += 1
                        parts.append(f"{name} missing")
                    else:
                        largest = max(largest, abs(member[1]))
                        parts.append(f"{name} {member[1]:+d} ms")
                print(f"tuple {t['id']}: " + ", ".join(parts))
    print(f"received {tuples} tuples, largest time difference {largest} ms, {missing} partners missing")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("prefix", help="stream id prefix: {prefix}/cam, {prefix}/imu, {prefix}/depth")
    p.add_argument("--url", default=os.environ.get("RS_URL", "http://localhost:8000"))
    p.add_argument("--seconds", type=float, default=2)
    p.add_argument("--token", default=os.environ.get("RS_TOKEN", ""), help="access token (or RS_TOKEN)")
    a = p.parse_args()
    base = a.url.replace("http", "ws", 1)
    cam, imu, depth = (f"{a.prefix}/{name}" for name in ("cam", "imu", "depth"))
    start_ms = int(time.time() * 1000) - int(a.seconds * 1000) - 1000

    async def run():
        pushed = await asyncio.gather(
            push(base, cam, 30, start_ms, a.seconds, a.token),
            push(base, imu, 200, start_ms, a.seconds, a.token),
            push(base, depth, 45, start_ms, a.seconds, a.token),
        )
        print(f"pushed {pushed[0]} camera frames, {pushed[1]} IMU samples, {pushed[2]} depth frames")
        await pull(base, cam, imu, depth, pushed[0], a.token)

    asyncio.run(run())


if __name__ == "__main__":
    main()
