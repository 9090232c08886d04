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
from derive.timelimit import TimeLimitExceeded, run_with_time_limit

T = TypeVar("T")

#: Share of the time limit kept back from forked symbolic work for numeric evidence.
SAMPLING_SHARE = 0.2
#: Below this many seconds a fork is not worth starting: the budget counts as spent.
MIN_STAGE_SECONDS = 0.005

#: The clock behind every deadline (a module attribute so tests can use a fake one).
_clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class Budget:
    """The one deadline of a public verify_* call; every stage takes what is left."""

    limit: float
    deadline: float

    @classmethod
    def start(cls, settings: VerifySettings) -> Budget:
        return cls(settings.time_limit, _clock() + settings.time_limit)

    def remaining(self) -> float:
        return self.deadline - _clock()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def run(self, fn: Callable[..., T], *args: Any, reserve: float = 0.0) -> T:
        """``fn(*args)`` in a time-limited child, with what is left minus ``reserve``."""
        seconds = self.remaining() - reserve
        if seconds < MIN_STAGE_SECONDS:
            raise TimeLimitExceeded(max(seconds, 0.0))
        return run_with_time_limit(fn, *args, seconds=seconds)

    @property
    def text(self) -> str:
        return f"the time limit of {self.limit:g} s"
