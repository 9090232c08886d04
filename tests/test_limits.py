"""Limits with reasoning, and values with mpmath."""

from __future__ import annotations

import sympy as sp

from derive.limits import compute_limit, decimal_value, limit_steps, simple_exact_value

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
