"""The numeric grid: x, f(x), f'(x) on numpy.linspace(-10, 10, 100).

Values are computed with mpmath at a fixed working precision from the SymPy expressions of the
derivation (the definition, and the closed form the chain ends with), then printed to a fixed
number of significant digits, so the table is byte-identical on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derive.model import Definition, Derivation
from derive.numeric import MpFunction

GRID_START = -10.0
GRID_STOP = 10.0
GRID_POINTS = 100
WORKING_DIGITS = 30  # mpmath precision while evaluating
X_DIGITS = 7  # significant digits printed for x
VALUE_DIGITS = 10  # significant digits printed for f and f'


@dataclass(frozen=True)
class GridRow:
    x: float
    f: float | None  # None where the function is undefined or not real
    df: float | None


@dataclass(frozen=True)
class NumericGrid:
    rows: tuple[GridRow, ...]
    description: str  # "numpy.linspace(-10, 10, 100)"


def substitute_definitions(expr: sp.Basic, definitions: tuple[Definition, ...]) -> sp.Basic:
    """Replace applied functions (``sigma(x)``) and named substitutions (``u``) by their bodies."""
    for _ in range(len(definitions) + 1):  # bodies may use earlier definitions
        before = expr
        for definition in definitions:
            if definition.params:
                name, params, body = definition.name, definition.params, definition.body

                def is_call(e: sp.Basic, name: str = name, arity: int = len(params)) -> bool:
                    return isinstance(e, AppliedUndef) and e.func.__name__ == name \
                        and len(e.args) == arity

                def expand(e: sp.Basic, params: tuple[sp.Symbol, ...] = params,
                           body: sp.Expr = body) -> sp.Basic:
                    return body.xreplace(dict(zip(params, e.args, strict=True)))

                expr = expr.replace(is_call, expand)
            else:
                expr = expr.xreplace({sp.Symbol(definition.name): definition.body})
        if expr == before:
            break
    return expr


def _evaluator(
    expr: sp.Basic, variable: sp.Symbol, definitions: tuple[Definition, ...]
) -> MpFunction | None:
    concrete = substitute_definitions(expr, definitions).doit()
    concrete = concrete.replace(lambda e: isinstance(e, sp.UnevaluatedExpr), lambda e: e.args[0])
    if concrete.free_symbols - {variable} or concrete.atoms(AppliedUndef) \
            or concrete.has(sp.Derivative):
        return None  # something we cannot evaluate (an undefined function): no column
    # the guarded evaluator walks the tree: nothing is compiled from the expression
    return MpFunction(concrete, [variable])


def _value(function: MpFunction | None, x: float) -> float | None:
    if function is None:
        return None
    value = function({function.symbols[0]: Fraction(x)}, WORKING_DIGITS)
    if value is None:
        return None
    result = float(value)
    return result if np.isfinite(result) else None


def derivative_expr(d: Derivation) -> sp.Basic:
    """The closed form the chain ends with (or SymPy's derivative when there are no steps)."""
    if d.steps:
        return d.steps[-1].expr
    return sp.diff(d.spec.definition, d.spec.variable)


def numeric_grid(d: Derivation, points: int = GRID_POINTS) -> NumericGrid:
    variable = d.spec.variable
    f = _evaluator(d.spec.definition, variable, d.definitions)
    df = _evaluator(derivative_expr(d), variable, d.definitions)
    xs = np.linspace(GRID_START, GRID_STOP, points)
    rows = tuple(GridRow(float(x), _value(f, float(x)), _value(df, float(x))) for x in xs)
    return NumericGrid(rows, f"numpy.linspace({GRID_START:g}, {GRID_STOP:g}, {points})")


def format_number(value: float | None, digits: int = VALUE_DIGITS) -> str:
    """Fixed significant digits; ``undefined`` where there is no real value."""
    if value is None:
        return "undefined"
    if value == 0:
        value = 0.0  # no "-0"
    return f"{value:#.{digits}g}".replace("e+", "e")


def format_x(value: float) -> str:
    return format_number(value, X_DIGITS)
