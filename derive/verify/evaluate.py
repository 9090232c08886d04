"""A guarded numeric evaluator for SymPy expressions: a tree walk, never code generation.

``evaluate`` walks the expression with a dispatch table keyed on the node's exact type
(a whitelist); anything else raises :class:`NotEvaluable`.  No name that occurs in the
expression is ever looked up in a Python namespace and nothing is printed to source
and compiled, so ``\\operatorname{exit}(3)`` or a symbol named ``r_{[open('f','w')]}``
is just data.  Rational subexpressions stay exact (``fractions.Fraction``) until an
irrational function needs a float; mpmath does the rest at the caller's precision.

Guards raise :class:`TooLarge` before any huge work: long integer literals, integer
powers whose exact result would be enormous, factorials of huge numbers, arguments so
large that argument reduction would need millions of bits, and trees too big or too
deep.  The walk is iterative, so a deep tree raises ``TooLarge``, not ``RecursionError``.

``stable_value`` evaluates at two (or more) working precisions and returns a value only
when they agree, so a claim "confirmed at 70 digits" cannot rest on digits that
cancellation destroyed.  ``enclose`` computes a rigorous interval (``mpmath.iv``) for
certified decimal claims.

This module imports only sympy, mpmath and the standard library.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, TypeAlias

import mpmath
import sympy as sp
from mpmath.libmp import from_rational, round_nearest
from sympy import integer_nthroot
from sympy.functions.elementary.piecewise import ExprCondPair

__all__ = [
    "EvaluationError",
    "NotEvaluable",
    "TooLarge",
    "Undefined",
    "enclose",
    "Plan",
    "evaluate",
    "prepare",
    "stable_value",
    "working_precisions",
]

#: Integer literals longer than this (decimal digits) are refused.
MAX_LITERAL_DIGITS = 10_000
_MAX_LITERAL_BITS = math.ceil(MAX_LITERAL_DIGITS * math.log2(10))
#: Exact rational results (integer powers, factorials, binomials) above this many bits are
#: refused; sums and products above it continue in floating point instead.
MAX_EXACT_BITS = 1_000_000
#: Distinct nodes (by identity) of one expression.
MAX_NODES = 100_000
#: Nesting depth of one expression.
MAX_DEPTH = 1_000
#: |x| above this in factorial, gamma, binomial: the exact value would have > ~10^6 bits.
MAX_GAMMA_ARGUMENT = 100_000
#: exp, trig and hyperbolic functions of |x| >= 2^this need that many extra bits for
#: argument reduction; integer exponents of floating values are bounded the same way.
MAX_ARGUMENT_BITS = 10_000
#: Factorials and binomials up to this size are computed exactly (cheap, and exact
#: arithmetic keeps n!/(n-1)! = n exact).
_EXACT_FACTORIAL_LIMIT = 1_000
#: Roots of exact rationals are tried exactly for indices up to this.
_EXACT_ROOT_INDEX = 64
#: Jumps (sign, floor, Heaviside, comparisons) refuse inexact arguments this many decimal
#: digits short of the working precision away from the jump: rounding noise there could
#: land on either side.
_JUMP_GUARD_DIGITS = 10


class EvaluationError(Exception):
    """Base of everything this module raises about an expression."""


class NotEvaluable(EvaluationError):
    """The expression contains a node this evaluator does not know (by design)."""


class TooLarge(EvaluationError):
    """Evaluating would need huge time or memory; refused before doing the work."""


class Undefined(EvaluationError):
    """The expression has no finite value at this point (a pole, log 0, 0/0, ...)."""


#: A value during the walk: exact while rational, else mpmath (mpf, or mpc when not real).
Number: TypeAlias = "Fraction | mpmath.mpf | mpmath.mpc"
Point = Mapping[sp.Symbol, Fraction]
#: Called once per node actually evaluated (cache misses only); for tests and profiling.
EvaluationHook = Callable[[sp.Basic], None]


# --------------------------------------------------------------------------------------
# Public API


def prepare(expr: sp.Basic) -> Plan:
    """``expr`` checked against the whitelist and the shape guards, ready to evaluate at
    many points (``MpFunction`` prepares once per side).  Raises like :func:`evaluate`."""
    return _prepare(expr, _MP_HANDLERS)


def evaluate(
    expr: sp.Basic | Plan,
    point: Point,
    dps: int,
    *,
    on_evaluate: EvaluationHook | None = None,
) -> mpmath.mpf | mpmath.mpc:
    """The value of ``expr`` at ``point`` with ``dps`` working decimal digits.

    Raises :class:`NotEvaluable` for a node outside the whitelist (or a symbol without
    a value), :class:`TooLarge` when a guard trips, :class:`Undefined` where the value
    is not finite.  Non-real values come back as ``mpc``.  ``on_evaluate`` is called
    once per subexpression actually computed (equal subtrees are computed once).
    """
    return _evaluate(expr, point, dps, on_evaluate)[0]


def _evaluate(
    expr: sp.Basic | Plan, point: Point, dps: int, hook: EvaluationHook | None = None
) -> tuple[mpmath.mpf | mpmath.mpc, bool]:
    """The value, and whether some rounded intermediate vanished (see ``_Walk.vanished``)."""
    plan = expr if isinstance(expr, Plan) else prepare(expr)
    with mpmath.workdps(dps):
        walk = _Walk(point, hook)
        value = walk.run(plan)
        result = _to_mp(value)
        if not mpmath.isfinite(result):
            raise Undefined("the value is not finite")
        return result, walk.vanished


def working_precisions(digits: int, max_dps: int | None = None) -> list[int]:
    """The ladder of working precisions ``stable_value`` climbs for ``digits`` digits.

    ``digits + 15`` and ``2 * digits + 30`` first; then doubling while at most ``max_dps``.
    """
    ladder = [digits + 15, 2 * digits + 30]
    while max_dps is not None and 2 * ladder[-1] <= max_dps:
        ladder.append(2 * ladder[-1])
    return ladder


def stable_value(
    expr: sp.Basic, point: Point, digits: int, *, max_dps: int | None = None
) -> mpmath.mpf | mpmath.mpc | None:
    """The value of ``expr`` at ``point`` when it is stable to ``digits`` digits, else None.

    Evaluates at the precisions of :func:`working_precisions` and returns the value at
    the first precision that agrees with the one before it to ``digits`` significant
    digits: relative, ``|a - b| <= 10^-digits * max(|a|, |b|, 1)``.  The absolute floor
    (the ``1``) is needed because a true zero (``sin(pi)``, ``x - x`` at an inexact
    point) comes out as rounding noise of a size set by the intermediates, different at
    each precision, so it can never agree relatively; below 1 the digits therefore count
    as decimal places, the same scale at which ``derive.numeric.close`` compares.  When
    catastrophic cancellation eats the digits, the precisions disagree and the answer is
    None (unstable) rather than a wrong value; pass a larger ``max_dps`` to let the
    ladder climb (each rung doubles the precision) before giving up.

    :class:`EvaluationError` propagates (not evaluable, too large, undefined).
    """
    previous: mpmath.mpf | mpmath.mpc | None = None
    for dps in working_precisions(digits, max_dps):
        value, vanished = _evaluate(expr, point, dps)
        if vanished:
            # A rounded intermediate became exactly 0 (log(1 + 10^-129) at 35 digits): 0 is
            # the same at every precision, so agreement would prove nothing.  Climb on.
            previous = None
            continue
        if previous is not None and _agree(previous, value, digits, dps):
            return value
        previous = value
    return None


def enclose(expr: sp.Basic, point: Point, dps: int) -> Any:
    """A rigorous interval (``mpmath.iv.mpf``) containing the real value of ``expr``.

    Supports numbers, symbols (from ``point``), pi, e, EulerGamma, Catalan, GoldenRatio,
    +, *, powers (integer exponents; rational and real exponents of positive bases),
    sqrt, exp, log, sin, cos, tan, atan, sinh, cosh, tanh and Abs; anything else raises
    :class:`NotEvaluable`.  Raises :class:`Undefined` when the enclosure is not a
    finite real interval (a log of an interval reaching 0, a division by one holding 0).
    """
    plan = _prepare(expr, _IV_HANDLERS)
    iv = mpmath.iv
    saved = iv.prec
    iv.dps = dps
    try:
        value = _Walk(point, None).run(plan)
        value = _to_iv(value)
        if not (mpmath.isfinite(value.a) and mpmath.isfinite(value.b)):
            raise Undefined("the enclosure is not finite")
        return value
    finally:
        iv.prec = saved


# --------------------------------------------------------------------------------------
# The walk


class _Failed:
    """An Undefined raised at a node, kept as a value so Piecewise can skip that branch."""

    __slots__ = ("error",)

    def __init__(self, error: Undefined) -> None:
        self.error = error


Handler = Callable[[sp.Basic, list[Any], Point], Any]
#: One distinct subexpression: the node, its handler, and where its arguments are.
_Step = tuple[sp.Basic, Handler, tuple[int, ...]]


class Plan:
    """An expression's distinct subexpressions, children first, each with its handler.

    Plain data (nodes and handlers from the whitelist), not code.  Building it checks
    every node's type and the size and depth guards; equal subtrees share one step, so
    a subtree repeated a thousand times is computed once per evaluation.
    """

    __slots__ = ("expr", "steps")

    def __init__(self, expr: sp.Basic, steps: tuple[_Step, ...]) -> None:
        self.expr = expr
        self.steps = steps


def _prepare(expr: sp.Basic, handlers: Mapping[type, Handler]) -> Plan:
    if not isinstance(expr, sp.Expr):
        raise NotEvaluable(f"{type(expr).__name__} is not an expression")
    index: dict[sp.Basic, int] = {}
    steps: list[_Step] = []
    for node in _postorder(expr, handlers):
        # Children come first, so hashing here is one level deep (SymPy caches hashes).
        if node in index:
            continue
        arguments = () if node.is_Atom else tuple(index[arg] for arg in node.args)
        index[node] = len(steps)
        handler = handlers[type(node)]
        if handler is _integer or handler is _rational:
            # Literals are the same at every point and precision: checked and made once.
            value = handler(node, [], {})
            handler = _literal(value)
        steps.append((node, handler, arguments))
    return Plan(expr, tuple(steps))  # the root is the last step: nothing else equals it


def _postorder(expr: sp.Basic, handlers: Mapping[type, Handler]) -> list[sp.Basic]:
    """Nodes children-first; shared objects once; every guard on shape checked here."""
    order: list[sp.Basic] = []
    seen: set[int] = set()  # by identity: no hashing of a not yet checked subtree
    stack: list[tuple[sp.Basic, int, bool]] = [(expr, 0, False)]
    while stack:
        node, depth, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise TooLarge(f"the expression is nested more than {MAX_DEPTH} levels deep")
        if len(seen) > MAX_NODES:
            raise TooLarge(f"the expression has more than {MAX_NODES} nodes")
        if type(node) not in handlers:
            raise NotEvaluable(f"cannot evaluate {type(node).__name__}")
        stack.append((node, depth, True))
        if not node.is_Atom:
            stack.extend((arg, depth + 1, False) for arg in reversed(node.args))
    return order


class _Walk:
    """One evaluation of a plan at one point and precision."""

    def __init__(self, point: Point, hook: EvaluationHook | None) -> None:
        self.point = point
        self.hook = hook
        #: Some node computed exactly 0 in floating point from non-zero inputs at least
        #: one of which was rounded (cancellation or absorption ate every digit).
        self.vanished = False

    def run(self, plan: Plan) -> Any:
        values: list[Any] = []
        append = values.append
        hook, point = self.hook, self.point
        for node, handler, arguments in plan.steps:
            args = [values[i] for i in arguments]
            if _Failed in map(type, args) and handler not in _SEES_FAILURES:
                append(next(arg for arg in args if type(arg) is _Failed))
                continue
            try:
                value = handler(node, args, point)
                kind = type(value)
                if kind is _MPF or kind is _MPC:
                    if not _finite(value):
                        raise Undefined(f"{type(node).__name__} is not finite here")
                    if not value and _rounded_inputs_vanished(args):
                        self.vanished = True
                elif kind is _INTERVAL and not all(end[1] or not end[2] for end in value._mpi_):
                    # 1/[-1, 1] is [-inf, inf]: the value may not exist; atan would hide it.
                    raise Undefined(f"{type(node).__name__} is not bounded here")
            except Undefined as exc:
                value = _Failed(exc)
            except (ZeroDivisionError, mpmath.libmp.ComplexResult) as exc:
                value = _Failed(Undefined(f"{type(node).__name__}: {exc}"))
            except ValueError as exc:  # mpmath's poles ("gamma function pole") and domains
                value = _Failed(Undefined(f"{type(node).__name__}: {exc}"))
            append(value)
            if hook is not None:
                hook(node)
        value = values[-1]
        if type(value) is _Failed:
            raise value.error
        if type(value) is bool:
            raise NotEvaluable("a truth value is not a number")
        return value


_MPF = type(mpmath.mpf(1))
_MPC = type(mpmath.mpc(1))
_INTERVAL = type(mpmath.iv.mpf(1))


def _finite(value: mpmath.mpf | mpmath.mpc) -> bool:
    """Finite, read off mpmath's raw tuples (mpmath.isfinite is a slower generic path):
    +-inf and nan are the only values with a zero mantissa and a non-zero exponent."""
    parts = (value._mpf_,) if type(value) is _MPF else value._mpc_
    return all(part[1] or not part[2] for part in parts)


def _rounded_inputs_vanished(args: list[Any]) -> bool:
    """Whether non-zero inputs, some in floating point, gave an exact 0 (no digits left)."""
    numbers = [a for a in args if type(a) in (Fraction, _MPF, _MPC)]
    return (
        bool(numbers)
        and all(a != 0 for a in numbers)
        and any(type(a) is not Fraction for a in numbers)
    )


# --------------------------------------------------------------------------------------
# Conversions


def _to_mp(value: Number) -> mpmath.mpf | mpmath.mpc:
    if type(value) is Fraction:
        prec = mpmath.mp.prec
        return mpmath.mp.make_mpf(
            from_rational(value.numerator, value.denominator, prec, round_nearest)
        )
    return value


def _to_iv(value: Any) -> Any:
    if type(value) is Fraction:
        return mpmath.iv.mpf(value.numerator) / value.denominator
    return value


def _bits(value: Fraction) -> int:
    return value.numerator.bit_length() + value.denominator.bit_length()


def _log2_magnitude(value: Number) -> int:
    """About log2 |value| (0 for 0)."""
    if type(value) is Fraction:
        if value == 0:
            return 0
        return abs(value.numerator).bit_length() - value.denominator.bit_length()
    if value == 0:
        return 0
    return int(mpmath.mag(value))


def _check_argument(value: Number, name: str) -> None:
    if _log2_magnitude(value) > MAX_ARGUMENT_BITS:
        raise TooLarge(f"{name} of a number above 2^{MAX_ARGUMENT_BITS}")


def _real(value: Number, name: str) -> Fraction | mpmath.mpf:
    """``value`` as a real number, or Undefined (a jump or order of complex numbers)."""
    if type(value) is _MPC:
        if value.imag != 0:
            raise Undefined(f"{name} of a non-real number")
        return value.real
    return value


def _decided_sign(value: Fraction | mpmath.mpf, name: str, scale: Any = 1) -> int:
    """The sign of ``value``; an inexact value too close to 0 to be sure is Undefined.

    ``scale`` is the size of the numbers ``value`` was computed from (|x| for x - round(x),
    |a| + |b| for a - b): rounding noise is relative to them.
    """
    if type(value) is Fraction:
        return (value > 0) - (value < 0)
    noise = mpmath.mpf(10) ** (_JUMP_GUARD_DIGITS - mpmath.mp.dps) * max(1, abs(scale))
    if abs(value) <= noise:
        raise Undefined(f"{name}: too close to a jump to decide at this precision")
    return 1 if value > 0 else -1


# --------------------------------------------------------------------------------------
# Leaves


def _integer(node: Any, args: list[Any], point: Point) -> Fraction:
    if node.p.bit_length() > _MAX_LITERAL_BITS:
        raise TooLarge(f"an integer literal longer than {MAX_LITERAL_DIGITS} digits")
    return Fraction(node.p)


def _rational(node: Any, args: list[Any], point: Point) -> Fraction:
    if max(node.p.bit_length(), node.q.bit_length()) > _MAX_LITERAL_BITS:
        raise TooLarge(f"a rational literal longer than {MAX_LITERAL_DIGITS} digits")
    return Fraction(node.p, node.q)


def _literal(value: Fraction) -> Handler:
    return lambda node, args, point: value


def _float(node: Any, args: list[Any], point: Point) -> mpmath.mpf:
    return mpmath.mp.make_mpf(node._mpf_)


def _symbol(node: Any, args: list[Any], point: Point) -> Fraction:
    try:
        value = point[node]
    except KeyError:
        raise NotEvaluable(f"no value for the symbol {node.name!r}") from None
    return Fraction(value)


def _constant(make: Callable[[], Any]) -> Handler:
    return lambda node, args, point: make()


def _tribonacci() -> mpmath.mpf:
    root = mpmath.sqrt(33)
    return (1 + mpmath.cbrt(19 + 3 * root) + mpmath.cbrt(19 - 3 * root)) / 3


# --------------------------------------------------------------------------------------
# Arithmetic


def _add(node: Any, args: list[Number], point: Point) -> Number:
    exact = [v for v in args if type(v) is Fraction]
    inexact = [v for v in args if type(v) is not Fraction]
    if sum(_bits(v) for v in exact) > MAX_EXACT_BITS:
        inexact += [_to_mp(v) for v in exact]
        exact = []
    total = sum(exact, Fraction(0))
    if not inexact:
        return total
    if total:
        inexact.append(_to_mp(total))
    return mpmath.fsum(inexact)


def _mul(node: Any, args: list[Number], point: Point) -> Number:
    exact = [v for v in args if type(v) is Fraction]
    inexact = [v for v in args if type(v) is not Fraction]
    if sum(_bits(v) for v in exact) > MAX_EXACT_BITS:
        inexact += [_to_mp(v) for v in exact]
        exact = []
    product = math.prod(exact, start=Fraction(1))
    if not inexact:
        return product
    result = inexact[0] if product == 1 else _to_mp(product) * inexact[0]
    for factor in inexact[1:]:
        result *= factor  # rounding each time: n factors cost at most n ulps
    return result


def _exact_integer_power(base: Fraction, n: int) -> Fraction:
    if base == 0:
        if n < 0:
            raise Undefined("0 to a negative power")
        return Fraction(1) if n == 0 else Fraction(0)
    if abs(base.numerator) == 1 and base.denominator == 1:
        return base**n  # +-1: any exponent is cheap
    if abs(n) * max(abs(base.numerator).bit_length(), base.denominator.bit_length()) > (
        MAX_EXACT_BITS
    ):
        raise TooLarge(f"an exact power with more than {MAX_EXACT_BITS} bits")
    return base**n


def _mp_integer_power(base: mpmath.mpf | mpmath.mpc, n: int) -> mpmath.mpf | mpmath.mpc:
    if n.bit_length() > MAX_ARGUMENT_BITS:
        raise TooLarge(f"an exponent above 2^{MAX_ARGUMENT_BITS}")
    if base == 0 and n < 0:
        raise Undefined("0 to a negative power")
    return base**n


def _exact_root(base: Fraction, q: int) -> Fraction | None:
    """The exact q-th root of ``base >= 0`` when it is rational, else None."""
    if q > _EXACT_ROOT_INDEX:
        return None
    top, top_exact = integer_nthroot(base.numerator, q)
    if not top_exact:
        return None
    bottom, bottom_exact = integer_nthroot(base.denominator, q)
    return Fraction(top, bottom) if bottom_exact else None


def _rational_power(base: Number, p: int, q: int) -> Number:
    """``base^(p/q)``, q > 1, on SymPy's principal branch."""
    if base == 0:
        if p < 0:
            raise Undefined("0 to a negative power")
        return Fraction(0)
    if type(base) is _MPC:
        if q == 2:
            return _mp_integer_power(mpmath.sqrt(base), p)
        return mpmath.power(base, mpmath.mpf(p) / q)
    magnitude: Number
    if type(base) is Fraction:
        root = _exact_root(abs(base), q)
        magnitude = (
            _exact_integer_power(root, p)
            if root is not None
            else _mp_integer_power(mpmath.root(_to_mp(abs(base)), q), p)
        )
    else:
        magnitude = _mp_integer_power(mpmath.root(abs(base), q), p)
    if base > 0:
        return magnitude
    # (-a)^(p/q) = a^(p/q) e^(i pi p/q); cospi/sinpi are exact at multiples of 1/2.
    turn = mpmath.mpf(p % (2 * q)) / q
    phase = mpmath.mpc(mpmath.cospi(turn), mpmath.sinpi(turn))
    return _to_mp(magnitude) * phase


