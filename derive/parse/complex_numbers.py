"""Does a document work with complex numbers?  Then its ``i`` (or ``j``) is the imaginary unit.

Each sign is one an author writes only about complex numbers; a bare ``i`` is not one (it is
usually an index).  Used by the claim builder to choose ``ParseOptions.imaginary_unit``.
"""

from __future__ import annotations

import re


def _signs(unit: str) -> tuple[re.Pattern[str], ...]:
    u = re.escape(unit)
    lone = rf"(?<![A-Za-z\\]){u}(?![A-Za-z])"  # the letter alone, not in a word or a macro
    return (
        # i^2 = -1, i^{2}=-1, i \cdot i = -1
        re.compile(rf"{lone}\s*\^\s*\{{?\s*2\s*\}}?\s*=\s*-\s*1(?!\d)"),
        re.compile(rf"{lone}\s*(?:\\cdot)?\s*{lone}\s*=\s*-\s*1(?!\d)"),
        # e^{i\theta}, e^{-i x}, e^{i \omega t}, \exp(i x)
        re.compile(rf"(?<![A-Za-z\\])e\s*\^\s*\{{\s*[-+]?\s*{lone}"),
        re.compile(rf"\\exp\s*(?:\\left)?\s*\(\s*[-+]?\s*{lone}"),
        # real and imaginary parts, the field of complex numbers
        re.compile(r"\\(?:Re|Im)(?![A-Za-z])|\\operatorname\s*\{\s*(?:Re|Im)\s*\}"),
        re.compile(r"\\mathbb\s*\{\s*C\s*\}"),
        # a + bi, 3 - 4i, x + yi: a number with a coefficient of the unit (k + i is no sign)
        # (a number is matched from its first digit, possessively: a 100,000-digit number
        # must cost one pass, not one pass per digit)
        re.compile(rf"(?<![A-Za-z\\_^\d.])(?:\d++(?:\.\d++)?+|[a-z])\s*+[-+]\s*+"
                   rf"(?:\d++(?:\.\d++)?+|[a-z])\s*+{u}(?![A-Za-z])"),
        # prose
        re.compile(r"imaginary (?:unit|part|number)|complex (?:number|conjugate|plane|exponential)"
                   r"|nombre complexe|komplexe Zahl", re.I),
    )


def names_the_unit(text: str, unit: str) -> bool:
    """Whether ``text`` uses this letter as the unit (``j^2 = -1``, ``e^{j\\theta}``,
    ``3 + 4j``), not just complex numbers in general (prose, ``\\Re``, ``\\mathbb{C}``)."""
    other = "j" if unit == "i" else "i"
    # the letter's own signs: those that change with the letter
    general = {sign.pattern for sign in _signs(other)}
    return any(sign.search(text) for sign in _signs(unit) if sign.pattern not in general)


_CONJUGATE = re.compile(r"\\(?:bar|overline)\s*\{?\s*z")


def uses_complex_numbers(text: str, unit: str = "i") -> bool:
    """See ``derive.parse.uses_complex_numbers``."""
    if any(sign.search(text) for sign in _signs(unit)):
        return True
    # \bar z or \overline{z} is a conjugate only beside the unit in a sum: x + iy, 2i, = -i
    # (x^{(i)}, x_i, (k + i) and \sum_{i=1} are indices)
    lone = re.compile(rf"(?:[-+=]\s*|\d\s*){re.escape(unit)}(?![A-Za-z]{{2}}|[}}_^)\]])")
    return _CONJUGATE.search(text) is not None and lone.search(text) is not None
