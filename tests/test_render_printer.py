"""The display printers: unambiguous derivative products, plain function calls, stretchy
brackets only around tall contents, and a terminal view without LaTeX."""

from __future__ import annotations

import re

import pytest
import sympy as sp
from render_fixtures import hand_built_sigmoid, sigmoid_derivation

from derive.model import DerivationStep
from derive.printing import DerivationPrettyPrinter, derivation_latex, fence, is_tall
from derive.render import render_html, render_markdown, render_text
from derive.render.latex import expr_latex, note_latex, reason_latex, step_equation_latex
from derive.render.mathml import latex_to_mathml
from derive.render.text import plain_math, substitutions_in_note

x, u, y = sp.symbols("x u y")
sigma = sp.Function("sigma")
inner = 1 + sp.exp(-x)


# -- 1. products of derivatives ---------------------------------------------------------


def test_chain_rule_product_has_dots_and_bracketed_operands() -> None:
    chain = sp.Mul(sp.Derivative(1 / u, u), sp.Derivative(inner, x), evaluate=False)
    assert derivation_latex(chain) == (
        r"\frac{d}{d u}\left[\frac{1}{u}\right] \cdot \frac{d}{d x}[1 + e^{- x}]")


def test_factors_keep_the_order_they_were_built_in() -> None:
    chain = sp.Mul(sp.Derivative(inner, x), sp.Derivative(1 / u, u), evaluate=False)
    assert derivation_latex(chain).startswith(r"\frac{d}{d x}[1 + e^{- x}] \cdot ")
    quotient_top = sp.Add(sp.Mul(inner, sp.Derivative(x, x, evaluate=False), evaluate=False),
                          sp.Mul(-1, x, sp.Derivative(inner, x), evaluate=False),
                          evaluate=False)
    assert derivation_latex(quotient_top) == (
        r"(1 + e^{- x}) \cdot \frac{d}{d x}[x] - x \cdot \frac{d}{d x}[1 + e^{- x}]")


def test_derivative_of_a_function_call_needs_no_brackets() -> None:
    assert derivation_latex(sp.Derivative(sigma(x), x)) == r"\frac{d}{d x} \sigma(x)"
    assert derivation_latex(sp.Derivative(x**3, x, 2)) == r"\frac{d^{2}}{d x^{2}}[x^{3}]"


def test_products_without_derivatives_print_as_sympy_does() -> None:
    for expr in (x * y, 2 * x**2, -x / y, x / (y + 1), sp.exp(-x) / inner, 3 * sp.sqrt(x)):
        assert derivation_latex(expr) == sp.latex(expr)


def test_two_fractions_side_by_side_get_a_dot() -> None:
    product = sp.Mul(sp.UnevaluatedExpr(1 / inner), sp.UnevaluatedExpr(sp.exp(-x) / inner),
                     evaluate=False)
    expected = r"\frac{1}{1 + e^{- x}} \cdot \frac{e^{- x}}{1 + e^{- x}}"
    assert derivation_latex(product) == expected


def test_sigmoid_chain_rule_step_is_unambiguous() -> None:
    d = sigmoid_derivation()
    chain = next(step for step in d.steps if step.rule == "chain rule")
    latex = expr_latex(chain.expr)
    assert r" \cdot " in latex and r"\frac{d}{d u}\left[" in latex
    assert "&#x000B7;" in latex_to_mathml(latex)  # the dot survives into MathML


# -- 2. function calls and brackets -----------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (sigma(x), r"\sigma(x)"),
        (sigma(-4), r"\sigma({-4})"),
        (sp.tanh(x), r"\tanh(x)"),
        (sp.tanh(x) ** 2, r"\tanh^{2}(x)"),
        (sp.log(1 + sp.exp(x)), r"\log(1 + e^{x})"),
        (sp.Function("softplus")(x), r"\operatorname{softplus}(x)"),
        (sigma(1 / x), r"\sigma\left(\frac{1}{x}\right)"),
        (sp.Mul(sigma(x), sp.UnevaluatedExpr(1 - sigma(x)), evaluate=False),
         r"\sigma(x) (1 - \sigma(x))"),
    ],
)
def test_function_calls_are_plain(expr: sp.Expr, expected: str) -> None:
    assert derivation_latex(expr) == expected


def test_stretchy_brackets_only_around_tall_contents() -> None:
    assert fence("1 + x") == "(1 + x)"
    assert fence(r"\frac{1}{x}", "[", "]") == r"\left[\frac{1}{x}\right]"
    assert not is_tall(r"\sigma(x) + e^{- x}") and is_tall(r"1 - \frac{1}{u}")
    assert derivation_latex((1 + sp.exp(-x)) ** 2) == r"(1 + e^{- x})^{2}"
    assert derivation_latex(x * (1 - 1 / x)) == r"x \left(1 - \frac{1}{x}\right)"


def _bracketed_contents(latex: str) -> list[str]:
    """The contents of every ``\\left ... \\right`` pair, matched with a stack."""
    contents, stack = [], []
    for match in re.finditer(r"\\left|\\right", latex):
        if match.group() == r"\left":
            stack.append(match.end())
        else:
            contents.append(latex[stack.pop():match.start()])
    return contents


