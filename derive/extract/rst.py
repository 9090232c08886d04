"""Math in reStructuredText.

``.. math::`` blocks (the indented content with its common indentation removed;
option lines such as ``:label:`` skipped; an argument on the directive line is
math of its own) and ``:math:`...``` roles that state a relation with a number.
Comments ``.. derive: assume x > 0`` are directives; literal blocks and code
directives are masked.
"""

from __future__ import annotations

import re

from derive.extract.directives import FoundDirective, parse_comment
from derive.extract.latex import Region, holds_numeric_relation, label_in, mask

_MATH = re.compile(r"^(?P<indent>[ \t]*)\.\.[ \t]+math::(?P<argument>.*)$")
_CODE = re.compile(
    r"^[ \t]*\.\.[ \t]+(?:code-block|code|sourcecode|literalinclude|doctest|testcode|"
    r"testoutput|ipython|jupyter-execute|raw|highlight)::"
)
_EXPLICIT = re.compile(r"^(?P<indent>[ \t]*)\.\.(?:[ \t]+(?P<body>.*))?$")
_NOT_COMMENT = re.compile(r"(?:[\w:.+-]+::|\[[^\]]*\]|_|\|)")
_OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):(?P<value>.*)$")
_ROLE = re.compile(r":math:`(?P<math>[^`]+)`|`(?P<suffixed>[^`]+)`:math:")


def _indent(line: str) -> int:
    expanded = line.expandtabs(8)
    return len(expanded) - len(expanded.lstrip())


def scan_rst(text: str) -> tuple[list[Region], list[FoundDirective]]:
    """Regions and directives of a reStructuredText document, in document order."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    chars = list(text)
    regions: list[Region] = []
    directives: list[FoundDirective] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        math = _MATH.match(line)
        explicit = None if math else _EXPLICIT.match(line)
        if not (math or _CODE.match(line) or _starts_literal(lines, index) or (
            explicit and not _NOT_COMMENT.match(explicit.group("body") or "")
        )):
            index += 1  # a paragraph line: no body to skip (computing one is O(lines))
            continue
        body_end = _body_end(lines, index)
        if math:
            regions += _math_regions(text, lines, starts, index, body_end)
        elif explicit and not _CODE.match(line) and not _starts_literal(lines, index):
            body = explicit.group("body") or ""
            found = parse_comment(body, starts[index] + explicit.start("body")) if body else None
            if found is not None:
                directives.append(found)
        # Whatever the explicit block was, its lines are not scanned for roles.
        last = max(body_end - 1, index)
        end = starts[last] + len(lines[last])
        if _starts_literal(lines, index) and not _CODE.match(line) and not math:
            mask(chars, starts[index + 1] if index + 1 < len(lines) else end, end)
        else:
            mask(chars, starts[index], end)
        index = max(body_end, index + 1)
    masked = "".join(chars)
    for role in _ROLE.finditer(masked):
        group = "math" if role.group("math") is not None else "suffixed"
        content = role.group(group)
        if not holds_numeric_relation(content):
            continue
        begin = role.start(group)
        regions.append(
            Region(
                text=text[begin : role.end(group)],
                offsets=tuple(range(begin, role.end(group))),
                start=role.start(),
                end=role.end(),
                syntax="rst-role",
                inline=True,
            )
        )
    regions.sort(key=lambda region: region.start)
    return regions, directives


def _body_end(lines: list[str], index: int) -> int:
    """Index just past the indented body that belongs to ``lines[index]``."""
    own = _indent(lines[index])
    end = index + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > own):
        end += 1
    while end > index + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _starts_literal(lines: list[str], index: int) -> bool:
    """A paragraph line ending in ``::`` introduces a literal block."""
    line = lines[index].rstrip()
    return line.endswith("::") and not line.lstrip().startswith("..")


def _math_regions(
    text: str, lines: list[str], starts: list[int], index: int, body_end: int
) -> list[Region]:
    directive = _MATH.match(lines[index])
    assert directive is not None
    block_end = starts[body_end - 1] + len(lines[body_end - 1])
    regions: list[Region] = []
    argument = directive.group("argument")
    if argument.strip():
        begin = starts[index] + directive.start("argument")
        begin += len(argument) - len(argument.lstrip())
        stop = starts[index] + len(lines[index].rstrip())
        regions.append(_region(text, list(range(begin, stop)), starts[index], block_end, ""))
    body = index + 1
    label = ""
    while body < body_end and (option := _OPTION.match(lines[body])):
        if option.group("key") == "label":
            label = option.group("value").strip()
        body += 1
    content = [k for k in range(body, body_end) if lines[k].strip()]
    if not content:
        return regions
    common = min(_indent(lines[k]) for k in content)
    offsets: list[int] = []
    for k in range(content[0], content[-1] + 1):
        line = lines[k]
        skip = _column_offset(line, common)
        offsets += range(starts[k] + skip, starts[k] + len(line))
        if k != content[-1]:
            offsets.append(starts[k] + len(line))  # the newline
    regions.append(_region(text, offsets, starts[index], block_end, label))
    return regions


def _column_offset(line: str, indent: int) -> int:
    """How many characters of ``line`` make up ``indent`` columns of indentation."""
    width = 0
    for count, char in enumerate(line):
        if width >= indent or char not in " \t":
            return count
        width = (width // 8 + 1) * 8 if char == "\t" else width + 1
    return len(line)


def _region(text: str, offsets: list[int], start: int, end: int, label: str) -> Region:
    math = "".join(text[o] for o in offsets)
    return Region(
        text=math,
        offsets=tuple(offsets),
        start=start,
        end=end,
        syntax="rst-math",
        label=label or label_in(math),
    )
