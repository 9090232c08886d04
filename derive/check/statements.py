"""Cut a row into statements and each statement into its sides and relations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from derive.check.reasons import plain
from derive.check.relations import has_relation, relation_op, side_end, written_op
from derive.check.row_model import Piece, Relation, Row
from derive.check.tokens import Token, brace_group_end, text_content
from derive.check.vocabulary import (
    ARROWS,
    CONNECTORS,
    IMPLICATIONS,
    SPACING,
    STRONG_SEPARATORS,
    TEXT_MACROS,
)
from derive.check.where_clauses import comma_parts, defines_after_comma, is_where_name, where_start
from derive.check.working_copy import WorkingCopy, strip_trailing_punctuation


@dataclass
class Statement:
    start: int
    end: int
    implication: bool = False  # next to \implies, \Rightarrow, \iff (or an arrow between)


def cut_statements(
    work: WorkingCopy, text: str, start: int, end: int, top: list[Token],
    columns: Sequence[tuple[int, int]] = (),
) -> list[Statement]:
    """Cut a row at separators: ``\\Rightarrow``, ``\\text{or}``, spacing between equations,
    and the ``&`` that starts a new column of ``align``."""
    cuts: list[tuple[int, int]] = list(columns)
    implications: set[int] = set()  # starts of the cuts that are implication arrows
    for token in top:
        if token.kind != "word":
            continue
        if token.name in STRONG_SEPARATORS:
            cuts.append((token.start, token.end))
            if token.name in IMPLICATIONS:
                implications.add(token.start)
        elif token.name in TEXT_MACROS and token.name != "mathrm":
            found = text_content(text, token)
            if found and found[0].strip(" ,:;~").lower() in CONNECTORS:
                cuts.append((token.start, found[1]))
    strong = sorted(cuts)
    segments: list[tuple[int, int, bool]] = []  # (start, end, next to an implication)
    position = start
    after_implication = False
    for cut_start, cut_end in strong:
        implication = cut_start in implications
        segments.append((position, cut_start, implication or after_implication))
        work.blank(cut_start, cut_end)
        position = cut_end
        after_implication = implication
    segments.append((position, end, after_implication))
    statements: list[Statement] = []
    for segment_start, segment_end, implied in segments:
        first = len(statements)
        position = segment_start
        for token in top:
            if not segment_start <= token.start < segment_end or token.kind != "word":
                continue
            if token.name not in SPACING and token.name not in ARROWS:
                continue
            token_end = token.end
            if token.name in ("hspace", "hskip"):
                token_end = brace_group_end(text, token.end) or token.end
            before_empty = not work.slice(position, token.start).strip()
            between_statements = has_relation(top, position, token.start) and has_relation(
                top, token_end, segment_end
            )
            if token.name in ARROWS and not before_empty and not between_statements:
                continue  # an arrow relation such as \sigma(x) \to 1
            if token.name in SPACING and defines_after_comma(
                work.text(), top, token, position, segment_end
            ):
                continue  # "..., \quad u = ...": a where-clause, read later
            if before_empty or between_statements:
                if not before_empty:
                    statements.append(Statement(position, token.start))
                if token.name in ARROWS and between_statements:
                    implied = True  # "a = b \to c = d" reads as an implication
                work.blank(token.start, token_end)
                position = token_end
            elif token.name in SPACING:
                work.blank(token.start, token_end)
        statements.append(Statement(position, segment_end))
        if implied:
            for statement in statements[first:]:
                statement.implication = True
    return [s for s in statements if work.slice(s.start, s.end).strip()]


def statement_rows(
    work: WorkingCopy, statement: Statement, top: list[Token], reasons: list[str], label: str
) -> list[Row]:
    """The statement's row, then rows for equations in its where-clause that define nothing."""
    text = work.text()
    start, end = statement.start, statement.end
    where: list[tuple[Piece, Piece]] = []
    reasons = list(reasons)
    equations: list[Row] = []  # "where \\ln(e^x) = x": a claim of its own, not a definition
    clause = where_start(text, top, start, end)
    if clause is not None:
        clause_start, body_start = clause
        for part_start, part_end in comma_parts(top, body_start, end):
            relation = next(
                (t for t in top if part_start <= t.start < part_end and relation_op(t) == "="),
                None,
            )
            if relation is None:
                reasons.append(plain(text[part_start:part_end]).strip(" ,."))
                continue
            lhs = work.piece(part_start, relation.start)
            if is_where_name(lhs.text):
                where.append((lhs, work.piece(relation.end, part_end)))
            else:
                equations += statement_rows(work, Statement(part_start, part_end), top, [], "")
        work.blank(clause_start, end)
        end = strip_trailing_punctuation(work.text(), start, clause_start)
        text = work.text()
    relations = [t for t in top if start <= t.start < end and relation_op(t) is not None]
    lhs = work.piece(start, side_end(text, relations[0]) if relations else end)
    pieces: list[Relation] = []
    for index, token in enumerate(relations):
        following = relations[index + 1] if index + 1 < len(relations) else None
        rhs = work.piece(token.end, side_end(text, following) if following else end)
        pieces.append(Relation(written_op(text, token), rhs))
    if not lhs.text and not pieces and not where:
        return equations
    if not lhs.text:
        lhs = Piece("", relations[0].start if relations else start)
    row = Row(
        lhs=lhs,
        relations=tuple(pieces),
        reason="; ".join(r for r in reasons if r),
        label=label,
        where=tuple(where),
        continues=not lhs.text,
        implication=statement.implication,
    )
    return [row, *equations]
