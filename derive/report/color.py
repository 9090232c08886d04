"""Whether to colour output: NO_COLOR, FORCE_COLOR, TERM=dumb, then "is it a terminal".

no-color.org: NO_COLOR present and not empty -> no colour.
force-color.org: FORCE_COLOR present and not empty (whatever its value) -> colour.
When both are set, NO_COLOR wins (CPython's own rule for its tracebacks).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO


def use_color(stream: IO[str], env: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if env is None else env
    if environ.get("NO_COLOR", ""):
        return False
    if environ.get("FORCE_COLOR", ""):
        return True
    if environ.get("TERM", "") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (ValueError, OSError):  # a closed or detached stream
        return False
