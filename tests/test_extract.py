"""Extraction of math blocks from Markdown/MyST, LaTeX and reStructuredText.

Location convention under test: ``MathBlock.start`` is the position of
``text[0]``, the first character after the opening delimiter.  For ``$$``
blocks that is on the opener's own line (the record's ``line``); for an rst
``.. math::`` block it is the first content line after the directive.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.extract import Directive, extract_blocks, file_directives, syntax_for
from derive.model import Location, MathBlock

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real_chains.jsonl"


def _records() -> list[dict[str, object]]:
    if not CORPUS.exists():
        return []
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]


def assert_positions_match_source(block: MathBlock, source: str, *, blanked: bool = False) -> None:
    """Every character of block.text sits at its recorded (line, column) in the source.

    With ``blanked``, a space may stand for a masked character (a TeX comment).
    """
    lines = source.split("\n")
    assert len(block.positions) == len(block.text)
    for char, (line, column) in zip(block.text, block.positions, strict=True):
        row = lines[line - 1] + "\n"
        assert row[column - 1] == char or (blanked and char == " "), (char, line, column)


def only(blocks: list[MathBlock]) -> MathBlock:
    assert len(blocks) == 1, [b.text for b in blocks]
    return blocks[0]


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "syntax"),
    [
        ("a.md", "markdown"),
        ("dir/b.MD", "markdown"),
        ("c.myst", "markdown"),
        ("d.qmd", "markdown"),
        ("e.tex", "latex"),
        ("f.rst", "rst"),
        ("g.txt", None),
        ("h.py", None),
        ("Makefile", None),
    ],
)
def test_syntax_for(path: str, syntax: str | None) -> None:
    assert syntax_for(path) == syntax


def test_unknown_syntax_gives_nothing() -> None:
    assert extract_blocks("notes.txt", "$$ a = 1 $$") == []
    assert file_directives("notes.txt", "<!-- derive: skip-file -->") == []


# ---------------------------------------------------------------------------
# The real corpus, embedded at its original line
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "record", _records(), ids=lambda r: f"{r['path']}:{r['line']}" if isinstance(r, dict) else ""
)
def test_corpus_block_found_at_its_line(record: dict[str, object], tmp_path: Path) -> None:
    path = str(record["path"])
    line = int(str(record["line"]))
    latex = str(record["latex"])
    suffix = ".rst" if path.endswith(".rst") else ".md"
    intro = "Some prose.\n" if suffix == ".md" else "Title\n=====\n"
    padding = max(line - 1 - intro.count("\n"), 0)
    source = intro + "\n" * padding + latex + "\n\nMore prose with $5 and $10.\n"
    document = tmp_path / f"doc{suffix}"
    document.write_text(source, encoding="utf-8")
    block = only(extract_blocks(str(document), document.read_text(encoding="utf-8")))
    # The record's line is that of the opening `$$` / `.. math::`.
    if suffix == ".md":
        expected = line
    else:
        latex_lines = latex.split("\n")
        expected = line + next(k for k in range(1, len(latex_lines)) if latex_lines[k].strip())
    assert block.start.line == expected
    assert block.start == block.location_of(0)
    assert_positions_match_source(block, source)


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus absent")
def test_corpus_rst_block_has_no_directive_line() -> None:
    for record in _records():
        if str(record["path"]).endswith(".rst"):
            block = only(extract_blocks("x.rst", str(record["latex"])))
            assert "math::" not in block.text
            assert not block.text.startswith((" ", "\n"))


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def test_markdown_display_dollars_multiline() -> None:
    source = "Intro\n\n$$\n\\sigma(x) = \\frac{1}{1+e^{-x}}\n$$\n"
    block = only(extract_blocks("a.md", source))
    assert block.text.strip() == "\\sigma(x) = \\frac{1}{1+e^{-x}}"
    assert block.syntax == "markdown-dollars"
    assert block.start == Location("a.md", 3, 3)
    sigma = block.text.index("\\sigma")
    assert block.location_of(sigma) == Location("a.md", 4, 1)
    assert_positions_match_source(block, source)


def test_markdown_myst_label_after_dollars() -> None:
    block = only(extract_blocks("a.md", "$$ y = x^2 $$ (eq-square)\n"))
    assert block.label == "eq-square"
    assert block.text == " y = x^2 "


def test_markdown_label_inside_math() -> None:
    block = only(extract_blocks("a.md", "$$\ny = 2 \\label{eq:two}\n$$\n"))
    assert block.label == "eq:two"


def test_markdown_brackets_and_bare_environments() -> None:
    source = (
        "\\[ a = b \\]\n\n"
        "\\begin{align}\na &= b \\\\\n  &= c\n\\end{align}\n\n"
        "\\begin{array}{rcl}\na &=& b\n\\end{array}\n"
    )
    blocks = extract_blocks("a.md", source)
    assert [b.syntax for b in blocks] == ["markdown-brackets", "markdown-env", "markdown-env"]
    assert [b.environment for b in blocks] == ["", "align", "array"]
    assert blocks[1].text == "\na &= b \\\\\n  &= c\n"
    assert "{rcl}" not in blocks[2].text
    for block in blocks:
        assert_positions_match_source(block, source)


def test_markdown_dollars_wrapping_aligned_reports_environment() -> None:
    block = only(extract_blocks("a.md", "$$\\begin{aligned}\na &= b\n\\end{aligned}$$\n"))
    assert block.environment == "aligned"
    assert block.syntax == "markdown-dollars"


def test_markdown_math_fence_and_myst_directive() -> None:
    source = (
        "```math\nc = d\n```\n\n"
        "```{math}\n:label: eq-e\n:nowrap:\n\ne = 2.718...\n```\n\n"
        ":::{math}\nf = g\n:::\n"
    )
    blocks = extract_blocks("a.md", source)
    assert [b.text for b in blocks] == ["c = d", "e = 2.718...", "f = g"]
    assert [b.syntax for b in blocks] == ["markdown-fence", "myst-directive", "myst-directive"]
    assert blocks[1].label == "eq-e"
    assert blocks[1].start == Location("a.md", 9, 1)
    for block in blocks:
        assert_positions_match_source(block, source)


def test_markdown_myst_yaml_options() -> None:
    source = "```{math}\n---\nlabel: eq-y\n---\ny = 1\n```\n"
    block = only(extract_blocks("a.md", source))
    assert (block.text, block.label) == ("y = 1", "eq-y")


def test_markdown_code_is_skipped() -> None:
    source = (
        "```python\nprice = '$$ a = 1 $$'\n```\n\n"
        "~~~\n$x = 1$\n~~~\n\n"
        "Paragraph.\n\n    $$ indented = 2 $$\n\n"
        "Inline `$y = 3$` and ``$$ z = 4 $$`` code.\n\n"
        "$$ real = 5 $$\n"
    )
    block = only(extract_blocks("a.md", source))
    assert block.text == " real = 5 "
    assert block.start.line == 15


def test_markdown_indented_math_in_list_item_is_not_code() -> None:
    source = "1. First\n\n    $$ a = 1 $$\n"
    block = only(extract_blocks("a.md", source))
    assert block.text == " a = 1 "


def test_markdown_html_comment_hides_math() -> None:
    assert extract_blocks("a.md", "<!-- $$ a = b $$ -->\n") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "It costs $5 and $10 in total.",
        "Prices: $5, $10 = $15 overall.",
        "From $5 to $10.",
        "Pay $5=$10 now",  # digit right after the closing $
        "A $ x = 1$ with a space after the opener.",
        "A $x = 1 $ with a space before the closer.",
        "Escaped \\$x = 1\\$ dollars.",
        "Only a symbol: $x$ and a relation without a number: $a = b$.",
        "Unclosed $x = 1\n\nnext paragraph $",
    ],
)
def test_markdown_dollar_prices_and_non_claims_are_not_math(sentence: str) -> None:
    assert extract_blocks("a.md", sentence + "\n") == []


def test_markdown_inline_numeric_relations_are_math() -> None:
    source = "So $e = 2.718...$ and $\\sigma(0) = 0.5$; also $\\sigma(-4) \\approx 0.018$ here.\n"
    blocks = extract_blocks("a.md", source)
    expected = ["e = 2.718...", "\\sigma(0) = 0.5", "\\sigma(-4) \\approx 0.018"]
    assert [b.text for b in blocks] == expected
    assert all(b.inline and b.syntax == "markdown-inline" for b in blocks)
    # column of text[0] is one past the `$`
    assert blocks[0].start == Location("a.md", 1, source.index("e = 2") + 1)
    assert blocks[1].start.column == source.index("\\sigma(0)") + 1


def test_markdown_price_then_inline_math_in_same_paragraph() -> None:
    source = "It costs $5 but $x = 2$ holds.\n"
    block = only(extract_blocks("a.md", source))
    assert block.text == "x = 2"
    assert block.start.column == source.index("x = 2") + 1


def test_markdown_directives_skip_assume_define() -> None:
    source = (
        "<!-- derive: assume x > 0 -->\n"
        "$$ a = 1 $$\n"
        "<!-- derive: skip -->\n"
        "$$ b = 2 $$\n"
        "$$ c = 3 $$\n"
        "<!-- derive: define \\sigma(x) = \\frac{1}{1+e^{-x}} -->\n"
        "$$ d = 4 $$\n"
    )
    blocks = extract_blocks("a.md", source)
    assert [b.skip for b in blocks] == [False, True, False, False]
    assert blocks[0].directives == ("assume x > 0",)
    assert blocks[2].directives == ("assume x > 0",)
    assert blocks[3].directives == ("assume x > 0", "define \\sigma(x) = \\frac{1}{1+e^{-x}}")
    directives = file_directives("a.md", source)
    assert [d.command for d in directives] == ["assume", "skip", "define"]
    assert directives[0] == Directive(Location("a.md", 1, 21), "assume", "x > 0")
    assert directives[2].argument == "\\sigma(x) = \\frac{1}{1+e^{-x}}"
    assert directives[2].location == Location("a.md", 6, 21)
    assert directives[1].location == Location("a.md", 3, 14)  # the command when no argument


def test_markdown_skip_file_and_myst_comment() -> None:
    source = "% derive: skip-file\n\n$$ a = 1 $$\n\n$$ b = 2 $$\n"
    blocks = extract_blocks("a.md", source)
    assert [b.skip for b in blocks] == [True, True]
    assert [d.command for d in file_directives("a.md", source)] == ["skip-file"]


def test_markdown_multiline_directive_argument() -> None:
    source = "<!--\nderive: define f(x) =\n   x^2 + 1\n-->\n"
    (directive,) = file_directives("a.md", source)
    assert directive.command == "define"
    assert directive.argument == "f(x) = x^2 + 1"
    assert directive.location == Location("a.md", 2, 16)


def test_markdown_directive_inside_code_is_ignored() -> None:
    source = "```\n<!-- derive: skip -->\n```\n$$ a = 1 $$\n"
    assert file_directives("a.md", source) == []
    assert not only(extract_blocks("a.md", source)).skip


def test_markdown_document_order() -> None:
    source = "```math\nz = 1\n```\n$$ a = 2 $$\nand $b = 3$.\n"
    assert [b.text.strip() for b in extract_blocks("a.md", source)] == ["z = 1", "a = 2", "b = 3"]


# ---------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------

LATEX = r"""\documentclass{article}
\newcommand{\price}{$5 = $}
\begin{document}
Text with $x$ and $\sigma(0) = 0.5$ and 50\% off.
\begin{equation}
  \sigma(x) = \frac{1}{1+e^{-x}} \label{eq:sigma} % the definition
