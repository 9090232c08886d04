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
