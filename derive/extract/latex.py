"""TeX math scanning shared by every syntax, and the extractor for ``.tex`` files.

Every syntax is cut into :class:`Region` objects that remember, for each
character of the math text, its offset in the source file.  Locations are
computed once from those offsets (:class:`SourceMap`) and never searched for
again.  Scanners work on a *masked* copy of the source: code, comments and
other non-math parts are replaced by spaces, so offsets stay identical.
"""

from __future__ import annotations

import re

from derive.extract.directives import FoundDirective, parse_comment

# Re-exported: the scanners of other syntaxes import these from here.
from derive.extract.source import Region as Region
from derive.extract.source import SourceMap as SourceMap
from derive.extract.source import brace_group as brace_group
from derive.extract.source import find_unescaped as find_unescaped
from derive.extract.source import is_escaped as is_escaped
from derive.extract.source import mask as mask

#: Display environments of a LaTeX document.
LATEX_ENVIRONMENTS = (
    "equation*", "equation", "align*", "align", "gather*", "gather", "multline*", "multline",
    "eqnarray*", "eqnarray", "flalign*", "flalign", "alignat*", "alignat", "displaymath",
)  # fmt: skip
#: MathJax also reads these when they stand bare in Markdown.
MARKDOWN_ENVIRONMENTS = LATEX_ENVIRONMENTS + ("aligned", "gathered", "array", "split")
#: Environments whose first brace group is a column spec, not math.
ENVIRONMENTS_WITH_ARGUMENT = frozenset({"array", "alignat", "alignat*", "alignedat"})

_RELATION_WITH_NUMBER = re.compile(r"(?:=|\\approx)")
_DIGIT = re.compile(r"\d")


def span_region(
    masked: str,
    begin: int,
    end: int,
    *,
    start: int,
    stop: int,
    syntax: str,
    environment: str = "",
    inline: bool = False,
    label: str = "",
) -> Region:
    """A region whose text is the contiguous slice ``masked[begin:end]``."""
    return Region(
        text=masked[begin:end],
        offsets=tuple(range(begin, end)),
        start=start,
        end=stop,
        syntax=syntax,
        environment=environment,
        inline=inline,
        label=label or label_in(masked[begin:end]),
    )


_LABEL = re.compile(r"\\label\s*\{([^{}]*)\}")


def label_in(math: str) -> str:
    """The first ``\\label{...}`` of a math text, or ""."""
    match = _LABEL.search(math)
    return match.group(1).strip() if match else ""


def holds_numeric_relation(math: str) -> bool:
    """Inline math counts when it states a relation with a number (``\\sigma(0) = 0.5``) or
    defines a function (``F(x) = \\log(x)``: a new example's F, which must replace an
    earlier one rather than be silently ignored)."""
    if _FUNCTION_DEFINITION.match(math):
        return True
    return bool(_RELATION_WITH_NUMBER.search(math)) and bool(_DIGIT.search(math))


#: ``f(x) = ...``, ``F(t)=...``, ``g_1(x, y) = ...``: a function defined inline.
_FUNCTION_DEFINITION = re.compile(
    r"\s*(?:\\[A-Za-z]+|[A-Za-z])(?:_\{?[A-Za-z0-9]+\}?)?\s*\(\s*[A-Za-z](?:\s*,\s*[A-Za-z])*\s*\)"
    r"\s*=\s*[^=<>]+$"
)


def environment_end(text: str, name: str, after: int) -> tuple[int, int] | None:
    """(start, end) of the ``\\end{name}`` matching a ``\\begin{name}`` that ends at ``after``."""
    pattern = re.compile(r"\\(begin|end)\s*\{" + re.escape(name) + r"\}")
    depth = 1
    for match in pattern.finditer(text, after):
        if is_escaped(text, match.start()):
            continue
        depth += 1 if match.group(1) == "begin" else -1
        if depth == 0:
            return match.start(), match.end()
    return None


def skip_argument(text: str, index: int) -> int:
    """Offset just past a brace group starting at ``index`` (after spaces), else ``index``."""
    found = brace_group(text, index)
    return found[1] if found is not None else index


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_MYST_LABEL = re.compile(r"[ \t]*\(([^()\n]+)\)[ \t]*(?:\n|$)")


