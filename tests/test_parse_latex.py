"""Tests for derive.parse: LaTeX expression -> SymPy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.parse import (
    LatexParseError,
    ParseOptions,
    function_name,
    parse_latex_expr,
)

x, y, z, a, b, h, n, r, theta, i = sp.symbols("x y z a b h n r theta i")
sigma = sp.Function("sigma")
f, g = sp.Function("f"), sp.Function("g")
SIGMA = ParseOptions(functions=frozenset({"sigma"}))


def parse(text: str, options: ParseOptions = ParseOptions()) -> sp.Expr:  # noqa: B008
    return parse_latex_expr(text, options).expr


def same(left: sp.Expr, right: sp.Expr) -> bool:
    return left == right or sp.simplify(left - right) == 0


# ---------------------------------------------------------------------------- values
VALUE_CASES = [
    ("1 + 2", sp.Integer(3)),
    ("0.5", sp.Rational(1, 2)),
    ("2x", 2 * x),
    ("x y", x * y),
    ("ab", a * b),
    ("a \\cdot b", a * b),
    ("a \\times b", a * b),
    ("a / b", a / b),
    ("-x + 3", 3 - x),
    ("a \\cdot -b", -a * b),
    ("\\frac{1}{x}", 1 / x),
    ("\\dfrac{a}{b} + \\tfrac12", a / b + sp.Rational(1, 2)),
    ("\\frac12", sp.Rational(1, 2)),
    ("x^2", x**2),
    ("x^{n-1}", x ** (n - 1)),
    ("(x+1)^2", (x + 1) ** 2),
    ("[x+1]", x + 1),
    ("\\{x+1\\}", x + 1),
    ("\\left( x + 1 \\right)", x + 1),
    ("\\bigg( x \\bigg)", x),
    ("|x|", sp.Abs(x)),
    ("\\left| x - y \\right|", sp.Abs(x - y)),
    ("|x| + |y|", sp.Abs(x) + sp.Abs(y)),
    ("\\sqrt{x}", sp.sqrt(x)),
    ("\\sqrt[3]{x}", sp.root(x, 3)),
    ("\\exp(x)", sp.exp(x)),
    ("e^{x}", sp.exp(x)),
    ("\\mathrm{e}^{x}", sp.exp(x)),
    ("\\ln x", sp.log(x)),
    ("\\log(x)", sp.log(x)),
    ("\\log_2 x", sp.log(x, 2)),
    ("log(x) + exp(y)", sp.log(x) + sp.exp(y)),
    ("\\sin x \\cos x", sp.sin(x) * sp.cos(x)),
    ("\\sin^2(x) + \\cos^{2}(x)", sp.sin(x) ** 2 + sp.cos(x) ** 2),
    ("\\tanh(x) + \\arctan(y) + \\cosh x", sp.tanh(x) + sp.atan(y) + sp.cosh(x)),
    ("\\max(x, y)", sp.Max(x, y)),
    ("\\pi r^2", sp.pi * r**2),
    ("\\infty", sp.oo),
    ("\\theta^9(1-\\theta)^4", theta**9 * (1 - theta) ** 4),
    ("\\displaystyle \\Large x \\, y \\; z \\! \\quad", x * y * z),
    ("x + 1.", x + 1),
    ("x + 1 ,", x + 1),
    ("3!", sp.factorial(3)),
    ("\\frac{x^n}{n!}", x**n / sp.factorial(n)),
]


@pytest.mark.parametrize(("text", "expected"), VALUE_CASES)
def test_values(text: str, expected: sp.Expr) -> None:
    assert same(parse(text), expected)


def test_decimal_literals_are_exact_and_recorded() -> None:
    parsed = parse_latex_expr("0.25 x + 1.5")
    assert parsed.expr == sp.Rational(1, 4) * x + sp.Rational(3, 2)
    assert ("0.25", sp.Rational(1, 4)) in parsed.decimals


def test_euler_e_can_be_turned_off() -> None:
    assert parse("e^{x}", ParseOptions(euler_e=False)) == sp.Symbol("e") ** x


# ---------------------------------------------------------------------------- names
NAME_CASES = [
    ("x_i", "x_{i}"),
    ("x_{i}", "x_{i}"),
    ("w_{jk}", "w_{jk}"),
    ("f_{y_i}", "f_{y_{i}}"),  # nested scripts are braced too: one spelling per symbol
    ("\\mathbf{v}_t", "\\mathbf{v}_{t}"),
    ("\\hat{y}_j", "\\hat{y}_{j}"),
    ("\\hat y_j", "\\hat{y}_{j}"),
    ("x^{(k)}", "x^{(k)}"),
    ("e^{(k)}", "e^{(k)}"),
    ("\\sigma", "sigma"),
    ("\\bar{o}", "\\bar{o}"),
    ("\\mathbf{g}_{t-1, t-2}", "\\mathbf{g}_{t-1,t-2}"),
]


@pytest.mark.parametrize(("text", "name"), NAME_CASES)
def test_symbol_names(text: str, name: str) -> None:
    assert parse(text) == sp.Symbol(name)


def test_subscripted_names_are_distinct_from_products() -> None:
    assert parse("x_i a_{ij}") == sp.Symbol("x_{i}") * sp.Symbol("a_{ij}")
    assert parse("x_i") != parse("x i")


# ---------------------------------------------------------------------------- calls
def test_declared_function_is_called_even_with_space() -> None:
    w, bb = sp.symbols("w b")
    expected = sigma(w * x + bb)
    assert parse("\\sigma (w x + b)", SIGMA) == expected


def test_undeclared_name_times_parenthesis_is_a_product_with_lint() -> None:
    parsed = parse_latex_expr("a(x+1)")
    assert parsed.expr == a * (x + 1)
    assert [issue.rule_id for issue in parsed.issues] == ["DRV005"]
    assert parsed.issues[0].offset == 0
    assert parsed.issues[0].subject == "a"


@pytest.mark.parametrize("text", [
    "x(x+1)",  # x is used as a plain symbol inside the parenthesis
    "3x\\left(x^{2}+1\\right)^{2}",
    "x^2 + x(y+1)",
    "\\frac{d}{dx} x(y+1)",  # the variable of differentiation
    "\\lim_{x \\to 0} x(y+1)",
])
def test_a_name_used_as_a_plain_symbol_times_parenthesis_is_no_lint(text: str) -> None:
    parsed = parse_latex_expr(text)
    assert "DRV005" not in [issue.rule_id for issue in parsed.issues]
    assert parsed.expr.has(x * (y + 1)) or parsed.expr.has(x * (x + 1)) \
        or parsed.expr.has(x * (x**2 + 1) ** 2)


def test_a_name_the_document_uses_as_a_variable_times_parenthesis_is_no_lint() -> None:
    assert parse_latex_expr("a(b+1)").issues
    parsed = parse_latex_expr("a(b+1)", ParseOptions(variables=frozenset({"a"})))
    assert parsed.expr == a * (b + 1)
    assert parsed.issues == ()


def test_declared_function_makes_it_a_call() -> None:
    parsed = parse_latex_expr("x(x+1)", ParseOptions(functions=frozenset({"x"})))
    assert parsed.expr == sp.Function("x")(x + 1)
    assert parsed.issues == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("f(x)", f(x)),
        ("g(h(x))", g(sp.Function("h")(x))),
        ("f(x)^2", f(x) ** 2),
        ("\\operatorname{sigmoid}(x)", sp.Function("sigmoid")(x)),
        ("\\mathrm{softmax}(x)", sp.Function("softmax")(x)),
        ("\\sigma(x)(1-\\sigma(x))", sp.Symbol("sigma") * x * (1 - sp.Symbol("sigma") * x)),
    ],
)
def test_calls_with_default_options(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("f'(x)", sp.Derivative(f(x), x)),
        ("f''(x)", sp.Derivative(f(x), (x, 2))),
        ("\\sigma'(x)", sp.Derivative(sigma(x), x)),
        ("f^{\\prime}(x)", sp.Derivative(f(x), x)),
    ],
)
def test_prime_notation(text: str, expected: sp.Expr) -> None:
    assert parse(text, SIGMA) == expected


def test_prime_at_an_expression_is_the_derivative_there() -> None:
    t = sp.Symbol("t")
    value = parse("f'(x+1)").subs(f, sp.Lambda(t, t**3))
    assert sp.simplify(value.doit() - 3 * (x + 1) ** 2) == 0


# ---------------------------------------------------------------------------- derivatives
DERIVATIVE_CASES = [
    ("\\frac{d}{dx} x^2", sp.Derivative(x**2, x)),
    ("\\frac{d}{dx}[3 x^2 - 4x]", sp.Derivative(3 * x**2 - 4 * x, x)),
    ("\\frac{d}{dx}\\left(x+1\\right)", sp.Derivative(x + 1, x)),
    ("3 \\frac{d}{dx} x^2", 3 * sp.Derivative(x**2, x)),
    ("\\frac{d}{d\\theta} \\theta^9(1-\\theta)^4", sp.Derivative(theta**9 * (1 - theta) ** 4,
                                                                 theta)),
    ("\\frac{d\\sigma(x)}{dx}", sp.Derivative(sigma(x), x)),
    ("\\frac{df}{dx}", sp.Derivative(f(x), x)),
    ("\\frac{dy}{dx}", sp.Derivative(sp.Function("y")(x), x)),
    ("\\frac{dx}{dx}", sp.Derivative(x, x)),
    ("\\frac{\\partial}{\\partial x} x y", sp.Derivative(x * y, x)),
    ("\\frac{\\partial f}{\\partial x}", sp.Derivative(f(x), x)),
    ("\\frac{d^2}{dx^2} x^3", sp.Derivative(x**3, (x, 2))),
    ("\\frac{\\mathrm{d}}{\\mathrm{d}x} x", sp.Derivative(x, x)),
    ("\\frac{dg}{dx}(x)", sp.Derivative(g(x), x)),
    ("\\frac{d}{dx_k} x_k^2", sp.Derivative(sp.Symbol("x_{k}") ** 2, sp.Symbol("x_{k}"))),
]


@pytest.mark.parametrize(("text", "expected"), DERIVATIVE_CASES)
def test_derivatives_stay_unevaluated(text: str, expected: sp.Expr) -> None:
    result = parse(text, SIGMA)
    assert result == expected
    assert result.has(sp.Derivative)


u = sp.Symbol("u")


@pytest.mark.parametrize(("text", "expected"), [
    # a delimited group right after d/dx is the operand; what follows multiplies
    ("\\frac{d}{du}\\left(u^{-1}\\right) \\frac{du}{dx}",
     sp.Derivative(1 / u, u) * sp.Derivative(sp.Function("u")(x), x)),
    ("\\frac{d}{dx}(x+1)^2 y", y * sp.Derivative((x + 1) ** 2, x)),
    ("\\frac{d}{dx}\\left[x^2\\right] x", x * sp.Derivative(x**2, x)),
    ("\\frac{d}{dx}\\{x^2\\} x", x * sp.Derivative(x**2, x)),
    ("\\frac{d^2}{dx^2}(x^3) y", y * sp.Derivative(x**3, (x, 2))),
    ("\\frac{\\partial}{\\partial x}(x y) y", y * sp.Derivative(x * y, x)),
    # otherwise the operator still takes the rest of the term
    ("\\frac{d}{dx} x^2 y", sp.Derivative(x**2 * y, x)),
    ("\\frac{d}{dx} y (x+1)", sp.Derivative(y * (x + 1), x)),
])
def test_derivative_of_a_delimited_group(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected


def test_derivative_of_a_delimited_group_is_closed_before_a_plus() -> None:
    parsed = parse_latex_expr("\\frac{d}{dx}\\left(x^2\\right) + 1")
    assert parsed.expr == sp.Derivative(x**2, x) + 1
    assert parsed.issues == ()  # no DRV009: the brackets say where it ends


@pytest.mark.parametrize(("text", "expected"), [
    ("\\operatorname{sech}^2(x)", sp.sech(x) ** 2),
    ("\\operatorname{csch}(x)", sp.csch(x)),
    ("\\operatorname{coth}(x)", sp.coth(x)),
    ("\\coth x", sp.coth(x)),
    ("\\operatorname{arsinh}(x)", sp.asinh(x)),
    ("\\operatorname{arcosh}(x)", sp.acosh(x)),
    ("\\operatorname{artanh}(x)", sp.atanh(x)),
    ("\\operatorname{sgn}(x)", sp.sign(x)),
    ("\\mathrm{sech}(x)", sp.sech(x)),
    ("\\tanh^2(x)", sp.tanh(x) ** 2),
    ("\\tanh^2 x", sp.tanh(x) ** 2),
])
def test_known_function_names(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("f(x)!", sp.factorial(f(x))),
    ("(x+1)!", sp.factorial(x + 1)),
    ("(x)!^2", sp.factorial(x) ** 2),
    ("\\sin(x)!", sp.factorial(sp.sin(x))),
])
def test_factorial_after_a_call_applies_to_the_call(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected


def test_leibniz_function_at_another_point() -> None:
    result = parse("\\frac{dg}{dh}(h(x))")
    assert isinstance(result, sp.Subs)


# ---------------------------------------------------------------------------- limits etc.
def test_limits() -> None:
    assert parse("\\lim_{x \\to 0} \\frac{\\sin x}{x}") == sp.Limit(sp.sin(x) / x, x, 0,
                                                                    dir="+-")
    assert parse("\\lim_{x\\rightarrow\\infty} \\frac{1}{x}") == sp.Limit(1 / x, x, sp.oo)
    assert parse("\\lim_{x\\to -\\infty} e^{x}") == sp.Limit(sp.exp(x), x, -sp.oo)
    assert parse("\\lim_{x\\to 0^+} \\ln x") == sp.Limit(sp.log(x), x, 0, dir="+")
    limit = parse("\\lim_{h\\to0}\\frac{f(x+h) - f(x)}{h}")
    assert isinstance(limit, sp.Limit)


def test_limit_extent_is_linted() -> None:
    parsed = parse_latex_expr("\\lim_{h\\to0} 2x + h")
    assert parsed.expr == sp.Limit(2 * x, h, 0, dir="+-") + h
    assert [issue.rule_id for issue in parsed.issues] == ["DRV009"]


def test_integrals() -> None:
    y_ = sp.Symbol("y")
    assert parse("\\int_0^{x} ny^{n-1} \\; dy") == sp.Integral(n * y_ ** (n - 1), (y_, 0, x))
    assert parse("\\int x^2 \\,dx") == sp.Integral(x**2, x)
    double = parse("\\int _ 0^\\infty \\int _ 0 ^ {2\\pi} re^{-r^{2}} \\;d\\theta\\;dr")
    assert double == sp.Integral(r * sp.exp(-(r**2)), (theta, 0, 2 * sp.pi), (r, 0, sp.oo))
    assert double.doit() == sp.pi


def test_sums() -> None:
    k = sp.Symbol("k")
    assert parse("\\sum_{k=1}^{n} k") == sp.Sum(k, (k, 1, n))
    assert parse("\\sum_{i = 0}^\\infty x^i") == sp.Sum(x**i, (i, 0, sp.oo))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("\\sum_j e^{f_j}", "\\sum without explicit bounds"),
        ("\\sigma (w^Tx + b)", "transpose (^T): matrices/vectors are out of scope"),
        ("\\det(A)", "out of scope: determinants"),
        ("1 + x + \\dots", "out of scope: ellipses"),
        ("\\begin{bmatrix} a \\end{bmatrix}", "out of scope: matrices"),
    ],
)
def test_out_of_scope_is_an_error_not_a_drop(text: str, reason: str) -> None:
    with pytest.raises(LatexParseError, match="out of scope") as caught:
        parse(text)
    assert reason in caught.value.message


# ---------------------------------------------------------------------------- the sigmoid
def test_sigmoid_derivation_strings() -> None:
    s = sp.exp(-x)
    expected = s / (1 + s) ** 2
    assert same(parse("\\frac{e^{-x}}{(1+e^{-x})^2}"), expected)
    split = parse("\\left( \\frac{1 + e^{-x} - 1}{1 + e^{-x}} \\right) "
                  "\\left( \\frac{1}{1+e^{-x}} \\right)")
    assert same(split, expected)
    closed = parse("\\sigma(x)(1-\\sigma(x))", SIGMA)
    assert closed == sigma(x) * (1 - sigma(x))
    assert same(closed.subs(sigma(x), 1 / (1 + s)), expected)
    assert parse("\\left( 1 - \\sigma(x) \\right) \\sigma(x)", SIGMA) == closed


def test_unbraced_superscript_is_linted_and_read_whole() -> None:
    parsed = parse_latex_expr("1+e^-x")
    assert parsed.expr == 1 + sp.exp(-x)
    (issue,) = parsed.issues
    assert issue.rule_id == "DRV003"
    assert issue.offset == 3
    assert "TeX renders this as e^{-}x; read as e^{-x}" in issue.message
    assert parse("e^-2x") == sp.exp(-2 * x)


# ---------------------------------------------------------------------------- errors
def test_unconsumed_token_is_an_error_at_its_offset() -> None:
    with pytest.raises(LatexParseError) as caught:
        parse("x + y )")
    assert caught.value.offset == 6


def test_error_offsets_survive_normalisation() -> None:
    text = "\\left( x \\right) + \\foo"
    with pytest.raises(LatexParseError, match="unknown macro") as caught:
        parse(text)
    assert caught.value.offset == text.index("\\foo")
    text = "\\left( a \\right) \\, + \\; ) "
    with pytest.raises(LatexParseError) as caught:
        parse(text)
    assert caught.value.offset == text.rindex(")")


@pytest.mark.parametrize(
    "text",
    ["", "x +", "(x", "\\frac{1}{", "x \\text{and} y", "\\frac{d}{dx}", "f'", "a = b",
     "a & b", "(x, y)", "\\sin^{-1} x", "\\int x", "x \\eta. y"],
)
def test_malformed_input_raises(text: str) -> None:
    with pytest.raises(LatexParseError):
        parse(text)


def test_formatting_and_trailing_notes_are_linted() -> None:
    parsed = parse_latex_expr("4 \\textrm{ bits}.")
    assert parsed.expr == 4
    assert [issue.rule_id for issue in parsed.issues] == ["DRV004"]
    parsed = parse_latex_expr("\\hspace{1em} x \\tag{3}")
    assert parsed.expr == x
    assert [issue.rule_id for issue in parsed.issues] == ["DRV004", "DRV004"]


def test_function_name_helper() -> None:
    assert function_name("\\sigma") == "sigma"
    assert function_name("f") == "f"
    assert function_name("\\operatorname{sigmoid}") == "sigmoid"
    assert function_name("\\mathrm{softmax}") == "softmax"
    assert function_name("x + 1") is None
    assert function_name("\\frac") is None


# ---------------------------------------------------------------------------- round trip
_x, _y = sp.symbols("x y", positive=True)
_leaves = st.sampled_from([_x, _y, sp.Integer(2), sp.Integer(3), sp.Rational(1, 2)])


def _grow(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
    return st.one_of(
        st.tuples(children, children).map(lambda p: p[0] + p[1]),
        st.tuples(children, children).map(lambda p: p[0] - p[1]),
        st.tuples(children, children).map(lambda p: p[0] * p[1]),
        st.tuples(children, children).map(lambda p: p[0] / (p[1] + 5)),
        st.tuples(children, st.integers(-3, 3)).map(lambda p: (p[0] + 7) ** p[1]),
        children.map(lambda e: sp.exp(e / 10)),
        children.map(lambda e: sp.sin(e)),
        children.map(lambda e: sp.cos(e)),
        children.map(lambda e: sp.log(e**2 + 1)),
        children.map(lambda e: sp.sqrt(e**2 + 1)),
    )


@settings(max_examples=60, deadline=None)
@given(st.recursive(_leaves, _grow, max_leaves=8))
def test_round_trip_through_sympy_latex(expr: sp.Expr) -> None:
    text = sp.latex(expr)
    parsed = parse(text).subs({sp.Symbol("x"): _x, sp.Symbol("y"): _y})
    for point in ({_x: sp.Rational(3, 7), _y: sp.Rational(5, 3)}, {_x: 2, _y: sp.Rational(1, 9)}):
        expected = sp.N(expr.subs(point), 30)
        got = sp.N(parsed.subs(point), 30)
        assert abs(expected - got) <= sp.Float("1e-20") * (1 + abs(expected)), text


# ---------------------------------------------------------------------------- corpus
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real_chains.jsonl"


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not available")
def test_corpus_sides_parse_or_fail_cleanly() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_parse import relation_sides

    options = ParseOptions(functions=frozenset({"sigma", "sigmoid", "softmax"}))
    parsed = failed = 0
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        for side in relation_sides(json.loads(line)["latex"]):
            try:
                parse_latex_expr(side, options)
                parsed += 1
            except LatexParseError as error:
                assert 0 <= error.offset <= len(side)
                failed += 1
    assert parsed > 2 * failed  # most real sides are readable; the rest fail with offsets


# ------------------------------------------------ calls with several arguments, \mid
def test_a_list_after_a_plain_name_is_a_call() -> None:
    m = sp.Symbol("m")
    assert parse("B(m,b)") == sp.Function("B")(m, b)
    assert parse("B(m,b) + 1") == sp.Function("B")(m, b) + 1
    # one argument stays a product (with the DRV005 lint) unless the name is a function
    assert parse("B(m)") == sp.Symbol("B") * m


def test_leibniz_derivative_at_a_list_is_a_partial_derivative() -> None:
    assert parse("\\frac{df}{dx}(x,z)") == sp.Derivative(f(x, z), x)
    with pytest.raises(LatexParseError) as error:
        parse("\\frac{df}{dx}(1,z)")
    assert error.value.offset == len("\\frac{df}{dx}")


def test_conditional_bar_is_an_opaque_function_distinct_from_the_joint() -> None:
    given_theta = parse("P(X \\mid \\theta)")
    assert isinstance(given_theta, sp.core.function.AppliedUndef)
    assert given_theta.args == (sp.Symbol("X"), theta)
    assert given_theta != parse("P(X, \\theta)")
    assert parse("p(x \\mid \\mu, \\sigma)").args == sp.symbols("x mu sigma")


@pytest.mark.parametrize("text", ["(a \\mid b)", "\\log(a \\mid b)", "x + \\mid y",
                                  "f'(a \\mid b)"])
def test_conditional_bar_elsewhere_is_an_error_at_the_bar(text: str) -> None:
    with pytest.raises(LatexParseError) as error:
        parse(text)
    assert text[error.value.offset:].startswith("\\mid")


@pytest.mark.parametrize(("text", "opener"), [
    ("f(x", "(x"), ("\\left( x + \\frac{1}{2}", "( x"), ("c + \\sqrt[ 2", "[ 2"),
    ("(a+b)(c", "(c"), ("\\left| x + 1", "| x"),
])
def test_unclosed_bracket_is_reported_where_it_opens(text: str, opener: str) -> None:
    with pytest.raises(LatexParseError) as error:
        parse(text)
    assert "never closed" in error.value.message
    assert text[error.value.offset:].startswith(opener)


def test_conditional_function_prints_with_its_bar() -> None:
    from derive.parse import display_name

    given = parse("P(X \\mid \\theta, \\mu)")
    assert isinstance(given, sp.core.function.AppliedUndef)
    assert sp.sstr(given) == "P(X | theta, mu)"
    assert sp.latex(given) == "P\\left(X \\mid \\theta, \\mu\\right)"
    assert display_name(given.func.__name__) == "P(\u00b7|\u00b7)"
    assert display_name("sigma") == "sigma"
    assert sp.sstr(sp.Derivative(given, theta).doit()).startswith("Derivative(P(X | theta, mu)")


def test_leibniz_numerator_that_is_a_defined_function_is_its_derivative() -> None:
    assert parse("\\frac{d\\sigma}{dx}", SIGMA) == sp.Derivative(sigma(x), x)
    # an undeclared numerator is an unknown function of the variable, never a constant
    assert parse("\\frac{du}{dx}") == sp.Derivative(sp.Function("u")(x), x)
