"""LaTeX of a derivation: the fragments every format shares, and the standalone ``NAME.tex``.

The fragments (a step as a row, a limit, a value) are used by the Markdown and HTML/MathML
renderers too, so all documents show the same mathematics.  Text that ends up inside math
(rule names, reasons) goes through :func:`math_text`, which works in pdflatex, MathJax and
latex2mathml alike; text in the body of ``NAME.tex`` goes through :func:`latex_text`.
No raw non-ASCII character reaches pdflatex: Greek letters become ``\\sigma`` and so on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sympy as sp

from derive import __version__
from derive.model import (
    ClosedFormCheck,
    Definition,
    Derivation,
    DerivationStep,
    LimitClaim,
    Outcome,
    ValueClaim,
)
from derive.printing import derivation_latex, fence
from derive.render.text import (
    READING_GUIDE,
    VERDICT_MEANINGS,
    chain_verdict,
    evidence_sentence,
    helper_definitions,
    substitutions_in_note,
    verdict_label,
)

# ---------------------------------------------------------------------------
# Characters
# ---------------------------------------------------------------------------

_GREEK_CAPITALS_WITH_MACROS = {
    "GAMMA", "DELTA", "THETA", "LAMDA", "XI", "PI", "SIGMA", "UPSILON", "PHI", "PSI", "OMEGA",
}

#: Non-ASCII symbols that show up in rule names, notes and SymPy output.
_SYMBOL_MACROS: dict[str, str] = {
    "\u2212": "-", "\u00b7": r"\cdot", "\u22c5": r"\cdot", "\u00d7": r"\times",
    "\u2248": r"\approx", "\u2192": r"\to", "\u221e": r"\infty", "\u2264": r"\leq",
    "\u2265": r"\geq", "\u2260": r"\neq", "\u00b1": r"\pm", "\u2026": r"\ldots",
    "\u2032": "'", "\u2013": "-", "\u2014": "-", "\u2202": r"\partial", "\u221a": r"\surd",
    "\u2208": r"\in", "\u21d2": r"\Rightarrow", "\u2218": r"\circ", "\u00b2": "^{2}",
}

#: Characters that need escaping inside ``\text{...}`` or text mode.
_TEXT_SPECIALS = set("\\{}$&%#_^~<>|")


def greek_macro(char: str) -> str | None:
    """``σ`` -> ``\\sigma``; ``None`` for characters that are not Greek letters."""
    try:
        name = unicodedata.name(char)
    except ValueError:
        return None
    for prefix, capital in (("GREEK SMALL LETTER ", False), ("GREEK CAPITAL LETTER ", True)):
        if name.startswith(prefix):
            letter = name[len(prefix):]
            if " " in letter:  # letters with accents or variants: keep it simple
                return None
            if letter == "FINAL SIGMA":
                letter = "SIGMA"
            word = "lambda" if letter == "LAMDA" else letter.lower()
            if capital:
                if letter not in _GREEK_CAPITALS_WITH_MACROS:
                    return unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()\
                        or None
                return "\\" + word.capitalize()
            if word == "omicron":
                return "o"
            return "\\" + word
    return None


def _math_macro(char: str) -> str:
    """A math-mode rendering of one non-ASCII or special character."""
    if char in _SYMBOL_MACROS:
        return _SYMBOL_MACROS[char]
    greek = greek_macro(char)
    if greek is not None:
        return greek
    specials = {"\\": r"\backslash", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\wedge", "~": r"\sim",
                "<": "<", ">": ">", "|": r"\vert"}
    if char in specials:
        return specials[char]
    ascii_form = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
    return r"\text{" + ascii_form + "}" if ascii_form.strip() else r"\text{?}"


def ascii_math(latex: str) -> str:
    """Math-mode LaTeX with every non-ASCII character replaced by a macro."""
    if latex.isascii():
        return latex
    out = []
    for char in latex:
        if char.isascii():
            out.append(char)
        else:
            out.append(_math_macro(char) + " ")
    return "".join(out)


def math_text(text: str) -> str:
    """Text to show inside math: ``\\text{...}`` runs with symbols set outside them.

    ``\\text`` content is taken literally by MathJax and latex2mathml, so special characters
    and Greek letters are written as math between the runs: ``definition of σ`` becomes
    ``\\text{definition of }\\sigma``.
    """
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(r"\text{" + "".join(run) + "}")
            run.clear()

    for char in text:
        if char.isascii() and char not in _TEXT_SPECIALS and char.isprintable():
            run.append(char)
        elif char.isspace():
            run.append(" ")
        else:
            flush()
            out.append(_math_macro(char))  # always followed by \text{ or a macro: no space
    flush()
    return "".join(out)


def latex_text(text: str) -> str:
    """Text-mode LaTeX for the body of ``NAME.tex`` (pdflatex, OT1 fonts, ASCII only)."""
    specials = {
        "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
        "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
        "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", "\n": " ",
    }
    typography = {"\u201c": "``", "\u201d": "''", "\u2018": "`", "\u2019": "'",
                  "\u2014": "---", "\u2013": "--"}
    out = []
    for char in text:
        if char in specials:
            out.append(specials[char])
        elif char in typography:
            out.append(typography[char])
        elif char.isascii():
            out.append(char if char.isprintable() else " ")
        elif char in _SYMBOL_MACROS or greek_macro(char) is not None:
            out.append("$" + _math_macro(char) + "$")
        else:
            ascii_form = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(latex_text(ascii_form) if ascii_form else "?")
    return "".join(out)


# ---------------------------------------------------------------------------
# Fragments shared by every format
# ---------------------------------------------------------------------------


def expr_latex(expr: sp.Basic) -> str:
    """``expr`` in the conventions of :class:`~derive.printing.DerivationLatexPrinter`."""
    return ascii_math(derivation_latex(expr))


def function_call_latex(d: Derivation, *, prime: bool = False) -> str:
    """``\\sigma(x)``, or ``\\sigma'(x)`` with ``prime``: the function at its variable."""
    name = ascii_math(d.spec.latex_name or d.spec.name) + ("'" if prime else "")
    return name + fence(expr_latex(d.spec.variable))


