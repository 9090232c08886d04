"""Limits (with the reasoning shown) and values of a function, computed with SymPy and mpmath.

The reasoning for a limit names the inner function applications that drive it
("e^{-x} -> oo as x -> -oo"), then the limit of the whole expression; each is a
SymPy ``limit`` of an expression, printed in the derivation's LaTeX style.  A limit at
+-oo is only claimed where the function is real out there.  Values are
computed with mpmath at the requested number of significant digits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction

import mpmath
import sympy as sp

# The one LaTeX style of every exported document; printing is a leaf module with no
# dependency on the later stages.
from derive.generate.budgets import BuildTimeout
from derive.printing import derivation_latex
from derive.timelimit import TimeLimitExceeded, WorkerDied, run_with_time_limit
from derive.verify import InconsistentLimit, cross_checked_limit
from derive.verify.evaluate import evaluate

#: Extra working digits so that the printed digits are correctly rounded.
GUARD_DIGITS = 15


#: Where a function must be real before a limit at +-oo is claimed: not integers, where
#: x^x and (-1)^x happen to be real.
_REAL_PROBES = (10.25, 100.25, 1000.25)


def _real_towards(expr: sp.Expr, x: sp.Symbol, sign: int) -> bool:
    """Whether ``expr`` is real and finite at a few points far out towards ``sign * oo``."""
    for probe in _REAL_PROBES:
        value = sp.N(expr.subs(x, sign * sp.Float(probe)), 15)
        if not (value.is_number and value.is_extended_real and value.is_finite):
            return False
    return True


def _limit(expr: sp.Expr, x: sp.Symbol, point: sp.Expr) -> sp.Expr | None:
    if point.is_finite:
        return sp.limit(expr, x, point, dir="+-")
    sign = 1 if point == sp.oo else -1
    if not _real_towards(expr, x, sign):
        return None  # complex out there (sqrt, log, asin at -oo): nothing to claim
    try:
        return cross_checked_limit(expr, x, point, "-" if sign > 0 else "+")
    except InconsistentLimit:
        return None  # SymPy contradicts itself, so the verifier could not confirm either


def compute_limit(
    expr: sp.Expr, x: sp.Symbol, point: sp.Expr, *, seconds: float = 5.0, strict: bool = False
) -> sp.Expr | None:
    """lim_{x -> point} expr in the extended reals, or None when SymPy finds no definite
    real value in time, or the function is not real-valued towards +-oo.

    ``strict``: running out of time raises ``BuildTimeout`` instead of returning None
    (a limit left out would make the build's output depend on the machine's speed).
    """
    try:
        value = run_with_time_limit(_limit, expr, x, point, seconds=seconds)
    except TimeLimitExceeded:
        if strict:
            raise BuildTimeout(f"the limit of {expr} as {x} -> {point}", seconds) from None
        return None
    except WorkerDied:
        return None
    except Exception:  # SymPy failing inside limit (TypeError, NotImplementedError ...)
        return None  # no definite limit found: nothing is claimed
    if not isinstance(value, sp.Expr) or value.has(sp.AccumBounds, sp.nan, sp.zoo, sp.Limit):
        return None
    if value.is_extended_real is not True:
        return None
    return value


def _driving_terms(expr: sp.Expr, x: sp.Symbol) -> Iterator[sp.Expr]:
    """Innermost-first function applications inside ``expr`` (not ``expr`` itself) that use x."""
    seen: list[sp.Expr] = []
    for node in sp.postorder_traversal(expr):
        if node is expr or node in seen:
            continue
        if isinstance(node, sp.Function) and node.has(x):
            seen.append(node)
            yield node


def limit_steps(
    expr: sp.Expr,
    x: sp.Symbol,
    point: sp.Expr,
    value: sp.Expr,
    *,
    seconds: float = 5.0,
    strict: bool = False,
    latex: Callable[[sp.Basic], str] = derivation_latex,
) -> tuple[str, ...]:
    """LaTeX lines: the limits of the inner terms, then "so" the limit of ``expr``."""
    lines: list[str] = []
    for term in _driving_terms(expr, x):
        term_value = compute_limit(term, x, point, seconds=seconds, strict=strict)
        if term_value is None or term == x:
            continue
        lines.append(f"{latex(sp.Limit(term, x, point))} = {latex(term_value)}")
    final = f"{latex(sp.Limit(expr, x, point))} = {latex(value)}"
    lines.append(rf"\text{{so }} {final}" if lines else final)
    return tuple(lines)


def simple_exact_value(expr: sp.Expr) -> sp.Expr | None:
    """The exact value when SymPy evaluates ``expr`` to a rational number, else None."""
    value = sp.nsimplify(expr) if expr.is_Float else expr
    return value if value.is_Rational else None


def decimal_value(expr: sp.Expr, x: sp.Symbol, point: sp.Expr, digits: int) -> str:
    """``expr`` at ``x = point`` evaluated with mpmath, printed to ``digits`` significant digits.

    Uses derive's guarded evaluator (no code generation); an irrational ``point``
    (``pi/4``) is substituted exactly first.  Raises ``EvaluationError`` where there is
    no finite value.
    """
    if isinstance(point, sp.Rational):
        value = evaluate(expr, {x: Fraction(int(point.p), int(point.q))}, digits + GUARD_DIGITS)
    else:
        value = evaluate(expr.xreplace({x: point}), {}, digits + GUARD_DIGITS)
    with mpmath.workdps(digits + GUARD_DIGITS):
        return str(mpmath.nstr(value, digits))
