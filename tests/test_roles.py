"""Statement roles: what a relation is decides whether it can be refuted.

Each class of reading has a positive case (context is read as context: not refuted, or
verified for the right reason) and a negative case (a real mistake in the same notation
is still refuted where it stands).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from derive.check.api import check_paths
from derive.check.checker import check_text
from derive.check.claims import Claim, build_claims
from derive.check.prose import headings, lead_in
from derive.check.roles import Role, is_citation, is_differential, role_of
from derive.check.rows import split_rows
from derive.extract import extract_blocks
from derive.model import FileReport, Finding, Verdict, VerifySettings

SETTINGS = VerifySettings(time_limit=5.0)


def check(text: str, path: str = "notes.md") -> FileReport:
    return check_text(path, text, SETTINGS)


def verdicts(report: FileReport) -> list[tuple[int, Verdict]]:
    return [(f.location.line, f.verdict) for f in report.findings if f.verdict is not None]


def at(report: FileReport, line: int) -> list[Finding]:
    return [f for f in report.findings if f.location.line == line and f.verdict is not None]


def refuted_lines(report: FileReport) -> list[int]:
    return [f.location.line for f in report.findings if f.verdict is Verdict.REFUTED]


# -- reading the prose ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("prose", "role"),
    [
        ("The rate of change is small when", Role.CONDITION),
        ("Suppose that", Role.CONDITION),
        ("The curve is steep, e.g.", Role.EXAMPLE),
        ("For example, take", Role.DEFINITION),  # the nearest word decides
        ("The prices are found by solving", Role.EQUATION),
        ("minimise the loss subject to", Role.EQUATION),
        ("To first order the drag is", Role.APPROXIMATION),
        ("Differentiating both sides, we get", Role.ASSERTED),
        ("If the input grows, then", Role.ASSERTED),
        ("Let", Role.DEFINITION),
        ("evaluated at", Role.CONDITION),
        ("The derivative is given by", Role.ASSERTED),
        ("Given", Role.CONDITION),
    ],
)
def test_the_nearest_keyword_names_the_role(prose: str, role: Role) -> None:
    source = f"{prose} $x = 1$"
    words = lead_in(source, source.index("$") + 1, 0)
    reading = role_of(words)
    assert reading is not None and reading.role is role


@pytest.mark.parametrize("prose", ["The derivative of the sigmoid is", "A dropped factor of 2:",
                                   "Look at the next chain of equalities. It reads"])
def test_plain_prose_says_nothing(prose: str) -> None:
    source = f"{prose}\n\n$$x = 1$$"
    assert role_of(lead_in(source, source.index("x ="), 0)) is None


def test_the_lead_in_stops_at_the_sentence_and_reads_other_math_as_math() -> None:
    source = "If $a$ is large, this holds. The value $b$ at $c = 2$"
    assert lead_in(source, source.rindex("c = 2"), 0) == ["the", "value", "MATH", "at"]
    # e.g. is no sentence end
    source = "a steep one, e.g. $\\alpha = 5$"
    assert lead_in(source, source.index("\\alpha"), 0)[-1] == "eg"


def test_headings_of_each_syntax() -> None:
    markdown = "# A\n\ntext\n\n```\n# not a heading\n```\n\n## B\n\nC\n-\n"
    assert [h.level for h in headings(markdown, "markdown")] == [1, 2, 2]
    latex = "\\section{A}\n% \\section{commented}\n\\subsection*{B}\n"
    assert [h.level for h in headings(latex, "latex")] == [3, 4]
    rst = "=====\nTitle\n=====\n\nOne\n===\n\nTwo\n---\n\nThree\n=====\n"
    assert [h.level for h in headings(rst, "rst")] == [1, 2, 3, 2]


def test_differentials_and_citations_are_recognised() -> None:
    assert is_differential("2x\\,dx") and is_differential("\\mathrm{d}y")
    assert not is_differential("\\frac{d}{dx} x^2") and not is_differential("\\int x\\,dx")
    assert not is_differential("\\frac{\\mathrm{d}}{\\mathrm{d}x}\\sigma(x)")
    assert is_citation("(3.2)") and is_citation("\\eqref{eq:loss}")
    assert not is_citation("(x + 1)") and not is_citation("3.2")


# -- 1. conditions, cases, examples ----------------------------------------------------


def test_a_condition_in_prose_is_not_an_identity() -> None:
    report = check("The energy vanishes when $c = 2$ and $d = 3$, for instance $k = 7$.\n")
    assert verdicts(report) == []  # context: nothing to refute, nothing claimed


def test_a_condition_in_prose_is_no_definition() -> None:
    # "at $s = 0$" must not bind s: (1+r)^s = 1 is then not proved for the wrong reason
    report = check("At $s = 0$ the system is at rest, so\n\n$$\n(1+r)^s = 1\n$$\n")
    (finding,) = at(report, 4)
    assert finding.verdict is Verdict.UNKNOWN
    assert "holds under the condition s = 0 (line 1)" in finding.message
    assert "derive: claim" in finding.message


def test_a_mistake_about_a_conditioned_name_is_refuted_unless_the_condition_saves_it() -> None:
    text = (
        "The slope at $x = 0$ is two, and\n\n$$\n\\frac{d}{dx}\\sin(2x) = \\cos(2x)\n$$\n\n"
        "while at that point\n\n$$\n\\frac{d}{dx}\\cos(x) = \\sin(x)\n$$\n"
    )
    report = check(text)
    assert refuted_lines(report) == [4]  # false at x = 0 too: a real mistake
    assert at(report, 10)[0].verdict is Verdict.UNKNOWN  # wrong, but true at x = 0


def test_the_claim_directive_checks_a_condition_as_an_identity() -> None:
    text = "At $s = 0$ the system is at rest, so\n\n<!-- derive: claim -->\n$$\n(1+r)^s = 1\n$$\n"
    assert refuted_lines(check(text)) == [5]


def test_a_display_condition_is_context() -> None:
    report = check("Suppose\n\n$$\nx^2 + y^2 = 1\n$$\n")
    (finding,) = at(report, 4)
    assert finding.verdict is Verdict.UNKNOWN and "condition" in finding.message


def test_an_asserted_mistake_after_a_condition_elsewhere_is_refuted() -> None:
    # the condition constrains c, the wrong step is about x alone
    text = "When $c = 2$ the curve is steep.\n\n$$\n(x+1)^2 = x^2 + 1\n$$\n"
    assert refuted_lines(check(text)) == [4]


def test_an_example_value_is_context_but_a_wrong_closed_value_is_refuted() -> None:
    text = "A steep curve, e.g. $\\alpha = 5$; note that $e \\approx 2.818$.\n"
    report = check(text)
    assert [f.lhs for f in report.findings if f.verdict is Verdict.REFUTED] == ["e"]


# -- 1. equations to solve, models, constraints, approximations --------------------------


def test_model_equations_and_constraints_are_not_refuted() -> None:
    text = (
        "The model satisfies\n\n$$\ny = a x + b\n$$\n\nsubject to\n\n$$\na + b = 1\n$$\n\n"
        "To first order,\n\n$$\n\\sin x = x\n$$\n"
    )
    report = check(text)
    assert refuted_lines(report) == []
    roles = [f.message for f in report.findings if f.verdict is Verdict.UNKNOWN]
    assert any("constraint" in m and "subject to" in m for m in roles)
    assert any("approximation" in m for m in roles)


def test_a_value_for_a_variable_is_no_identity() -> None:
    report = check("$$\nx^2 - 5x + 6 = (x-2)(x-3)\n$$\n\nThe root is\n\n$$\nx = 3\n$$\n")
    assert refuted_lines(report) == []


# -- 2. chains of equations ------------------------------------------------------------

SOLVING = (
    "Solve for $P$:\n\n$$\n\\begin{aligned}\n"
    "e^z(1-P) = P \\\\\n"  # 5
    "e^z = P + e^zP \\\\\n"  # 6
    "e^z = P(1 + e^z) \\\\\n"  # 7
    "P = \\frac{e^z}{1+e^z}\n"  # 8
    "\\end{aligned}\n$$\n"
)


def test_a_chain_that_solves_an_equation_follows_row_by_row() -> None:
    report = check(SOLVING.replace("Solve for $P$:", "Rearranging:"))
    assert refuted_lines(report) == []
    rows = {f.location.line: f for f in report.findings if f.verdict is not None}
    assert rows[5].verdict is Verdict.UNKNOWN and "next rows transform" in rows[5].message
    assert [rows[line].verdict for line in (6, 7, 8)] == [Verdict.PROVED] * 3
    assert "solving it for P" in rows[8].message


def test_a_wrong_row_in_a_chain_of_equations_is_not_proved() -> None:
    report = check(SOLVING.replace("Solve for $P$:", "Rearranging:").replace(
        "P = \\frac{e^z}{1+e^z}", "P = \\frac{e^z}{1-e^z}"))
    rows = {f.location.line: f.verdict for f in report.findings if f.verdict is not None}
    assert rows[8] is Verdict.UNKNOWN  # never refuted as an identity, never proved


def test_a_list_of_identities_is_no_chain_of_equations() -> None:
    text = "$$\n\\begin{aligned}\n(x+1)^2 = x^2 + 2x + 1 \\\\\n(x-1)^2 = x^2 - 2x - 1\n" \
           "\\end{aligned}\n$$\n"
    assert refuted_lines(check(text)) == [4]


# -- 3. inline math --------------------------------------------------------------------


def test_inline_relations_with_variables_are_context_unless_asserted() -> None:
    report = check("The line $y = 2x + 1$ has slope 2. Hence $\\frac{d}{dx} x^3 = 3x$.\n")
    assert [(f.lhs, f.verdict) for f in report.findings if f.verdict] == [
        ("\\frac{d}{dx} x^3", Verdict.REFUTED),
    ]


def test_closed_inline_arithmetic_is_checked() -> None:
    report = check("Clearly $2 + 2 = 5$, and $e \\approx 2.718$.\n")
    assert [(f.lhs, f.verdict) for f in report.findings if f.verdict] == [
        ("2 + 2", Verdict.REFUTED), ("e", Verdict.PROVED),
    ]


def test_kramdown_inline_double_dollars_are_inline_math() -> None:
    text = "We pick $$\\alpha = 5$$ here, and clearly $$2 + 2 = 5$$ too.\n"
    report = check(text)
    assert [(f.lhs, f.verdict) for f in report.findings if f.verdict] == [
        ("2 + 2", Verdict.REFUTED),
    ]


# -- 4. scoped definitions ----------------------------------------------------------------


def test_a_named_value_ends_with_its_section() -> None:
    text = (
        "# One\n\n$$\nk = 3\n$$\n\n$$\nk^2 = 9\n$$\n\n"  # k^2 = 9 proved with k = 3
        "# Two\n\n$$\n(k + 1)^2 = k^2 + 2k + 1\n$$\n\n$$\nk^2 = 9\n$$\n"
    )
    report = check(text)
    assert at(report, 8)[0].verdict is Verdict.PROVED
    assert at(report, 14)[0].verdict is Verdict.PROVED  # k is a variable again
    assert at(report, 18)[0].verdict is not Verdict.PROVED  # no longer k = 3


def test_a_function_may_be_redefined_in_a_later_section() -> None:
    text = (
        "## A\n\n$$\nf(x) = x^2\n$$\n\n$$\n\\frac{d}{dx} f(x) = 2x\n$$\n\n"
        "## B\n\n$$\nf(x) = x^3\n$$\n\n$$\n\\frac{d}{dx} f(x) = 3x^2\n$$\n"
    )
    report = check(text)
    assert refuted_lines(report) == []
    assert [f.verdict for f in report.findings if f.verdict] == [Verdict.PROVED] * 2


def test_a_function_stays_defined_in_later_sections() -> None:
    text = "\\section{A}\n\\[ g(x) = x^2 \\]\n\\section{B}\n\\[ g(3) = 9 \\]\n\\[ g(2) = 5 \\]\n"
    report = check(text, "notes.tex")
    # a one-letter g of another section may be another g: neither a proof nor a
    # refutation rests on it
    assert verdicts(report) == [(4, Verdict.UNKNOWN), (5, Verdict.UNKNOWN)]
    named = text.replace("g(", "\\sigma(")
    assert verdicts(check(named, "notes.tex")) == [(4, Verdict.PROVED), (5, Verdict.REFUTED)]


def test_an_axiom_about_one_event_defines_nothing() -> None:
    # "we know Q(S) = 1" must not make Q(B) = 1 proved
    report = check("We know $Q(S) = 1$, and so\n\n$$\nQ(B) = 1\n$$\n")
    assert all(f.verdict is not Verdict.PROVED for f in report.findings)
    assert not [f for f in report.findings if f.message.startswith("definition")]


def test_index_shifted_definitions_apply_at_every_index() -> None:
    text = (
        "$$\nn_{t+1} = n_t + r n_t\n$$\n\n$$\nn_t = (1+r) n_{t-1} = (1+r)^2 n_{t-2}\n$$\n\n"
        "$$\nn_t = (1+r)^2 n_{t-1}\n$$\n"
    )
    report = check(text)
    assert [f.verdict for f in at(report, 6)] == [Verdict.PROVED, Verdict.PROVED]
    assert refuted_lines(report) == [10]


def test_a_cycle_of_definitions_costs_one_definition() -> None:
    text = "$$\ny = 2u, \\quad u = F\n$$\n\n$$\nz = L, \\quad L = t u^2\n$$\n\n" \
           "$$\nw = 1, \\quad F = L\n$$\n\n$$\n(t + 1)^2 = t^2 + 2t + 1\n$$\n"
    report = check(text)
    (cycle,) = [f for f in report.findings if "cyclic" in f.message]
    assert cycle.location.line == 10 and cycle.verdict is Verdict.UNKNOWN
    assert "F -> L -> u -> F" in cycle.message
    assert at(report, 14)[0].verdict is Verdict.PROVED


# -- 5. implications, differentials, cited equations ---------------------------------------


def test_implication_rows_are_not_identities() -> None:
    report = check("$$\nx^2 = 4 \\implies x = 2\n$$\n")
    assert refuted_lines(report) == []
    assert all("implication" in f.message for f in report.findings if f.verdict)


def test_a_wrong_chain_without_an_arrow_is_still_refuted() -> None:
    assert refuted_lines(check("$$\n(x+1)^2 = x^2 + 1 = x^2 + 2\n$$\n")) == [2, 2]


def test_differentials_are_not_identities() -> None:
    report = check("$$\ny = x^2\n$$\n\n$$\ndy = 2x\\,dx\n$$\n")
    assert refuted_lines(report) == []
    assert not [f for f in report.findings if f.message == "definition of dy"]


def test_a_cited_equation_is_no_side() -> None:
    report = check("$$\nf(x) = (3.2)\n$$\n\n$$\ng(x) = \\eqref{eq:g}\n$$\n")
    assert refuted_lines(report) == []
    assert [f.verdict for f in report.findings if f.verdict] == [Verdict.UNKNOWN] * 2


# -- measurement: real-looking prose written for these tests ---------------------------------

PROSE = Path(__file__).parent / "prose"
#: Lines of the real mistakes in tests/prose/mistakes_in_prose.md; the other documents are valid.
MISTAKES = [6, 9, 11, 34, 41, 42]


def _inline_figures(folder: Path) -> tuple[int, int]:
    """(inline math with a relation, of which checked as claims) in a folder's documents."""
    inline = claimed = 0
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".md", ".tex", ".rst"):
            continue
        text = path.read_text(encoding="utf-8")
        blocks = [b for b in extract_blocks(str(path), text) if b.inline and not b.skip]
        items = build_claims(str(path), extract_blocks(str(path), text), source=text)
        where = {(c.location.line, c.location.column) for c in items if isinstance(c, Claim)}
        for block in blocks:
            if any(row.relations for row in split_rows(block)):
                inline += 1
                claimed += any(position in where for position in block.positions)
    return inline, claimed


