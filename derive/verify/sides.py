"""Stage 1 of ``lhs = rhs``: both sides after definitions, assumptions and ``doit``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from derive import numeric
from derive.definitions import substitute_definitions
from derive.model import Definition
from derive.numeric import Interval
from derive.verify.assumptions import apply_assumptions, domains_from_assumptions
from derive.verify.budget import Budget
from derive.verify.common import NotAnExpression, evaluate


@dataclass(frozen=True)
class Sides:
    """Both sides after definitions, assumptions and ``doit``, ready for the stages."""

    lhs: sp.Expr
    rhs: sp.Expr
    symbols: tuple[sp.Symbol, ...]
    domains: dict[str, Interval]
    numeric: bool  # both sides can be sampled
    originals: tuple[sp.Expr, sp.Expr]  # as passed in, before definitions and doit
    rewritten_by: tuple[str, ...]  # e.g. ("substituting definitions", "evaluating derivatives")


def prepare(
    lhs: sp.Basic,
    rhs: sp.Basic,
    definitions: Sequence[Definition],
    assumptions: Sequence[sp.Basic],
    budget: Budget,
) -> Sides:
    for side in (lhs, rhs):
        if not isinstance(side, sp.Expr):
            raise NotAnExpression(f"not an expression: {type(side).__name__}")
    substituted = substitute_definitions(lhs, definitions), substitute_definitions(rhs, definitions)
    domains = domains_from_assumptions(assumptions)
    a, b = (apply_assumptions(side, domains) for side in substituted)
    evaluated = evaluate(a, budget), evaluate(b, budget)
    rewritten_by: list[str] = []
    if substituted != (lhs, rhs):
        rewritten_by.append("substituting definitions")
    if evaluated != (a, b):
        operations = _evaluated_operations(a, b)
        if operations:
            rewritten_by.append(f"evaluating {operations}")
    a, b = evaluated
    symbols = tuple(numeric.sorted_symbols(a, b))
    return Sides(
        a,
        b,
        symbols,
        domains,
        numeric.is_numeric(a) and numeric.is_numeric(b),
        (lhs, rhs),
        tuple(rewritten_by),
    )


_OPERATION_NAMES = (
    (sp.Derivative, "derivatives"),
    (sp.Integral, "integrals"),
    (sp.Limit, "limits"),
    (sp.Sum, "sums"),
    (sp.Product, "products"),
    (sp.Subs, "substitutions"),
)


def _evaluated_operations(*exprs: sp.Expr) -> str:
    """``derivatives`` / ``derivatives, integrals``: what doit had to evaluate."""
    names = [name for kind, name in _OPERATION_NAMES if any(e.has(kind) for e in exprs)]
    return ", ".join(names)
