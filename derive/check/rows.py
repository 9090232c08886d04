r"""Split a math block into rows (statements) and relations.

``a &= b \\ &= c && \text{reason}`` becomes rows whose sides are *pieces*:
contiguous slices of ``MathBlock.text`` with their offset, so every side maps
back to file:line:col through ``MathBlock.location_of``.

Everything that is not part of a side (environment wrappers, ``\label``,
``\nonumber``, alignment ``&``, row breaks, reasons, where-clauses) is blanked
with spaces in a working copy of the text rather than deleted, so offsets in
the copy equal offsets in the block.  Piece texts come from that copy.

Location convention: a piece's offset is that of its first non-blank
character; a row that continues the previous chain has an empty ``lhs`` whose
offset is the relation's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from derive.model import MathBlock
from derive.parse import macros


@dataclass(frozen=True)
class Piece:
    """A slice of ``MathBlock.text`` (blanked parts read as spaces)."""

    text: str
    offset: int  # offset of text[0] in block.text (use block.location_of(offset))


@dataclass(frozen=True)
class Relation:
    op: str  # "=", "\\approx"; other relations kept as written ("\\le", "<", "\\to" ...)
    rhs: Piece


@dataclass(frozen=True)
class Row:
    """One statement: ``lhs op1 rhs1 op2 rhs2 ...``."""

    lhs: Piece  # empty text when the row continues the previous row's chain
    relations: tuple[Relation, ...]
    reason: str  # the author's reason: after &&, \quad\text{...}, \tag{...}, \because
    label: str  # \label{...} or \tag{...}
    where: tuple[tuple[Piece, Piece], ...]  # "\quad u = 1+e^{-x}", "&& \text{by } u = 1" -> (u, 1)
    continues: bool  # lhs was empty: the chain goes on from the previous row's last rhs


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

#: Environments that only lay out rows: their \begin/\end are blanked.
LAYOUT_ENVIRONMENTS = frozenset(
    {
        "aligned", "align", "align*", "alignat", "alignat*", "alignedat", "gather", "gather*",
        "gathered", "equation", "equation*", "split", "multline", "multline*", "eqnarray",
        "eqnarray*", "flalign", "flalign*", "displaymath",
    }
)  # fmt: skip
_ARGUMENT_ENVIRONMENTS = frozenset({"alignat", "alignat*", "alignedat", "array"})

#: Commands that only change looks; blanked wherever they stand.
_COSMETIC = frozenset(
    {
        "nonumber", "notag", "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle",
        "Large", "large", "LARGE", "huge", "Huge", "small", "normalsize", "footnotesize",
        "medskip", "bigskip", "smallskip", "allowdisplaybreaks", "newline",
    }
)  # fmt: skip

_RELATION_WORDS: dict[str, str] = {
    "approx": "\\approx", "thickapprox": "\\approx", "approxeq": "\\approx",
    "equiv": "=", "doteq": "=", "coloneqq": "=", "triangleq": "=", "eqqcolon": "=",
    "ne": "\\ne", "neq": "\\ne",
    "le": "\\le", "leq": "\\leq", "leqslant": "\\leqslant", "ge": "\\ge", "geq": "\\geq",
    "geqslant": "\\geqslant", "lt": "<", "gt": ">", "ll": "\\ll", "gg": "\\gg",
    "propto": "\\propto", "sim": "\\sim", "simeq": "\\simeq", "cong": "\\cong",
}  # fmt: skip
#: Arrows: a separator between statements, or a relation ("\sigma(x) \to 1").
_ARROWS = frozenset({"to", "rightarrow", "longrightarrow"})
#: Always separate two statements.
_STRONG_SEPARATORS = frozenset(
    {"Rightarrow", "Longrightarrow", "implies", "iff", "Leftrightarrow", "Longleftrightarrow",
     "therefore", "impliedby", "Leftarrow"}
)  # fmt: skip
_SPACING = frozenset({"quad", "qquad", "hspace", "hskip"})
_TEXT_MACROS = frozenset({"text", "textrm", "textit", "textbf", "textsf", "mbox", "hbox", "mathrm"})
_CONNECTORS = frozenset(
    {"or", "and", "or equivalently", "equivalently", "i.e.", "ie", "i.e.,", "hence", "thus", "so",
     "therefore", "then", "which gives", "giving", "gives", "or, equivalently", "that is"}
)  # fmt: skip
_WHERE_WORDS = frozenset({"where", "with", "let", "letting", "setting", "here", "whereby"})
#: Words after which ``x = 0`` in a reason states a condition or a fact, not a definition.
_CONDITION_WORDS = frozenset(
    {"for", "if", "when", "whenever", "provided", "assuming", "near", "unless", "at", "as",
     "since", "because", "given", "evaluated", "evaluating", "on", "iff"}
)  # fmt: skip
_REASON_WORDS = frozenset(
    {"by", "since", "because", "using", "use", "from", "via", "as", "apply", "applying",
     "chain", "product", "quotient", "power", "definition", "def", "def.", "substitute",
     "substituting", "multiply", "multiplying", "divide", "dividing", "add", "adding",
     "subtract", "subtracting", "factor", "factoring", "simplify", "simplifying", "rearrange",
     "rearranging", "expand", "expanding", "cancel", "cancelling", "note", "see", "recall",
     "l'hôpital", "l'hopital", "rule",
     # conditions: "\quad\text{for } x > 0" qualifies the claim, it is not math to parse
     "for", "if", "when", "whenever", "provided", "assuming", "near", "unless"}
)  # fmt: skip

_WORD = re.compile(r"\\([A-Za-z]+)")
_SPACING_ARGUMENT = re.compile(r"\s*\[\s*-?[\d.]+\s*(?:em|ex|pt|mm|cm|in|mu|bp|pc|sp)\s*\]")
#: A where-clause's left side: ``u``, ``v_1``, ``\\theta_{t}``, ``g(x)``, ``g(x, y)``.
_WHERE_NAME = re.compile(
    r"^\s*(?P<base>[A-Za-z]|\\[A-Za-z]+)(?:\s*_\s*(?:\{[\w\\ ]+\}|\w))?"
    r"(?:\s*\((?P<args>[^()]*)\))?\s*$"
)
_ARGUMENT_NAME = re.compile(r"^\s*(?:[A-Za-z]|\\[A-Za-z]+)(?:\s*_\s*(?:\{\w+\}|\w))?\s*$")
_LEADING_SPACING = re.compile(r"\\(?:[,;:!> ]|q?quad(?![A-Za-z]))")
_WHERE_TEXT = re.compile(
    r"(?:\s|\\q?quad(?![A-Za-z])|\\[,;: ]|~)*\\(?:text|textrm|mbox)\s*\{[\s,~]*(?:"
    + "|".join(sorted(_WHERE_WORDS))
    + r")\b"
)
_SPACED_CONDITION = re.compile(
    r",?\s*(?:\\q?quad(?![A-Za-z])|\\hspace\*?\{[^{}]*\})\s*(\([^()]*\))[\s.,;]*$"
)
_SPAN_HEAD = re.compile(r"(?:\s|~|[,;:]|\\(?:q?quad(?![A-Za-z])|[,;:! ]))+")
_SPAN_TAIL = re.compile(r"(?:\s|~|(?<!\\)[,;:]|\\(?:q?quad|[,;:! ]))+$")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


# ---------------------------------------------------------------------------
# Tokens with depth
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    kind: str  # "word" (\name), "symbol" (\x), "char"
    name: str  # word name without backslash, or the character(s)
    depth: int  # grouping depth before the token: braces, brackets, parens, \left, envs
    braces: int  # brace and environment depth only (rows break at 0)


def _tokens(text: str, start: int = 0, stop: int | None = None) -> list[_Token]:
    """Tokenise ``text[start:stop]`` of TeX math, tracking grouping depth (never below 0)."""
    tokens: list[_Token] = []
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
                token = _Token(index, end, "word", name, depth, braces)
                if name in ("left", "bigl", "Bigl", "biggl", "Biggl"):
                    depth += 1
                    end = _skip_delimiter(text, end)
                elif name in ("right", "bigr", "Bigr", "biggr", "Biggr"):
                    depth = max(depth - 1, 0)
                    end = _skip_delimiter(text, end)
                elif name in ("begin", "end"):
                    environment_end = _brace_group_end(text, end)
                    if environment_end is not None:
                        end = environment_end
                    step = 1 if name == "begin" else -1
                    depth = max(depth + step, 0)
                    braces = max(braces + step, 0)
                elif name in ("stackrel", "overset", "underset"):
                    stacked = _stacked_relation(text, end)
                    if stacked is not None:
                        op, end = stacked
                        tokens.append(_Token(index, end, "relation", op, depth, braces))
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
            tokens.append(_Token(index, index + 2, "symbol", symbol, depth, braces))
            if symbol == "\\{":
                depth += 1
            elif symbol == "\\}":
                depth = max(depth - 1, 0)
            index += 2
            continue
        tokens.append(_Token(index, index + 1, "char", char, depth, braces))
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
    first = _brace_group_end(text, index)
    second = _brace_group_end(text, first) if first is not None else None
    if first is None or second is None:
        return None
    base = text[text.index("{", first) + 1 : second - 1].strip()
    if base in ("=", "<", ">"):
        return base, second
    word = _WORD.fullmatch(base)
    if word and word.group(1) in _RELATION_WORDS:
        return _RELATION_WORDS[word.group(1)], second
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


def _brace_group_end(text: str, index: int) -> int | None:
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


# ---------------------------------------------------------------------------
# The working copy
# ---------------------------------------------------------------------------


class _Work:
    """A blankable copy of the block text."""

    def __init__(self, text: str) -> None:
        self.chars = list(text)

    def blank(self, start: int, end: int) -> None:
        for index in range(start, end):
            if self.chars[index] != "\n":
                self.chars[index] = " "

    def text(self) -> str:
        return "".join(self.chars)

    def slice(self, start: int, end: int) -> str:
        return "".join(self.chars[start:end])

    def piece(self, start: int, end: int) -> Piece:
        """The trimmed slice [start, end) without trailing ``.``/``,``."""
        text = self.slice(0, end)
        end = _strip_trailing_punctuation(text, start, end)
        while start < end:
            if text[start].isspace() or text[start] == "~":
                start += 1
            elif spacing := _LEADING_SPACING.match(text, start, end):
                start = spacing.end()
            else:
                break
        return Piece(text[start:end], start)


def _strip_trailing_punctuation(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start and text[end - 1] in ".,;":
        before = text[start : end - 1]
        ellipsis = text[end - 1] == "." and before.endswith(".")
        sized = re.search(r"\\(?:right|left|bigr|Bigr|biggr|Biggr|bigl|Bigl)\s*$", before)
        if not ellipsis and not sized:
            end -= 1
            while end > start and (
                text[end - 1].isspace() or text[end - 2 : end] in ("\\,", "\\;", "\\!")
            ):
                end -= 2 if text[end - 1] in ",;!" else 1
    return end


def _text_content(text: str, token: _Token) -> tuple[str, int] | None:
    """(content, end) of ``\\text{...}`` starting at ``token``."""
    end = _brace_group_end(text, token.end)
    if end is None:
        return None
    opening = text.index("{", token.end)
    return text[opening + 1 : end - 1], end


def _plain(text: str) -> str:
    """Author's words: ``\\text{}`` wrappers, spacing commands and extra blanks removed."""
    text = re.sub(r"\\(?:q?quad|hspace\*?\{[^{}]*\}|[,;:!])", " ", text)
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"\\(?:text|textrm|textit|textbf|textsf|mbox|hbox|mathrm)\s*\{([^{}]*)\}",
                      r"\1", text)  # fmt: skip
    text = text.replace("~", " ")
    return " ".join(text.split()).strip()


