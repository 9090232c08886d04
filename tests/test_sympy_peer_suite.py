"""SymPy's own LaTeX-parser tests, read by our parser: a peer suite.

The installed SymPy ships ``sympy/parsing/tests/test_latex.py`` with ``GOOD_PAIRS`` (LaTeX ->
the expression SymPy's parser builds) and ``BAD_STRINGS`` (input it must reject), plus
``FAILING_BAD_STRINGS`` (input its default mode wrongly accepts).  Each good pair is classified:
``agree`` (the same expression, structurally after ``doit`` or numerically at a few points with
``evalf``), ``differ`` (a reading we choose on purpose; each is listed below with the reason) or
``declined`` (we raise LatexParseError: out of scope, such as relations inside one expression).
Every bad string must still be rejected.
"""

from __future__ import annotations

from typing import Any

import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from derive.parse import LatexParseError, parse_latex_expr

peer = pytest.importorskip("sympy.parsing.tests.test_latex")

#: Readings that differ from SymPy's parser on purpose, each with why.
DIFFERENT_ON_PURPOSE: dict[str, str] = {
    r"\pi^{|xy|}": "\\pi is the number pi (SymPy's parser reads a symbol named pi)",
    r"f'_1(x)": "f'_1(x) is the derivative of f_1 at x (SymPy's: a function named f_{1}')",
    r"f_{1}''(x+y)": "f_1''(x+y) is the second derivative of f_1 at x+y (SymPy's: a name)",
    r"h_{\theta}(x_0, x_1)": "a subscripted function depends on its subscript: "
                             "h_theta(x_0, x_1, theta)",
    r"\overline{z}": "\\overline{z} is a name of its own (SymPy's: the conjugate of z)",
    r"\overline{\overline{z}}": "a name of its own, as \\overline{z}",
    r"\overline{x} + \overline{y}": "names of their own, as \\overline{z}",
    r"\frac{d}{dt} x": "a bare name after d/dt is an unknown function x(t), never a constant",
}

_POINTS = (sp.Rational(3, 7), sp.Rational(5, 11), sp.Rational(13, 17), sp.Rational(2, 3))


def _plain_names(expr: sp.Basic) -> sp.Basic:
    """Our canonical names keep LaTeX backslashes (``h_{\\theta}``); SymPy's drop them."""
    symbols = {s: sp.Symbol(s.name.replace("\\", "")) for s in expr.free_symbols
               if isinstance(s, sp.Symbol)}
    expr = expr.xreplace(symbols)
    calls = {c: sp.Function(c.func.__name__.replace("\\", ""))(*c.args)
             for c in expr.atoms(AppliedUndef)}
    return expr.xreplace(calls)


def _as_expr(value: Any) -> sp.Basic:
    if isinstance(value, bool):
        return sp.true if value else sp.false
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Float(value)
    return value


def _agree(got: sp.Basic, expected: sp.Basic) -> bool:
    got, expected = _plain_names(got).doit(), expected.doit()
    if got == expected:
        return True
    if not isinstance(got, sp.Expr) or not isinstance(expected, sp.Expr) \
            or got.atoms(AppliedUndef) or expected.atoms(AppliedUndef):
        return False
    # SymPy's parser builds binary floats (-3.14); ours reads decimals exactly (-157/50)
    tolerance = sp.Float("1e-12") if expected.has(sp.Float) else sp.Float("1e-20")
    names = sorted(got.free_symbols | expected.free_symbols, key=str)
    for shift in range(3):
        point = {s: _POINTS[(i + shift) % len(_POINTS)] + i for i, s in enumerate(names)}
        left = got.xreplace(point).evalf(30)
        right = expected.xreplace(point).evalf(30)
        if not (left.is_number and right.is_number):
            return False
        if abs(left - right) > tolerance * (1 + abs(right)):
            return False
    return True


def _classify() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"agree": [], "differ": [], "declined": []}
    for latex, expected in peer.GOOD_PAIRS:
        try:
            got = parse_latex_expr(latex).expr
        except LatexParseError:
            found["declined"].append(latex)
            continue
        kind = "agree" if _agree(got, _as_expr(expected)) else "differ"
        found[kind].append(latex)
    return found


def test_good_pairs_agree_or_differ_on_purpose() -> None:
    found = _classify()
    total = len(peer.GOOD_PAIRS)
    print(f"\nSymPy peer suite: {len(found['agree'])} agree, {len(found['differ'])} differ, "
          f"{len(found['declined'])} declined of {total}")
    assert sum(len(v) for v in found.values()) == total
    unexplained = sorted(set(found["differ"]) - set(DIFFERENT_ON_PURPOSE))
    assert unexplained == [], "readings that differ from SymPy's without a stated reason"
    stale = sorted(set(DIFFERENT_ON_PURPOSE) - set(found["differ"]))
    assert stale == [], "listed as different on purpose but no longer different"
    assert len(found["agree"]) >= 150  # 150 agree, 8 differ, 27 declined of 185 today


BAD = list(peer.BAD_STRINGS) + list(getattr(peer, "FAILING_BAD_STRINGS", []))


@pytest.mark.parametrize("text", BAD)
def test_bad_strings_are_rejected(text: str) -> None:
    with pytest.raises(LatexParseError):
        parse_latex_expr(text)


def test_bad_string_figures() -> None:
    print(f"\nSymPy peer suite: all {len(BAD)} bad strings rejected")
    assert len(BAD) >= 38
