"""Math in Markdown and MyST.

Display math: ``$$..$$`` (with MyST's ``$$ .. $$ (label)``), ``\\[..\\]``, bare
``\\begin{align}`` and friends, ```` ```math ```` fences and MyST ```` ```{math} ````
directives.  Inline ``$..$`` only when it states a relation with a number.
Code (fenced, indented, inline spans) and HTML comments are masked first;
``<!-- derive: ... -->`` comments are directives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from derive.extract.directives import FoundDirective, parse_comment
from derive.extract.latex import (
    MARKDOWN_ENVIRONMENTS,
    Region,
    find_unescaped,
    holds_numeric_relation,
    mask,
    scan_math,
    span_region,
)

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})[ \t]*(?P<info>[^\n]*)$")
_OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>[^\n]*)$")
_YAML_LABEL = re.compile(r"^[ \t]*label[ \t]*:[ \t]*(?P<value>[^\n]*)$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])(?:[ \t]|$)")
#: Python-Markdown/MkDocs admonitions and details (``!!! note``, ``???+ tip``): their body is
#: indented by four spaces and is Markdown, not code.
_ADMONITION = re.compile(r"^[ \t]*(?:!!!|\?\?\?\+?)[ \t]*[\w-]+")
_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
_MYST_COMMENT = re.compile(r"^[ \t]*%(?P<body>[ \t]*derive[ \t]*:[^\n]*)$", re.MULTILINE)
_BACKTICKS = re.compile(r"`+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class _Line:
    start: int  # offset of the first character
    end: int  # offset of the newline (or end of text)
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def indent(self) -> int:
        return len(self.text.expandtabs(4)) - len(self.text.expandtabs(4).lstrip())


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    start = 0
    for piece in text.split("\n"):
        lines.append(_Line(start, start + len(piece), piece))
        start += len(piece) + 1
    return lines


def scan_markdown(text: str) -> tuple[list[Region], list[FoundDirective]]:
    """Regions and directives of a Markdown/MyST document, in document order."""
    chars = list(text)
    regions = _mask_blocks(text, chars)
    directives: list[FoundDirective] = []
    # Code spans first: a directive quoted in `code` documents a directive, it is not one.
    _mask_code_spans("".join(chars), chars)
    masked = "".join(chars)
    for match in _COMMENT.finditer(masked):
        found = parse_comment(match.group(1), match.start(1))
        if found is not None:
            directives.append(found)
        mask(chars, match.start(), match.end())
    masked = "".join(chars)
    for match in _MYST_COMMENT.finditer(masked):
        found = parse_comment(match.group("body"), match.start("body"))
        if found is not None:
            directives.append(found)
        mask(chars, match.start(), match.end())
    masked = "".join(chars)
    math = scan_math(masked, prefix="markdown", environments=MARKDOWN_ENVIRONMENTS,
                     markdown=True)  # fmt: skip
    regions += [inline for region in math if (inline := _kramdown_inline(masked, region))]
    regions.sort(key=lambda region: region.start)
    directives.sort(key=lambda directive: directive.offset)
    return regions, directives


_LINE_LEAD = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?$")


def _kramdown_inline(masked: str, region: Region) -> Region | None:
    """Kramdown (Jekyll) writes inline math as ``$$..$$`` inside a paragraph: a ``$$``
    with prose before it on its line, or after it, is inline math (kept only when it
    states a relation with a number, like ``$..$``)."""
    if region.syntax != "markdown-dollars" or region.label:
        return region
    line_start = masked.rfind("\n", 0, region.start) + 1
    line_end = masked.find("\n", region.end)
    before = masked[line_start : region.start]
    after = masked[region.end : len(masked) if line_end < 0 else line_end]
    if _LINE_LEAD.match(before) and not after.strip(" \t.,;:!?"):
        return region
    if not holds_numeric_relation(region.text):
        return None
    return replace(region, syntax="markdown-inline", inline=True)


def _mask_blocks(text: str, chars: list[str]) -> list[Region]:
    """Mask fenced and indented code; return the math fences as regions."""
    lines = _lines(text)
    regions: list[Region] = []
    index = 0
    last_content: _Line | None = None  # last non-blank line outside code
    in_indented_code = False
    open_dollars = False  # inside a $$ block: indentation there is not code
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line.text)
        if fence and not open_dollars:
            marker = fence.group("fence")
            info = fence.group("info").strip()
            word = info.split()[0].lower() if info else ""
            if marker[0] == ":" and word != "{math}":
                index += 1  # a MyST colon fence of another directive: its content is Markdown
                continue
            if marker[0] == "`" and "`" in info:
                index += 1  # not a fence: an inline code span at line start
                continue
            close = index + 1
            closer = re.compile(
                r"^[ \t]*" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}[ \t]*$"
            )
            while close < len(lines) and not closer.match(lines[close].text):
                close += 1
            if word in ("math", "{math}"):
                region = _fence_region(text, lines, index, close, myst=word == "{math}")
                if region is not None:
                    regions.append(region)
            last_line = lines[min(close, len(lines) - 1)]
            mask(chars, line.start, last_line.end)
            index = close + 1
            last_content = None
            in_indented_code = False
            continue
        if line.blank:
            index += 1
            continue
        starts_code = (
            line.indent >= 4
            and not open_dollars
            and index > 0
            and (
                in_indented_code
                or (
                    lines[index - 1].blank
                    and (
                        last_content is None
                        or (last_content.indent < 2 and not _LIST_ITEM.match(last_content.text)
                            and not _ADMONITION.match(last_content.text))
                    )
                )
            )
        )
        if starts_code:
            mask(chars, line.start, line.end)
            in_indented_code = True
        else:
            in_indented_code = False
            last_content = line
            if _count_display_dollars(line.text) % 2 == 1:
                open_dollars = not open_dollars
        index += 1
    return regions


def _count_display_dollars(line: str) -> int:
    count = 0
    position = find_unescaped(line, "$$", 0)
    while position >= 0:
        count += 1
        position = find_unescaped(line, "$$", position + 2)
    return count


def _fence_region(
    text: str, lines: list[_Line], opener: int, closer: int, *, myst: bool
) -> Region | None:
    """The math inside a ```` ```math ```` fence or a MyST ```` ```{math} ```` directive."""
    first = opener + 1
    label = ""
    if myst:
        if first < closer and lines[first].text.strip() == "---":
            end_yaml = first + 1
            while end_yaml < closer and lines[end_yaml].text.strip() != "---":
                if yaml := _YAML_LABEL.match(lines[end_yaml].text):
                    label = yaml.group("value").strip()
                end_yaml += 1
            first = end_yaml + 1
        while first < closer and (option := _OPTION.match(lines[first].text)):
            if option.group("key") == "label":
                label = option.group("value").strip()
            first += 1
    while first < closer and lines[first].blank:
        first += 1
    if first >= closer or first >= len(lines):
        return None
    last = min(closer, len(lines)) - 1
    stop = lines[closer].end if closer < len(lines) else len(text)
    return span_region(
        text,
        lines[first].start,
        lines[last].end,
        start=lines[opener].start,
        stop=stop,
        syntax="myst-directive" if myst else "markdown-fence",
        label=label,
    )


def _mask_code_spans(masked: str, chars: list[str]) -> None:
    """Mask inline code spans: a backtick run up to the next run of the same length."""
    position = 0
    while (opening := _BACKTICKS.search(masked, position)) is not None:
        ticks = opening.group(0)
        paragraph = _PARAGRAPH_BREAK.search(masked, opening.end())
        limit = paragraph.start() if paragraph else len(masked)
        closing = re.compile(r"(?<!`)" + ticks + r"(?!`)").search(masked, opening.end(), limit)
        if closing is None:
            position = opening.end()
            continue
        mask(chars, opening.start(), closing.end())
        position = closing.end()