def _pow(node: Any, args: list[Number], point: Point) -> Number:
    base, exponent = args
    if node.base is sp.E:
        return _exp(node, [exponent], point)
    if type(exponent) is Fraction:
        if exponent.denominator == 1:
            n = exponent.numerator
            if type(base) is Fraction:
                return _exact_integer_power(base, n)
            return _mp_integer_power(base, n)
        return _rational_power(base, exponent.numerator, exponent.denominator)
    if base == 0:
        if mpmath.re(exponent) > 0:
            return Fraction(0)
        raise Undefined("0 to a power with non-positive real part")
    base = _to_mp(base)
    # base^e = exp(e log base): bound the size of e log base before mpmath reduces it.
    if _log2_magnitude(exponent) + abs(_log2_magnitude(base)).bit_length() > MAX_ARGUMENT_BITS:
        raise TooLarge(f"a power whose logarithm is above 2^{MAX_ARGUMENT_BITS}")
    return mpmath.power(base, exponent)


# --------------------------------------------------------------------------------------
# Functions


def _exp(node: Any, args: list[Number], point: Point) -> Number:
    (x,) = args
    if type(x) is Fraction and x == 0:
        return Fraction(1)
    _check_argument(x, "exp")
    return mpmath.exp(_to_mp(x))


def _log(node: Any, args: list[Number], point: Point) -> Number:
    x = args[0]
    if x == 0:
        raise Undefined("log of 0")
    if type(x) is Fraction and x == 1:
        return Fraction(0)
    value = mpmath.log(_to_mp(x))
    if len(args) == 2:
        base = args[1]
        if base == 0 or base == 1:
            raise Undefined("log to base 0 or 1")
        value = value / mpmath.log(_to_mp(base))
    return value


