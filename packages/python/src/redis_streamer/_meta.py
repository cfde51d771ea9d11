"""GraphQL over HTTP (``POST /graphql``): stream lists, ``XINFO`` details and metadata."""

from __future__ import annotations

import base64
import datetime as _dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _http
from ._urls import http_base, query_string
from .auth import Auth, TokenIn
from .errors import GraphQLError, RedisStreamerError, http_error

__all__ = ["StreamInfo", "graphql", "sids", "streams", "stream", "set_meta", "delete_stream"]

_FIELDS = (
    "sid entriesAdded length groups radixTreeKeys radixTreeNodes firstEntryId firstEntryTime "
    "lastEntryId lastEntryTime lastGeneratedId maxDeletedEntryId recordedFirstEntryId error meta"
)
_DATA_FIELDS = " firstEntryData lastEntryData"


@dataclass
class StreamInfo:
    """One stream as GraphQL ``Stream`` describes it (``XINFO STREAM``, plus its metadata).

    Counters are None and ``error`` holds XINFO's message for a sid that has no stream (only
    metadata) or is not a stream. ``first_entry_data`` / ``last_entry_data`` are filled only when
    asked for (``with_data=True``)."""

    sid: str
    length: int | None = None
    entries_added: int | None = None
    groups: int | None = None
    radix_tree_keys: int | None = None
    radix_tree_nodes: int | None = None
    first_entry_id: str | None = None
    first_entry_time: _dt.datetime | None = None
    last_entry_id: str | None = None
    last_entry_time: _dt.datetime | None = None
    last_generated_id: str | None = None
    max_deleted_entry_id: str | None = None
    recorded_first_entry_id: str | None = None
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    first_entry_data: bytes | None = None
    last_entry_data: bytes | None = None

    @classmethod
    def from_graphql(cls, item: dict[str, Any]) -> StreamInfo:
        def count(name: str) -> int | None:
            value = item.get(name)
            return int(value) if value is not None else None

        def when(name: str) -> _dt.datetime | None:
            value = item.get(name)
            return _dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

        def data(name: str) -> bytes | None:
            value = item.get(name)
            return base64.b64decode(value) if value is not None else None

        return cls(
            sid=item["sid"],
            length=count("length"),
            entries_added=count("entriesAdded"),
            groups=count("groups"),
            radix_tree_keys=count("radixTreeKeys"),
            radix_tree_nodes=count("radixTreeNodes"),
            first_entry_id=item.get("firstEntryId"),
            first_entry_time=when("firstEntryTime"),
            last_entry_id=item.get("lastEntryId"),
            last_entry_time=when("lastEntryTime"),
            last_generated_id=item.get("lastGeneratedId"),
            max_deleted_entry_id=item.get("maxDeletedEntryId"),
            recorded_first_entry_id=item.get("recordedFirstEntryId"),
            error=item.get("error"),
            meta=item.get("meta") or {},
            first_entry_data=data("firstEntryData"),
            last_entry_data=data("lastEntryData"),
        )


def graphql(
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    url: str | None = None,
    token: str | None = None,
    token_in: TokenIn = "header",
) -> dict[str, Any]:
    """Runs any GraphQL query or mutation over HTTP; returns ``data``, raises ``GraphQLError``
    with the first error's ``extensions.code`` (``FORBIDDEN``, ``UNAUTHENTICATED``,
    ``BAD_USER_INPUT``…)."""
    auth = Auth(token, token_in)
    target = f"{http_base(url)}/graphql" + query_string({"access_token": auth.query()})
    res = _http.request(
        "POST",
        target,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            **auth.headers(),
        },
        body=json.dumps({"query": query, "variables": variables or {}}).encode(),
    )
    try:
        answer = json.loads(res.body)
    except ValueError:
        raise http_error(f"POST {target}", res.status, res.body) from None
    if not isinstance(answer, dict):
        raise http_error(f"POST {target}", res.status, res.body)
    if answer.get("errors"):
        raise GraphQLError(answer["errors"], res.status)
    if "error" in answer or answer.get("data") is None:
        raise http_error(f"POST {target}", res.status, res.body)
    return answer["data"]  # type: ignore[no-any-return]


def sids(
    search_meta: bool = False,
    *,
    url: str | None = None,
    token: str | None = None,
    token_in: TokenIn = "header",
) -> list[str]:
    """Every stream id, sorted; with ``search_meta`` also sids that only have metadata."""
    data = graphql(
        "query Sids($m: Boolean) { sids(searchMeta: $m) }",
        {"m": search_meta},
        url=url,
        token=token,
        token_in=token_in,
    )
    return list(data["sids"])


def streams(
    sids: Sequence[str] | None = None,
    *,
    with_data: bool = False,
    url: str | None = None,
    token: str | None = None,
    token_in: TokenIn = "header",
) -> list[StreamInfo]:
    """Every stream (and metadata-only sid), or the ones named, with ``XINFO`` and metadata."""
    data = graphql(
        f"query Streams($sids: [String!]) {{ streams(sids: $sids) {{ {_FIELDS}"
        f"{_DATA_FIELDS if with_data else ''} }} }}",
        {"sids": list(sids) if sids is not None else None},
        url=url,
        token=token,
        token_in=token_in,
    )
    return [StreamInfo.from_graphql(item) for item in data["streams"]]


def stream(
    sid: str,
    *,
    with_data: bool = False,
    url: str | None = None,
    token: str | None = None,
    token_in: TokenIn = "header",
) -> StreamInfo:
    """One stream's ``XINFO`` and metadata (``error`` set when it does not exist)."""
    data = graphql(
        f"query Stream($sid: String!) {{ stream(sid: $sid) {{ {_FIELDS}"
        f"{_DATA_FIELDS if with_data else ''} }} }}",
        {"sid": sid},
        url=url,
        token=token,
        token_in=token_in,
    )
    return StreamInfo.from_graphql(data["stream"])


def set_meta(
    sid: str,
    meta: dict[str, Any],
    update: bool = False,
    *,
    url: str | None = None,
    token: str | None = None,
    token_in: TokenIn = "header",
) -> bool:
    """Sets a stream's metadata (a JSON object); ``update`` shallow-merges into what is there."""
    if not isinstance(meta, dict):
        raise RedisStreamerError("meta must be a dict (a JSON object)", "BAD_REQUEST")
    data = graphql(
        "mutation Meta($sid: String!, $meta: JSON!, $update: Boolean) "
        "{ streamMeta(sid: $sid, meta: $meta, update: $update) }",
        {"sid": sid, "meta": meta, "update": update},
        url=url,
        token=token,
        token_in=token_in,
    )
    return bool(data["streamMeta"])


def delete_stream(
    sid: str, *, url: str | None = None, token: str | None = None, token_in: TokenIn = "header"
) -> bool:
    """Removes a stream and its metadata; False when neither existed."""
    data = graphql(
        "mutation Delete($sid: String!) { deleteStream(sid: $sid) }",
        {"sid": sid},
        url=url,
        token=token,
        token_in=token_in,
    )
    return bool(data["deleteStream"])