\end{equation}
% derive: skip
\begin{align*}
  a &= b \\ % a = wrong
    &= c
\end{align*}
% \begin{equation} commented = out \end{equation}
\[ \lim_{x\to\infty} \sigma(x) = 1 \]
$$ e = 2.718\ldots $$
\begin{verbatim}
\begin{equation} not = math \end{equation}
\end{verbatim}
\begin{gather}
u = 1 + e^{-x}
\end{gather}
\begin{multline}
f = g
\end{multline}
\end{document}
"""


def test_latex_environments_and_delimiters() -> None:
    blocks = extract_blocks("paper.tex", LATEX)
    assert [b.syntax for b in blocks] == [
        "latex-inline",
        "latex-env",
        "latex-env",
        "latex-brackets",
        "latex-dollars",
        "latex-env",
        "latex-env",
    ]
    environments = ["", "equation", "align*", "", "", "gather", "multline"]
    assert [b.environment for b in blocks] == environments
    assert blocks[0].text == "\\sigma(0) = 0.5"
    assert blocks[1].label == "eq:sigma"
    assert [b.skip for b in blocks] == [False, False, True, False, False, False, False]
    for block in blocks:
        assert_positions_match_source(block, LATEX, blanked=True)


def test_latex_comments_are_blanked_not_read() -> None:
    blocks = extract_blocks("paper.tex", LATEX)
    assert "definition" not in blocks[1].text
    assert "wrong" not in blocks[2].text
    assert len(blocks[1].text) == len(blocks[1].positions)
    assert not any("commented" in b.text or "not = math" in b.text for b in blocks)


def test_latex_locations() -> None:
    blocks = extract_blocks("paper.tex", LATEX)
    sigma = blocks[1].text.index("\\sigma")
    assert blocks[1].location_of(sigma) == Location("paper.tex", 6, 3)
    assert blocks[0].start == Location("paper.tex", 4, LATEX.split("\n")[3].index("\\sigma") + 1)


def test_latex_directives() -> None:
    source = "% derive: assume x > 0\n\\[ x = 1 \\]\n"
    (directive,) = file_directives("a.tex", source)
    assert directive == Directive(Location("a.tex", 1, 18), "assume", "x > 0")
    assert only(extract_blocks("a.tex", source)).directives == ("assume x > 0",)


def test_latex_escaped_percent_is_not_a_comment() -> None:
    block = only(extract_blocks("a.tex", "\\[ p = 50\\% \\]\n"))
    assert block.text == " p = 50\\% "


# ---------------------------------------------------------------------------
# reStructuredText
# ---------------------------------------------------------------------------

RST = """Title
=====

