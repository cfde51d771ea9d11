#!/usr/bin/env python3
"""The wire protocol with nothing but `websockets`: what the Python client does for you.

    python3 examples/python/wire_protocol.py counter --count 10

Pushes --count entries to ws://HOST/data/{sid}/push?ack=1 (a JSON header text frame
`[len(data)]`, then one binary frame; the server answers each batch with the new entry ids),
then reads them back from ws://HOST/data/{sid}/pull?last_entry_id=0 and unpacks each batch as
the original README does (`[[sid, entry_id, start_offset], ...]` + the payloads back to back).
Needs only `websockets` (`apt install python3-websockets` or `pip install websockets`).
"""
import argparse
import asyncio
import json
import os
from urllib.parse import quote

import websockets

try:  # websockets >= 13
    from websockets.asyncio.client import connect as _connect

    _HEADERS = "additional_headers"
except ImportError:  # websockets 10-12 (Debian bookworm ships 10.4)
    _connect = websockets.connect
    _HEADERS = "extra_headers"


def connect(url, token):
    """A WebSocket connection with the token in the Authorization header, no frame size limit."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return _connect(url, max_size=None, **{_HEADERS: headers})


async def push(base, sid, count, token):
    ids = []
    async with connect(f"{base}/data/{quote(sid, safe='')}/push?ack=1", token) as ws:
        for i in range(count):
            data = f"entry {i}".encode()
            await ws.send(json.dumps([len(data)]))  # the header: a text frame
            await ws.send(data)  # the payloads: one binary frame
            reply = json.loads(await ws.recv())  # with ack=1: the new entry ids
            if isinstance(reply, dict):  # {"error": {"code", "message"}} comes before a close
                raise SystemExit(f"server refused: {reply['error']}")
            ids += reply
    print(f"pushed {count} entries, ids {ids[0]} … {ids[-1]}")
    return ids


async def pull(base, sid, expected, token):
    received = []
    url = f"{base}/data/{quote(sid, safe='')}/pull?last_entry_id=0&count=100"
    async with connect(url, token) as ws:
        while len(received) < len(expected):
            header = json.loads(await ws.recv())  # [[sid, entry_id, start_offset], ...]
            if isinstance(header, dict):
                raise SystemExit(f"server refused: {header['error']}")
            entries = await ws.recv()  # the payloads back to back
            sids, ts, offsets = tuple(zip(*header)) or ((),) * 3
            for s, t, start, end in zip(sids, ts, offsets, offsets[1:] + (None,)):
                received.append(t)
                print(f"{s}: {t} | {entries[start:end].decode()}")
    if received != expected:
        raise SystemExit("pulled ids differ from the pushed ones")
    print(f"pulled the same {len(received)} entries back")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sid")
    p.add_argument("--url", default=os.environ.get("RS_URL", "http://localhost:8000"))
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--token", default=os.environ.get("RS_TOKEN", ""), help="access token (or RS_TOKEN)")
    a = p.parse_args()
    base = a.url.replace("http", "ws", 1)

    async def run():
        await pull(base, a.sid, await push(base, a.sid, a.count, a.token), a.token)

    asyncio.run(run())


if __name__ == "__main__":
    main()
