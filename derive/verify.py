"""Decide whether two expressions are equal, a limit holds, or a decimal is right.

The staged pipeline for ``lhs = rhs`` (cheapest first; see NOTES-verify.md):

1. substitute definitions, apply assumptions, evaluate Derivative & co (``doit``);
2. structural: ``a == b`` after SymPy's automatic evaluation;
3. numeric screen at a few simple points (mpmath): wrong steps fail fast, with a
   counterexample, confirmed at higher precision before anything is refuted;
4. cheap algebra in-process for small expressions (``cancel``, ``expand``);
5. in a forked child under the time limit: together+expand, cancel,
   rewrite(exp)+cancel for trig/hyperbolic functions (before ``simplify``, which
   can hang for minutes on tanh), then simplify;
6. otherwise sample >= ``settings.samples`` seeded points -> ``checked``.

Every public ``verify_*`` call has ONE deadline, ``settings.time_limit`` after it
starts (``_Budget``): each stage gets what is left, forked stages leave a share for
sampling, and once nothing is left the call stops with ``unknown`` (method
``timeout``), or ``checked`` when sampling already reached ``settings.samples``
points.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
    localcontext,
)
from fractions import Fraction
from typing import Any, TypeVar

import mpmath
import sympy as sp
from sympy.core.evalf import PrecisionExhausted
from sympy.core.function import AppliedUndef
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import TrigonometricFunction

from derive import numeric
from derive.definitions import DefinitionError, substitute_definitions
from derive.model import Counterexample, Definition, Evidence, Outcome, Verdict, VerifySettings
from derive.numeric import Interval, MpFunction, Point
from derive.timelimit import TimeLimitExceeded, run_with_time_limit

T = TypeVar("T")

__all__ = [
    "difference_hint",
    "substitute_definitions",
    "verify_approx",
    "verify_decimal",
    "verify_equal",
    "verify_limit",
]

#: Points of the quick numeric screen (stage 3).
SCREEN_POINTS = 6
#: Expressions at most this big (tree nodes) get cancel/expand in-process, without a fork.
SMALL_EXPRESSION = 80
#: Largest integer exponent allowed in-process (cancel expands (x+1)**1000 slowly).
SMALL_EXPONENT = 16
#: Seed for hint sampling (independent of the settings: hints are a cheap extra).
HINT_SEED = 7

#: Share of the time limit kept back from forked symbolic work for numeric evidence.
SAMPLING_SHARE = 0.2
#: Below this many seconds a fork is not worth starting: the budget counts as spent.
MIN_STAGE_SECONDS = 0.005

#: Frozen, so one shared default is safe.
DEFAULT_SETTINGS = VerifySettings()

_EXPENSIVE_DOIT = (sp.Integral, sp.Limit, sp.Sum, sp.Product)

#: The clock behind every deadline (a module attribute so tests can use a fake one).
_clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class _Budget:
    """The one deadline of a public verify_* call; every stage takes what is left."""

    limit: float
    deadline: float

    @classmethod
    def start(cls, settings: VerifySettings) -> _Budget:
        return cls(settings.time_limit, _clock() + settings.time_limit)

    def remaining(self) -> float:
        return self.deadline - _clock()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def run(self, fn: Callable[..., T], *args: Any, reserve: float = 0.0) -> T:
        """``fn(*args)`` in a time-limited child, with what is left minus ``reserve``."""
        seconds = self.remaining() - reserve
        if seconds < MIN_STAGE_SECONDS:
            raise TimeLimitExceeded(max(seconds, 0.0))
        return run_with_time_limit(fn, *args, seconds=seconds)

    @property
    def text(self) -> str:
        return f"the time limit of {self.limit:g} s"


@dataclass(frozen=True)
class _Sides:
    """Both sides after definitions, assumptions and ``doit``, ready for the stages."""

    lhs: sp.Expr
    rhs: sp.Expr
    symbols: tuple[sp.Symbol, ...]
    domains: dict[str, Interval]
    numeric: bool  # both sides can be sampled
    originals: tuple[sp.Expr, sp.Expr]  # as passed in, before definitions and doit
    rewritten_by: tuple[str, ...]  # e.g. ("substituting definitions", "evaluating derivatives")


# ---------------------------------------------------------------------------
# verify_equal
# ---------------------------------------------------------------------------


def verify_equal(
    lhs: sp.Expr,
    rhs: sp.Expr,
    *,
    definitions: Sequence[Definition] = (),
    settings: VerifySettings = DEFAULT_SETTINGS,
    assumptions: Sequence[sp.Basic] = (),
) -> Outcome:
    """Is ``lhs == rhs``?  See the module docstring for the stages."""
    budget = _Budget.start(settings)
    lhs, rhs = _as_expr(lhs), _as_expr(rhs)
    try:
        sides = _prepare(lhs, rhs, definitions, assumptions, budget)
    except DefinitionError as exc:
        return _outcome(Verdict.ERROR, "definitions", str(exc))
    except TimeLimitExceeded:
        return _outcome(
            Verdict.UNKNOWN,
            "timeout",
            f"evaluating integrals/limits did not finish within {budget.text}",
        )
    except _NotAnExpression as exc:
        return _outcome(Verdict.ERROR, "input", str(exc))
    except Exception as exc:  # doit() failing on an odd expression: undecided, not a crash
        return _outcome(
            Verdict.UNKNOWN, "doit", f"evaluating the sides failed: {type(exc).__name__}: {exc}"
        )
    return _decide_equal(sides, settings, budget)


class _NotAnExpression(TypeError):
    pass


def _as_expr(value: object) -> sp.Expr:
    """Python numbers from callers (``point=0``) as SymPy numbers; SymPy objects unchanged."""
    if isinstance(value, bool):
        return value  # type: ignore[return-value]  # rejected later as not an expression
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Float(value)
    return value  # type: ignore[return-value]


def _decide_equal(sides: _Sides, settings: VerifySettings, budget: _Budget) -> Outcome:
    a, b = sides.lhs, sides.rhs
    if a == b or (a - b) == 0:
        return _structural_proof(sides)

    functions: tuple[MpFunction, MpFunction] | None = None
    if sides.numeric:
        functions = (MpFunction(a, sides.symbols), MpFunction(b, sides.symbols))
        refutation = _screen(sides, functions, settings, budget)
        if refutation is not None:
            return refutation

    difference = a - b
    if not budget.expired() and _is_small(difference):
        stage = _quick_algebra(difference)
        if stage is not None:
            return _proved_by(stage, sides)

    timed_out = False
    stage = None
    # Numeric sides keep a share of the budget back, so that a symbolic stage that
    # runs out of time still leaves room for sampling evidence.
    reserve = SAMPLING_SHARE * budget.limit if functions is not None else 0.0
    try:
        stage = budget.run(_symbolic_stages, difference, reserve=reserve)
    except TimeLimitExceeded:
        timed_out = True
    except Exception:  # WorkerDied, or SymPy raising on odd input: undecided, not a crash
        stage = None
    if stage is not None:
        return _proved_by(stage, sides)

    symbolic_note = (
        f"symbolic simplification did not finish within {budget.text}"
        if timed_out
        else "SymPy could not simplify lhs - rhs to 0"
    )
    if functions is None:
        reason = "undefined functions or unevaluated operations leave nothing to sample"
        return _outcome(
            Verdict.UNKNOWN, "timeout" if timed_out else "simplify", f"{symbolic_note}; {reason}"
        )
    return _sample(sides, functions, settings, symbolic_note, budget)


def _structural_proof(sides: _Sides) -> Outcome:
    detail = "both sides are the same expression"
    if sides.rewritten_by:
        detail = f"after {' and '.join(sides.rewritten_by)}, {detail}"
    if any(_cancels_a_factor(side) for side in sides.originals):
        # x/x = 1 only as rational functions: x/x is undefined at 0 (NOTES-verify.md)
        detail += f"; {_CANCELLED_FACTOR}"
    return _outcome(Verdict.PROVED, "structural", detail)


def _prepare(
    lhs: sp.Basic,
    rhs: sp.Basic,
    definitions: Sequence[Definition],
    assumptions: Sequence[sp.Basic],
    budget: _Budget,
) -> _Sides:
    for side in (lhs, rhs):
        if not isinstance(side, sp.Expr):
            raise _NotAnExpression(f"not an expression: {type(side).__name__}")
    substituted = substitute_definitions(lhs, definitions), substitute_definitions(rhs, definitions)
    domains = domains_from_assumptions(assumptions)
    a, b = (_apply_assumptions(side, domains) for side in substituted)
    evaluated = _evaluate(a, budget), _evaluate(b, budget)
    rewritten_by: list[str] = []
    if substituted != (lhs, rhs):
        rewritten_by.append("substituting definitions")
    if evaluated != (a, b):
        operations = _evaluated_operations(a, b)
        if operations:
            rewritten_by.append(f"evaluating {operations}")
    a, b = evaluated
    symbols = tuple(numeric.sorted_symbols(a, b))
    return _Sides(
        a,
        b,
        symbols,
        domains,
        numeric.is_numeric(a) and numeric.is_numeric(b),
        (lhs, rhs),
        tuple(rewritten_by),
    )


_OPERATION_NAMES = (
    (sp.Derivative, "derivatives"),
    (sp.Integral, "integrals"),
    (sp.Limit, "limits"),
    (sp.Sum, "sums"),
    (sp.Product, "products"),
    (sp.Subs, "substitutions"),
)


def _evaluated_operations(*exprs: sp.Expr) -> str:
    """``derivatives`` / ``derivatives and integrals``: what doit had to evaluate."""
    names = [name for kind, name in _OPERATION_NAMES if any(e.has(kind) for e in exprs)]
    return ", ".join(names)


def _evaluate(expr: sp.Expr, budget: _Budget) -> sp.Expr:
    """``doit`` (Derivative objects are cheap; integrals and limits get the time limit)."""
    if expr.has(*_EXPENSIVE_DOIT):
        result: sp.Expr = budget.run(_doit, expr)
        return result
    return _doit(expr)


def _doit(expr: sp.Expr) -> sp.Expr:
    result = expr.doit()
    if not isinstance(result, sp.Expr):
        raise _NotAnExpression(f"not an expression after evaluation: {type(result).__name__}")
    return result


def _screen(
    sides: _Sides,
    functions: tuple[MpFunction, MpFunction],
    settings: VerifySettings,
    budget: _Budget,
) -> Outcome | None:
    """A few simple points: a refutation with counterexample, or None."""
    rng = random.Random(settings.seed)
    checked = 0
    for point in numeric.sample_points(sides.symbols, sides.domains, rng, 4 * SCREEN_POINTS):
        if budget.expired():
            return None  # later stages find the budget spent too
        verdict = _compare_at(functions, point, settings.digits)
        if verdict is None:
            continue
        if isinstance(verdict, _Mismatch):
            return _refutation(sides, verdict, settings, "numeric screen", budget)
        checked += 1
        if checked >= SCREEN_POINTS:
            break
    return None


@dataclass(frozen=True)
class _Mismatch:
    point: Point
    lhs_value: mpmath.mpf
    rhs_value: mpmath.mpf
    digits: int


def _compare_at(
    functions: tuple[MpFunction, MpFunction], point: Point, digits: int
) -> mpmath.mpf | _Mismatch | None:
    """|lhs - rhs| if equal at ``point``, a confirmed mismatch, or None where undefined."""
    f, g = functions
    a, b = f(point, digits), g(point, digits)
    if a is None or b is None:
        return None
    if numeric.close(a, b, digits):
        return abs(a - b)
    # Confirm at much higher precision: a low-precision mismatch may be cancellation.
    high = 2 * digits + 10
    a_high, b_high = f(point, high), g(point, high)
    if a_high is None or b_high is None:
        return None
    if abs(a_high - b_high) <= numeric.tolerance(digits, a_high, b_high):
        return abs(a_high - b_high)
    if not all(numeric.real_throughout(h.expr, point) for h in functions):
        return None  # real only through complex intermediates: outside the real domain
    return _Mismatch(point, a_high, b_high, high)


def _refutation(
    sides: _Sides, mismatch: _Mismatch, settings: VerifySettings, stage: str, budget: _Budget
) -> Outcome:
    lhs_value, rhs_value = _distinct_decimals(mismatch)
    counterexample = Counterexample(
        point=numeric.point_to_strings(mismatch.point), lhs_value=lhs_value, rhs_value=rhs_value
    )
    where = ", ".join(f"{k} = {v}" for k, v in counterexample.point.items()) or "the constants"
    # The counterexample stands on its own; the hint is an extra, only with time left.
    hint = _difference_hint(sides.lhs, sides.rhs, sides.symbols, sides.domains, budget)
    detail = (
        f"the sides differ at {where}: lhs = {counterexample.lhs_value}, "
        f"rhs = {counterexample.rhs_value} ({stage}, confirmed at {mismatch.digits} digits)"
    )
    if hint:
        detail += f"; {hint}"
    return Outcome(
        Verdict.REFUTED,
        Evidence(
            method="sampling",
            detail=detail,
            points=1,
            digits=mismatch.digits,
            max_difference=numeric.difference_string(mismatch.lhs_value - mismatch.rhs_value),
            counterexample=counterexample,
            hint=hint,
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


def _is_small(expr: sp.Expr) -> bool:
    """Small enough that cancel/expand cannot take long, so no fork is needed."""
    for nodes, node in enumerate(sp.preorder_traversal(expr), start=1):
        if nodes > SMALL_EXPRESSION:
            return False
        if isinstance(node, TrigonometricFunction | HyperbolicFunction):
            return False
        if isinstance(node, sp.Pow) and node.exp.is_Integer and abs(int(node.exp)) > SMALL_EXPONENT:
            return False
    return True


def _quick_algebra(difference: sp.Expr) -> str | None:
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


def _symbolic_stages(difference: sp.Expr) -> str | None:
    """Runs in the time-limited child: the name of the stage that shows ``difference == 0``."""
    # together+expand grows ~k^2.5 with the number of terms, cancel ~k^2 but with a
    # much larger constant (NOTES-verify.md); small cases already tried cancel in-process.
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


def _proved_by(stage: str, sides: _Sides) -> Outcome:
    detail = _STAGE_DETAIL[stage]
    if any(_cancels_a_factor(side) for side in (sides.lhs, sides.rhs, *sides.originals)):
        # x/x = 1 as rational functions, though x/x is undefined at 0 (NOTES-verify.md)
        detail += f"; {_CANCELLED_FACTOR}"
    return _outcome(Verdict.PROVED, stage, detail)


def _cancels_a_factor(side: sp.Expr) -> bool:
    """Whether cancelling ``side`` drops a non-constant factor from its denominator.

    Works on the author's unevaluated form too (``x/x`` kept as ``x * x**-1``).
    """
    if not side.free_symbols or not _is_small(side):
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


def _sample(
    sides: _Sides,
    functions: tuple[MpFunction, MpFunction],
    settings: VerifySettings,
    symbolic_note: str,
    budget: _Budget,
) -> Outcome:
    """Numeric evidence at >= settings.samples points: checked, refuted or unknown."""
    rng = random.Random(settings.seed)
    wanted = settings.samples if sides.symbols else 1
    digits = settings.digits if sides.symbols else 2 * settings.digits
    agreeing = skipped = 0
    out_of_time = False
    largest = mpmath.mpf(0)
    for point in numeric.sample_points(sides.symbols, sides.domains, rng, 8 * wanted):
        if budget.expired():
            out_of_time = True
            break
        verdict = _compare_at(functions, point, digits)
        if verdict is None:
            skipped += 1
            continue
        if isinstance(verdict, _Mismatch):
            return _refutation(sides, verdict, settings, "sampling", budget)
        largest = max(largest, verdict)
        agreeing += 1
        if agreeing >= wanted:
            break
    if agreeing < wanted:
        timed_out = out_of_time or "did not finish" in symbolic_note
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
        ),
    )


def _outcome(verdict: Verdict, method: str, detail: str) -> Outcome:
    return Outcome(verdict, Evidence(method=method, detail=detail))


# ---------------------------------------------------------------------------
# Assumptions (x > 0 from a document directive)
# ---------------------------------------------------------------------------


def domains_from_assumptions(assumptions: Sequence[sp.Basic]) -> dict[str, Interval]:
    """Sampling intervals per symbol name from relationals like ``x > 0`` or ``1 < x``."""
    domains: dict[str, Interval] = {}
    pending = list(assumptions)
    while pending:
        item = pending.pop(0)
        if isinstance(item, sp.And):
            pending.extend(item.args)
            continue
        bound = _bound_of(item)
        if bound is not None:
            name, interval = bound
            domains[name] = domains.get(name, Interval()).intersect(interval)
    return domains


def _bound_of(relation: sp.Basic) -> tuple[str, Interval] | None:
    if not isinstance(
        relation, sp.StrictGreaterThan | sp.GreaterThan | sp.StrictLessThan | sp.LessThan
    ):
        return None
    left, right = relation.lhs, relation.rhs
    greater = isinstance(relation, sp.StrictGreaterThan | sp.GreaterThan)
    if isinstance(right, sp.Symbol) and not isinstance(left, sp.Symbol):
        left, right, greater = right, left, not greater
    if not isinstance(left, sp.Symbol) or not right.is_real or right.free_symbols:
        return None
    with mpmath.workdps(30):
        value = Fraction(str(mpmath.nstr(mpmath.mpf(sp.Float(right, 30)), 25)))
    # Open intervals: the boundary point itself is never sampled.
    return left.name, Interval(low=value) if greater else Interval(high=value)


def _apply_assumptions(expr: sp.Expr, domains: dict[str, Interval]) -> sp.Expr:
    """Give symbols the SymPy assumptions the verifier works under.

    Every variable is real (sampling is real-only, so symbolic work must agree:
    log(e^x) = x), and positive or negative where its domain says so.
    """
    replacements: dict[sp.Basic, sp.Basic] = {}
    for symbol in expr.free_symbols:
        if not isinstance(symbol, sp.Symbol) or isinstance(symbol, sp.Dummy):
            continue
        facts: dict[str, bool] = {}
        if symbol.is_real is None:
            facts["real"] = True
        interval = domains.get(symbol.name)
        if interval is not None and interval.low is not None and interval.low >= 0:
            facts["positive"] = True
        elif interval is not None and interval.high is not None and interval.high <= 0:
            facts["negative"] = True
        if not facts:
            continue
        known = {k: v for k, v in symbol.assumptions0.items() if v is not None}
        try:
            replacements[symbol] = sp.Symbol(symbol.name, **{**known, **facts})
        except Exception:  # contradictory assumptions: keep the symbol as it is
            continue
    return expr.xreplace(replacements) if replacements else expr


# ---------------------------------------------------------------------------
# difference_hint
# ---------------------------------------------------------------------------


def difference_hint(lhs: sp.Expr, rhs: sp.Expr, variables: Sequence[sp.Symbol]) -> str | None:
    """A cheap explanation of how two unequal sides differ, or None."""
    try:
        a, b = lhs.doit(), rhs.doit()
    except Exception:
        return None
    if not (numeric.is_numeric(a) and numeric.is_numeric(b)):
        return None
    symbols = sorted(
        set(variables) | set(numeric.sorted_symbols(a, b)),
        key=lambda s: (s.name, sp.default_sort_key(s)),
    )
    return _difference_hint(a, b, tuple(symbols), {}, None)


def _difference_hint(
    a: sp.Expr,
    b: sp.Expr,
    symbols: tuple[sp.Symbol, ...],
    domains: dict[str, Interval],
    budget: _Budget | None,
) -> str | None:
    """The hint, or None; ``budget``: stop sampling (and give no hint) once it is spent."""
    digits = 30
    functions = (MpFunction(a, symbols), MpFunction(b, symbols))
    pairs = _value_pairs(functions, symbols, domains, digits, 8, budget)
    if len(pairs) < (3 if symbols else 1):
        return None
    if not all(numeric.close(x, y, digits) for x, y in pairs):
        ratios = [x / y for x, y in pairs if abs(y) > numeric.tolerance(digits, x, y)]
        if (
            symbols  # for constants a factor and a shift say the same: report the shift
            and len(ratios) >= 3
            and not numeric.close(ratios[0], mpmath.mpf(0), digits)
            and all(numeric.close(r, ratios[0], digits) for r in ratios)
        ):
            return f"differs by a factor of {numeric.nice_number(ratios[0])}"
        differences = [x - y for x, y in pairs]
        if all(numeric.close(d, differences[0], digits) for d in differences):
            return f"differs by a constant ({numeric.nice_number(differences[0])})"
    for symbol in symbols:
        base = domains.get(symbol.name, Interval())
        for side, label in ((Interval(low=Fraction(0)), ">"), (Interval(high=Fraction(0)), "<")):
            other = Interval(high=Fraction(0)) if label == ">" else Interval(low=Fraction(0))
            inside = _value_pairs(
                functions,
                symbols,
                {**domains, symbol.name: base.intersect(side)},
                digits,
                6,
                budget,
            )
            outside = _value_pairs(
                functions,
                symbols,
                {**domains, symbol.name: base.intersect(other)},
                digits,
                6,
                budget,
            )
            if (
                len(inside) >= 3
                and all(numeric.close(x, y, digits) for x, y in inside)
                and any(not numeric.close(x, y, digits) for x, y in outside)
            ):
                return f"holds only for {symbol.name} {label} 0"
    return None


def _value_pairs(
    functions: tuple[MpFunction, MpFunction],
    symbols: Sequence[sp.Symbol],
    domains: dict[str, Interval],
    digits: int,
    wanted: int,
    budget: _Budget | None,
) -> list[tuple[mpmath.mpf, mpmath.mpf]]:
    """Value pairs at up to ``wanted`` points; none once the budget is spent (no half hints)."""
    rng = random.Random(HINT_SEED)
    pairs: list[tuple[mpmath.mpf, mpmath.mpf]] = []
    for point in numeric.sample_points(symbols, domains, rng, 4 * wanted):
        if budget is not None and budget.expired():
            return []
        a, b = functions[0](point, digits), functions[1](point, digits)
        if a is not None and b is not None:
            pairs.append((a, b))
            if len(pairs) >= wanted:
                break
    return pairs


# ---------------------------------------------------------------------------
# Decimals: verify_decimal and verify_approx
# ---------------------------------------------------------------------------

_ELLIPSIS = re.compile(r"\s*(\.\.\.|…|\\l?dots|\\cdots)\s*$")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class _Written:
    text: str  # as written, without the trailing ellipsis
    value: Decimal
    ellipsis: bool

    @property
    def exponent(self) -> int:
        exponent = self.value.as_tuple().exponent
        return exponent if isinstance(exponent, int) else 0

    def as_rational(self) -> sp.Rational:
        sign, digits, exponent = self.value.as_tuple()
        mantissa = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        assert isinstance(exponent, int)
        if exponent >= 0:
            return sp.Rational(mantissa * 10**exponent)
        return sp.Rational(mantissa, 10**-exponent)


def _parse_written(written: str) -> _Written | None:
    text = written.strip()
    match = _ELLIPSIS.search(text)
    ellipsis = match is not None
    if match is not None:
        text = text[: match.start()].strip()
    text = text.replace(" ", "").replace("{,}", "")
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        return _Written(text, Decimal(text), ellipsis)
    except InvalidOperation:
        return None


def verify_decimal(
    expr: sp.Expr,
    written: str,
    *,
    mode: str = "rounded",
    definitions: Sequence[Definition] = (),
    settings: VerifySettings = DEFAULT_SETTINGS,
) -> Outcome:
    """Is ``written`` the value of ``expr`` to the digits shown?

    mode ``rounded``: the true value rounded to the written decimals; ``approx``
    (used by verify_approx): rounded or truncated; ``prefix`` (also chosen when
    ``written`` ends with "..."): the digits start the true expansion;
    ``exact``: the decimal is an exact rational.
    """
    expr = _as_expr(expr)
    parsed = _parse_written(written)
    if parsed is None:
        return _outcome(Verdict.ERROR, "input", f"not a decimal number: {written!r}")
    if mode not in ("rounded", "prefix", "exact", "approx"):
        raise ValueError(f"unknown decimal mode {mode!r}")
    if parsed.ellipsis and mode != "prefix":
        mode = "prefix"
    if mode == "exact":
        outcome = verify_equal(
            expr, parsed.as_rational(), definitions=definitions, settings=settings
        )
        if outcome.verdict is Verdict.REFUTED:
            return _rounded_hint(outcome, expr, parsed, definitions, settings)
        return outcome
    budget = _Budget.start(settings)
    try:
        value = _evaluate(substitute_definitions(expr, definitions), budget)
    except DefinitionError as exc:
        return _outcome(Verdict.ERROR, "definitions", str(exc))
    except TimeLimitExceeded:
        return _decimal_timeout(budget)
    except _NotAnExpression as exc:
        return _outcome(Verdict.ERROR, "input", str(exc))
    if value.free_symbols:
        names = ", ".join(s.name for s in numeric.sorted_symbols(value))
        return _outcome(Verdict.UNKNOWN, "evalf", f"the value depends on {names}")
    try:
        true_value = budget.run(_true_decimal, value, -parsed.exponent, settings.digits)
    except TimeLimitExceeded:
        return _decimal_timeout(budget)
    except Exception as exc:  # evalf failing on an odd expression: undecided
        return _outcome(Verdict.UNKNOWN, "evalf", f"could not evaluate: {type(exc).__name__}")
    if true_value is None:
        return _outcome(Verdict.UNKNOWN, "evalf", "the value is not a finite real number")
    return _judge_decimal(true_value, parsed, mode)


def _rounded_hint(outcome: Outcome, expr: sp.Expr, written: _Written,
                  definitions: Sequence[Definition], settings: VerifySettings) -> Outcome:
    """``\\sigma(-4) = 0.018``: not the exact value, but the rounded one; say so."""
    rounded = verify_decimal(expr, written.text, mode="rounded", definitions=definitions,
                             settings=settings)
    if rounded.verdict is not Verdict.PROVED or outcome.evidence is None:
        return outcome
    hint = (
        f"{written.text} is the value rounded to {max(-written.exponent, 0)} decimals, but "
        f"'=' claims it exactly; write \\approx {written.text} for a rounded value"
    )
    return replace(outcome, evidence=replace(outcome.evidence, hint=hint))


def _decimal_timeout(budget: _Budget) -> Outcome:
    return _outcome(
        Verdict.UNKNOWN, "timeout", f"evaluating the expression did not finish within {budget.text}"
    )


@dataclass(frozen=True)
class _TrueValue:
    value: Decimal
    certified: bool  # every digit guaranteed (exact rational, or evalf strict=True)
    digits: int  # significant digits computed
    rational: bool  # exact rational arithmetic, no evalf


def _true_decimal(value: sp.Expr, decimals: int, digits: int) -> _TrueValue | None:
    """The value as a Decimal accurate well past ``decimals`` places, and whether certified."""
    if value.is_Rational:
        with localcontext() as ctx:
            ctx.prec = max(digits, decimals + 40)
            exact = Decimal(int(value.p)) / Decimal(int(value.q))
            return _TrueValue(exact, True, ctx.prec, rational=True)
    rough = value.evalf(15)
    if not (rough.is_real and rough.is_finite and rough.is_number):
        return None
    magnitude = 0 if rough == 0 else int(mpmath.floor(mpmath.log10(abs(mpmath.mpf(rough))))) + 1
    precision = max(digits, magnitude + decimals + 20)
    try:
        precise = value.evalf(precision, strict=True)
        certified = True
    except PrecisionExhausted:
        precise = value.evalf(precision)
        certified = False
    if not precise.is_Float:
        return None
    with mpmath.workdps(precision + 5):
        text = mpmath.nstr(
            mpmath.mpf(precise), precision, min_fixed=-mpmath.inf, max_fixed=mpmath.inf
        )
    return _TrueValue(Decimal(str(text)), certified, precision, rational=False)


def _judge_decimal(true_value: _TrueValue, written: _Written, mode: str) -> Outcome:
    """Compare the written digits with the true value.

    ``rounded`` (a value claim with "="): only correct rounding, half-up or
    half-even; ``approx`` ("\\approx"): rounding or truncation; ``prefix`` ("..."):
    the digits start the true expansion (a rounded last digit is accepted too).
    """
    exact, digits = true_value.value, true_value.digits
    if true_value.rational:
        source = "exact rational arithmetic"
    elif true_value.certified:
        source = f"evalf with strict=True certifies {digits} significant digits"
    else:
        source = f"evalf at {digits} digits could not certify them (strict=True failed)"
    quantum = Decimal(1).scaleb(written.exponent)
    with localcontext() as ctx:
        ctx.prec = digits + 50
        truncated = exact.quantize(quantum, rounding=ROUND_DOWN)
        rounded = {exact.quantize(quantum, rounding=r) for r in (ROUND_HALF_UP, ROUND_HALF_EVEN)}
    shown = numeric.decimal_string(mpmath.mpf(str(exact)), max(15, -written.exponent + 3))
    suffix = "..." if written.ellipsis else ""
    how: str | None = None
    if written.value in rounded:
        how = "rounded, it is"
        if mode == "prefix" and written.value != truncated:
            how = "rounded (the last digit is rounded, not truncated), it is"
        elif mode == "prefix":
            how = "its decimal expansion starts with"
    elif written.value == truncated and mode in ("prefix", "approx"):
        how = "its decimal expansion starts with" if mode == "prefix" else "truncated, it is"
    if how is not None:
        detail = f"the value is {shown}; {how} {written.text}{suffix} ({source})"
        verdict = Verdict.PROVED if true_value.certified else Verdict.CHECKED
        return Outcome(
            verdict,
            Evidence(
                method="evalf" if true_value.certified else "mpmath",
                detail=detail,
                points=1,
                digits=digits,
            ),
        )
    expected = min(rounded) if mode == "rounded" else truncated
    wanted = {
        "prefix": "start of its decimal expansion",
        "rounded": "value rounded to that many decimals",
        "approx": "value rounded or truncated to that many decimals",
    }[mode]
    detail = f"the value is {shown}, so {written.text}{suffix} is not the {wanted} ({expected})"
    if not true_value.certified:
        # An uncertified value is no counterexample: it might be the wrong digits.
        return _outcome(Verdict.UNKNOWN, "evalf", f"{detail}; but {source}")
    detail += f" ({source})"
    hint = None
    if mode == "rounded" and written.value == truncated:
        # The commonest slip in value claims: truncating where the relation says "rounded".
        hint = (
            f"{written.text} is truncated; rounded it is {expected}; "
            f"write {written.text}... for a truncated value"
        )
    return Outcome(
        Verdict.REFUTED,
        Evidence(
            method="evalf",
            detail=detail,
            points=1,
            digits=digits,
            hint=hint,
            counterexample=Counterexample(
                point={}, lhs_value=shown, rhs_value=written.text + suffix
            ),
        ),
    )


def verify_approx(
    lhs: sp.Expr,
    rhs: sp.Expr,
    *,
    written: str | None = None,
    definitions: Sequence[Definition] = (),
    settings: VerifySettings = DEFAULT_SETTINGS,
    assumptions: Sequence[sp.Basic] = (),
) -> Outcome:
    """``lhs \\approx rhs``: a decimal claim when one side is a number, else equality or unknown."""
    lhs, rhs = _as_expr(lhs), _as_expr(rhs)
    number_side, other = _split_number(lhs, rhs)
    if number_side is not None and other is not None:
        text = written if written is not None else _written_form(number_side)
        if text is not None:
            mode = "prefix" if _ELLIPSIS.search(text) else "approx"
            return verify_decimal(
                other, text, mode=mode, definitions=definitions, settings=settings
            )
    outcome = verify_equal(
        lhs, rhs, definitions=definitions, settings=settings, assumptions=assumptions
    )
    if outcome.verdict in (Verdict.PROVED, Verdict.CHECKED, Verdict.ERROR):
        return outcome
    evidence = outcome.evidence
    reason = "an approximation between expressions cannot be decided exactly"
    if outcome.verdict is Verdict.REFUTED and evidence.counterexample is not None:
        point = ", ".join(f"{k} = {v}" for k, v in evidence.counterexample.point.items())
        reason += (
            f"; the sides are not equal (at {point or 'the constants'}: "
            f"{evidence.counterexample.lhs_value} vs {evidence.counterexample.rhs_value})"
        )
    return _outcome(Verdict.UNKNOWN, "approx", reason)


def _split_number(lhs: sp.Expr, rhs: sp.Expr) -> tuple[sp.Expr | None, sp.Expr | None]:
    if isinstance(rhs, sp.Number):
        return rhs, lhs
    if isinstance(lhs, sp.Number):
        return lhs, rhs
    return None, None


def _written_form(number: sp.Expr) -> str | None:
    """Digits shown by a number when the author's text was not passed along."""
    if isinstance(number, sp.Integer):
        return str(int(number))
    if isinstance(number, sp.Float):
        return repr(float(number))  # shortest round-trip form: what was most likely written
    return None


