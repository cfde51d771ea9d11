"""The command-line client, ``python -m redis_streamer``, with the original sample client's
commands and flags (``push_increment``, ``pull_raw``, ``push_image``, ``pull_image``, ``ls``),
plus ``push_file`` / ``pull --out DIR`` to record and replay entries as files, and ``token``.

::

    python -m redis_streamer push_increment counter --max_value 100
    python -m redis_streamer pull_raw counter --last_entry_id 0 --limit 100
    python -m redis_streamer push_image blah --shape '[700,700,3]'
    python -m redis_streamer pull_image blah --latest
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import _meta
from ._progress import Progress
from ._puller import Puller
from ._pusher import Pusher
from ._reconnect import ReconnectEvent
from ._urls import DEFAULT_URL
from .auth import mint_token
from .errors import RedisStreamerError
from .images import jpeg_shape, noise_jpeg, parse_shape


class Run:
    """When a run ends: ``--limit`` items, ``--duration`` seconds; and ``--fps`` pacing on a
    fixed schedule (the average rate holds when one send is slow)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.limit: int | None = getattr(args, "limit", None)
        duration: float | None = getattr(args, "duration", None)
        self.deadline = time.monotonic() + duration if duration else None
        self._next = 0.0

    def finished(self, done: int) -> bool:
        return (self.limit is not None and done >= self.limit) or (
            self.deadline is not None and time.monotonic() >= self.deadline
        )

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    async def pace(self, fps: float | None) -> None:
        if not fps:
            return
        now = time.monotonic()
        if self._next == 0 or now - self._next > 1:
            self._next = now
        self._next += 1 / fps
        wait = self._next - now
        if self.deadline is not None:
            wait = min(wait, self.deadline - now)
        if wait > 0:
            await asyncio.sleep(wait)


def printable(data: bytes) -> str:
    """The payload as text when it is printable UTF-8, else its size and a short hex dump."""
    try:
        text = data.decode("utf-8")
        if not re.search(r"[\x00-\x08\x0e-\x1f\x7f]", text):
            return text if len(text) <= 200 else f"{text[:200]}… ({len(data)} bytes)"
    except UnicodeDecodeError:
        pass
    return f"<{len(data)} bytes: {data[:32].hex()}{'…' if len(data) > 32 else ''}>"


