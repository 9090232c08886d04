"""Bundled functions for ``derive build`` and specs for arbitrary expressions."""

from __future__ import annotations

import sympy as sp

from derive.model import Definition, FunctionSpec

x = sp.Symbol("x")
_sigma = sp.Function("sigma")
_e_minus_x = sp.exp(-x)
#: The logistic sigmoid as a helper that other targets are written with.
_SIGMA_HELPER = Definition(
    "sigma", (x,), 1 / (1 + _e_minus_x), latex=r"\sigma(x) = \frac{1}{1 + e^{-x}}"
)

SIGMOID = FunctionSpec(
    name="sigmoid",
    latex_name=r"\sigma",
    variable=x,
    definition=1 / (1 + _e_minus_x),
    # UnevaluatedExpr keeps the textbook order sigma(x) (1 - sigma(x)) when printed
    target=sp.Mul(_sigma(x), sp.UnevaluatedExpr(1 - _sigma(x)), evaluate=False),
    sympy_name="sigma",
    limit_points=(-sp.oo, sp.oo),
    value_points=(sp.S.Zero, sp.Integer(-4), sp.Integer(4)),
    value_digits=7,
    substitution_name="u",
    title="The logistic sigmoid and its derivative",
)

TANH = FunctionSpec(
    name="tanh",
    latex_name=r"\tanh",
    variable=x,
    definition=sp.tanh(x),
    target=1 - sp.tanh(x) ** 2,
    sympy_name="tanh",
    limit_points=(-sp.oo, sp.oo),
    value_points=(sp.S.Zero, sp.Integer(1)),
    value_digits=7,
    title="The hyperbolic tangent and its derivative",
)

SOFTPLUS = FunctionSpec(
    name="softplus",
    latex_name=r"\operatorname{softplus}",
    variable=x,
    definition=sp.log(1 + sp.exp(x)),
    target=_sigma(x),
    sympy_name="softplus",
    limit_points=(-sp.oo, sp.oo),
    value_points=(sp.S.Zero, sp.Integer(1)),
    value_digits=7,
    title="Softplus: its derivative is the logistic sigmoid",
    helpers=(_SIGMA_HELPER,),
)

SWISH = FunctionSpec(
    name="swish",
    latex_name=r"\operatorname{swish}",
    variable=x,
    definition=x / (1 + _e_minus_x),
    # UnevaluatedExpr keeps the textbook form sigma(x) (1 + x (1 - sigma(x))) when printed
    target=sp.Mul(_sigma(x), sp.UnevaluatedExpr(1 + x * (1 - _sigma(x))), evaluate=False),
    sympy_name="swish",
    limit_points=(-sp.oo, sp.oo),
    value_points=(sp.S.Zero, sp.Integer(1)),
    value_digits=7,
    title="Swish x·σ(x) and its derivative",
    helpers=(_SIGMA_HELPER,),
)

#: Bundled specs by name; the first is the default.
BUNDLED: dict[str, FunctionSpec] = {spec.name: spec for spec in (SIGMOID, TANH, SOFTPLUS, SWISH)}

DEFAULT = SIGMOID.name


def spec_from_expression(expr: sp.Expr, variable: sp.Symbol, name: str = "f") -> FunctionSpec:
    """A spec for an arbitrary expression: no target (the closed form is the simplified
    derivative), no value points, limits at -oo and +oo where SymPy finds them."""
    return FunctionSpec(
        name=name,
        latex_name=sp.latex(sp.Symbol(name)),
        variable=variable,
        definition=expr,
        target=None,
        sympy_name=name,
        title=f"The derivative of {name}",
    )
