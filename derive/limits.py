"""Limits (with the reasoning shown) and values of a function, computed with SymPy and mpmath.

The reasoning for a limit names the inner function applications that drive it
("e^{-x} -> oo as x -> -oo"), then the limit of the whole expression; each is a
SymPy ``limit`` of an expression, printed with ``sympy.latex``.  Values are
computed with mpmath at the requested number of significant digits.
"""

from __future__ import annotations

from collections.abc import Iterator

import mpmath
import sympy as sp

from derive.timelimit import TimeLimitExceeded, run_with_time_limit

#: Extra working digits so that the printed digits are correctly rounded.
GUARD_DIGITS = 15


def _limit(expr: sp.Expr, x: sp.Symbol, point: sp.Expr) -> sp.Expr:
    direction = "+-" if point.is_finite else ("-" if point == sp.oo else "+")
    return sp.limit(expr, x, point, dir=direction)


def compute_limit(
    expr: sp.Expr, x: sp.Symbol, point: sp.Expr, *, seconds: float = 5.0
) -> sp.Expr | None:
    """lim_{x -> point} expr, or None when SymPy finds no definite value in time."""
    try:
        value = run_with_time_limit(_limit, expr, x, point, seconds=seconds)
    except (TimeLimitExceeded, NotImplementedError, ValueError, RuntimeError):
        return None
    if not isinstance(value, sp.Expr) or value.has(sp.AccumBounds, sp.nan, sp.zoo, sp.Limit):
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
    expr: sp.Expr, x: sp.Symbol, point: sp.Expr, value: sp.Expr, *, seconds: float = 5.0
) -> tuple[str, ...]:
    """LaTeX lines: the limits of the inner terms, then "so" the limit of ``expr``."""
    lines: list[str] = []
    for term in _driving_terms(expr, x):
        term_value = compute_limit(term, x, point, seconds=seconds)
        if term_value is None or term == x:
            continue
        lines.append(f"{sp.latex(sp.Limit(term, x, point))} = {sp.latex(term_value)}")
    final = f"{sp.latex(sp.Limit(expr, x, point))} = {sp.latex(value)}"
    lines.append(rf"\text{{so }} {final}" if lines else final)
    return tuple(lines)


def simple_exact_value(expr: sp.Expr) -> sp.Expr | None:
    """The exact value when SymPy evaluates ``expr`` to a rational number, else None."""
    value = sp.nsimplify(expr) if expr.is_Float else expr
    return value if value.is_Rational else None


def decimal_value(expr: sp.Expr, x: sp.Symbol, point: sp.Expr, digits: int) -> str:
    """``expr`` at ``x = point`` evaluated with mpmath, printed to ``digits`` significant digits."""
    with mpmath.workdps(digits + GUARD_DIGITS):
        function = sp.lambdify(x, expr, modules="mpmath")  # safe: expr is built by derive
        argument = mpmath.mpmathify(sp.N(point, digits + GUARD_DIGITS))
        value = function(argument)
        return str(mpmath.nstr(value, digits))
