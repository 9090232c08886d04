"""What the transformer hands to the run resolver: the items of a juxtaposition run.

The grammar yields ``2x``, ``f(x)``, ``\\sin x``, ``\\frac{d}{dx} x^2`` as a flat run of these;
runs.py decides calls versus products and how far each operator reaches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp


@dataclass
class Superscript:
    expr: sp.Expr


def with_power(expr: sp.Expr, sup: sp.Expr | None) -> sp.Expr:
    return expr if sup is None else sp.Pow(expr, sup)


@dataclass
class Value:
    expr: sp.Expr
    position: int


@dataclass
class Name:
    """A symbol as written: it may turn out to be a function applied to the next parenthesis."""

    name: str
    expr: sp.Expr  # the value when it is not called
    position: int
    primes: int = 0
    sup: sp.Expr | None = None
    plain: bool = True  # a bare letter/Greek letter/word without subscript (call candidate)
    differential_d: bool = False  # `d` or `\mathrm{d}` that may start `dx`
    upright_word: bool = False  # \mathrm{softmax}: an operator name, called when applied


@dataclass
class Paren:
    args: tuple[sp.Expr, ...]
    position: int
    sup: sp.Expr | None = None
    #: ``P(a \\mid b)``: how many arguments stand before ``\\mid`` (None: no ``\\mid``).
    given: int | None = None
    given_position: int = 0
    #: ``(x)!`` or ``f(x)!``: the factorial of the group's value (or of the call).
    factorial: bool = False
    #: A delimited group ``( )``, ``[ ]``, ``\\{ \\}``; False for a TeX brace group ``{ }``.
    delimited: bool = True

    def close(self, value: sp.Expr) -> sp.Expr:
        """What stands after the closing bracket applied to ``value``: ``!`` then ``^{..}``."""
        if self.factorial:
            value = sp.factorial(value)
        return with_power(value, self.sup)


@dataclass
class FuncHead:
    name: str
    func: Callable[..., sp.Expr]
    position: int
    log_base: sp.Expr | None = None
    sup: sp.Expr | None = None
    primes: int = 0  # \tanh'(x): the derivative of the function, evaluated at the argument


@dataclass
class DerivativeOperator:
    variable: sp.Symbol
    order: int
    position: int


@dataclass
class LeibnizFunction:
    """``\\frac{df}{dx}`` for a function name ``f``: may be evaluated at ``(args)``."""

    function: sp.FunctionClass
    variable: sp.Symbol
    order: int
    position: int
    sup: sp.Expr | None = None


@dataclass
class BigOperator:
    """``\\lim_{..}`` or ``\\sum_{..}^{..}``: applies to the rest of the run."""

    label: str
    build: Callable[[sp.Expr], sp.Expr]
    position: int


@dataclass
class IntegralHead:
    lower: sp.Expr | None
    upper: sp.Expr | None
    position: int


Item = (
    Value | Name | Paren | FuncHead | DerivativeOperator | LeibnizFunction | BigOperator
    | IntegralHead
)


@dataclass
class RunResult:
    """A resolved run; ``open_operator`` marks a d/dx, lim or sum that took the run's tail."""

    expr: sp.Expr
    open_operator: tuple[str, int] | None = None
