"""Plain-text wording of verdicts, and the terminal view of a derivation (`derive steps`).

Every exported document says the same thing about an outcome, so the wording lives here once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import sympy as sp
from sympy.printing.pretty.stringpict import prettyForm

from derive.model import Counterexample, Definition, Derivation, Outcome, Verdict, worst
from derive.printing import DerivationPrettyPrinter


def outcome_verdict(outcome: Outcome | None) -> Verdict:
    """The verdict of an outcome; a claim nobody verified is ``unknown``, never ``proved``."""
    return outcome.verdict if outcome is not None else Verdict.UNKNOWN


def format_point(point: dict[str, str]) -> str:
    """``{"x": "0.5"}`` -> ``x = 0.5`` (variables in name order, for stable output)."""
    return ", ".join(f"{name} = {point[name]}" for name in sorted(point))


def counterexample_sentence(counterexample: Counterexample) -> str:
    return (
        f"at {format_point(counterexample.point)} the left side is {counterexample.lhs_value}"
        f" but the right side is {counterexample.rhs_value}"
    )


def verdict_label(outcome: Outcome | None) -> str:
    """The short text of a verdict badge: ``proved``, ``checked with 32 points``, ..."""
    if outcome is None:
        return "unknown (not verified)"
    evidence = outcome.evidence
    if outcome.verdict is Verdict.CHECKED:
        if evidence.points:
            noun = "point" if evidence.points == 1 else "points"
            return f"checked with {evidence.points} {noun}"
        return "checked numerically"
    if outcome.verdict is Verdict.REFUTED:
        if evidence.counterexample is not None:
            return f"refuted at {format_point(evidence.counterexample.point)}"
        return "refuted"
    return outcome.verdict.value


def evidence_sentence(outcome: Outcome | None) -> str:
    """One or two sentences saying why the verdict was given (never wall-clock time)."""
    if outcome is None:
        return "This claim was not verified."
    evidence = outcome.evidence
    parts = [f"{evidence.method}: {evidence.detail}".rstrip()]
    figures = []
    if evidence.points:
        figures.append(f"{evidence.points} point" + ("" if evidence.points == 1 else "s"))
    if evidence.digits:
        figures.append(f"{evidence.digits} significant digits")
    if evidence.max_difference is not None:
        figures.append(f"max difference {evidence.max_difference}")
    if figures:
        parts.append("(" + ", ".join(figures) + ")")
    sentence = " ".join(parts)
    if evidence.counterexample is not None:
        sentence += f"; counterexample: {counterexample_sentence(evidence.counterexample)}"
    if evidence.hint:
        sentence += f"; hint: {evidence.hint}"
    return sentence


#: What each verdict means, shown in every page's legend.
VERDICT_MEANINGS = {
    Verdict.PROVED: "a symbolic proof",
    Verdict.CHECKED: "numeric evidence only (points, precision and largest difference given)",
    Verdict.REFUTED: "a concrete counterexample: a point where the two sides differ",
    Verdict.UNKNOWN: "undecided, or out of time",
    Verdict.ERROR: "the input could not be read",
}

#: "How to read the verdicts": what the methods named in the evidence mean, for every page.
READING_GUIDE: tuple[str, ...] = (
    "Each step is checked against the step before it, on its own.",
    "Before two sides are compared, every named substitution (such as u) and the function's"
    " own definition are replaced by what they stand for, and every derivative d/dx[...] is"
    " evaluated by SymPy. So \u201cstructural: both sides are the same expression\u201d means"
    " that after this the two sides are literally the same SymPy expression \u2014 not that"
    " the printed forms are identical. \u201ccancel\u201d, \u201csimplify\u201d and"
    " \u201crewrite-exp\u201d mean that the difference of the two sides reduces to 0 with"
    " that SymPy operation. All of these are symbolic proofs.",
    "The grid checks of the closed form compare it with numeric derivatives at many points;"
    " numeric evidence never proves, so they are at best \u201cchecked\u201d. That is why the"
    " overall verdict can be \u201cchecked\u201d when every step is proved.",
    "The overall verdict is the weakest verdict in the document.",
)


def chain_verdict(d: Derivation) -> Verdict:
    """The verdict of the displayed chain of steps alone (``proved`` when there is none)."""
    return worst([outcome_verdict(step.outcome) for step in d.steps])


# ---------------------------------------------------------------------------
# Terminal view
# ---------------------------------------------------------------------------

#: Wide enough that SymPy never wraps: the view must not depend on the terminal size.
_COLUMNS = 100_000


def _pretty_form(expr: sp.Basic) -> prettyForm:
    printer = DerivationPrettyPrinter({"num_columns": _COLUMNS, "wrap_line": False})
    form: prettyForm = printer._print(expr)
    return form


def _pretty_line(expr: sp.Basic) -> str:
    """A one-line pretty form (``σ(-4)``, ``-∞``) for text that runs on after it."""
    return "\n".join(line.rstrip() for line in _pretty_form(expr).render(wrap_line=False)
                     .split("\n"))


def substitutions_in_note(note: str, definitions: Sequence[Definition]) -> list[Definition]:
    """The named substitutions a step's note states (``u = ..., v = ...``), or ``[]``.

    The generator writes such notes as ``Definition.latex`` joined by ``", "``; any other
    note (a rule's formula, a reason) gives ``[]`` and is shown as written.
    """
    by_latex = {_squeeze(dfn.latex): dfn for dfn in definitions if not dfn.params and dfn.latex}
    if not note:
        return []
    if _squeeze(note) in by_latex:
        return [by_latex[_squeeze(note)]]
    parts = [_squeeze(part) for part in note.split(", ")]
    if all(part in by_latex for part in parts):
        return [by_latex[part] for part in parts]
    return []


def _squeeze(latex: str) -> str:
    """LaTeX without spaces, to compare ``e^{- x}`` with ``e^{-x}``."""
    return "".join(latex.split())


_LATEX_WORDS = {"cdot": "·", "times": "×", "to": "→", "infty": "∞", "approx": "≈",
                "leq": "≤", "geq": "≥", "neq": "≠", "pm": "±", "quad": " ", "qquad": " "}
_LATEX_SCRIPT = re.compile(r"([\^_])\{([^{}]*)\}")
_LATEX_FRACTION = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_LATEX_MACRO = re.compile(r"\\([A-Za-z]+)\s?")


def plain_math(latex: str) -> str:
    """A readable plain form of simple LaTeX: ``f^{g} = e^{g \\ln f}`` -> ``f^g = e^(g ln f)``.

    For notes that are not substitutions (those are pretty-printed from SymPy objects).
    Anything it does not know is kept, minus the backslash and braces.
    """
    text = latex.replace("\\left", "").replace("\\right", "").replace("\\,", " ")
    while _LATEX_FRACTION.search(text):
        text = _LATEX_FRACTION.sub(lambda m: f"({m.group(1)})/({m.group(2)})", text)

    def macro(match: re.Match[str]) -> str:
        word, space = match.group(1), match.group(0)[len(match.group(1)) + 1:]
        if word in _LATEX_WORDS:
            return _LATEX_WORDS[word] + space
        try:
            return unicodedata.lookup(f"GREEK SMALL LETTER {word.upper()}") + space
        except KeyError:
            return word + space

    text = _LATEX_MACRO.sub(macro, text)

    def script(match: re.Match[str]) -> str:
        inner = re.sub(r"^- ", "-", match.group(2).strip())
        return match.group(1) + (inner if len(inner) == 1 else f"({inner})")

    while _LATEX_SCRIPT.search(text):
        text = _LATEX_SCRIPT.sub(script, text)
    text = text.replace("{", "").replace("}", "")
    return " ".join(text.split())


def _note_lines(note: str, definitions: Sequence[Definition]) -> tuple[str, list[str]]:
    """(text after the rule name, pretty-printed lines shown under it) for a step's note."""
    found = substitutions_in_note(note, definitions)
    if not found:
        return (f", {plain_math(note)}" if note else ""), []
    lines = []
    for definition in found:
        lines += pretty_relation(f"where {definition.name}", " = ", definition.body).split("\n")
    return "", lines


def pretty_relation(left: sp.Basic | str, relation: str, right: sp.Basic) -> str:
    """A multi-line rendering of ``left relation right`` aligned on the baseline."""
    right_form = _pretty_form(right)
    if isinstance(left, str):
        form = prettyForm(*right_form.left(f"{left}{relation}"))
    else:
        left_form = _pretty_form(left)
        form = prettyForm(*left_form.right(relation, right_form))
    return "\n".join(line.rstrip() for line in form.render(wrap_line=False).split("\n"))


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.split("\n"))


