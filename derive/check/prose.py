"""The prose around math: the words that lead into a block, and the document's sections.

What a relation *is* (an asserted identity, a condition, an example value, an equation to
solve) is often said only in the prose right before it: "when $c = 2$", "subject to
$$g(x) = 0$$".  This module reads the source around each block (never the math itself):

* ``lead_in`` gives the words of the sentence that ends at a block, with other math
  replaced by the word ``MATH``;
* ``headings`` gives every section heading (Markdown ``#``/setext, LaTeX ``\\section``
  and friends, reStructuredText underlines) with its level, so that definitions can be
  scoped to the section where they are stated.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from derive.model import MathBlock


@dataclass(frozen=True)
class Heading:
    offset: int  # where the heading's line starts in the source
    level: int  # 1 is the outermost
    end: int  # where the heading ends (prose after it starts a new paragraph)


# -- source offsets of a block ------------------------------------------------------


class SourceIndex:
    """Line starts of a source text: (line, column) of a block back to offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def offset(self, line: int, column: int) -> int:
        if line < 1 or line > len(self.line_starts):
            return len(self.text)
        return min(self.line_starts[line - 1] + column - 1, len(self.text))

    def span(self, block: MathBlock) -> tuple[int, int] | None:
        """Source offsets of the block's first character and just past its last one."""
        if not block.positions:
            return None
        first = self.offset(*block.positions[0])
        last = self.offset(*block.positions[-1])
        return first, last + 1

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)


class NotebookIndex(SourceIndex):
    """A notebook's Markdown cells laid end to end (as derive.extract.notebook does), so
    that its prose gives blocks their roles and its headings their sections like a
    Markdown document's; a block's (line, column) is within its cell."""

    def __init__(self, notebook_json: str) -> None:
        from derive.extract.notebook import NotebookError, read_notebook

        try:
            cells = read_notebook(notebook_json).cells
        except NotebookError:
            cells = []
        # each cell starts at its offset in the virtual text: a newline fills the gap
        super().__init__("".join(cell.source + "\n" for cell in cells))
        self.cells = {cell.number: (cell.start, SourceIndex(cell.source)) for cell in cells}

    def span(self, block: MathBlock) -> tuple[int, int] | None:
        found = self.cells.get(block.start.cell or 0)
        if found is None:
            return None
        start, index = found
        local = index.span(block)
        return None if local is None else (start + local[0], start + local[1])


# -- the words before a block --------------------------------------------------------

#: Opening delimiters (and options) between the prose and a block's first character.
_OPENING = re.compile(
    r"(?:\$\$?|\\\[|\\\(|\\begin\s*\{[^{}]*\}(?:\s*\{[^{}]*\}|\s*\[[^\]]*\])*"
    r"|`{3,}[^\n]*\n(?:[ \t]*:[\w-]+:[^\n]*\n)*"
    r"|\.\.[ \t]+math::[^\n]*\n(?:[ \t]*:[\w-]+:[^\n]*\n)*"
    r"|:math:`)\s*$"
)
#: Closing delimiters of the block before, left at the start of the prose.
_CLOSING = re.compile(r"^\s*(?:\$\$?|\\\]|\\\)|\\end\s*\{[^{}]*\}|`+|\s)*")
_COMMENTS = re.compile(r"<!--.*?-->|^[ \t]*\.\.[ \t]+derive:[^\n]*", re.DOTALL | re.MULTILINE)
_LATEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_INLINE_MATH = re.compile(
    r"\$\$[^$]*\$\$|\$[^$\n]+\$|\\\(.*?\\\)|\\\[.*?\\\]|:math:`[^`]*`"
    r"|\\begin\s*\{((?:equation|align|gather|multline|eqnarray|displaymath|math)\*?)\}"
    r".*?\\end\s*\{\1\}",
    re.DOTALL,
)
_REFERENCE = re.compile(r"\\(?:eq)?ref\s*\{[^{}]*\}|:eq:`[^`]*`")
_ABBREVIATIONS = (
    ("e.g.", " eg "), ("i.e.", " ie "), ("s.t.", " st "), ("cf.", " cf "),
    ("eq.", " eq "), ("eqs.", " eqs "), ("resp.", " resp "), ("viz.", " viz "),
    ("etc.", " etc "), ("fig.", " fig "), ("vs.", " vs "),
)  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n[ \t]*\n|^[ \t]*#[^\n]*$", re.MULTILINE)
_COMMAND = re.compile(r"\\[A-Za-z]+\*?")
_WORDS = re.compile(r"MATH|REF|[a-z]+(?:'[a-z]+)?")