def test_inline_math_figures(record_property: Callable[[str, object], None]) -> None:
    figures = {}
    for name, folder in (("tests/docs", Path(__file__).parent / "docs"), ("tests/prose", PROSE)):
        inline, claimed = _inline_figures(folder)
        figures[name] = f"{claimed}/{inline}"
        print(f"\n[inline] {name}: {inline} inline relations, {claimed} checked as claims "
              f"(closed, asserted, worked out or restated), {inline - claimed} read as context")
        assert 0 < claimed < inline
    record_property("inline_claims", figures)


def test_prose_documents_figures(record_property: Callable[[str, object], None]) -> None:
    report = check_paths([str(PROSE)], settings=SETTINGS)
    figures: dict[str, dict[str, int]] = {}
    for file_report in report.files:
        counts: dict[str, int] = {}
        for finding in file_report.findings:
            if finding.verdict is not None:
                counts[finding.verdict.value] = counts.get(finding.verdict.value, 0) + 1
        figures[Path(file_report.path).name] = counts
        refuted = refuted_lines(file_report)
        if file_report.path.endswith("mistakes_in_prose.md"):
            assert refuted == MISTAKES
        else:
            assert refuted == [], file_report.path
    print(f"\n[prose] verdicts per document: {figures}")
    record_property("prose_verdicts", figures)


