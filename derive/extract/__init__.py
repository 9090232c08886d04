"""Extract math blocks from documents: one scanner per syntax, one output type.

Like Sybil's parsers, each syntax module cuts a document into regions; this
module turns regions into :class:`~derive.model.MathBlock` values with the
source position of every character, and attaches ``derive:`` directives.

Location convention: ``MathBlock.start`` is the position of ``text[0]``, the
first character after the opening delimiter.  For ``$$``/``\\[``/``\\begin``
blocks that is on the delimiter's own line (often the newline right after
it); for an rst ``.. math::`` block it is the first content line.  In a notebook
(:mod:`derive.extract.notebook`) lines and columns are within a Markdown cell, and
``Location.cell`` names the cell.

Before the math is handed on, macros are expanded (the project's, from its configuration,
then the document's own, which win) and layout macros resolved (:mod:`derive.extract.layout`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

from derive.extract.directives import Directive, FoundDirective, attach_directives
from derive.extract.latex import Region, SourceMap, mask_latex, scan_latex
from derive.extract.macros import MacroDefinition, expand_regions, find_definitions
from derive.extract.markdown import scan_markdown
from derive.extract.notebook import NotebookError, read_notebook
from derive.extract.project import project_macros
from derive.extract.rst import scan_rst
from derive.model import Location, MathBlock

__all__ = ["Directive", "NotebookError", "extract_blocks", "file_directives", "syntax_for"]

_SYNTAX_BY_SUFFIX = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".myst": "markdown",
    ".mdx": "markdown",
    ".qmd": "markdown",
    ".tex": "latex",
    ".ltx": "latex",
    ".rst": "rst",
    ".ipynb": "notebook",
}

Scanner = Callable[[str], tuple[list[Region], list[FoundDirective]]]
_SCANNERS: dict[str, Scanner] = {
    "markdown": scan_markdown,
    "latex": scan_latex,
    "rst": scan_rst,
}
Macros = tuple[tuple[str, MacroDefinition], ...]


class _Locator(Protocol):
    """Source offsets to locations: a text file's lines, or a notebook's cells."""

    def locate(self, offset: int) -> tuple[int | None, int, int]:
        """(cell or None, line, column), 1-based."""
        ...


class _TextLocator:
    def __init__(self, text: str) -> None:
        self.source = SourceMap(text)

    def locate(self, offset: int) -> tuple[int | None, int, int]:
        return (None, *self.source.position(offset))


def syntax_for(path: str) -> str | None:
    """ "markdown", "latex", "rst" or "notebook" by file suffix; None for files we do not read."""
    return _SYNTAX_BY_SUFFIX.get(os.path.splitext(path)[1].lower())


def _scan(path: str, text: str, macros: Macros = ()
          ) -> tuple[tuple[Region, ...], tuple[FoundDirective, ...], _Locator]:
    syntax = syntax_for(path)
    if syntax is None:
        return (), (), _TextLocator("")
    return _scan_syntax(syntax, text, macros)


@lru_cache(maxsize=4)
def _scan_syntax(syntax: str, text: str, macros: Macros
                 ) -> tuple[tuple[Region, ...], tuple[FoundDirective, ...], _Locator]:
    """Cached: checking a file asks for its directives and then its blocks (same text)."""
    locator: _Locator
    if syntax == "notebook":  # the Markdown cells, scanned one by one (raises NotebookError)
        notebook = read_notebook(text)
        regions, directives = notebook.scan(scan_markdown)
        locator = notebook
    else:
        regions, directives = _SCANNERS[syntax](text)
        locator = _TextLocator(text)
    if syntax == "latex":  # a .tex file's macros are defined in its preamble
        defined_in = mask_latex(text)[0]
    else:  # MathJax/KaTeX documents define macros inside math: $$\newcommand{\sig}{\sigma}$$
        defined_in = "\n".join(region.text for region in regions)
    # the project's macros first: the document's own definitions override them
    definitions = dict(macros) | find_definitions(defined_in)
    return tuple(expand_regions(regions, definitions)), tuple(directives), locator


def _project_macros(path: str) -> Macros:
    return tuple(sorted(project_macros(path).items()))


def extract_blocks(path: str, text: str) -> list[MathBlock]:
    """Every display block (and qualifying inline math) of a document, in document order.

    Blocks after a ``skip`` directive (or in a ``skip-file`` document) are
    returned with ``skip=True``; ``assume``/``define`` directives before a
    block are listed in its ``directives``.  Macros come from the document and from
    its project's configuration (:mod:`derive.extract.project`), found from ``path``.
    A notebook that is not valid JSON raises :class:`NotebookError`.
    """
    regions, directives, locator = _scan(path, text, _project_macros(path))
    located: list[tuple[int, int, MathBlock]] = []
    for region in regions:
        if not region.text.strip():
            continue
        places = [locator.locate(offset) for offset in region.offsets]
        cell, line, column = places[0]
        block = MathBlock(
            path=path,
            text=region.text,
            start=Location(path, line, column, cell),
            syntax=region.syntax,
            environment=region.environment or _leading_environment(region.text),
            inline=region.inline,
            label=region.label,
            positions=tuple((line, column) for _, line, column in places),
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
    _, found, locator = _scan(path, text, _project_macros(path))
    result: list[Directive] = []
    for directive in found:
        cell, line, column = locator.locate(directive.offset)
        result.append(
            Directive(Location(path, line, column, cell), directive.command, directive.argument)
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
