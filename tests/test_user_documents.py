"""What users write and how `derive check` must answer: one test per defect found from the
user's side (ML course notes, LaTeX papers with macros, Sphinx pages)."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.check.checker import check_text
from derive.extract import extract_blocks
from derive.extract.macros import expand, find_definitions
from derive.model import FileReport, Finding, Verdict, VerifySettings
from derive.parse import LatexParseError, ParseOptions, parse_latex_expr
from derive.parse.limits import EXPANSION_LIMIT_MARK

SETTINGS = VerifySettings(time_limit=10.0)
x = sp.Symbol("x")


def _check(path: str, text: str) -> FileReport:
    return check_text(path, text, SETTINGS)


def _verdicts(report: FileReport) -> list[tuple[int, int, Verdict | None, str]]:
    return [
        (f.location.line, f.location.column, f.verdict, f.rule_id)
        for f in report.findings if f.kind is None or f.kind.value != "definition"
    ]


def _at(report: FileReport, line: int) -> list[Finding]:
    return [f for f in report.findings if f.location.line == line]


# -- asymptotic notation: a correct Taylor expansion must never be refuted ----------------


@pytest.mark.parametrize(
    "remainder", ["O(x^5)", r"\mathcal{O}(x^5)", r"\mathcal{O}\left(x^5\right)", "o(x^4)"]
)
def test_taylor_remainder_is_out_of_scope_not_a_product(remainder: str) -> None:
    text = f"$$\n\\sin x = x - \\frac{{x^3}}{{6}} + {remainder}\n$$\n"
    report = _check("notes.md", text)
    verdicts = [f.verdict for f in report.findings if f.verdict is not None]
    assert verdicts == [Verdict.UNKNOWN]
    (finding,) = [f for f in report.findings if f.verdict is not None]
    assert "asymptotic notation" in finding.message
    assert finding.location.column == text.split("\n")[1].index(remainder) + 1


def test_a_document_may_still_define_a_function_named_o() -> None:
    parsed = parse_latex_expr("O(x)", ParseOptions(functions=frozenset({"O"})))
    assert parsed.expr == sp.Function("O")(x)


# -- primes on function macros: \tanh'(x) --------------------------------------------------


def test_prime_on_a_function_macro_is_its_derivative() -> None:
    assert parse_latex_expr(r"\tanh'(x)").expr.doit() == 1 - sp.tanh(x) ** 2
    assert parse_latex_expr(r"\sin^{\prime}(x)").expr.doit() == sp.cos(x)
    second = parse_latex_expr(r"\tanh''(2x)").expr.doit()
    assert sp.simplify(second - sp.diff(sp.tanh(x), x, 2).subs(x, 2 * x)) == 0
    with pytest.raises(LatexParseError, match=r"\\tanh' needs a parenthesised argument"):
        parse_latex_expr(r"\tanh' x")


def test_prime_on_an_operator_name_uses_the_document_definition() -> None:
    text = (
        "$$\n\\operatorname{softplus}(x) = \\log(1+e^{x})\n$$\n\n"
        "$$\n\\operatorname{softplus}'(x) = \\frac{1}{1+e^{-x}}\n$$\n"
    )
    assert [v for _, _, v, _ in _verdicts(_check("n.md", text))] == [Verdict.PROVED]


def test_bare_greek_prime_message_shows_the_macro() -> None:
    with pytest.raises(LatexParseError, match=r"\\sigma' needs an argument"):
        parse_latex_expr(r"\sigma'")


# -- \text{name}(x) is an operator name ------------------------------------------------------


def test_text_word_before_a_parenthesis_is_a_function_name() -> None:
    assert parse_latex_expr(r"\text{softplus}(x)").expr == sp.Function("softplus")(x)
    assert parse_latex_expr(r"x \text{ bits}").expr == x  # a trailing unit is still a note
    report = _check("n.md", "$$\n\\text{softplus}(x) = \\ln(1 + e^x)\n$$\n")
    assert [f.kind.value for f in report.findings if f.kind] == ["definition"]


# -- clearer out-of-scope messages ---------------------------------------------------------


def test_cases_environment_is_named_in_the_message() -> None:
    with pytest.raises(LatexParseError, match=r"piecewise definitions \(\\begin\{cases\}\)"):
        parse_latex_expr(r"\begin{cases} 1 & x > 0 \\ 0 & x < 0 \end{cases}")
    with pytest.raises(LatexParseError, match=r"matrices \(\\begin\{pmatrix\}\)"):
        parse_latex_expr(r"\begin{pmatrix} 1 \end{pmatrix}")


@pytest.mark.parametrize(
    "latex", [r"\left.F(x)\right|_{0}^{1}", r"F(x) \Big|_0^1", r"x^2 \Big|_{x=0}^{1}"]
)
def test_evaluation_between_bounds_is_out_of_scope_at_the_bar(latex: str) -> None:
    with pytest.raises(LatexParseError, match="out of scope: evaluation") as raised:
        parse_latex_expr(latex)
    assert latex[raised.value.offset] == "|"


def test_absolute_values_still_read() -> None:
    assert parse_latex_expr(r"\left|x\right|^2").expr == sp.Abs(x) ** 2


# -- 1/1+e^{-x}: a typo for 1/(1+e^{-x}) gets a lint -----------------------------------------


def test_tight_slash_before_plus_is_linted() -> None:
    parsed = parse_latex_expr("1/1+e^{-x}")
    assert parsed.expr == 1 + sp.exp(-x)  # read as written, never guessed
    (issue,) = parsed.issues
    assert issue.rule_id == "DRV009" and issue.offset == 3
    assert "binds tighter" in issue.message


@pytest.mark.parametrize("latex", ["x/2 + 1", "e^{x/2}+1", "(1/2)+x", r"\frac{1}{2}+x"])
def test_ordinary_slash_division_is_not_linted(latex: str) -> None:
    assert parse_latex_expr(latex).issues == ()


def test_slash_typo_in_a_definition_is_flagged_where_written() -> None:
    report = _check("n.md", "$$\n\\sigma(x) = 1/1+e^{-x}\n$$\n")
    lints = [f for f in report.findings if f.rule_id == "DRV009"]
    assert [(f.location.line, f.location.column) for f in lints] == [(2, 16)]


# -- value claims: a rounded value written with "=" ------------------------------------------


def test_rounded_value_with_equals_is_declined_with_the_way_to_check_it() -> None:
    # '=' before a decimal often means the rounded value: two readings, no refutation
    text = "$$\n\\sigma(x) = \\frac{1}{1+e^{-x}}\n$$\n\nSo $\\sigma(-4) = 0.018$.\n"
    (finding,) = [f for f in _check("n.md", text).findings if f.lhs == "\\sigma(-4)"]
    assert finding.verdict is Verdict.UNKNOWN
    assert finding.evidence is not None and finding.evidence.doubt == "DRV-D16"
    assert "write \\approx" in finding.message


def test_a_wrong_short_decimal_gets_no_rounding_hint() -> None:
    text = "$$\n\\sigma(x) = \\frac{1}{1+e^{-x}}\n$$\n\nSo $\\sigma(-4) = 0.017$.\n"
    (finding,) = [f for f in _check("n.md", text).findings if f.verdict is Verdict.REFUTED]
    assert finding.evidence is not None
    assert "rounded to" not in (finding.evidence.hint or "")


# -- conditions in words: \quad\text{for } x > 0 ---------------------------------------------


@pytest.mark.parametrize("word", ["for", "if", "when"])
def test_condition_in_words_is_a_reason_not_an_error(word: str) -> None:
    text = f"$$\n\\sqrt{{x^2}} = x \\quad \\text{{{word} }} x > 0\n$$\n"
    findings = [f for f in _check("n.md", text).findings if f.verdict is not None]
    assert [f.verdict for f in findings] == [Verdict.UNKNOWN]
    assert "holds only for x > 0" in findings[0].message


# -- amsmath \intertext ----------------------------------------------------------------------


def test_intertext_separates_rows() -> None:
    text = (
        "\\begin{align}\n"
        "  \\frac{d}{dx} x^2 &= 2x \\\\\n"
        "  \\intertext{and therefore}\n"
        "  \\frac{d}{dx} x^3 &= 3x^2\n"
        "\\end{align}\n"
    )
    assert _verdicts(_check("p.tex", text)) == [
        (2, 23, Verdict.PROVED, ""), (4, 23, Verdict.PROVED, ""),
    ]


# -- the document's own macros ---------------------------------------------------------------

PREAMBLE = (
    "\\documentclass{article}\n"  # 1
    "\\newcommand{\\sig}{\\sigma}\n"  # 2
    "\\newcommand{\\dd}[1]{\\frac{d}{d#1}}\n"  # 3
    "\\newcommand*{\\inv}[2][1]{\\frac{#1}{#2}}\n"  # 4
    "\\DeclareMathOperator{\\softplus}{softplus}\n"  # 5
    "\\def\\half{\\frac{1}{2}}\n"  # 6
    "% \\newcommand{\\sig}{\\tanh}\n"  # 7: a comment defines nothing
    "\\begin{document}\n"  # 8
)


def test_macro_definitions_are_read() -> None:
    found = find_definitions(PREAMBLE)
    assert sorted(found) == ["dd", "half", "inv", "sig", "softplus"]
    assert found["dd"].arity == 1 and found["dd"].body == "\\frac{d}{d#1}"
    assert found["inv"].default == "1"
    assert found["softplus"].body == "\\operatorname{softplus}"


def test_expansion_keeps_source_offsets() -> None:
    definitions = find_definitions(PREAMBLE)
    text = "\\dd{y}\\sig"
    expanded, offsets = expand(text, tuple(range(100, 100 + len(text))), definitions)
    assert expanded == "\\frac{d}{dy}\\sigma"
    assert offsets[expanded.index("y")] == 100 + text.index("y")  # an argument stays put
    assert offsets[0] == 100 and offsets[expanded.index("\\sigma")] == 100 + text.index("\\sig")


def test_optional_argument_and_separation() -> None:
    definitions = find_definitions(PREAMBLE)
    assert expand("\\inv{x}", tuple(range(7)), definitions)[0] == "\\frac{1}{x}"
    assert expand("\\inv[2]{x}", tuple(range(10)), definitions)[0] == "\\frac{2}{x}"
    assert expand("\\sig x", tuple(range(6)), definitions)[0] == "\\sigma x"


def test_recursive_macro_does_not_hang() -> None:
    definitions = find_definitions("\\newcommand{\\loop}{\\loop\\loop}")
    text, offsets = expand("\\loop = 1", tuple(range(9)), definitions)
    # expansion stops at its budget; the parser reports the mark left there, at the macro
    assert len(text) == len(offsets) and EXPANSION_LIMIT_MARK in text


def test_latex_paper_with_macros_is_checked() -> None:
    text = PREAMBLE + (
        "\\begin{equation}\n"  # 9
        "  \\sig(x) = \\inv{1+e^{-x}}\n"  # 10
        "\\end{equation}\n"  # 11
        "\\begin{align}\n"  # 12
        "  \\dd{x}\\sig(x) &= \\sig(x)(1+\\sig(x)) \\\\\n"  # 13: wrong sign
        "  \\softplus(x) &= \\log(1+e^{x})\n"  # 14
        "\\end{align}\n"  # 15
        "and $\\sig(0) = \\half$.\n"  # 16
        "\\end{document}\n"
    )
    report = _check("paper.tex", text)
    assert not [f for f in report.findings if f.verdict is Verdict.ERROR]
    assert _verdicts(report) == [(13, 20, Verdict.REFUTED, "DRV001"),
                                 (16, 16, Verdict.PROVED, "")]


def test_unexpanded_macro_error_points_at_it() -> None:
    text = "\\begin{document}\n\\[ \\sigma(0) = \\half \\]\n\\end{document}\n"
    (finding,) = [f for f in _check("p.tex", text).findings if f.verdict is not None]
    assert finding.verdict is Verdict.ERROR and "unknown macro \\half" in finding.message
    assert (finding.location.line, finding.location.column) == (2, 16)


def test_mathjax_macros_in_markdown() -> None:
    text = (
        "$$\n\\newcommand{\\sig}{\\sigma}\n$$\n\n"
        "$$\n\\sig(x) = \\frac{1}{1+e^{-x}}\n$$\n\n"
        "$$\n\\sig(0) = 0.5\n$$\n"
    )
    blocks = extract_blocks("n.md", text)
    assert "\\newcommand" not in blocks[0].text  # the definition is not math to check
    report = _check("n.md", text)
    assert _verdicts(report) == [(10, 11, Verdict.PROVED, "")]


# -- MkDocs admonitions ----------------------------------------------------------------------


def test_math_inside_an_admonition_is_not_code() -> None:
    text = (
        '!!! note "Sigmoid"\n'  # 1
        "\n"  # 2
        "    $$\n"  # 3
        "    \\sigma(x) = \\frac{1}{1+e^{-x}}\n"  # 4
        "    $$\n"  # 5
        "\n"  # 6
        "    and $\\sigma(0) = 0.5$.\n"  # 7
        "\n"  # 8
        "Plain text.\n"  # 9
        "\n"  # 10
        "    indented code: $\\sigma(0) = 7$\n"  # 11
    )
    report = _check("n.md", text)
    assert [f.location.line for f in report.findings] == [4, 7]
    assert _verdicts(report) == [(7, 22, Verdict.PROVED, "")]


def test_product_lint_names_greek_letters_as_written() -> None:
    (issue,) = parse_latex_expr(r"\sigma(x+1)").issues
    assert issue.message.startswith(r"\sigma(...) read as the product \sigma")


# -- second round of user testing ------------------------------------------------------------

_F = sp.Function("f")


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"\left. \frac{d}{dx} x^2 \right|_{x=3}", sp.Subs(sp.Derivative(x**2, x), x, 3)),
        (r"f'(x)\big|_{x=0}", sp.Subs(sp.Derivative(_F(x), x), x, 0)),
        (r"x^2 + x \Big|_{x=a}", sp.Subs(x**2 + x, x, sp.Symbol("a"))),
        (r"2\left.(x^3)\right|_{x = 1} + 1", 2 * sp.Subs(x**3, x, 1) + 1),
        (r"\frac{d}{dx} x^2 \Bigr|_{x=3}", sp.Subs(sp.Derivative(x**2, x), x, 3)),
    ],
)
def test_evaluation_bar_substitutes_the_point(latex: str, expected: sp.Expr) -> None:
    assert parse_latex_expr(latex).expr == expected


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\left. \frac{d}{dx} x^2 \right|_{x=3} = 6", Verdict.PROVED),
        (r"\left. \frac{d}{dx} x^2 \right|_{x=3} = 9", Verdict.REFUTED),
        (r"\sigma'(x)\Big|_{x=0} = \frac{1}{4}", Verdict.PROVED),
        (r"\frac{d}{dx}\sigma(x)\big|_{x=0} = \frac{1}{2}", Verdict.REFUTED),
    ],
)
def test_derivative_at_a_point_is_checked(claim: str, verdict: Verdict) -> None:
    text = "$$\n\\sigma(x) = \\frac{1}{1+e^{-x}}\n$$\n\n$$\n" + claim + "\n$$\n"
    findings = [f for f in _check("n.md", text).findings if f.verdict is not None]
    assert [f.verdict for f in findings] == [verdict], findings


def test_absolute_value_with_a_subscript_is_not_an_evaluation() -> None:
    # |x| closing an absolute value stays an absolute value, subscripted or not
    with pytest.raises(LatexParseError, match="evaluation"):
        parse_latex_expr(r"|x|_{x=0}")


def test_percent_after_a_number_is_a_hundredth() -> None:
    assert parse_latex_expr(r"50\% \cdot x").expr == x / 2
    assert parse_latex_expr(r"1/25\%").expr == 4
    with pytest.raises(LatexParseError, match="percent"):
        parse_latex_expr(r"x\%")


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\sigma(4) \approx 98.2\%", Verdict.PROVED),
        (r"\sigma(4) \approx 98.20138\%", Verdict.PROVED),
        (r"\sigma(4) \approx 95\%", Verdict.REFUTED),
        (r"\sigma(0) = 50\%", Verdict.PROVED),
    ],
)
def test_percent_values_are_checked(claim: str, verdict: Verdict) -> None:
    text = "$$\n\\sigma(x) = \\frac{1}{1+e^{-x}}\n$$\n\nSo $" + claim + "$.\n"
    findings = [f for f in _check("n.md", text).findings if f.verdict is not None]
    assert [(f.kind.value if f.kind else "", f.verdict) for f in findings] == [
        ("value", verdict)
    ], findings
    assert findings[0].rhs == claim.split(" ")[-1]  # shown as written


@pytest.mark.parametrize(
    "latex",
    [r"\mathbb{1}[x>0]", r"\mathbb{1}_{x>0}", r"\mathbbm{1}\{x > 0\}", r"\mathds{1}(x)",
     r"x \, \mathbf{1}[x > 0]", r"\mathbb{I}[y = 1]"],
)
def test_indicator_functions_are_out_of_scope(latex: str) -> None:
    with pytest.raises(LatexParseError, match=r"out of scope: indicator functions") as raised:
        parse_latex_expr(latex)
    assert latex[raised.value.offset] == "\\"


def test_indicator_claim_is_unknown_not_an_error() -> None:
    text = "$$\n\\frac{d}{dx}\\max(0, x) = \\mathbb{1}[x>0]\n$$\n"
    findings = [f for f in _check("n.md", text).findings if f.verdict is not None]
    assert [(f.verdict, f.rule_id) for f in findings] == [(Verdict.UNKNOWN, "DRV006")]
    assert "indicator" in findings[0].message and "macro" not in findings[0].message


MACRO_DOC = (
    "$$\\newcommand{\\sig}{\\sigma}\\newcommand{\\dd}[1]{\\frac{d}{d#1}}$$\n"  # 1
    "\n"  # 2
    "$$\n"  # 3
    "\\sig(x) = \\frac{1}{1+e^{-x}}\n"  # 4
    "$$\n"  # 5
    "\n"  # 6
    "Wrong: $\\sig(0) = 0.6$ and $\\dd{x} x^2 = 2x + 1$; $\\dd{x}\\sig(x) = \\sig(x) \\cdot\n"  # 7
    "(1 + \\sig(x))$ and $\\sig(0) = \\frac{1}{2}$ and $\\sig(\\dd{x}) = 1$.\n"  # 8
)


def test_findings_show_the_macros_as_written_at_their_place() -> None:
    report = _check("n.md", MACRO_DOC)
    shown = [
        (f.location.line, f.location.column, f.lhs, f.rhs, f.verdict)
        for f in report.findings if f.lhs or f.rhs
    ]
    assert shown[:5] == [
        (4, 1, "\\sig(x)", "\\frac{1}{1+e^{-x}}", None),
        (7, 19, "\\sig(0)", "0.6", Verdict.REFUTED),
        (7, 42, "\\dd{x} x^2", "2x + 1", Verdict.REFUTED),
        (7, 68, "\\dd{x}\\sig(x)", "\\sig(x) \\cdot\n(1 + \\sig(x))", Verdict.REFUTED),
        (8, 31, "\\sig(0)", "\\frac{1}{2}", Verdict.PROVED),
    ]
    assert report.findings[0].message == "definition of \\sig(x)"


def test_claim_line_of_the_text_report_shows_the_macro() -> None:
    from derive.model import CheckReport
    from derive.report.text import format_text

    report = CheckReport([_check("n.md", MACRO_DOC)])
    text = format_text(report)
    assert "claim: \\sig(0) = 0.6" in text and "\\sigma" not in text


def test_unreadable_math_is_shown_as_written() -> None:
    (error,) = [f for f in _check("n.md", MACRO_DOC).findings if f.verdict is Verdict.ERROR]
    assert error.lhs == "\\sig(\\dd{x})"
    assert (error.location.line, error.location.column) == (8, 54)
