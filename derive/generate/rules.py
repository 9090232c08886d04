"""Differentiation rules as small dataclasses; the tree of rules is the derivation.

Modelled on SymPy's ``integrals/manualintegrate.py``: every rule records the
expression it differentiates and the variable, evaluates itself with
``eval()``, and reports ``contains_unsupported()``.  :func:`differentiate`
chooses a rule by the expression's head.  Printing, evaluation and checking are
separate walks over the tree (see ``derive.generate.derivation``).

The chain rule introduces a *named* substitution (``u = 1 + e^{-x}``) for a
non-trivial inner expression; when the inner expression is linear in the
variable (``-x``, ``2x + 1``) the chain is shown inline instead and no name is
used up.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import sympy as sp

#: Names handed out to chain-rule substitutions, in order.
DEFAULT_SUBSTITUTION_NAMES: tuple[str, ...] = ("u", "v", "w", "s", "t", "p", "q", "r")


@dataclass
class DiffRule(ABC):
    """d/d(variable) of ``expr``."""

    expr: sp.Expr
    variable: sp.Symbol

    #: Short human phrase used as ``DerivationStep.rule``.
    name: ClassVar[str] = "rule"

    @abstractmethod
    def eval(self) -> sp.Expr:
        """The derivative this rule produces."""

    def substeps(self) -> tuple[DiffRule, ...]:
        return ()

    def contains_unsupported(self) -> bool:
        return any(step.contains_unsupported() for step in self.substeps())

    def walk(self) -> Iterator[DiffRule]:
        """This rule and all its sub-rules, depth first, in a fixed order."""
        yield self
        for step in self.substeps():
            yield from step.walk()


# ---------------------------------------------------------------------------
# Atomic rules
# ---------------------------------------------------------------------------


@dataclass
class ConstantRule(DiffRule):
    """d/dx c = 0"""

    name: ClassVar[str] = "constant rule"

    def eval(self) -> sp.Expr:
        return sp.S.Zero


@dataclass
class VariableRule(DiffRule):
    """d/dx x = 1"""

    name: ClassVar[str] = "variable rule"

    def eval(self) -> sp.Expr:
        return sp.S.One


@dataclass
class PowerRule(DiffRule):
    """d/dx x^n = n x^(n-1), n constant"""

    base: sp.Expr
    exponent: sp.Expr
    name: ClassVar[str] = "power rule"

    def eval(self) -> sp.Expr:
        return self.exponent * self.base ** (self.exponent - 1)


@dataclass
class ExpRule(DiffRule):
    """d/dx e^x = e^x"""

    name: ClassVar[str] = "exp rule"

    def eval(self) -> sp.Expr:
        return sp.exp(self.variable)


@dataclass
class ExponentialRule(DiffRule):
    """d/dx a^x = a^x ln a, a constant"""

    base: sp.Expr
    name: ClassVar[str] = "exponential rule"

    def eval(self) -> sp.Expr:
        return self.base**self.variable * sp.log(self.base)


@dataclass
class LogRule(DiffRule):
    """d/dx ln x = 1/x"""

    name: ClassVar[str] = "log rule"

    def eval(self) -> sp.Expr:
        return 1 / self.variable


#: d/dx f(x) for the elementary functions with a textbook derivative.
_TRIG: dict[type[sp.Function], Callable[[sp.Expr], sp.Expr]] = {
    sp.sin: lambda x: sp.cos(x),
    sp.cos: lambda x: -sp.sin(x),
    sp.tan: lambda x: 1 + sp.tan(x) ** 2,
    sp.cot: lambda x: -1 - sp.cot(x) ** 2,
    sp.sec: lambda x: sp.sec(x) * sp.tan(x),
    sp.csc: lambda x: -sp.csc(x) * sp.cot(x),
    sp.asin: lambda x: 1 / sp.sqrt(1 - x**2),
    sp.acos: lambda x: -1 / sp.sqrt(1 - x**2),
    sp.atan: lambda x: 1 / (1 + x**2),
}
_HYPERBOLIC: dict[type[sp.Function], Callable[[sp.Expr], sp.Expr]] = {
    sp.sinh: lambda x: sp.cosh(x),
    sp.cosh: lambda x: sp.sinh(x),
    sp.tanh: lambda x: 1 - sp.tanh(x) ** 2,
    sp.coth: lambda x: 1 - sp.coth(x) ** 2,
    sp.sech: lambda x: -sp.sech(x) * sp.tanh(x),
    sp.csch: lambda x: -sp.csch(x) * sp.coth(x),
    sp.asinh: lambda x: 1 / sp.sqrt(x**2 + 1),
    sp.atanh: lambda x: 1 / (1 - x**2),
}


@dataclass
class TrigRule(DiffRule):
    """d/dx sin x = cos x, d/dx cos x = -sin x, d/dx tan x = 1 + tan^2 x, ..."""

    function: type[sp.Function]
    name: ClassVar[str] = "trig rule"

    def eval(self) -> sp.Expr:
        return _TRIG[self.function](self.variable)

    @property
    def label(self) -> str:
        return f"derivative of {self.function.__name__}"


@dataclass
class HyperbolicRule(DiffRule):
    """d/dx sinh x = cosh x, d/dx cosh x = sinh x, d/dx tanh x = 1 - tanh^2 x, ..."""

    function: type[sp.Function]
    name: ClassVar[str] = "hyperbolic rule"

    def eval(self) -> sp.Expr:
        return _HYPERBOLIC[self.function](self.variable)

    @property
    def label(self) -> str:
        return f"derivative of {self.function.__name__}"


@dataclass
class UnsupportedRule(DiffRule):
    """No rule applies; the derivative is left unevaluated and flagged."""

    reason: str = ""
    name: ClassVar[str] = "unsupported"

    def eval(self) -> sp.Expr:
        return sp.Derivative(self.expr, self.variable)

    def contains_unsupported(self) -> bool:
        return True


# ---------------------------------------------------------------------------
# Rules with sub-steps
# ---------------------------------------------------------------------------


@dataclass
class ConstantMultipleRule(DiffRule):
    """d/dx [c f(x)] = c d/dx f(x)"""

    constant: sp.Expr
    other: sp.Expr
    substep: DiffRule
    name: ClassVar[str] = "constant multiple rule"

    def eval(self) -> sp.Expr:
        return self.constant * self.substep.eval()

    def substeps(self) -> tuple[DiffRule, ...]:
        return (self.substep,)


@dataclass
class SumRule(DiffRule):
    """d/dx [f + g] = f' + g'"""

    terms: tuple[DiffRule, ...]
    name: ClassVar[str] = "sum rule"

    def eval(self) -> sp.Expr:
        return sp.Add(*(step.eval() for step in self.terms))

    def substeps(self) -> tuple[DiffRule, ...]:
        return self.terms


@dataclass
class ProductRule(DiffRule):
    """d/dx [f g h] = f' g h + f g' h + f g h'"""

    factors: tuple[sp.Expr, ...]
    factor_steps: tuple[DiffRule, ...]
    name: ClassVar[str] = "product rule"

    def eval(self) -> sp.Expr:
        terms = []
        for i, step in enumerate(self.factor_steps):
            others = self.factors[:i] + self.factors[i + 1 :]
            terms.append(sp.Mul(step.eval(), *others))
        return sp.Add(*terms)

    def substeps(self) -> tuple[DiffRule, ...]:
        return self.factor_steps


