"""run_with_time_limit: results, exceptions and hard deadlines (fork, alarm and thread paths)."""

from __future__ import annotations

import os
import pickle
import threading
import time

import pytest

from derive import timelimit
from derive.timelimit import TimeLimitExceeded, run_with_time_limit


def sleep_forever() -> None:
    time.sleep(3600)


def busy_loop() -> int:
    total = 0
    while True:  # pure Python, never returns: only a kill or a signal stops it
        total += 1


def fail(message: str) -> None:
    raise ValueError(message)


def test_returns_the_result() -> None:
    assert run_with_time_limit(pow, 2, 10, seconds=10) == 1024


def test_returns_large_results_through_the_pipe() -> None:
    # Larger than a pipe buffer: the parent must read while the child writes.
    result = run_with_time_limit(lambda n: "x" * n, 1_000_000, seconds=10)
    assert result == "x" * 1_000_000


def test_reraises_the_exception_of_the_function() -> None:
    with pytest.raises(ValueError, match="bad input"):
        run_with_time_limit(fail, "bad input", seconds=10)


def test_sleeping_function_is_stopped() -> None:
    with pytest.raises(TimeLimitExceeded):
        run_with_time_limit(sleep_forever, seconds=0.2)


def test_busy_loop_is_stopped() -> None:
    with pytest.raises(TimeLimitExceeded):
        run_with_time_limit(busy_loop, seconds=0.2)


def test_non_positive_limit_is_exceeded_at_once() -> None:
    with pytest.raises(TimeLimitExceeded):
        run_with_time_limit(pow, 2, 3, seconds=0)


def test_unpicklable_result_is_reported() -> None:
    with pytest.raises(RuntimeError, match="while returning a result"):
        run_with_time_limit(threading.Lock, seconds=10)


def test_exception_is_picklable() -> None:
    error = pickle.loads(pickle.dumps(TimeLimitExceeded(1.5)))
    assert isinstance(error, TimeLimitExceeded)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork path only")
def test_side_effects_stay_in_the_child() -> None:
    seen: list[int] = []
    run_with_time_limit(seen.append, 1, seconds=10)
    assert seen == []


def test_alarm_fallback_without_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(timelimit.signal, "setitimer"):
        pytest.skip("no setitimer on this platform")
    monkeypatch.delattr(timelimit.os, "fork", raising=False)
    seen: list[int] = []
    run_with_time_limit(seen.append, 1, seconds=10)
    assert seen == [1]  # ran in this process
    with pytest.raises(TimeLimitExceeded):
        run_with_time_limit(busy_loop, seconds=0.2)


def test_thread_fallback() -> None:
    assert timelimit._run_in_thread(pow, (3, 3), 10) == 27
    with pytest.raises(ValueError):
        timelimit._run_in_thread(fail, ("x",), 10)
    stop = threading.Event()
    with pytest.raises(TimeLimitExceeded):
        timelimit._run_in_thread(stop.wait, (3600,), 0.2)
    stop.set()  # let the abandoned thread end


class _SlowToDelete:
    def __del__(self) -> None:  # an alarm landing here is swallowed by Python
        end = time.monotonic() + 0.005
        while time.monotonic() < end:
            pass


def _churn_forever() -> None:
    while True:
        _SlowToDelete()
        end = time.monotonic() + 0.005
        while time.monotonic() < end:
            pass


def test_an_alarm_swallowed_in_a_destructor_fires_again() -> None:
    with pytest.raises(timelimit.TimeLimitExceeded):
        timelimit.run_with_alarm(_churn_forever, (), 0.05)


def _busy_with_handlers() -> None:
    while True:
        try:
            try:
                raise ValueError("inner")
            finally:
                end = time.monotonic() + 0.0005
                while time.monotonic() < end:
                    pass
        except ValueError:
            end = time.monotonic() + 0.0005
            while time.monotonic() < end:
                pass


def test_only_the_time_limit_escapes_however_the_alarm_lands() -> None:
    # alarms landing in finally blocks and handlers, many times over: never a bare _Alarm
    for _ in range(100):
        with pytest.raises(timelimit.TimeLimitExceeded):
            timelimit.run_with_alarm(_busy_with_handlers, (), 0.003)


def test_an_alarm_pending_as_the_handler_is_installed_does_not_escape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The outer deadline's alarm, already pending (getitimer says 0), runs the handler
    installed at the moment Python gets to it: right after ``signal.signal`` here.  It
    must end as TimeLimitExceeded with the handler restored and the timer disarmed (it
    once escaped as a bare _Alarm and left the handler armed; found by tests/fuzz.py)."""
    import signal as real_signal
    import types

    original = real_signal.getsignal(real_signal.SIGALRM)

    def signal_then_alarm(signum: int, handler: object) -> object:
        previous = real_signal.signal(signum, handler)  # type: ignore[arg-type]
        if signum == real_signal.SIGALRM and callable(handler) and handler is not original:
            handler(signum, None)  # the pending alarm, delivered now
        return previous

    proxy = types.SimpleNamespace(**{
        name: getattr(real_signal, name) for name in dir(real_signal) if not name.startswith("_")
    })
    proxy.signal = signal_then_alarm
    monkeypatch.setattr(timelimit, "signal", proxy)
    try:
        with pytest.raises(timelimit.TimeLimitExceeded):
            timelimit.run_with_alarm(lambda: 1, (), 5.0)
    finally:
        assert real_signal.getitimer(real_signal.ITIMER_REAL)[0] == 0
        assert real_signal.getsignal(real_signal.SIGALRM) == original
