#!/usr/bin/env python3
"""Push loop: send numbered text entries to ws://HOST/data/{sid}/push, as the original README does.

    python3 examples/python/push.py counter --count 100 --ack

Every entry is a header frame `[len(data)]` followed by one binary frame. With --ack the server
answers each batch with the new entry ids once they are in Redis, and the script prints them.
Reconnects (and resends the unacknowledged entry) if the connection drops. Needs `websockets`
(`apt install python3-websockets` or `pip install websockets`).
"""
import argparse
import asyncio
import json
import os
import time
from urllib.parse import quote

import websockets
from websockets.exceptions import ConnectionClosedError, InvalidHandshake

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


async def push(url: str, sid: str, count: int, fps: float, ack: bool, duration: float, token: str):
    endpoint = f"{url.replace('http', 'ws', 1)}/data/{quote(sid, safe='')}/push" + ("?ack=1" if ack else "")
    deadline = time.monotonic() + duration if duration else None
    sent, attempt = 0, 0
    while sent < count and (deadline is None or time.monotonic() < deadline):
        try:
            async with connect(endpoint, token) as ws:
                attempt = 0
                while sent < count and (deadline is None or time.monotonic() < deadline):
                    data = str(sent).encode()
                    await ws.send(json.dumps([len(data)]))  # the header: a text frame
                    await ws.send(data)  # the payloads: one binary frame
                    if ack:
                        reply = json.loads(await ws.recv())
                        if isinstance(reply, dict):  # {"error": {...}} before a close
                            raise SystemExit(f"server refused: {reply['error']}")
                        print(f"{sent} -> {reply[0]}")
                    sent += 1
                    if fps:
                        await asyncio.sleep(1 / fps)
        except InvalidHandshake as err:
            raise SystemExit(f"handshake refused: {err}")
        except (OSError, ConnectionClosedError) as err:
            attempt += 1
            if attempt > 5:
                raise SystemExit(f"giving up after {attempt} attempts: {err}")
            delay = min(2.0, 0.1 * 2**attempt)
            print(f"connection lost ({err}); retrying in {delay:.1f} s")
            await asyncio.sleep(delay)
    print(f"pushed {sent} entries to {sid}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sid")
    p.add_argument("--url", default=os.environ.get("RS_URL", "http://localhost:8000"))
    p.add_argument("--count", type=int, default=100, help="entries to push (default 100)")
    p.add_argument("--fps", type=float, default=0, help="entries a second (default: as fast as possible)")
    p.add_argument("--ack", action="store_true", help="wait for each entry id")
    p.add_argument("--duration", type=float, default=0, help="stop after this many seconds")
    p.add_argument("--token", default=os.environ.get("RS_TOKEN", ""), help="access token (or RS_TOKEN)")
    a = p.parse_args()
    asyncio.run(push(a.url, a.sid, a.count, a.fps, a.ack, a.duration, a.token))


if __name__ == "__main__":
    main()
