"""substitute_definitions: functions, placeholders, the Derivative trap, cycles, binders."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.definitions import DefinitionError, substitute_definitions
from derive.model import Definition

x, y, t = sp.symbols("x y t")
u, v = sp.symbols("u v")
sigma = sp.Function("sigma")
SIGMA = Definition("sigma", (x,), 1 / (1 + sp.exp(-x)))
U = Definition("u", (), 1 + sp.exp(-x))


def test_function_application_takes_the_body_with_arguments() -> None:
    result = substitute_definitions(sigma(2 * y) * (1 - sigma(2 * y)), [SIGMA])
    expected = 1 / (1 + sp.exp(-2 * y)) * (1 - 1 / (1 + sp.exp(-2 * y)))
    assert result == expected


def test_parameters_are_replaced_simultaneously() -> None:
    swap = Definition("f", (x, y), x - y)
    assert substitute_definitions(sp.Function("f")(y, x), [swap]) == y - x


def test_placeholder_symbol_takes_its_body() -> None:
    assert substitute_definitions(1 / u, [U]) == 1 / (1 + sp.exp(-x))


def test_placeholder_is_substituted_before_differentiation() -> None:
    # Left as a Symbol, d(1/u)/dx would evaluate to 0.
    assert sp.Derivative(1 / u, x).doit() == 0
    substituted = substitute_definitions(sp.Derivative(1 / u, x), [U])
    assert isinstance(substituted, sp.Derivative)  # still unevaluated
    assert sp.simplify(substituted.doit() - sp.exp(-x) / (1 + sp.exp(-x)) ** 2) == 0


def test_derivative_with_respect_to_a_placeholder_is_taken_first() -> None:
    chain = sp.Derivative(1 / u, u) * sp.Derivative(u, x)
    result = substitute_definitions(chain, [U]).doit()
    assert sp.simplify(result - sp.exp(-x) / (1 + sp.exp(-x)) ** 2) == 0


def test_definitions_using_each_other_reach_a_fixpoint() -> None:
    via_placeholder = Definition("sigma", (x,), 1 / v)
    placeholder = Definition("v", (), 1 + sp.exp(-x))
    assert substitute_definitions(sigma(x), [via_placeholder, placeholder]) == 1 / (1 + sp.exp(-x))


def test_cycles_are_rejected() -> None:
    with pytest.raises(DefinitionError, match="cyclic"):
        substitute_definitions(u, [Definition("u", (), 1 + v), Definition("v", (), 2 * u)])
    with pytest.raises(DefinitionError, match="cyclic"):
        substitute_definitions(sigma(x), [Definition("sigma", (x,), 1 + sigma(x))])


def test_parameter_name_equal_to_own_name_is_no_cycle() -> None:
    square = Definition("f", (sp.Symbol("f"),), sp.Symbol("f") ** 2)
    assert substitute_definitions(sp.Function("f")(3), [square]) == 9


def test_wrong_number_of_arguments_is_left_alone() -> None:
    expr = sigma(x, y)
    assert substitute_definitions(expr, [SIGMA]) == expr


def test_bound_variables_are_not_substituted() -> None:
    integral = sp.Integral(u**2, (u, 0, 1))
    assert substitute_definitions(integral, [U]) == integral
    free_bound = sp.Integral(t * u, (t, 0, 1))
    assert substitute_definitions(free_bound, [U]) == sp.Integral(t * (1 + sp.exp(-x)), (t, 0, 1))


def test_no_definitions_returns_the_expression() -> None:
    expr = sigma(x) + u
    assert substitute_definitions(expr, []) is expr
