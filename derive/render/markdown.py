"""``NAME.md``: GitHub-flavoured Markdown with ``$$`` math blocks.

The chain is one ``aligned`` block with each step's rule as ``\\text{...}`` (as in ``NAME.tex``),
followed by a table with every verdict and its evidence.
"""

from __future__ import annotations

from derive import __version__
from derive.model import Derivation, Outcome, Verdict
from derive.render.latex import (
    check_summary,
    expr_latex,
    function_latex,
    helper_definitions,
    helper_latex,
    limit_lhs_latex,
    limit_reason_latex,
    math_text,
    note_latex,
    point_text,
    reason_latex,
    title,
    value_parts,
)
from derive.render.text import (
    READING_GUIDE,
    VERDICT_MEANINGS,
    chain_verdict,
    evidence_sentence,
    outcome_verdict,
    verdict_label,
)

#: CommonMark lets any ASCII punctuation be backslash-escaped; these could start markup.
_MARKDOWN_SPECIALS = set("\\`*_[]<>#!|~$&")

_VERDICT_MARKS = {
    Verdict.PROVED: "✅",
    Verdict.CHECKED: "☑️",
    Verdict.REFUTED: "❌",
    Verdict.UNKNOWN: "❔",
    Verdict.ERROR: "⚠️",
}


def md_text(text: str) -> str:
    """Plain text that Markdown shows literally (no HTML, links, emphasis or math)."""
    text = " ".join(text.split())  # a newline would end a table cell or a heading
    return "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in text)


def badge(outcome: Outcome | None) -> str:
    verdict = outcome_verdict(outcome)
    return f"{_VERDICT_MARKS[verdict]} **{md_text(verdict_label(outcome))}**"


def _display(latex_lines: list[str]) -> list[str]:
    return ["$$", *latex_lines, "$$", ""]


def _aligned(rows: list[str]) -> list[str]:
    body = [row + (r" \\" if i < len(rows) - 1 else "") for i, row in enumerate(rows)]
    return _display([r"\begin{aligned}", *body, r"\end{aligned}"])


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def render_markdown(d: Derivation) -> str:
    lines = [f"# {md_text(title(d))}", ""]
    chain = (f"Steps of the derivative: {badge_for_verdict(chain_verdict(d))}. "
             if d.steps else "")
    lines.append(f"{chain}Overall verdict: {badge_for_verdict(d.verdict)} "
                 "(the weakest verdict in this document; see "
                 "[How to read the verdicts](#how-to-read-the-verdicts)).")
    lines.append("")
    lines += ["## The function", ""]
    lines += _display([function_latex(d)])
    for helper in helper_definitions(d):
        lines += ["where", "", *_display([helper_latex(helper)])]

    if d.steps:
        lines += ["## The derivative, step by step", ""]
        rows = []
        for index, step in enumerate(d.steps):
            left = expr_latex(d.lhs) if index == 0 else ""
            rows.append(f"{left} &= {expr_latex(step.expr)} && {reason_latex(step, d.definitions)}")
        lines += _aligned(rows)
        lines += _table(
            ["#", "rule", "verdict", "evidence"],
            [[str(index + 1), _reason_cell(step.rule, note_latex(step.note, d.definitions)),
              badge(step.outcome), md_text(evidence_sentence(step.outcome))]
             for index, step in enumerate(d.steps)],
        )

    if d.limits:
        lines += ["## Limits", ""]
        rows = []
        for claim in d.limits:
            reason = limit_reason_latex(claim)
            rows.append(f"{limit_lhs_latex(claim)} &= {expr_latex(claim.value)}"
                        + (f" && {reason}" if reason else ""))
        lines += _aligned(rows)
        lines += _table(
            ["limit", "verdict", "evidence"],
            [[md_text(f"at {point_text(claim.point)}"), badge(claim.outcome),
              md_text(evidence_sentence(claim.outcome))] for claim in d.limits],
        )

    if d.values:
        lines += ["## Values", ""]
        rows = []
        for value in d.values:
            left, right = value_parts(value)
            rows.append(f"{left} &{right} && {math_text(f'{value.digits} significant digits')}")
        lines += _aligned(rows)
        lines += _table(
            ["value", "verdict", "evidence"],
            [[md_text(f"at {point_text(value.point)}"), badge(value.outcome),
              md_text(evidence_sentence(value.outcome))] for value in d.values],
        )

    if d.checks:
        lines += ["## Checks of the closed form", ""]
        lines += _table(
            ["check", "verdict", "evidence"],
            [[md_text(check_summary(check)), badge(check.outcome),
              md_text(evidence_sentence(check.outcome))] for check in d.checks],
        )

    lines += ["## How to read the verdicts", ""]
    lines += [f"- {_VERDICT_MARKS[verdict]} **{verdict.value}**: {md_text(meaning)}"
              for verdict, meaning in VERDICT_MEANINGS.items()]
    lines.append("")
    for paragraph in READING_GUIDE:
        lines += [md_text(paragraph), ""]
    lines.append(f"_Generated and verified by derive {md_text(__version__)}._")
    return "\n".join(lines) + "\n"


def _reason_cell(rule: str, note: str) -> str:
    """The rule as text and the note (LaTeX) as inline math, when it is safe in a table cell."""
    if not note:
        return md_text(rule)
    if "|" in note or "$" in note or "\n" in note:
        return md_text(f"{rule}, {note}")
    return f"{md_text(rule)}, ${note}$"


def badge_for_verdict(verdict: Verdict) -> str:
    return f"{_VERDICT_MARKS[verdict]} **{verdict.value}**"
