"""Tokenise TeX math, tracking how deeply each token is grouped.

Rows break only at brace depth 0 and relations count only at grouping depth 0,
so every token carries both depths as they stand just before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from derive.check.vocabulary import RELATION_WORDS

_WORD = re.compile(r"\\([A-Za-z]+)")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    kind: str  # "word" (\name), "symbol" (\x), "char", "relation" (\stackrel{..}{=})
    name: str  # word name without backslash, the character(s), or the relation's op
    depth: int  # grouping depth before the token: braces, brackets, parens, \left, envs
    braces: int  # brace and environment depth only (rows break at 0)


def tokenize(text: str, start: int = 0, stop: int | None = None) -> list[Token]:
    """Tokenise ``text[start:stop]`` of TeX math, tracking grouping depth (never below 0)."""
    tokens: list[Token] = []
    depth = braces = 0
    index = start
    length = len(text) if stop is None else stop
    while index < length:
        char = text[index]
        if char == "\\" and index + 1 < length:
            word = _WORD.match(text, index)
            if word:
                name = word.group(1)
                end = word.end()
                token = Token(index, end, "word", name, depth, braces)
                if name in ("left", "bigl", "Bigl", "biggl", "Biggl"):
                    depth += 1
                    end = _skip_delimiter(text, end)
                elif name in ("right", "bigr", "Bigr", "biggr", "Biggr"):
                    depth = max(depth - 1, 0)
                    end = _skip_delimiter(text, end)
                elif name in ("begin", "end"):
                    environment_end = brace_group_end(text, end)
                    if environment_end is not None:
                        end = environment_end
                    step = 1 if name == "begin" else -1
                    depth = max(depth + step, 0)
                    braces = max(braces + step, 0)
                elif name in ("stackrel", "overset", "underset"):
                    stacked = _stacked_relation(text, end)
                    if stacked is not None:
                        op, end = stacked
                        tokens.append(Token(index, end, "relation", op, depth, braces))
                        index = end
                        continue
                elif name == "langle":
                    depth += 1
                elif name == "rangle":
                    depth = max(depth - 1, 0)
                tokens.append(replace(token, end=end))
                index = end
                continue
            symbol = text[index : index + 2]
            tokens.append(Token(index, index + 2, "symbol", symbol, depth, braces))
            if symbol == "\\{":
                depth += 1
            elif symbol == "\\}":
                depth = max(depth - 1, 0)
            index += 2
            continue
        tokens.append(Token(index, index + 1, "char", char, depth, braces))
        if char in "([{":
            depth += 1
            if char == "{":
                braces += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
            if char == "}":
                braces = max(braces - 1, 0)
        index += 1
    return tokens


def _stacked_relation(text: str, index: int) -> tuple[str, int] | None:
    """``\\stackrel{?}{=}``, ``\\overset{\\text{def}}{=}``: (op, end) if the base is a relation."""
    first = brace_group_end(text, index)
    second = brace_group_end(text, first) if first is not None else None
    if first is None or second is None:
        return None
    base = text[text.index("{", first) + 1 : second - 1].strip()
    if base in ("=", "<", ">"):
        return base, second
    word = _WORD.fullmatch(base)
    if word and word.group(1) in RELATION_WORDS:
        return RELATION_WORDS[word.group(1)], second
    return None


def _skip_delimiter(text: str, index: int) -> int:
    """Past the delimiter after \\left or \\right: a character or a control word."""
    while index < len(text) and text[index] in " \t\n":
        index += 1
    if index >= len(text):
        return index
    if text[index] == "\\":
        word = _WORD.match(text, index)
        return word.end() if word else index + 2
    return index + 1


def brace_group_end(text: str, index: int) -> int | None:
    """Offset just past the brace group starting at ``index`` (spaces allowed before)."""
    while index < len(text) and text[index] in " \t":
        index += 1
    if index >= len(text) or text[index] != "{":
        return None
    depth = 0
    position = index
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    return None


def text_content(text: str, token: Token) -> tuple[str, int] | None:
    """(content, end) of ``\\text{...}`` starting at ``token``."""
    end = brace_group_end(text, token.end)
    if end is None:
        return None
    opening = text.index("{", token.end)
    return text[opening + 1 : end - 1], end
