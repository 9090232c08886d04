"""Extract math blocks from documents: one scanner per syntax, one output type.

Like Sybil's parsers, each syntax module cuts a document into regions; this
module turns regions into :class:`~derive.model.MathBlock` values with the
source position of every character, and attaches ``derive:`` directives.

Location convention: ``MathBlock.start`` is the position of ``text[0]``, the
first character after the opening delimiter.  For ``$$``/``\\[``/``\\begin``
blocks that is on the delimiter's own line (often the newline right after
it); for an rst ``.. math::`` block it is the first content line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache

from derive.extract.directives import Directive, FoundDirective, attach_directives
from derive.extract.latex import Region, SourceMap, scan_latex
from derive.extract.macros import expand_regions, find_definitions
from derive.extract.markdown import scan_markdown
from derive.extract.rst import scan_rst
from derive.model import Location, MathBlock

__all__ = ["Directive", "extract_blocks", "file_directives", "syntax_for"]

_SYNTAX_BY_SUFFIX = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".myst": "markdown",
    ".mdx": "markdown",
    ".qmd": "markdown",
    ".tex": "latex",
    ".ltx": "latex",
    ".rst": "rst",
}

Scanner = Callable[[str], tuple[list[Region], list[FoundDirective]]]
_SCANNERS: dict[str, Scanner] = {
    "markdown": scan_markdown,
    "latex": scan_latex,
    "rst": scan_rst,
}


def syntax_for(path: str) -> str | None:
    """ "markdown", "latex" or "rst" by file suffix; None for files we do not read."""
    return _SYNTAX_BY_SUFFIX.get(os.path.splitext(path)[1].lower())


def _scan(path: str, text: str) -> tuple[tuple[Region, ...], tuple[FoundDirective, ...]]:
    syntax = syntax_for(path)
    if syntax is None:
        return (), ()
    return _scan_syntax(syntax, text)


@lru_cache(maxsize=4)
def _scan_syntax(syntax: str, text: str) -> tuple[tuple[Region, ...], tuple[FoundDirective, ...]]:
    """Cached: checking a file asks for its directives and then its blocks (same text)."""
    regions, directives = _SCANNERS[syntax](text)
    if syntax != "latex":  # a .tex file's preamble is read by scan_latex itself
        # MathJax/KaTeX documents define macros inside math: $$\newcommand{\sig}{\sigma}$$
        definitions = find_definitions("\n".join(region.text for region in regions))
        regions = expand_regions(regions, definitions)
    return tuple(regions), tuple(directives)


def extract_blocks(path: str, text: str) -> list[MathBlock]:
    """Every display block (and qualifying inline math) of a document, in document order.

    Blocks after a ``skip`` directive (or in a ``skip-file`` document) are
    returned with ``skip=True``; ``assume``/``define`` directives before a
    block are listed in its ``directives``.
    """
    regions, directives = _scan(path, text)
    source = SourceMap(text)
    located: list[tuple[int, int, MathBlock]] = []
    for region in regions:
        if not region.text.strip():
            continue
        positions = tuple(source.position(offset) for offset in region.offsets)
        line, column = positions[0]
        block = MathBlock(
            path=path,
            text=region.text,
            start=Location(path, line, column),
            syntax=region.syntax,
            environment=region.environment or _leading_environment(region.text),
            inline=region.inline,
            label=region.label,
            positions=positions,
            written=region.written,
            written_index=region.written_index,
        )
        located.append((region.start, region.end, block))
    return attach_directives(located, list(directives))


def file_directives(path: str, text: str) -> list[Directive]:
    """Every ``derive:`` directive of a document (assume, define, skip, skip-file ...), in order.

    A ``skip`` concerns only the next block and is also applied as
    ``MathBlock.skip`` by :func:`extract_blocks`.
    """
    _, found = _scan(path, text)
    source = SourceMap(text)
    result: list[Directive] = []
    for directive in found:
        line, column = source.position(directive.offset)
        result.append(
            Directive(Location(path, line, column), directive.command, directive.argument)
        )
    return result


def _leading_environment(math: str) -> str:
    """``aligned`` for ``$$\\begin{aligned} ... $$``: the environment the text opens with."""
    stripped = math.lstrip()
    if not stripped.startswith("\\begin"):
        return ""
    opening = stripped.find("{")
    closing = stripped.find("}", opening)
    if opening < 0 or closing < 0:
        return ""
    return stripped[opening + 1 : closing].strip()
