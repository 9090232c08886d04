r"""Split a math block into rows (statements) and relations.

``a &= b \\ &= c && \text{reason}`` becomes rows whose sides are *pieces*:
contiguous slices of ``MathBlock.text`` with their offset, so every side maps
back to file:line:col through ``MathBlock.location_of``.

Everything that is not part of a side (environment wrappers, ``\label``,
``\nonumber``, alignment ``&``, row breaks, reasons, where-clauses) is blanked
with spaces in a working copy of the text rather than deleted, so offsets in
the copy equal offsets in the block.  Piece texts come from that copy.

Location convention: a piece's offset is that of its first non-blank
character; a row that continues the previous chain has an empty ``lhs`` whose
offset is the relation's.

The stages, each a module of its own: ``tokens`` (TeX tokens with grouping
depth), ``layout`` (blank wrappers and labels, cut rows), ``reasons`` (the
author's words), ``where_clauses`` (``u = ...`` definitions), ``statements``
(sides and relations); ``row_model`` holds the results, ``vocabulary`` the words.
"""

from __future__ import annotations

import re
from dataclasses import replace

from derive.check.layout import blank_decorations, row_spans
from derive.check.reasons import plain, trailing_reason
from derive.check.row_model import Piece, Relation, Row
from derive.check.statements import cut_statements, statement_rows
from derive.check.tokens import Token, tokenize
from derive.check.where_clauses import reason_definitions
from derive.check.working_copy import WorkingCopy
from derive.model import MathBlock

__all__ = ["Piece", "Relation", "Row", "split_rows"]


def split_rows(block: MathBlock) -> list[Row]:
    """The statements of a block, in order, with their relations, reasons and labels."""
    work = WorkingCopy(block.text)
    labels = blank_decorations(work)
    rows: list[Row] = []
    length = len(work.chars)
    for start, end in row_spans(work):
        # each row is split in a working copy of its own text, its offsets shifted back
        # after: reading the whole block's text once per row made a block cost time
        # quadratic in its rows (20,000 rows did not finish)
        local = WorkingCopy(work.slice(start, end))
        row_labels = [
            (offset - start, name, tag) for offset, name, tag in labels
            if start <= offset < end or (offset == end and end == length)
        ]
        rows += [_shifted(row, start) for row in _split_row(local, 0, end - start, row_labels)]
        work.chars[start:end] = local.chars
    return _merge_continuations(work, rows)


def _shifted(row: Row, by: int) -> Row:
    """``row`` with every piece's offset moved ``by`` characters."""
    if not by:
        return row

    def move(piece: Piece) -> Piece:
        return Piece(piece.text, piece.offset + by)

    return replace(
        row, lhs=move(row.lhs),
        relations=tuple(replace(r, rhs=move(r.rhs)) for r in row.relations),
        where=tuple((move(name), move(body)) for name, body in row.where),
    )


_RELATION = re.compile(r"=|\\approx|\\[lg]eq?\b|<|>")


def _column_separators(text: str, tokens: list[Token], end: int) -> list[tuple[int, int]]:
    """``f(x) &= x^2 & g(x) &= \\sqrt{x}``: in ``align``, every second ``&`` starts a new
    column, here a second equation.  Such an ``&`` is cut where the column before it holds
    a relation and the text after it does too (``a &=& b`` of ``array{rcl}`` is no cut)."""
    marks = [t for t in tokens if t.braces == 0 and t.kind == "char" and t.name == "&"]
    cuts: list[tuple[int, int]] = []
    for index in range(1, len(marks), 2):
        mark = marks[index]
        before = text[marks[index - 1].end : mark.start]
        if _RELATION.search(before) and _RELATION.search(text[mark.end : end]):
            cuts.append((mark.start, mark.end))
    return cuts


def _split_row(
    work: WorkingCopy, start: int, end: int, labels: list[tuple[int, str, str]]
) -> list[Row]:
    text = work.text()
    reasons: list[str] = []
    label = ""
    for offset, name, tag in labels:
        if start <= offset <= end:  # split_rows passes this row's labels only
            if name and not label:
                label = name
            if tag:
                label = label or tag
                if re.search(r"[A-Za-z]{3,}", tag):
                    reasons.append(tag)
    tokens = tokenize(text, start, end)
    where: list[tuple[Piece, Piece]] = []  # "&& \text{chain rule, } u = ...": defines u
    # && : the rest of the row is the author's reason.
    for index, token in enumerate(tokens):
        if token.braces == 0 and token.name == "&":
            following = text[token.end : end].lstrip(" \t")
            if following.startswith("&"):
                reason_start = text.index("&", token.end) + 1
                reasons.append(plain(text[reason_start:end]))
                where += reason_definitions(work, reason_start, end)
                work.blank(token.start, end)
                end = token.start
                tokens = tokens[:index]
                break
    columns = _column_separators(text, tokens, end)
    for token in tokens:
        if token.braces == 0 and token.kind == "char" and token.name == "&":
            work.blank(token.start, token.end)
    text = work.text()
    top = [t for t in tokens if t.depth == 0]
    # \because: the rest is a reason.
    for token in top:
        if token.kind == "word" and token.name == "because":
            reasons.append(plain(text[token.end : end]))
            work.blank(token.start, end)
            end = token.start
            break
    text = work.text()
    end, trailing, trailing_where = trailing_reason(work, text, start, end, tokens)
    if trailing:
        reasons.append(trailing)
    where = trailing_where + where
    text = work.text()
    top = [t for t in tokens if t.depth == 0 and t.start < end]
    statements = cut_statements(work, text, start, end, top, columns=columns)
    rows: list[Row] = []
    for statement in statements:
        rows += statement_rows(
            work, statement, top, reasons if not rows else [], label if not rows else ""
        )
    if rows and where:
        # the reason's definitions belong to the row the reason closes: its last statement
        main = max(
            (index for index, row in enumerate(rows) if row.relations), default=len(rows) - 1
        )
        rows[main] = replace(rows[main], where=rows[main].where + tuple(where))
    if not rows and (reasons or label or where):
        reason = "; ".join(r for r in reasons if r)
        rows.append(Row(Piece("", start), (), reason, label, tuple(where), continues=True))
    return rows


def _merge_continuations(work: WorkingCopy, rows: list[Row]) -> list[Row]:
    """A row without relations continues the previous row's last side (``+ c`` after ``\\\\``)."""
    merged: list[Row] = []
    for row in rows:
        if merged and not row.relations and not row.where and row.lhs.text:
            previous = merged[-1]
            end = row.lhs.offset + len(row.lhs.text)
            if previous.relations:
                last = previous.relations[-1]
                extended = (
                    work.piece(last.rhs.offset, end)
                    if last.rhs.text
                    else work.piece(row.lhs.offset, end)
                )
                relations = previous.relations[:-1] + (Relation(last.op, extended),)
                merged[-1] = replace(
                    previous, relations=relations, reason=_join(previous.reason, row.reason)
                )
            else:
                extended = work.piece(previous.lhs.offset, end)
                merged[-1] = replace(
                    previous, lhs=extended, reason=_join(previous.reason, row.reason)
                )
            if row.label and not merged[-1].label:
                merged[-1] = replace(merged[-1], label=row.label)
            continue
        merged.append(row)
    return merged


def _join(first: str, second: str) -> str:
    return "; ".join(r for r in (first, second) if r)