def _unary(function: Callable[[Any], Any], *, guard: bool = False) -> Handler:
    """An mpmath function of one argument; ``guard`` bounds the argument's size."""

    def handler(node: Any, args: list[Number], point: Point) -> Number:
        (x,) = args
        if guard:
            _check_argument(x, type(node).__name__)
        return function(_to_mp(x))

    return handler


def _abs(node: Any, args: list[Number], point: Point) -> Number:
    (x,) = args
    return abs(x)  # a Fraction stays exact; |mpc| is the modulus


def _sign(node: Any, args: list[Number], point: Point) -> Number:
    (x,) = args
    if type(x) is _MPC and x.imag != 0:
        return x / abs(x)  # SymPy: sign(z) = z / |z|
    return Fraction(_decided_sign(_real(x, "sign"), "sign"))


def _rounding(direction: int) -> Handler:
    """floor (direction -1) or ceiling (+1) of a real number."""

    def handler(node: Any, args: list[Number], point: Point) -> Fraction:
        x = _real(args[0], type(node).__name__)
        if type(x) is Fraction:
            return Fraction(math.floor(x) if direction < 0 else math.ceil(x))
        _check_argument(x, type(node).__name__)
        nearest = mpmath.nint(x)
        _decided_sign(x - nearest, type(node).__name__, x)  # not within noise of an integer
        whole = int(mpmath.floor(x) if direction < 0 else mpmath.ceil(x))
        return Fraction(whole)

    return handler


