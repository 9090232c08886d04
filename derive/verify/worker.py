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
from typing import Any

from derive.model import Evidence, Outcome, Stage, Verdict, VerifySettings
from derive.timelimit import TimeLimitExceeded, WorkerDied, run_with_alarm, run_with_time_limit
from derive.verify.budget import claim_deadline, enter_claim

#: The parent waits this long past the deadline before it kills the worker.
GRACE_SECONDS = 0.5

def run_claim(
    fn: Callable[..., Outcome], *args: Any, settings: VerifySettings
) -> Outcome:
    """``fn(*args)`` as one claim: in a fresh worker, or inline when already inside one
    (a nested call shares the running claim's deadline instead of starting its own)."""
    if claim_deadline() is not None:
        return fn(*args)
    limit = settings.time_limit
    try:
        return run_with_time_limit(
            _worker_main, fn, args, limit,
            seconds=limit + GRACE_SECONDS, memory_bytes=settings.memory_limit,
        )
    except TimeLimitExceeded:
        return stopped(limit, killed=True)
    except WorkerDied:
        return Outcome(Verdict.UNKNOWN, Evidence(
            method=Stage.STOPPED,
            detail=(
                f"the claim's worker ended without a result (the memory limit of "
                f"{settings.memory_limit // 2**20} MiB is the likely cause)"
            ),
        ))


def stopped(limit: float, *, killed: bool = False) -> Outcome:
    how = "stopped at its deadline" if killed else "interrupted at its deadline"
    return Outcome(Verdict.UNKNOWN, Evidence(
        method=Stage.TIMEOUT,
        detail=f"the claim did not finish within the time limit of {limit:g} s ({how})",
    ))


def _worker_main(fn: Callable[..., Outcome], args: tuple[Any, ...], limit: float) -> Outcome:
    enter_claim(limit)
    try:
        return run_with_alarm(fn, args, limit)
    except TimeLimitExceeded:
        return stopped(limit)
    except RecursionError:
        return Outcome(Verdict.UNKNOWN, Evidence(
            method=Stage.INTERNAL, detail="the expression is nested too deeply to verify",
        ))
    except MemoryError:
        return Outcome(Verdict.UNKNOWN, Evidence(
            method=Stage.INTERNAL, detail="verifying the claim ran out of memory",
        ))
    except Exception as error:  # noqa: BLE001 - reported as this claim's outcome
        message = str(error)
        if len(message) > 200:
            message = message[:200] + "..."
        return Outcome(Verdict.UNKNOWN, Evidence(
            method=Stage.INTERNAL,
            detail=f"internal error while verifying: {type(error).__name__}: {message}",
        ))
