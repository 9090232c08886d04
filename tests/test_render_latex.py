"""NAME.tex: a standalone amsmath article, ASCII only, every step with its rule and verdict."""

from __future__ import annotations

import re

import pytest
from render_fixtures import (
    hand_built_sigmoid,
    sigmoid_derivation,
    unverified,
    with_refuted_step,
    with_title,
)

from derive.render import render_latex
from derive.render.latex import (
    expr_latex,
    latex_text,
    math_text,
    reason_latex,
    step_equation_latex,
    value_latex,
)


def test_document_is_a_standalone_amsmath_article() -> None:
    tex = render_latex(sigmoid_derivation())
    assert tex.startswith(r"\documentclass")
    assert r"\usepackage{amsmath}" in tex
    assert tex.rstrip().endswith(r"\end{document}")
    assert tex.count(r"\begin{align*}") == tex.count(r"\end{align*}") >= 1
    used = set(re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", tex))
    assert used <= {"amsmath", "geometry"}  # both in texlive-latex-base


def test_each_step_is_an_align_row_with_its_rule_as_text() -> None:
    d = sigmoid_derivation()
    tex = render_latex(d)
    body = tex.split(r"\begin{align*}")[1].split(r"\end{align*}")[0]
    rows = [row for row in body.split("\\\\\n") if row.strip()]
    assert len(rows) == len(d.steps)
    for row, step in zip(rows, d.steps, strict=True):
        assert "&=" in row
        assert f"&= {expr_latex(step.expr)} && {reason_latex(step)} " in row
        assert r"\tag*{" in row


def test_chain_rule_row_names_the_substitution() -> None:
    tex = render_latex(hand_built_sigmoid())
    assert r"&& \text{chain rule, } u = 1 + e^{- x}" in tex


def test_unicode_never_reaches_pdflatex() -> None:
    d = with_title(hand_built_sigmoid(), "σ′ ≈ σ·(1 − σ) — naïve")
    tex = render_latex(d)
    assert tex.isascii()
    assert r"\text{definition of }\sigma" in tex
    assert r"$\sigma$" in tex  # the title's Greek letter, in text mode


def test_title_with_markup_and_specials_is_escaped() -> None:
    tex = render_latex(with_title(hand_built_sigmoid(), r"<script>50% & $x_1$ #\end{document}"))
    title_line = next(line for line in tex.splitlines() if line.startswith(r"\title"))
    assert r"\end{document}" not in title_line
    assert r"\%" in title_line and r"\&" in title_line and r"\$" in title_line
    assert r"\textless{}script\textgreater{}" in title_line


def test_refuted_step_shows_its_counterexample() -> None:
    tex = render_latex(with_refuted_step(hand_built_sigmoid()))
    assert r"\tag*{refuted at x = 0.5}" in tex
    assert "counterexample: at x = 0.5 the left side is 0.2350037122015944" in tex
    assert r"Overall verdict: \textbf{refuted}" in tex


def test_unverified_claims_are_unknown_not_proved() -> None:
    tex = render_latex(unverified(hand_built_sigmoid()))
    body = tex.split(r"\section*{How to read the verdicts}")[0]  # the legend names them all
    assert "proved" not in body.replace("not verified", "")
    assert r"\tag*{unknown (not verified)}" in tex


def test_limits_values_and_checks_are_shown() -> None:
    d = hand_built_sigmoid()
    tex = render_latex(d)
    assert r"\lim\limits_{x \to {-\infty}} \frac{1}{1 + e^{- x}} &= 0" in tex
    assert r"\text{since } e^{- x} \to \infty" in tex
    assert r"\sigma({-4}) &\approx 0.01798620996" in tex
    assert "finite difference on linspace(-10, 10, 100): max error 2.1e-11" in tex


def test_same_derivation_renders_identically() -> None:
    assert render_latex(sigmoid_derivation()) == render_latex(sigmoid_derivation())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chain rule", r"\text{chain rule}"),
        ("definition of σ", r"\text{definition of }\sigma"),
        ("a & b_1", r"\text{a }\&\text{ b}\_\text{1}"),
    ],
)
def test_math_text_keeps_specials_out_of_text(text: str, expected: str) -> None:
    assert math_text(text) == expected


def test_latex_text_escapes_every_special() -> None:
    assert latex_text(r"\{}$&%#_^~<>|") == (
        r"\textbackslash{}\{\}\$\&\%\#\_\^{}\~{}\textless{}\textgreater{}\textbar{}"
    )


def test_step_equation_is_previous_equals_current() -> None:
    d = hand_built_sigmoid()
    assert step_equation_latex(d, 0) == (
        r"\frac{d}{d x} \sigma(x) = \frac{d}{d x}\left[\frac{1}{1 + e^{- x}}\right]")
    assert step_equation_latex(d, 1).startswith(
        r"\frac{d}{d x}\left[\frac{1}{1 + e^{- x}}\right] = ")


def test_exact_value_is_an_equality_and_decimal_an_approximation() -> None:
    d = hand_built_sigmoid()
    assert value_latex(d.values[0]) == r"\sigma(0) = \frac{1}{2} = 0.5"
    assert value_latex(d.values[1]) == r"\sigma({-4}) \approx 0.01798620996"
