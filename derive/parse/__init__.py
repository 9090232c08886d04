"""Parse one LaTeX math expression into a SymPy expression.

Our own Lark grammar (LALR) builds SymPy objects directly; nothing is evaluated from text.
Relations are split by the caller: this reads one side at a time.

Symbol names are canonical LaTeX: ``x``, ``sigma`` (Greek without backslash), ``w_{jk}``,
``x_{i}`` (subscripts always braced), ``\\hat{y}_{j}``, ``\\mathbf{v}_{t}``, ``x^{(k)}``.
Derivatives, limits, integrals and sums stay unevaluated.  ``\\frac{dy}{dx}`` with an
undeclared ``y`` reads ``y`` as an unknown function ``y(x)``, never as a constant.

Readings chosen so that a guess never decides a verdict:
- operators are opaque functions with reserved names, never products: ``\\mathbb{E}[X]``,
  ``E[X]`` -> ``Expectation``; ``\\operatorname{Var}``, ``Var[X]`` -> ``Variance``; ``Cov``;
  ``\\Pr(A)``, ``\\mathbb{P}(A)``, ``P(X = 1)`` -> ``Probability`` (events are opaque too:
  ``Equals(X, 1)``, ``Cap(A, B)``); ``\\langle x, y \\rangle`` -> ``AngleBracket``;
- a subscripted or decorated name before one atom is a call that depends on its subscript's
  symbols (``g_w(z)`` -> ``g_{w}(z, w)``), unless the name is a plain variable elsewhere;
- ``^T``/``\\top`` decline (transpose); ``^{(i)}``, ``^{[l]}``, ``^*`` are part of the name;
  ``f'(x)`` is a derivative; a bare primed Latin name (``y'``, ``y''_1``) is a name of its own,
  a bare primed function or Greek letter (``f'``, ``\\sigma'``) is declined;
- ``ParseOptions.imaginary_unit`` reads ``i`` (or ``j``) as ``sympy.I``;
- limits.py bounds numbers, nesting and length: hostile input fails with a located error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

__all__ = [
    "LatexParseError",
    "names_the_unit",
    "uses_complex_numbers",
    "ParseIssue",
    "ParseOptions",
    "ParsedExpr",
    "display_name",
    "function_name",
    "parse_latex_expr",
]


@dataclass(frozen=True)
class ParseOptions:
    #: Names the document defined as functions: ``name(args)`` is a call only for these, for
    #: f, g, h and for known functions (\sin, \exp, \log, \ln ...).
    functions: frozenset[str] = frozenset()
    #: ``e`` is Euler's number unless the document defines ``e`` otherwise.
    euler_e: bool = True
    symbols_as_constants: frozenset[str] = frozenset()  # reserved
    #: Names the document uses as plain variables: ``x(x+1)`` is then clearly a product
    #: and gets no DRV005 lint.
    variables: frozenset[str] = frozenset()
    #: The letter read as the imaginary unit ``sympy.I`` ("i" or "j"); None: a plain letter.
    #: Use it for documents about complex numbers (see ``uses_complex_numbers``).
    imaginary_unit: str | None = None


@dataclass(frozen=True)
class ParseIssue:
    """A lint, not an error.

    DRV003 unbraced superscript, DRV004 ignored formatting/trailing text, DRV005 implicit
    product that could be a call, DRV009 d/dx, \\lim or \\sum whose extent stops at + or -.
    """

    rule_id: str
    message: str
    offset: int  # into the original text
    subject: str = ""  # the name a DRV005 lint is about


class LatexParseError(ValueError):
    """The text cannot be read; ``offset`` is into the original text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at offset {offset})")
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class ParsedExpr:
    expr: sp.Expr
    issues: tuple[ParseIssue, ...]
    #: Decimal literals as written, with the exact rational each became ("0.5", 1/2).
    decimals: tuple[tuple[str, sp.Rational], ...] = ()
    #: Names used as plain symbols (not those only read as a factor before a parenthesis).
    variables: frozenset[str] = frozenset()


def parse_latex_expr(text: str, options: ParseOptions = ParseOptions()) -> ParsedExpr:  # noqa: B008
    """Parse one expression; raises LatexParseError (never drops part of the input)."""
    from derive.parse import latex, limits
    from derive.parse.normalize import NormalizeError, normalize

    try:
        limits.check_text(text)
        normalized = normalize(text)
    except NormalizeError as error:
        raise LatexParseError(error.message, error.offset) from None
    except latex.SyntaxFailure as error:
        raise LatexParseError(error.message, error.position) from None
    except RecursionError:
        raise LatexParseError("too deeply nested to read", 0) from None
    try:
        raw = latex.parse_normalized(normalized, options.functions, options.euler_e,
                                     options.variables, options.imaginary_unit)
    except (latex.SyntaxFailure, latex.TransformFailure) as error:
        raise LatexParseError(error.message, normalized.original_offset(error.position)) from None
    except RecursionError:
        raise LatexParseError("too deeply nested to read", 0) from None
    issues = [ParseIssue(lint.rule_id, lint.message, lint.offset) for lint in normalized.lints]
    issues += [
        ParseIssue(issue.rule_id, issue.message, normalized.original_offset(issue.position),
                   issue.subject)
        for issue in raw.issues
    ]
    issues.sort(key=lambda issue: (issue.offset, issue.rule_id))
    return ParsedExpr(raw.expr, tuple(issues), raw.decimals, raw.symbol_names)


def uses_complex_numbers(text: str, unit: str = "i") -> bool:
    """Whether a document (its math and prose) works with complex numbers, so that ``unit``
    is the imaginary unit: ``i^2 = -1``, ``e^{i\\theta}``, ``\\Re``/``\\Im``, a conjugate
    beside ``i``, or "imaginary unit"/"complex number" in the prose."""
    from derive.parse.complex_numbers import uses_complex_numbers as detect

    return detect(text, unit)


def names_the_unit(text: str, unit: str) -> bool:
    """Whether ``text`` writes this letter as the imaginary unit (``j^2 = -1``,
    ``e^{j\\theta}``, ``3 + 4j``), beyond complex numbers in general."""
    from derive.parse.complex_numbers import names_the_unit as names

    return names(text, unit)


def display_name(name: str) -> str:
    """A SymPy function name as messages show it: the conditional ``P|1`` reads ``P(·|·)``."""
    from derive.parse import conditional

    return conditional.display_name(name)


_GREEK_OR_WORD = re.compile(r"\\([A-Za-z]+)")
_NAMED = re.compile(r"\\(?:operatorname|mathrm|mathit|text|textrm)\s*\{\s*([A-Za-z]+)\s*\}")


def function_name(latex_head: str) -> str | None:
    """SymPy name of a function head: ``\\sigma`` -> ``sigma``, ``f`` -> ``f``,
    ``\\operatorname{sigmoid}`` -> ``sigmoid``; None when it is not a name."""
    head = latex_head.strip()
    if re.fullmatch(r"[A-Za-z]", head):
        return head
    named = _NAMED.fullmatch(head)
    if named:
        return named.group(1)
    macro = _GREEK_OR_WORD.fullmatch(head)
    if macro:
        from derive.parse import macros

        word = macro.group(1)
        if word in macros.GREEK_LETTERS or word in macros.KNOWN_FUNCTIONS:
            return word
    return None