@dataclass
class QuotientRule(DiffRule):
    """d/dx [f/g] = (f' g - f g') / g^2"""

    numerator: sp.Expr
    denominator: sp.Expr
    numerator_step: DiffRule
    denominator_step: DiffRule
    name: ClassVar[str] = "quotient rule"

    def eval(self) -> sp.Expr:
        f, g = self.numerator, self.denominator
        df, dg = self.numerator_step.eval(), self.denominator_step.eval()
        return (df * g - f * dg) / g**2

    def substeps(self) -> tuple[DiffRule, ...]:
        return (self.numerator_step, self.denominator_step)


@dataclass
class GeneralPowerRule(DiffRule):
    """d/dx f^g = f^g (g' ln f + g f'/f), from f^g = e^{g ln f} (logarithmic differentiation)"""

    base: sp.Expr
    exponent: sp.Expr
    base_step: DiffRule
    exponent_step: DiffRule
    name: ClassVar[str] = "logarithmic differentiation"

    def eval(self) -> sp.Expr:
        f, g = self.base, self.exponent
        df, dg = self.base_step.eval(), self.exponent_step.eval()
        return f**g * (dg * sp.log(f) + g * df / f)

    def substeps(self) -> tuple[DiffRule, ...]:
        return (self.base_step, self.exponent_step)


@dataclass
class ChainRule(DiffRule):
    """d/dx f(g(x)) = f'(u) g'(x) with u = g(x).

    ``outer`` differentiates ``f(u)`` in ``u_symbol``; ``inner`` differentiates
    ``u_expr`` in the variable.  ``inline`` chains (linear inner expression)
    are shown without a named substitution.
    """

    u_symbol: sp.Symbol
    u_expr: sp.Expr
    outer: DiffRule
    inner: DiffRule
    inline: bool = False
    name: ClassVar[str] = "chain rule"

    def eval(self) -> sp.Expr:
        return self.outer.eval().subs(self.u_symbol, self.u_expr) * self.inner.eval()

    def substeps(self) -> tuple[DiffRule, ...]:
        return (self.outer, self.inner)

    @property
    def substitution_latex(self) -> str:
        """The substitution as LaTeX, e.g. ``u = 1 + e^{- x}``."""
        return f"{sp.latex(self.u_symbol)} = {sp.latex(self.u_expr)}"


