"""Limit claims: ``verify_limit``, and ``cross_checked_limit`` (also used by generation),
which trusts a limit at infinity only when SymPy agrees with itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from derive import numeric
from derive.definitions import DefinitionError, substitute_definitions
from derive.model import (
    Caveat,
    Counterexample,
    Definition,
    Evidence,
    Outcome,
    Stage,
    Verdict,
    VerifySettings,
)
from derive.numeric import MpFunction
from derive.timelimit import TimeLimitExceeded
from derive.verify.budget import SAMPLING_SHARE, Budget
from derive.verify.common import DEFAULT_SETTINGS, as_expr, plain_outcome
from derive.verify.worker import runs_as_claim


@dataclass(frozen=True)
class _LimitResult:
    value: sp.Expr | None  # None: one-sided limits differ
    one_sided: tuple[sp.Expr, sp.Expr] | None
    equal: bool
    cross_check: str | None = None  # the second way of computing it that agreed


@runs_as_claim("expr", "claimed")
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
    budget = Budget.start(settings)
    expr, point, claimed = as_expr(expr), as_expr(point), as_expr(claimed)
    try:
        body = substitute_definitions(expr, definitions)
        target = substitute_definitions(claimed, definitions)
    except DefinitionError as exc:
        return plain_outcome(Verdict.ERROR, "definitions", str(exc))
    try:
        # keep a share back for the values approaching the point (the refutation's evidence)
        result = budget.run(
            _compute_limit,
            body,
            variable,
            point,
            target,
            direction,
            reserve=SAMPLING_SHARE * budget.span,
        )
    except TimeLimitExceeded:
        return plain_outcome(
            Verdict.UNKNOWN, "timeout", f"sympy.limit did not finish within {budget.text}"
        )
    except InconsistentLimit as exc:
        return plain_outcome(Verdict.UNKNOWN, "limit", str(exc))
    except Exception as exc:
        return plain_outcome(
            Verdict.UNKNOWN, "limit", f"sympy.limit failed: {type(exc).__name__}: {exc}"
        )
    caveats = () if result.cross_check else (Caveat.ONE_METHOD,)
    if result.equal:
        detail = f"sympy.limit gives {sp.sstr(target)}"
        if result.cross_check:
            detail += f", cross-checked {result.cross_check}"
        else:
            detail += " (one method: the cross-check through a substitution failed)"
        return Outcome(Verdict.PROVED, Evidence(Stage.LIMIT, detail, caveats=caveats))
    if body.atoms(AppliedUndef) or target.atoms(AppliedUndef):
        return plain_outcome(Verdict.UNKNOWN, "limit", "the limit involves an undefined function")
    computed = result.value
    values = [computed] if computed is not None else list(result.one_sided or ())
    undecided = next((v for v in (*values, target) if not _is_concrete_limit(v)), None)
    if undecided is not None:
        shown = ", ".join(sp.sstr(v) for v in values)
        return plain_outcome(
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
            return plain_outcome(
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
            method=Stage.LIMIT,
            detail=detail,
            caveats=caveats,
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
    """``sympy.limit`` in one direction, computed a second way and compared.

    At +-oo the second way is x = +-t, t -> +oo (SymPy 1.14 gets ``limit(2**x, x, -oo)``
    wrong but ``limit(2**(-t), t, oo)`` right); at a finite point a it is
    x = a +- 1/s, s -> +oo.  Two different answers raise InconsistentLimit.
    """
    value, _ = checked_limit(expr, variable, point, direction)
    return value


def checked_limit(
    expr: sp.Expr, variable: sp.Symbol, point: sp.Expr, direction: str
) -> tuple[sp.Expr, str | None]:
    """(the limit, the second way that confirmed it, or None when none could);
    see ``cross_checked_limit``."""
    value = sp.limit(expr, variable, point, direction)
    s = sp.Dummy("s", positive=True)
    if point in (sp.oo, -sp.oo):
        sign = 1 if point == sp.oo else -1
        substituted = expr.subs(variable, sign * s)
        route = f"through {variable} = {'' if sign > 0 else '-'}t, t -> oo"
    else:
        sign = 1 if direction == "+" else -1
        substituted = expr.subs(variable, point + sign / s)
        route = f"through {variable} = {sp.sstr(point)} {'+' if sign > 0 else '-'} 1/s, s -> oo"
    try:
        again = sp.limit(substituted, s, sp.oo)
    except Exception:  # the second way failed: the value rests on one method
        return value, None
    if again.has(sp.Limit) or value.has(sp.Limit):
        return value, None  # unevaluated (undefined functions): nothing to compare
    if again != value and not _same_value(again, value):
        raise InconsistentLimit(
            f"sympy.limit gives {sp.sstr(value)} directly but {sp.sstr(again)} {route}"
        )
    return value, route


def _compute_limit(
    expr: sp.Expr, variable: sp.Symbol, point: sp.Expr, claimed: sp.Expr, direction: str
) -> _LimitResult:
    """Runs in the time-limited child."""
    expr, claimed = expr.doit(), claimed.doit()
    if point in (sp.oo, -sp.oo) or direction != "+-":
        one_dir = direction if direction != "+-" else ("-" if point == sp.oo else "+")
        value, route = checked_limit(expr, variable, point, one_dir)
        return _LimitResult(value, None, _same_value(value, claimed), route)
    right, right_route = checked_limit(expr, variable, point, "+")
    left, left_route = checked_limit(expr, variable, point, "-")
    route = f"{right_route} and {left_route}" if right_route and left_route else None
    if _same_value(left, right):
        return _LimitResult(right, None, _same_value(right, claimed), route)
    return _LimitResult(None, (left, right), False, route)


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
        center = Fraction(str(mpmath.nstr(mpmath.mpf(sp.N(point, 30)), 25)))
    signs = {"+": (1,), "-": (-1,), "+-": (1, -1)}[direction]
    return [center + sign * Fraction(1, 10**k) for sign in signs for k in (2, 4, 6)]


def _approach_values(
    expr: sp.Expr,
    variable: sp.Symbol,
    point: sp.Expr,
    direction: str,
    digits: int,
    budget: Budget,
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
        # sp.N, not sp.Float: Float(exp(2)) is a TypeError
        to_computed = abs(last - mpmath.mpf(sp.N(computed, 30)))
        to_claimed = abs(last - mpmath.mpf(sp.N(claimed, 30)))
    return bool(to_claimed < to_computed)


def _approach_label(point: sp.Expr, direction: str) -> str:
    text = sp.sstr(point)
    return text if point in (sp.oo, -sp.oo) or direction == "+-" else f"{text}{direction}"


def _value_text(value: sp.Expr) -> str:
    if isinstance(value, sp.Rational):
        return numeric.fraction_to_string(Fraction(int(value.p), int(value.q)))
    if value.is_number and value.is_finite and value.is_real:
        with mpmath.workdps(30):
            return numeric.decimal_string(mpmath.mpf(sp.N(value, 30)))
    return sp.sstr(value)
