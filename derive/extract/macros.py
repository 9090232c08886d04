"""The document's own macros: ``\\newcommand{\\sig}{\\sigma}`` is expanded in its math.

Researchers write ``\\newcommand{\\dd}[1]{\\frac{d}{d#1}}`` or
``\\DeclareMathOperator{\\softplus}{softplus}`` in the preamble (and MathJax users in a
``$$ ... $$`` block).  Expanding them is plain text substitution done here, before the
expression parser sees the math, so the parser's table of known macros stays ours.

Every character of an expansion keeps a source offset: a macro's body maps to the
invocation's backslash, an argument's characters keep their own offsets, so a mistake
inside ``\\dd{x}`` is still reported where it was written.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from derive.extract.layout import strip_layout
from derive.extract.source import Region, brace_group, is_escaped
from derive.parse.limits import EXPANSION_LIMIT_MARK, MAX_EXPANSION

#: Expansion passes (macros using macros), and characters expansion may add to one region's
#: math, before an invocation is given up (the parser reports it, located at the macro):
#: ``\\newcommand{\\a}{\\a\\a}`` must not hang or eat memory.
MAX_PASSES = 16
MAX_LENGTH = MAX_EXPANSION

_DEFINER = re.compile(
    r"\\(?:(?P<new>(?:re)?newcommand|providecommand)\*?"
    r"|(?P<operator>DeclareMathOperator)(?P<star>\*?)"
    r"|(?P<def>def))(?![A-Za-z])"
)
_NAME = re.compile(r"\s*(?:\{\s*(\\[A-Za-z]+)\s*\}|(\\[A-Za-z]+))")
_ARITY = re.compile(r"\s*\[\s*([1-9])\s*\]")
_COMMAND = re.compile(r"\\([A-Za-z]+)")


@dataclass(frozen=True)
class MacroDefinition:
    """``\\newcommand{\\name}[arity][default]{body}``; ``default`` makes ``#1`` optional."""

    name: str  # without the backslash
    arity: int
    body: str
    default: str | None = None


def _group(text: str, start: int) -> tuple[str, int] | None:
    """(content, end) of the brace group at ``start`` (after blanks, newlines too), else None."""
    found = brace_group(text, start, blanks=" \t\n")
    if found is None:
        return None
    open_brace, end = found
    return text[open_brace + 1 : end - 1], end


def _bracket(text: str, start: int) -> tuple[str, int] | None:
    """(content, end) of an optional ``[...]`` argument at ``start`` (after spaces)."""
    index = start
    while index < len(text) and text[index] in " \t":
        index += 1
    if index >= len(text) or text[index] != "[":
        return None
    close = text.find("]", index)
    return (text[index + 1 : close], close + 1) if close > 0 else None


def find_definitions(text: str) -> dict[str, MacroDefinition]:
    """Every macro the text defines (later definitions win, as in TeX); comments define none."""
    return {definition.name: definition for definition, _, _ in _definitions(_uncommented(text))}


def _uncommented(text: str) -> str:
    """``text`` with TeX comments (``%`` to the end of the line) blanked, same length."""
    chars = list(text)
    for index, char in enumerate(text):
        if char == "%" and not is_escaped(text, index):
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            chars[index:end] = " " * (end - index)
    return "".join(chars)


def _definitions(text: str) -> list[tuple[MacroDefinition, int, int]]:
    """Each definition with the span of text that states it."""
    found = []
    for match in _DEFINER.finditer(text):
        if is_escaped(text, match.start()):
            continue
        read = _read_definition(text, match)
        if read is not None:
            found.append((read[0], match.start(), read[1]))
    return found


def _read_definition(text: str, match: re.Match[str]) -> tuple[MacroDefinition, int] | None:
    name_match = _NAME.match(text, match.end())
    if name_match is None:
        return None
    name = (name_match.group(1) or name_match.group(2))[1:]
    position = name_match.end()
    if match.group("def"):
        body = _group(text, position)  # \def\name{body}; parameter texts (#1) are not read
        return (MacroDefinition(name, 0, body[0]), body[1]) if body else None
    if match.group("operator"):
        body = _group(text, position)
        if body is None:
            return None
        word = body[0].strip()
        if not re.fullmatch(r"[A-Za-z]+", word):
            return None
        return MacroDefinition(name, 0, f"\\operatorname{{{word}}}"), body[1]
    arity, default = 0, None
    if (count := _ARITY.match(text, position)) is not None:
        arity, position = int(count.group(1)), count.end()
        if (optional := _bracket(text, position)) is not None:
            default, position = optional
    body = _group(text, position)
    return (MacroDefinition(name, arity, body[0], default), body[1]) if body else None