def test_a_function_defined_anew_ends_what_its_old_example_defined() -> None:
    # F is the antiderivative of the first f; once f is defined anew, F says nothing
    text = (
        "Let $f(x) = x e^{-x^2}$. An antiderivative is $F(x) = (-1/2) e^{-x^2}$.\n\n"
        "Let $f(x) = \\sin(x)$. Then\n\n$$\n\\lim_{M \\to \\infty} (F(M) - F(-M)) = 0\n$$\n\n"
        "and $f(0) = 0$.\n"
    )
    report = check(text)
    (limit,) = at(report, 6)
    assert limit.verdict is Verdict.UNKNOWN
    assert "earlier definition no longer holds" in limit.message
    # the new f itself is in force
    assert [f.verdict for f in at(report, 9)] == [Verdict.PROVED]


def test_a_function_given_a_constant_value_for_some_x_is_no_longer_the_old_one() -> None:
    text = (
        "Let $f(x) = 1/(\\pi (1 + x^2))$.\n\n"
        "Now $f(x) = 1/(b-a)$ for $a \\le x \\le b$ and $0$ otherwise.\n\n"
        "$$\n\\int_{-\\infty}^\\infty f(x) dx = \\int_a^b \\frac{1}{b-a} dx\n$$\n"
    )
    (integral,) = at(check(text), 6)
    assert integral.verdict is Verdict.UNKNOWN
    assert "given another value at line 3" in integral.message


