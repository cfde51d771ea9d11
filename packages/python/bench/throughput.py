"""256 KiB push and pull throughput of the Python client (the async API).

    python throughput.py URL SID [--size 262144] [--count 400]

Push: --count entries of --size bytes with ack, up to 64 batches in flight, timed until the last
ack (every entry stored). Pull: the same entries from the beginning, 10 per batch. Prints one
JSON line.
"""

import argparse
import asyncio
import json
import time

from redis_streamer import aio


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("sid")
    p.add_argument("--size", type=int, default=262144)
    p.add_argument("--count", type=int, default=400)
    a = p.parse_args()
    payload = bytes(range(256)) * (a.size // 256)
    start = time.perf_counter()
    async with aio.Pusher(a.url, a.sid, ack=True, max_in_flight=64) as pusher:
        for _ in range(a.count):
            await pusher.send_batch([payload], wait=False)
        await pusher.flush()
    push_s = time.perf_counter() - start
    start = time.perf_counter()
    received = 0
    async with aio.Puller(a.url, a.sid, last_entry_id="0", count=10) as puller:
        async for entry in puller:
            assert len(entry.data) == a.size
            received += 1
            if received == a.count:
                break
    pull_s = time.perf_counter() - start
    mb = a.count * a.size / 1048576
    print(
        json.dumps(
            {
                "client": "python",
                "entries": a.count,
                "push_MBps": round(mb / push_s, 1),
                "pull_MBps": round(mb / pull_s, 1),
            }
        )
    )


asyncio.run(main())
