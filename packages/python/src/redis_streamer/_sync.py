"""Synchronized pulls (``sync``, docs/sync.md): tuples of a reference entry and each other
stream's entry nearest to it in time, grouped from the batches the server sends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence
from urllib.parse import quote

from ._protocol import Entry

__all__ = ["SyncTuple", "group_tuples", "rate_param"]


@dataclass(frozen=True)
class SyncTuple:
    """One reference entry and, per partner stream, its nearest entry or None (nothing within
    the tolerance); ``dt_ms`` is each partner's time minus the reference's (ms), or None."""

    reference: Entry
    partners: dict[str, Entry | None]
    dt_ms: dict[str, int | None]


def _ms(entry_id: str) -> int:
    return int(entry_id.split("-", 1)[0])


def group_tuples(entries: Sequence[Entry], reference: str, sids: Sequence[str]) -> list[SyncTuple]:
    """The tuples of whole batches: each entry of ``reference`` starts a tuple, the partner
    entries after it (one per stream at most) belong to it; a partner absent is missing."""
    tuples: list[SyncTuple] = []
    partners = [sid for sid in sids if sid != reference]
    for entry in entries:
        if entry.sid == reference:
            tuples.append(SyncTuple(entry, dict.fromkeys(partners), dict.fromkeys(partners)))
        elif tuples:
            tuple_ = tuples[-1]
            tuple_.partners[entry.sid] = entry
            tuple_.dt_ms[entry.sid] = _ms(entry.id) - _ms(tuple_.reference.id)
    return tuples


def rate_param(rate: Mapping[str, float] | str) -> str:
    """``{"cam": 2, "imu": 0}`` as the ``rate`` query parameter (a string is sent as it is)."""
    if isinstance(rate, str):
        return rate
    return ",".join(f"{quote(sid, safe='')}:{value:g}" for sid, value in rate.items())