def without_definitions(text: str) -> str:
    """``text`` with every macro definition blanked (same length): it is not math to check."""
    chars = list(text)
    for _, start, end in _definitions(text):
        for index in range(start, end):
            if chars[index] != "\n":
                chars[index] = " "
    return "".join(chars)


# ---------------------------------------------------------------------------
# Expansion
# ---------------------------------------------------------------------------

Chars = list[tuple[str, int]]


class _Budget:
    """How many characters expansion may still add to one region's math.

    Checked before each invocation is substituted, never after a pass: one pass of 2,000
    uses of a 19 KB macro would build 38 MB first (2.7 GB of offset tuples were measured).
    """

    def __init__(self, characters: int) -> None:
        self.left = characters

    def take(self, characters: int) -> bool:
        if self.left < 0 or characters > self.left:
            self.left = -1  # spent: no later invocation of the region is expanded either
            return False
        self.left -= characters
        return True


def _argument(chars: Chars, start: int) -> tuple[Chars, int] | None:
    """One mandatory argument: a brace group's content, a control word, or one character."""
    index = start
    while index < len(chars) and chars[index][0] in " \t\n":
        index += 1
    if index >= len(chars):
        return None
    char = chars[index][0]
    if char == "{":
        depth = 0
        # a brace group is looked for as far as the expansion could reach: an unclosed
        # ``{`` after each of thousands of invocations must not rescan the whole region
        for position in range(index, min(len(chars), index + MAX_LENGTH)):
            if chars[position][0] == "{":
                depth += 1
            elif chars[position][0] == "}":
                depth -= 1
                if depth == 0:
                    return chars[index + 1 : position], position + 1
        return None
    if char == "\\":
        end = index + 1
        while end < len(chars) and chars[end][0].isalpha():
            end += 1
        end = max(end, index + 2)
        return chars[index:end], end
    if char in "}^_&":
        return None
    return chars[index : index + 1], index + 1


def _optional(chars: Chars, start: int) -> tuple[Chars, int] | None:
    index = start
    while index < len(chars) and chars[index][0] in " \t":
        index += 1
    if index >= len(chars) or chars[index][0] != "[":
        return None
    for position in range(index + 1, min(len(chars), index + MAX_LENGTH)):
        if chars[position][0] == "]":
            return chars[index + 1 : position], position + 1
    return None


def _substitute(definition: MacroDefinition, arguments: list[Chars], at: int) -> Chars:
    """The body with ``#n`` replaced; body characters map to the invocation at ``at``."""
    out: Chars = []
    body = definition.body
    index = 0
    while index < len(body):
        char = body[index]
        if char == "#" and index + 1 < len(body) and body[index + 1].isdigit():
            number = int(body[index + 1])
            if 1 <= number <= len(arguments):
                out.extend(arguments[number - 1])
            index += 2
            continue
        out.append((char, at))
        index += 1
    return out


def _substituted_length(definition: MacroDefinition, arguments: list[Chars]) -> int:
    """``len(_substitute(...))`` without building it (a body of ``#1#1...`` multiplies)."""
    literal, uses = _body_shape(definition.body)
    return literal + sum(
        len(arguments[number - 1]) * count for number, count in uses
        if 1 <= number <= len(arguments)
    )


@functools.lru_cache(maxsize=256)
def _body_shape(body: str) -> tuple[int, tuple[tuple[int, int], ...]]:
    """(characters of the body outside ``#n``, how often each ``#n`` occurs)."""
    uses: dict[int, int] = {}
    literal = index = 0
    while index < len(body):
        if body[index] == "#" and index + 1 < len(body) and body[index + 1].isdigit():
            number = int(body[index + 1])
            uses[number] = uses.get(number, 0) + 1
            index += 2
            continue
        literal += 1
        index += 1
    return literal, tuple(sorted(uses.items()))


