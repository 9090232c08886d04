"""The Lark transformer: parse tree -> SymPy objects and run items, bottom-up.

Juxtaposed items are handed to runs.py as a flat run, because deciding whether ``f(x)`` is a
call or a product needs the document's function names.  Nothing is ever evaluated from text:
every SymPy object is built by constructor from tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp
from lark import Token, Transformer

from derive.parse import macros
from derive.parse.failures import TransformFailure
from derive.parse.items import (
    BigOperator,
    DerivativeOperator,
    FuncHead,
    IntegralHead,
    LeibnizFunction,
    Name,
    Paren,
    RunResult,
    Superscript,
    Value,
)
from derive.parse.names import UPRIGHT_WORD, compact_latex, differential, symbol_for
from derive.parse.runs import RunResolver


@dataclass(frozen=True)
class IssueRecord:
    rule_id: str
    message: str
    position: int  # in the normalised text
    subject: str = ""  # DRV005: the name read as a factor


_BRACKET_PAIRS = {"(": ")", "[": "]", "\\{": "\\}"}


def position_of(token: Token) -> int:
    """Start of a token in the normalised text (Lark types it as optional)."""
    return token.start_pos or 0


def _tokens(children: Sequence[Any]) -> list[Token]:
    return [child for child in children if isinstance(child, Token)]


#: A slash division whose denominator is one number, letter or macro, right before an operator.
_SLASH_DENOMINATOR = re.compile(r"/\s*(\d+(?:\.\d+)?|[A-Za-z]|\\[A-Za-z]+)$")


class ToSympy(Transformer[Token, Any]):
    """Builds SymPy objects bottom-up; collects lints; raises TransformFailure."""

    def __init__(self, functions: frozenset[str], euler_e: bool) -> None:
        super().__init__(visit_tokens=False)
        self.functions = functions
        self.euler_e = euler_e
        self.issues: list[IssueRecord] = []
        self.decimals: list[tuple[str, sp.Rational]] = []
        #: Names used as plain symbols (``x`` in ``x^2``, a variable of d/dx, lim, sum, dx).
        self.symbol_names: set[str] = set()
        #: DRV005 lints, kept only if their name is not used as a plain symbol anywhere.
        self.product_lints: list[IssueRecord] = []
        #: The normalised text being transformed (for lints that look at spacing).
        self.text = ""

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def value(node: Any) -> sp.Expr:
        return node.expr if isinstance(node, RunResult) else node

    def sup_of(self, children: Sequence[Any]) -> sp.Expr | None:
        sups = [child for child in children if isinstance(child, Superscript)]
        return sups[0].expr if sups else None

    def is_function_name(self, name: str) -> bool:
        return name in self.functions or name in macros.DEFAULT_FUNCTION_LETTERS

    def lint(self, rule_id: str, message: str, position: int) -> None:
        self.issues.append(IssueRecord(rule_id, message, position))

    def used_symbol(self, name: str) -> None:
        self.symbol_names.add(name)

    def product_lint(self, name: str, position: int) -> None:
        """``a(b+c)`` read as a product: doubtful only if ``a`` is never a plain symbol."""
        written = f"\\{name}" if name in macros.GREEK_LETTERS else name
        self.product_lints.append(IssueRecord(
            "DRV005",
            f"{written}(...) read as the product {written}\u00b7(...); "
            f"if {written} is a function, define it in the document",
            position, name,
        ))

    def all_issues(self, variables: frozenset[str]) -> tuple[IssueRecord, ...]:
        known = self.symbol_names | variables
        return tuple(self.issues) + tuple(
            lint for lint in self.product_lints if lint.subject not in known
        )

    # -- expression level -----------------------------------------------------------------
    def start(self, children: list[Any]) -> sp.Expr:
        return self.value(children[0])

    def add(self, children: list[Any]) -> sp.Expr:
        self.check_open_operator(children[0], children[1])
        self.check_slash_denominator(children[1])
        return sp.Add(self.value(children[0]), self.value(children[2]))

    def sub(self, children: list[Any]) -> sp.Expr:
        self.check_open_operator(children[0], children[1])
        self.check_slash_denominator(children[1])
        return sp.Add(self.value(children[0]), -self.value(children[2]))

    def check_slash_denominator(self, operator: Token) -> None:
        """``1/1+e^{-x}``: written tight, the author most likely meant 1/(1+e^{-x})."""
        position = position_of(operator)
        text = self.text
        if not 0 < position < len(text) - 1 or text[position - 1].isspace() \
                or text[position + 1].isspace():
            return
        slash = _SLASH_DENOMINATOR.search(text, 0, position)
        if slash is None:
            return
        denominator = slash.group(1)
        self.lint(
            "DRV009",
            f"/{denominator}{operator}: '/' binds tighter than '{operator}', so this reads as "
            f"(.../{denominator}) {operator} ...; write \\frac{{..}}{{..}} or parentheses "
            "if the denominator goes on",
            position_of(operator),
        )

    def check_open_operator(self, left: Any, operator: Token) -> None:
        if isinstance(left, RunResult) and left.open_operator is not None:
            label, position = left.open_operator
            self.lint(
                "DRV009",
                f"{label} applies only up to this '{operator}': read as ({label} ...) "
                f"{operator} ...; use parentheses if it should cover more",
                position,
            )

    def mul(self, children: list[Any]) -> sp.Expr:
        return sp.Mul(self.value(children[0]), self.value(children[2]))

    def div(self, children: list[Any]) -> sp.Expr:
        return sp.Mul(self.value(children[0]), sp.Pow(self.value(children[2]), -1))

    def neg(self, children: list[Any]) -> sp.Expr:
        return -self.value(children[1])

    def pos(self, children: list[Any]) -> sp.Expr:
        return self.value(children[1])

    def run(self, children: list[Any]) -> RunResult:
        return RunResolver(self).resolve_run(children)

    # -- items ----------------------------------------------------------------------------
    def sup(self, children: list[Any]) -> Superscript:
        return Superscript(self.value(children[1]))

    def group(self, children: list[Any]) -> sp.Expr:
        return self.value(children[1])

    def braced(self, children: list[Any]) -> Paren:
        # Behaves like a parenthesis: \log{\left(x\right)} (as SymPy prints) is a call.
        return Paren((self.value(children[1]),), position_of(children[0]), self.sup_of(children),
                     delimited=False)

    def number(self, children: list[Any]) -> Value:
        token = children[0]
        text = str(token)
        expr: sp.Expr
        if "." in text:
            rational = sp.Rational(text)  # exact: 0.5 -> 1/2 (a string of digits, never code)
            self.decimals.append((text, rational))
            expr = rational
        else:
            expr = sp.Integer(int(text))
        if any(isinstance(c, Token) and c.type == "BANG" for c in children):
            expr = sp.factorial(expr, evaluate=False)
        sup = self.sup_of(children)
        return Value(expr if sup is None else sp.Pow(expr, sup), position_of(token))

    def symbol(self, children: list[Any]) -> Name:
        tokens = _tokens(children)
        base = tokens[0]
        name, expr, plain, is_d = self.base_name(base)
        for token in tokens[1:]:
            if token.type == "SUB":
                inner = str(token)[str(token).index("{") + 1: -1]
                name = f"{name}_{{{compact_latex(inner)}}}"
                expr, plain, is_d = symbol_for(name), False, False
            elif token.type == "SUP_PAREN":
                inner = str(token)[str(token).index("{") + 1: -1]
                name = f"{name}^{{{compact_latex(inner)}}}"
                expr, plain, is_d = symbol_for(name), False, False
        primes = sum(len(token) for token in tokens if token.type == "PRIME")
        if any(token.type == "BANG" for token in tokens):
            if primes:
                raise TransformFailure("factorial of a primed name", position_of(base))
            expr, plain, is_d = sp.factorial(expr), False, False
        upright_word = base.type == "UPRIGHT" and len(name) > 1 and plain
        return Name(name, expr, position_of(base), primes, self.sup_of(children), plain, is_d,
                    upright_word)

    def base_name(self, token: Token) -> tuple[str, sp.Expr, bool, bool]:
        """(name, value, plain, is differential d) of a symbol's base token."""
        text = str(token)
        if token.type == "LETTER":
            if text == "e" and self.euler_e:
                return text, sp.E, True, False
            return text, symbol_for(text), True, text == "d"
        if token.type == "GREEK":
            return text[1:], symbol_for(text[1:]), True, False
        if token.type == "CONST":
            return text[1:], macros.CONSTANTS[text[1:]], False, False
        if token.type == "UPRIGHT":
            match = UPRIGHT_WORD.match(text)
            assert match is not None  # the terminal's pattern guarantees it
            word = match.group(1)
            if word == "e":
                return word, sp.E, False, False
            return word, symbol_for(word), True, word == "d"
        # DECORATED: the canonical LaTeX is the name (\hat{y}, \mathbf{v})
        name = compact_latex(text)
        return name, symbol_for(name), False, False

    def paren(self, children: list[Any]) -> Paren:
        tokens = _tokens(children)
        opener = next(token for token in tokens if token.type == "OPEN")
        closer = next(token for token in tokens if token.type == "CLOSE")
        if _BRACKET_PAIRS[str(opener)] != str(closer):
            raise TransformFailure(
                f"'{closer}' does not match '{opener}'", position_of(closer)
            )
        args = tuple(
            self.value(child) for child in children
            if not isinstance(child, (Token, Superscript))
        )
        given: int | None = None
        given_position = 0
        mid = next((token for token in tokens if token.type == "MID"), None)
        if mid is not None:
            given_position = position_of(mid)
            given = sum(
                1 for child in children[:children.index(mid)]
                if not isinstance(child, (Token, Superscript))
            )
        factorial = any(token.type == "BANG" for token in tokens)
        return Paren(args, position_of(opener), self.sup_of(children), given, given_position,
                     factorial)

    def evaluated(self, children: list[Any]) -> Value:
        """``(E)|_{x=a}``: E with the point substituted, kept unevaluated as ``Subs`` so that a
        derivative is taken first and evaluated at the point after (``doit`` does both)."""
        body, variable, point = (self.value(children[i]) for i in (1, 6, 8))
        bar = children[3]
        if not isinstance(variable, sp.Symbol):
            raise TransformFailure("an evaluation bar needs a variable: |_{x=a}", position_of(bar))
        return Value(sp.Subs(body, variable, point), position_of(children[0]))

    def abs(self, children: list[Any]) -> Value:
        expr = sp.Abs(self.value(children[1]))
        sup = self.sup_of(children)
        return Value(expr if sup is None else sp.Pow(expr, sup), position_of(children[0]))

    def frac(self, children: list[Any]) -> Value:
        numerator, denominator = self.value(children[1]), self.value(children[2])
        expr = sp.Mul(numerator, sp.Pow(denominator, -1))
        sup = self.sup_of(children)
        return Value(expr if sup is None else sp.Pow(expr, sup), position_of(children[0]))

    def sqrt(self, children: list[Any]) -> Value:
        tokens = _tokens(children)
        exprs = [self.value(c) for c in children
                 if not isinstance(c, (Token, Superscript))]
        opener = next((token for token in tokens if token.type == "OPEN"), None)
        if opener is not None:
            closer = next(token for token in tokens if token.type == "CLOSE")
            if str(opener) != "[" or str(closer) != "]":
                raise TransformFailure("\\sqrt index must be written [n]", position_of(opener))
            expr = sp.root(exprs[1], exprs[0])
        else:
            expr = sp.sqrt(exprs[0])
        sup = self.sup_of(children)
        return Value(expr if sup is None else sp.Pow(expr, sup), position_of(tokens[0]))

    def funchead(self, children: list[Any]) -> FuncHead:
        head = children[0]
        text = str(head)
        if head.type == "OPNAME":
            match = UPRIGHT_WORD.match(text)
            assert match is not None
            word = match.group(1)
        else:
            word = text.lstrip("\\")
        func: Callable[..., sp.Expr] = macros.KNOWN_FUNCTIONS.get(word) or sp.Function(word)
        log_base = None
        exprs = [c for c in children[1:] if not isinstance(c, (Token, Superscript))]
        if exprs:
            if word != "log":
                raise TransformFailure(f"subscript on \\{word} is not understood",
                                       position_of(head))
            log_base = self.value(exprs[0])
        sup = self.sup_of(children)
        if sup is not None and sup.is_negative:
            raise TransformFailure(
                f"{text}^{{{sp.latex(sup)}}} is ambiguous (inverse function or reciprocal): "
                f"write \\arc{word} or ({text} x)^{{{sp.latex(sup)}}}",
                position_of(head),
            )
        primes = sum(len(token) for token in _tokens(children) if token.type == "PRIME")
        return FuncHead(word, func, position_of(head), log_base, sup, primes)

    def derivop(self, children: list[Any]) -> DerivativeOperator:
        token = children[0]
        variable, order = differential(str(token), position_of(token))
        return DerivativeOperator(variable, order, position_of(token))

    def leibniz(self, children: list[Any]) -> Value | LeibnizFunction:
        opener, numerator_node, denominator = children[0], children[1], children[3]
        variable, order = differential(str(opener) + "}" + str(denominator),
                                       position_of(opener))
        numerator = self.value(numerator_node)
        sup = self.sup_of(children)
        self.used_symbol(variable.name)
        if isinstance(numerator, sp.Symbol) and numerator != variable:
            # dy/dx says y depends on x: an unknown function of x, never a constant.
            function = sp.Function(numerator.name)
            if self.is_function_name(numerator.name):
                return LeibnizFunction(function, variable, order, position_of(opener), sup)
            numerator = function(variable)
        expr = sp.Derivative(numerator, (variable, order))
        return Value(expr if sup is None else sp.Pow(expr, sup), position_of(opener))


    def lim(self, children: list[Any]) -> BigOperator:
        tokens = _tokens(children)
        exprs = [self.value(c) for c in children if not isinstance(c, Token)]
        variable, point = exprs
        head = tokens[0]
        if not isinstance(variable, sp.Symbol):
            raise TransformFailure("the limit variable must be a single symbol", position_of(head))
        self.used_symbol(variable.name)
        side = next((str(token) for token in tokens if token.type == "SIDE"), None)
        direction = "+-"
        if side is not None:
            direction = "+" if "+" in side else "-"
        if point.is_infinite:
            def build(expr: sp.Expr) -> sp.Expr:
                return sp.Limit(expr, variable, point)
        else:
            def build(expr: sp.Expr) -> sp.Expr:
                return sp.Limit(expr, variable, point, dir=direction)
        return BigOperator("\\lim", build, position_of(head))

    def sum(self, children: list[Any]) -> BigOperator:
        tokens = _tokens(children)
        head = tokens[0]
        exprs = [self.value(c) for c in children if not isinstance(c, Token)]
        has_equals = any(token.type == "EQ" for token in tokens)
        if not has_equals or len(exprs) != 3:
            raise TransformFailure(
                "out of scope: \\sum without explicit bounds (write \\sum_{i=1}^{n})",
                position_of(head),
            )
        index, lower, upper = exprs
        if not isinstance(index, sp.Symbol):
            raise TransformFailure("the summation index must be a single symbol", position_of(head))
        self.used_symbol(index.name)

        def build(expr: sp.Expr) -> sp.Expr:
            return sp.Sum(expr, (index, lower, upper))

        return BigOperator("\\sum", build, position_of(head))

    def integral(self, children: list[Any]) -> IntegralHead:
        tokens = _tokens(children)
        exprs = [self.value(c) for c in children if not isinstance(c, Token)]
        head = tokens[0]
        if len(exprs) == 1:
            raise TransformFailure("an integral needs both bounds or none", position_of(head))
        if exprs:
            return IntegralHead(exprs[0], exprs[1], position_of(head))
        return IntegralHead(None, None, position_of(head))
