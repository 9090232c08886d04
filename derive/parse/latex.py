"""LaTeX expression -> SymPy: parse normalised text and explain where it does not parse.

The stages, each a module of its own: grammar.py builds the LALR parser, transformer.py turns
the tree into SymPy objects and run items (items.py), runs.py resolves juxtaposed items into
calls and products, names.py reads names and differentials, conditional.py is ``P(a \\mid b)``.
Nothing is ever evaluated from text: every SymPy object is built by constructor from tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedToken, VisitError

from derive.parse import limits
from derive.parse.failures import SyntaxFailure, TransformFailure
from derive.parse.grammar import parser
from derive.parse.normalize import Normalized
from derive.parse.transformer import IssueRecord, ToSympy, position_of

__all__ = ["RawParse", "SyntaxFailure", "TransformFailure", "parse_normalized"]


@dataclass(frozen=True)
class RawParse:
    expr: sp.Expr
    issues: tuple[IssueRecord, ...]
    decimals: tuple[tuple[str, sp.Rational], ...]
    symbol_names: frozenset[str] = frozenset()


_BRACKET = re.compile(r"\\lvert(?![A-Za-z])|\\rvert(?![A-Za-z])|\\[{}]|\\[A-Za-z]+|\\.|[()\[\]{}]")
_CLOSER_OF = {"(": ")", "[": "]", "{": "}", "\\{": "\\}", "\\lvert": "\\rvert"}


def _unclosed_opener(text: str) -> tuple[str, int] | None:
    """The innermost bracket still open at the end of ``text`` and its position, if any.

    Pointing at the opener is more useful than pointing at the end of the expression.
    """
    stack: list[tuple[str, int]] = []
    for match in _BRACKET.finditer(text):
        token = match.group(0)
        if token in _CLOSER_OF:
            stack.append((token, match.start()))
        elif stack and token == _CLOSER_OF[stack[-1][0]]:
            stack.pop()
    if not stack:
        return None
    opener, position = stack[-1]
    return ("|" if opener == "\\lvert" else opener), position


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "end of expression"
    return repr(str(token))


def parse_normalized(normalized: Normalized, functions: frozenset[str],
                     euler_e: bool, variables: frozenset[str] = frozenset(),
                     imaginary_unit: str | None = None) -> RawParse:
    """Parse normalised text; raises SyntaxFailure/TransformFailure with normalised positions."""
    text = normalized.text
    if not text.strip():
        raise SyntaxFailure("empty expression", 0)
    limits.check_text(text)
    try:
        tree = parser().parse(text)
    except UnexpectedToken as error:
        token = error.token
        position = len(text) if token.type == "$END" else position_of(token)
        message = f"unexpected {_describe(token)}"
        if token.type == "$END":
            message = "expression ends too early (unclosed bracket or missing operand?)"
            unclosed = _unclosed_opener(text)
            if unclosed is not None:
                opener, position = unclosed
                message = f"{opener!r} is never closed"
        elif token.type == "CLOSE" or token.type == "RBRACE" or token.type == "RVERT":
            message = f"unbalanced {_describe(token)}"
        raise SyntaxFailure(message, position) from None
    except UnexpectedCharacters as error:
        position = error.pos_in_stream or 0
        command = re.match(r"\\[A-Za-z]+|.", text[position:])
        what = command.group(0) if command else text[position:position + 1]
        raise SyntaxFailure(f"unexpected {what!r} here", position) from None
    transformer = ToSympy(functions, euler_e, variables, imaginary_unit)
    transformer.text = text
    try:
        expr = transformer.transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, TransformFailure):
            raise error.orig_exc from None
        if isinstance(error.orig_exc, RecursionError):
            raise SyntaxFailure("too deeply nested to read", 0) from None
        raise
    return RawParse(expr, transformer.all_issues(variables), tuple(transformer.decimals),
                    frozenset(transformer.symbol_names))
