"""Symbolic proofs that ``lhs - rhs == 0``: structural, cheap in-process algebra for
small expressions, and the slower stages run in a forked child under the deadline."""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import TrigonometricFunction

from derive.model import Caveat, Evidence, Outcome, Stage, Verdict
from derive.verify.sides import Sides

#: Expressions at most this big (tree nodes) get cancel/expand in-process, without a fork.
SMALL_EXPRESSION = 80
#: Largest integer exponent allowed in-process (cancel expands (x+1)**1000 slowly).
SMALL_EXPONENT = 16

_STAGE_DETAIL = {
    "cancel": "lhs - rhs cancels to 0 as a rational function",
    "expand": "lhs - rhs expands to 0",
    "together-expand": "lhs - rhs over a common denominator has numerator 0",
    "rewrite-exp": "rewritten in terms of exp, lhs - rhs cancels to 0",
    "simplify": "sympy.simplify(lhs - rhs) is 0",
}

_CANCELLED_FACTOR = (
    "equal as rational functions: a common factor was cancelled, "
    "so points where it vanishes are excluded"
)


def structural_proof(sides: Sides) -> Outcome:
    detail = "both sides are the same expression"
    if sides.rewritten_by:
        detail = f"after {' and '.join(sides.rewritten_by)}, {detail}"
    caveats: tuple[Caveat, ...] = ()
    if any(_cancels_a_factor(side) for side in sides.originals):
        # x/x = 1 only as rational functions: x/x is undefined at 0
        detail += f"; {_CANCELLED_FACTOR}"
        caveats = (Caveat.CANCELLED_FACTOR,)
    return Outcome(Verdict.PROVED, Evidence(
        method=Stage.STRUCTURAL, detail=detail, caveats=caveats,
        rewritten_by=sides.rewritten_by,
    ))


def is_small(expr: sp.Expr) -> bool:
    """Small enough that cancel/expand cannot take long, so no fork is needed."""
    for nodes, node in enumerate(sp.preorder_traversal(expr), start=1):
        if nodes > SMALL_EXPRESSION:
            return False
        if isinstance(node, TrigonometricFunction | HyperbolicFunction):
            return False
        if isinstance(node, sp.Pow) and node.exp.is_Integer and abs(int(node.exp)) > SMALL_EXPONENT:
            return False
    return True


def quick_algebra(difference: sp.Expr) -> str | None:
    try:
        if sp.cancel(difference) == 0:
            return "cancel"
        if sp.expand(difference) == 0:
            return "expand"
    except Exception:  # e.g. PolynomialError on odd generators: leave it to later stages
        return None
    return None


def _has_trig(expr: sp.Expr) -> bool:
    return bool(expr.atoms(TrigonometricFunction, HyperbolicFunction))


def _zero_as_rational_function(expr: sp.Expr) -> bool:
    together = sp.together(expr)
    numerator, _ = sp.fraction(together)
    return bool(sp.expand(numerator) == 0)


def forked_stages(difference: sp.Expr) -> str | None:
    """Runs in the time-limited child: the name of the stage that shows ``difference == 0``."""
    # together+expand grows ~k^2.5 with the number of terms, cancel ~k^2 but with a much
    # larger constant (docs/verification-notes.md); small cases already tried cancel.
    stages: list[tuple[str, Callable[[], bool]]] = [
        ("together-expand", lambda: _zero_as_rational_function(difference)),
        ("cancel", lambda: sp.cancel(difference) == 0),
    ]
    if _has_trig(difference):
        # simplify on tanh-with-exp can run for minutes; the exp form cancels in ms.
        rewritten = difference.rewrite(sp.exp)
        stages += [
            ("rewrite-exp", lambda: sp.cancel(rewritten) == 0),
            ("rewrite-exp", lambda: _zero_as_rational_function(rewritten)),
            ("simplify", lambda: sp.simplify(rewritten) == 0),
        ]
    stages += [
        ("expand", lambda: sp.expand(difference) == 0),
        ("simplify", lambda: sp.simplify(difference) == 0),
    ]
    for name, attempt in stages:
        if attempt():
            return name
    return None


def proved_by(stage: str, sides: Sides) -> Outcome:
    detail = _STAGE_DETAIL[stage]
    caveats: tuple[Caveat, ...] = ()
    if any(_cancels_a_factor(side) for side in (sides.lhs, sides.rhs, *sides.originals)):
        # x/x = 1 as rational functions, though x/x is undefined at 0
        detail += f"; {_CANCELLED_FACTOR}"
        caveats = (Caveat.CANCELLED_FACTOR,)
    return Outcome(Verdict.PROVED, Evidence(
        method=stage, detail=detail, caveats=caveats, rewritten_by=sides.rewritten_by,
    ))


def _cancels_a_factor(side: sp.Expr) -> bool:
    """Whether cancelling ``side`` drops a non-constant factor from its denominator.

    Works on the author's unevaluated form too (``x/x`` kept as ``x * x**-1``).
    """
    if not side.free_symbols or not is_small(side):
        return False  # only worth its cost on small expressions, where it is typical
    try:
        if not side.is_rational_function():
            return False
        denominators = (sp.fraction(side)[1], sp.fraction(sp.together(side))[1])
        denominator = next((d for d in denominators if d.free_symbols), None)
        if denominator is None:
            return False
        reduced = sp.fraction(sp.cancel(side))[1]
        return bool(sp.cancel(denominator / reduced).free_symbols)
    except Exception:  # PolynomialError on odd generators: say nothing rather than crash
        return False
