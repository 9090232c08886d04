"""Seeded real sample points, mpmath evaluation and decimal strings.

Everything numeric the verifier does goes through here.  Points are exact
rationals with short decimal expansions (simple ones like 1/2, 1, 2, -1 first)
so that a counterexample can be re-checked by hand.  Values are computed with
mpmath at a chosen number of significant digits; float64 is never trusted
because ``1 - 1/(1+e^{-x})`` cancels catastrophically at large x.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

#: Tried first, in this order: easy to re-check by hand.
SIMPLE_VALUES: tuple[Fraction, ...] = tuple(
    Fraction(v)
    for v in ("1/2", "1", "2", "-1", "-1/2", "3", "-2", "3/2", "-3/2", "1/4", "5", "-3", "3/4")
)
#: Random points are multiples of this, so their decimal expansion is short and exact.
GRID = Fraction(1, 1000)
#: Half-width of the sampling window for an unbounded variable.
SPAN = Fraction(10)

#: Objects that have no numeric value until something is evaluated or defined.
_NOT_NUMERIC = (sp.Derivative, sp.Integral, sp.Limit, sp.Subs, sp.Sum, sp.Product)


@dataclass(frozen=True)
class Interval:
    """Where a variable may be sampled; ``None`` means unbounded.  A bound is open unless
    its ``*_closed`` flag says so (``x >= 0`` includes 0, and 0 is then sampled first)."""

    low: Fraction | None = None
    high: Fraction | None = None
    integer: bool = False
    low_closed: bool = False
    high_closed: bool = False

    def contains(self, value: Fraction) -> bool:
        if self.low is not None and (
            value < self.low or (value == self.low and not self.low_closed)
        ):
            return False
        if self.high is not None and (
            value > self.high or (value == self.high and not self.high_closed)
        ):
            return False
        return not self.integer or value.denominator == 1

    def boundary_points(self) -> tuple[Fraction, ...]:
        """The closed ends: the points where a claim under ``x >= a`` most often fails."""
        ends = [(self.low, self.low_closed), (self.high, self.high_closed)]
        return tuple(v for v, closed in ends if v is not None and closed and self.contains(v))

    def intersect(self, other: Interval) -> Interval:
        low, low_closed = _tighter(
            (self.low, self.low_closed), (other.low, other.low_closed), higher=True
        )
        high, high_closed = _tighter(
            (self.high, self.high_closed), (other.high, other.high_closed), higher=False
        )
        return Interval(low, high, self.integer or other.integer, low_closed, high_closed)

    def window(self, narrow: bool = False) -> tuple[Fraction, Fraction]:
        """A finite window inside the interval to draw random points from.

        ``narrow`` shrinks an unbounded side tenfold, so that functions defined only
        near 0 (asin, sqrt(1 - x^2)) still get enough points.
        """
        span = SPAN / 10 if narrow else SPAN
        if self.low is not None and self.high is not None:
            return self.low, self.high
        if self.low is not None:
            return self.low, self.low + span
        if self.high is not None:
            return self.high - span, self.high
        return -span, span


Point = dict[sp.Symbol, Fraction]


def _tighter(
    a: tuple[Fraction | None, bool], b: tuple[Fraction | None, bool], *, higher: bool
) -> tuple[Fraction | None, bool]:
    """The tighter of two bounds (value, closed): the higher low or the lower high; at
    equal values an open bound is tighter than a closed one."""
    if a[0] is None:
        return b
    if b[0] is None:
        return a
    if a[0] == b[0]:
        return a[0], a[1] and b[1]
    return a if (a[0] > b[0]) == higher else b


def is_numeric(expr: sp.Basic) -> bool:
    """Whether ``expr`` can be sampled: no undefined functions, no unevaluated calculus."""
    if not isinstance(expr, sp.Expr):
        return False
    return not expr.atoms(AppliedUndef) and not expr.has(*_NOT_NUMERIC)


def sorted_symbols(*exprs: sp.Basic) -> list[sp.Symbol]:
    """Free symbols of ``exprs`` in a deterministic order (by name)."""
    symbols: set[sp.Symbol] = set()
    for expr in exprs:
        symbols |= {s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    return sorted(symbols, key=lambda s: (s.name, sp.default_sort_key(s)))


def interval_of_symbol(symbol: sp.Symbol) -> Interval:
    """What SymPy's own assumptions on ``symbol`` allow."""
    low = high = None
    if symbol.is_positive or symbol.is_nonnegative:
        low = Fraction(0)
    if symbol.is_negative or symbol.is_nonpositive:
        high = Fraction(0)
    return Interval(
        low, high, bool(symbol.is_integer),
        low_closed=not symbol.is_positive, high_closed=not symbol.is_negative,
    )