def test_a_refutation_counts_only_on_the_conditions_in_force() -> None:
    text = (
        "Suppose $a = 2b$. Then\n\n$$\na^2 = 4b^2\n$$\n\nbut\n\n$$\na^2 + b = a b + 3b^2\n$$\n"
    )
    report = check(text)
    (holds,) = at(report, 4)
    assert holds.verdict is Verdict.UNKNOWN and "holds under the condition a = 2b" in holds.message
    # wrong even where a = 2b: refuted at a point on the condition, which it names
    (wrong,) = at(report, 10)
    assert wrong.verdict is Verdict.REFUTED
    assert "a = 1, b = 0.5" in wrong.message


def test_requirements_that_cannot_be_substituted_keep_later_claims_unknown() -> None:
    # the golden-section requirements: what follows from them is no identity in p, q
    text = (
        "We require\n\n$$\n\\frac{p}{q} = \\frac{r}{p+q}, \\quad r = p\n$$\n\n"
        "so that\n\n$$\n\\frac{q}{p} = 1 + \\frac{p}{q}\n$$\n\n"
        "$$\n(t+1)^2 = t^2 + 1\n$$\n"
    )
    report = check(text)
    assert refuted_lines(report) == [14]  # a claim the requirement does not touch
    (follows,) = at(report, 10)
    assert follows.verdict is Verdict.UNKNOWN
    assert "\\frac{p}{q} = \\frac{r}{p+q}" in follows.message  # the condition it rests on