def file_safe(sid: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", sid)


def extension(data: bytes) -> str:
    """A file extension from the payload's first bytes."""
    if data[:2] == b"\xff\xd8":
        return ".jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return ".png"
    head = data[:1].strip() or data.strip()[:1]
    if head in (b"{", b"["):
        return ".json"
    return ".txt" if printable(data) == data.decode("utf-8", "replace") else ".bin"


def natural_key(path: Path) -> list[Any]:
    """Sorts ``cam_1700000000000-9`` before ``cam_1700000000000-10``."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", path.name)]


def connection(args: argparse.Namespace) -> dict[str, Any]:
    return {"token": args.token or None}


def on_reconnect(progress: Progress) -> Callable[[ReconnectEvent], None]:
    def report(event: ReconnectEvent) -> None:
        progress.notice(
            f"connection lost ({event.error}); reconnecting in {event.delay:.2f} s "
            f"(attempt {event.attempt})"
        )

    return report


async def push_loop(
    args: argparse.Namespace,
    label: str,
    unit: str,
    payloads: Callable[[int], bytes | None],
    detail: Callable[[int, bytes, str | None], str],
    total: int | None,
) -> None:
    """Pushes ``payloads(i)`` for i = 0, 1, … until it returns None or the run ends."""
    run = Run(args)
    progress = Progress(label, unit, total, live=None if not args.plain else False)
    pusher = Pusher(
        args.url, args.sid, ack=args.ack, on_reconnect=on_reconnect(progress), **connection(args)
    )
    try:
        await pusher.connect()
        i = 0
        while not run.finished(i):
            data = payloads(i)
            if data is None:
                break
            entry_id = await pusher.send(data)
            progress.add(1, len(data), detail(i, data, entry_id))
            i += 1
            await run.pace(getattr(args, "fps", None))
        await pusher.close()
    finally:
        print(progress.stop(), file=sys.stderr, flush=True)


async def cmd_push_increment(args: argparse.Namespace) -> None:
    limit = min(x for x in (args.max_value, args.limit, sys.maxsize) if x is not None)
    await push_loop(
        args,
        f"push_increment {args.sid}",
        "entries",
        lambda i: str(i).encode() if args.max_value is None or i < args.max_value else None,
        lambda i, _, entry_id: f"last {i}" + (f" ({entry_id})" if entry_id else ""),
        None if limit == sys.maxsize else limit,
    )


async def cmd_push_image(args: argparse.Namespace) -> None:
    shape = args.shape
    print(
        f"push_image {args.sid}: encoding {args.pool} noise frames {list(shape)}…", file=sys.stderr
    )
    pool = [noise_jpeg(shape, args.quality) for _ in range(args.pool)]
    await push_loop(
        args,
        f"push_image {args.sid}",
        "frames",
        lambda i: pool[i % len(pool)],
        lambda _, data, __: f"{list(shape)} {len(data) // 1024} kB",
        args.limit,
    )


async def cmd_push_file(args: argparse.Namespace) -> None:
    files: list[Path] = []
    for name in args.paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted((p for p in path.iterdir() if p.is_file()), key=natural_key))
        elif path.is_file():
            files.append(path)
        else:
            raise RedisStreamerError(f"no such file or directory: {name}", "BAD_REQUEST")
    await push_loop(
        args,
        f"push_file {args.sid}",
        "files",
        lambda i: files[i].read_bytes() if i < len(files) else None,
        lambda i, data, entry_id: f"{files[i].name} {len(data)} B"
        + (f" → {entry_id}" if entry_id else ""),
        len(files) if args.limit is None else min(args.limit, len(files)),
    )


async def pull_loop(
    args: argparse.Namespace,
    label: str,
    unit: str,
    handle: Callable[[Progress, Any], str],
    ack: bool = False,
) -> None:
    """Pulls entries and calls ``handle(progress, entry)`` (returns the detail) until the run ends."""
    run = Run(args)
    progress = Progress(label, unit, args.limit, live=None if not args.plain else False)
    puller = Puller(
        args.url,
        args.sid,
        last_entry_id=args.last_entry_id,
        count=args.count,
        latest=args.latest,
        max_fps=args.max_fps,
        ack=ack,
        on_reconnect=on_reconnect(progress),
        **connection(args),
    )
    try:
        while not run.finished(progress.count):
            try:
                entry = await asyncio.wait_for(puller.__anext__(), run.remaining())
            except (StopAsyncIteration, asyncio.TimeoutError):
                break
            detail = handle(progress, entry)
            progress.add(1, len(entry.data), detail)
    finally:
        await puller.aclose()
        sys.stdout.flush()
        print(progress.stop(), file=sys.stderr, flush=True)


async def cmd_pull_raw(args: argparse.Namespace) -> None:
    out = sys.stdout

    def handle(progress: Progress, entry: Any) -> str:
        progress.clear_line()
        out.write(f"{entry.sid}: {entry.id} | {printable(entry.data)}\n")
        return f"last {entry.id}"

    await pull_loop(args, f"pull_raw {args.sid}", "entries", handle)


async def cmd_pull_image(args: argparse.Namespace) -> None:
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)

    def handle(_: Progress, entry: Any) -> str:
        try:
            shape = str(list(jpeg_shape(entry.data)))
        except ValueError as err:
            shape = f"({err})"
        if out:
            (out / f"{file_safe(entry.sid)}_{entry.id}.jpg").write_bytes(entry.data)
        return f"{shape} {len(entry.data) // 1024} kB, id {entry.id}"

    # With --latest the puller acks each frame once handled, so the server always sends the
    # newest frame and skips those there was no time for.
    await pull_loop(args, f"pull_image {args.sid}", "frames", handle, ack=args.latest)


async def cmd_pull(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def handle(_: Progress, entry: Any) -> str:
        path = out / f"{file_safe(entry.sid)}_{entry.id}{extension(entry.data)}"
        path.write_bytes(entry.data)
        return path.name

    await pull_loop(args, f"pull {args.sid}", "entries", handle)


async def cmd_ls(args: argparse.Namespace) -> None:
    streams = await asyncio.to_thread(_meta.streams, url=args.url, **connection(args))
    rows = [
        [
            s.sid,
            "-" if s.length is None else str(s.length),
            s.last_entry_id or "-",
            s.last_entry_time.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            if s.last_entry_time
            else "-",
            "" if not s.meta else json.dumps(s.meta),
        ]
        for s in streams
    ]
    header = ["sid", "length", "lastEntryId", "lastEntryTime", "meta"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(widths[i]) if i == 1 else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    print(f"{len(streams)} stream{'' if len(streams) == 1 else 's'}")


async def cmd_token(args: argparse.Namespace) -> None:
    secret = os.environ.get("AUTH_JWT_SECRET")
    if not secret:
        raise RedisStreamerError("set AUTH_JWT_SECRET to the server's secret", "BAD_REQUEST")
    print(
        mint_token(
            secret, args.sub, read=args.read, write=args.write, admin=args.admin, ttl=args.ttl
        )
    )


def _positive_int(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}")
        return int(text)

    return parse


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a number > 0")
    return value


def _shape(text: str) -> tuple[int, ...]:
    try:
        return parse_shape(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _flag(p: argparse.ArgumentParser, name: str, **kwargs: Any) -> None:
    """``--snake_name`` (the original's spelling) and ``--dashed-name``."""
    names = [f"--{name}"] + ([f"--{name.replace('_', '-')}"] if "_" in name else [])
    p.add_argument(*names, dest=name, **kwargs)


def _connection_options(suppress: bool) -> argparse.ArgumentParser:
    """``--url``, ``--token``, ``--plain``: before the command, or after it (then without
    defaults of their own, so that they do not undo what was given before the command)."""
    p = argparse.ArgumentParser(add_help=False)

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    p.add_argument(
        "--url",
        default=default(os.environ.get("RS_URL") or DEFAULT_URL),
        help=f"server base URL (default: RS_URL or {DEFAULT_URL})",
    )
    p.add_argument(
        "--token",
        default=default(os.environ.get("RS_TOKEN", "")),
        help="access token, sent as Authorization: Bearer (default: RS_TOKEN)",
    )
    p.add_argument(
        "--plain",
        action="store_true",
        default=default(False),
        help="plain progress lines on a terminal",
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    top = _connection_options(suppress=False)
    common = _connection_options(suppress=True)
    limits = argparse.ArgumentParser(add_help=False)
    _flag(limits, "limit", type=_positive_int(1), help="stop after this many items")
    _flag(limits, "duration", type=_positive, help="stop after this many seconds")
    pulling = argparse.ArgumentParser(add_help=False)
    _flag(
        pulling,
        "last_entry_id",
        default="$",
        help="start after this id: $ (default, only new), 0 (from the beginning) or an entry id",
    )
    _flag(pulling, "count", type=_positive_int(1), help="most entries per batch")
    _flag(pulling, "latest", action="store_true", help="only the newest entry; skip the rest")
    _flag(pulling, "max_fps", type=_positive, help="at most this many batches a second")
    pushing = argparse.ArgumentParser(add_help=False)
    _flag(pushing, "ack", action="store_true", help="wait for each entry id from the server")

    parser = argparse.ArgumentParser(
        prog="python -m redis_streamer",
        description="Push and pull data through a redis-streamer server.",
        parents=[top],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, help: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[common, *parents])

    p = command("push_increment", "push 0, 1, 2, … as text entries", limits, pushing)
    p.add_argument("sid")
    _flag(p, "max_value", type=_positive_int(0), help="push 0 … n-1, then stop")
    _flag(p, "fps", type=_positive, help="entries a second (default: as fast as possible)")
    p.set_defaults(run=cmd_push_increment)

    p = command("pull_raw", 'print every entry as "sid: id | data"', limits, pulling)
    p.add_argument("sid", help="stream id (several joined by +)")
    p.set_defaults(run=cmd_pull_raw)

    p = command("push_image", "push random-noise JPEG images", limits, pushing)
    p.add_argument("sid")
    _flag(p, "shape", type=_shape, default=(100, 100, 3), help="[h,w,3] (RGB) or [h,w] (grey)")
    _flag(p, "fps", type=_positive, default=30.0, help="frames a second (default 30)")
    _flag(p, "quality", type=_positive_int(1), default=80, help="JPEG quality (default 80)")
    _flag(p, "pool", type=_positive_int(1), default=8, help="noise frames encoded up front")
    p.set_defaults(run=cmd_push_image)

    p = command("pull_image", "show each JPEG's shape and the frame rate", limits, pulling)
    p.add_argument("sid", help="stream id (several joined by +)")
    _flag(p, "out", help="write every frame to this directory")
    p.set_defaults(run=cmd_pull_image)

    p = command(
        "push_file", "push files as entries (directories: their files, by name)", limits, pushing
    )
    p.add_argument("sid")
    p.add_argument("paths", nargs="+", metavar="path")
    _flag(p, "fps", type=_positive, help="files a second (default: as fast as possible)")
    p.set_defaults(run=cmd_push_file)

    p = command("pull", "write every entry to a file in --out DIR", limits, pulling)
    p.add_argument("sid", help="stream id (several joined by +)")
    _flag(p, "out", required=True, help="directory for the files (SID_ENTRYID.ext)")
    p.set_defaults(run=cmd_pull)

    p = command("ls", "list the streams (GraphQL)")
    p.set_defaults(run=cmd_ls)

    p = command("token", "print an HS256 JWT signed with AUTH_JWT_SECRET")
    p.add_argument("--sub", required=True, help="who the token is for (claim sub)")
    p.add_argument("--read", action="append", default=[], help="sid glob it may pull (repeatable)")
    p.add_argument("--write", action="append", default=[], help="sid glob it may push (repeatable)")
    p.add_argument("--admin", action="store_true", help="everything, including deleteStream")
    p.add_argument("--ttl", default="1h", help="lifetime: seconds, or 30m, 1h, 7d (default 1h)")
    p.set_defaults(run=cmd_token)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(args.run(args))
    except KeyboardInterrupt:
        sys.exit(130)
    except (RedisStreamerError, ImportError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
