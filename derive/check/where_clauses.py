"""Where-clauses: ``\\quad u = 1+e^{-x}``, ``\\text{where } u = ...``, definitions in a reason.

A where-clause defines a bare name (``u``, ``v_1``, ``\\theta_{t}``, ``g(x)``) by one
``=``; anything else in such a clause is a claim or a condition of its own.
"""

from __future__ import annotations

import re

from derive.check.relations import has_relation, relation_op, side_end
from derive.check.row_model import Piece
from derive.check.tokens import Token, text_content, tokenize
from derive.check.vocabulary import CONDITION_WORDS, TEXT_MACROS, WHERE_WORDS
from derive.check.working_copy import WorkingCopy
from derive.parse import macros

#: A where-clause's left side: ``u``, ``v_1``, ``\\theta_{t}``, ``g(x)``, ``g(x, y)``.
_WHERE_NAME = re.compile(
    r"^\s*(?P<base>[A-Za-z]|\\[A-Za-z]+)(?:\s*_\s*(?:\{[\w\\ ]+\}|\w))?"
    r"(?:\s*\((?P<args>[^()]*)\))?\s*$"
)
_ARGUMENT_NAME = re.compile(r"^\s*(?:[A-Za-z]|\\[A-Za-z]+)(?:\s*_\s*(?:\{\w+\}|\w))?\s*$")
_WHERE_TEXT = re.compile(
    r"(?:\s|\\q?quad(?![A-Za-z])|\\[,;: ]|~)*\\(?:text|textrm|mbox)\s*\{[\s,~]*(?:"
    + "|".join(sorted(WHERE_WORDS))
    + r")\b"
)
_SPAN_HEAD = re.compile(r"(?:\s|~|[,;:]|\\(?:q?quad(?![A-Za-z])|[,;:! ]))+")
_SPAN_TAIL = re.compile(r"(?:\s|~|(?<!\\)[,;:]|\\(?:q?quad|[,;:! ]))+$")


def reason_definitions(
    work: WorkingCopy, start: int, end: int, *, after_words: bool = False
) -> list[tuple[Piece, Piece]]:
    """``name = expr`` math parts of the reason ``[start, end)``: its where-clauses.

    ``\\text{chain rule, } u = 1+e^{-x}``, ``\\text{(let } u = 1+e^{-x}\\text{)}``: math
    between the words whose left side is a bare name (the rule of where-clauses) and
    that has one ``=`` and no other relation.  Math after a condition word (``\\text{for }
    x = 0``, ``\\text{since } \\lim ... = 0``) stays a reason; with ``after_words`` so
    does math that no words introduce (``\\quad (x = 0)`` is a condition).
    """
    text = work.text()
    segments: list[tuple[int, int, str]] = []  # (start, end, the words just before)
    position, words = start, ""
    for token in tokenize(text, start, end):
        if token.start < position or token.kind != "word" or token.name not in TEXT_MACROS:
            continue
        found = text_content(text, token)
        if found is None or token.name == "mathrm" or found[1] > end:
            continue
        segments.append((position, token.start, words))
        position, words = found[1], found[0]
    segments.append((position, end, words))
    where: list[tuple[Piece, Piece]] = []
    for segment_start, segment_end, before in segments:
        last_word = (before.lower().replace("(", " ").split() or [""])[-1].strip(",:;.")
        if last_word in CONDITION_WORDS or (after_words and not before.strip()):
            continue
        segment_start, segment_end = _math_span(text, segment_start, segment_end)
        top = [t for t in tokenize(text, segment_start, segment_end) if t.depth == 0]
        for part_start, part_end in comma_parts(top, segment_start, segment_end):
            relations = [t for t in top if part_start <= t.start < part_end and relation_op(t)]
            if len(relations) != 1 or relation_op(relations[0]) != "=":
                continue
            name = work.piece(part_start, side_end(text, relations[0]))
            body = work.piece(relations[0].end, part_end)
            if body.text and is_where_name(name.text):
                where.append((name, body))
    return where


def _math_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without spacing, separators and the parentheses that open or close
    around it (``(\\text{with } u = 1+e^{-x})``)."""
    while True:
        if edge := _SPAN_HEAD.match(text, start, end):
            start = edge.end()
        if edge := _SPAN_TAIL.search(text, start, end):
            end = edge.start()
        inner = text[start:end]
        if inner.startswith("(") and inner.count("(") > inner.count(")"):
            start += 1
        elif inner.endswith(")") and inner.count(")") > inner.count("("):
            end -= 1
        else:
            return start, end


def defines_after_comma(
    text: str, top: list[Token], token: Token, position: int, end: int
) -> bool:
    """``..., \\quad u = ...``: spacing after a comma that introduces a definition."""
    if _WHERE_TEXT.match(text, token.end):
        return True
    if not text[position : token.start].rstrip().endswith(","):
        return False
    relation = next((t for t in top if token.end <= t.start < end and relation_op(t)), None)
    if relation is None or relation_op(relation) != "=":
        return False
    return is_where_name(text[token.end : relation.start])


def _is_name(base: str) -> bool:
    """A letter or a Greek letter: ``\\ln`` or ``\\sqrt`` never names a definition."""
    return not base.startswith("\\") or base[1:] in macros.GREEK_LETTERS


def is_where_name(text: str) -> bool:
    """Whether ``text`` may be the defined name of a where-clause (``u``, ``g(x)``)."""
    match = _WHERE_NAME.match(_without_spacing(text))
    if match is None or not _is_name(match.group("base")):
        return False
    args = match.group("args")
    if args is None:
        return True
    return all(
        _ARGUMENT_NAME.match(arg) and _is_name(arg.strip().split("_")[0].strip())
        for arg in args.split(",")
    )


def _without_spacing(text: str) -> str:
    return re.sub(r"\\(?:q?quad(?![A-Za-z])|[,;:! ])|~", " ", text)


def where_start(text: str, top: list[Token], start: int, end: int) -> tuple[int, int] | None:
    """(start of the clause to blank, start of its definitions) or None."""
    for token in top:
        if not start <= token.start < end or token.kind != "word":
            continue
        if token.name in TEXT_MACROS:
            found = text_content(text, token)
            if found is None:
                continue
            words = found[0].strip(" ,:;~").lower().split()
            if words and words[0] in WHERE_WORDS and has_relation(top, found[1], end):
                clause_start = token.start
                before = text[start:clause_start].rstrip()
                spacing = re.search(r"(?:,?\s*(?:\\q?quad|\\[,;]|~)\s*)+$", before)
                if spacing:
                    clause_start = start + spacing.start()
                return clause_start, found[1]
        if token.name in ("quad", "qquad"):
            before = text[start : token.start].rstrip()
            if not before.endswith(","):
                continue
            body = token.end
            following = [t for t in top if body <= t.start < end]
            first_relation = next((t for t in following if relation_op(t)), None)
            if first_relation is None or relation_op(first_relation) != "=":
                continue
            if is_where_name(text[body : first_relation.start]):
                return start + len(before) - 1, body
    return None


def comma_parts(top: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """Split a where-clause on top-level commas (``u = ..., v = ...``)."""
    cuts = [t.start for t in top if start <= t.start < end and t.kind == "char" and t.name == ","]
    parts: list[tuple[int, int]] = []
    position = start
    for cut in cuts:
        if has_relation(top, cut + 1, end) and any(
            relation_op(t) == "=" for t in top if position <= t.start < cut
        ):
            parts.append((position, cut))
            position = cut + 1
    parts.append((position, end))
    return parts