def lead_in(source: str, start: int, after: int, *, latex: bool = False) -> list[str]:
    """Lower-case words of the sentence that runs into the block starting at ``start``.

    ``after`` is where the previous block ended (the prose never reaches into it);
    ``latex``: ``%`` starts a comment.
    Other math in the sentence reads as ``MATH``, equation references as ``REF``; an
    empty list means the block starts a sentence of its own.
    """
    text = source[after:start]
    text = _OPENING.sub("", text)
    text = _CLOSING.sub("", text, count=1)
    text = _COMMENTS.sub(" ", text)
    if latex:
        text = _LATEX_COMMENT.sub(" ", text)  # in Markdown, 5% is a percentage
    text = _INLINE_MATH.sub(" MATH ", text)
    text = _REFERENCE.sub(" REF ", text)
    lowered = text.lower()
    for abbreviation, word in _ABBREVIATIONS:
        lowered = lowered.replace(abbreviation, word)
    lowered = lowered.replace(" math ", " MATH ").replace(" ref ", " REF ")
    lowered = lowered.rstrip()
    ends = list(_SENTENCE_END.finditer(lowered))
    if ends:
        lowered = lowered[ends[-1].end():]
    lowered = _COMMAND.sub(" ", lowered)
    return _WORDS.findall(lowered)


# -- sections -------------------------------------------------------------------------

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
#: A thematic break (``---`` after a blank line): it separates examples like a heading.
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
#: The level of a thematic break: below every heading, so it ends only what was
#: defined since the previous break (named values of one example), and functions
#: defined before it may be defined anew after it (scope.py).
BREAK_LEVEL = 7
_LATEX_SECTION = re.compile(
    r"(?<!\\)\\(part|chapter|section|subsection|subsubsection|paragraph|subparagraph)\*?\s*[\[{]"
)
_LATEX_LEVELS = {
    "part": 1, "chapter": 2, "section": 3, "subsection": 4, "subsubsection": 5,
    "paragraph": 6, "subparagraph": 7,
}  # fmt: skip
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+:._<>!$%&(),/;?@\[\\\]{|}])\1{2,}[ \t]*$")


def headings(source: str, syntax: str | None) -> list[Heading]:
    """Section headings of a document, in order."""
    if syntax == "markdown":
        return _markdown_headings(source)
    if syntax == "latex":
        return _latex_headings(source)
    if syntax == "rst":
        return _rst_headings(source)
    return []


def _lines(source: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in source.split("\n"):
        lines.append((offset, line))
        offset += len(line) + 1
    return lines


def _markdown_headings(source: str) -> list[Heading]:
    found: list[Heading] = []
    lines = _lines(source)
    fence = ""
    index = 0
    if lines and lines[0][1].strip() == "---":  # YAML front matter
        index = next((i + 1 for i in range(1, len(lines)) if lines[i][1].strip() in ("---", "...")),
                     len(lines))
    previous_text = False
    while index < len(lines):
        offset, line = lines[index]
        index += 1
        opening = _FENCE.match(line)
        if opening:
            marker = opening.group(1)
            if not fence:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = ""
            previous_text = False
            continue
        if fence:
            continue
        atx = _ATX.match(line)
        if atx:
            found.append(Heading(offset, len(atx.group(1)), offset + len(line)))
            previous_text = False
            continue
        if not previous_text and _BREAK.match(line):
            found.append(Heading(offset, BREAK_LEVEL, offset + len(line)))
            continue
        setext = _SETEXT.match(line)
        if setext and previous_text:
            start = lines[index - 2][0]
            found.append(Heading(start, 1 if setext.group(1)[0] == "=" else 2, offset + len(line)))
            previous_text = False
            continue
        previous_text = bool(line.strip()) and not line.startswith(("    ", "\t"))
    return found


def _latex_headings(source: str) -> list[Heading]:
    found: list[Heading] = []
    for match in _LATEX_SECTION.finditer(source):
        line_start = source.rfind("\n", 0, match.start()) + 1
        if "%" in source[line_start : match.start()].replace("\\%", ""):
            continue  # commented out
        line_end = source.find("\n", match.start())
        end = len(source) if line_end < 0 else line_end
        found.append(Heading(match.start(), _LATEX_LEVELS[match.group(1)], end))
    return found


def _rst_headings(source: str) -> list[Heading]:
    found: list[Heading] = []
    styles: list[tuple[str, bool]] = []
    lines = _lines(source)
    index = 0
    while index < len(lines):
        offset, line = lines[index]
        under = _RST_UNDERLINE.match(line)
        title = lines[index - 1][1] if index > 0 else ""
        if (
            under and index > 0 and title.strip() and not title.startswith((" ", "\t"))
            and not _RST_UNDERLINE.match(title) and len(line.rstrip()) >= len(title.rstrip())
        ):
            over = index > 1 and lines[index - 2][1].rstrip() == line.rstrip()
            style = (under.group(1), over)
            if style not in styles:
                styles.append(style)
            start = lines[index - 2][0] if over else lines[index - 1][0]
            found.append(Heading(start, styles.index(style) + 1, offset + len(line)))
        index += 1
    return found
