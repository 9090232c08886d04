"""Blank what only lays out a block (wrappers, cosmetics, labels) and cut it into rows."""

from __future__ import annotations

import re

from derive.check.tokens import brace_group_end, tokenize
from derive.check.vocabulary import ARGUMENT_ENVIRONMENTS, COSMETIC, LAYOUT_ENVIRONMENTS
from derive.check.working_copy import WorkingCopy

_SPACING_ARGUMENT = re.compile(r"\s*\[\s*-?[\d.]+\s*(?:em|ex|pt|mm|cm|in|mu|bp|pc|sp)\s*\]")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def blank_decorations(work: WorkingCopy) -> list[tuple[int, str, str]]:
    """Blank wrappers and cosmetics; return (offset, label, tag) of labels and tags."""
    labels: list[tuple[int, str, str]] = []
    text = work.text()
    open_environments: list[bool] = []  # per open \\begin: is it blanked?
    for token in tokenize(text):
        if token.kind != "word":
            continue
        if token.name in ("begin", "end"):
            opening = text.find("{", token.start, token.end)
            if opening < 0:
                continue  # \begin without an environment name: the parser reports it
            name = text[opening + 1 : token.end - 1].strip()
            if token.name == "begin":
                # an array directly in the block (or in a layout environment) lays out
                # rows; one inside \\left( ... \\right) is a matrix.
                layout = name in LAYOUT_ENVIRONMENTS or (
                    name == "array" and token.depth == sum(open_environments)
                )
                open_environments.append(layout)
            else:
                layout = open_environments.pop() if open_environments else False
            if layout:
                end = token.end
                if token.name == "begin" and name in ARGUMENT_ENVIRONMENTS:
                    end = brace_group_end(text, end) or end
                work.blank(token.start, end)
        elif token.name in COSMETIC:
            work.blank(token.start, token.end)
        elif token.name in ("label", "tag"):
            end = token.end
            starred = text.startswith("*", end)
            group_end = brace_group_end(text, end + 1 if starred else end)
            if group_end is None:
                continue
            content = text[text.index("{", end) + 1 : group_end - 1].strip()
            if token.name == "label":
                labels.append((token.start, content, ""))
            else:
                labels.append((token.start, "", content))
            work.blank(token.start, group_end)
    return labels


def row_spans(work: WorkingCopy) -> list[tuple[int, int]]:
    """Split on ``\\\\`` (and Kramdown's doubled form) and blank lines at brace depth 0."""
    text = work.text()
    tokens = tokenize(text)
    breaks: list[tuple[int, int]] = []
    for token in tokens:
        if token.braces != 0:
            continue
        if (token.kind, token.name) in (("symbol", "\\\\"), ("word", "cr")):
            end = token.end
            spacing = _SPACING_ARGUMENT.match(text, end)
            if spacing:
                end = spacing.end()
            breaks.append((token.start, end))
        elif token.kind == "word" and token.name in ("intertext", "shortintertext"):
            # amsmath prose between rows ("and therefore"): it also ends the row before it
            breaks.append((token.start, brace_group_end(text, token.end) or token.end))
    depth_at = {token.start: token.braces for token in tokens}
    for blank in _BLANK_LINE.finditer(text):
        if _depth_before(depth_at, blank.start()) == 0:
            breaks.append((blank.start(), blank.end()))
    breaks.sort()
    spans: list[tuple[int, int]] = []
    position = 0
    for start, end in breaks:
        if start < position:
            continue
        work.blank(start, end)
        spans.append((position, start))
        position = end
    spans.append((position, len(text)))
    return [(s, e) for s, e in spans if work.slice(s, e).strip()]


def _depth_before(depth_at: dict[int, int], offset: int) -> int:
    for probe in range(offset, -1, -1):
        if probe in depth_at:
            return depth_at[probe]
    return 0
