"""Robustness: random and mutated documents never crash or hang ``check_text``.

Documents are built from fragments of the real corpus (../shared/corpus, when present), the
test documents in tests/docs and grammar-ish LaTeX tokens, then cut, spliced and wrapped in
Markdown, reStructuredText or LaTeX block syntax.  Asserted for every document: no exception
escapes, every error finding points inside the document, verdicts are the five allowed ones.
Also: for unreadable math, the reported column points at the offending character.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.check.checker import check_text
from derive.model import Finding, Verdict, VerifySettings
from derive.parse import LatexParseError, parse_latex_expr

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "real_chains.jsonl"
QUICK = VerifySettings(time_limit=1.0, samples=6, digits=15)


def _fragments() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "docs").rglob("*"))
             if p.is_file()]
    if CORPUS.exists():
        texts += [json.loads(line)["latex"]
                  for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


FRAGMENTS = _fragments()
TOKENS = [
    "\\frac", "{", "}", "(", ")", "[", "]", "^", "_", "=", "\\\\", "&", "\\left(", "\\right)",
    "\\left|", "\\right|", "|", "\\sqrt", "\\lim_{x\\to 0}", "\\sum_{i=1}^{n}", "\\sum_j",
    "\\int", "dx", "\\,", "x", "y", "e", "2", "0.5", "...", "\\ldots", "\\approx", "\\mid",
    "\\text{ if }", "\\quad", "\\sigma", "\\mathrm{d}", "\\partial", "\\log", "\\exp", "f(x)",
    "B(m,b)", "\\frac{df}{dx}(x,z)", "P(a \\mid b)", "'", "!", "\\cdot", "-", "+", "/",
    "\\infty", "\\to", "\\operatorname{g}", ",", ";", ".", "%", "\\", "\\tag{1}", "\\label{a}",
    "\\begin{aligned}", "\\end{aligned}", "\\begin{align}", "\\end{align}", "$$", "$", "\\[",
    "\\]", "```{math}", "```", ".. math::", "   ", "\n", " ", "\t", "\r\n", "\ufeff", "é",
    "<!-- derive: assume x > 0 -->", "<!-- derive: define f(x) = x^2 -->", "<!--", "-->",
]
WRAPPERS = {
    ".md": ("$$\n", "\n$$\n"),
    ".rst": (".. math::\n\n   ", "\n"),
    ".tex": ("\\begin{align}\n", "\n\\end{align}\n"),
}


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, str]:
    suffix = draw(st.sampled_from(sorted(WRAPPERS)))
    if draw(st.booleans()):
        # a real document or block, mutated: cut, splice tokens and other fragments in
        chars = draw(st.sampled_from(FRAGMENTS))
        for _ in range(draw(st.integers(1, 5))):
            at = draw(st.integers(0, len(chars)))
            action = draw(st.sampled_from(["token", "cut", "splice"]))
            if action == "token":
                chars = chars[:at] + draw(st.sampled_from(TOKENS)) + chars[at:]
            elif action == "cut":
                chars = chars[:at] + chars[at + draw(st.integers(1, 8)):]
            else:
                other = draw(st.sampled_from(FRAGMENTS))
                start = draw(st.integers(0, len(other)))
                chars = chars[:at] + other[start:start + draw(st.integers(1, 40))] + chars[at:]
        return suffix, chars
    body = "".join(draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25)))
    opening, closing = WRAPPERS[suffix]
    if suffix == ".rst":
        body = body.replace("\n", "\n   ")
    return suffix, opening + body + closing


def _assert_well_formed(finding: Finding, lines: list[str]) -> None:
    assert finding.verdict is None or finding.verdict in set(Verdict)
    assert not finding.message.startswith("internal error"), finding.message
    if finding.verdict is Verdict.ERROR or finding.severity == "error":
        where = finding.location
        assert 1 <= where.line <= len(lines), (where, len(lines))
        assert 1 <= where.column <= len(lines[where.line - 1]) + 1, (where, lines[where.line - 1])


@settings(derandomize=True, max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents())
def test_check_text_never_crashes(document: tuple[str, str]) -> None:
    suffix, text = document
    report = check_text(f"doc{suffix}", text, QUICK)
    # the checker counts lines as the extractors do: \r\n, \r and \n all end a line
    lines = text.replace("\ufeff", "", 1).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for finding in report.findings:
        _assert_well_formed(finding, lines)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS + [f for f in FRAGMENTS if len(f) < 200]),
                min_size=1, max_size=12))
def test_parse_latex_expr_raises_only_parse_errors(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        parse_latex_expr(text)
    except LatexParseError as error:
        assert 0 <= error.offset <= len(text)


# ---- columns of unreadable math: exact, in each syntax ------------------------------------

def _error_at(path: str, text: str) -> tuple[int, int]:
    errors = [f for f in check_text(path, text, QUICK).findings if f.verdict is Verdict.ERROR]
    assert len(errors) == 1, errors
    return errors[0].location.line, errors[0].location.column


@pytest.mark.parametrize(("path", "text", "line", "column", "rest"), [
    # a stray character inside a multi-line aligned block (Markdown)
    ("a.md", "# T\n\n$$\n\\begin{aligned}\nf(x) &= x^2 + 1 \\\\\n     &= x^2 + @ 1\n"
     "\\end{aligned}\n$$\n", 6, 15, "@ 1"),
    # an unclosed parenthesis is reported where it opens, not at the end of the row
    ("b.md", "$$\ny = \\left( x + \\frac{1}{2}\n$$\n", 2, 10, "( x + \\frac{1}{2}"),
    # indented rst directive inside a list item, with an option line
    ("c.rst", "Title\n=====\n\n- item\n\n  .. math::\n     :label: foo\n\n"
     "     \\begin{aligned}\n       a &= b \\\\\n         &= c + \\sqrt[ 2\n"
     "     \\end{aligned}\n", 11, 22, "[ 2"),
    ("d.rst", ".. math::\n\n      y = x + 1\n      z = \\frac{1}{x} + \\frac{\n", 4, 30, "{"),
    # LaTeX align with a leading indent
    ("e.tex", "\\begin{document}\n\\begin{align}\n  a &= b + c \\\\\n  b + c &= 2 \\cdot @ q\n"
     "\\end{align}\n\\end{document}\n", 4, 20, "@ q"),
    # CRLF line ends and a misplaced \mid
    ("f.md", "# T\r\n\r\n$$\r\nq = (a \\mid b) + 1\r\n$$\r\n", 4, 8, "\\mid b) + 1"),
])
def test_unreadable_math_points_at_the_character(path: str, text: str, line: int, column: int,
                                                 rest: str) -> None:
    assert _error_at(path, text) == (line, column)
    # the expected column is where ``rest`` starts in the source line (a check on the case)
    assert text.splitlines()[line - 1][column - 1:].startswith(rest)