# ---------------------------------------------------------------------------
# Splitting
# ---------------------------------------------------------------------------


def split_rows(block: MathBlock) -> list[Row]:
    """The statements of a block, in order, with their relations, reasons and labels."""
    work = _Work(block.text)
    labels = _blank_decorations(work)
    rows: list[Row] = []
    for start, end in _row_spans(work):
        for row in _split_row(work, start, end, labels):
            rows.append(row)
    return _merge_continuations(work, rows)


def _blank_decorations(work: _Work) -> list[tuple[int, str, str]]:
    """Blank wrappers and cosmetics; return (offset, label, tag) of labels and tags."""
    labels: list[tuple[int, str, str]] = []
    text = work.text()
    open_environments: list[bool] = []  # per open \\begin: is it blanked?
    for token in _tokens(text):
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
                if token.name == "begin" and name in _ARGUMENT_ENVIRONMENTS:
                    end = _brace_group_end(text, end) or end
                work.blank(token.start, end)
        elif token.name in _COSMETIC:
            work.blank(token.start, token.end)
        elif token.name in ("label", "tag"):
            end = token.end
            starred = text.startswith("*", end)
            group_end = _brace_group_end(text, end + 1 if starred else end)
            if group_end is None:
                continue
            content = text[text.index("{", end) + 1 : group_end - 1].strip()
            if token.name == "label":
                labels.append((token.start, content, ""))
            else:
                labels.append((token.start, "", content))
            work.blank(token.start, group_end)
    return labels


