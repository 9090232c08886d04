"""Splitting math blocks into rows, relations, reasons, labels and where-clauses.

Location convention under test: a piece's offset is that of its first
character in ``MathBlock.text``; ``block.location_of(piece.offset)`` is the
file position a finding about that piece reports.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.check.rows import Piece, Row, split_rows
from derive.extract import extract_blocks
from derive.model import Location, MathBlock

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real_chains.jsonl"


def block_of(text: str) -> MathBlock:
    return MathBlock("t.md", text, Location("t.md", 1, 1), "test")


def rows_of(text: str) -> list[Row]:
    return split_rows(block_of(text))


def chain(row: Row) -> list[str]:
    return [row.lhs.text] + [r.rhs.text for r in row.relations]


def ops(row: Row) -> list[str]:
    return [r.op for r in row.relations]


def assert_piece_is_slice(block: MathBlock, piece: Piece) -> None:
    """A piece is the block text at its offset, where only blanked characters may differ."""
    original = block.text[piece.offset : piece.offset + len(piece.text)]
    assert len(original) == len(piece.text)
    for mine, theirs in zip(piece.text, original, strict=True):
        assert mine == theirs or mine == " ", (piece, original)
    if piece.text:
        assert not piece.text[0].isspace() and not piece.text[-1].isspace()


def all_pieces(row: Row) -> list[Piece]:
    pieces = [row.lhs] + [r.rhs for r in row.relations]
    for name, value in row.where:
        pieces += [name, value]
    return pieces


# ---------------------------------------------------------------------------
# Relations and chains
# ---------------------------------------------------------------------------


def test_chain_in_one_row() -> None:
    (row,) = rows_of("a = b + 1 = c")
    assert chain(row) == ["a", "b + 1", "c"]
    assert ops(row) == ["=", "="]
    assert not row.continues
    assert row.relations[1].rhs.offset == 12


def test_equals_inside_groups_is_not_a_relation() -> None:
    (row,) = rows_of(r"P(y = 1 \mid x) = \sum_{i=1}^n \lim_{x\to 0} f_{k=2} [a=b] \{c=d\}")
    assert ops(row) == ["="]
    assert row.lhs.text == r"P(y = 1 \mid x)"


def test_relation_spellings() -> None:
    (row,) = rows_of(r"a \approx b \equiv c := d \ne e \le f < g \not= h \coloneqq i")
    assert ops(row) == ["\\approx", "=", "=", "\\ne", "\\le", "<", "\\ne", "="]
    assert chain(row) == ["a", "b", "c", "d", "e", "f", "g", "h", "i"]


def test_left_right_is_not_le() -> None:
    (row,) = rows_of(r"\left( x \right) = \left[ y \right]")
    assert ops(row) == ["="]


def test_stacked_relation() -> None:
    (row,) = rows_of(r"a \stackrel{?}{=} b \overset{\text{def}}{=} c")
    assert ops(row) == ["=", "="]
    assert chain(row) == ["a", "b", "c"]


def test_arrow_as_relation_when_it_joins_no_equations() -> None:
    (row,) = rows_of(r"\sigma(x) \to 1")
    assert ops(row) == ["\\to"]


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


def test_aligned_rows_continue() -> None:
    rows = rows_of("\\begin{aligned}\nf(x) &= a \\\\\n&= b \\\\\n&\\approx c\n\\end{aligned}")
    assert [chain(r) for r in rows] == [["f(x)", "a"], ["", "b"], ["", "c"]]
    assert [r.continues for r in rows] == [False, True, True]
    assert [ops(r) for r in rows] == [["="], ["="], ["\\approx"]]


@pytest.mark.parametrize(
    "environment", ["align", "align*", "gather", "equation", "split", "aligned", "multline"]
)
def test_layout_environments_are_unwrapped(environment: str) -> None:
    text = f"\\begin{{{environment}}} a &= b \\\\ &= c \\end{{{environment}}}"
    rows = rows_of(text)
    assert [chain(r) for r in rows] == [["a", "b"], ["", "c"]]


def test_array_rcl() -> None:
    rows = rows_of(r"\begin{array}{rcl} a &=& b \\ &=& c \end{array}")
    assert [chain(r) for r in rows] == [["a", "b"], ["", "c"]]


def test_matrix_rows_are_not_split() -> None:
    text = r"D = \left(\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}\right) = M"
    (row,) = rows_of(text)
    assert len(row.relations) == 2
    assert "\\\\" in row.relations[0].rhs.text


def test_cases_are_kept_whole() -> None:
    (row,) = rows_of(r"f(x) = \begin{cases} 1 & x = 0 \\ 0 & \text{else} \end{cases}")
    assert ops(row) == ["="]
    assert row.relations[0].rhs.text.endswith("\\end{cases}")


def test_kramdown_double_backslash_and_spacing_argument() -> None:
    rows = rows_of("a = b \\\\\\\\\n= c \\\\[1em] = d \\\\[-2pt]\n= e")
    assert [chain(r) for r in rows] == [["a", "b"], ["", "c"], ["", "d"], ["", "e"]]
    assert all("[" not in r.relations[0].rhs.text for r in rows)


def test_blank_line_separates_statements() -> None:
    rows = rows_of("a = 1\n\nb = 2\n   \n= 3")
    assert [chain(r) for r in rows] == [["a", "1"], ["b", "2"], ["", "3"]]


def test_relation_less_row_extends_previous_side() -> None:
    rows = rows_of("f(x) &= a + b \\\\\n&\\quad + c \\\\\n&= d")
    assert len(rows) == 2
    merged = rows[0].relations[0].rhs
    assert merged.text.startswith("a + b") and merged.text.endswith("+ c")
    assert "\\\\" not in merged.text and "&" not in merged.text
    assert chain(rows[1]) == ["", "d"]


def test_separate_statements_optimization_style() -> None:
    text = (
        "\\sigma(x) = \\frac{1}{1+e^{-x}} \\\\\\\\\n"
        "\\rightarrow \\hspace{0.3in} \\frac{d\\sigma(x)}{dx} = A = B\n"
    )
    rows = rows_of(text)
    assert [chain(r) for r in rows] == [
        ["\\sigma(x)", "\\frac{1}{1+e^{-x}}"],
        ["\\frac{d\\sigma(x)}{dx}", "A", "B"],
    ]


def test_or_equivalently_splits() -> None:
    rows = rows_of(r"L = -\log p \hspace{0.5in} \text{or equivalently} \hspace{0.5in} L = q")
    assert [chain(r) for r in rows] == [["L", "-\\log p"], ["L", "q"]]


@pytest.mark.parametrize("separator", ["\\Rightarrow", "\\implies", "\\qquad", "\\text{and}"])
def test_statement_separators(separator: str) -> None:
    rows = rows_of(f"a = b {separator} c = d")
    assert [chain(r) for r in rows] == [["a", "b"], ["c", "d"]]


def test_comma_quad_between_inequalities_splits() -> None:
    rows = rows_of(r"x \ne 1, \quad y \le 2")
    assert [chain(r) for r in rows] == [["x", "1"], ["y", "2"]]


# ---------------------------------------------------------------------------
# Reasons, labels, where-clauses, cosmetics
# ---------------------------------------------------------------------------


def test_reason_after_double_ampersand() -> None:
    (row,) = rows_of(r"a &= b && \text{chain rule}")
    assert chain(row) == ["a", "b"]
    assert row.reason == "chain rule"


def test_reason_after_quad_text() -> None:
    rows = rows_of(
        r"a &= b \quad\text{(by definition)} \\ &= c \qquad \text{since } x>0 \\"
        r" &= d \text{ (by parts)}"
    )
    assert [r.reason for r in rows] == ["(by definition)", "since x>0", "(by parts)"]
    assert [chain(r) for r in rows] == [["a", "b"], ["", "c"], ["", "d"]]


def test_reason_in_parentheses() -> None:
    (row,) = rows_of(r"a = b \quad (\text{product rule})")
    assert chain(row) == ["a", "b"]
    assert row.reason == "(product rule)"


def test_parenthesised_condition_after_quad_is_a_reason() -> None:
    (row,) = rows_of(r"f(x) = x^2 \quad (x > 0).")
    assert chain(row) == ["f(x)", "x^2"]
    assert row.reason == "(x > 0)"
    (plain,) = rows_of(r"f(x) = x^2 (x + 1)")
    assert chain(plain) == ["f(x)", "x^2 (x + 1)"]


def test_text_inside_expression_is_kept() -> None:
    (row,) = rows_of(r"I = 4 \textrm{ bits}")
    assert chain(row) == ["I", "4 \\textrm{ bits}"]
    assert row.reason == ""


def test_because() -> None:
    (row,) = rows_of(r"a = b \because b = a")
    assert chain(row) == ["a", "b"]
    assert row.reason == "b = a"


def test_tag_and_label() -> None:
    rows = rows_of(r"a &= b \tag{3} \\ &= c \label{eq:c} \\ &= d \tag*{by parts}")
    assert [r.label for r in rows] == ["3", "eq:c", "by parts"]
    assert [r.reason for r in rows] == ["", "", "by parts"]
    assert [chain(r) for r in rows] == [["a", "b"], ["", "c"], ["", "d"]]


def test_cosmetics_are_blanked() -> None:
    (row,) = rows_of(r"\displaystyle a = \Large b \nonumber \notag")
    assert chain(row) == ["a", "b"]


def test_where_clause_after_comma_quad() -> None:
    text = r"\frac{d}{dx}\sigma &= \frac{d}{du} u^{-1} \frac{du}{dx}, \quad u = 1+e^{-x}"
    (row,) = rows_of(text)
    assert chain(row) == ["\\frac{d}{dx}\\sigma", "\\frac{d}{du} u^{-1} \\frac{du}{dx}"]
    ((name, value),) = row.where
    assert (name.text, value.text) == ("u", "1+e^{-x}")
    assert value.offset == text.index("1+e^{-x}")


@pytest.mark.parametrize("text", [
    r"\sqrt{x^2} = x, \quad \ln(e^x) = x",
    r"\sqrt{x^2} = x, \quad u(0) = x",
    r"\sqrt{x^2} = x, \quad x^2 = x",
    r"\sqrt{x^2} = x, \quad \sin(y) = x",
])
def test_an_equation_after_comma_quad_is_a_statement_not_a_where_clause(text: str) -> None:
    first, second = rows_of(text)
    assert chain(first) == [r"\sqrt{x^2}", "x"] and first.where == ()
    assert second.relations and second.where == ()
    assert chain(second)[1] == "x"
    for piece in all_pieces(first) + all_pieces(second):
        assert_piece_is_slice(block_of(text), piece)


@pytest.mark.parametrize(("name", "where"), [
    ("u", True), ("v_1", True), ("v_{1}", True), (r"\theta_{t}", True), ("g(x)", True),
    ("g(x, y)", True), (r"\sigma(z)", True),
    (r"\ln(e^x)", False), ("u(0)", False), ("xy", False), ("x^2", False), (r"\sin x", False),
])
def test_a_where_clause_defines_a_bare_name_or_call(name: str, where: bool) -> None:
    rows = rows_of(f"y = 2 + 1, \\quad {name} = 3")
    assert (len(rows) == 1 and len(rows[0].where) == 1) is where
    if where:
        assert rows[0].where[0][0].text == name


def test_where_text_clause_keeps_an_equation_that_defines_nothing() -> None:
    text = r"y = 2u \text{ where } u = x + 1, \ln(e^x) = x"
    first, second = rows_of(text)
    assert [(n.text, v.text) for n, v in first.where] == [("u", "x + 1")]
    assert chain(second) == [r"\ln(e^x)", "x"]


def test_where_text_clause_with_two_definitions() -> None:
    (row,) = rows_of(r"f = u v \text{ where } u = 1 + x, \; v = 2,")
    assert chain(row) == ["f", "u v"]
    assert [(n.text, v.text) for n, v in row.where] == [("u", "1 + x"), ("v", "2")]


@pytest.mark.parametrize(("text", "reason", "where"), [
    (r"a &= b && \text{chain rule, } u = 1 + e^{- x}", "chain rule, u = 1 + e^{- x}",
     [("u", "1 + e^{- x}")]),
    (r"a &= b && \text{chain rule with } u = 1+e^{-x}", "chain rule with u = 1+e^{-x}",
     [("u", "1+e^{-x}")]),
    (r"a &= b && \text{where } u = 1+e^{-x}", "where u = 1+e^{-x}", [("u", "1+e^{-x}")]),
    (r"a = b \qquad \text{(let } u = 1+e^{-x}\text{)}", "(let u = 1+e^{-x})",
     [("u", "1+e^{-x}")]),
    (r"a = b \quad (\text{with } u = 1+e^{-x}).", "(with u = 1+e^{-x})",
     [("u", "1+e^{-x}")]),
    (r"a = b \quad \text{chain rule, } \theta_{t} = 2x", r"chain rule, \theta_{t} = 2x",
     [(r"\theta_{t}", "2x")]),
    (r"a &= b && \text{substitute } u = 1+x \text{ and } v = x^2.",
     "substitute u = 1+x and v = x^2.", [("u", "1+x"), ("v", "x^2")]),
    (r"a &= b && u = 1+x, \; v = 2\;", "u = 1+x, v = 2", [("u", "1+x"), ("v", "2")]),
])  # fmt: skip
def test_name_equals_expression_in_a_reason_is_a_where_clause(
    text: str, reason: str, where: list[tuple[str, str]]
) -> None:
    (row,) = rows_of(text)
    assert chain(row) == ["a", "b"]
    assert row.reason == reason
    assert [(name.text, value.text) for name, value in row.where] == where
    for piece in all_pieces(row):
        assert_piece_is_slice(block_of(text), piece)
    assert row.where[0][1].offset == text.index(where[0][1], text.index("="))


@pytest.mark.parametrize(("text", "reason"), [
    (r"a &= b && \text{since } \lim_{x \to \infty} e^{-x} = 0",
     r"since \lim_{x \to \infty} e^{-x} = 0"),
    (r"a &= b && \text{since } e^{-x} = 0", "since e^{-x} = 0"),
    (r"a &= b && \text{for } x = 0", "for x = 0"),
    (r"a &= b && \text{at } x = 0", "at x = 0"),
    (r"a &= b && \text{since } x = 2 = y", "since x = 2 = y"),
    (r"a &= b && \text{chain rule, } u(0) = 1", "chain rule, u(0) = 1"),
    (r"a &= b && \text{chain rule, } u \le 1", r"chain rule, u \le 1"),
    (r"a = b \quad (x = 0)", "(x = 0)"),
    (r"a = b \quad \text{(for } x = 0\text{)}", "(for x = 0)"),
])  # fmt: skip
def test_other_math_in_a_reason_stays_the_reason(text: str, reason: str) -> None:
    (row,) = rows_of(text)
    assert chain(row) == ["a", "b"]
    assert row.reason == reason
    assert row.where == ()


def test_reason_where_clauses_belong_to_their_own_row() -> None:
    rows = rows_of(
        r"a &= b && \text{chain rule, } u = 1 + x \\ &= c && \text{power rule} \\"
        r" &= d && \text{substitute back, } u = 1 + x"
    )
    assert [chain(r) for r in rows] == [["a", "b"], ["", "c"], ["", "d"]]
    assert [[(n.text, v.text) for n, v in r.where] for r in rows] == [
        [("u", "1 + x")], [], [("u", "1 + x")],
    ]


def test_a_row_of_only_a_reason_with_a_definition_keeps_it() -> None:
    (row,) = rows_of(r"&& \text{let } u = 1+x")
    assert row.relations == () and row.continues
    assert [(n.text, v.text) for n, v in row.where] == [("u", "1+x")]


def test_trailing_punctuation_stripped_but_ellipsis_kept() -> None:
    assert chain(rows_of("e = 2.718...")[0]) == ["e", "2.718..."]
    assert chain(rows_of(r"e = 2.718\ldots.")[0]) == ["e", "2.718\\ldots"]
    assert chain(rows_of(r"\sigma(-4) \approx 0.01798621.")[0]) == ["\\sigma(-4)", "0.01798621"]
    assert chain(rows_of(r"a = \left. x \right.")[0]) == ["a", "\\left. x \\right."]
    assert chain(rows_of(r"v = \ldots, = w,")[0]) == ["v", "\\ldots", "w"]


def test_empty_block_gives_no_rows() -> None:
    assert rows_of("   \n  ") == []
    assert rows_of("\\begin{aligned} \\\\ \\end{aligned}") == []


# ---------------------------------------------------------------------------
# Locations through the extractor
# ---------------------------------------------------------------------------


def test_piece_locations_in_file() -> None:
    source = (
        "Text.\n\n$$\n\\begin{aligned}\nf(x) &= x^2 \\\\\n     &= x \\cdot x\n\\end{aligned}\n$$\n"
    )
    (block,) = extract_blocks("doc.md", source)
    first, second = split_rows(block)
    assert block.location_of(first.lhs.offset) == Location("doc.md", 5, 1)
    assert block.location_of(first.relations[0].rhs.offset) == Location("doc.md", 5, 9)
    assert block.location_of(second.relations[0].rhs.offset) == Location("doc.md", 6, 9)
    assert block.location_of(second.lhs.offset) == Location("doc.md", 6, 7)  # the "=" itself


def test_piece_locations_in_rst() -> None:
    source = ".. math::\n\n    a = 1\n\n    = 2\n"
    (block,) = extract_blocks("doc.rst", source)
    first, second = split_rows(block)
    assert second.continues
    assert block.location_of(second.relations[0].rhs.offset) == Location("doc.rst", 5, 7)
    assert block.location_of(first.relations[0].rhs.offset) == Location("doc.rst", 3, 9)


# ---------------------------------------------------------------------------
# The real corpus
# ---------------------------------------------------------------------------


def _records() -> list[dict[str, object]]:
    if not CORPUS.exists():
        return []
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]


#: n_eq in the corpus counts "=" signs a human saw as steps; here it also counted one inside
#: a probability's argument, which is not a relation.
_N_EQ_COUNTS_INNER_EQUALS = {("neural-networks-2.md", 257)}


@pytest.mark.parametrize(
    "record", _records(), ids=lambda r: f"{r['path']}:{r['line']}" if isinstance(r, dict) else ""
)
def test_corpus_rows(record: dict[str, object]) -> None:
    path = str(record["path"])
    suffix = ".rst" if path.endswith(".rst") else ".md"
    (block,) = extract_blocks("doc" + suffix, str(record["latex"]))
    rows = split_rows(block)
    assert rows
    equals = sum(op == "=" for row in rows for op in ops(row))
    if (path, record["line"]) in _N_EQ_COUNTS_INNER_EQUALS:
        assert equals == int(str(record["n_eq"])) - 1
    else:
        assert equals == int(str(record["n_eq"]))
    assert not rows[0].continues
    for row in rows:
        assert row.relations or row.where
        for piece in all_pieces(row):
            assert_piece_is_slice(block, piece)
            assert not re.search(r"\\\\(?:\[|\s*$)|\\label|\\begin\{aligned\}|\\hspace", piece.text)
            if piece is not row.lhs:
                assert piece.text
            assert "&" not in piece.text or "\\begin{bmatrix}" in piece.text


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus absent")
def test_corpus_statement_structure() -> None:
    by_place = {(r["path"], r["line"]): r for r in _records()}

    def rows_for(path: str, line: int) -> list[Row]:
        suffix = ".rst" if path.endswith(".rst") else ".md"
        (block,) = extract_blocks("doc" + suffix, str(by_place[(path, line)]["latex"]))
        return split_rows(block)

    definition, derivative = rows_for("optimization-2.md", 159)
    assert definition.lhs.text == "\\sigma(x)"
    assert derivative.lhs.text == "\\frac{d\\sigma(x)}{dx}" and len(derivative.relations) == 3
    assert [r.lhs.text for r in rows_for("linear-classify.md", 268)] == ["L_i", "L_i"]
    assert len(rows_for("docs/linear_regression.rst", 155)) == 3
    assert [r.continues for r in rows_for("docs/regularization.rst", 420)] == [False, True]
    sgd = rows_for("chapter_optimization/sgd.md", 263)
    assert ops(sgd[0]) == ["=", "=", "\\approx", "\\approx"]
    assert sgd[0].relations[-1].rhs.text == "0.63"


# ---------------------------------------------------------------------------
# Robustness: any text splits without error into pieces that are slices
# ---------------------------------------------------------------------------

_FRAGMENTS = [
    "$", "$$", "\\", "\\\\", "{", "}", "(", ")", "[", "]", "&", "&&", "=", "\\approx", "\\text{",
    "\\quad", ",", ".", "x", "1", " ", "\n", "\n\n", "\\begin{aligned}", "\\end{aligned}",
    "\\left(", "\\right)", "\\left", "<!--", "-->", "`", "```", "%", ".. math::", "    ",
    ":math:`", "\\tag{", "\\label{", "\\[", "\\]", "\\begin{array}{rcl}", "\\end{array}",
    "\\stackrel{", "\\to", "\\Rightarrow", "\\hspace{", "where", "derive: skip", "\\because",
]  # fmt: skip


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join),
    st.sampled_from(["a.md", "a.tex", "a.rst"]),
)
def test_any_text_extracts_and_splits_into_slices(text: str, path: str) -> None:
    for block in extract_blocks(path, text):
        assert len(block.positions) == len(block.text)
        for row in split_rows(block):
            for piece in all_pieces(row):
                original = block.text[piece.offset : piece.offset + len(piece.text)]
                assert all(a == b or a == " " for a, b in zip(piece.text, original, strict=True))


def test_begin_without_an_environment_name_does_not_crash() -> None:
    # found by the robustness test: "\begin" followed by no brace group at all
    (row,) = rows_of("\\begin# x = 1")
    assert row.lhs.text.startswith("\\begin#")


def test_statements_next_to_an_implication_are_marked() -> None:
    rows = rows_of("x^2 = 4 \\implies x = 2 \\quad\\text{or}\\quad x = -2")
    assert [(row.lhs.text, row.implication) for row in rows] == [
        ("x^2", True), ("x", True), ("x", False),
    ]
    assert [row.implication for row in rows_of("a = b \\\\ c = d")] == [False, False]


def test_every_second_ampersand_of_align_starts_a_new_equation() -> None:
    from derive.check.checker import check_text
    from derive.model import Verdict

    text = (
        "$$\n\\begin{align*}\nf(x) &= x^2 & g(x) &= \\sqrt{x}\\\\\n"
        "f(2) &= 4 & g(4) &= 3\n\\end{align*}\n$$\n\n"
        "$$\n\\begin{array}{rcl}\na &=& (b+1)^2 \\\\\n&=& b^2 + 2b + 1\n\\end{array}\n$$\n"
    )
    found = {(f.location.line, f.lhs): f.verdict for f in check_text("n.md", text).findings
             if f.verdict is not None}
    assert found[(4, "f(2)")] is Verdict.PROVED
    assert found[(4, "g(4)")] is Verdict.REFUTED  # sqrt(4) = 2: the second column's claim
    assert Verdict.PROVED in {v for (line, _), v in found.items() if line == 11}  # array{rcl}