def function_latex(d: Derivation) -> str:
    """``\\sigma(x) = \\frac{1}{1 + e^{- x}}``."""
    return f"{function_call_latex(d)} = {expr_latex(d.spec.definition)}"


def helper_latex(definition: Definition) -> str:
    """``\\sigma(x) = \\frac{1}{1 + e^{- x}}``, printed from the definition's SymPy objects."""
    applied = sp.Function(definition.name)(*definition.params)
    return f"{expr_latex(applied)} = {expr_latex(definition.body)}"


def title(d: Derivation) -> str:
    return d.spec.title or f"The derivative of {d.spec.name}"


def substitution_latex(definition: Definition) -> str:
    """``u = 1 + e^{- x}``, printed from the definition's SymPy objects."""
    return f"{expr_latex(sp.Symbol(definition.name))} = {expr_latex(definition.body)}"


def note_latex(note: str, definitions: Sequence[Definition] = ()) -> str:
    """A step's note as math: substitutions re-printed from ``definitions``, else as written."""
    found = substitutions_in_note(note, definitions)
    if found:
        return ", ".join(substitution_latex(dfn) for dfn in found)
    return ascii_math(note)


def reason_latex(step: DerivationStep, definitions: Sequence[Definition] = ()) -> str:
    """``\\text{chain rule, } u = 1 + e^{- x}``: the rule as text, the note as math."""
    if not step.note:
        return math_text(step.rule)
    return f"{math_text(step.rule + ', ')} {note_latex(step.note, definitions)}"


def step_previous_latex(d: Derivation, index: int) -> str:
    """The left side of step ``index``: the derivative for the first step, else the step before."""
    return expr_latex(d.lhs if index == 0 else d.steps[index - 1].expr)


def step_equation_latex(d: Derivation, index: int) -> str:
    """Step ``index`` as a standalone equation ``previous = this``."""
    return f"{step_previous_latex(d, index)} = {expr_latex(d.steps[index].expr)}"


def limit_lhs_latex(claim: LimitClaim) -> str:
    """``\\lim\\limits_{x \\to {-\\infty}} \\sigma(x)``: ``\\limits`` so MathML puts the
    approach under "lim" in display math too (pdflatex and MathJax do that anyway)."""
    point = expr_latex(claim.point)
    if point.startswith("-"):
        point = "{" + point + "}"  # a prefix sign in MathML, not a spaced binary minus
    return f"\\lim\\limits_{{{expr_latex(claim.variable)} \\to {point}}} {expr_latex(claim.expr)}"


def limit_latex(claim: LimitClaim) -> str:
    return f"{limit_lhs_latex(claim)} = {expr_latex(claim.value)}"


def limit_reason_latex(claim: LimitClaim) -> str:
    """``\\text{since } e^{-x} \\to \\infty,\\ ...``: the reasoning steps, which are LaTeX math."""
    if not claim.steps:
        return ""
    # ``{-\infty}``: a prefix sign in MathML (latex2mathml spaces a bare minus after \to)
    steps = (ascii_math(step).replace(r"\to -\infty", r"\to {-\infty}") for step in claim.steps)
    return r"\text{since } " + r",\ ".join(steps)


def value_parts(claim: ValueClaim) -> tuple[str, str]:
    """(``\\sigma(0)``, ``= \\frac{1}{2}``) or (``\\sigma(-4)``, ``\\approx 0.01798621``)."""
    left = expr_latex(claim.expr)
    if claim.exact is None:
        return left, f"\\approx {claim.decimal}"
    exact = expr_latex(claim.exact)
    if claim.exact.is_Rational and _decimal_equals(claim.decimal, claim.exact):
        shown = "" if claim.exact.is_Integer else f" = {claim.decimal}"
        return left, f"= {exact}{shown}"
    return left, f"= {exact} \\approx {claim.decimal}"


def _decimal_equals(decimal: str, exact: sp.Basic) -> bool:
    try:
        return bool(sp.Rational(decimal) == exact)
    except (TypeError, ValueError):
        return False