# ---------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _LimitResult:
    value: sp.Expr | None  # None: one-sided limits differ
    one_sided: tuple[sp.Expr, sp.Expr] | None
    equal: bool


def verify_limit(
    expr: sp.Expr,
    variable: sp.Symbol,
    point: sp.Expr,
    claimed: sp.Expr,
    *,
    direction: str = "+-",
    definitions: Sequence[Definition] = (),
    settings: VerifySettings = DEFAULT_SETTINGS,
) -> Outcome:
    """Is ``lim_{variable -> point} expr == claimed`` (extended reals)?

    Refuted only when SymPy's limit and the claim are both concrete values (numbers,
    or +-oo); an undefined function or a free parameter leaves it ``unknown``.
    """
    if direction not in ("+", "-", "+-"):
        raise ValueError(f"direction must be '+', '-' or '+-', not {direction!r}")
    budget = _Budget.start(settings)
    expr, point, claimed = _as_expr(expr), _as_expr(point), _as_expr(claimed)
    try:
        body = substitute_definitions(expr, definitions)
        target = substitute_definitions(claimed, definitions)
    except DefinitionError as exc:
        return _outcome(Verdict.ERROR, "definitions", str(exc))
    try:
        # keep a share back for the values approaching the point (the refutation's evidence)
        result = budget.run(
            _compute_limit,
            body,
            variable,
            point,
            target,
            direction,
            reserve=SAMPLING_SHARE * budget.limit,
        )
    except TimeLimitExceeded:
        return _outcome(
            Verdict.UNKNOWN, "timeout", f"sympy.limit did not finish within {budget.text}"
        )
    except InconsistentLimit as exc:
        return _outcome(Verdict.UNKNOWN, "limit", str(exc))
    except Exception as exc:
        return _outcome(
            Verdict.UNKNOWN, "limit", f"sympy.limit failed: {type(exc).__name__}: {exc}"
        )
    if result.equal:
        return _outcome(Verdict.PROVED, "limit", f"sympy.limit gives {sp.sstr(target)}")
    if body.atoms(AppliedUndef) or target.atoms(AppliedUndef):
        return _outcome(Verdict.UNKNOWN, "limit", "the limit involves an undefined function")
    computed = result.value
    values = [computed] if computed is not None else list(result.one_sided or ())
    undecided = next((v for v in (*values, target) if not _is_concrete_limit(v)), None)
    if undecided is not None:
        shown = ", ".join(sp.sstr(v) for v in values)
        return _outcome(
            Verdict.UNKNOWN,
            "limit",
            f"sympy.limit gives {shown}, which is not a concrete value to compare with "
            f"{sp.sstr(target)}",
        )
    approach = _approach_values(body, variable, point, direction, settings.digits, budget)
    evidence_text = ", ".join(f"f({p}) = {v}" for p, v in approach)
    if computed is None:
        assert result.one_sided is not None
        left, right = result.one_sided
        computed_text = f"does not exist (left {sp.sstr(left)}, right {sp.sstr(right)})"
        lhs_value = f"left {_value_text(left)}, right {_value_text(right)}"
    else:
        if _numbers_disagree(computed, target, approach):
            return _outcome(
                Verdict.UNKNOWN,
                "limit",
                f"sympy.limit gives {sp.sstr(computed)} but values approaching the point "
                f"({evidence_text}) do not support it",
            )
        computed_text = f"is {sp.sstr(computed)}"
        lhs_value = _value_text(computed)
    detail = f"the limit {computed_text}, not {sp.sstr(target)}"
    if evidence_text:
        detail += f"; values approaching the point: {evidence_text}"
    return Outcome(
        Verdict.REFUTED,
        Evidence(
            method="limit",
            detail=detail,
            counterexample=Counterexample(
                point={variable.name: _approach_label(point, direction)},
                lhs_value=lhs_value,
                rhs_value=_value_text(target),
            ),
        ),
    )


