"""Doubt rules (derive/check/doubts.py) and the scoping of definitions they rest on:
a function defined for one example and used in another is not a sure reading."""

from __future__ import annotations

import json

from derive.check.checker import check_text
from derive.check.claims import Claim
from derive.check.doubts import DOUBT_RULES, first_doubt
from derive.model import (
    ClaimKind,
    Evidence,
    FileReport,
    Finding,
    Location,
    Outcome,
    Verdict,
    VerifySettings,
)

SETTINGS = VerifySettings(time_limit=10.0)


def check_md(text: str, path: str = "doc.md") -> FileReport:
    return check_text(path, text, SETTINGS)


def at_line(report: FileReport, line: int) -> Finding:
    found = [f for f in report.findings if f.location.line == line and f.kind is not None]
    assert len(found) == 1, report.findings
    return found[0]


# Two examples, each with its own f; a third section uses f without defining it.
TWO_EXAMPLES = """# Derivatives

## First example

$$
f(x) = x^2
$$

## Second example

$$
f(x) = x^3
$$

$$
f'(x) = 3x^2
$$

## Exercises

$$
f'(x) = 2x
$$
"""


def test_rule_ids_are_unique_and_stable() -> None:
    ids = [rule.id for rule in DOUBT_RULES]
    assert len(ids) == len(set(ids))
    assert ("DRV-D08", "remote-definition") in {(rule.id, rule.name) for rule in DOUBT_RULES}


def test_a_later_example_defines_its_own_function() -> None:
    report = check_md(TWO_EXAMPLES)
    second = at_line(report, 12)
    assert second.kind is ClaimKind.DEFINITION  # not checked against the first f
    assert at_line(report, 16).verdict is Verdict.PROVED  # 3x^2 is the second f's derivative


def test_remote_definition_of_a_redefined_function_declines_the_refutation() -> None:
    finding = at_line(check_md(TWO_EXAMPLES), 22)
    assert finding.verdict is Verdict.UNKNOWN
    assert finding.evidence is not None and finding.evidence.doubt == "DRV-D08"
    # the reason names the definition used and the directive that settles it
    assert "f(x) as defined at line 12" in finding.message
    assert "derive: define f(x) = ..." in finding.message


def test_a_named_function_defined_once_holds_in_every_section() -> None:
    text = "# A\n\n$$\n\\sigma(x) = x^2\n$$\n\n# B\n\n$$\n\\sigma'(x) = 3x\n$$\n"
    finding = at_line(check_md(text), 10)
    assert finding.verdict is Verdict.REFUTED  # the document means its only sigma: a mistake


def test_a_one_letter_function_from_another_section_is_doubted() -> None:
    # F of one section is rarely the F of the next ("F is an antiderivative of f")
    text = "# A\n\n$$\nF(x) = x^2\n$$\n\n# B\n\n$$\nF'(x) = 3x\n$$\n"
    finding = at_line(check_md(text), 10)
    assert finding.verdict is Verdict.UNKNOWN
    assert finding.evidence is not None and finding.evidence.doubt == "DRV-D08"


def test_a_directive_definition_is_never_remote() -> None:
    text = (
        "<!-- derive: define f(x) = x^2 -->\n\n# A\n\n$$\nf(x) = x^3\n$$\n\n"
        "# B\n\n$$\nf'(x) = 3x\n$$\n"
    )
    report = check_md(text)
    assert at_line(report, 6).verdict is Verdict.REFUTED  # the directive's f holds here
    finding = at_line(report, 12)
    assert finding.verdict is Verdict.REFUTED
    assert finding.evidence is not None and finding.evidence.doubt is None


def test_show_that_with_a_new_function_in_a_new_section_defines_it() -> None:
    text = (
        "# A\n\n$$\nf(x) = x^2\n$$\n\n# B\n\nShow that $f(x) = x^3$ is odd: "
        "$f'(x) = 3x^2$.\n"
    )
    derivative = [f for f in check_md(text).findings if f.lhs == "f'(x)"]
    assert [f.verdict for f in derivative] == [Verdict.PROVED]


def test_a_different_body_in_the_same_section_is_still_a_claim() -> None:
    # "the same function written in a hurry": no heading between, so it is checked
    text = "# A\n\n$$\nf(x) = x^2\n$$\n\nAgain, $f(x) = x^3$ is wrong.\n"
    finding = at_line(check_md(text), 7)
    assert finding.verdict is Verdict.REFUTED