def _extremum(pick: Callable[..., Any]) -> Handler:
    def handler(node: Any, args: list[Number], point: Point) -> Number:
        reals = [_real(v, type(node).__name__) for v in args]
        if all(type(v) is Fraction for v in reals):
            return pick(reals)
        return pick(_to_mp(v) for v in reals)  # continuous: near-ties need no guard

    return handler


def _integer_argument(x: Number) -> int | None:
    return x.numerator if type(x) is Fraction and x.denominator == 1 else None


def _check_gamma_argument(x: Number, name: str) -> None:
    if abs(_to_mp(x) if type(x) is not Fraction else x) > MAX_GAMMA_ARGUMENT:
        raise TooLarge(f"{name} of a number above {MAX_GAMMA_ARGUMENT}")


def _factorial(node: Any, args: list[Number], point: Point) -> Number:
    (x,) = args
    _check_gamma_argument(x, "factorial")
    n = _integer_argument(x)
    if n is not None:
        if n < 0:
            raise Undefined("factorial of a negative integer")
        if n <= _EXACT_FACTORIAL_LIMIT:
            return Fraction(math.factorial(n))
    return mpmath.factorial(_to_mp(x))


def _gamma(node: Any, args: list[Number], point: Point) -> Number:
    (x,) = args
    _check_gamma_argument(x, "gamma")
    n = _integer_argument(x)
    if n is not None:
        if n <= 0:
            raise Undefined("gamma at a pole")
        if n <= _EXACT_FACTORIAL_LIMIT:
            return Fraction(math.factorial(n - 1))
    return mpmath.gamma(_to_mp(x))