def _is_concrete_limit(value: sp.Expr) -> bool:
    """A real number or +-oo: something a refutation can name (not Limit(...), a or zoo)."""
    if value in (sp.oo, -sp.oo):
        return True
    return bool(
        isinstance(value, sp.Expr)
        and value.is_number
        and value.is_real
        and value.is_finite
        and numeric.is_numeric(value)
        and not value.has(sp.AccumBounds)
    )


class InconsistentLimit(ValueError):
    """SymPy gave two different answers for the same limit: it cannot be trusted either way."""


def cross_checked_limit(
    expr: sp.Expr, variable: sp.Symbol, point: sp.Expr, direction: str
) -> sp.Expr:
    """``sympy.limit`` in one direction; at +-oo also through x = +-t, t -> +oo.

    SymPy 1.14 gets ``limit(2**x, x, -oo)`` wrong (oo) but ``limit(2**(-t), t, oo)``
    right: a limit at infinity counts only when both ways agree.
    """
    value = sp.limit(expr, variable, point, direction)
    if point in (sp.oo, -sp.oo):
        t = sp.Dummy("t", positive=True)
        sign = 1 if point == sp.oo else -1
        again = sp.limit(expr.subs(variable, sign * t), t, sp.oo)
        if again != value:
            raise InconsistentLimit(
                f"sympy.limit gives {sp.sstr(value)} directly but {sp.sstr(again)} "
                f"through {variable} = {'' if sign > 0 else '-'}t, t -> oo"
            )
    return value


