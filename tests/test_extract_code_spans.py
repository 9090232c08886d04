"""Directives and math quoted in inline code are documentation, not instructions."""

from __future__ import annotations

from derive.extract import extract_blocks, file_directives

DOC = """# Notes

Write `<!-- derive: skip-file -->` to skip a file, or `$e = 2.718...$` inline.

$$
(x+1)^2 = x^2 + 2x + 1
$$
"""


def test_a_directive_in_a_code_span_is_not_applied() -> None:
    assert file_directives("notes.md", DOC) == []
    blocks = extract_blocks("notes.md", DOC)
    assert [block.start.line for block in blocks] == [5]
    assert not blocks[0].skip


def test_a_real_directive_still_applies() -> None:
    doc = DOC.replace("# Notes\n", "# Notes\n\n<!-- derive: skip -->\n")
    blocks = extract_blocks("notes.md", doc)
    assert len(blocks) == 1 and blocks[0].skip
    assert [d.command for d in file_directives("notes.md", doc)] == ["skip"]
