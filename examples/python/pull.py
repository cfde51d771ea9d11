#!/usr/bin/env python3
"""Pull loop: read ws://HOST/data/{sid}/pull from the beginning (or any id), batch after batch.

    python3 examples/python/pull.py counter --from 0 --count 50 --expect 100

Catching up on a long history takes many batches (each carries at most --count entries per
stream, and at most PULL_BATCH_BYTES of payload), then the connection keeps delivering new
entries live; an empty batch is a heartbeat. The script remembers the last entry id per stream
and, when the connection drops, reconnects with last_entry_id set to it: no gap, no duplicate.
Several streams: join them with `+` (`cam+depth`). Needs `websockets`.
"""
import argparse
import asyncio
import json
import os
import time
from urllib.parse import quote, urlencode

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


def split_batch(header, entries):
    """The original README's unpacking: [[sid, entry_id, start_offset], ...] + the payloads."""
    sids, ts, offsets = tuple(zip(*header)) or ((),) * 3
    for sid, t, start, end in zip(sids, ts, offsets, offsets[1:] + (None,)):
        yield sid, t, entries[start:end]


async def pull(url, sids, start, count, expect, duration, latest, gaps, token):
    cursors = {sid: start for sid in sids}
    deadline = time.monotonic() + duration if duration else None
    received, batches, attempt = 0, 0, 0

    def done():
        return (expect and received >= expect) or (deadline and time.monotonic() >= deadline)

    while not done():
        query = {
            "last_entry_id": "+".join(cursors[sid] for sid in sids),
            "count": count,
            "block": 1000,
        }
        if latest:
            query["latest"] = 1
        if gaps:
            query["gaps"] = 1
        endpoint = (
            f"{url.replace('http', 'ws', 1)}/data/{'+'.join(quote(s, safe='') for s in sids)}/pull?"
            + urlencode(query)
        )
        try:
            async with connect(endpoint, token) as ws:
                attempt = 0
                while not done():
                    timeout = max(0.1, deadline - time.monotonic()) if deadline else None
                    try:
                        header = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                    except asyncio.TimeoutError:
                        break
                    if isinstance(header, dict) and "gap" in header:  # gaps=1: entries missed
                        gap = header["gap"]
                        bound = "" if gap["exact"] else "at least "
                        print(f"{gap['sid']}: missed {bound}{gap['missed']} entries between {gap['from']} and {gap['to']}")
                        continue
                    if isinstance(header, dict):  # {"error": {...}} before a close
                        raise SystemExit(f"server refused: {header['error']}")
                    entries = await ws.recv()
                    if not header:
                        continue  # heartbeat: nothing new within `block` ms
                    batches += 1
                    for sid, entry_id, data in split_batch(header, entries):
                        cursors[sid] = entry_id
                        received += 1
                        print(f"{sid}: {entry_id} | {data[:60].decode('utf-8', 'replace')}")
        except InvalidHandshake as err:
            raise SystemExit(f"handshake refused: {err}")
        except (OSError, ConnectionClosedError) as err:
            attempt += 1
            if attempt > 5:
                raise SystemExit(f"giving up after {attempt} attempts: {err}")
            delay = min(2.0, 0.1 * 2**attempt)
            print(f"connection lost ({err}); resuming after {cursors} in {delay:.1f} s")
            await asyncio.sleep(delay)
    print(f"received {received} entries in {batches} batches; resume with --from {'+'.join(cursors.values())}")
    if expect and received < expect:
        raise SystemExit(f"expected {expect} entries, got {received}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sid", help="stream id, several joined by +")
    p.add_argument("--url", default=os.environ.get("RS_URL", "http://localhost:8000"))
    p.add_argument("--from", dest="start", default="$", help="$ (new only, default), 0 (everything) or an entry id")
    p.add_argument("--count", type=int, default=100, help="most entries per stream per batch")
    p.add_argument("--expect", type=int, default=0, help="stop after this many entries (fail if fewer by --duration)")
    p.add_argument("--duration", type=float, default=0, help="stop after this many seconds")
    p.add_argument("--latest", action="store_true", help="only the newest entry, skip what we cannot keep up with")
    p.add_argument("--gaps", action="store_true", help="print what was missed (trimmed, or skipped by --latest)")
    p.add_argument("--token", default=os.environ.get("RS_TOKEN", ""), help="access token (or RS_TOKEN)")
    a = p.parse_args()
    asyncio.run(pull(a.url, a.sid.split("+"), a.start, a.count, a.expect, a.duration, a.latest, a.gaps, a.token))


if __name__ == "__main__":
    main()
