"""Assumptions such as ``x > 0`` from a document directive: sampling intervals and
the SymPy assumptions the verifier works under."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import mpmath
import sympy as sp

from derive.numeric import Interval


def domains_from_assumptions(assumptions: Sequence[sp.Basic]) -> dict[str, Interval]:
    """Sampling intervals per symbol name from relationals like ``x > 0`` or ``1 < x``."""
    domains: dict[str, Interval] = {}
    pending = list(assumptions)
    while pending:
        item = pending.pop(0)
        if isinstance(item, sp.And):
            pending.extend(item.args)
            continue
        bound = _bound_of(item)
        if bound is not None:
            name, interval = bound
            domains[name] = domains.get(name, Interval()).intersect(interval)
    return domains


def _bound_of(relation: sp.Basic) -> tuple[str, Interval] | None:
    if not isinstance(
        relation, sp.StrictGreaterThan | sp.GreaterThan | sp.StrictLessThan | sp.LessThan
    ):
        return None
    left, right = relation.lhs, relation.rhs
    greater = isinstance(relation, sp.StrictGreaterThan | sp.GreaterThan)
    if isinstance(right, sp.Symbol) and not isinstance(left, sp.Symbol):
        left, right, greater = right, left, not greater
    if not isinstance(left, sp.Symbol) or not right.is_real or right.free_symbols:
        return None
    strict = isinstance(relation, sp.StrictGreaterThan | sp.StrictLessThan)
    if right.is_Rational:
        value, exact = Fraction(int(right.p), int(right.q)), True
    else:  # an irrational bound (x > pi): sampled strictly inside a rational one
        with mpmath.workdps(30):
            value = Fraction(str(mpmath.nstr(mpmath.mpf(sp.N(right, 30)), 25)))
        exact = False
    closed = not strict and exact
    if greater:
        return left.name, Interval(low=value, low_closed=closed)
    return left.name, Interval(high=value, high_closed=closed)


def apply_assumptions(expr: sp.Expr, domains: dict[str, Interval]) -> sp.Expr:
    """Give symbols the SymPy assumptions the verifier works under.

    Every variable is real (sampling is real-only, so symbolic work must agree:
    log(e^x) = x), and positive or negative where its domain says so.
    """
    replacements: dict[sp.Basic, sp.Basic] = {}
    for symbol in expr.free_symbols:
        if not isinstance(symbol, sp.Symbol) or isinstance(symbol, sp.Dummy):
            continue
        facts: dict[str, bool] = {}
        if symbol.is_real is None:
            facts["real"] = True
        interval = domains.get(symbol.name)
        # Exact: x >= 0 makes x nonnegative, never positive (sgn(x) = 1 fails at 0).
        if interval is not None and interval.low is not None and interval.low >= 0:
            open_at_zero = interval.low > 0 or not interval.low_closed
            facts["positive" if open_at_zero else "nonnegative"] = True
        elif interval is not None and interval.high is not None and interval.high <= 0:
            open_at_zero = interval.high < 0 or not interval.high_closed
            facts["negative" if open_at_zero else "nonpositive"] = True
        if not facts:
            continue
        known = {k: v for k, v in symbol.assumptions0.items() if v is not None}
        try:
            replacements[symbol] = sp.Symbol(symbol.name, **{**known, **facts})
        except Exception:  # contradictory assumptions: keep the symbol as it is
            continue
    return expr.xreplace(replacements) if replacements else expr
