"""The one deadline of a public ``verify_*`` call, shared by all of its stages.

Every call gets ``settings.time_limit`` from the moment it starts: each stage takes
what is left, forked stages keep a share back for numeric evidence, and once
nothing is left the call stops.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from derive.model import VerifySettings
from derive.timelimit import TimeLimitExceeded, run_with_alarm, run_with_time_limit

T = TypeVar("T")

#: Share of the time limit kept back from forked symbolic work for numeric evidence.
SAMPLING_SHARE = 0.2
#: Below this many seconds a fork is not worth starting: the budget counts as spent.
MIN_STAGE_SECONDS = 0.005

#: The clock behind every deadline (a module attribute so tests can use a fake one).
_clock: Callable[[], float] = time.monotonic

#: The deadline (on ``_clock``) of the claim this process works on; set in a claim's
#: worker only (``derive.verify.worker``), so that nested calls share it.
_claim_deadline: float | None = None


def claim_deadline() -> float | None:
    return _claim_deadline


def enter_claim(limit: float) -> None:
    """Called once in a fresh claim worker (or around a claim's fast path): every budget
    started here ends by then."""
    global _claim_deadline
    _claim_deadline = _clock() + limit


def leave_claim() -> None:
    global _claim_deadline
    _claim_deadline = None


#: Whether any budget of the running claim ran out (a stage stopped, a hint skipped):
#: only a result reached without it is the result any longer deadline would give.
_deadline_hit = False


def _note_deadline_hit() -> None:
    global _deadline_hit
    _deadline_hit = True


def deadline_hit() -> bool:
    return _deadline_hit


def reset_deadline_hit() -> None:
    global _deadline_hit
    _deadline_hit = False


@dataclass(frozen=True)
class Budget:
    """The one deadline of a public verify_* call; every stage takes what is left."""

    limit: float  # the claim's time limit, as the user set it (for messages)
    deadline: float
    span: float = 0.0  # the time this budget really has; shares (reserves) are of it

    @classmethod
    def start(cls, settings: VerifySettings) -> Budget:
        """From now, ``settings.time_limit``; inside a claim's worker, never past the
        claim's own deadline (a nested call does not start a fresh budget)."""
        now = _clock()
        deadline = now + settings.time_limit
        claim = claim_deadline()
        if claim is not None:
            deadline = min(deadline, claim)
        span = max(min(settings.time_limit, deadline - now), 0.0)
        return cls(settings.time_limit, deadline, span)

    def remaining(self) -> float:
        return self.deadline - _clock()

    def expired(self) -> bool:
        if self.remaining() <= 0:
            _note_deadline_hit()
            return True
        return False

    def run(self, fn: Callable[..., T], *args: Any, reserve: float = 0.0) -> T:
        """``fn(*args)`` in a time-limited child, with what is left minus ``reserve``."""
        seconds = self.remaining() - reserve
        try:
            if seconds < MIN_STAGE_SECONDS:
                raise TimeLimitExceeded(max(seconds, 0.0))
            if claim_deadline() is not None:
                # inside the claim's worker: an alarm, the worker's parent is the hard stop
                return run_with_alarm(fn, args, seconds)
            return run_with_time_limit(fn, *args, seconds=seconds)
        except TimeLimitExceeded:
            _note_deadline_hit()
            raise

    @property
    def text(self) -> str:
        return f"the time limit of {self.limit:g} s"