def test_restating_the_same_function_under_another_heading_is_a_claim() -> None:
    text = "# A\n\n$$\nf(x) = x^2\n$$\n\n# B\n\n$$\nf(t) = t^2\n$$\n"
    assert at_line(check_md(text), 10).verdict is Verdict.PROVED


def test_a_condition_on_a_defined_function_defines_nothing() -> None:
    # f(x_k) = 0 in a later section is what Newton's method wants, not a new f
    text = "# A\n\n$$\nf(x) = x^2 - 2\n$$\n\n# B\n\n$$\nf(x_k) = 0\n$$\n"
    finding = at_line(check_md(text), 10)
    assert finding.kind is not ClaimKind.DEFINITION


def test_a_thematic_break_separates_examples() -> None:
    text = (
        "# Examples\n\nThe derivative of $f(x) = x^2$ is\n\n$$\nf'(x) = 2x\n$$\n\n---\n\n"
        "The derivative of $f(x) = x^3$ is\n\n$$\nf'(x) = 3x^2\n$$\n"
    )
    report = check_md(text)
    assert at_line(report, 6).verdict is Verdict.PROVED
    assert at_line(report, 14).verdict is Verdict.PROVED


def test_yaml_front_matter_is_no_thematic_break() -> None:
    text = "---\ntitle: x\n---\n\n$$\nf(x) = x^2\n$$\n\nThen $f(x) = x^3$.\n"
    assert at_line(check_md(text), 9).verdict is Verdict.REFUTED