def helper_definitions(d: Derivation) -> list[Definition]:
    """Auxiliary functions the derivation uses besides its own (sigma for swish)."""
    return [dfn for dfn in d.definitions if dfn.params and dfn.name != d.spec.sympy_name]


def render_text(d: Derivation) -> str:
    """The derivation for a terminal: each step pretty-printed, with its rule and verdict."""
    spec = d.spec
    out: list[str] = []
    title = spec.title or f"Derivative of {spec.name}"
    out.append(f"{title}  [{d.verdict.value}]")
    out.append("")
    out.append(_indent(pretty_relation(_function_call(d), " = ", spec.definition), "  "))
    for helper in helper_definitions(d):
        applied = sp.pretty(sp.Function(helper.name)(*helper.params), use_unicode=True)
        out.append(_indent(pretty_relation(f"where {applied}", " = ", helper.body), "  "))
    out.append("")
    for index, step in enumerate(d.steps):
        if index == 0:
            out.append(_indent(pretty_relation(d.lhs, " = ", step.expr), "  "))
        else:
            out.append(_indent(pretty_relation("", "= ", step.expr), "    "))
        inline_note, note_lines = _note_lines(step.note, d.definitions)
        out.append(f"      ({index + 1}) {step.rule}{inline_note}: {verdict_label(step.outcome)}")
        out += [f"          {line}".rstrip() for line in note_lines]
        out.append(f"          {evidence_sentence(step.outcome)}")
    if d.limits:
        out.append("")
        out.append("Limits")
        for limit in d.limits:
            approach = f"lim {limit.variable} → {_pretty_line(limit.point)}  "
            form = prettyForm(*_pretty_form(limit.expr).left(approach))
            claim = "\n".join(line.rstrip() for line in form.render(wrap_line=False).split("\n"))
            out.append(_indent(claim, "  "))
            out.append(_indent(pretty_relation("", "= ", limit.value), "    "))
            out.append(f"      {verdict_label(limit.outcome)}: {evidence_sentence(limit.outcome)}")
    if d.values:
        out.append("")
        out.append("Values")
        for value in d.values:
            if value.exact is not None:
                out.append(_indent(pretty_relation(value.expr, " = ", value.exact), "  "))
            out.append(f"  {_pretty_line(value.expr)} ≈ {value.decimal}"
                       f"  ({value.digits} significant digits)")
            out.append(f"      {verdict_label(value.outcome)}: {evidence_sentence(value.outcome)}")
    if d.checks:
        out.append("")
        out.append("Checks of the closed form")
        for check in d.checks:
            figures = []
            if check.grid:
                figures.append(f"on {check.grid}")
            if check.max_error is not None:
                figures.append(f"max error {check.max_error}")
            extra = f" ({', '.join(figures)})" if figures else ""
            out.append(f"  {check.name}{extra}: {verdict_label(check.outcome)}")
            out.append(f"      {evidence_sentence(check.outcome)}")
    out.append("")
    out.append(f"Overall: {d.verdict.value}")
    return "\n".join(out) + "\n"


def _function_call(d: Derivation) -> sp.Basic:
    """``σ(x)`` as SymPy prints it (the pretty printer shows Greek names as letters)."""
    return sp.Function(d.spec.sympy_name or d.spec.name)(d.spec.variable)
