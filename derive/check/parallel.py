"""Run claim jobs side by side: ``derive check -j N``.

A job is a call ``fn(*args)`` that returns JSON-able data.  With one job slot the call runs
here, at once.  With N slots each job runs in a forked child (which inherits the parsed
claims, so nothing is sent to it) and sends its result back as JSON through a pipe; at most
N children run at a time and the caller's ``on_done`` gets each result in the parent.  A
child's own work keeps its per-claim deadline (``derive.verify.worker``); the parent
additionally stops a child that outlives ``guard_seconds`` and reports None for it, as for a
child that dies.  Results never depend on N: each job is the same call, only elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from derive.timelimit import _die_with_parent

Done = Callable[[Any], None]


def usable_cores() -> int:
    """The cores this process may run on (its affinity), at least 1."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13
    if count is not None:
        return max(int(count() or 1), 1)
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


@dataclass
class _Child:
    pid: int
    fd: int
    deadline: float
    on_done: Done
    chunks: list[bytes] = field(default_factory=list)


class JobRunner:
    """At most ``jobs`` jobs at a time; ``submit`` queues, ``wait`` runs them all."""

    def __init__(self, jobs: int = 1, *, guard_seconds: float = 60.0) -> None:
        self.jobs = max(int(jobs), 1)
        self.guard_seconds = guard_seconds
        self._queue: deque[tuple[Callable[..., Any], tuple[Any, ...], Done]] = deque()
        self._running: dict[int, _Child] = {}

    @property
    def parallel(self) -> bool:
        return self.jobs > 1 and hasattr(os, "fork")

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...], on_done: Done) -> None:
        if not self.parallel:
            on_done(fn(*args))
            return
        self._queue.append((fn, args, on_done))
        self.poll()

    def poll(self) -> None:
        """Start queued jobs in free slots and collect finished ones, without waiting."""
        self._start_free()
        self._collect(timeout=0.0)
        self._start_free()

    def wait(self) -> None:
        """Run every queued job to its end."""
        while self._queue or self._running:
            self._start_free()
            self._collect(timeout=None)

    def _start_free(self) -> None:
        while self._queue and len(self._running) < self.jobs:
            fn, args, on_done = self._queue.popleft()
            self._fork(fn, args, on_done)

    def _fork(self, fn: Callable[..., Any], args: tuple[Any, ...], on_done: Done) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never return into the caller's stack
            status = 1
            try:
                os.close(read_end)
                _die_with_parent()
                payload = json.dumps(fn(*args), separators=(",", ":")).encode("utf-8")
                view = memoryview(payload)
                while view:
                    view = view[os.write(write_end, view):]
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        os.set_blocking(read_end, False)
        deadline = time.monotonic() + self.guard_seconds
        self._running[read_end] = _Child(pid, read_end, deadline, on_done)

    def _collect(self, timeout: float | None) -> None:
        if not self._running:
            return
        now = time.monotonic()
        earliest = min(child.deadline for child in self._running.values())
        wait = max(earliest - now, 0.0) if timeout is None else timeout
        ready, _, _ = select.select(list(self._running), [], [], wait)
        for fd in ready:
            child = self._running[fd]
            while True:
                try:
                    chunk = os.read(fd, 1 << 16)
                except BlockingIOError:
                    break
                if not chunk:
                    self._finish(child, stopped=False)
                    break
                child.chunks.append(chunk)
        now = time.monotonic()
        for child in [c for c in self._running.values() if c.deadline <= now]:
            self._finish(child, stopped=True)

    def _finish(self, child: _Child, *, stopped: bool) -> None:
        del self._running[child.fd]
        os.close(child.fd)
        if stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
        _, status = os.waitpid(child.pid, 0)
        result = None
        if not stopped and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            try:
                result = json.loads(b"".join(child.chunks).decode("utf-8"))
            except ValueError:
                result = None
        child.on_done(result)

    def close(self) -> None:
        """Stop every child still running (an interrupted run)."""
        for child in list(self._running.values()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(child.pid, 0)
            os.close(child.fd)
        self._running.clear()
        self._queue.clear()