def sample_points(
    symbols: Sequence[sp.Symbol],
    domains: dict[str, Interval],
    rng: random.Random,
    limit: int,
) -> Iterator[Point]:
    """Up to ``limit`` points: simple values first, then seeded random grid points."""
    if not symbols:
        yield {}
        return
    intervals = [domains.get(s.name, Interval()).intersect(interval_of_symbol(s)) for s in symbols]
    seen: set[tuple[Fraction, ...]] = set()
    produced = 0
    for index in range(len(SIMPLE_VALUES)):
        # Different variables get different simple values, so x - y is not always 0.
        values = tuple(
            _simple_value(interval, index + 3 * position)
            for position, interval in enumerate(intervals)
        )
        if None in values or values in seen:
            continue
        seen.add(values)  # type: ignore[arg-type]
        yield dict(zip(symbols, values, strict=True))  # type: ignore[arg-type]
        produced += 1
        if produced >= limit:
            return
    attempts = 0
    while produced < limit and attempts < 20 * limit:
        attempts += 1
        values = tuple(_random_value(interval, rng) for interval in intervals)
        if values in seen:
            continue
        seen.add(values)  # type: ignore[arg-type]
        yield dict(zip(symbols, values, strict=True))  # type: ignore[arg-type]
        produced += 1


def _simple_value(interval: Interval, index: int) -> Fraction | None:
    candidates = [*interval.boundary_points()]
    candidates += [v for v in SIMPLE_VALUES if interval.contains(v) and v not in candidates]
    if not candidates:
        low, high = interval.window()
        candidates = [
            v for v in (low + (high - low) * k / 8 for k in range(1, 8)) if interval.contains(v)
        ]
    return candidates[index % len(candidates)] if candidates else None


