"""Events inside an operator's brackets: ``P(X = 1)``, ``P(X \\le x \\mid Y = y)``,
``P(A \\cap B)``.

An event is not a number: each becomes an opaque function of its parsed sides with a
reserved name (``Equals(X, 1)``), so that definitions still substitute into it and two events
are the same only when they are written the same.  runs.py lets events stand only as
arguments of an operator (P, E, Var, ...); anywhere else they are an error.
"""

from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef

#: Relation as written -> reserved name of its event.
RELATION_NAMES: dict[str, str] = {
    "=": "Equals", "<": "Less", ">": "Greater",
    "\\le": "LessEqual", "\\leq": "LessEqual", "\\ge": "GreaterEqual", "\\geq": "GreaterEqual",
    "\\ne": "Unequal", "\\neq": "Unequal",
}
#: Set operation as written -> reserved name.
SET_OPERATION_NAMES: dict[str, str] = {"\\cap": "Cap", "\\cup": "Cup"}

EVENT_NAMES: frozenset[str] = frozenset(RELATION_NAMES.values()) | frozenset(
    SET_OPERATION_NAMES.values()
)


def event_relation(relation: str, left: sp.Expr, right: sp.Expr) -> sp.Expr:
    return sp.Function(RELATION_NAMES[relation])(left, right)


def event_set_operation(operation: str, left: sp.Expr, right: sp.Expr) -> sp.Expr:
    return sp.Function(SET_OPERATION_NAMES[operation])(left, right)


def is_event(expr: sp.Basic) -> bool:
    """Whether ``expr`` is an event built here (a relation or a set operation of events)."""
    return isinstance(expr, AppliedUndef) and expr.func.__name__ in EVENT_NAMES