def scan_math(
    masked: str,
    *,
    prefix: str,
    environments: tuple[str, ...],
    markdown: bool,
    start: int = 0,
) -> list[Region]:
    """Find ``$$..$$``, ``\\[..\\]``, display environments and qualifying inline math.

    ``prefix`` names the syntax ("markdown" or "latex").  With ``markdown`` the
    Pandoc rules for ``$`` apply (prices are not math) and MyST's
    ``$$ ... $$ (label)`` is read.
    """
    names = "|".join(re.escape(name) for name in environments)
    opener = re.compile(r"\$\$|\\\[|\\\(|\\begin\s*\{(" + names + r")\}|\$")
    regions: list[Region] = []
    position = start
    while (match := opener.search(masked, position)) is not None:
        at = match.start()
        token = match.group(0)
        if is_escaped(masked, at):
            position = at + 1
            continue
        if token == "$$":
            close = find_unescaped(masked, "$$", match.end())
            if close < 0:
                position = match.end()
                continue
            stop = close + 2
            label = ""
            if markdown and (myst := _MYST_LABEL.match(masked, stop)) is not None:
                label = myst.group(1).strip()
            regions.append(
                span_region(masked, match.end(), close, start=at, stop=stop,
                            syntax=f"{prefix}-dollars", label=label)
            )  # fmt: skip
            position = stop
        elif token in ("\\[", "\\("):
            closer = "\\]" if token == "\\[" else "\\)"
            close = find_unescaped(masked, closer, match.end())
            if close < 0:
                position = match.end()
                continue
            inline = token == "\\("
            content = masked[match.end() : close]
            if not inline or holds_numeric_relation(content):
                regions.append(
                    span_region(masked, match.end(), close, start=at, stop=close + 2,
                                syntax=f"{prefix}-{'parens' if inline else 'brackets'}",
                                inline=inline)
                )  # fmt: skip
            position = close + 2
        elif token.startswith("\\begin"):
            name = match.group(1)
            found = environment_end(masked, name, match.end())
            if found is None:
                position = match.end()
                continue
            begin = match.end()
            if name in ENVIRONMENTS_WITH_ARGUMENT:
                begin = skip_argument(masked, begin)
            regions.append(
                span_region(masked, begin, found[0], start=at, stop=found[1],
                            syntax=f"{prefix}-env", environment=name)
            )  # fmt: skip
            position = found[1]
        else:
            region, position = _inline_dollar(masked, at, prefix=prefix, markdown=markdown)
            if region is not None:
                regions.append(region)
    return regions


def _inline_dollar(
    masked: str, at: int, *, prefix: str, markdown: bool
) -> tuple[Region | None, int]:
    """Read ``$...$`` opening at ``at``: the region if it qualifies, and where to go on."""
    paragraph_end = _PARAGRAPH_BREAK.search(masked, at)
    limit = paragraph_end.start() if paragraph_end else len(masked)
    close = find_unescaped(masked, "$", at + 1, limit)
    if close < 0:
        return None, at + 1
    content = masked[at + 1 : close]
    if markdown:
        # Pandoc's rules: prices such as "costs $5 and $10" are not math.
        well_formed = (
            bool(content)
            and not content[0].isspace()
            and not content[-1].isspace()
            and not (close + 1 < len(masked) and masked[close + 1].isdigit())
        )
        if not well_formed:
            return None, at + 1
    if not holds_numeric_relation(content):
        return None, close + 1
    region = span_region(
        masked, at + 1, close, start=at, stop=close + 1, syntax=f"{prefix}-inline", inline=True
    )
    return region, close + 1


# ---------------------------------------------------------------------------
# .tex files
# ---------------------------------------------------------------------------

_VERBATIM = re.compile(
    r"\\begin\s*\{(verbatim\*?|lstlisting|minted|comment|Verbatim)\}", re.MULTILINE
)
_VERB = re.compile(r"\\verb\*?([^\sA-Za-z*])")
_DOCUMENT = re.compile(r"\\begin\s*\{document\}")


def scan_latex(text: str) -> tuple[list[Region], list[FoundDirective]]:
    """Regions and directives of a LaTeX document (macros not yet expanded)."""
    masked, directives = mask_latex(text)
    document = _DOCUMENT.search(masked)
    regions = scan_math(
        masked,
        prefix="latex",
        environments=LATEX_ENVIRONMENTS,
        markdown=False,
        start=document.end() if document else 0,
    )
    return regions, directives


def mask_latex(text: str) -> tuple[str, list[FoundDirective]]:
    """The document with verbatim material and comments blanked (same length), and the
    directives its comments hold.  Macro definitions are read from this text, preamble
    included."""
    chars = list(text)
    directives: list[FoundDirective] = []
    # Verbatim material first: a % or $ inside it means nothing.
    for match in _VERBATIM.finditer(text):
        found = environment_end(text, match.group(1), match.end())
        mask(chars, match.start(), found[1] if found else len(text))
    for match in _VERB.finditer(text):
        close = text.find(match.group(1), match.end())
        mask(chars, match.start(), close + 1 if close >= 0 else match.end())
    masked = "".join(chars)
    for index, char in enumerate(masked):
        if char == "%" and not is_escaped(masked, index):
            line_end = masked.find("\n", index)
            line_end = len(masked) if line_end < 0 else line_end
            if chars[index] != "%":  # already inside an earlier comment
                continue
            found_directive = parse_comment(masked[index + 1 : line_end], index + 1)
            if found_directive is not None:
                directives.append(found_directive)
            mask(chars, index, line_end)
    return "".join(chars), directives
