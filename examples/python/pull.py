#!/usr/bin/env python3
"""Pull loop with the Python client: catch up on a stream's history batch after batch, then
follow it live.

    python3 examples/python/pull.py counter --from 0 --count 50 --expect 100

Each batch carries at most --count entries per stream; an empty batch is a heartbeat, handled
by the client. When the connection drops, the puller reconnects and resumes right after the
last entry it delivered: no gap, no duplicate. Several streams: join them with `+`
(`cam+depth`). Needs the package: pip install ./packages/python.
"""
import argparse
import os
import time

import redis_streamer as rs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sid", help="stream id, several joined by +")
    p.add_argument("--url", default=os.environ.get("RS_URL", "http://localhost:8000"))
    p.add_argument("--from", dest="start", default="$", help="$ (new only, default), 0 (everything) or an entry id")
    p.add_argument("--count", type=int, default=100, help="most entries per stream per batch")
    p.add_argument("--expect", type=int, default=0, help="stop after this many entries (fail if fewer by --duration)")
    p.add_argument("--duration", type=float, default=0, help="stop after this many seconds")
    p.add_argument("--latest", action="store_true", help="only the newest entry, skip what we cannot keep up with")
    p.add_argument("--token", default=os.environ.get("RS_TOKEN") or None, help="access token (or RS_TOKEN)")
    a = p.parse_args()

    deadline = time.monotonic() + a.duration if a.duration else None
    received = batches = 0
    puller = rs.Puller(
        a.url, a.sid, last_entry_id=a.start, count=a.count, latest=a.latest, block=1000, token=a.token,
        on_reconnect=lambda e: print(f"connection lost ({e.error}); resuming in {e.delay:.1f} s"),
    )
    with puller:
        while not (a.expect and received >= a.expect):
            remaining = deadline - time.monotonic() if deadline else None
            if remaining is not None and remaining <= 0:
                break
            # A batch: what the server sent in one frame pair, split into entries.
            batch = puller.next_batch(timeout=remaining)
            if not batch:
                continue
            batches += 1
            for entry in batch:
                received += 1
                print(f"{entry.sid}: {entry.id} | {entry.data[:60].decode('utf-8', 'replace')}")
        print(f"received {received} entries in {batches} batches; resume with --from {puller.position()}")
    if a.expect and received < a.expect:
        raise SystemExit(f"expected {a.expect} entries, got {received}")


if __name__ == "__main__":
    main()