# ---------------------------------------------------------------------------
# The dispatcher
# ---------------------------------------------------------------------------


@dataclass
class _Names:
    """Hands out substitution names that do not clash with the expression."""

    pool: Sequence[str]
    taken: set[str] = field(default_factory=set)
    counter: int = 0

    def fresh(self) -> sp.Symbol:
        for name in self.pool:
            if name not in self.taken:
                self.taken.add(name)
                return sp.Symbol(name)
        # pool exhausted: u_1, u_2, ... (deterministic)
        while True:
            self.counter += 1
            name = f"{self.pool[0] if self.pool else 'u'}_{self.counter}"
            if name not in self.taken:
                self.taken.add(name)
                return sp.Symbol(name)


def differentiate(
    expr: sp.Expr,
    x: sp.Symbol,
    *,
    substitution_names: Sequence[str] = DEFAULT_SUBSTITUTION_NAMES,
) -> DiffRule:
    """The rule tree for d/dx ``expr``, chosen by the expression's head."""
    taken = {str(s) for s in expr.free_symbols}
    names = _Names(pool=tuple(substitution_names), taken=taken)
    return _differentiate(expr, x, names)


def _is_linear(inner: sp.Expr, x: sp.Symbol) -> bool:
    """a*x + b with constant a, b: simple enough to show a chain inline."""
    if not inner.has(x):
        return False
    slope = sp.diff(inner, x)
    return not slope.has(x) and bool(inner.is_polynomial(x))


def _chain(
    outer_of: Callable[[sp.Expr], sp.Expr],
    inner: sp.Expr,
    expr: sp.Expr,
    x: sp.Symbol,
    names: _Names,
) -> DiffRule:
    """Chain rule for ``expr = outer_of(inner)``, named unless ``inner`` is linear."""
    inline = _is_linear(inner, x)
    u = sp.Dummy("t") if inline else names.fresh()
    outer_rule = _differentiate(outer_of(u), u, names)
    inner_rule = _differentiate(inner, x, names)
    return ChainRule(expr, x, u, inner, outer_rule, inner_rule, inline=inline)


def _differentiate(expr: sp.Expr, x: sp.Symbol, names: _Names) -> DiffRule:
    if not expr.has(x):
        return ConstantRule(expr, x)
    if expr == x:
        return VariableRule(expr, x)
    if isinstance(expr, sp.Add):
        return SumRule(expr, x, tuple(_differentiate(term, x, names) for term in expr.args))
    if isinstance(expr, sp.Mul):
        return _differentiate_mul(expr, x, names)
    if isinstance(expr, sp.Pow):
        return _differentiate_pow(expr, x, names)
    if isinstance(expr, sp.exp):
        (arg,) = expr.args
        if arg == x:
            return ExpRule(expr, x)
        return _chain(sp.exp, arg, expr, x, names)
    if isinstance(expr, sp.log) and len(expr.args) == 1:
        (arg,) = expr.args
        if arg == x:
            return LogRule(expr, x)
        return _chain(sp.log, arg, expr, x, names)
    for table, rule_type in ((_TRIG, TrigRule), (_HYPERBOLIC, HyperbolicRule)):
        function = type(expr)
        if function in table and len(expr.args) == 1:
            (arg,) = expr.args
            if arg == x:
                return rule_type(expr, x, function)
            return _chain(function, arg, expr, x, names)
    return UnsupportedRule(expr, x, reason=f"no differentiation rule for {type(expr).__name__}")


def _differentiate_mul(expr: sp.Mul, x: sp.Symbol, names: _Names) -> DiffRule:
    constant, other = expr.as_independent(x, as_Add=False)
    if constant != 1:
        return ConstantMultipleRule(expr, x, constant, other, _differentiate(other, x, names))
    numerator, denominator = sp.fraction(expr, exact=True)
    if denominator.has(x) and numerator.has(x) and denominator != 1:
        return QuotientRule(
            expr,
            x,
            numerator,
            denominator,
            _differentiate(numerator, x, names),
            _differentiate(denominator, x, names),
        )
    factors = expr.args
    return ProductRule(expr, x, factors, tuple(_differentiate(f, x, names) for f in factors))


def _differentiate_pow(expr: sp.Pow, x: sp.Symbol, names: _Names) -> DiffRule:
    base, exponent = expr.as_base_exp()
    if not exponent.has(x):
        if base == x:
            return PowerRule(expr, x, base, exponent)
        return _chain(lambda u: u**exponent, base, expr, x, names)
    if not base.has(x):
        if base == sp.E:
            return _differentiate(sp.exp(exponent), x, names)
        if exponent == x:
            return ExponentialRule(expr, x, base)
        return _chain(lambda u: base**u, exponent, expr, x, names)
    return GeneralPowerRule(
        expr,
        x,
        base,
        exponent,
        _differentiate(base, x, names),
        _differentiate(exponent, x, names),
    )