def _random_value(interval: Interval, rng: random.Random) -> Fraction:
    narrow = not interval.integer and rng.random() < 0.5
    low, high = interval.window(narrow)
    step = Fraction(1) if interval.integer else GRID
    first = int(low // step) + 1
    last = int(-(-high // step)) - 1
    if first > last:  # a window narrower than the grid: use its midpoint
        return (low + high) / 2
    return rng.randint(first, last) * step


def fraction_to_string(value: Fraction) -> str:
    """``1/2`` -> ``0.5``; a non-terminating rational stays ``p/q``."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    with localcontext() as ctx:
        ctx.prec = 200
        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return text


def point_to_strings(point: Point) -> dict[str, str]:
    return {symbol.name: fraction_to_string(value) for symbol, value in point.items()}


def to_rational(value: Fraction) -> sp.Rational:
    return sp.Rational(value.numerator, value.denominator)


class MpFunction:
    """``expr`` evaluated at exact points at any precision, by derive's own tree walk.

    ``derive.verify.evaluate`` never turns the expression into code, so a name from a
    document (``\\operatorname{exit}``) is only data.  Returns ``None`` where the value
    is undefined, infinite or not real, or too large to compute (a guard tripped).
    Nodes the evaluator does not know (Integral, Sum, special functions) fall back to
    SymPy's ``evalf``, which is numeric evaluation too, not code generation.
    """

    def __init__(self, expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> None:
        self.expr = expr
        self.symbols = list(symbols)
        # The whitelist and shape guards are checked once; a refusal is kept for the calls.
        self._plan: evaluate.Plan | None = None
        self._refusal: evaluate.EvaluationError | None = None
        try:
            self._plan = evaluate.prepare(expr)
        except evaluate.EvaluationError as exc:
            self._refusal = exc
        # Only for the evalf fallback: an undefined function has no value there either.
        self._has_undefined = isinstance(self._refusal, evaluate.NotEvaluable) and bool(
            expr.atoms(AppliedUndef)
        )

    def __call__(self, point: Point, digits: int) -> mpmath.mpf | None:
        with mpmath.workdps(digits):
            try:
                if self._plan is None:
                    raise self._refusal or evaluate.NotEvaluable("not prepared")
                value: object = evaluate.evaluate(self._plan, point, digits)
            except evaluate.NotEvaluable:
                if self._has_undefined:
                    return None
                try:
                    value = self._evalf(point, digits)
                except (ArithmeticError, ValueError, TypeError, AttributeError):
                    return None
            except evaluate.EvaluationError:  # undefined here, or a guard refused
                return None
            return _as_real(value, digits)

    def _evalf(self, point: Point, digits: int) -> object:
        substituted = self.expr.xreplace({s: to_rational(v) for s, v in point.items()})
        value = substituted.evalf(digits)
        if value.is_real and value.is_finite:
            return mpmath.mpf(value)
        if value.is_finite and value.is_number:
            return mpmath.mpc(complex(value))
        return mpmath.nan


def real_throughout(expr: sp.Expr, point: Point) -> bool:
    """Whether every power and function inside ``expr`` is real at ``point``.

    sqrt(-3) * sqrt(-1) = -sqrt(3) is real, but only through complex intermediates;
    such a point is outside the real domain and must not serve as a counterexample.
    Costly (evalf per node), so only used to confirm a mismatch.
    """
    values = {s: to_rational(v) for s, v in point.items()}
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Pow | sp.Function) or not node.free_symbols:
            continue
        if isinstance(node, sp.Pow) and node.exp.is_integer:
            continue
        try:
            value = complex(node.xreplace(values).evalf(20))
        except (TypeError, ValueError, ArithmeticError):
            return False
        if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
            return False
    return True


def _as_real(value: object, digits: int) -> mpmath.mpf | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Fraction):
        value = mpmath.mpf(value)
    if isinstance(value, mpmath.mpc):
        # mpmath returns mpc for sqrt(-1), log(-2): not a real point.  A zero
        # imaginary part from exact cancellation still counts as real.
        if abs(value.imag) > mpmath.mpf(10) ** (8 - digits) * max(1, abs(value.real)):
            return None
        value = value.real
    if not isinstance(value, mpmath.mpf):
        return None
    if mpmath.isnan(value) or mpmath.isinf(value):
        return None
    return value


def tolerance(digits: int, *values: mpmath.mpf) -> mpmath.mpf:
    """What counts as equal at ``digits`` significant digits (8 spare digits for cancellation)."""
    scale = max([mpmath.mpf(1), *(abs(v) for v in values)])
    return mpmath.mpf(10) ** (8 - digits) * scale


def close(a: mpmath.mpf, b: mpmath.mpf, digits: int) -> bool:
    return bool(abs(a - b) <= tolerance(digits, a, b))


def decimal_string(value: mpmath.mpf, significant: int = 15) -> str:
    """A deterministic decimal string (mpmath's shortest form at ``significant`` digits)."""
    with mpmath.workdps(max(significant + 5, 20)):
        return str(mpmath.nstr(value, significant))


def difference_string(value: mpmath.mpf) -> str:
    return str(mpmath.nstr(abs(value), 3))


def nice_number(value: mpmath.mpf, digits: int = 20) -> str:
    """A short exact-looking form: ``2``, ``-1``, ``1/2``, else ~8 significant digits."""
    with mpmath.workdps(digits + 10):
        fraction = Fraction(str(mpmath.nstr(value, digits))).limit_denominator(1000)
        if abs(mpmath.mpf(fraction.numerator) / fraction.denominator - value) <= mpmath.mpf(10) ** (
            6 - digits
        ) * max(1, abs(value)):
            return str(fraction)
        return str(mpmath.nstr(value, 8))


# Last, not first: importing derive.verify.evaluate runs derive/verify/__init__.py, whose
# modules import the names above from this one.  Importing here (not on first use) keeps
# the import's cost out of the first verification's time budget.
from derive.verify import evaluate  # noqa: E402