def _loggamma(node: Any, args: list[Number], point: Point) -> Number:
    (x,) = args
    _check_argument(x, "loggamma")
    n = _integer_argument(x)
    if n is not None and n <= 0:
        raise Undefined("loggamma at a pole")
    if n in (1, 2):
        return Fraction(0)
    return mpmath.loggamma(_to_mp(x))


def _binomial(node: Any, args: list[Number], point: Point) -> Number:
    n, k = args
    _check_gamma_argument(n, "binomial")
    _check_gamma_argument(k, "binomial")
    k_int = _integer_argument(k)
    if k_int is not None and type(n) is Fraction:
        if k_int < 0:
            return Fraction(0)
        n_int = _integer_argument(n)
        if n_int is not None and n_int >= 0 and k_int > n_int:
            return Fraction(0)
        if k_int <= _EXACT_FACTORIAL_LIMIT:
            # n (n-1) ... (n-k+1) / k!, exact for any rational n (as SymPy defines it).
            product = math.prod((n - i for i in range(k_int)), start=Fraction(1))
            return product / math.factorial(k_int)
    return mpmath.binomial(_to_mp(n), _to_mp(k))


def _atan2(node: Any, args: list[Number], point: Point) -> Number:
    y, x = (_real(v, "atan2") for v in args)
    if y == 0 and x == 0:
        raise Undefined("atan2(0, 0)")
    return mpmath.atan2(_to_mp(y), _to_mp(x))


