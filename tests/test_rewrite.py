"""Generic rewrite moves and the search from a raw derivative to a target."""

from __future__ import annotations

import sympy as sp

from derive.generate.rewrite import (
    Fold,
    Reason,
    add_and_subtract_constant,
    divide_by_numerator,
    evaluated,
    fold_definition,
    rewrite_steps,
    rewrite_to_target,
    split_fraction,
    split_power_of_denominator,
)

x = sp.Symbol("x")
D = 1 + sp.exp(-x)
sigma = sp.Function("sigma")(x)
SIGMA_FOLD = Fold(sigma, 1 / D, "definition of σ")


def same_value(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.simplify(evaluated(a) - evaluated(b)) == 0


def test_split_power_of_denominator() -> None:
    result = split_power_of_denominator(sp.exp(-x) / D**2)
    assert result is not None
    expr, label = result
    assert label == Reason("product of two fractions")
    assert same_value(expr, sp.exp(-x) / D**2)
    assert sp.latex(expr) == r"\frac{1}{1 + e^{- x}} \frac{e^{- x}}{1 + e^{- x}}"
    assert split_power_of_denominator(sp.exp(-x) / D) is None


def test_add_and_subtract_constant_in_numerator() -> None:
    result = add_and_subtract_constant(sp.exp(-x) / D)
    assert result is not None
    expr, label = result
    assert label == Reason("add and subtract 1 in the numerator")
    assert same_value(expr, sp.exp(-x) / D)
    assert r"\left(1 + e^{- x}\right) - 1" in sp.latex(expr)
    # x/(x + 3): add and subtract 3
    other = add_and_subtract_constant(x / (x + 3))
    assert other is not None and other[1] == Reason("add and subtract 3 in the numerator")
    assert add_and_subtract_constant(x / (x**2 + 1)) is None


def test_split_fraction() -> None:
    numerator = sp.Add(D, -1, evaluate=False)
    result = split_fraction(sp.Mul(numerator, sp.Pow(D, -1), evaluate=False))
    assert result is not None
    expr, label = result
    assert label == Reason("split the fraction")
    assert expr == 1 - 1 / D


def test_divide_by_numerator() -> None:
    result = divide_by_numerator(sp.exp(x) / (1 + sp.exp(x)))
    assert result is not None
    expr, label = result
    assert evaluated(expr) == 1 / (1 + sp.exp(-x))
    # The factor is math, kept apart from the words so renderers typeset it as math.
    assert label == Reason("divide numerator and denominator by the same factor", "e^{x}")


def test_fold_definition_replaces_the_body() -> None:
    folded = fold_definition(1 / D * (1 - 1 / D), SIGMA_FOLD)
    assert folded is not None
    assert evaluated(folded) == sigma * (1 - sigma)
    assert fold_definition(sp.sin(x), SIGMA_FOLD) is None


def test_sigmoid_path_has_the_textbook_moves() -> None:
    steps = rewrite_to_target(sp.exp(-x) / D**2, sigma * (1 - sigma), folds=[SIGMA_FOLD])
    assert steps is not None
    assert [s.rule for s in steps] == [
        "product of two fractions",
        "add and subtract 1 in the numerator",
        "split the fraction",
        "definition of σ",
    ]
    previous = sp.exp(-x) / D**2
    for step in steps:
        lhs = evaluated(previous).subs(sigma, 1 / D)
        rhs = evaluated(step.expr).subs(sigma, 1 / D)
        assert sp.simplify(lhs - rhs) == 0
        previous = step.expr


def test_no_path_falls_back_to_one_algebra_step() -> None:
    start = sp.sin(x) ** 2 + sp.cos(x) ** 2
    steps = rewrite_steps(start, sp.Integer(1))
    assert [s.rule for s in steps] == ["algebra"]
    assert steps[0].expr == 1


def test_already_at_target_needs_no_steps() -> None:
    assert rewrite_steps(1 - sp.tanh(x) ** 2, 1 - sp.tanh(x) ** 2) == []


def test_search_is_deterministic() -> None:
    first = rewrite_to_target(sp.exp(-x) / D**2, sigma * (1 - sigma), folds=[SIGMA_FOLD])
    second = rewrite_to_target(sp.exp(-x) / D**2, sigma * (1 - sigma), folds=[SIGMA_FOLD])
    assert first is not None and second is not None
    assert [sp.srepr(s.expr) for s in first] == [sp.srepr(s.expr) for s in second]
