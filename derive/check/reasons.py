"""The author's reasons: words that justify a row rather than math to check.

``\\quad\\text{since } x > 0``, ``\\qquad\\text{chain rule}``, ``\\text{(by parts)}`` and
``\\quad (x > 0)`` at the end of a row are blanked and kept as the row's reason; any
where-clause inside them is kept too.
"""

from __future__ import annotations

import re

from derive.check.row_model import Piece
from derive.check.tokens import Token, text_content
from derive.check.vocabulary import CONNECTORS, REASON_WORDS, TEXT_MACROS, WHERE_WORDS
from derive.check.where_clauses import reason_definitions
from derive.check.working_copy import WorkingCopy

_SPACED_CONDITION = re.compile(
    r",?\s*(?:\\q?quad(?![A-Za-z])|\\hspace\*?\{[^{}]*\})\s*(\([^()]*\))[\s.,;]*$"
)


def plain(text: str) -> str:
    """Author's words: ``\\text{}`` wrappers, spacing commands and extra blanks removed."""
    text = re.sub(r"\\(?:q?quad|hspace\*?\{[^{}]*\}|[,;:!])", " ", text)
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"\\(?:text|textrm|textit|textbf|textsf|mbox|hbox|mathrm)\s*\{([^{}]*)\}",
                      r"\1", text)  # fmt: skip
    text = text.replace("~", " ")
    return " ".join(text.split()).strip()


def trailing_reason(
    work: WorkingCopy, text: str, start: int, end: int, tokens: list[Token]
) -> tuple[int, str, list[tuple[Piece, Piece]]]:
    """A reason closing the row: (new end, reason, its where-clauses).

    ``\\quad\\text{since } x > 0``, ``\\qquad\\text{chain rule}``, ``\\text{(by parts)}``:
    text in words that starts a reason (or stands apart after spacing at the
    very end) takes the rest of the row with it.
    """
    for token in tokens:
        if token.kind != "word" or token.name not in TEXT_MACROS or token.start >= end:
            continue
        found = text_content(text, token)
        if found is None or token.name == "mathrm":
            continue
        content, text_end = found
        if token.depth == 1:
            # "\quad (\text{by ...})": allowed when the paren opens right before it.
            opening = text[start : token.start].rstrip()
            if not opening.endswith("(") or _depth_at(tokens, len(opening) - 1 + start) != 0:
                continue
            begin = start + len(opening) - 1
        elif token.depth == 0:
            begin = token.start
        else:
            continue
        words = content.strip(" ,:;~").lower()
        first = words.split()[0] if words.split() else ""
        if words in CONNECTORS or first in WHERE_WORDS:
            continue
        before = text[start:begin].rstrip()
        spaced = re.search(r"(\\q?quad|\\hspace\*?\{[^{}]*\}|~|\\;|,)\s*$", before)
        reason_like = words.startswith("(") or first in REASON_WORDS
        last = not text[text_end:end].strip(" \t\n.,;)")
        if not (reason_like and (spaced or last)) and not (spaced and last):
            continue
        if spaced:
            begin = start + len(before[: spaced.start()].rstrip())
            if before[spaced.start() :].lstrip().startswith(","):
                begin += 1  # keep the comma out of the reason, it ends the expression
        reason = plain(text[begin:end]).strip(" ,")
        where = reason_definitions(work, token.start, end)
        work.blank(begin, end)
        return begin, reason, where
    # "f(x) = x^2 \\quad (x > 0)": a parenthesised condition set apart at the end.
    condition = _SPACED_CONDITION.search(text, start, end)
    if condition is not None and not text[condition.end() : end].strip(" \t\n.,;"):
        where = reason_definitions(work, condition.start(1), condition.end(1), after_words=True)
        work.blank(condition.start(), end)
        return condition.start(), plain(condition.group(1)), where
    return end, "", []


def _depth_at(tokens: list[Token], offset: int) -> int:
    return next((t.depth for t in tokens if t.start == offset), 0)
