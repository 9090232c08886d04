"""`derive:` directives written in document comments.

Markdown ``<!-- derive: assume x > 0 -->``, reStructuredText ``.. derive: skip``,
LaTeX ``% derive: define \\sigma(x) = \\frac{1}{1+e^{-x}}``.  Each syntax's scanner
finds the comment and hands its body here; this module knows what the body means
and how directives attach to the math blocks that follow them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from derive.model import Location, MathBlock

#: Commands that apply to the whole rest of the document (returned by file_directives).
DOCUMENT_COMMANDS = frozenset({"assume", "define"})
SKIP = "skip"
SKIP_FILE = "skip-file"
#: ``derive: claim``: the next block's relations are asserted identities, whatever the prose
#: before it says (a condition, an example, an equation to solve).
CLAIM = "claim"

_BODY = re.compile(r"\s*derive\s*:\s*(?P<command>[A-Za-z][\w-]*)(?P<rest>.*)", re.DOTALL)


@dataclass(frozen=True)
class Directive:
    """One ``derive: COMMAND ARGUMENT`` comment.

    ``location`` is the first character of the argument (of the command when
    there is no argument), so a parse error at offset ``i`` of a one-line
    argument is at ``location.column + i``.
    """

    location: Location
    command: str  # "skip" | "assume" | "define" | "skip-file" | ...
    argument: str  # e.g. "x > 0", "\sigma(x) = \frac{1}{1+e^{-x}}"

    @property
    def text(self) -> str:
        """The directive as written after ``derive:``, e.g. ``assume x > 0``."""
        return f"{self.command} {self.argument}".strip()


@dataclass(frozen=True)
class FoundDirective:
    """A directive as a scanner found it: source offset of its argument (or command)."""

    offset: int
    command: str
    argument: str


def parse_comment(body: str, body_offset: int) -> FoundDirective | None:
    """Read a comment body such as ``" derive: assume x > 0 "``; None if it is no directive."""
    match = _BODY.match(body)
    if match is None:
        return None
    command = match.group("command").lower()
    rest = match.group("rest")
    stripped = rest.strip()
    if stripped:
        offset = body_offset + match.start("rest") + (len(rest) - len(rest.lstrip()))
    else:
        offset = body_offset + match.start("command")
    return FoundDirective(offset, command, " ".join(stripped.split()))


def attach_directives(
    blocks: list[tuple[int, int, MathBlock]], directives: list[FoundDirective]
) -> list[MathBlock]:
    """Mark skipped blocks and record the preceding directives on each block.

    ``blocks`` holds ``(start, end, block)`` with the source offsets of the
    opening and closing delimiters, in document order.  A ``skip`` applies to
    the first block that ends after it; ``skip-file`` to every block;
    ``assume``/``define`` are recorded on every block that starts after them.
    """
    skip_file = any(d.command == SKIP_FILE for d in directives)
    pending_skips = sorted(d.offset for d in directives if d.command == SKIP)
    pending_claims = sorted(d.offset for d in directives if d.command == CLAIM)
    result: list[MathBlock] = []
    for start, end, block in blocks:
        skipped = skip_file
        while pending_skips and pending_skips[0] < end:
            pending_skips.pop(0)
            skipped = True
        claimed = False
        while pending_claims and pending_claims[0] < end:
            pending_claims.pop(0)
            claimed = True
        texts = [
            f"{d.command} {d.argument}".strip()
            for d in directives
            if d.command in DOCUMENT_COMMANDS and d.offset < start
        ]
        if skip_file:
            texts.append(SKIP_FILE)
        elif skipped:
            texts.append(SKIP)
        if claimed:
            texts.append(CLAIM)
        result.append(replace(block, skip=skipped, directives=tuple(texts)))
    return result