def _row_spans(work: _Work) -> list[tuple[int, int]]:
    """Split on ``\\\\`` (and Kramdown's doubled form) and blank lines at brace depth 0."""
    text = work.text()
    tokens = _tokens(text)
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
            breaks.append((token.start, _brace_group_end(text, token.end) or token.end))
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


@dataclass
class _Statement:
    start: int
    end: int


def _split_row(work: _Work, start: int, end: int, labels: list[tuple[int, str, str]]) -> list[Row]:
    text = work.text()
    reasons: list[str] = []
    label = ""
    for offset, name, tag in labels:
        if start <= offset < end or (offset == end and end == len(text)):
            if name and not label:
                label = name
            if tag:
                label = label or tag
                if re.search(r"[A-Za-z]{3,}", tag):
                    reasons.append(tag)
    tokens = _tokens(text, start, end)
    where: list[tuple[Piece, Piece]] = []  # "&& \text{chain rule, } u = ...": defines u
    # && : the rest of the row is the author's reason.
    for index, token in enumerate(tokens):
        if token.braces == 0 and token.name == "&":
            following = text[token.end : end].lstrip(" \t")
            if following.startswith("&"):
                reason_start = text.index("&", token.end) + 1
                reasons.append(_plain(text[reason_start:end]))
                where += _reason_definitions(work, reason_start, end)
                work.blank(token.start, end)
                end = token.start
                tokens = tokens[:index]
                break
    for token in tokens:
        if token.braces == 0 and token.kind == "char" and token.name == "&":
            work.blank(token.start, token.end)
    text = work.text()
    top = [t for t in tokens if t.depth == 0]
    # \because: the rest is a reason.
    for token in top:
        if token.kind == "word" and token.name == "because":
            reasons.append(_plain(text[token.end : end]))
            work.blank(token.start, end)
            end = token.start
            break
    text = work.text()
    end, trailing, trailing_where = _trailing_reason(work, text, start, end, tokens)
    if trailing:
        reasons.append(trailing)
    where = trailing_where + where
    text = work.text()
    top = [t for t in tokens if t.depth == 0 and t.start < end]
    statements = _statements(work, text, start, end, top)
    rows: list[Row] = []
    for statement in statements:
        rows += _statement_rows(
            work, statement, top, reasons if not rows else [], label if not rows else ""
        )
    if rows and where:
        # the reason's definitions belong to the row the reason closes: its last statement
        main = max(
            (index for index, row in enumerate(rows) if row.relations), default=len(rows) - 1
        )
        rows[main] = replace(rows[main], where=rows[main].where + tuple(where))
    if not rows and (reasons or label or where):
        reason = "; ".join(r for r in reasons if r)
        rows.append(Row(Piece("", start), (), reason, label, tuple(where), continues=True))
    return rows