.. math::
   :label: sigmoid
   :nowrap:

   \\sigma(x) = \\frac{1}{1+e^{-x}}

   u = 1 + e^{-x}

Text :math:`\\sigma(0) = 0.5` and :math:`x` and :math:`a = b`.

.. derive: assume x > 0

.. math:: e = 2.718...

.. code-block:: rst

   .. math::

      not = math

.. note::

   .. math::

      nested = 1

A literal block::

    :math:`z = 1`

.. derive: skip

.. math::

   skipped = 2
"""


def test_rst_math_blocks() -> None:
    blocks = extract_blocks("doc.rst", RST)
    texts = [b.text for b in blocks]
    assert texts == [
        "\\sigma(x) = \\frac{1}{1+e^{-x}}\n\nu = 1 + e^{-x}",
        "\\sigma(0) = 0.5",
        "e = 2.718...",
        "nested = 1",
        "skipped = 2",
    ]
    assert blocks[0].label == "sigmoid"
    assert blocks[0].start == Location("doc.rst", 8, 4)
    assert blocks[1].inline and blocks[1].syntax == "rst-role"
    assert blocks[2].start == Location("doc.rst", 16, 11)
    assert blocks[3].start == Location("doc.rst", 28, 7)
    assert [b.skip for b in blocks] == [False, False, False, False, True]
    assert blocks[2].directives == ("assume x > 0",)
    for block in blocks:
        assert_positions_match_source(block, RST)


def test_rst_indentation_removed_but_columns_kept() -> None:
    blocks = extract_blocks("doc.rst", RST)
    u = blocks[0].text.index("u = ")
    assert blocks[0].location_of(u) == Location("doc.rst", 10, 4)


def test_rst_directives() -> None:
    directives = file_directives("doc.rst", RST)
    assert [(d.command, d.argument) for d in directives] == [("assume", "x > 0"), ("skip", "")]
    assert directives[0].location == Location("doc.rst", 14, 19)


def test_rst_block_ends_at_dedent() -> None:
    source = ".. math::\n\n   a = 1\n   b = 2\nParagraph with c = 3.\n"
    block = only(extract_blocks("doc.rst", source))
    assert block.text == "a = 1\nb = 2"


# ---------------------------------------------------------------------------
# Layout macros: the body is math, the decoration is not
# ---------------------------------------------------------------------------


def _check(text: str, name: str = "layout.md") -> list[tuple[str, str]]:
    from derive.check.checker import check_text
    from derive.model import VerifySettings

    report = check_text(name, text, VerifySettings(time_limit=10.0))
    return [(f.verdict.value, f.lhs) for f in report.findings if f.verdict is not None]


def test_underbrace_keeps_its_body() -> None:
    right = "$$\n\\underbrace{(a+b)^2}_{\\text{square}} = a^2+2ab+b^2\n$$\n"
    wrong = "$$\n\\underbrace{(a+b)^2}_{\\text{square}} = a^2+ab+b^2\n$$\n"
    # the side is shown as written, decoration included
    assert _check(right) == [("proved", "\\underbrace{(a+b)^2}_{\\text{square}}")]
    assert _check(wrong) == [("refuted", "\\underbrace{(a+b)^2}_{\\text{square}}")]
    block = only(extract_blocks("layout.md", right))
    assert block.text.strip() == "{(a+b)^2} = a^2+2ab+b^2"
    # the group's brace maps to the macro, the body to itself
    assert block.location_of(block.text.index("{")) == Location("layout.md", 2, 1)
    assert block.location_of(block.text.index("(")) == Location("layout.md", 2, 13)


@pytest.mark.parametrize(("math", "verdict"), [
    ("\\overbrace{(a+b)^2}^{n} = a^2+2ab+b^2", "proved"),
    ("\\boxed{(a+b)^2} = a^2+2ab+b^2 \\numberthis", "proved"),
    ("(a+b)^2 = \\textcolor{red}{a^2+2ab+b^2}", "proved"),
    ("{\\color{blue} (a+b)^2} = a^2+2ab+b^2 \\addtocounter{equation}{1}", "proved"),
    ("(a+b)^2 \\mathstrut = a^2 + 2ab + b^2 \\phantom{+ c}", "proved"),
    ("x + \\underbrace{a - a}_{=0} = x", "proved"),
    ("\\displaystyle\\boxed{(a+b)^2} = a^2+b^2", "refuted"),
    ("\\underbrace{2x}_{\\text{twice } x} \\cdot 3 = 6x", "proved"),
])
def test_layout_macros(math: str, verdict: str) -> None:
    assert [v for v, _ in _check(f"$$\n{math}\n$$\n")] == [verdict]


@pytest.mark.parametrize("math", [
    "2\\underbrace{a+b}_{c} = 2a+2b",  # 2(a+b) or 2a+b?
    "x - \\underbrace{a+b}_{c} = x - a - b",  # x-(a+b) or x-a+b?
    "\\boxed{a+b}^2 = a^2+2ab+b^2",
    "\\textcolor{red}{a-b} \\cdot c = ac - bc",
])
def test_a_decorated_sum_next_to_a_product_is_not_guessed(math: str) -> None:
    # left as written, so it is an error (no verdict either way)
    text = f"$$\n{math}\n$$\n"
    assert [v for v, _ in _check(text)] == ["error"]
    read = only(extract_blocks("layout.md", text)).text
    assert any(macro in read for macro in ("\\underbrace", "\\boxed", "\\textcolor"))


def test_a_decorated_sum_between_loose_neighbours_is_read() -> None:
    assert [v for v, _ in _check("$$\nx + \\underbrace{a+b}_{c} - y = x+a+b-y\n$$\n")] == [
        "proved"]


def test_layout_macros_in_latex_and_with_document_macros() -> None:
    tex = ("\\documentclass{article}\n\\newcommand{\\sq}[1]{\\underbrace{(#1)^2}_{\\text{sq}}}\n"
           "\\begin{document}\n\\begin{equation}\n\\sq{a+b} = a^2+2ab+b^2 \\tag{1}\n"
           "\\end{equation}\n\\end{document}\n")
    assert _check(tex, "doc.tex") == [("proved", "\\sq{a+b}")]


def test_latex_and_macros_modules_do_not_import_each_other() -> None:
    import ast

    import derive.extract

    package = Path(derive.extract.__file__).parent

    def imported(module: str) -> set[str]:
        tree = ast.parse((package / f"{module}.py").read_text(encoding="utf-8"))
        return {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

    assert "derive.extract.macros" not in imported("latex")
    assert "derive.extract.latex" not in imported("macros")
