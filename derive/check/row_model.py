"""What splitting a math block yields: rows of relations between pieces of its text.

A piece is a contiguous slice of ``MathBlock.text`` with its offset, so every
side maps back to file:line:col through ``MathBlock.location_of``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """A slice of ``MathBlock.text`` (blanked parts read as spaces)."""

    text: str
    offset: int  # offset of text[0] in block.text (use block.location_of(offset))


@dataclass(frozen=True)
class Relation:
    op: str  # "=", "\\approx"; other relations kept as written ("\\le", "<", "\\to" ...)
    rhs: Piece


@dataclass(frozen=True)
class Row:
    """One statement: ``lhs op1 rhs1 op2 rhs2 ...``."""

    lhs: Piece  # empty text when the row continues the previous row's chain
    relations: tuple[Relation, ...]
    reason: str  # the author's reason: after &&, \quad\text{...}, \tag{...}, \because
    label: str  # \label{...} or \tag{...}
    where: tuple[tuple[Piece, Piece], ...]  # "\quad u = 1+e^{-x}", "&& \text{by } u = 1" -> (u, 1)
    continues: bool  # lhs was empty: the chain goes on from the previous row's last rhs
    #: a side of ``\implies``, ``\Rightarrow``, ``\iff``: an equation, not an identity
    implication: bool = False