def _reason_definitions(
    work: _Work, start: int, end: int, *, after_words: bool = False
) -> list[tuple[Piece, Piece]]:
    """``name = expr`` math parts of the reason ``[start, end)``: its where-clauses.

    ``\\text{chain rule, } u = 1+e^{-x}``, ``\\text{(let } u = 1+e^{-x}\\text{)}``: math
    between the words whose left side is a bare name (the rule of where-clauses) and
    that has one ``=`` and no other relation.  Math after a condition word (``\\text{for }
    x = 0``, ``\\text{since } \\lim ... = 0``) stays a reason; with ``after_words`` so
    does math that no words introduce (``\\quad (x = 0)`` is a condition).
    """
    text = work.text()
    segments: list[tuple[int, int, str]] = []  # (start, end, the words just before)
    position, words = start, ""
    for token in _tokens(text, start, end):
        if token.start < position or token.kind != "word" or token.name not in _TEXT_MACROS:
            continue
        found = _text_content(text, token)
        if found is None or token.name == "mathrm" or found[1] > end:
            continue
        segments.append((position, token.start, words))
        position, words = found[1], found[0]
    segments.append((position, end, words))
    where: list[tuple[Piece, Piece]] = []
    for segment_start, segment_end, before in segments:
        last_word = (before.lower().replace("(", " ").split() or [""])[-1].strip(",:;.")
        if last_word in _CONDITION_WORDS or (after_words and not before.strip()):
            continue
        segment_start, segment_end = _math_span(text, segment_start, segment_end)
        top = [t for t in _tokens(text, segment_start, segment_end) if t.depth == 0]
        for part_start, part_end in _comma_parts(text, top, segment_start, segment_end):
            relations = [t for t in top if part_start <= t.start < part_end and _relation_op(t)]
            if len(relations) != 1 or _relation_op(relations[0]) != "=":
                continue
            name = work.piece(part_start, _side_end(text, relations[0]))
            body = work.piece(relations[0].end, part_end)
            if body.text and _is_where_name(name.text):
                where.append((name, body))
    return where


