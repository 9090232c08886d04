"""Layout macros: keep what they show, drop how they decorate it.

``\\underbrace{(a+b)^2}_{\\text{square}}`` is the math ``(a+b)^2`` with a note under it;
``\\boxed{x}``, ``\\textcolor{red}{x}`` and ``\\overbrace{x}^{n}`` likewise show ``x``.
Switches and fillers (``\\color{red}``, ``\\numberthis``, ``\\mathstrut``,
``\\addtocounter{equation}{1}``) and invisible material (``\\phantom{+y}``) show no math at
all.  This pass runs on the text with its source offsets, after macro expansion, so what
is kept still maps to where it was written.

A kept body becomes a brace group ``{body}``, which the parser reads as one operand.  That is
the reading the decoration draws (the brace spans the body), but it is a doubt when the body
is a sum next to a product (``2\\underbrace{a+b}_{c}``: ``2(a+b)`` or ``2a+b``?): then the
macro is left as written and the parser reports it, rather than choose for the author.

``\\tag`` and ``\\label`` are not touched: rows read them as a label and a reason.
"""

from __future__ import annotations

import re

from derive.extract.source import brace_group, is_escaped

Chars = list[tuple[str, int]]

#: Macros whose last brace argument is shown, and how many arguments come before it.
KEEP_LAST_ARGUMENT: dict[str, int] = {"underbrace": 0, "overbrace": 0, "boxed": 0,
                                      "textcolor": 1}
#: Which script carries the decoration's note (dropped with it).
NOTE_SCRIPT: dict[str, str] = {"underbrace": "_", "overbrace": "^"}
#: Macros dropped with their brace arguments (number of arguments).
DROPPED: dict[str, int] = {
    "color": 1, "phantom": 1, "hphantom": 1, "vphantom": 1, "addtocounter": 2,
    "setcounter": 2, "numberthis": 0, "mathstrut": 0, "strut": 0, "displaystyle": 0,
    "nonumber": 0, "notag": 0,
}
_COMMAND = re.compile(r"\\([A-Za-z]+)")
#: A neighbour that binds no tighter than + (so a sum body reads the same either way); not a
#: minus before it: ``-\\underbrace{a+b}_{c}`` is ``-(a+b)`` or ``-a+b``.
_LOOSE_BEFORE = tuple("=+([{&,<>|")
_LOOSE_AFTER = tuple("=+-)]}&,<>|")
_LOOSE_WORDS = frozenset({
    "right", "left", "end", "begin", "quad", "qquad", "approx", "le", "leq", "ge", "geq", "ne",
    "neq", "tag", "label", "text", "equiv", "to", "implies", "iff", "Rightarrow",
})


def strip_layout(chars: Chars) -> Chars:
    """``chars`` (text with source offsets) with layout macros resolved; bounded by its
    length (each pass removes at least one macro)."""
    for _ in range(len(chars)):
        changed = _strip_once(chars)
        if changed is None:
            return chars
        chars = changed
    return chars


def _strip_once(chars: Chars) -> Chars | None:
    """One macro resolved (the first that can be), or None when none can."""
    text = "".join(char for char, _ in chars)
    for match in _COMMAND.finditer(text):
        name = match.group(1)
        if is_escaped(text, match.start()):
            continue
        if name in DROPPED:
            end = _skip_groups(text, match.end(), DROPPED[name])
            if end is not None:
                return chars[: match.start()] + chars[end:]
        elif name in KEEP_LAST_ARGUMENT:
            kept = _keep_body(chars, text, match.start(), match.end(), name)
            if kept is not None:
                return kept
    return None


def _keep_body(chars: Chars, text: str, start: int, after_name: int, name: str) -> Chars | None:
    position = _skip_groups(text, after_name, KEEP_LAST_ARGUMENT[name])
    if position is None:
        return None
    body = _group(text, position)
    if body is None:
        return None
    open_brace, end = body
    script = NOTE_SCRIPT.get(name)
    if script is not None:
        probe = _skip_blanks(text, end)
        if probe < len(text) and text[probe] == script:
            note_end = _script_end(text, probe + 1)
            if note_end is None:
                return None
            end = note_end
    if _is_sum(text[open_brace + 1 : body[1] - 1]) and not (
        _loose_before(text, start) and _loose_after(text, end)
    ):
        return None  # 2\underbrace{a+b}_{c}: 2(a+b) or 2a+b? the parser reports the macro
    # the group's "{" maps to the macro's backslash, so the side as written shows the macro
    return chars[:start] + [("{", chars[start][1])] + chars[open_brace + 1 : body[1]] + chars[end:]


def _skip_blanks(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\n":
        index += 1
    return index


def _group(text: str, index: int) -> tuple[int, int] | None:
    """(offset of ``{``, offset past its ``}``) of the brace group at ``index`` (after blanks)."""
    return brace_group(text, index, blanks=" \t\n")


def _skip_groups(text: str, index: int, count: int) -> int | None:
    for _ in range(count):
        group = _group(text, index)
        if group is None:
            return None
        index = group[1]
    return index


def _script_end(text: str, index: int) -> int | None:
    """End of a script argument: a brace group, a control word (with its groups), a char."""
    index = _skip_blanks(text, index)
    if index >= len(text):
        return None
    if text[index] == "{":
        group = _group(text, index)
        return group[1] if group else None
    if text[index] == "\\":
        word = _COMMAND.match(text, index)
        if word is None:
            return index + 2
        end = word.end()
        while (group := _group(text, end)) is not None and text[end] == "{":
            end = group[1]
        return end
    return index + 1


def _is_sum(body: str) -> bool:
    """A + or - between operands at the body's top level (not a leading sign)."""
    depth = 0
    seen_operand = False
    for index, char in enumerate(body):
        if char in "{([" and not is_escaped(body, index):
            depth += 1
        elif char in "})]" and not is_escaped(body, index):
            depth -= 1
        elif depth == 0 and char in "+-" and seen_operand:
            return True
        if not char.isspace():
            seen_operand = True
    return False


def _loose_before(text: str, start: int) -> bool:
    index = start - 1
    while index >= 0 and text[index] in " \t\n":
        index -= 1
    if index < 0 or text[index] in _LOOSE_BEFORE:
        return True
    if text.endswith("\\\\", 0, index + 1):
        return True
    word = re.search(r"\\([A-Za-z]+)$", text[: index + 1])
    return word is not None and word.group(1) in _LOOSE_WORDS


def _loose_after(text: str, end: int) -> bool:
    index = _skip_blanks(text, end)
    if index >= len(text) or text[index] in _LOOSE_AFTER or text.startswith("\\\\", index):
        return True
    word = _COMMAND.match(text, index)
    return word is not None and word.group(1) in _LOOSE_WORDS
