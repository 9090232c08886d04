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

import functools
import inspect
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sympy as sp

from derive.model import Evidence, Outcome, Stage, Verdict, VerifySettings
from derive.timelimit import TimeLimitExceeded, WorkerDied, run_with_alarm, run_with_time_limit
from derive.verify.budget import (
    claim_deadline,
    deadline_hit,
    enter_claim,
    leave_claim,
    reset_deadline_hit,
)

T = TypeVar("T")

#: The parent waits this long past the deadline before it kills the worker.
GRACE_SECONDS = 0.5

def run_claim(
    fn: Callable[..., Outcome], *args: Any, settings: VerifySettings,
    small: Sequence[object] = (),
) -> Outcome:
    """``fn(*args)`` as one claim: in a fresh worker, or inline when already inside one
    (a nested call shares the running claim's deadline instead of starting its own).
    ``small``: the claim's expressions, for the fast path (see ``run_isolated``)."""
    return run_isolated(fn, *args, settings=settings, on_failure=_same, small=small)


#: The fast path's budget: a small claim proved within it never needs a worker.
FAST_SECONDS = 0.25
#: Largest claim (SymPy tree nodes over all its expressions) that may take the fast path.
FAST_NODES = 1000
#: Highest derivative order, and largest integer exponent, of a claim on the fast path.
FAST_ORDER, FAST_EXPONENT = 4, 64


def is_small(exprs: Sequence[object]) -> bool:
    """Small enough that no single SymPy call on it can run long: few nodes, no integrals,
    limits or sums, low derivative orders, small integer exponents."""
    nodes = 0
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            return False
        for node in sp.preorder_traversal(expr):
            nodes += 1
            if nodes > FAST_NODES or isinstance(node, _SLOW):
                return False
            if isinstance(node, sp.Derivative) and node.derivative_count > FAST_ORDER:
                return False
            if isinstance(node, sp.Integer) and abs(int(node)) > 10**FAST_EXPONENT:
                return False
            if isinstance(node, sp.Pow) and node.exp.is_Integer and abs(node.exp) > FAST_EXPONENT:
                return False
    return bool(exprs)


_SLOW = (sp.Integral, sp.Limit, sp.Sum, sp.Product, sp.Subs, sp.factorial, sp.gamma)


F = TypeVar("F", bound=Callable[..., Outcome])


def runs_as_claim(*expressions: str) -> Callable[[F], F]:
    """Make a ``verify_*`` function run as one claim (``run_claim``).  ``expressions`` name
    its parameters that hold the claim's expressions; with the bodies of its
    ``definitions`` they decide the fast path.  The body stays reachable as ``__wrapped__``.
    """

    def decorate(body: F) -> F:
        signature = inspect.signature(body)

        @functools.wraps(body)
        def as_claim(*args: Any, **kwargs: Any) -> Outcome:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            values = bound.arguments
            small = [values[name] for name in expressions]
            small += [definition.body for definition in values.get("definitions", ())]
            return run_claim(
                functools.partial(body, *args, **kwargs), settings=values["settings"],
                small=small,
            )

        return as_claim  # type: ignore[return-value]

    return decorate


def run_isolated(
    fn: Callable[..., T], *args: Any, settings: VerifySettings,
    on_failure: Callable[[Outcome], T],
    small: Sequence[object] = (),
) -> T:
    """Like ``run_claim`` for any result: ``on_failure`` turns the outcome of a claim that
    was stopped, ran out of memory or failed inside into the caller's result type.

    The fast path: a small claim (``is_small(small)``) first runs in this process under an
    alarm of ``FAST_SECONDS`` (its SymPy calls are too small to block in C), keeping the
    warm cache and saving the fork.  Its result is kept only when no budget of the claim
    ran out on the way (the result any longer deadline would give, so output never
    depends on the machine's speed); otherwise a worker decides with the full deadline.
    """
    if claim_deadline() is not None:
        return fn(*args)
    limit = settings.time_limit
    fast = min(FAST_SECONDS, limit / 4)
    if small and threading.current_thread() is threading.main_thread() and is_small(small):
        started = time.monotonic()
        try:
            inline = _run_inline(fn, args, fast)
        except Exception:  # noqa: BLE001 - anything odd: the worker decides, and reports it
            inline = None
        if inline is not None:
            return inline
        limit = max(limit - (time.monotonic() - started), fast)
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


def _run_inline(fn: Callable[..., T], args: tuple[Any, ...], seconds: float) -> T | None:
    """``fn(*args)`` here, as a claim with a deadline of ``seconds``; None if it ran out."""
    enter_claim(seconds)
    reset_deadline_hit()
    try:
        result = run_with_alarm(fn, args, seconds)
    except TimeLimitExceeded:
        return None
    finally:
        leave_claim()
    return None if deadline_hit() else result


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