def _re(node: Any, args: list[Number], point: Point) -> Number:
    (x,) = args
    return x.real if type(x) is _MPC else x


def _im(node: Any, args: list[Number], point: Point) -> Number:
    (x,) = args
    return x.imag if type(x) is _MPC else Fraction(0)


def _conjugate(node: Any, args: list[Number], point: Point) -> Number:
    (x,) = args
    return mpmath.conj(x) if type(x) is _MPC else x


def _heaviside(node: Any, args: list[Number], point: Point) -> Number:
    x = _real(args[0], "Heaviside")
    if type(x) is Fraction and x == 0:
        if len(args) < 2:
            raise Undefined("Heaviside(0) without a value at 0")
        return args[1]
    return Fraction(1 if _decided_sign(x, "Heaviside") > 0 else 0)


def _identity(node: Any, args: list[Any], point: Point) -> Any:
    return args[0]


# --------------------------------------------------------------------------------------
# Piecewise and its conditions (only inside Piecewise: a truth value is not a result)


def _comparison(test: Callable[[int], bool]) -> Handler:
    """A relational, decided by the sign of lhs - rhs."""

    def handler(node: Any, args: list[Number], point: Point) -> bool:
        left, right = (_real(v, type(node).__name__) for v in args)
        if type(left) is Fraction and type(right) is Fraction:
            difference: Fraction | mpmath.mpf = left - right
        else:
            left, right = _to_mp(left), _to_mp(right)
            difference = left - right
        scale = abs(left) + abs(right)
        return test(_decided_sign(difference, type(node).__name__, scale))

    return handler


def _and(node: Any, args: list[Any], point: Point) -> bool:
    return all(_truth(v) for v in args)


def _or(node: Any, args: list[Any], point: Point) -> bool:
    return any(_truth(v) for v in args)


def _not(node: Any, args: list[Any], point: Point) -> bool:
    return not _truth(args[0])


def _truth(value: Any) -> bool:
    if not isinstance(value, bool):
        raise NotEvaluable("a number where a condition is expected")
    return value


def _pair(node: Any, args: list[Any], point: Point) -> tuple[Any, Any]:
    return (args[0], args[1])


def _piecewise(node: Any, args: list[Any], point: Point) -> Any:
    """The first branch whose condition holds; undefined unused branches do not matter."""
    for pair in args:
        if type(pair) is _Failed:
            return pair
        value, condition = pair
        if type(condition) is _Failed:
            return condition
        if _truth(condition):
            return value
    raise Undefined("no condition of the Piecewise holds")