def value_latex(claim: ValueClaim) -> str:
    left, right = value_parts(claim)
    return f"{left} {right}"


def point_text(point: sp.Basic) -> str:
    """``-oo`` -> ``-infinity`` for headings in plain text."""
    return sp.sstr(point).replace("oo", "infinity")


def check_summary(check: ClosedFormCheck) -> str:
    """Plain text: ``finite difference on linspace(-10, 10, 100): max error 2.1e-11``."""
    text = check.name
    if check.grid:
        text += f" on {check.grid}"
    if check.max_error is not None:
        text += f": max error {check.max_error}"
    return text


# ---------------------------------------------------------------------------
# The standalone document
# ---------------------------------------------------------------------------


def _verdict_tag(outcome: Outcome | None) -> str:
    return r"\tag*{" + latex_text(verdict_label(outcome)) + "}"


def _verification_list(items: list[tuple[str, Outcome | None]]) -> list[str]:
    lines = [r"\begin{enumerate}"]
    for heading, outcome in items:
        lines.append(
            rf"  \item \textbf{{{latex_text(heading)}}} --- {latex_text(verdict_label(outcome))}."
            rf" {{\small {latex_text(evidence_sentence(outcome))}}}"
        )
    lines.append(r"\end{enumerate}")
    return lines


def render_latex(d: Derivation) -> str:
    """A standalone article (amsmath only) that compiles with pdflatex."""
    lines = [
        r"\documentclass[11pt]{article}",
        r"\usepackage{amsmath}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\allowdisplaybreaks",
        r"\setlength{\jot}{1.5ex}",  # room between rows of stacked fractions
        rf"\title{{{latex_text(title(d))}}}",
        rf"\author{{Generated and verified by derive {latex_text(__version__)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
        r"\section*{The function}",
        r"\[",
        function_latex(d),
        r"\]",
    ]
    for helper in helper_definitions(d):
        lines += ["where", r"\[", helper_latex(helper), r"\]"]
    substitutions = [dfn for dfn in d.definitions if not dfn.params]
    if substitutions:
        lines.append(r"Named substitutions: "
                     + ", ".join(f"${substitution_latex(dfn)}$" for dfn in substitutions) + ".")
        lines.append("")
    chain = (rf"Steps of the derivative: \textbf{{{latex_text(chain_verdict(d).value)}}}. "
             if d.steps else "")
    lines.append(rf"{chain}Overall verdict: \textbf{{{latex_text(d.verdict.value)}}}"
                 " (the weakest verdict in this document; see How to read the verdicts"
                 " at the end).")
    lines.append("")

    if d.steps:
        lines += [r"\section*{The derivative, step by step}", r"\begin{align*}"]
        for index, step in enumerate(d.steps):
            left = expr_latex(d.lhs) if index == 0 else ""
            end = r" \\" if index < len(d.steps) - 1 else ""
            reason = reason_latex(step, d.definitions)
            lines.append(f"  {left} &= {expr_latex(step.expr)} && {reason}"
                         f" {_verdict_tag(step.outcome)}{end}")
        lines.append(r"\end{align*}")
        lines.append(r"\subsection*{Verification of each step}")
        lines += _verification_list(
            [(f"{step.rule}", step.outcome) for step in d.steps])
        lines.append("")

    if d.limits:
        lines += [r"\section*{Limits}", r"\begin{align*}"]
        for index, claim in enumerate(d.limits):
            end = r" \\" if index < len(d.limits) - 1 else ""
            reason = limit_reason_latex(claim)
            lines.append(f"  {limit_lhs_latex(claim)} &= {expr_latex(claim.value)}"
                         f"{' && ' + reason if reason else ''} {_verdict_tag(claim.outcome)}{end}")
        lines.append(r"\end{align*}")
        lines += _verification_list(
            [(f"limit at {point_text(claim.point)}", claim.outcome) for claim in d.limits])
        lines.append("")

    if d.values:
        lines += [r"\section*{Values}", r"\begin{align*}"]
        for index, value in enumerate(d.values):
            end = r" \\" if index < len(d.values) - 1 else ""
            left, right = value_parts(value)
            lines.append(f"  {left} &{right} && \\text{{{value.digits} significant digits}}"
                         f" {_verdict_tag(value.outcome)}{end}")
        lines.append(r"\end{align*}")
        lines += _verification_list(
            [(f"value at {point_text(value.point)}", value.outcome) for value in d.values])
        lines.append("")

    if d.checks:
        lines.append(r"\section*{Checks of the closed form}")
        lines += _verification_list([(check_summary(check), check.outcome) for check in d.checks])
        lines.append("")

    lines += [r"\section*{How to read the verdicts}", r"\begin{description}"]
    lines += [rf"  \item[{latex_text(verdict.value)}] {latex_text(meaning)}."
              for verdict, meaning in VERDICT_MEANINGS.items()]
    lines.append(r"\end{description}")
    for paragraph in READING_GUIDE:
        lines += [latex_text(paragraph), ""]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
