"""Where math sits in a source file: :class:`Region`, :class:`SourceMap` and the low-level
TeX text helpers every scanner and the macro expander share.

A module of its own so that ``latex.py`` (a scanner) and ``macros.py`` (the expander) both
build on it without importing each other.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n?|\n")


class SourceMap:
    """Offsets to 1-based (line, column); columns count characters."""

    def __init__(self, text: str) -> None:
        # \r\n, a lone \r (old Mac files) and \n each end a line, as for the scanners
        self.line_starts = [0] + [end.end() for end in _LINE_END.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1


@dataclass(frozen=True)
class Region:
    """Math found by a scanner: its text and the source offset of every character.

    ``start``/``end`` are the offsets of the opening delimiter and just past the
    closing one (directives attach by them).
    """

    text: str
    offsets: tuple[int, ...]
    start: int
    end: int
    syntax: str
    environment: str = ""
    inline: bool = False
    label: str = ""
    written: str = ""  # the math as written when macros were expanded in ``text`` (else "")
    written_index: tuple[int, ...] = ()  # index in ``written`` of each character of ``text``


def is_escaped(text: str, index: int) -> bool:
    """True when ``text[index]`` is preceded by an odd number of backslashes."""
    count = 0
    index -= 1
    while index >= 0 and text[index] == "\\":
        count += 1
        index -= 1
    return count % 2 == 1


def find_unescaped(text: str, token: str, start: int, stop: int | None = None) -> int:
    """Offset of the next ``token`` at or after ``start`` that is not backslash-escaped."""
    stop = len(text) if stop is None else stop
    index = text.find(token, start, stop)
    while index >= 0 and is_escaped(text, index):
        index = text.find(token, index + 1, stop)
    return index


def brace_group(text: str, start: int, *, blanks: str = " \t") -> tuple[int, int] | None:
    """(offset of ``{``, offset just past its ``}``) of the brace group at ``start``
    (after ``blanks``), or None when none starts there or it never closes."""
    probe = start
    while probe < len(text) and text[probe] in blanks:
        probe += 1
    if probe >= len(text) or text[probe] != "{":
        return None
    depth = 0
    for position in range(probe, len(text)):
        if text[position] in "{}" and is_escaped(text, position):
            continue
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return probe, position + 1
    return None


def mask(chars: list[str], begin: int, end: int) -> None:
    """Blank ``chars[begin:end]`` with spaces, keeping newlines (offsets stay valid)."""
    for index in range(begin, end):
        if chars[index] != "\n":
            chars[index] = " "
