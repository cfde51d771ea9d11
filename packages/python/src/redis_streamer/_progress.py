"""The rate line of long CLI runs, on stderr so that stdout stays data."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _mb(n: float) -> str:
    return f"{n / 1048576:.0f}" if n >= 100 * 1048576 else f"{n / 1048576:.2f}"


class Progress:
    """Counts items and bytes. Every ``interval`` seconds writes ``label 3.0s 1200/5000 entries
    | 410.3/s | 0.01 MB | detail`` (on a terminal it rewrites one line); ``stop()`` returns the
    summary ``label: N entries in S s (R entries/s, M MB/s)``."""

    def __init__(
        self,
        label: str,
        unit: str,
        total: int | None = None,
        *,
        live: bool | None = None,
        interval: float = 1.0,
        stream: TextIO | None = None,
    ) -> None:
        self.label, self.unit, self.total = label, unit, total
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.interval = interval
        self.count = 0
        self.bytes = 0
        self.detail = ""
        self.started = self._window_start = self._next_tick = time.monotonic()
        self._window_count = 0
        self._next_tick += interval
        self._dirty = False

    def add(self, n: int, nbytes: int, detail: str | None = None) -> None:
        self.count += n
        self.bytes += nbytes
        self._window_count += n
        if detail is not None:
            self.detail = detail
        now = time.monotonic()
        if now >= self._next_tick:
            self._tick(now)

    def notice(self, line: str) -> None:
        """A message line (stderr) that does not break the live line."""
        self._clear()
        self.stream.write(line + "\n")
        self.stream.flush()

    def clear_line(self) -> None:
        """Before writing to stdout on a terminal: remove the live line."""
        self._clear()

    def stop(self) -> str:
        self._clear()
        seconds = max(time.monotonic() - self.started, 1e-3)
        return (
            f"{self.label}: {self.count} {self.unit} in {seconds:.1f} s "
            f"({self.count / seconds:.1f} {self.unit}/s, {_mb(self.bytes / seconds)} MB/s)"
            + (f", {self.detail}" if self.detail else "")
        )

    def _tick(self, now: float) -> None:
        rate = self._window_count / max(now - self._window_start, 1e-3)
        self._window_start, self._window_count = now, 0
        self._next_tick = now + self.interval
        total = f"/{self.total}" if self.total is not None else ""
        line = (
            f"{self.label} {now - self.started:.1f}s {self.count}{total} {self.unit} "
            f"| {rate:.1f}/s | {_mb(self.bytes)} MB" + (f" | {self.detail}" if self.detail else "")
        )
        if self.live:
            self.stream.write("\r\x1b[2K" + line)
            self._dirty = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _clear(self) -> None:
        if self._dirty:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._dirty = False