def test_notebook_headings_scope_definitions() -> None:
    def cell(source: str) -> dict[str, object]:
        return {"cell_type": "markdown", "metadata": {}, "source": source}

    text = json.dumps({"cells": [
        cell("# First\n\n$$f(x) = x^2$$"),
        {"cell_type": "code", "metadata": {}, "source": "f(2)", "outputs": [],
         "execution_count": None},
        cell("# Second\n\n$$f(x) = x^3$$\n\n$$f'(x) = 3x^2$$"),
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    report = check_text("notes.ipynb", text, SETTINGS)
    derivative = [f for f in report.findings if f.verdict is not None and f.lhs == "f'(x)"]
    assert [f.verdict for f in derivative] == [Verdict.PROVED]


def test_notebook_prose_gives_roles() -> None:
    text = json.dumps({"cells": [
        {"cell_type": "markdown", "metadata": {},
         "source": "We want to solve\n\n$$x^2 + x = \\sin x$$"},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    report = check_text("solve.ipynb", text, SETTINGS)
    finding = [f for f in report.findings if f.verdict is not None][0]
    assert finding.verdict is Verdict.UNKNOWN  # an equation to solve, not an identity


def _refuted() -> Outcome:
    return Outcome(Verdict.REFUTED, Evidence(method="sampling", detail="differs"))


def _claim(**fields: object) -> Claim:
    import sympy as sp

    x = sp.Symbol("x")
    base: dict[str, object] = {
        "kind": ClaimKind.IDENTITY, "location": Location("doc.md", 3, 1),
        "lhs_latex": "x", "rhs_latex": "x+1", "relation": "=", "lhs": x, "rhs": x + 1,
    }
    base.update(fields)
    return Claim(**base)  # type: ignore[arg-type]


def test_remote_definition_rule_in_isolation() -> None:
    where = Location("doc.md", 9, 1)
    doubted = first_doubt(
        _claim(remote_definitions=(("F", "F(x)", where),)), _refuted(), SETTINGS,
    )
    assert doubted is not None and doubted[0].id == "DRV-D08"
    assert "F(x) as defined at line 9" in doubted[1]
    in_cell = first_doubt(
        _claim(remote_definitions=(("F", "F(x)", Location("n.ipynb", 2, 1, cell=4)),)),
        _refuted(), SETTINGS,
    )
    assert in_cell is not None and "cell 4, line 2" in in_cell[1]
    assert first_doubt(_claim(), _refuted(), SETTINGS) is None


def _doubt_of(**fields: object) -> str | None:
    found = first_doubt(_claim(**fields), _refuted(), SETTINGS)
    return None if found is None else found[0].id


def test_one_sided_names_rule() -> None:
    import sympy as sp

    x, a, b, xi = sp.symbols("x A B xi")
    # an equation to solve: x only on the left
    assert _doubt_of(lhs_latex="x^2 + x - 1", rhs_latex="0", lhs=x**2 + x - 1,
                     rhs=sp.Integer(0)) == "DRV-D09"
    # coefficients to find (partial fractions)
    assert _doubt_of(lhs_latex="\\frac{1}{(x+1)(x-1)}", rhs_latex="\\frac{A}{x+1}+\\frac{B}{x-1}",
                     lhs=1 / ((x + 1) * (x - 1)), rhs=a / (x + 1) + b / (x - 1)) == "DRV-D09"
    # a point that exists (Taylor's remainder)
    assert _doubt_of(lhs_latex="\\sin(x)", rhs_latex="x - \\sin(\\xi)\\frac{x^2}{2}",
                     lhs=sp.sin(x), rhs=x - sp.sin(xi) * x**2 / 2) == "DRV-D09"
    # the same names on both sides: an identity, a wrong one stands refuted
    assert _doubt_of(lhs_latex="(x+1)^2", rhs_latex="x^2+1", lhs=(x + 1) ** 2,
                     rhs=x**2 + 1) is None


def test_one_sided_names_in_a_document() -> None:
    text = (
        "$$\n\\frac{3x+5}{(1-2x)^2} = \\frac{A}{1-2x} + \\frac{B}{(1-2x)^2}\n$$\n\n"
        "$$\n(x+1)^2 = x^2 + 1\n$$\n"
    )
    report = check_md(text)
    coefficients = at_line(report, 2)
    assert coefficients.verdict is Verdict.UNKNOWN
    assert "A, B appear(s) on one side only" in coefficients.message
    assert at_line(report, 6).verdict is Verdict.REFUTED


def test_delta_power_rule() -> None:
    import sympy as sp

    delta, x = sp.symbols("Delta x")
    assert _doubt_of(lhs_latex="\\int_0^{\\Delta x} t dt", rhs_latex="\\frac{\\Delta x^2}{2}",
                     lhs=delta**2 * x**2 / 2, rhs=delta * x**2 / 2) == "DRV-D10"
    assert _doubt_of(lhs_latex="\\Delta x", rhs_latex="2 \\Delta x", lhs=delta * x,
                     rhs=2 * delta * x) is None


def test_vector_product_rule() -> None:
    import sympy as sp

    a, b = sp.symbols("a b")
    assert _doubt_of(lhs_latex="\\mathbf{a} \\times \\mathbf{b}",
                     rhs_latex="- \\mathbf{b} \\times \\mathbf{a}", lhs=a * b,
                     rhs=-b * a) == "DRV-D11"
    assert _doubt_of(lhs_latex="a \\times b", rhs_latex="-b \\times a", lhs=a * b,
                     rhs=-b * a) is None


def test_each_sentence_may_give_its_own_example_function() -> None:
    text = (
        "# Examples\n\n"
        "* The function $f(x) = 1/x^2$ is integrable, as $\\int_1^2 f(x) dx = 1/2$.\n"
        "* The function $f(x) = 1/x^3$ is integrable, as $\\int_1^2 f(x) dx = 3/8$.\n"
    )
    report = check_md(text)
    integrals = [f for f in report.findings if f.lhs == "\\int_1^2 f(x) dx"]
    assert [f.verdict for f in integrals] == [Verdict.PROVED, Verdict.PROVED]


def test_a_display_definition_restated_inline_is_still_checked() -> None:
    text = "$$\n\\sigma(x) = \\frac{1}{1+e^{-x}}\n$$\n\nIn a hurry: $\\sigma(x) = 1/1+e^{-x}$.\n"
    assert at_line(check_md(text), 5).verdict is Verdict.REFUTED


def test_a_function_defined_anew_in_several_examples_may_be_defined_again() -> None:
    # the annuity f(r) in two equivalent forms, after f served other examples
    text = (
        "# One\n\n$$\nf(x) = x^2\n$$\n\n# Two\n\n$$\nf(r) = r - 1\n$$\n\n"
        "or equivalently\n\n$$\nf(r) = 2r - 2\n$$\n"
    )
    finding = at_line(check_md(text), 16)
    assert finding.verdict is Verdict.UNKNOWN
    assert finding.evidence is not None and finding.evidence.doubt == "DRV-D12"
    assert "line 10" in finding.message and "derive: claim" in finding.message
    claimed = text.replace("or equivalently\n\n", "or equivalently\n\n<!-- derive: claim -->\n")
    assert at_line(check_md(claimed), 17).verdict is Verdict.REFUTED


def test_a_function_defined_once_restated_wrongly_is_refuted() -> None:
    text = "$$\nf(x) = x^2\n$$\n\n$$\nf(x) = x^3\n$$\n"
    assert at_line(check_md(text), 6).verdict is Verdict.REFUTED


def test_applied_placeholder_rule() -> None:
    import sympy as sp

    from derive.model import Definition

    x, u = sp.symbols("x u")
    placeholder = Definition(name="u", params=(), body=x**2, latex="u = x^2")
    rule = {r.id: r for r in DOUBT_RULES}["DRV-D13"]
    applied = _claim(lhs_latex="\\int_{u(0)}^{u(2)} e^u du", rhs_latex="e^4",
                     lhs=sp.Integral(sp.exp(u), (u, 0, 2 * u)), rhs=sp.exp(4),
                     definitions=(placeholder,))
    reason = rule.test(applied, _refuted(), SETTINGS)
    assert reason is not None and "u(...) may be u evaluated at a point" in reason
    # a letter that is no function, before a bracketed number: evaluated there
    bounds = _claim(lhs_latex="2\\int_{u(0)}^{u(2)} e^u du", rhs_latex="2 \\int_0^4 e^u du",
                    lhs=sp.Integer(0), rhs=sp.Integer(1))
    reason = rule.test(bounds, _refuted(), SETTINGS)
    assert reason is not None and reason.startswith("u(...) may be u evaluated")
    called = _claim(lhs_latex="f(0)", rhs_latex="1", lhs=sp.Function("f")(0), rhs=sp.Integer(1))
    assert rule.test(called, _refuted(), SETTINGS) is None  # read as a call already
    # u times a bracket where u is no placeholder: no doubt from this rule
    product = _claim(lhs_latex="u(1+x)", rhs_latex="u + x", lhs=u * (1 + x), rhs=u + x)
    assert rule.test(product, _refuted(), SETTINGS) is None


def test_two_prose_functions_in_one_sentence() -> None:
    text = (
        "Let $f(x) = x^5 \\sin(x)$, and compare with $f(x) = x^5$ and "
        "$g(x) = \\sin(x)$.\n"
    )
    report = check_md(text)
    assert [f.verdict for f in report.findings if f.verdict is not None] == []
    assert [f.kind for f in report.findings if f.lhs == "f(x)"] == [ClaimKind.DEFINITION] * 2


def test_a_proof_resting_on_a_remote_definition_is_declined_too() -> None:
    # F of section A makes F'(x) = 2x hold; the F section B means may be another one
    text = "# A\n\n$$\nF(x) = x^2\n$$\n\n# B\n\n$$\nF'(x) = 2x\n$$\n"
    finding = at_line(check_md(text), 10)
    assert finding.verdict is Verdict.UNKNOWN
    assert finding.evidence is not None and finding.evidence.doubt == "DRV-D08"
    assert "as read, it is proved" in finding.message


def test_a_proof_with_its_definition_in_the_same_section_stands() -> None:
    text = "# A\n\n$$\nF(x) = x^2\n$$\n\n$$\nF'(x) = 2x\n$$\n"
    assert at_line(check_md(text), 8).verdict is Verdict.PROVED


def test_only_reading_rules_decline_proofs() -> None:
    reading = {rule.id for rule in DOUBT_RULES if rule.proofs_too}
    assert reading == {
        "DRV-D06", "DRV-D08", "DRV-D10", "DRV-D11", "DRV-D12", "DRV-D13", "DRV-D14", "DRV-D15",
        "DRV-D17", "DRV-D18",
    }


def test_a_proof_of_a_letter_at_a_number_is_declined() -> None:
    # x(0) = 0 is an initial condition; read as x * 0 it is "proved" for nothing
    finding = at_line(check_md("$$\nx(0) = 0\n$$\n"), 2)
    assert finding.verdict is Verdict.UNKNOWN and finding.evidence is not None
    assert finding.evidence.doubt == "DRV-D13" and "x(t) = ..." in finding.message
    # a function the document defines is evaluated, and its value is checked
    text = "$$\nx(t) = t^2\n$$\n\n$$\nx(0) = 0\n$$\n\n$$\nx(1) = 2\n$$\n"
    report = check_md(text)
    assert at_line(report, 6).verdict is Verdict.PROVED
    assert at_line(report, 10).verdict is Verdict.REFUTED


def test_square_bracket_calls_are_declined_round_brackets_are_not() -> None:
    finding = at_line(check_md("$$\nf[x_0] = f(x_0)\n$$\n"), 2)
    assert finding.verdict is Verdict.UNKNOWN and finding.evidence is not None
    assert finding.evidence.doubt == "DRV-D14"
    text = "$$\nf(x) = x^2\n$$\n\n$$\nf(x_0) = x_0^2\n$$\n\n$$\nf(x_0) = x_0^3\n$$\n"
    report = check_md(text)
    assert at_line(report, 6).verdict is Verdict.PROVED
    assert at_line(report, 10).verdict is Verdict.REFUTED


def test_a_derivative_of_names_not_written_in_its_variable_is_declined() -> None:
    text = "$$\n\\frac{d}{dx} \\log(X + Y) = \\frac{d}{dx} \\log(Y + X)\n$$\n"
    finding = at_line(check_md(text), 2)
    assert finding.verdict is Verdict.UNKNOWN and finding.evidence is not None
    assert finding.evidence.doubt == "DRV-D15" and "X, Y" in finding.message
    # a constant, and a placeholder written in the variable, stay checked
    assert at_line(check_md("$$\n\\frac{d}{dx} 5 = 0\n$$\n"), 2).verdict is Verdict.PROVED
    wrong = at_line(check_md("$$\n\\frac{d}{dx} (x^2 y) = 3 x y\n$$\n"), 2)
    assert wrong.verdict is Verdict.REFUTED


def test_delta_of_a_bracket_is_a_change_not_a_product() -> None:
    text = "$$\nm (a + b) = \\frac{m}{1} \\Delta\\left(a + b\\right)\n$$\n"
    finding = at_line(check_md(text), 2)
    assert finding.verdict is Verdict.UNKNOWN


def test_solving_for_a_factor_that_may_vanish_proves_nothing() -> None:
    # m v_1 + m v_2 = m w_1 + m w_2 solved for m gives m = 0 only: where
    # v_1 + v_2 = w_1 + w_2 every m solves it, and the squares need not agree
    text = (
        "$$\n\\begin{aligned}\nm v_1 + m v_2 &= m w_1 + m w_2 \\\\\n"
        "m v_1^2 + m v_2^2 &= m w_1^2 + m w_2^2\n\\end{aligned}\n$$\n"
    )
    finding = at_line(check_md(text), 4)
    assert finding.verdict is Verdict.UNKNOWN
    # a real rearrangement still follows
    text = (
        "$$\n\\begin{aligned}\ne^z (1-P) &= P \\\\\ne^z &= P + e^z P \\\\\n"
        "P &= \\frac{e^z}{1+e^z}\n\\end{aligned}\n$$\n"
    )
    report = check_md(text)
    assert at_line(report, 4).verdict is Verdict.PROVED
    assert at_line(report, 5).verdict is Verdict.PROVED


def test_a_whole_number_before_a_fraction_may_be_a_mixed_number() -> None:
    finding = at_line(check_md("$$\n3~\\frac{3}{4} = \\frac{15}{4}\n$$\n"), 2)
    assert finding.verdict is Verdict.UNKNOWN and finding.evidence is not None
    assert finding.evidence.doubt == "DRV-D17"
    # written as a product, the same numbers are checked
    wrong = at_line(check_md("$$\n3 \\cdot \\frac{3}{4} = \\frac{15}{4}\n$$\n"), 2)
    assert wrong.verdict is Verdict.REFUTED


def test_a_slash_before_a_juxtaposed_factor_has_two_readings() -> None:
    finding = at_line(check_md("$$\n1/2 (1)(2) = 1\n$$\n"), 2)
    assert finding.verdict is Verdict.UNKNOWN and finding.evidence is not None
    assert finding.evidence.doubt == "DRV-D18"
    assert at_line(check_md("$$\n(1/2) (1)(2) = 1\n$$\n"), 2).verdict is Verdict.PROVED
    assert at_line(check_md("$$\n1/2 + x = x + 0.4\n$$\n"), 2).verdict is Verdict.REFUTED


def test_a_sum_runs_on_over_an_explicit_product() -> None:
    text = "$$\n\\sum_{k=0}^{n} c 2^k \\cdot 2^{n-k} = (n+1) c 2^n\n$$\n"
    assert at_line(check_md(text), 2).verdict is Verdict.PROVED
    wrong = "$$\n\\sum_{k=0}^{n} c 2^k \\cdot 2^{n-k} = n c 2^n\n$$\n"
    assert at_line(check_md(wrong), 2).verdict is Verdict.REFUTED
