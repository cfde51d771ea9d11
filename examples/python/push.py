#!/usr/bin/env python3
"""Push loop with the Python client: numbered text entries to a stream, acked, reconnecting.

    python3 examples/python/push.py counter --count 100 --ack

With --ack every send returns the new entry id once it is in Redis, and a lost connection is
reconnected with backoff: what was not acked yet is sent again, nothing acked is sent twice.
Needs the package: pip install ./packages/python (or PYTHONPATH=packages/python/src).
"""
import argparse
import os
import time

import redis_streamer as rs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sid")
    p.add_argument("--url", default=os.environ.get("RS_URL", "http://localhost:8000"))
    p.add_argument("--count", type=int, default=100, help="entries to push (default 100)")
    p.add_argument("--fps", type=float, default=0, help="entries a second (default: as fast as possible)")
    p.add_argument("--ack", action="store_true", help="wait for each entry id")
    p.add_argument("--token", default=os.environ.get("RS_TOKEN") or None, help="access token (or RS_TOKEN)")
    a = p.parse_args()

    def reconnecting(event: rs.ReconnectEvent) -> None:
        print(f"connection lost ({event.error}); retrying in {event.delay:.1f} s")

    with rs.Pusher(a.url, a.sid, ack=a.ack, token=a.token, on_reconnect=reconnecting) as pusher:
        for i in range(a.count):
            entry_id = pusher.send(str(i))
            if entry_id:
                print(f"{i} -> {entry_id}")
            if a.fps:
                time.sleep(1 / a.fps)
    print(f"pushed {a.count} entries to {a.sid}")


if __name__ == "__main__":
    main()
