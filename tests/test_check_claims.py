"""check_text on small documents: how rows become claims, and what each verdict says."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check.checker import check_claim, check_text
from derive.check.claims import Claim, build_claims, decimal_places, written_number
from derive.check.roles import Role
from derive.extract import extract_blocks
from derive.model import ClaimKind, FileReport, Finding, Verdict, VerifySettings

SETTINGS = VerifySettings(time_limit=10.0)
SIGMOID = "$$\n\\sigma(x) = \\frac{1}{1+e^{-x}}\n$$\n\n"


def check_md(text: str, **kwargs: object) -> FileReport:
    return check_text("doc.md", text, SETTINGS, **kwargs)  # type: ignore[arg-type]


def verdicts(report: FileReport) -> list[tuple[int, int, ClaimKind | None, Verdict]]:
    return [
        (f.location.line, f.location.column, f.kind, f.verdict)
        for f in report.findings if f.verdict is not None
    ]


def only_claim(report: FileReport) -> Finding:
    claims = [f for f in report.findings if f.verdict is not None]
    assert len(claims) == 1, claims
    return claims[0]


def test_written_numbers() -> None:
    assert written_number("2.718...") == ("2.718...", True)
    assert written_number(r"2.71\ldots") == (r"2.71\ldots", True)
    assert written_number("0.5") == ("0.5", False)
    assert written_number("-4") == ("-4", False)
    assert written_number("x + 0.5") is None
    assert decimal_places("0.01798621") == 8 and decimal_places("4") == 0


def test_chain_gives_one_step_per_relation_at_the_right_side() -> None:
    report = check_md("$$\n(x+1)^2 = x^2 + 2x + 1 = (x + 1)(x + 1)\n$$\n")
    assert verdicts(report) == [
        (2, 11, ClaimKind.STEP, Verdict.PROVED),
        (2, 26, ClaimKind.STEP, Verdict.PROVED),
    ]
    first = report.findings[0]
    assert (first.lhs, first.rhs, first.relation) == ("(x+1)^2", "x^2 + 2x + 1", "=")
    assert first.message.startswith(("proved by ", "proved: "))


def test_continued_rows_chain_from_the_previous_right_side() -> None:
    text = (
        "$$\n\\begin{aligned}\n(x+1)^2 &= x^2 + 2x + 1 \\\\\n&= x^2 + 2x + 2\n"
        "\\end{aligned}\n$$\n"
    )
    report = check_md(text)
    assert [(line, kind, v) for line, _, kind, v in verdicts(report)] == [
        (3, ClaimKind.STEP, Verdict.PROVED),
        (4, ClaimKind.STEP, Verdict.REFUTED),
    ]
    refuted = report.findings[1]
    assert refuted.lhs == "x^2 + 2x + 1" and refuted.rhs == "x^2 + 2x + 2"
    assert refuted.rule_id == "DRV001" and refuted.severity == "error"
    assert refuted.message.startswith("step does not hold: ")
    assert refuted.evidence is not None and refuted.evidence.counterexample is not None


def test_standalone_equation_is_an_identity() -> None:
    claim = only_claim(check_md("$$\n\\sin(x)^2 + \\cos(x)^2 = 1\n$$\n"))
    assert claim.kind is ClaimKind.IDENTITY and claim.verdict is Verdict.PROVED


def test_definition_is_recorded_not_verified_and_used_later() -> None:
    report = check_md(SIGMOID + "$$\n\\sigma(x) + \\sigma(-x) = 1\n$$\n")
    definition = report.findings[0]
    assert definition.kind is ClaimKind.DEFINITION and definition.verdict is None
    assert definition.severity == "info"
    assert (definition.location.line, definition.location.column) == (2, 1)
    assert only_claim(report).verdict is Verdict.PROVED


def test_definition_applies_only_after_it() -> None:
    report = check_md("$$\n\\sigma(0) = 0.5\n$$\n\n" + SIGMOID)
    claim = only_claim(report)
    assert claim.verdict is not Verdict.PROVED  # sigma unknown there: never proved or refuted
    assert claim.verdict is not Verdict.REFUTED


def test_derivative_on_the_left_is_not_a_definition() -> None:
    text = SIGMOID + "$$\n\\frac{d\\sigma(x)}{dx} = \\frac{e^{-x}}{(1+e^{-x})^2}\n$$\n"
    claim = only_claim(check_md(text))
    assert claim.kind is ClaimKind.IDENTITY and claim.verdict is Verdict.PROVED


def test_fresh_symbol_chain_defines_then_verifies_the_rest() -> None:
    report = check_md("$$\ny = (x - 1)^2 = x^2 - 2x + 1\n$$\n\n$$\n\\frac{dy}{dx} = 2x - 2\n$$\n")
    kinds = [(f.location.line, f.kind, f.verdict) for f in report.findings]
    assert kinds == [
        (2, ClaimKind.DEFINITION, None),
        (2, ClaimKind.STEP, Verdict.PROVED),
        (6, ClaimKind.IDENTITY, Verdict.PROVED),
    ]


def test_where_clause_defines_the_substitution() -> None:
    text = (
        "$$\n\\begin{aligned}\n\\frac{d}{dx} \\frac{1}{1+e^{-x}} &= \\frac{d}{dx} u^{-1}, "
        "\\quad u = 1 + e^{-x} \\\\\n&= -u^{-2} \\frac{du}{dx}\n\\end{aligned}\n$$\n"
    )
    report = check_md(text)
    assert [(f.kind, f.verdict) for f in report.findings] == [
        (ClaimKind.STEP, Verdict.PROVED),
        (ClaimKind.DEFINITION, None),
        (ClaimKind.STEP, Verdict.PROVED),
    ]


_CHAIN_RULE_WITH_REASON = (
    "$$\n\\begin{aligned}\n\\frac{d}{dx} \\frac{1}{1+e^{-x}} &= \\frac{d}{du}\\left[\\frac{1}{u}"
    "\\right] \\cdot \\frac{d}{dx}[1+e^{-x}] && \\text{chain rule, } u = 1+e^{-x} \\\\\n"
    "&= -\\frac{1}{u^2} \\cdot (-e^{-x}) && \\text{power rule} \\\\\n"
    "&= RHS && \\text{substitute back}\n\\end{aligned}\n$$\n\nwith $u = 1 + e^{-x}$.\n"
)


def test_substitution_in_the_reason_defines_it_for_the_following_steps() -> None:
    text = _CHAIN_RULE_WITH_REASON.replace("RHS", "\\frac{e^{-x}}{(1+e^{-x})^2}")
    report = check_md(text)
    assert [(f.location.line, f.location.column, f.kind, f.verdict, f.reason)
            for f in report.findings] == [
        (3, 36, ClaimKind.STEP, Verdict.PROVED, "chain rule, u = 1+e^{-x}"),
        (3, 125, ClaimKind.DEFINITION, None, ""),
        (4, 4, ClaimKind.STEP, Verdict.PROVED, "power rule"),
        (5, 4, ClaimKind.STEP, Verdict.PROVED, "substitute back"),
        # "with $u = 1 + e^{-x}$" in the prose is context (a definition), not a claim
    ]
    assert report.findings[1].message == "definition of u"


def test_substitution_in_the_reason_still_refutes_a_wrong_step() -> None:
    text = _CHAIN_RULE_WITH_REASON.replace("RHS", "\\frac{e^{x}}{(1+e^{-x})^2}")
    assert [f.verdict for f in check_md(text).findings if f.verdict] == [
        Verdict.PROVED, Verdict.PROVED, Verdict.REFUTED,
    ]


def test_let_in_parenthesised_reason_text_defines_the_substitution() -> None:
    text = (
        "$$\n\\frac{d}{dx} \\frac{1}{1+e^{-x}} = -\\frac{1}{u^2} \\cdot (-e^{-x})"
        " \\qquad \\text{(let } u = 1+e^{-x}\\text{)}\n$$\n"
    )
    report = check_md(text)
    assert [(f.kind, f.verdict, f.reason) for f in report.findings] == [
        (ClaimKind.IDENTITY, Verdict.PROVED, "(let u = 1+e^{-x})"),
        (ClaimKind.DEFINITION, None, ""),
    ]


def test_a_fact_in_the_reason_is_no_definition() -> None:
    text = (
        "$$\n\\lim_{x \\to \\infty} \\frac{1}{1+e^{-x}} = 1 && \\text{since } "
        "\\lim_{x \\to \\infty} e^{-x} = 0\n$$\n"
    )
    report = check_md(text)
    assert [(f.kind, f.verdict, f.reason) for f in report.findings] == [
        (ClaimKind.LIMIT, Verdict.PROVED, "since \\lim_{x \\to \\infty} e^{-x} = 0"),
    ]


def test_placeholder_trap_is_refuted_when_wrong() -> None:
    text = (
        "$$\n\\begin{aligned}\n\\frac{d}{dx} \\frac{1}{1+e^{-x}} &= \\frac{d}{dx} u^{-1}, "
        "\\quad u = 1 + e^{-x} \\\\\n&= u^{-2} \\frac{du}{dx}\n\\end{aligned}\n$$\n"
    )
    assert [f.verdict for f in check_md(text).findings if f.verdict] == [
        Verdict.PROVED, Verdict.REFUTED,
    ]


def test_euler_e_constant_prefix_and_rounded() -> None:
    report = check_md("Values: $e = 2.718...$ and $e = 2.781...$ and $e \\approx 2.72$.\n")
    assert [(f.kind, f.verdict) for f in report.findings] == [
        (ClaimKind.CONSTANT, Verdict.PROVED),
        (ClaimKind.CONSTANT, Verdict.REFUTED),
        (ClaimKind.CONSTANT, Verdict.PROVED),
    ]
    assert report.findings[1].rhs == "2.781..."


@pytest.mark.parametrize(("written", "verdict"), [
    ("0.5", Verdict.PROVED), ("0.25", Verdict.REFUTED),
])
def test_exact_value(written: str, verdict: Verdict) -> None:
    claim = only_claim(check_md(SIGMOID + f"$$\n\\sigma(0) = {written}\n$$\n"))
    assert claim.kind is ClaimKind.VALUE and claim.verdict is verdict


@pytest.mark.parametrize(("written", "holds"), [
    ("0.01798621", True), ("0.0180", True), ("0.0181", False), ("0.0179", False),
])
def test_rounded_value(written: str, holds: bool) -> None:
    claim = only_claim(check_md(SIGMOID + f"$$\n\\sigma(-4) \\approx {written}\n$$\n"))
    assert claim.kind is ClaimKind.VALUE
    assert (claim.verdict is Verdict.REFUTED) is not holds
    assert claim.verdict is not Verdict.ERROR


def test_limits() -> None:
    text = SIGMOID + (
        "$$\n\\lim_{x \\to \\infty} \\sigma(x) = 1\n$$\n\n"
        "$$\n\\lim_{x \\to \\infty} \\sigma(x) = 0\n$$\n"
    )
    assert [(f.kind, f.verdict) for f in check_md(text).findings if f.verdict] == [
        (ClaimKind.LIMIT, Verdict.PROVED), (ClaimKind.LIMIT, Verdict.REFUTED),
    ]


def test_out_of_scope_is_unknown_with_reason_and_rest_is_checked() -> None:
    text = "$$\n\\sum_j e^{f_j} = \\sum_j e^{f_j}\n$$\n\n$$\n2x = x + x\n$$\n"
    report = check_md(text)
    *unread, last = [f for f in report.findings if f.verdict]
    assert [(f.location.line, f.verdict, f.rule_id) for f in unread] == [
        (2, Verdict.UNKNOWN, "DRV006"), (2, Verdict.UNKNOWN, "DRV006"),  # one per side
    ]
    assert all("out of scope" in f.message for f in unread)
    assert (last.location.line, last.verdict) == (6, Verdict.PROVED)


def test_unparsable_side_is_an_error_at_its_location() -> None:
    report = check_md("$$\nx + 1 = x + y )\n$$\n\n$$\n2x = x + x\n$$\n")
    error = report.findings[0]
    assert error.verdict is Verdict.ERROR and error.rule_id == "DRV002"
    assert error.location.line == 2 and 9 <= error.location.column <= 15
    assert error.message.startswith("cannot read math: ")
    assert report.findings[-1].verdict is Verdict.PROVED


def test_unsupported_relation_is_unknown() -> None:
    claim = only_claim(check_md("$$\nx^2 + 1 \\le 2x\n$$\n"))
    assert claim.verdict in (Verdict.UNKNOWN, Verdict.ERROR)
    assert claim.verdict is not Verdict.REFUTED


def test_unread_definition_makes_its_uses_undecided() -> None:
    text = "$$\nL = \\sum_j e^{f_j}\n$$\n\n$$\n\\frac{dL}{dx} = 0\n$$\n"
    report = check_md(text)
    assert Verdict.REFUTED not in [f.verdict for f in report.findings]
    assert report.findings[-1].verdict is Verdict.UNKNOWN


def test_undefined_function_call_is_never_refuted() -> None:
    text = "$$\n\\frac{1}{1+e^{-(w x+b)}} = \\sigma(w x + b)\n$$\n"
    claim = only_claim(check_md(text))
    assert claim.verdict is Verdict.UNKNOWN


def test_leibniz_derivative_of_undefined_name_is_not_zero() -> None:
    claim = only_claim(check_md("$$\n\\frac{dy}{dx} = 2x\n$$\n"))
    assert claim.verdict is Verdict.UNKNOWN


def test_indefinite_integral_up_to_a_constant() -> None:
    claim = only_claim(check_md("$$\n\\int x^2 \\, dx = \\frac{1}{3}x^3 + C\n$$\n"))
    assert claim.verdict in (Verdict.PROVED, Verdict.CHECKED)
    wrong = only_claim(check_md("$$\n\\int x^2 \\, dx = \\frac{1}{2}x^3 + C\n$$\n"))
    assert wrong.verdict is Verdict.REFUTED


def test_assume_directive_restricts_the_domain() -> None:
    claim = "$$\n\\sqrt{x^2} = x\n$$\n"
    unassumed = only_claim(check_md(claim))
    assert unassumed.verdict is Verdict.UNKNOWN  # true on a domain: not refuted, not passed
    assert "holds only for x > 0" in unassumed.message and "assume" in unassumed.message
    assumed = only_claim(check_md("<!-- derive: assume x > 0 -->\n\n" + claim))
    assert assumed.verdict in (Verdict.PROVED, Verdict.CHECKED)


def test_skip_and_skip_file_directives() -> None:
    wrong = "$$\nx = x + 1\n$$\n"
    skipped = check_md("<!-- derive: skip -->\n" + wrong + "\n$$\n2x = x + x\n$$\n")
    assert [f.verdict for f in skipped.findings] == [Verdict.PROVED]
    assert [f.verdict for f in check_md("<!-- derive: skip -->\n" + wrong).findings] == []
    assert check_md("<!-- derive: skip-file -->\n\n$$\n2 = 3\n$$\n").findings == ()


def test_configured_definitions() -> None:
    report = check_md(
        "$$\n\\sigma(0) = 0.5\n$$\n", definitions_latex=[r"\sigma(x) = \frac{1}{1+e^{-x}}"],
    )
    assert [(f.kind, f.verdict) for f in report.findings] == [(ClaimKind.VALUE, Verdict.PROVED)]


def test_define_directive_reports_a_definition() -> None:
    report = check_md("<!-- derive: define g(t) = t^{3} -->\n\n$$\n\\frac{d}{dt} g(t) = 3t^2\n$$\n")
    assert [(f.location.line, f.kind, f.verdict) for f in report.findings] == [
        (1, ClaimKind.DEFINITION, None), (4, ClaimKind.IDENTITY, Verdict.PROVED),
    ]


def test_lint_is_a_warning_that_does_not_fail() -> None:
    report = check_md("$$\n\\frac{1}{1+e^-x} = \\frac{e^{x}}{1+e^{x}}\n$$\n")
    lint = [f for f in report.findings if f.verdict is None]
    assert [(f.rule_id, f.severity, f.location.line) for f in lint] == [("DRV003", "warning", 2)]
    assert only_claim(report).verdict is Verdict.PROVED


def test_same_input_same_report() -> None:
    text = SIGMOID + "$$\n\\sigma(x) = \\frac{e^x}{1+e^x} = 1 - \\sigma(-x) = 2\\sigma(x)\n$$\n"
    assert check_md(text) == check_md(text)


# ---------------------------------------------------- defects found by using derive check
def lints(report: FileReport, rule_id: str) -> list[Finding]:
    return [f for f in report.findings if f.verdict is None and f.rule_id == rule_id]


def test_chain_rule_with_a_named_substitution_is_proved_in_every_step() -> None:
    text = (
        "Title\n=====\n\n.. math::\n\n   \\sigma(x) = \\frac{1}{1+e^{-x}}\n\n"
        "with :math:`u = 1 + e^{-x}`:\n\n.. math::\n\n"
        "   \\frac{d\\sigma}{dx} = \\frac{d}{du}\\left(u^{-1}\\right) \\frac{du}{dx}\n"
        "       = -u^{-2} \\cdot (-e^{-x})\n"
        "       = \\frac{e^{-x}}{(1+e^{-x})^2}\n"
    )
    report = check_text("doc.rst", text, SETTINGS)
    assert [(line, v) for line, _, _, v in verdicts(report)] == [
        (12, Verdict.PROVED), (13, Verdict.PROVED), (14, Verdict.PROVED),
    ]


def test_tanh_derivative_through_sech_and_sigma_holds_at_every_step() -> None:
    text = SIGMOID + (
        "$$\\frac{d}{dx}\\tanh(x) = 1 - \\tanh^2(x) = \\operatorname{sech}^2(x)"
        " = 4\\sigma(2x)(1-\\sigma(2x))$$\n"
    )
    found = verdicts(check_md(text))
    assert len(found) == 3
    assert all(v in (Verdict.PROVED, Verdict.CHECKED) for *_, v in found)


def test_equation_after_a_comma_is_checked_not_dropped_as_a_where_clause() -> None:
    report = check_md("$$\\sqrt{x^2} + 1 = x + 1, \\quad \\ln(e^x) = 2x$$\n")
    claims = [f for f in report.findings if f.verdict is not None]
    assert [(f.lhs, f.rhs) for f in claims] == [("\\sqrt{x^2} + 1", "x + 1"), ("\\ln(e^x)", "2x")]
    assert claims[1].verdict is Verdict.REFUTED


def test_where_clause_that_defines_nothing_becomes_a_claim() -> None:
    # g(x, x) is no definition (repeated parameter): checked as an equation instead
    report = check_md("$$y = 2 g(x, x), \\quad g(x, x) = x + x$$\n")
    claims = [f for f in report.findings if f.verdict is not None]
    assert [(f.lhs, f.rhs) for f in claims] == [("g(x, x)", "x + x")]
    assert claims[0].verdict is Verdict.UNKNOWN


def test_configured_where_clause_that_defines_nothing_is_reported() -> None:
    report = check_md("$$y = 1$$\n", definitions_latex=["h = 2 g(x, x), \\quad g(x, x) = 2x"])
    problems = [f for f in report.findings if f.verdict is Verdict.ERROR]
    assert len(problems) == 1 and "g(x, x)" in problems[0].message


def test_display_math_without_a_relation_still_gets_lints_and_errors() -> None:
    report = check_md("$$\\frac{1}{1+e^-x}$$\n\n$$\\frac{1}{1+x$$\n\n$$x^2 + 1$$\n\n"
                      "$$\\prod_{i=1}^{n} x_i$$\n\nprose d/dx\\[...\\] in brackets\n")
    assert [(f.location.line, f.rule_id) for f in report.findings] == [
        (1, "DRV003"), (3, "DRV002"),
    ]
    assert report.findings[1].verdict is Verdict.ERROR


def test_product_lint_only_for_a_name_never_used_as_a_variable() -> None:
    plain = check_md("$$3x\\left(x^{2}+1\\right)^{2} = 3x^5 + 6x^3 + 3x$$\n")
    assert lints(plain, "DRV005") == []
    # a is used as a plain symbol later in the document: a product, no lint
    later = check_md("$$y = a(b+1)$$\n\n$$w = a + 1$$\n")
    assert lints(later, "DRV005") == []
    alone = check_md("$$y = a(b+1)$$\n\n$$w = b + 1$$\n")
    assert [f.location.column for f in lints(alone, "DRV005")] == [7]


def test_undefined_functions_named_like_python_builtins_are_never_run() -> None:
    undefined = check_md(
        "$$\\operatorname{exit}(1) = 0.5$$\n\n$$\\mathrm{quit}(2) \\approx 2.5$$\n\n"
        "$$\\operatorname{exit}(x) + 1 = \\mathrm{print}(x) - 1$$\n"
    )
    claims = [f for f in undefined.findings if f.verdict is not None]
    assert len(claims) == 3 and all(f.verdict is Verdict.UNKNOWN for f in claims)
    defined = check_md(
        "$$\\operatorname{exit}(x) = 1$$\n\n$$\\mathrm{print}(x) = 2$$\n\n"
        "$$\\operatorname{exit}(5) + \\mathrm{print}(7) = 3$$\n"
    )
    assert [f.verdict for f in defined.findings] == [None, None, Verdict.PROVED]


def test_messages_read_well_after_the_verdict_word() -> None:
    report = check_md(SIGMOID + "$$\\frac{d}{dx}\\sigma(x) = \\sigma(x)(1-\\sigma(x))$$\n")
    definition, step = report.findings
    assert definition.message == "definition of \\sigma(x)"
    assert step.verdict is Verdict.PROVED
    assert step.message.startswith(("proved by ", "proved: "))
    assert "proved" not in step.message.removeprefix("proved")


# -- a step that undoes the previous step's error --------------------------------------------

ML_TYPOS = Path(__file__).parent / "docs" / "bad" / "ml_typos.md"
UNDO_NOTE = "(this step undoes the error of line 12: the chain from line 11 to here holds)"


def _refuted_at(report: FileReport, line: int) -> Finding:
    (finding,) = [
        f for f in report.findings if f.location.line == line and f.verdict is Verdict.REFUTED
    ]
    return finding


def test_step_back_after_a_sign_error_says_so() -> None:
    report = check_text(str(ML_TYPOS), ML_TYPOS.read_text(encoding="utf-8"), SETTINGS)
    wrong, back = _refuted_at(report, 12), _refuted_at(report, 13)
    assert "undoes" not in wrong.message
    assert back.message.endswith(UNDO_NOTE)
    assert "undoes" not in _refuted_at(report, 14).message  # the error of line 14 stays


def test_the_note_also_comes_when_one_claim_is_verified_alone() -> None:
    text = ML_TYPOS.read_text(encoding="utf-8")
    items = build_claims(str(ML_TYPOS), extract_blocks(str(ML_TYPOS), text))
    claims = [c for c in items if isinstance(c, Claim) and c.location.line in (12, 13, 14)]
    assert [check_claim(c, SETTINGS).message.endswith(UNDO_NOTE) for c in claims] == [
        False, True, False,
    ]


@pytest.mark.parametrize(
    "chain",
    [
        "(x+1)^2 = x^2 + 1 = x^2 + 2",  # two different errors: no way back
        "(x+1)^2 = x^2 + 2x + 1 = x^2 + 1",  # the first step holds
    ],
)
def test_no_note_without_a_way_back(chain: str) -> None:
    report = check_md(f"$$\n{chain}\n$$\n")
    assert not [f for f in report.findings if "undoes" in f.message]
    assert Verdict.REFUTED in [f.verdict for f in report.findings]


def test_note_in_a_one_row_chain() -> None:
    report = check_md("$$\n(x+1)^2 = x^2 - 2x + 1 = x^2 + 2x + 1\n$$\n")
    first, second = [f.verdict for f in report.findings]
    assert (first, second) == (Verdict.REFUTED, Verdict.REFUTED)
    assert report.findings[1].message.endswith(
        "(this step undoes the error of line 2: the chain from line 2 to here holds)"
    )


# -- roles on the claims themselves ------------------------------------------------------------


def _claims_of(text: str, *, with_source: bool) -> list[Claim]:
    items = build_claims("doc.md", extract_blocks("doc.md", text),
                         source=text if with_source else "")
    return [item for item in items if isinstance(item, Claim)]


def test_claims_carry_the_role_the_prose_gives_them() -> None:
    text = "Suppose\n\n$$\nx^2 = 4\n$$\n\nWe get\n\n$$\n(x+1)^2 = x^2 + 2x + 1\n$$\n"
    condition, identity = _claims_of(text, with_source=True)
    assert (condition.role, identity.role) == (Role.CONDITION, Role.ASSERTED)
    assert "after 'suppose'" in condition.doubt and identity.doubt == ""


def test_without_the_source_every_relation_is_asserted() -> None:
    text = "Suppose\n\n$$\nx^2 = 4\n$$\n"
    (claim,) = _claims_of(text, with_source=False)
    assert claim.role is Role.ASSERTED and claim.doubt == ""