def _math_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without spacing, separators and the parentheses that open or close
    around it (``(\\text{with } u = 1+e^{-x})``)."""
    while True:
        if edge := _SPAN_HEAD.match(text, start, end):
            start = edge.end()
        if edge := _SPAN_TAIL.search(text, start, end):
            end = edge.start()
        inner = text[start:end]
        if inner.startswith("(") and inner.count("(") > inner.count(")"):
            start += 1
        elif inner.endswith(")") and inner.count(")") > inner.count("("):
            end -= 1
        else:
            return start, end

def _trailing_reason(
    work: _Work, text: str, start: int, end: int, tokens: list[_Token]
) -> tuple[int, str, list[tuple[Piece, Piece]]]:
    """A reason closing the row: (new end, reason, its where-clauses).

    ``\\quad\\text{since } x > 0``, ``\\qquad\\text{chain rule}``, ``\\text{(by parts)}``:
    text in words that starts a reason (or stands apart after spacing at the
    very end) takes the rest of the row with it.
    """
    for token in tokens:
        if token.kind != "word" or token.name not in _TEXT_MACROS or token.start >= end:
            continue
        found = _text_content(text, token)
        if found is None or token.name == "mathrm":
            continue
        content, text_end = found
        if token.depth == 1:
            # "\quad (\text{by ...})": allowed when the paren opens right before it.
            opening = text[start : token.start].rstrip()
            if not opening.endswith("(") or _depth_at(tokens, len(opening) - 1 + start) != 0:
                continue
            begin = start + len(opening) - 1
        elif token.depth == 0:
            begin = token.start
        else:
            continue
        words = content.strip(" ,:;~").lower()
        first = words.split()[0] if words.split() else ""
        if words in _CONNECTORS or first in _WHERE_WORDS:
            continue
        before = text[start:begin].rstrip()
        spaced = re.search(r"(\\q?quad|\\hspace\*?\{[^{}]*\}|~|\\;|,)\s*$", before)
        reason_like = words.startswith("(") or first in _REASON_WORDS
        last = not text[text_end:end].strip(" \t\n.,;)")
        if not (reason_like and (spaced or last)) and not (spaced and last):
            continue
        if spaced:
            begin = start + len(before[: spaced.start()].rstrip())
            if before[spaced.start() :].lstrip().startswith(","):
                begin += 1  # keep the comma out of the reason, it ends the expression
        reason = _plain(text[begin:end]).strip(" ,")
        where = _reason_definitions(work, token.start, end)
        work.blank(begin, end)
        return begin, reason, where
    # "f(x) = x^2 \\quad (x > 0)": a parenthesised condition set apart at the end.
    condition = _SPACED_CONDITION.search(text, start, end)
    if condition is not None and not text[condition.end() : end].strip(" \t\n.,;"):
        where = _reason_definitions(work, condition.start(1), condition.end(1), after_words=True)
        work.blank(condition.start(), end)
        return condition.start(), _plain(condition.group(1)), where
    return end, "", []


def _depth_at(tokens: list[_Token], offset: int) -> int:
    return next((t.depth for t in tokens if t.start == offset), 0)


def _has_relation(tokens: list[_Token], start: int, end: int) -> bool:
    return any(
        start <= t.start < end and _relation_op(t) is not None and t.name not in _ARROWS
        for t in tokens
    )


def _relation_op(token: _Token) -> str | None:
    if token.kind == "relation":
        return token.name
    if token.kind == "char" and token.name in "=<>":
        return token.name
    if token.kind == "word" and token.name in _RELATION_WORDS:
        return _RELATION_WORDS[token.name]
    if token.kind == "word" and token.name in _ARROWS:
        return "\\" + token.name
    return None


def _statements(
    work: _Work, text: str, start: int, end: int, top: list[_Token]
) -> list[_Statement]:
    """Cut a row at separators: ``\\Rightarrow``, ``\\text{or}``, spacing between equations."""
    cuts: list[tuple[int, int]] = []
    for token in top:
        if token.kind != "word":
            continue
        if token.name in _STRONG_SEPARATORS:
            cuts.append((token.start, token.end))
        elif token.name in _TEXT_MACROS and token.name != "mathrm":
            found = _text_content(text, token)
            if found and found[0].strip(" ,:;~").lower() in _CONNECTORS:
                cuts.append((token.start, found[1]))
    strong = sorted(cuts)
    segments: list[tuple[int, int]] = []
    position = start
    for cut_start, cut_end in strong:
        segments.append((position, cut_start))
        work.blank(cut_start, cut_end)
        position = cut_end
    segments.append((position, end))
    statements: list[_Statement] = []
    for segment_start, segment_end in segments:
        position = segment_start
        for token in top:
            if not segment_start <= token.start < segment_end or token.kind != "word":
                continue
            if token.name not in _SPACING and token.name not in _ARROWS:
                continue
            token_end = token.end
            if token.name in ("hspace", "hskip"):
                token_end = _brace_group_end(text, token.end) or token.end
            before_empty = not work.slice(position, token.start).strip()
            between_statements = _has_relation(top, position, token.start) and _has_relation(
                top, token_end, segment_end
            )
            if token.name in _ARROWS and not before_empty and not between_statements:
                continue  # an arrow relation such as \sigma(x) \to 1
            if token.name in _SPACING and _defines_after_comma(
                work.text(), top, token, position, segment_end
            ):
                continue  # "..., \quad u = ...": a where-clause, read later
            if before_empty or between_statements:
                if not before_empty:
                    statements.append(_Statement(position, token.start))
                work.blank(token.start, token_end)
                position = token_end
            elif token.name in _SPACING:
                work.blank(token.start, token_end)
        statements.append(_Statement(position, segment_end))
    return [s for s in statements if work.slice(s.start, s.end).strip()]


def _defines_after_comma(
    text: str, top: list[_Token], token: _Token, position: int, end: int
) -> bool:
    """``..., \\quad u = ...``: spacing after a comma that introduces a definition."""
    if _WHERE_TEXT.match(text, token.end):
        return True
    if not text[position : token.start].rstrip().endswith(","):
        return False
    relation = next((t for t in top if token.end <= t.start < end and _relation_op(t)), None)
    if relation is None or _relation_op(relation) != "=":
        return False
    return _is_where_name(text[token.end : relation.start])


def _is_name(base: str) -> bool:
    """A letter or a Greek letter: ``\\ln`` or ``\\sqrt`` never names a definition."""
    return not base.startswith("\\") or base[1:] in macros.GREEK_LETTERS


def _is_where_name(text: str) -> bool:
    """Whether ``text`` may be the defined name of a where-clause (``u``, ``g(x)``)."""
    match = _WHERE_NAME.match(_without_spacing(text))
    if match is None or not _is_name(match.group("base")):
        return False
    args = match.group("args")
    if args is None:
        return True
    return all(
        _ARGUMENT_NAME.match(arg) and _is_name(arg.strip().split("_")[0].strip())
        for arg in args.split(",")
    )


def _without_spacing(text: str) -> str:
    return re.sub(r"\\(?:q?quad(?![A-Za-z])|[,;:! ])|~", " ", text)


def _statement_rows(
    work: _Work, statement: _Statement, top: list[_Token], reasons: list[str], label: str
) -> list[Row]:
    """The statement's row, then rows for equations in its where-clause that define nothing."""
    text = work.text()
    start, end = statement.start, statement.end
    where: list[tuple[Piece, Piece]] = []
    reasons = list(reasons)
    equations: list[Row] = []  # "where \\ln(e^x) = x": a claim of its own, not a definition
    clause = _where_start(text, top, start, end)
    if clause is not None:
        clause_start, body_start = clause
        for part_start, part_end in _comma_parts(text, top, body_start, end):
            relation = next(
                (t for t in top if part_start <= t.start < part_end and _relation_op(t) == "="),
                None,
            )
            lhs = work.piece(part_start, relation.start) if relation else None
            if (
                relation is not None
                and lhs is not None
                and _is_where_name(lhs.text)
            ):
                where.append((lhs, work.piece(relation.end, part_end)))
            elif relation is not None:
                equations += _statement_rows(work, _Statement(part_start, part_end), top, [], "")
            else:
                reasons.append(_plain(text[part_start:part_end]).strip(" ,."))
        work.blank(clause_start, end)
        end = _strip_trailing_punctuation(work.text(), start, clause_start)
        text = work.text()
    relations = [t for t in top if start <= t.start < end and _relation_op(t) is not None]
    lhs = work.piece(start, _side_end(text, relations[0]) if relations else end)
    pieces: list[Relation] = []
    for index, token in enumerate(relations):
        following = relations[index + 1] if index + 1 < len(relations) else None
        rhs = work.piece(token.end, _side_end(text, following) if following else end)
        pieces.append(Relation(_written_op(text, token), rhs))
    if not lhs.text and not pieces and not where:
        return equations
    if not lhs.text:
        lhs = Piece("", relations[0].start if relations else start)
    row = Row(
        lhs=lhs,
        relations=tuple(pieces),
        reason="; ".join(r for r in reasons if r),
        label=label,
        where=tuple(where),
        continues=not lhs.text,
    )
    return [row, *equations]


