"""The build's grid checks of a closed-form derivative, as claims of the kernel.

Two independent numeric checks of ``closed == d/dx definition`` on a fixed grid:

- ``FINITE_DIFFERENCE``: a central difference of the definition, in float64 arithmetic
  on values from the guarded evaluator; a float64 disagreement counts only when the
  evaluation at two high precisions confirms it (float64 cancels catastrophically in
  ``1 - 1/(1+e^{-x})`` at large x);
- ``HIGH_PRECISION``: the closed form against ``mpmath.diff`` of the definition, each at
  two working precisions; a point where either moves between them is ill-conditioned
  and is left out.

Both evaluate by walking the expression tree (``derive.numeric.MpFunction``): nothing
is compiled from the expressions, whatever their names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from derive.model import Counterexample, Evidence, Outcome, Stage, Verdict, VerifySettings
from derive.numeric import MpFunction
from derive.verify.worker import run_isolated

GRID_LOW, GRID_HIGH, GRID_POINTS = -10.0, 10.0, 100
GRID_TEXT = f"linspace({GRID_LOW:g}, {GRID_HIGH:g}, {GRID_POINTS})"
#: Step of the central difference (float64: ~sqrt of machine epsilon, scaled).
FD_STEP = 1e-5
#: Relative tolerance of the float64 central difference.
FD_TOLERANCE = 1e-6


class GridMethod(StrEnum):
    FINITE_DIFFERENCE = "finite difference"
    HIGH_PRECISION = "target vs definition"


@dataclass(frozen=True)
class GridOutcome:
    outcome: Outcome
    max_error: str | None = None


def grid() -> np.ndarray:
    return np.linspace(GRID_LOW, GRID_HIGH, GRID_POINTS)


def verify_derivative_on_grid(
    definition: sp.Expr,
    closed: sp.Expr,
    x: sp.Symbol,
    method: GridMethod,
    settings: VerifySettings,
) -> GridOutcome:
    """Is ``closed`` the derivative of ``definition`` at every usable grid point?"""
    check = _finite_difference if method is GridMethod.FINITE_DIFFERENCE else _high_precision
    return run_isolated(
        check, definition, closed, x, settings, settings=settings, on_failure=GridOutcome,
    )


def _fraction(value: float | mpmath.mpf) -> Fraction:
    """The exact binary value of a float or an mpf (the evaluator takes exact points)."""
    if isinstance(value, float):
        return Fraction(value)
    sign, mantissa, exponent, _ = mpmath.mpf(value)._mpf_  # man_exp drops the sign
    magnitude = Fraction(int(mantissa)) * Fraction(2) ** int(exponent)
    return -magnitude if sign else magnitude


@dataclass
class _Precise:
    """The closed form and mpmath's numerical derivative of the definition, at two
    precisions; None where they are not stable (ill-conditioned, e.g. cos(e^{x^2}) for
    large x) or not real."""

    definition: MpFunction
    closed: MpFunction
    x: sp.Symbol
    digits: int

    def at(self, point: float) -> tuple[mpmath.mpf, mpmath.mpf] | None:
        pairs = []
        for dps in (self.digits + 10, 2 * self.digits + 20):
            closed = self.closed({self.x: _fraction(point)}, dps)
            if closed is None:
                return None
            with mpmath.workdps(dps):
                try:
                    derivative = mpmath.diff(self._definition, mpmath.mpf(point))
                except (ValueError, ZeroDivisionError, TypeError, OverflowError):
                    return None
            if not (isinstance(derivative, mpmath.mpf) and mpmath.isfinite(derivative)):
                return None
            pairs.append((closed, derivative))
        (low_closed, low_numeric), (high_closed, high_numeric) = pairs
        if _relative(low_closed, high_closed) > self.tolerance:
            return None
        if _relative(low_numeric, high_numeric) > self.tolerance:
            return None
        return high_closed, high_numeric

    def _definition(self, t: mpmath.mpf) -> mpmath.mpf:
        # at mpmath's current precision: mpmath.diff raises it to resolve its small step
        result = self.definition({self.x: _fraction(t)}, mpmath.mp.dps)
        if result is None:
            raise ValueError("not real here")
        return result

    @property
    def tolerance(self) -> float:
        return 10.0 ** (5 - self.digits)


def _relative(a: mpmath.mpf, b: mpmath.mpf) -> float:
    return float(abs(a - b) / max(mpmath.mpf(1), abs(b)))


def _floats(function: MpFunction, x: sp.Symbol, points: np.ndarray) -> np.ndarray:
    """``function`` at each point, rounded to float64 (nan where undefined or not real)."""
    values = np.full(points.shape, np.nan)
    for i, point in enumerate(points):
        value = function({x: _fraction(float(point))}, 20)
        if value is not None:
            values[i] = float(value)
    return values


def _finite_difference(
    definition: sp.Expr, closed: sp.Expr, x: sp.Symbol, settings: VerifySettings
) -> GridOutcome:
    f, df = MpFunction(definition, [x]), MpFunction(closed, [x])
    points = grid()
    with np.errstate(all="ignore"):
        central = (_floats(f, x, points + FD_STEP) - _floats(f, x, points - FD_STEP)) / (
            2 * FD_STEP
        )
        claimed = _floats(df, x, points)
        scale = np.maximum(1.0, np.maximum(np.abs(_floats(f, x, points)), np.abs(claimed)))
        errors = np.abs(claimed - central) / scale
    usable = np.isfinite(central) & np.isfinite(claimed) & np.isfinite(scale)
    precise = _Precise(f, df, x, settings.digits)
    for i in np.flatnonzero(usable & ~(errors <= FD_TOLERANCE)):
        pair = precise.at(float(points[i]))
        if pair is None or _relative(*pair) <= precise.tolerance:
            usable[i] = False  # float64 noise, not a wrong closed form
    return _verdict(
        points, usable, errors, claimed, central, FD_TOLERANCE,
        f"central difference with h = {FD_STEP:g} in float64, relative tolerance {FD_TOLERANCE:g}",
        digits=15,
    )


def _high_precision(
    definition: sp.Expr, closed: sp.Expr, x: sp.Symbol, settings: VerifySettings
) -> GridOutcome:
    points = grid()
    precise = _Precise(MpFunction(definition, [x]), MpFunction(closed, [x]), x, settings.digits)
    errors = np.full(points.shape, np.nan)
    claimed_values = np.full(points.shape, np.nan)
    numeric_values = np.full(points.shape, np.nan)
    for i, point in enumerate(points):
        pair = precise.at(float(point))
        if pair is None:
            continue
        errors[i] = _relative(*pair)
        claimed_values[i], numeric_values[i] = float(pair[0]), float(pair[1])
    return _verdict(
        points, np.isfinite(errors), errors, claimed_values, numeric_values, precise.tolerance,
        f"closed form vs mpmath.diff of the definition at {settings.digits} and "
        f"{2 * settings.digits + 20} digits, relative tolerance {precise.tolerance:g}",
        digits=2 * settings.digits + 20,
    )


def _verdict(
    points: np.ndarray,
    usable: np.ndarray,
    errors: np.ndarray,
    claimed: np.ndarray,
    reference: np.ndarray,
    tolerance: float,
    method: str,
    *,
    digits: int,
) -> GridOutcome:
    count = int(np.count_nonzero(usable))
    if count == 0:
        return GridOutcome(Outcome(
            Verdict.UNKNOWN, Evidence(Stage.GRID, f"no grid point in the real domain ({method})")
        ))
    masked = np.where(usable, errors, -1.0)
    worst = int(np.argmax(masked))
    max_error = f"{masked[worst]:.1e}"
    if masked[worst] > tolerance:
        evidence = Evidence(
            Stage.GRID,
            f"closed form differs at x = {float(points[worst])!r} ({method})",
            points=count,
            digits=digits,
            max_difference=max_error,
            counterexample=Counterexample(
                {"x": repr(float(points[worst]))},
                repr(float(claimed[worst])),
                repr(float(reference[worst])),
            ),
        )
        return GridOutcome(Outcome(Verdict.REFUTED, evidence), max_error)
    evidence = Evidence(
        Stage.GRID,
        f"agrees at {count} points of {GRID_TEXT} ({method})",
        points=count,
        digits=digits,
        max_difference=max_error,
    )
    return GridOutcome(Outcome(Verdict.CHECKED, evidence), max_error)
