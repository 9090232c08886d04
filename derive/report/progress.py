"""A one-line progress indicator on stderr, for long runs at a terminal only.

Nothing is written unless the stream is a terminal and the run has already
taken longer than ``delay`` seconds: short runs, pipes and CI logs stay clean.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO


class Progress:
    """``with Progress(total=len(paths)) as progress: progress.advance(path)``."""

    def __init__(self, total: int, *, stream: IO[str] | None = None, delay: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.stream = sys.stderr if stream is None else stream
        self.delay = delay
        self.clock = clock
        self.done = 0
        self._started = clock()
        self._width = 0  # characters on the line now, to blank it out afterwards
        isatty = getattr(self.stream, "isatty", None)
        try:
            self.enabled = bool(isatty()) if callable(isatty) else False
        except (ValueError, OSError):
            self.enabled = False

    def advance(self, label: str = "") -> None:
        """One more item done; ``label`` names the one being worked on next."""
        self.done += 1
        if not self.enabled or self.clock() - self._started < self.delay:
            return
        text = f"derive: {self.done}/{self.total} {label}".rstrip()
        columns = 79
        if len(text) > columns:
            text = text[: columns - 1] + "…"
        padding = " " * max(self._width - len(text), 0)
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
