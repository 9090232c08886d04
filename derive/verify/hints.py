"""Cheap explanations of how two unequal sides differ: by a factor, by a constant,
or only on one side of 0 (``holds only for x > 0``)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp

from derive import numeric
from derive.model import Condition
from derive.numeric import Interval, MpFunction
from derive.verify.budget import Budget

#: Seed for hint sampling (independent of the settings: hints are a cheap extra).
HINT_SEED = 7


@dataclass(frozen=True)
class DifferenceHint:
    """How two sides differ; ``holds_where`` is the condition (``x > 0``) when the sides
    agree on one side of 0 only, so that callers read a field, not the words."""

    text: str
    holds_where: Condition | None = None


def difference_hint(lhs: sp.Expr, rhs: sp.Expr, variables: Sequence[sp.Symbol]) -> str | None:
    """A cheap explanation of how two unequal sides differ, or None."""
    try:
        a, b = lhs.doit(), rhs.doit()
    except Exception:
        return None
    if not (numeric.is_numeric(a) and numeric.is_numeric(b)):
        return None
    symbols = sorted(
        set(variables) | set(numeric.sorted_symbols(a, b)),
        key=lambda s: (s.name, sp.default_sort_key(s)),
    )
    hint = explain_difference(a, b, tuple(symbols), {}, None)
    return None if hint is None else hint.text


def explain_difference(
    a: sp.Expr,
    b: sp.Expr,
    symbols: tuple[sp.Symbol, ...],
    domains: dict[str, Interval],
    budget: Budget | None,
) -> DifferenceHint | None:
    """The hint, or None; ``budget``: stop sampling (and give no hint) once it is spent."""
    digits = 30
    functions = (MpFunction(a, symbols), MpFunction(b, symbols))
    pairs = _value_pairs(functions, symbols, domains, digits, 8, budget)
    if len(pairs) < (3 if symbols else 1):
        return None
    if not all(numeric.close(x, y, digits) for x, y in pairs):
        ratios = [x / y for x, y in pairs if abs(y) > numeric.tolerance(digits, x, y)]
        if (
            symbols  # for constants a factor and a shift say the same: report the shift
            and len(ratios) >= 3
            and not numeric.close(ratios[0], mpmath.mpf(0), digits)
            and all(numeric.close(r, ratios[0], digits) for r in ratios)
        ):
            return DifferenceHint(f"differs by a factor of {numeric.nice_number(ratios[0])}")
        differences = [x - y for x, y in pairs]
        if all(numeric.close(d, differences[0], digits) for d in differences):
            return DifferenceHint(f"differs by a constant ({numeric.nice_number(differences[0])})")
    for symbol in symbols:
        base = domains.get(symbol.name, Interval())
        for side, label in ((Interval(low=Fraction(0)), ">"), (Interval(high=Fraction(0)), "<")):
            other = Interval(high=Fraction(0)) if label == ">" else Interval(low=Fraction(0))
            inside = _value_pairs(
                functions,
                symbols,
                {**domains, symbol.name: base.intersect(side)},
                digits,
                6,
                budget,
            )
            outside = _value_pairs(
                functions,
                symbols,
                {**domains, symbol.name: base.intersect(other)},
                digits,
                6,
                budget,
            )
            if (
                len(inside) >= 3
                and all(numeric.close(x, y, digits) for x, y in inside)
                and any(not numeric.close(x, y, digits) for x, y in outside)
            ):
                condition = Condition(symbol.name, label, "0")
                return DifferenceHint(f"holds only for {condition}", condition)
    return None


def _value_pairs(
    functions: tuple[MpFunction, MpFunction],
    symbols: Sequence[sp.Symbol],
    domains: dict[str, Interval],
    digits: int,
    wanted: int,
    budget: Budget | None,
) -> list[tuple[mpmath.mpf, mpmath.mpf]]:
    """Value pairs at up to ``wanted`` points; none once the budget is spent (no half hints)."""
    rng = random.Random(HINT_SEED)
    pairs: list[tuple[mpmath.mpf, mpmath.mpf]] = []
    for point in numeric.sample_points(symbols, domains, rng, 4 * wanted):
        if budget is not None and budget.expired():
            return []
        a, b = functions[0](point, digits), functions[1](point, digits)
        if a is not None and b is not None:
            pairs.append((a, b))
            if len(pairs) >= wanted:
                break
    return pairs