def _compute_limit(
    expr: sp.Expr, variable: sp.Symbol, point: sp.Expr, claimed: sp.Expr, direction: str
) -> _LimitResult:
    """Runs in the time-limited child."""
    expr, claimed = expr.doit(), claimed.doit()
    if point in (sp.oo, -sp.oo) or direction != "+-":
        one_dir = direction if direction != "+-" else ("-" if point == sp.oo else "+")
        value = cross_checked_limit(expr, variable, point, one_dir)
        return _LimitResult(value, None, _same_value(value, claimed))
    right = sp.limit(expr, variable, point, "+")
    left = sp.limit(expr, variable, point, "-")
    if _same_value(left, right):
        return _LimitResult(right, None, _same_value(right, claimed))
    return _LimitResult(None, (left, right), False)


def _same_value(a: sp.Expr, b: sp.Expr) -> bool:
    if a == b:
        return True
    if not (a.is_finite and b.is_finite):
        return False
    difference = a - b
    return bool(sp.cancel(difference) == 0 or sp.simplify(difference) == 0)


def _approach_points(point: sp.Expr, direction: str) -> list[Fraction]:
    if point == sp.oo:
        return [Fraction(10**k) for k in (1, 2, 3)]
    if point == -sp.oo:
        return [Fraction(-(10**k)) for k in (1, 2, 3)]
    if not (point.is_real and point.is_finite):
        return []
    with mpmath.workdps(30):
        center = Fraction(str(mpmath.nstr(mpmath.mpf(sp.Float(point, 30)), 25)))
    signs = {"+": (1,), "-": (-1,), "+-": (1, -1)}[direction]
    return [center + sign * Fraction(1, 10**k) for sign in signs for k in (2, 4, 6)]