#: Handlers that receive failed branches instead of failing with them.
_SEES_FAILURES: frozenset[Handler] = frozenset({_piecewise, _pair})


# --------------------------------------------------------------------------------------
# Dispatch tables (whitelists: exact node types only)

_LEAVES: dict[type, Handler] = {
    sp.Integer: _integer,
    sp.core.numbers.Zero: _integer,
    sp.core.numbers.One: _integer,
    sp.core.numbers.NegativeOne: _integer,
    sp.Rational: _rational,
    sp.core.numbers.Half: _rational,
    sp.Float: _float,
    sp.Symbol: _symbol,
    sp.Dummy: _symbol,
}

_MP_HANDLERS: dict[type, Handler] = {
    **_LEAVES,
    type(sp.pi): _constant(lambda: +mpmath.pi),
    type(sp.E): _constant(lambda: +mpmath.e),
    type(sp.EulerGamma): _constant(lambda: +mpmath.euler),
    type(sp.Catalan): _constant(lambda: +mpmath.catalan),
    type(sp.GoldenRatio): _constant(lambda: +mpmath.phi),
    type(sp.TribonacciConstant): _constant(_tribonacci),
    type(sp.I): _constant(lambda: mpmath.mpc(0, 1)),
    sp.Add: _add,
    sp.Mul: _mul,
    sp.Pow: _pow,
    sp.UnevaluatedExpr: _identity,
    sp.exp: _exp,
    sp.log: _log,
    sp.sin: _unary(mpmath.sin, guard=True),
    sp.cos: _unary(mpmath.cos, guard=True),
    sp.tan: _unary(mpmath.tan, guard=True),
    sp.cot: _unary(mpmath.cot, guard=True),
    sp.sec: _unary(mpmath.sec, guard=True),
    sp.csc: _unary(mpmath.csc, guard=True),
    sp.asin: _unary(mpmath.asin),
    sp.acos: _unary(mpmath.acos),
    sp.atan: _unary(mpmath.atan),
    sp.acot: _unary(mpmath.acot),
    sp.asec: _unary(mpmath.asec),
    sp.acsc: _unary(mpmath.acsc),
    sp.sinh: _unary(mpmath.sinh, guard=True),
    sp.cosh: _unary(mpmath.cosh, guard=True),
    sp.tanh: _unary(mpmath.tanh, guard=True),
    sp.coth: _unary(mpmath.coth, guard=True),
    sp.sech: _unary(mpmath.sech, guard=True),
    sp.csch: _unary(mpmath.csch, guard=True),
    sp.asinh: _unary(mpmath.asinh),
    sp.acosh: _unary(mpmath.acosh),
    sp.atanh: _unary(mpmath.atanh),
    sp.acoth: _unary(mpmath.acoth),
    sp.asech: _unary(mpmath.asech),
    sp.acsch: _unary(mpmath.acsch),
    sp.erf: _unary(mpmath.erf, guard=True),
    sp.erfc: _unary(mpmath.erfc, guard=True),
    sp.Abs: _abs,
    sp.sign: _sign,
    sp.floor: _rounding(-1),
    sp.ceiling: _rounding(+1),
    sp.Min: _extremum(min),
    sp.Max: _extremum(max),
    sp.factorial: _factorial,
    sp.gamma: _gamma,
    sp.loggamma: _loggamma,
    sp.binomial: _binomial,
    sp.atan2: _atan2,
    sp.re: _re,
    sp.im: _im,
    sp.conjugate: _conjugate,
    sp.Heaviside: _heaviside,
    sp.Piecewise: _piecewise,
    ExprCondPair: _pair,
    sp.StrictLessThan: _comparison(lambda s: s < 0),
    sp.LessThan: _comparison(lambda s: s <= 0),
    sp.StrictGreaterThan: _comparison(lambda s: s > 0),
    sp.GreaterThan: _comparison(lambda s: s >= 0),
    sp.And: _and,
    sp.Or: _or,
    sp.Not: _not,
    type(sp.true): _constant(lambda: True),
    type(sp.false): _constant(lambda: False),
}


# --------------------------------------------------------------------------------------
# Interval enclosures (mpmath.iv): real values only


def _iv_add(node: Any, args: list[Any], point: Point) -> Any:
    total = _to_iv(args[0])
    for value in args[1:]:
        total = total + _to_iv(value)
    return total


def _iv_mul(node: Any, args: list[Any], point: Point) -> Any:
    product = _to_iv(args[0])
    for value in args[1:]:
        product = product * _to_iv(value)
    return product


def _iv_pow(node: Any, args: list[Any], point: Point) -> Any:
    base, exponent = args
    if node.base is sp.E:
        return _iv_exp(node, [exponent], point)
    if type(exponent) is Fraction and exponent.denominator == 1:
        n = exponent.numerator
        if type(base) is Fraction:
            return _exact_integer_power(base, n)
        if n.bit_length() > MAX_ARGUMENT_BITS:
            raise TooLarge(f"an exponent above 2^{MAX_ARGUMENT_BITS}")
        return base**n
    base = _to_iv(base)
    if not base.a > 0:
        raise NotEvaluable("a non-integer power of a base that may be <= 0")
    if _log2_magnitude(_iv_midpoint(exponent)) > MAX_ARGUMENT_BITS:
        raise TooLarge(f"an exponent above 2^{MAX_ARGUMENT_BITS}")
    if type(exponent) is Fraction and exponent.denominator == 2:
        return mpmath.iv.sqrt(base) ** exponent.numerator
    return mpmath.iv.exp(_to_iv(exponent) * mpmath.iv.log(base))


