"""One claim, one worker, one deadline.

Everything a claim does (definitions, ``doit``, the numeric screen, the symbolic
stages, sampling, hints, the doubt rules) runs in one forked child.  Inside it, stages
share the claim's deadline through ``Budget`` and are interrupted by SIGALRM; the
parent kills the child ``GRACE_SECONDS`` after the deadline, which also stops a long C
call (GMP powers, huge factorials) that no signal can interrupt.  The child's address
space is capped and it dies with its parent.  Whatever happens inside, the caller gets
an ``Outcome``: one bad claim never costs the rest of the document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from derive.model import Evidence, Outcome, Stage, Verdict, VerifySettings
from derive.timelimit import TimeLimitExceeded, WorkerDied, run_with_alarm, run_with_time_limit
from derive.verify.budget import claim_deadline, enter_claim

T = TypeVar("T")

#: The parent waits this long past the deadline before it kills the worker.
GRACE_SECONDS = 0.5

def run_claim(
    fn: Callable[..., Outcome], *args: Any, settings: VerifySettings
) -> Outcome:
    """``fn(*args)`` as one claim: in a fresh worker, or inline when already inside one
    (a nested call shares the running claim's deadline instead of starting its own)."""
    return run_isolated(fn, *args, settings=settings, on_failure=_same)


def run_isolated(
    fn: Callable[..., T], *args: Any, settings: VerifySettings,
    on_failure: Callable[[Outcome], T],
) -> T:
    """Like ``run_claim`` for any result: ``on_failure`` turns the outcome of a claim that
    was stopped, ran out of memory or failed inside into the caller's result type."""
    if claim_deadline() is not None:
        return fn(*args)
    limit = settings.time_limit
    try:
        result: T | _Failed = run_with_time_limit(
            _worker_main, fn, args, limit,
            seconds=limit + GRACE_SECONDS, memory_bytes=settings.memory_limit,
        )
    except TimeLimitExceeded:
        return on_failure(stopped(limit, killed=True))
    except WorkerDied:
        return on_failure(Outcome(Verdict.UNKNOWN, Evidence(
            method=Stage.STOPPED,
            detail=(
                f"the claim's worker ended without a result (the memory limit of "
                f"{settings.memory_limit // 2**20} MiB is the likely cause)"
            ),
        )))
    if isinstance(result, _Failed):
        return on_failure(result.outcome)
    return result


def _same(outcome: Outcome) -> Outcome:
    return outcome


class _Failed:
    """What the worker sends back when ``fn`` did not finish (pickled to the parent)."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def stopped(limit: float, *, killed: bool = False) -> Outcome:
    how = "stopped at its deadline" if killed else "interrupted at its deadline"
    return Outcome(Verdict.UNKNOWN, Evidence(
        method=Stage.TIMEOUT,
        detail=f"the claim did not finish within the time limit of {limit:g} s ({how})",
    ))


def _worker_main(fn: Callable[..., T], args: tuple[Any, ...], limit: float) -> T | _Failed:
    enter_claim(limit)
    try:
        return run_with_alarm(fn, args, limit)
    except TimeLimitExceeded:
        return _Failed(stopped(limit))
    except RecursionError:
        return _Failed(Outcome(Verdict.UNKNOWN, Evidence(
            method=Stage.INTERNAL, detail="the expression is nested too deeply to verify",
        )))
    except MemoryError:
        return _Failed(Outcome(Verdict.UNKNOWN, Evidence(
            method=Stage.INTERNAL, detail="verifying the claim ran out of memory",
        )))
    except Exception as error:  # noqa: BLE001 - reported as this claim's outcome
        message = str(error)
        if len(message) > 200:
            message = message[:200] + "..."
        return _Failed(Outcome(Verdict.UNKNOWN, Evidence(
            method=Stage.INTERNAL,
            detail=f"internal error while verifying: {type(error).__name__}: {message}",
        )))