def _side_end(text: str, relation: _Token) -> int:
    """Where the side before ``relation`` ends: ``:=`` and ``\\not=`` own their prefix."""
    before = text[: relation.start]
    if relation.kind == "char" and relation.name == "=":
        if before.endswith(":"):
            return relation.start - 1
        negation = re.search(r"\\not\s*$", before)
        if negation:
            return negation.start()
    return relation.start


def _written_op(text: str, relation: _Token) -> str:
    """The normalised operator: ``:=`` and ``\\equiv`` read as ``=``, ``\\not=`` as ``\\ne``."""
    op = _relation_op(relation) or relation.name
    if op == "=" and re.search(r"\\not\s*$", text[: relation.start]):
        return "\\ne"
    return op


def _where_start(text: str, top: list[_Token], start: int, end: int) -> tuple[int, int] | None:
    """(start of the clause to blank, start of its definitions) or None."""
    for token in top:
        if not start <= token.start < end or token.kind != "word":
            continue
        if token.name in _TEXT_MACROS:
            found = _text_content(text, token)
            if found is None:
                continue
            words = found[0].strip(" ,:;~").lower().split()
            if words and words[0] in _WHERE_WORDS and _has_relation(top, found[1], end):
                clause_start = token.start
                before = text[start:clause_start].rstrip()
                spacing = re.search(r"(?:,?\s*(?:\\q?quad|\\[,;]|~)\s*)+$", before)
                if spacing:
                    clause_start = start + spacing.start()
                return clause_start, found[1]
        if token.name in ("quad", "qquad"):
            before = text[start : token.start].rstrip()
            if not before.endswith(","):
                continue
            body = token.end
            following = [t for t in top if body <= t.start < end]
            first_relation = next((t for t in following if _relation_op(t)), None)
            if first_relation is None or _relation_op(first_relation) != "=":
                continue
            if _is_where_name(text[body : first_relation.start]):
                return start + len(before) - 1, body
    return None


