"""HTTP data endpoints: ``GET /data/{sid}`` (with continuation) and ``POST /data/{sid}``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import NamedTuple

from . import _http
from ._protocol import Entry, Payload, parse_batch_header, split_batch, to_bytes
from ._urls import Sids, http_base, query_string, sid_list, sid_segment
from .auth import Auth
from .errors import RedisStreamerError, http_error

__all__ = ["GetResult", "get", "post"]


class GetResult(NamedTuple):
    """Entries read over HTTP, and the ``last_entry_id`` that continues after them (one id per
    stream, joined by ``+``)."""

    entries: list[Entry]
    last_entry_id: str


def get_once(
    url: str | None,
    sids: Sids,
    *,
    last_entry_id: str = "$",
    count: int | None = None,
    latest: bool = False,
    block: int | None = None,
    auth: Auth = Auth(),
) -> GetResult:
    """One ``GET /data/{sid}``: at most ``count`` entries per stream after ``last_entry_id``."""
    target = f"{http_base(url)}/data/{sid_segment(sids)}" + query_string(
        {
            "last_entry_id": last_entry_id,
            "count": count,
            "latest": True if latest else None,
            "block": block,
            "access_token": auth.query(),
        }
    )
    timeout = _http.DEFAULT_TIMEOUT + (block or 0) / 1000
    res = _http.request("GET", target, headers=auth.headers(), timeout=timeout)
    if res.status != 200:
        raise http_error(f"GET {target}", res.status, res.body)
    offsets = res.header("entry-offset")
    cursor = res.header("x-last-entry-id")
    if offsets is None or cursor is None:
        raise RedisStreamerError(
            f"GET {target}: entry-offset or x-last-entry-id header missing", "PROTOCOL"
        )
    return GetResult(split_batch(parse_batch_header(json.loads(offsets)), res.body), cursor)


def start_cursors(sids: list[str], last_entry_id: str) -> dict[str, str]:
    """Each stream's starting cursor from ``last_entry_id``: one id for all, or one per stream
    joined by ``+``."""
    given = last_entry_id.replace(" ", "+").split("+")
    if len(given) not in (1, len(sids)):
        raise ValueError(f"last_entry_id has {len(given)} ids for {len(sids)} streams")
    return {sid: given[0] if len(given) == 1 else given[i] for i, sid in enumerate(sids)}


async def resolve_new_cursors(url: str | None, cursors: dict[str, str], auth: Auth) -> None:
    """Turns ``$`` cursors into the streams' newest ids (``0-0`` for a stream not there yet), so
    that a reconnect resumes from there instead of skipping what came meanwhile."""
    pending = [sid for sid, cursor in cursors.items() if cursor == "$"]
    if not pending:
        return
    answer = await asyncio.to_thread(get_once, url, pending, last_entry_id="$", auth=auth)
    for sid, entry_id in zip(pending, answer.last_entry_id.split("+")):
        cursors[sid] = entry_id


def get(
    sids: Sids,
    *,
    url: str | None = None,
    last_entry_id: str = "$",
    count: int = 1000,
    latest: bool = False,
    block: int | None = None,
    limit: int | None = None,
    follow: bool = True,
    token: str | None = None,
    token_in: str = "header",
) -> GetResult:
    """Reads entries over HTTP (``GET /data/{sid}``), after ``last_entry_id``: ``$`` (default:
    only newer ones), ``0`` (from the beginning), an entry id, or one per stream joined by
    ``+``.

    Each answer carries at most ``count`` entries per stream (and at most the server's
    ``PULL_BATCH_BYTES``); with ``follow`` (default) the next request continues from the
    answer's ``x-last-entry-id`` until one comes back empty, so the result holds everything up
    to now (at most ``limit`` entries, when given). ``block`` (ms) lets the first request wait for
    new entries. ``latest``: only the newest entry of each stream, one request. Pass the
    result's ``last_entry_id`` next time to continue with no gap and no duplicate.
    """
    auth = Auth(token, token_in)  # type: ignore[arg-type]
    entries: list[Entry] = []
    cursor = last_entry_id
    wait = block
    while True:
        per_stream = count if limit is None else max(1, min(count, limit - len(entries)))
        answer = get_once(
            url, sids, last_entry_id=cursor, count=per_stream, latest=latest, block=wait, auth=auth
        )
        entries.extend(answer.entries)
        cursor = answer.last_entry_id
        wait = None
        if (
            not answer.entries
            or latest
            or not follow
            or (limit is not None and len(entries) >= limit)
        ):
            break
    if limit is not None and len(entries) > limit:
        # Several streams may overshoot: keep `limit` and move each cursor back to what is kept.
        entries = entries[:limit]
        cursor = _cursor_after(sid_list(sids), last_entry_id, entries)
    return GetResult(entries, cursor)


def _cursor_after(sids: list[str], start: str, entries: list[Entry]) -> str:
    given = start.split("+")
    cursors = {sid: given[0] if len(given) == 1 else given[i] for i, sid in enumerate(sids)}
    for entry in entries:
        cursors[entry.sid] = entry.id
    return "+".join(cursors[sid] for sid in sids)


def post(
    sids: Sids,
    entries: Payload | Sequence[Payload | tuple[str, Payload]],
    *,
    url: str | None = None,
    token: str | None = None,
    token_in: str = "header",
) -> list[str]:
    """Stores entries over HTTP (``POST /data/{sid}``) and returns their ids, in order.

    One payload (``bytes`` / ``str``) is sent as the raw body; a list is sent as
    ``multipart/form-data``, one part per entry: payloads go to the (single) stream of the URL,
    ``(sid, payload)`` pairs to the named stream (``sids`` = ``"*"`` or the streams joined by
    ``+``).
    """
    auth = Auth(token, token_in)  # type: ignore[arg-type]
    segment = "*" if sids == "*" else sid_segment(sids)
    target = f"{http_base(url)}/data/{segment}" + query_string({"access_token": auth.query()})
    headers = auth.headers()
    if isinstance(entries, (bytes, bytearray, memoryview, str)):
        body = to_bytes(entries)
        headers["Content-Type"] = "application/octet-stream"
    else:
        default = "entry" if sids == "*" else sid_list(sids)[0]
        parts = [
            (e[0], to_bytes(e[1])) if isinstance(e, tuple) else (default, to_bytes(e))
            for e in entries
        ]
        if not parts:
            raise ValueError("post needs at least one entry")
        body, headers["Content-Type"] = _http.multipart(parts)
    res = _http.request("POST", target, headers=headers, body=body)
    if res.status not in (200, 201):
        raise http_error(f"POST {target}", res.status, res.body)
    return [str(i) for i in json.loads(res.body)]
