"""The working copy of a block's text, in which what is not a side is blanked.

Everything that is not part of a side (environment wrappers, ``\\label``,
``\\nonumber``, alignment ``&``, row breaks, reasons, where-clauses) is blanked
with spaces in the copy rather than deleted, so offsets in the copy equal
offsets in the block.  Piece texts come from that copy.
"""

from __future__ import annotations

import re

from derive.check.row_model import Piece

_LEADING_SPACING = re.compile(r"\\(?:[,;:!> ]|q?quad(?![A-Za-z]))")


class WorkingCopy:
    """A blankable copy of the block text."""

    def __init__(self, text: str) -> None:
        self.chars = list(text)

    def blank(self, start: int, end: int) -> None:
        for index in range(start, end):
            if self.chars[index] != "\n":
                self.chars[index] = " "

    def text(self) -> str:
        return "".join(self.chars)

    def slice(self, start: int, end: int) -> str:
        return "".join(self.chars[start:end])

    def piece(self, start: int, end: int) -> Piece:
        """The trimmed slice [start, end) without trailing ``.``/``,``."""
        # only the slice and the two characters before it are read (the trailing ``\\,``
        # test looks one back): slicing from 0 made a block's pieces cost time quadratic
        base = max(start - 2, 0)
        text = self.slice(base, end)
        start, end = start - base, strip_trailing_punctuation(text, start - base, end - base)
        while start < end:
            if text[start].isspace() or text[start] == "~":
                start += 1
            elif spacing := _LEADING_SPACING.match(text, start, end):
                start = spacing.end()
            else:
                break
        return Piece(text[start:end], start + base)


def strip_trailing_punctuation(text: str, start: int, end: int) -> int:
    """End of ``text[start:end]`` before the sentence's ``.``/``,``/``;`` and spacing.

    An ellipsis (``..``) and the null delimiter of ``\\right.`` are math, not punctuation.
    """
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start and text[end - 1] in ".,;":
        before = text[start : end - 1]
        ellipsis = text[end - 1] == "." and before.endswith(".")
        sized = re.search(r"\\(?:right|left|bigr|Bigr|biggr|Biggr|bigl|Bigl)\s*$", before)
        if not ellipsis and not sized:
            end -= 1
            while end > start and (
                text[end - 1].isspace() or text[end - 2 : end] in ("\\,", "\\;", "\\!")
            ):
                end -= 2 if text[end - 1] in ",;!" else 1
    return end
