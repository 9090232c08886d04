"""The grammar (grammar.lark with its placeholders filled) and the LALR parser built from it."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lark import Lark

from derive.parse import macros
from derive.parse.names import DECORATED, VARIABLE

_GRAMMAR_FILLS = {
    "@VAR@": VARIABLE,
    "@DECORATED@": DECORATED,
    "@UPRIGHT@": macros.alternation(macros.UPRIGHT_NAMES),
    "@BAREWORDS@": macros.alternation(macros.BARE_WORD_FUNCTIONS),
    "@OPWORDS@": macros.alternation(macros.BARE_OPERATOR_WORDS),
    "@FUNCS@": macros.alternation(
        tuple(macros.KNOWN_FUNCTIONS) + macros.OPERATOR_MACROS
    ),
    "@GREEK@": macros.alternation(macros.GREEK_LETTERS),
    "@CONSTS@": macros.alternation(macros.CONSTANTS),
}


def grammar_text() -> str:
    text = resources.files("derive.parse").joinpath("grammar.lark").read_text(encoding="utf-8")
    for placeholder, pattern in _GRAMMAR_FILLS.items():
        # Lark regex literals are /.../: a slash inside a pattern would end it.
        text = text.replace(placeholder, pattern.replace("/", r"\/"))
    return text


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser, built on first use (about 0.1 s) and cached for the process."""
    return Lark(grammar_text(), parser="lalr", lexer="contextual", maybe_placeholders=False)

