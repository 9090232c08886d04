"""substitute_definitions: functions, placeholders, the Derivative trap, cycles, binders."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.definitions import DefinitionError, definition_cycle, substitute_definitions
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


# -- cycles and depth: a bad definition costs one claim, never the document -------------------


def test_a_new_definition_that_closes_a_cycle_is_named() -> None:
    f_, l_ = sp.symbols("F L")
    known = {"u": Definition("u", (), f_), "L": Definition("L", (), t * u**2)}
    assert definition_cycle(Definition("F", (), l_), known) == "F -> L -> u -> F"
    assert definition_cycle(Definition("G", (), l_), known) == ""
    assert definition_cycle(Definition("u", (), u + 1), {}) == "u -> u"


def test_a_long_chain_of_definitions_does_not_exhaust_the_stack() -> None:
    names = sp.symbols("a0:3000")
    chain = [Definition(names[i].name, (), names[i + 1] + 1) for i in range(len(names) - 1)]
    loop = Definition(names[-1].name, (), names[0])
    assert definition_cycle(loop, {d.name: d for d in chain}).startswith("a2999 -> a0 -> a1")
    with pytest.raises(DefinitionError, match="cyclic"):
        substitute_definitions(names[0], [*chain, loop])


def test_deeply_nested_expressions_raise_a_definition_error_not_a_recursion_error() -> None:
    deep: sp.Expr = x
    for _ in range(5000):
        deep = sp.Function("g")(deep)
    with pytest.raises(DefinitionError):
        substitute_definitions(deep, [Definition("g", (y,), y + 1)])