def _approach_values(
    expr: sp.Expr,
    variable: sp.Symbol,
    point: sp.Expr,
    direction: str,
    digits: int,
    budget: _Budget,
) -> list[tuple[str, str]]:
    """``f(p)`` at points approaching the limit point, as long as the budget lasts."""
    if budget.expired():
        return []
    try:
        evaluated = expr.doit()
    except Exception:
        return []
    if not numeric.is_numeric(evaluated) or evaluated.free_symbols - {variable}:
        return []
    function = MpFunction(evaluated, [variable])
    values = []
    for x in _approach_points(point, direction):
        if budget.expired():
            break
        value = function({variable: x}, digits)
        if value is not None:
            values.append((numeric.fraction_to_string(x), numeric.decimal_string(value, 10)))
    return values


def _numbers_disagree(computed: sp.Expr, claimed: sp.Expr, approach: list[tuple[str, str]]) -> bool:
    """True when the last approach value is nearer the claim than SymPy's limit (distrust it)."""
    if not approach or not (computed.is_finite and claimed.is_finite):
        return False
    if not (computed.is_real and claimed.is_real):
        return False
    with mpmath.workdps(30):
        last = mpmath.mpf(approach[-1][1])
        to_computed = abs(last - mpmath.mpf(sp.Float(computed, 30)))
        to_claimed = abs(last - mpmath.mpf(sp.Float(claimed, 30)))
    return bool(to_claimed < to_computed)


def _approach_label(point: sp.Expr, direction: str) -> str:
    text = sp.sstr(point)
    return text if point in (sp.oo, -sp.oo) or direction == "+-" else f"{text}{direction}"


def _value_text(value: sp.Expr) -> str:
    if isinstance(value, sp.Rational):
        return numeric.fraction_to_string(Fraction(int(value.p), int(value.q)))
    if value.is_number and value.is_finite and value.is_real:
        with mpmath.workdps(30):
            return numeric.decimal_string(mpmath.mpf(sp.Float(value, 30)))
    return sp.sstr(value)
