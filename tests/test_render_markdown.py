"""NAME.md (GitHub-flavoured Markdown with $$ blocks) and the terminal view."""

from __future__ import annotations

from pathlib import Path

from render_fixtures import (
    hand_built_sigmoid,
    sigmoid_derivation,
    unverified,
    with_refuted_step,
    with_title,
)

from derive.render import render_markdown, render_text, write_index, write_outputs
from derive.render.latex import expr_latex, reason_latex


def test_chain_is_a_math_block_with_rules() -> None:
    d = sigmoid_derivation()
    md = render_markdown(d)
    assert md.count("$$") % 2 == 0
    chain = md.split("## The derivative, step by step")[1].split("$$")[1]
    for step in d.steps:
        assert f"&= {expr_latex(step.expr)} && {reason_latex(step)}" in chain


def test_verdict_table_has_one_row_per_step() -> None:
    d = with_refuted_step(hand_built_sigmoid())
    md = render_markdown(d)
    rows = [line for line in md.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == len(d.steps)
    assert "**refuted at x = 0.5**" in rows[3]
    assert "counterexample: at x = 0.5 the left side is 0.2350037122015944" in rows[3]
    assert "chain rule, $u = 1 + e^{- x}$" in rows[1]


def test_limits_values_and_checks() -> None:
    md = render_markdown(hand_built_sigmoid())
    for heading in ("## Limits", "## Values", "## Checks of the closed form"):
        assert heading in md
    assert r"\sigma({-4}) &\approx 0.01798620996" in md
    assert "max error 2.1e-11" in md


def test_title_markup_is_escaped() -> None:
    md = render_markdown(with_title(hand_built_sigmoid(), "<script>*x*</script> | $y$"))
    first = md.splitlines()[0]
    assert first == r"# \<script\>\*x\*\</script\> \| \$y\$"


def test_unverified_is_unknown() -> None:
    md = render_markdown(unverified(hand_built_sigmoid()))
    body = md.split("## How to read the verdicts")[0]  # the legend names every verdict
    assert "**proved**" not in body and "**unknown (not verified)**" in body


def test_text_view_lists_steps_rules_and_verdicts() -> None:
    d = with_refuted_step(hand_built_sigmoid())
    text = render_text(d)
    assert "(2) chain rule: proved" in text
    assert "where u = 1 + ℯ" in text  # the note, pretty-printed from the Definition
    assert "e^{" not in text  # no LaTeX in the terminal view
    assert "(4) algebra: refuted at x = 0.5" in text
    assert text.rstrip().endswith("Overall: refuted")
    assert text == render_text(d)


def test_write_outputs_and_index_are_byte_identical_when_repeated(tmp_path: Path) -> None:
    d = sigmoid_derivation()
    first = {p.name: p.read_bytes() for p in write_outputs(d, tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write_outputs(d, tmp_path / "b")}
    assert first == second
    index_a = write_index([d], tmp_path / "a").read_bytes()
    index_b = write_index([d], tmp_path / "b").read_bytes()
    assert index_a == index_b and b'href="sigmoid.html"' in index_a
