"""Synchronized pulls (docs/sync.md) with the Python client, against the real server."""

from __future__ import annotations

import redis_streamer as rs
from support import Redis


def test_a_synchronized_puller_yields_tuples_with_time_differences(
    url: str, sid: str, redis: Redis
) -> None:
    cam, imu = f"{sid}:cam", f"{sid}:imu"
    for key, entry_id in [(cam, "1000-0"), (cam, "2000-0"), (imu, "1003-0"), (imu, "2100-0")]:
        redis.call("XADD", key, entry_id, "d", entry_id)
    with rs.Puller(url, [cam, imu], last_entry_id="0", sync=cam, tolerance_ms=20) as puller:
        tuples = puller.tuples()
        first, second = next(tuples), next(tuples)
    assert (first.reference.id, first.partners[imu].id, first.dt_ms[imu]) == ("1000-0", "1003-0", 3)
    assert first.partners[imu].data == b"1003-0"
    # 2100 is 100 ms away: missing
    assert (second.reference.id, second.partners[imu], second.dt_ms[imu]) == ("2000-0", None, None)