def _comma_parts(text: str, top: list[_Token], start: int, end: int) -> list[tuple[int, int]]:
    """Split a where-clause on top-level commas (``u = ..., v = ...``)."""
    cuts = [t.start for t in top if start <= t.start < end and t.kind == "char" and t.name == ","]
    parts: list[tuple[int, int]] = []
    position = start
    for cut in cuts:
        if _has_relation(top, cut + 1, end) and any(
            _relation_op(t) == "=" for t in top if position <= t.start < cut
        ):
            parts.append((position, cut))
            position = cut + 1
    parts.append((position, end))
    return parts


def _merge_continuations(work: _Work, rows: list[Row]) -> list[Row]:
    """A row without relations continues the previous row's last side (``+ c`` after ``\\\\``)."""
    merged: list[Row] = []
    for row in rows:
        if merged and not row.relations and not row.where and row.lhs.text:
            previous = merged[-1]
            end = row.lhs.offset + len(row.lhs.text)
            if previous.relations:
                last = previous.relations[-1]
                extended = (
                    work.piece(last.rhs.offset, end)
                    if last.rhs.text
                    else work.piece(row.lhs.offset, end)
                )
                relations = previous.relations[:-1] + (Relation(last.op, extended),)
                merged[-1] = replace(
                    previous, relations=relations, reason=_join(previous.reason, row.reason)
                )
            else:
                extended = work.piece(previous.lhs.offset, end)
                merged[-1] = replace(
                    previous, lhs=extended, reason=_join(previous.reason, row.reason)
                )
            if row.label and not merged[-1].label:
                merged[-1] = replace(merged[-1], label=row.label)
            continue
        merged.append(row)
    return merged


def _join(first: str, second: str) -> str:
    return "; ".join(r for r in (first, second) if r)
