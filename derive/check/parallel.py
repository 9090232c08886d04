"""Run claim jobs side by side: ``derive check -j N``.

A job is a call ``fn(obj)`` of a registered function on a registered object (a claim) that
returns JSON-able data.  With one slot the call runs here, at once.  With N slots, N worker
processes are forked once the first job is awaited, after every document has been read:
they inherit the parsed claims (nothing is pickled to them), receive ``[function, index]``
lines and answer with one JSON line per job; warm SymPy caches and imports stay in each
worker from one claim to the next.  Each job keeps its per-claim deadline
(``derive.verify.worker``); the parent also stops a worker whose job outlives
``guard_seconds`` (the job then gets None, as for a worker that died) and forks a new one.
Results never depend on N: every job is the same call, only elsewhere.
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
from dataclasses import dataclass
from typing import Any

from derive.timelimit import _die_with_parent

Done = Callable[[Any], None]
Job = Callable[[Any], Any]


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
class _Worker:
    pid: int
    tasks: int  # write end: job lines to the worker
    results: int  # read end: result lines from the worker
    buffer: bytes = b""
    busy: tuple[Done, float] | None = None  # the running job's callback and guard deadline


class JobRunner:
    """At most ``jobs`` jobs at a time; ``submit`` queues, ``wait`` runs them all."""

    def __init__(self, jobs: int = 1, *, guard_seconds: float = 60.0) -> None:
        self.jobs = max(int(jobs), 1)
        self.guard_seconds = guard_seconds
        self._functions: dict[str, Job] = {}
        self._objects: list[Any] = []
        self._index: dict[int, int] = {}  # id(object) -> its index in _objects
        #: objects every worker inherited (those registered before the first fork)
        self._sealed: int | None = None
        self._inherited: set[str] = set()  # functions every worker inherited
        self._queue: deque[tuple[str, int, Done]] = deque()
        self._workers: list[_Worker] = []

    @property
    def parallel(self) -> bool:
        return self.jobs > 1 and hasattr(os, "fork")

    def submit(self, fn: Job, obj: Any, on_done: Done) -> None:
        """``on_done(fn(obj))``, now (one slot) or during ``wait``; ``fn`` (a function or
        bound method, one per name) must return JSON-able data."""
        if not self.parallel:
            on_done(fn(obj))
            return
        name = self.register(fn)
        index = self._index.get(id(obj))
        if index is None:
            index = len(self._objects)
            self._objects.append(obj)
            self._index[id(obj)] = index
        if self._functions.get(name) != fn or name not in self._inherited \
                or (self._sealed is not None and index >= self._sealed):
            on_done(fn(obj))  # the workers never saw it: here, not elsewhere
            return
        self._queue.append((name, index, on_done))

    def register(self, fn: Job) -> str:
        """Make ``fn`` known to workers forked from now on (``submit`` does it too); its
        name in the messages to them."""
        name = f"{fn.__module__}.{fn.__qualname__}"
        self._functions.setdefault(name, fn)
        if self._sealed is None:
            self._inherited.add(name)
        return name

    def wait(self) -> None:
        """Run every queued job to its end (and jobs their callbacks submit)."""
        while self._queue or any(w.busy for w in self._workers):
            self._dispatch()
            self._collect()

    # -- workers ----------------------------------------------------------------------

    def _dispatch(self) -> None:
        while self._queue:
            idle = next((w for w in self._workers if w.busy is None), None)
            if idle is None and len(self._workers) < self.jobs:
                idle = self._fork()
            if idle is None:
                return
            name, index, on_done = self._queue.popleft()
            try:
                _write_all(idle.tasks, json.dumps([name, index]).encode() + b"\n")
            except OSError:  # the worker is gone: the job goes back, the worker away
                self._queue.appendleft((name, index, on_done))
                self._retire(idle)
                continue
            idle.busy = (on_done, time.monotonic() + self.guard_seconds)

    def _fork(self) -> _Worker:
        if self._sealed is None:
            self._sealed = len(self._objects)
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the caller's stack
            status = 1
            try:
                os.close(task_write)
                os.close(result_read)
                for other in self._workers:  # the parent's ends of the other workers
                    os.close(other.tasks)
                    os.close(other.results)
                _die_with_parent()
                self._serve(task_read, result_write)
                status = 0
            finally:
                os._exit(status)
        os.close(task_read)
        os.close(result_write)
        worker = _Worker(pid, task_write, result_read)
        self._workers.append(worker)
        return worker

    def _serve(self, tasks: int, results: int) -> None:
        with os.fdopen(tasks, "rb") as lines:
            for line in lines:
                name, index = json.loads(line)
                try:
                    result = self._functions[name](self._objects[index])
                except Exception:  # noqa: BLE001 - the job counts as failed (None)
                    result = None
                _write_all(results, json.dumps(result, separators=(",", ":")).encode() + b"\n")

    def _collect(self) -> None:
        busy = [w for w in self._workers if w.busy is not None]
        if not busy:
            return
        earliest = min(w.busy[1] for w in busy if w.busy is not None)
        # a guard far away (--time-limit 1e300) waits in steps select can count
        wait = min(max(earliest - time.monotonic(), 0.0), 3600.0)
        ready, _, _ = select.select([w.results for w in busy], [], [], wait)
        for worker in [w for w in busy if w.results in ready]:
            chunk = os.read(worker.results, 1 << 16)
            if not chunk:  # the worker died during its job
                self._fail(worker)
                continue
            worker.buffer += chunk
            while b"\n" in worker.buffer and worker.busy is not None:
                line, worker.buffer = worker.buffer.split(b"\n", 1)
                on_done, _ = worker.busy
                worker.busy = None
                try:
                    result = json.loads(line)
                except ValueError:
                    result = None
                on_done(result)
        now = time.monotonic()
        for worker in [w for w in self._workers if w.busy is not None and w.busy[1] <= now]:
            self._fail(worker)

    def _fail(self, worker: _Worker) -> None:
        """The worker's job gets None; the worker is stopped (a new one forks on demand)."""
        busy = worker.busy
        worker.busy = None
        self._retire(worker)
        if busy is not None:
            busy[0](None)

    def _retire(self, worker: _Worker) -> None:
        self._workers.remove(worker)
        with contextlib.suppress(OSError):
            os.close(worker.tasks)
        with contextlib.suppress(OSError):
            os.close(worker.results)
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(worker.pid, 0)

    def close(self) -> None:
        """Stop every worker (the run is over, or interrupted)."""
        for worker in list(self._workers):
            self._retire(worker)
        self._queue.clear()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
