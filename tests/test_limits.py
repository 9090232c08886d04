"""Limits with reasoning, and values with mpmath."""

from __future__ import annotations

import sympy as sp

from derive.generate.limit_steps import (
    compute_limit,
    decimal_value,
    limit_steps,
    simple_exact_value,
)

x = sp.Symbol("x")
SIGMOID = 1 / (1 + sp.exp(-x))


def test_sigmoid_limits() -> None:
    assert compute_limit(SIGMOID, x, -sp.oo) == 0
    assert compute_limit(SIGMOID, x, sp.oo) == 1


def test_limit_steps_name_the_driving_term() -> None:
    steps = limit_steps(SIGMOID, x, -sp.oo, sp.S.Zero)
    assert steps[0] == r"\lim_{x \to -\infty} e^{- x} = \infty"
    assert steps[-1].startswith(r"\text{so } \lim_{x \to -\infty} \frac{1}{1 + e^{- x}}")
    assert steps[-1].endswith("= 0")
    at_plus = limit_steps(SIGMOID, x, sp.oo, sp.S.One)
    assert at_plus[0] == r"\lim_{x \to \infty} e^{- x} = 0"
    assert at_plus[-1].endswith("= 1")


def test_no_definite_limit_is_none() -> None:
    assert compute_limit(sp.sin(x), x, sp.oo) is None
    assert compute_limit(sp.sin(x**2) * sp.exp(x), x, sp.oo) is None


def test_values_with_mpmath() -> None:
    assert decimal_value(SIGMOID, x, sp.Integer(-4), 7) == "0.01798621"
    assert decimal_value(SIGMOID, x, sp.Integer(4), 7) == "0.9820138"
    assert decimal_value(SIGMOID, x, sp.S.Zero, 7) == "0.5"
    assert decimal_value(sp.tanh(x), x, sp.Integer(1), 12) == "0.761594155956"


def test_exact_values_only_when_simple() -> None:
    assert simple_exact_value(SIGMOID.subs(x, 0)) == sp.Rational(1, 2)
    assert simple_exact_value(SIGMOID.subs(x, -4)) is None


def test_a_limit_sympy_gets_wrong_is_not_claimed() -> None:
    # SymPy 1.14 gives limit(2**x, x, -oo) == oo (it is 0) but limit(2**(-t), t, oo) == 0:
    # when SymPy contradicts itself nothing is claimed, rather than a wrong limit.
    assert compute_limit(2**x, x, -sp.oo) in (None, 0)
    assert compute_limit(3**x, x, -sp.oo) in (None, 0)
    assert compute_limit(2**x, x, sp.oo) == sp.oo
    assert compute_limit(2 ** (-x), x, -sp.oo) in (None, sp.oo)


def test_no_limit_is_claimed_where_the_function_is_not_real() -> None:
    # sqrt(x), log(x), asin(x) ... are not real-valued as x -> -oo: no limit is claimed
    for expr in (sp.sqrt(x), sp.log(x), sp.asin(x), x * sp.log(x), sp.exp(x) * sp.log(x),
                 x**x):
        assert compute_limit(expr, x, -sp.oo) is None, expr
    assert compute_limit(sp.asin(x), x, sp.oo) is None
    assert compute_limit(sp.sqrt(x), x, sp.oo) == sp.oo
    assert compute_limit(sp.log(x), x, sp.oo) == sp.oo


def test_limit_steps_print_in_the_derivation_style() -> None:
    softplus = sp.log(1 + sp.exp(x))
    steps = limit_steps(softplus, x, -sp.oo, sp.S.Zero)
    assert r"\log{\left(" not in " ".join(steps)
    assert steps[-1] == r"\text{so } \lim_{x \to -\infty} \log(1 + e^{x}) = 0"
