"""What every ``verify_*`` call shares: default settings, caller input as SymPy
expressions, ``doit`` under the deadline, and bare outcomes."""

from __future__ import annotations

import sympy as sp

from derive.model import Evidence, Outcome, Verdict, VerifySettings
from derive.verify.budget import Budget

#: Frozen, so one shared default is safe.
DEFAULT_SETTINGS = VerifySettings()

_EXPENSIVE_DOIT = (sp.Integral, sp.Limit, sp.Sum, sp.Product)


class NotAnExpression(TypeError):
    pass


def as_expr(value: object) -> sp.Expr:
    """Python numbers from callers (``point=0``) as SymPy numbers; SymPy objects unchanged."""
    if isinstance(value, bool):
        return value  # type: ignore[return-value]  # rejected later as not an expression
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Float(value)
    return value  # type: ignore[return-value]


def evaluate(expr: sp.Expr, budget: Budget) -> sp.Expr:
    """``doit`` (Derivative objects are cheap; integrals and limits get the time limit)."""
    if expr.has(*_EXPENSIVE_DOIT):
        result: sp.Expr = budget.run(_doit, expr)
        return result
    return _doit(expr)


def _doit(expr: sp.Expr) -> sp.Expr:
    result = expr.doit()
    if not isinstance(result, sp.Expr):
        raise NotAnExpression(f"not an expression after evaluation: {type(result).__name__}")
    return result


def plain_outcome(verdict: Verdict, method: str, detail: str) -> Outcome:
    return Outcome(verdict, Evidence(method=method, detail=detail))
