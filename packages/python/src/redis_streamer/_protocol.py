"""The data path's frames (README "Send" / "Receive"): push headers and bodies, pull batches."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Sequence
from typing import NamedTuple, Union

__all__ = ["Entry", "Payload", "entry_time", "pack_push", "parse_batch_header", "split_batch"]

#: What can be sent as an entry payload (``str`` is sent as UTF-8).
Payload = Union[bytes, bytearray, memoryview, str]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def entry_time(entry_id: str) -> _dt.datetime:
    """The UTC time in an entry id's milliseconds (``1700000000000-0`` → 2023-11-14 22:13:20)."""
    ms = int(entry_id.split("-", 1)[0])
    return _EPOCH + _dt.timedelta(milliseconds=ms)


class Entry(NamedTuple):
    """One stream entry: its stream, Redis entry id (``<ms>-<seq>``), the id's time (UTC) and
    the payload."""

    sid: str
    id: str
    time: _dt.datetime
    data: bytes

    def text(self, errors: str = "replace") -> str:
        """The payload decoded as UTF-8."""
        return self.data.decode("utf-8", errors)

    def json(self) -> object:
        """The payload parsed as JSON (raises ``ValueError`` when it is not)."""
        return json.loads(self.data)


def to_bytes(data: Payload) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"an entry payload must be bytes or str, not {type(data).__name__}")


def pack_push(entries: Sequence[tuple[str | None, Payload]], default_sid: str) -> tuple[str, bytes]:
    """The header text frame and binary frame for ``(sid, payload)`` pairs: cumulative end
    offsets ``[e1, e2, …]`` when no entry names its stream, else ``[[sid, e], …]`` (entries
    without a sid go to ``default_sid``)."""
    buffers = [to_bytes(data) for _, data in entries]
    explicit = any(sid is not None for sid, _ in entries)
    items: list[object] = []
    end = 0
    for (sid, _), buf in zip(entries, buffers):
        end += len(buf)
        items.append([sid or default_sid, end] if explicit else end)
    body = buffers[0] if len(buffers) == 1 else b"".join(buffers)
    return json.dumps(items, separators=(",", ":")), body


def parse_batch_header(value: object) -> list[tuple[str, str, int]]:
    """Checks a pull batch header ``[[sid, entry_id, start_offset], …]``."""
    if not isinstance(value, list):
        raise ValueError("batch header is not a list")
    for item in value:
        if (
            not isinstance(item, list)
            or len(item) != 3
            or not isinstance(item[0], str)
            or not isinstance(item[1], str)
            or not isinstance(item[2], int)
        ):
            raise ValueError("batch header items must be [sid, entry_id, start_offset]")
    return value


def split_batch(header: Iterable[Sequence[object]], body: bytes) -> list[Entry]:
    """The entries of a pull batch (or HTTP GET answer): the header's start offsets cut the body."""
    items = list(header)
    entries: list[Entry] = []
    for i, (sid, entry_id, start) in enumerate(items):
        end = items[i + 1][2] if i + 1 < len(items) else len(body)
        entries.append(
            Entry(str(sid), str(entry_id), entry_time(str(entry_id)), body[start:end])  # type: ignore[misc]
        )
    return entries