def test_an_equation_that_determines_coefficients_leaves_other_claims_alone() -> None:
    text = (
        "$$\n\\frac{3x+5}{(1-2x)^2} = \\frac{A}{1-2x} + \\frac{B}{(1-2x)^2}\n$$\n\n"
        "$$\n(x+1)^2 = x^2 + 1\n$$\n\n$$\nA + B = 2\n$$\n"
    )
    report = check(text)
    assert refuted_lines(report) == [6]
    (coefficients,) = at(report, 10)
    assert coefficients.verdict is Verdict.UNKNOWN


def test_a_claim_on_a_curve_is_checked_on_the_curve() -> None:
    # x^3 - y^3 = 3: a wrong step is refuted at a point of the curve, a right one is not
    text = (
        "Consider $x^3 - y^3 = 3$.\n\n"
        "$$\n-2\\frac{x}{y^2} + 2\\frac{x^4}{y^5} = 2\\frac{x}{y^2}(1 - \\frac{x^3}{y^3})\n$$\n\n"
        "$$\n2\\frac{x}{y^5}(y^3 - x^3) = 2 \\frac{x}{y^5}(-3)\n$$\n"
    )
    report = check(text)
    (wrong,) = at(report, 4)
    assert wrong.verdict is Verdict.REFUTED
    assert "y = 1.70997594667670" in wrong.message  # the cube root of 5, at x = 2
    (right,) = at(report, 8)
    assert right.verdict is Verdict.UNKNOWN and "holds under the condition" in right.message


def test_the_equation_of_a_line_is_no_definition() -> None:
    text = (
        "Rotate the region bounded by $y=e^x$, the line $x=\\log(2)$ and the first quadrant "
        "about the line $x=\\log(2)$.\n"
    )
    report = check(text)
    assert [f for f in report.findings if f.verdict is not None] == []
    definitions = [f.lhs for f in report.findings if f.message.startswith("definition of")]
    assert "x" not in definitions
