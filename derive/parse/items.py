"""What the transformer hands to the run resolver: the items of a juxtaposition run.

The grammar yields ``2x``, ``f(x)``, ``\\sin x``, ``\\frac{d}{dx} x^2`` as a flat run of these;
runs.py decides calls versus products and how far each operator reaches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derive.parse import limits


@dataclass
class Superscript:
    expr: sp.Expr
    position: int = 0  # of the caret, for "too large" errors
    transpose: bool = False  # written ^T: a transpose unless the base is a number


def with_power(expr: sp.Expr, sup: Superscript | None) -> sp.Expr:
    return expr if sup is None else limits.power(expr, sup.expr, sup.position)


@dataclass
class Value:
    expr: sp.Expr
    position: int


@dataclass
class FracValue(Value):
    """``\\frac{3\\,dz}{z}``: a fraction whose numerator ends in a differential; inside an
    integral it supplies the variable (``differential``) and the integrand (``integrand``)."""

    differential: sp.Symbol | None = None
    integrand: sp.Expr | None = None


@dataclass
class Name:
    """A symbol as written: it may turn out to be a function applied to the next parenthesis."""

    name: str
    expr: sp.Expr  # the value when it is not called
    position: int
    primes: int = 0
    sup: Superscript | None = None
    plain: bool = True  # a bare letter/Greek letter/word without subscript (call candidate)
    differential_d: bool = False  # `d` or `\mathrm{d}` that may start `dx`
    upright_word: bool = False  # \mathrm{softmax}: an operator name, called when applied
    #: symbols a subscript or index mentions (``g_w`` depends on ``w``): a call of the name
    #: takes them as hidden arguments, so that d/dw g_w(z) is not 0
    script_symbols: tuple[sp.Symbol, ...] = ()


@dataclass
class Paren:
    args: tuple[sp.Expr, ...]
    position: int
    sup: Superscript | None = None
    #: ``P(a \\mid b)``: how many arguments stand before ``\\mid`` (None: no ``\\mid``).
    given: int | None = None
    given_position: int = 0
    #: ``(x)!`` or ``f(x)!``: the factorial of the group's value (or of the call).
    factorial: bool = False
    #: A delimited group ``( )``, ``[ ]``, ``\\{ \\}``; False for a TeX brace group ``{ }``.
    delimited: bool = True
    opener: str = "("
    #: the text between the brackets, as written (normalised)
    inner_text: str = ""
    #: an argument is an event (``X = 1``, ``A \cap B``): only an operator such as P takes it
    events: bool = False

    def close(self, value: sp.Expr) -> sp.Expr:
        """What stands after the closing bracket applied to ``value``: ``!`` then ``^{..}``."""
        if self.factorial:
            value = limits.factorial(value, self.position)
        return with_power(value, self.sup)


@dataclass
class FuncHead:
    name: str
    func: Callable[..., sp.Expr]
    position: int
    log_base: sp.Expr | None = None
    sup: Superscript | None = None
    primes: int = 0
    #: an operator (E, Var, Cov, Pr): takes events and a condition, ``\Pr(A \mid B)``
    operator: bool = False  # \tanh'(x): the derivative of the function, evaluated at the argument


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
    sup: Superscript | None = None


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
