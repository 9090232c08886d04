"""Each differentiation rule, the dispatcher, and rule.eval() == sympy.diff on random input."""

from __future__ import annotations

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.generate.rules import (
    ChainRule,
    ConstantMultipleRule,
    ConstantRule,
    ExpRule,
    GeneralPowerRule,
    HyperbolicRule,
    LogRule,
    PowerRule,
    ProductRule,
    QuotientRule,
    SumRule,
    TrigRule,
    UnsupportedRule,
    VariableRule,
    differentiate,
)

x = sp.Symbol("x")


def agrees_with_sympy(expr: sp.Expr) -> bool:
    rule = differentiate(expr, x)
    return sp.simplify(rule.eval() - sp.diff(expr, x)) == 0


def test_constant_rule() -> None:
    rule = differentiate(sp.Integer(7), x)
    assert isinstance(rule, ConstantRule)
    assert rule.eval() == 0


def test_variable_rule() -> None:
    rule = differentiate(x, x)
    assert isinstance(rule, VariableRule)
    assert rule.eval() == 1


def test_constant_multiple_rule() -> None:
    rule = differentiate(5 * sp.sin(x), x)
    assert isinstance(rule, ConstantMultipleRule)
    assert rule.constant == 5
    assert rule.eval() == 5 * sp.cos(x)


def test_sum_rule() -> None:
    rule = differentiate(x**3 + sp.exp(x), x)
    assert isinstance(rule, SumRule)
    assert len(rule.terms) == 2
    assert rule.eval() == 3 * x**2 + sp.exp(x)


def test_power_rule() -> None:
    rule = differentiate(x**5, x)
    assert isinstance(rule, PowerRule)
    assert rule.eval() == 5 * x**4


def test_product_rule() -> None:
    rule = differentiate(x**2 * sp.sin(x), x)
    assert isinstance(rule, ProductRule)
    assert sp.expand(rule.eval() - (2 * x * sp.sin(x) + x**2 * sp.cos(x))) == 0


def test_quotient_rule() -> None:
    rule = differentiate(x / (1 + x**2), x)
    assert isinstance(rule, QuotientRule)
    assert rule.numerator == x
    assert rule.denominator == 1 + x**2
    assert agrees_with_sympy(x / (1 + x**2))


def test_exp_and_log_rules() -> None:
    assert isinstance(differentiate(sp.exp(x), x), ExpRule)
    assert differentiate(sp.exp(x), x).eval() == sp.exp(x)
    assert isinstance(differentiate(sp.log(x), x), LogRule)
    assert differentiate(sp.log(x), x).eval() == 1 / x


def test_trig_rules() -> None:
    for function in (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc, sp.asin, sp.atan):
        rule = differentiate(function(x), x)
        assert isinstance(rule, TrigRule)
        assert sp.simplify(rule.eval() - sp.diff(function(x), x)) == 0


def test_hyperbolic_rules() -> None:
    for function in (sp.sinh, sp.cosh, sp.tanh):
        rule = differentiate(function(x), x)
        assert isinstance(rule, HyperbolicRule)
        assert sp.simplify(rule.eval() - sp.diff(function(x), x)) == 0
    assert differentiate(sp.tanh(x), x).eval() == 1 - sp.tanh(x) ** 2


def test_chain_rule_names_the_substitution() -> None:
    sigmoid = 1 / (1 + sp.exp(-x))
    rule = differentiate(sigmoid, x)
    assert isinstance(rule, ChainRule)
    assert not rule.inline
    assert rule.u_symbol == sp.Symbol("u")
    assert rule.u_expr == 1 + sp.exp(-x)
    assert isinstance(rule.outer, PowerRule)  # power rule in u
    assert rule.outer.variable == sp.Symbol("u")
    assert rule.substitution_latex == "u = 1 + e^{- x}"
    assert agrees_with_sympy(sigmoid)


def test_linear_inner_expression_is_an_inline_chain() -> None:
    rule = differentiate(sp.exp(-x), x)
    assert isinstance(rule, ChainRule)
    assert rule.inline
    assert isinstance(rule.outer, ExpRule)
    assert rule.eval() == -sp.exp(-x)


def test_nested_chains_get_fresh_names() -> None:
    expr = sp.sin(sp.cos(sp.exp(x**2)))
    rule = differentiate(expr, x)
    chains = [r for r in rule.walk() if isinstance(r, ChainRule) and not r.inline]
    assert [c.u_symbol.name for c in chains] == ["u", "v", "w"]
    assert agrees_with_sympy(expr)


def test_substitution_names_avoid_symbols_in_the_expression() -> None:
    u = sp.Symbol("u")
    rule = differentiate(sp.sin(u * x**2), x)
    assert isinstance(rule, ChainRule)
    assert rule.u_symbol.name == "v"


def test_general_power_by_logarithmic_differentiation() -> None:
    rule = differentiate(x**x, x)
    assert isinstance(rule, GeneralPowerRule)
    assert sp.simplify(rule.eval() - sp.diff(x**x, x)) == 0
    assert not rule.contains_unsupported()


def test_unsupported_is_reported_not_guessed() -> None:
    g = sp.Function("g")
    for expr in (sp.Abs(x), g(x), sp.sin(x) + sp.Abs(x)):
        rule = differentiate(expr, x)
        assert rule.contains_unsupported()
        assert rule.eval().has(sp.Derivative)
    assert isinstance(differentiate(sp.Abs(x), x), UnsupportedRule)


# --- property test: random elementary expressions -------------------------

_leaves = st.sampled_from([x, sp.Integer(2), sp.Integer(-3), sp.Rational(1, 2), x + 1])
_unary = st.sampled_from([sp.sin, sp.cos, sp.exp, sp.tanh, sp.sinh, sp.atan])


def _extend(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
    return st.one_of(
        st.builds(lambda f, a: f(a), _unary, children),
        st.builds(lambda a, b: a + b, children, children),
        st.builds(lambda a, b: a * b, children, children),
        st.builds(lambda a, b: a / (2 + b**2), children, children),
        st.builds(lambda a, n: a**n, children, st.integers(min_value=-3, max_value=4)),
    )


expressions = st.recursive(_leaves, _extend, max_leaves=6)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(expressions)
def test_rule_eval_matches_sympy_diff(expr: sp.Expr) -> None:
    rule = differentiate(expr, x)
    assert not rule.contains_unsupported()
    difference = rule.eval() - sp.diff(expr, x)
    # numeric first (cheap), then symbolic where numerics cannot decide
    for point in (sp.Rational(3, 7), sp.Rational(-5, 3), sp.Rational(11, 5)):
        value = difference.subs(x, point).evalf(30)
        if value.is_finite and value.is_real is not False:
            assert abs(value) < 1e-20, (expr, point, value)