def test_every_left_right_in_the_sigmoid_documents_holds_something_tall() -> None:
    d = sigmoid_derivation()
    latex = [step_equation_latex(d, index) for index in range(len(d.steps))]
    for text in latex:
        for content in _bracketed_contents(text):
            assert is_tall(content), (content, text)
    page = render_html(d, svg=None)
    # sigma(x) is an identifier and two non-stretchy parentheses, not "σ ( x )"
    call = latex_to_mathml(expr_latex(sigma(x)))
    assert 'stretchy="true"' not in call and 'stretchy="false"' in call
    assert call.split("<math", 1)[1].split(">", 1)[1] in page


# -- 3. the terminal view -----------------------------------------------------------------


def test_substitution_notes_are_found_whatever_the_spacing() -> None:
    d = hand_built_sigmoid()  # its note is "u = 1 + e^{- x}", its definition "u = 1 + e^{-x}"
    found = substitutions_in_note(r"u = 1 + e^{- x}", d.definitions)
    assert [dfn.name for dfn in found] == ["u"]
    assert substitutions_in_note(r"f^{g} = e^{g \ln f}", d.definitions) == []
    assert note_latex(r"u = 1 + e^{- x}", d.definitions) == r"u = 1 + e^{- x}"


def test_text_view_pretty_prints_the_substitution_not_latex() -> None:
    text = render_text(sigmoid_derivation())
    assert "(2) chain rule: proved" in text
    where = text.splitlines().index(next(line for line in text.splitlines()
                                         if "where u = 1 + ℯ" in line))
    assert text.splitlines()[where - 1].strip() == "-x"  # the exponent, one line above
    assert "\\" not in text and "e^{" not in text


def test_text_view_brackets_signed_factors_and_nested_sums() -> None:
    printer = DerivationPrettyPrinter({"wrap_line": False})
    product = sp.Mul(sp.Mul(-1, u**-2), sp.Mul(-1, sp.exp(-x)), evaluate=False)
    assert "⋅-" not in printer.doprint(product)  # not "-1/u² ⋅-e^{-x}"
    nested = sp.Add(sp.Add(1, sp.exp(-x)), -1, evaluate=False)
    assert "- 1" in printer.doprint(nested) and "⎛" in printer.doprint(nested)


def test_other_notes_are_shown_in_a_readable_plain_form() -> None:
    assert plain_math(r"f^{g} = e^{g \ln f}") == "f^g = e^(g ln f)"
    assert plain_math(r"\sigma(x) \to \infty") == "σ(x) → ∞"
    d = hand_built_sigmoid()
    step = DerivationStep(x, "general power rule", note=r"f^{g} = e^{g \ln f}")
    d = d.__class__(**{**d.__dict__, "steps": (d.steps[0], step)})
    assert "(2) general power rule, f^g = e^(g ln f): " in render_text(d)
    assert reason_latex(step, d.definitions) == r"\text{general power rule, } f^{g} = e^{g \ln f}"


# -- 4. how to read the verdicts ---------------------------------------------------------------


def test_pages_explain_what_structural_means() -> None:
    d = sigmoid_derivation()
    for document in (render_html(d, svg=None), render_markdown(d)):
        assert "How to read the verdicts" in document
        assert "after this the two sides are literally the same SymPy expression" in document
        assert "evaluated by SymPy" in document


def test_named_functions_and_infinity_are_identifiers_in_mathml() -> None:
    markup = latex_to_mathml(r"\operatorname{swish}(x) = \infty")
    assert "<mi>swish</mi>" in markup and "<mi>&#x0221E;</mi>" in markup
    assert "<mo>swish</mo>" not in markup
    assert "<mo>lim</mo>" in latex_to_mathml(r"\lim\limits_{x \to 0} x")  # limits stay under


# -- 5. the order of terms ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (3 * x**4 - 2 * x**2 + 5 * x - 7, "3 x^{4} - 2 x^{2} + 5 x - 7"),
        (x - 1, "x - 1"),
        ((x**2 - 2 * x - 1) / (x - 1) ** 2, r"\frac{x^{2} - 2 x - 1}{(x - 1)^{2}}"),
        (sp.log(1 + sp.exp(x)), r"\log(1 + e^{x})"),  # not a polynomial: constant first
        (1 + sp.exp(-x), "1 + e^{- x}"),
    ],
)
def test_polynomials_print_in_descending_powers(expr: sp.Expr, expected: str) -> None:
    assert derivation_latex(expr) == expected


def test_text_view_prints_polynomials_in_descending_powers() -> None:
    printer = DerivationPrettyPrinter({"wrap_line": False})
    assert printer.doprint(3 * x**4 - 2 * x**2 + 5 * x - 7).splitlines()[-1] == (
        "3⋅x  - 2⋅x  + 5⋅x - 7")
    # a sum of derivatives keeps the order the derivation built (the sum rule's terms)
    built = sp.Add(sp.Derivative(x**2, x), sp.Derivative(x**4, x), evaluate=False)
    assert printer.doprint(built).splitlines()[0].index("2") < \
        printer.doprint(built).splitlines()[0].index("4")
