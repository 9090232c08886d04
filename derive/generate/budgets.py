"""How long the build's steps may take, and what running out of time means.

A verdict of ``derive build`` must not depend on how fast the machine is.  Work the
code controls is bounded by counting, never by the clock: the rewrite search by depth
and states (``rewrite.rewrite_to_target``), the verifier by sample points and working
precisions.  What only a clock can bound (a SymPy ``limit`` or ``simplify`` in the
generator; every claim of the verifier) gets a generous number of seconds, and in a
*strict* build running out of them stops the build with ``BuildTimeout`` instead of
writing a different file (a limit left out, a verdict ``unknown``).

The lenient mode (``derive steps`` and the Python API by default) keeps the old
behaviour: the user's time limit, a step that runs out of time is skipped and a claim
that does ends ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from derive.model import Outcome, Stage
from derive.verify.budget import deadline_hit, reset_deadline_hit
from derive.verify.worker import run_isolated

R = TypeVar("R")

#: Seconds of ``derive build`` for each generation step and (unless ``--time-limit``
#: says otherwise) each claim.  The slowest of either measured on a loaded 2-core
#: machine takes about 0.25 s (docs/build-reproducibility.md), so even a machine 100x
#: slower writes the same files.  A build that does run out fails loudly.
BUILD_SECONDS = 60.0


class BuildTimeout(Exception):
    """A step of a strict build ran out of time: its output would depend on the machine."""

    def __init__(self, step: str, seconds: float) -> None:
        super().__init__(
            f"{step} ran out of time ({seconds:g} s); the outputs would depend on machine speed"
        )
        self.step = step
        self.seconds = seconds


@dataclass(frozen=True)
class BuildLimits:
    """Seconds for one generation step, and whether running out of them fails the build."""

    step_seconds: float = BUILD_SECONDS
    strict: bool = True

    def timed_out(self, step: str) -> None:
        """Called when ``step`` ran out of its seconds: a strict build stops here; a
        lenient one returns and the caller skips the step."""
        if self.strict:
            raise BuildTimeout(step, self.step_seconds)


def lenient(seconds: float) -> BuildLimits:
    """The limits of ``derive steps`` and of the API by default: ``seconds`` per step, and
    a step that runs out of time is skipped."""
    return BuildLimits(step_seconds=seconds, strict=False)


def strict_claim(
    step: str,
    verify: Callable[..., R],
    *args: Any,
    small: Sequence[object],
    as_result: Callable[[Outcome], R],
    **kwargs: Any,
) -> R:
    """``verify(*args, **kwargs)`` as one claim whose result any longer deadline would give.

    The claim runs as the kernel runs every claim (fast path, or a worker with its one
    deadline); ``verify``, a public ``verify_*`` call, runs nested inside it.  If any
    budget of the claim ran out on the way (a stage stopped, sampling cut short, the
    claim killed) the result depends on the machine's speed: ``BuildTimeout``.
    ``as_result`` turns the outcome of a claim that failed inside into ``R``.
    """
    settings = kwargs["settings"]

    def on_failure(outcome: Outcome) -> tuple[R, bool]:
        stopped = outcome.evidence is not None and outcome.evidence.method == Stage.TIMEOUT
        return as_result(outcome), stopped

    result, ran_out = run_isolated(
        _noting_deadlines, verify, args, kwargs,
        settings=settings, on_failure=on_failure, small=small,
    )
    if ran_out:
        raise BuildTimeout(step, settings.time_limit)
    return result


def _noting_deadlines(
    verify: Callable[..., R], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[R, bool]:
    """Inside the claim: the result, and whether any budget of the claim ran out."""
    reset_deadline_hit()
    result = verify(*args, **kwargs)
    return result, deadline_hit()
