"""Run a function with a hard deadline, even when it is stuck inside SymPy.

Threads cannot be killed and ``signal.setitimer`` cannot interrupt long C calls,
so the default is to fork: the child computes ``fn(*args)`` and sends the pickled
result through a pipe; at the deadline the parent kills it (~3 ms overhead per
call on Linux, and the child inherits SymPy's warm cache).  Where ``fork`` is
unavailable we fall back to an alarm signal (main thread only) and, last, to a
daemon thread that is abandoned at the deadline.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_CHUNK = 1 << 16


class TimeLimitExceeded(Exception):
    """The function did not finish within its time limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"time limit of {seconds:g} s exceeded")
        self.seconds = seconds

    def __reduce__(self) -> tuple[type[TimeLimitExceeded], tuple[float]]:
        return (TimeLimitExceeded, (self.seconds,))


class WorkerDied(RuntimeError):
    """The forked child exited without sending a result (crash, out of memory)."""


def run_with_time_limit(
    fn: Callable[..., T], *args: Any, seconds: float, memory_bytes: int | None = None
) -> T:
    """``fn(*args)``, or TimeLimitExceeded once ``seconds`` have passed.

    Exceptions raised by ``fn`` are re-raised in the caller.  With fork, the
    result and any exception must be picklable, and side effects of ``fn`` stay
    in the child.  ``memory_bytes`` caps the child's extra address space (fork only):
    SymPy raising MemoryError, or GMP aborting, ends the child instead of the machine.
    """
    if seconds <= 0:
        raise TimeLimitExceeded(seconds)
    if hasattr(os, "fork"):
        return _run_forked(fn, args, seconds, memory_bytes)
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return run_with_alarm(fn, args, seconds)
    return _run_in_thread(fn, args, seconds)


def _run_forked(
    fn: Callable[..., T], args: tuple[Any, ...], seconds: float, memory_bytes: int | None
) -> T:
    deadline = time.monotonic() + seconds
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into the caller's stack
        try:
            os.close(read_end)
            _die_with_parent()
            if memory_bytes is not None:
                _limit_memory(memory_bytes)
            _child_main(fn, args, write_end)
        finally:
            os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    finished = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeLimitExceeded(seconds)
            ready, _, _ = select.select([read_end], [], [], remaining)
            if not ready:
                raise TimeLimitExceeded(seconds)
            chunk = os.read(read_end, _CHUNK)
            if not chunk:
                finished = True
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        if not finished:
            _kill(pid)
        os.waitpid(pid, 0)
    if not chunks:
        raise WorkerDied("the time-limited worker exited without a result")
    # safe: the bytes come from our own forked child through a private pipe
    ok, value = pickle.loads(b"".join(chunks))
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def _child_main(fn: Callable[..., Any], args: tuple[Any, ...], write_end: int) -> None:
    try:
        result: tuple[bool, Any] = (True, fn(*args))
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        result = (False, exc)
    try:
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # unpicklable result or exception
        message = f"{type(exc).__name__} while returning a result: {exc}"
        payload = pickle.dumps((False, RuntimeError(message)))
    view = memoryview(payload)
    while view:
        written = os.write(write_end, view)
        view = view[written:]
    os.close(write_end)


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: the kernel kills this child when its parent dies (SIGKILL, SIGTERM, crash),
    so a worker never outlives the run that owns its deadline."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _limit_memory(extra_bytes: int) -> None:
    """Cap the address space at what the child already maps plus ``extra_bytes``."""
    with contextlib.suppress(OSError, ValueError, ImportError):
        import resource

        with open("/proc/self/statm") as handle:
            mapped = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = mapped + extra_bytes
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


#: How soon a swallowed alarm fires again.
_REARM_SECONDS = 0.01


def _quiet_about_alarms(hook: Callable[[Any], object]) -> Callable[[Any], object]:
    """An unraisable-exception hook that stays silent about our own swallowed alarms."""

    def quiet(unraisable: Any) -> object:
        if isinstance(unraisable.exc_value, _Alarm):
            return None
        return hook(unraisable)

    return quiet


class _Alarm(BaseException):
    """Raised by SIGALRM inside ``fn``: a BaseException, so that SymPy's own broad
    ``except Exception`` handlers cannot swallow the deadline."""


def run_with_alarm(fn: Callable[..., T], args: tuple[Any, ...], seconds: float) -> T:
    """``fn(*args)`` in this process, interrupted by SIGALRM after ``seconds``.

    Main thread only.  Nests: an outer alarm is restored (with the time it has left)
    when this one ends.  A long C call is not interrupted; whoever owns this process's
    hard deadline (the parent of a claim worker) stops that.
    """
    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    if outer and outer < seconds:
        seconds = outer

    finished = False

    def on_alarm(signum: int, frame: object) -> None:
        if finished:
            return  # a re-armed alarm that arrives while this call is winding up
        # Re-armed first: an exception raised inside a weakref callback or a __del__ is
        # swallowed by Python ("Exception ignored"), and the deadline must not be lost.
        signal.setitimer(signal.ITIMER_REAL, _REARM_SECONDS)
        raise _Alarm

    previous = signal.getsignal(signal.SIGALRM)
    previous_hook = sys.unraisablehook
    try:
        # Installed inside the try: an alarm already pending (the outer deadline, which
        # getitimer reported as 0) runs whatever handler is installed when Python gets to
        # it; raised before the try, it left this handler installed and armed for good,
        # and the next alarm escaped to the top of the program.
        signal.signal(signal.SIGALRM, on_alarm)
        sys.unraisablehook = _quiet_about_alarms(previous_hook)
        try:
            # Armed inside the try: a very short alarm may fire before fn even starts.
            signal.setitimer(signal.ITIMER_REAL, seconds)
            return fn(*args)
        finally:
            # Disarmed before anything else: an alarm arriving while an _Alarm is being
            # handled must not escape as a second exception.
            finished = True
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Alarm:
        finished = True
        signal.setitimer(signal.ITIMER_REAL, 0)
        raise TimeLimitExceeded(seconds) from None
    finally:
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = previous_hook
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3))


def _run_in_thread(fn: Callable[..., T], args: tuple[Any, ...], seconds: float) -> T:
    """Last resort: the thread cannot be stopped, so it is abandoned (daemon) on timeout."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True, name="derive-time-limit")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeLimitExceeded(seconds)
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]
