"""LaTeX -> MathML with latex2mathml, made safe for pasting into HTML and XML.

Measured pitfalls of latex2mathml: ``\\[1em]`` leaks ``[1em]`` into the next row, the
``aligned`` environment gives invalid XML, and ``display="block"`` must be asked for.  Every
fragment returned here has been parsed by an XML parser and uses numeric character references
only.
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert

from derive.model import Derivation

_ROW_SPACING = re.compile(r"\\\\\s*\[[^\]]*\]")
_ALIGNED = re.compile(r"\\(begin|end)\{aligned\}")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"


def numeric_entities(markup: str) -> str:
    """Replace named character references (``&lt;``, ``&InvisibleTimes;``) by numeric ones.

    Named entities other than XML's five are not well-formed XML on their own; we use numeric
    references everywhere so a fragment parses anywhere it is pasted.
    """

    def replace(match: re.Match[str]) -> str:
        text = html.entities.html5.get(match.group(1) + ";")
        if text is None:  # not an entity at all: escape the ampersand
            return "&#38;" + match.group(0)[1:]
        return "".join(f"&#{ord(char)};" for char in text)

    return _NAMED_ENTITY.sub(replace, markup)


#: Names latex2mathml makes operators on purpose: limits go under them in display math.
_LIMIT_OPERATORS = {"lim", "liminf", "limsup", "max", "min", "sup", "inf", "det", "gcd", "Pr"}
_WORD_OPERATOR = re.compile(r"<mo>([A-Za-z]{2,})</mo>")
_INFINITY_OPERATOR = "<mo>&#x0221E;</mo>"


def fix_token_elements(markup: str) -> str:
    """Identifiers that latex2mathml marks up as operators, which browsers space as operators.

    ``\\operatorname{swish}`` becomes ``<mo>swish</mo>`` (shown as "swish (x)") where
    ``\\tanh`` gives ``<mi>tanh</mi>``; ``\\infty`` becomes ``<mo>`` and gets operator
    spacing in ``= \\infty``.  Both are identifiers.
    """
    markup = _WORD_OPERATOR.sub(
        lambda m: m.group(0) if m.group(1) in _LIMIT_OPERATORS else f"<mi>{m.group(1)}</mi>",
        markup)
    return markup.replace(_INFINITY_OPERATOR, "<mi>&#x0221E;</mi>")


def prepare_latex(latex: str) -> str:
    """Work around latex2mathml's gaps: drop row spacing, use ``align*`` for ``aligned``."""
    latex = _ROW_SPACING.sub(r"\\\\", latex)
    return _ALIGNED.sub(lambda m: "\\" + m.group(1) + "{align*}", latex)


def is_well_formed(fragment: str) -> bool:
    try:
        ET.fromstring(fragment)
    except ET.ParseError:
        return False
    return True


#: Presentation MathML that latex2mathml writes; anything else (``<script>`` from
#: ``\\text{<script>}``, ``annotation-xml``, HTML) makes the fragment fall back to text.
_ELEMENTS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup",
    "mfrac", "msqrt", "mroot", "mstyle", "mtable", "mtr", "mtd", "mlabeledtr", "mover",
    "munder", "munderover", "mpadded", "mphantom", "menclose", "merror", "mmultiscripts",
    "mprescripts", "none", "mfenced",
})
#: Presentation attributes only: no ``href`` (``\\href{javascript:...}``), ``style``,
#: ``class``, ``id`` or event handlers.
_ATTRIBUTES = frozenset({
    "display", "fence", "form", "stretchy", "separator", "separators", "open", "close",
    "lspace", "rspace", "largeop", "movablelimits", "accent", "accentunder", "symmetric",
    "minsize", "maxsize", "mathvariant", "mathsize", "mathcolor", "mathbackground",
    "displaystyle", "scriptlevel", "width", "height", "depth", "voffset", "linethickness",
    "notation", "columnalign", "columnspacing", "rowspacing", "columnlines", "rowlines",
    "rowspan", "columnspan", "frame", "framespacing", "linebreak", "align", "bevelled",
})
_ATTRIBUTE_VALUE = re.compile(r"[A-Za-z0-9#.,+\- %]*")


def is_plain_mathml(fragment: str) -> bool:
    """Well-formed presentation MathML and nothing else: known elements in the MathML
    namespace, presentation attributes with plain values, no comments, CDATA, doctype or
    processing instructions.  What a browser can only show, never run or follow."""
    if "<!" in fragment or "<?" in fragment:
        return False
    try:
        root = ET.fromstring(fragment)
    except ET.ParseError:
        return False
    prefix = "{" + _XML_NAMESPACE + "}"
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith(prefix):
            return False
        if element.tag[len(prefix):] not in _ELEMENTS:
            return False
        for name, value in element.attrib.items():
            if name not in _ATTRIBUTES or not _ATTRIBUTE_VALUE.fullmatch(value):
                return False
    return True


def _escape_text(text: str) -> str:
    return "".join(f"&#{ord(c)};" if c in "&<>\"'" or ord(c) > 126 else c for c in text)


def latex_to_mathml(latex: str, *, display: str = "block") -> str:
    """A ``<math>`` element for ``latex``; well-formed XML with numeric references only.

    If the converter fails or yields malformed markup, or anything beyond presentation MathML
    (see :func:`is_plain_mathml`), the LaTeX source is shown as escaped text inside
    ``<mtext>`` rather than producing a broken or unsafe page.
    """
    try:
        markup = fix_token_elements(numeric_entities(convert(prepare_latex(latex),
                                                             display=display)))
    except Exception:  # latex2mathml raises assorted errors on input it does not know
        markup = ""
    if not markup or not is_plain_mathml(markup):
        markup = (f'<math xmlns="{_XML_NAMESPACE}" display="{display}">'
                  f"<mtext>{_escape_text(latex)}</mtext></math>")
    return markup


def step_mathml(d: Derivation, index: int) -> str:
    """MathML of step ``index`` as a standalone equation: previous expression = this one."""
    from derive.render.latex import step_equation_latex

    return latex_to_mathml(step_equation_latex(d, index), display="block")


def render_mathml_fragments(d: Derivation) -> str:
    """``NAME.mathml.html``: only the MathML of each step, one block each, ready to paste."""
    from derive.render.text import verdict_label

    parts = [f"<!-- derive: MathML of each step of {_comment_text(d.spec.name)} -->"]
    for index, step in enumerate(d.steps):
        label = f"step {index + 1}: {step.rule}, {verdict_label(step.outcome)}"
        parts.append(f"<!-- {_comment_text(label)} -->")
        parts.append(step_mathml(d, index))
    return "\n".join(parts) + "\n"


def _comment_text(text: str) -> str:
    """Text safe inside an HTML comment: no ``--`` and no ``>`` that could end it early."""
    while "--" in text:
        text = text.replace("--", "- -")
    return text.replace(">", ")")