def _mark(at: int) -> Chars:
    """The mark the parser reports as an expansion beyond the limit."""
    return [(char, at) for char in EXPANSION_LIMIT_MARK]


def _expand_once(chars: Chars, definitions: dict[str, MacroDefinition], budget: _Budget
                 ) -> tuple[Chars, bool]:
    """One pass: every invocation expanded while the budget lasts, then marked."""
    text = "".join(char for char, _ in chars)
    out: Chars = []
    changed = False
    position = 0
    for match in _COMMAND.finditer(text):
        definition = definitions.get(match.group(1))
        if definition is None or match.start() < position or is_escaped(text, match.start()):
            continue
        at = chars[match.start()][1]
        arguments: list[Chars] = []
        end = match.end()
        needed = definition.arity
        if definition.default is not None:
            optional = _optional(chars, end)
            if optional is None:
                arguments.append([(c, at) for c in definition.default])
            else:
                arguments.append(optional[0])
                end = optional[1]
            needed -= 1
        complete = True
        for _ in range(needed):
            argument = _argument(chars, end)
            if argument is None:
                complete = False
                break
            arguments.append(argument[0])
            end = argument[1]
        if not complete:
            continue  # left as written: the parser reports the macro with its location
        out.extend(chars[position : match.start()])
        position = end
        changed = True
        growth = _substituted_length(definition, arguments) - (end - match.start())
        if not budget.take(max(growth, 0)):
            out.extend(_mark(at))
            continue
        expansion = _substitute(definition, arguments, at)
        out.extend(expansion)
        if expansion and end < len(chars) and chars[end][0].isalpha() \
                and re.search(r"\\[A-Za-z]+$", "".join(c for c, _ in expansion[-64:])):
            out.append((" ", at))  # \sig x must not become \sigmax
    out.extend(chars[position:])
    return out, changed


def expand(text: str, offsets: tuple[int, ...], definitions: dict[str, MacroDefinition]
           ) -> tuple[str, tuple[int, ...]]:
    """``text`` with the document's macros expanded, and the source offset of each character."""
    if not definitions or "\\" not in text:
        return text, offsets
    chars = _expand_chars(list(zip(text, offsets, strict=True)), definitions)
    return "".join(c for c, _ in chars), tuple(offset for _, offset in chars)


def _expand_chars(chars: Chars, definitions: dict[str, MacroDefinition]) -> Chars:
    """Expand in passes (macros that use macros) until nothing changes.  Expansion may add
    at most ``MAX_LENGTH`` characters to the region; an invocation beyond that, or still
    there after ``MAX_PASSES`` (a macro that calls itself), becomes the limit mark."""
    budget = _Budget(MAX_LENGTH)
    for _ in range(MAX_PASSES):
        chars, changed = _expand_once(chars, definitions, budget)
        if not changed:
            return chars
    return _expand_once(chars, definitions, _Budget(-1))[0]


def expand_regions(regions: list[Region], definitions: dict[str, MacroDefinition]
                   ) -> list[Region]:
    """The regions with macros expanded (``definitions``: the project's and the document's)
    and layout macros resolved (:mod:`derive.extract.layout`) in their math."""
    result = []
    for region in regions:
        if "\\" not in region.text:
            result.append(region)
            continue
        text = without_definitions(region.text) if definitions else region.text
        chars: Chars = list(zip(text, region.offsets, strict=True))
        if definitions:
            chars = _expand_chars(chars, definitions)
        chars = strip_layout(chars)
        text = "".join(c for c, _ in chars)
        offsets = tuple(offset for _, offset in chars)
        if text == region.text:
            result.append(region)
            continue
        # every expanded character maps to a source offset of the region: keep the text as
        # written and where each character came from, so findings can show it
        index_of = {offset: index for index, offset in enumerate(region.offsets)}
        written_index = tuple(index_of[offset] for offset in offsets)
        result.append(replace(region, text=text, offsets=offsets, written=region.text,
                              written_index=written_index))
    return result