def _iv_midpoint(value: Any) -> Number:
    return value if type(value) is Fraction else value.mid


def _iv_exp(node: Any, args: list[Any], point: Point) -> Any:
    (x,) = args
    _check_argument(_iv_midpoint(x), "exp")
    return mpmath.iv.exp(_to_iv(x))


def _iv_log(node: Any, args: list[Any], point: Point) -> Any:
    if len(args) != 1:
        raise NotEvaluable("log with a base has no interval enclosure here")
    x = _to_iv(args[0])
    if not x.a > 0:
        raise Undefined("log of an interval reaching 0 or below")
    return mpmath.iv.log(x)


def _iv_unary(function: Callable[[Any], Any]) -> Handler:
    def handler(node: Any, args: list[Any], point: Point) -> Any:
        (x,) = args
        _check_argument(_iv_midpoint(x), type(node).__name__)
        return function(_to_iv(x))

    return handler


def _iv_atan(x: Any) -> Any:
    """atan is increasing: its values at the endpoints, widened by a few ulps.

    mpmath.iv has no atan; mpmath's atan is accurate to within an ulp at the working
    precision, and we compute with 20 extra bits and widen by 2^-(prec) relative.
    """
    prec = mpmath.iv.prec
    with mpmath.workprec(prec + 20):
        low, high = mpmath.atan(mpmath.mpf(x.a)), mpmath.atan(mpmath.mpf(x.b))
        slack = mpmath.ldexp(mpmath.mpf(1), -prec)
        low -= abs(low) * slack + mpmath.ldexp(mpmath.mpf(1), -10 * prec)
        high += abs(high) * slack + mpmath.ldexp(mpmath.mpf(1), -10 * prec)
    return mpmath.iv.mpf([low, high])


def _iv_sinh(x: Any) -> Any:
    return (mpmath.iv.exp(x) - mpmath.iv.exp(-x)) / 2


def _iv_cosh(x: Any) -> Any:
    return (mpmath.iv.exp(x) + mpmath.iv.exp(-x)) / 2


def _iv_tanh(x: Any) -> Any:
    # 1 - 2/(e^(2x) + 1): x occurs once, so the enclosure is tight.
    return 1 - 2 / (mpmath.iv.exp(2 * x) + 1)


def _iv_abs(node: Any, args: list[Any], point: Point) -> Any:
    (x,) = args
    return abs(x) if type(x) is Fraction else abs(_to_iv(x))


_IV_HANDLERS: dict[type, Handler] = {
    **_LEAVES,
    sp.Float: lambda node, args, point: mpmath.iv.mpf(mpmath.mpf(node._mpf_)),
    type(sp.pi): _constant(lambda: +mpmath.iv.pi),
    type(sp.E): _constant(lambda: +mpmath.iv.e),
    type(sp.EulerGamma): _constant(lambda: +mpmath.iv.euler),
    type(sp.Catalan): _constant(lambda: +mpmath.iv.catalan),
    type(sp.GoldenRatio): _constant(lambda: +mpmath.iv.phi),
    sp.Add: _iv_add,
    sp.Mul: _iv_mul,
    sp.Pow: _iv_pow,
    sp.UnevaluatedExpr: _identity,
    sp.exp: _iv_exp,
    sp.log: _iv_log,
    sp.sin: _iv_unary(mpmath.iv.sin),
    sp.cos: _iv_unary(mpmath.iv.cos),
    sp.tan: _iv_unary(mpmath.iv.tan),
    sp.atan: _iv_unary(_iv_atan),
    sp.sinh: _iv_unary(_iv_sinh),
    sp.cosh: _iv_unary(_iv_cosh),
    sp.tanh: _iv_unary(_iv_tanh),
    sp.Abs: _iv_abs,
}


# --------------------------------------------------------------------------------------
# Agreement


def agree(a: mpmath.mpf | mpmath.mpc, b: mpmath.mpf | mpmath.mpc, digits: int) -> bool:
    """Equal to ``digits`` significant digits: |a - b| <= 10^-digits * max(1, |a|, |b|).
    (Values below 1 agree within 10^-digits absolutely: a true zero computed with rounding
    error is no disagreement.)  The one notion of agreement behind every numeric verdict."""
    scale = max(abs(a), abs(b), mpmath.mpf(1))
    return bool(abs(a - b) <= mpmath.mpf(10) ** (-digits) * scale)


def _agree(a: Number, b: Number, digits: int, dps: int) -> bool:
    with mpmath.workdps(dps):
        return agree(_to_mp(a), _to_mp(b), digits)


