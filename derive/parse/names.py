"""How names are written in LaTeX and which SymPy symbol each one becomes.

Symbol names are canonical LaTeX (``x_{i}``, ``\\hat{y}``); the patterns here also fill the
grammar's terminals (grammar.py), so the lexer and the differential reader agree on a name.
"""

from __future__ import annotations

import re

import sympy as sp

from derive.parse import limits, macros
from derive.parse.failures import TransformFailure

_NAME_IN_BRACES = r"(?:[A-Za-z]|\\[A-Za-z]+)"
DECORATED = (
    rf"\\(?:{macros.alternation(macros.DECORATORS)})\s*\{{\s*(?:{_NAME_IN_BRACES}"
    rf"|\\(?:{macros.alternation(macros.DECORATORS)})\s*\{{\s*{_NAME_IN_BRACES}\s*\}})\s*\}}"
)
#: An index written as a superscript: ``p^{(i)}``, ``a^{[l]}`` (part of the name, never a power).
INDEX_SCRIPT = r"\^\s*\{\s*(?:\([^(){}]*\)|\[[^\[\]{}]*\])\s*\}"
#: The variable of a differential: a letter, a Greek letter or a decorated name, maybe
#: subscripted and indexed (``w_{jk}``, ``p^{(i)}``).
VARIABLE = (
    rf"(?:[A-Za-z]|{DECORATED}|\\(?:{macros.alternation(macros.UPRIGHT_NAMES)})\s*\{{\s*[A-Za-z]\s*\}}"
    rf"|\\[A-Za-z]+)(?:\s*_\s*\{{[^{{}}]*\}})?(?:\s*{INDEX_SCRIPT})?"
)

_LATEX_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\S")
UPRIGHT_WORD = re.compile(r"\\[A-Za-z]+\s*\{\s*([A-Za-z]+)\s*\}")
_VAR_PARTS = re.compile(
    rf"(?P<base>{DECORATED}|[A-Za-z]|\\[A-Za-z]+(?:\s*\{{\s*[A-Za-z]+\s*\}})?)"
    rf"(?:\s*_\s*\{{(?P<sub>[^{{}}]*)\}})?(?:\s*(?P<index>{INDEX_SCRIPT}))?"
)
_DENOMINATOR = re.compile(
    rf"\{{\s*(?:d|\\mathrm\s*\{{\s*d\s*\}}|\\partial)\s*(?P<var>{VARIABLE})\s*"
    rf"(?:\^\s*\{{\s*(?P<order>\d+)\s*\}})?\s*\}}\s*$"
)
_NUMERATOR_ORDER = re.compile(r"^\\[dt]?frac\s*\{[^{}]*?(?:\}\s*)?\^\s*\{\s*(\d+)\s*\}")


def compact_latex(text: str) -> str:
    """Canonical spelling of a LaTeX fragment: no spaces except where a macro needs one."""
    tokens = _LATEX_TOKEN.findall(text)
    pieces: list[str] = []
    for index, token in enumerate(tokens):
        if index and re.fullmatch(r"\\[A-Za-z]+", tokens[index - 1]) and token[0].isalpha():
            pieces.append(" ")
        pieces.append(token)
    return "".join(pieces)


def symbol_for(name: str) -> sp.Symbol:
    return sp.Symbol(name)


def differential(text: str, position: int) -> tuple[sp.Symbol, int]:
    """Variable and order of ``\\frac{d^n}{dx^n}`` written as one string."""
    match = _DENOMINATOR.search(text)
    if match is None:
        raise TransformFailure("cannot read the differential of this derivative", position)
    variable = variable_symbol(match.group("var"), position)
    order = limits.derivative_order(int(match.group("order") or 1), position)
    numerator_order = _NUMERATOR_ORDER.match(text)
    if numerator_order is not None and int(numerator_order.group(1)) != order:
        raise TransformFailure("derivative orders of numerator and denominator differ",
                               position)
    return variable, order


def variable_symbol(text: str, position: int) -> sp.Symbol:
    match = _VAR_PARTS.fullmatch(text.strip())
    if match is None:
        raise TransformFailure(f"cannot read the variable {text!r}", position)
    base = match.group("base")
    if re.fullmatch(r"\\[A-Za-z]+", base):
        name = base[1:]
        if name not in macros.GREEK_LETTERS:
            raise TransformFailure(f"{base} is not a variable", position)
    elif re.fullmatch(r"[A-Za-z]", base):
        name = base
    elif (upright := UPRIGHT_WORD.fullmatch(base)) and base.startswith(
            tuple("\\" + word for word in macros.UPRIGHT_NAMES)):
        name = upright.group(1)
    else:
        name = compact_latex(base)
    if match.group("sub") is not None:
        name = f"{name}_{{{compact_latex(match.group('sub'))}}}"
    if match.group("index") is not None:
        name = f"{name}{index_name(match.group('index'))}"
    return symbol_for(name)


def index_name(script: str) -> str:
    """``^{ (i) }`` -> ``^{(i)}``: the canonical spelling of an index superscript."""
    inner = script[script.index("{") + 1: script.rindex("}")]
    return f"^{{{compact_latex(inner)}}}"
