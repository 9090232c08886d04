"""Numeric evidence for ``lhs = rhs`` at seeded points: the quick screen (stage 3)
that refutes wrong steps early, and the sampling (stage 6) behind ``checked``.

A mismatch found at working precision is confirmed at much higher precision before
anything is refuted, and a refutation names the point and both values.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp

from derive import numeric
from derive.model import Caveat, Counterexample, Evidence, Outcome, Stage, Verdict, VerifySettings
from derive.numeric import MpFunction, Point
from derive.verify.budget import Budget
from derive.verify.evaluate import EvaluationError, agree, stable_value
from derive.verify.hints import explain_difference
from derive.verify.sides import Sides

#: Points of the quick numeric screen (stage 3).
SCREEN_POINTS = 6


def screen(
    sides: Sides,
    functions: tuple[MpFunction, MpFunction],
    settings: VerifySettings,
    budget: Budget,
) -> Outcome | None:
    """A few simple points: a refutation with counterexample, or None."""
    rng = random.Random(settings.seed)
    checked = 0
    for point in _points(sides, rng, 4 * SCREEN_POINTS):
        if budget.expired():
            return None  # later stages find the budget spent too
        verdict = _compare_at(functions, point, settings.digits, screening=True)
        if verdict is None:
            continue
        if isinstance(verdict, _Mismatch):
            return _refutation(sides, verdict, "numeric screen", budget)
        checked += 1
        if checked >= SCREEN_POINTS:
            break
    return None


def sample(
    sides: Sides,
    functions: tuple[MpFunction, MpFunction],
    settings: VerifySettings,
    symbolic_note: str,
    budget: Budget,
    *,
    symbolic_timed_out: bool = False,
) -> Outcome:
    """Numeric evidence at >= settings.samples points: checked, refuted or unknown."""
    rng = random.Random(settings.seed)
    wanted = settings.samples if sides.symbols else 1
    digits = settings.digits if sides.symbols else 2 * settings.digits
    agreeing = skipped = 0
    out_of_time = False
    largest = mpmath.mpf(0)
    for point in _points(sides, rng, 8 * wanted):
        if budget.expired():
            out_of_time = True
            break
        verdict = _compare_at(functions, point, digits)
        if verdict is None:
            skipped += 1
            continue
        if isinstance(verdict, _Mismatch):
            return _refutation(sides, verdict, "sampling", budget)
        largest = max(largest, verdict)
        agreeing += 1
        if agreeing >= wanted:
            break
    if agreeing < wanted:
        timed_out = out_of_time or symbolic_timed_out
        shortfall = (
            f"the time limit was reached after {agreeing} of {wanted} sample points"
            if out_of_time
            else f"only {agreeing} of {wanted} sample points have real, finite values on both sides"
        )
        return Outcome(
            Verdict.UNKNOWN,
            Evidence(
                method="timeout" if timed_out else "sampling",
                detail=f"{symbolic_note}; {shortfall}",
                points=agreeing,
                digits=digits,
                max_difference=numeric.difference_string(largest) if agreeing else None,
            ),
        )
    where = f"{agreeing} seeded points" if sides.symbols else "the constant values"
    detail = (
        f"{symbolic_note}; both sides agree at {where} to {digits} digits "
        f"(max |lhs - rhs| = {numeric.difference_string(largest)})"
    )
    if skipped:
        detail += f"; {skipped} more points skipped where a side is undefined or not real"
    return Outcome(
        Verdict.CHECKED,
        Evidence(
            method="sampling",
            detail=detail,
            points=agreeing,
            digits=digits,
            max_difference=numeric.difference_string(largest),
            caveats=(Caveat.TIMED_OUT,) if symbolic_timed_out else (),
        ),
    )


def complex_constants(sides: Sides, settings: VerifySettings) -> Outcome | None:
    """Two constant sides with complex values: ``checked`` when they agree to twice the
    usual digits, ``refuted`` when they differ, each value stable across precisions;
    None when a side cannot be evaluated stably."""
    digits = 2 * settings.digits
    try:
        values = [
            stable_value(side, {}, digits, max_dps=MAX_WORKING_DIGITS)
            for side in (sides.lhs, sides.rhs)
        ]
    except EvaluationError:
        return None
    lhs, rhs = values
    if lhs is None or rhs is None:
        return None
    difference = abs(mpmath.mpc(lhs) - mpmath.mpc(rhs))
    shown = (_complex_text(lhs), _complex_text(rhs))
    if agree(mpmath.mpc(lhs), mpmath.mpc(rhs), digits):
        return Outcome(Verdict.CHECKED, Evidence(
            method=Stage.SAMPLING,
            detail=f"both sides are the complex number {shown[0]} to {digits} digits",
            points=1, digits=digits, max_difference=numeric.difference_string(difference),
        ))
    return Outcome(Verdict.REFUTED, Evidence(
        method=Stage.SAMPLING,
        detail=f"the sides differ: lhs = {shown[0]}, rhs = {shown[1]} (stable at {digits} digits)",
        points=1, digits=digits, max_difference=numeric.difference_string(difference),
        counterexample=Counterexample(point={}, lhs_value=shown[0], rhs_value=shown[1]),
    ))


def _complex_text(value: mpmath.mpf | mpmath.mpc) -> str:
    """``2.0 + 1.0i``: a complex value as a deterministic decimal string."""
    number = mpmath.mpc(value)
    real, imag = number.real, number.imag
    if imag == 0:
        return numeric.decimal_string(real)
    if real == 0:
        return f"{numeric.decimal_string(imag)}i"
    sign = "-" if imag < 0 else "+"
    return f"{numeric.decimal_string(real)} {sign} {numeric.decimal_string(abs(imag))}i"


#: Functions that jump; a claim about them can fail at isolated points only.
_JUMPS = (sp.sign, sp.Heaviside, sp.Abs, sp.floor, sp.ceiling, sp.frac)
#: The integers tried as values of a floor/ceiling argument.
_INTEGER_TARGETS = tuple(range(-3, 4))


def _points(sides: Sides, rng: random.Random, limit: int) -> Iterator[Point]:
    """The points where a jump happens first (sign(x)^2 = 1 fails only at 0; ceiling(x) =
    floor(x) + 1 only at integers), then the seeded sample points."""
    regular = list(numeric.sample_points(sides.symbols, sides.domains, rng, limit))
    jumps = _jump_points(sides, regular[0] if regular else {})
    seen = {tuple(sorted((s.name, v) for s, v in p.items())) for p in jumps}
    yield from jumps
    for point in regular:
        if tuple(sorted((s.name, v) for s, v in point.items())) not in seen:
            yield point


def _jump_points(sides: Sides, base: Point) -> list[Point]:
    """Points (inside the domains) where the argument of a jump function, linear in one
    variable with rational coefficients, is 0 or an integer; other variables as in ``base``."""
    points: list[Point] = []
    for node in sp.preorder_traversal(sp.Tuple(sides.lhs, sides.rhs)):
        if not isinstance(node, _JUMPS) or not node.args:
            continue
        argument = node.args[0]
        variables = [v for v in sides.symbols if argument.has(v)]
        if len(variables) != 1:
            continue
        variable = variables[0]
        others = {v: numeric.to_rational(base[v]) for v in base if v != variable}
        try:
            line = sp.Poly(argument.xreplace(others), variable)
        except sp.PolynomialError:
            continue
        if line.degree() != 1 or not all(c.is_Rational for c in line.all_coeffs()):
            continue
        slope, intercept = (Fraction(int(c.p), int(c.q)) for c in line.all_coeffs())
        targets = (0,) if isinstance(node, sp.sign | sp.Heaviside | sp.Abs) else _INTEGER_TARGETS
        interval = sides.domains.get(variable.name, numeric.Interval()).intersect(
            numeric.interval_of_symbol(variable)
        )
        for target in targets:
            value = (target - intercept) / slope
            if interval.contains(value):
                points.append({**base, variable: value})
    return points[:16]


@dataclass(frozen=True)
class _Mismatch:
    point: Point
    lhs_value: mpmath.mpf
    rhs_value: mpmath.mpf
    digits: int


#: Extra working digits beyond the digits a verdict claims.
GUARD_DIGITS = 15
#: The highest working precision a sample point may escalate to before it is skipped.
MAX_WORKING_DIGITS = 600


def _compare_at(
    functions: tuple[MpFunction, MpFunction], point: Point, digits: int,
    *, screening: bool = False,
) -> mpmath.mpf | _Mismatch | None:
    """|lhs - rhs| if the sides agree to ``digits`` digits at ``point``, a confirmed
    mismatch, or None where a side is undefined or the values are not stable.

    Each side is evaluated at two working precisions; a value counts only when both
    agree to ``digits`` digits (cancellation that eats every digit shows up as
    disagreement).  An unstable point escalates precision up to MAX_WORKING_DIGITS, then
    is skipped: one re-evaluation at a fixed precision is not a confirmation.
    ``screening``: sides that agree at the first precision pass without the second (the
    screen only ever refutes; agreement there is no evidence).
    """
    f, g = functions
    low = digits + GUARD_DIGITS
    a, b = f(point, low), g(point, low)
    if a is None or b is None:
        return None
    if screening and agree(a, b, digits):
        return abs(a - b)
    while True:
        high = 2 * low
        a_high, b_high = f(point, high), g(point, high)
        if a_high is None or b_high is None:
            return None
        if agree(a, a_high, digits) and agree(b, b_high, digits):
            break  # both values are right to ``digits`` digits
        if high >= MAX_WORKING_DIGITS:
            return None
        low, a, b = high, a_high, b_high
    if agree(a_high, b_high, digits):
        return abs(a_high - b_high)
    if not all(numeric.real_throughout(h.expr, point) for h in functions):
        return None  # real only through complex intermediates: outside the real domain
    return _Mismatch(point, a_high, b_high, high)


def _refutation(sides: Sides, mismatch: _Mismatch, stage: str, budget: Budget) -> Outcome:
    lhs_value, rhs_value = _distinct_decimals(mismatch)
    counterexample = Counterexample(
        point=numeric.point_to_strings(mismatch.point), lhs_value=lhs_value, rhs_value=rhs_value
    )
    where = ", ".join(f"{k} = {v}" for k, v in counterexample.point.items()) or "the constants"
    # The counterexample stands on its own; the hint is an extra, only with time left.
    hint = explain_difference(sides.lhs, sides.rhs, sides.symbols, sides.domains, budget)
    detail = (
        f"the sides differ at {where}: lhs = {counterexample.lhs_value}, "
        f"rhs = {counterexample.rhs_value} ({stage}, confirmed at {mismatch.digits} digits)"
    )
    if hint is not None:
        detail += f"; {hint.text}"
    return Outcome(
        Verdict.REFUTED,
        Evidence(
            method="sampling",
            detail=detail,
            points=1,
            digits=mismatch.digits,
            max_difference=numeric.difference_string(mismatch.lhs_value - mismatch.rhs_value),
            counterexample=counterexample,
            hint=None if hint is None else hint.text,
            holds_where=None if hint is None else hint.holds_where,
        ),
    )


def _distinct_decimals(mismatch: _Mismatch) -> tuple[str, str]:
    """Both values with enough digits that they visibly differ (e^(pi sqrt 163) is no integer)."""
    significant = 15
    while True:
        lhs = numeric.decimal_string(mismatch.lhs_value, significant)
        rhs = numeric.decimal_string(mismatch.rhs_value, significant)
        if lhs != rhs or significant >= mismatch.digits:
            return lhs, rhs
        significant = min(2 * significant, mismatch.digits)
