"""Which tokens are relations, what they normalise to, and where the side before one ends."""

from __future__ import annotations

import re

from derive.check.tokens import Token
from derive.check.vocabulary import ARROWS, RELATION_WORDS


def relation_op(token: Token) -> str | None:
    if token.kind == "relation":
        return token.name
    if token.kind == "char" and token.name in "=<>":
        return token.name
    if token.kind == "word" and token.name in RELATION_WORDS:
        return RELATION_WORDS[token.name]
    if token.kind == "word" and token.name in ARROWS:
        return "\\" + token.name
    return None


def has_relation(tokens: list[Token], start: int, end: int) -> bool:
    return any(
        start <= t.start < end and relation_op(t) is not None and t.name not in ARROWS
        for t in tokens
    )


def side_end(text: str, relation: Token) -> int:
    """Where the side before ``relation`` ends: ``:=`` and ``\\not=`` own their prefix."""
    before = text[: relation.start]
    if relation.kind == "char" and relation.name == "=":
        if before.endswith(":"):
            return relation.start - 1
        negation = re.search(r"\\not\s*$", before)
        if negation:
            return negation.start()
    return relation.start


def written_op(text: str, relation: Token) -> str:
    """The normalised operator: ``:=`` and ``\\equiv`` read as ``=``, ``\\not=`` as ``\\ne``."""
    op = relation_op(relation) or relation.name
    if op == "=" and re.search(r"\\not\s*$", text[: relation.start]):
        return "\\ne"
    return op
