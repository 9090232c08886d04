"""Decimal value claims: ``verify_decimal`` (``\\sigma(-4) = 0.018``, ``e = 2.718...``)
and ``verify_approx`` (``\\approx``), with the parsing of the number as written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
    localcontext,
)

import mpmath
import sympy as sp
from sympy.core.evalf import PrecisionExhausted

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
from derive.timelimit import TimeLimitExceeded
from derive.verify.budget import Budget
from derive.verify.common import DEFAULT_SETTINGS, NotAnExpression, as_expr, evaluate, plain_outcome
from derive.verify.equality import verify_equal
from derive.verify.evaluate import EvaluationError, enclose
from derive.verify.worker import runs_as_claim

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


@runs_as_claim("expr")
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
    expr = as_expr(expr)
    parsed = _parse_written(written)
    if parsed is None:
        return plain_outcome(Verdict.ERROR, "input", f"not a decimal number: {written!r}")
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
    budget = Budget.start(settings)
    try:
        value = evaluate(substitute_definitions(expr, definitions), budget)
    except DefinitionError as exc:
        return plain_outcome(Verdict.ERROR, "definitions", str(exc))
    except TimeLimitExceeded:
        return _decimal_timeout(budget)
    except NotAnExpression as exc:
        return plain_outcome(Verdict.ERROR, "input", str(exc))
    if value.free_symbols:
        names = ", ".join(s.name for s in numeric.sorted_symbols(value))
        return plain_outcome(Verdict.UNKNOWN, "evalf", f"the value depends on {names}")
    try:
        true_value = budget.run(_true_decimal, value, -parsed.exponent, settings.digits)
    except TimeLimitExceeded:
        return _decimal_timeout(budget)
    except Exception as exc:  # evalf failing on an odd expression: undecided
        return plain_outcome(Verdict.UNKNOWN, "evalf", f"could not evaluate: {type(exc).__name__}")
    if true_value is None:
        return plain_outcome(Verdict.UNKNOWN, "evalf", "the value is not a finite real number")
    judged = _judge_decimal(true_value, parsed, mode)
    if judged.verdict is Verdict.REFUTED and _double_precision(judged, parsed):
        return _printed_float(judged, parsed)
    return judged


def _rounded_hint(outcome: Outcome, expr: sp.Expr, written: _Written,
                  definitions: Sequence[Definition], settings: VerifySettings) -> Outcome:
    """``\\sigma(-4) = 0.018``: not the exact value, but the rounded one; say so."""
    if outcome.evidence is None:
        return outcome
    rounded = verify_decimal(expr, written.text, mode="rounded", definitions=definitions,
                             settings=settings)
    if rounded.verdict is Verdict.PROVED:
        hint = (
            f"{written.text} is the value rounded to {max(-written.exponent, 0)} decimals, "
            f"but '=' claims it exactly; write \\approx {written.text} for a rounded value"
        )
        return _with_caveat(outcome, Caveat.ROUNDED_VALUE, hint)
    if _double_precision(outcome, written):
        return _printed_float(outcome, written)
    return outcome


def _printed_float(outcome: Outcome, written: _Written) -> Outcome:
    hint = (
        f"{written.text} agrees with the value to double precision (a printed "
        "floating-point number), not in its last digit"
    )
    return _with_caveat(outcome, Caveat.PRINTED_FLOAT, hint)


def _with_caveat(outcome: Outcome, caveat: Caveat, hint: str) -> Outcome:
    assert outcome.evidence is not None
    return replace(outcome, evidence=replace(
        outcome.evidence, hint=hint, caveats=(*outcome.evidence.caveats, caveat),
    ))


#: Significant digits from which a decimal reads as a printed float64 (repr gives 15-17).
FLOAT_DIGITS = 15


def _double_precision(outcome: Outcome, written: _Written) -> bool:
    """0.6180339887498949 for (sqrt 5 - 1)/2 = 0.61803398874989484820...: off in the last
    digit by less than a double's rounding error, which is how a program prints it."""
    digits = len(written.value.as_tuple().digits)
    example = outcome.evidence.counterexample if outcome.evidence else None
    if digits < FLOAT_DIGITS or example is None:
        return False
    try:
        true, shown = Decimal(example.lhs_value), written.value
    except ArithmeticError:
        return False
    return bool(true) and abs(true - shown) <= Decimal("4.5e-16") * abs(true)


def _decimal_timeout(budget: Budget) -> Outcome:
    return plain_outcome(
        Verdict.UNKNOWN, "timeout", f"evaluating the expression did not finish within {budget.text}"
    )


@dataclass(frozen=True)
class _TrueValue:
    value: Decimal
    certified: bool  # every digit guaranteed (exact rational, or evalf strict=True)
    digits: int  # significant digits computed
    rational: bool  # exact rational arithmetic, no evalf
    enclosure: tuple[Decimal, Decimal] | None = None  # interval arithmetic: lo <= value <= hi


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
    return _TrueValue(
        Decimal(str(text)), certified, precision, rational=False,
        enclosure=_enclosure(value, precision + 10),
    )


def _enclosure(value: sp.Expr, dps: int) -> tuple[Decimal, Decimal] | None:
    """An interval that certainly holds ``value`` (mpmath interval arithmetic, endpoints
    rounded outwards into Decimals), or None where the evaluator has no interval form."""
    try:
        box = enclose(value, {}, dps)
    except EvaluationError:
        return None
    low, high = box._mpi_
    return _decimal(low, ROUND_FLOOR), _decimal(high, ROUND_CEILING)


def _decimal(raw: tuple[int, int, int, int], rounding: str) -> Decimal:
    """An mpmath raw float (sign, mantissa, exponent, bits) as a Decimal, with one directed
    rounding of the exact value (so a lower end stays below the true value)."""
    sign, mantissa, exponent, _ = raw
    numerator = -int(mantissa) if sign else int(mantissa)
    if exponent >= 0:
        return Decimal(numerator * 2 ** int(exponent))
    with localcontext() as ctx:
        ctx.prec = 120
        ctx.rounding = rounding
        return Decimal(numerator) / Decimal(2 ** -int(exponent))


def _quantized(value: Decimal, quantum: Decimal, digits: int) -> tuple[Decimal, frozenset[Decimal]]:
    """The truncation and the roundings (half up, half even) of ``value`` to ``quantum``."""
    with localcontext() as ctx:
        ctx.prec = digits + 50
        return value.quantize(quantum, rounding=ROUND_DOWN), frozenset(
            value.quantize(quantum, rounding=r) for r in (ROUND_HALF_UP, ROUND_HALF_EVEN)
        )


def _judge_decimal(true_value: _TrueValue, written: _Written, mode: str) -> Outcome:
    """Compare the written digits with the true value.

    ``rounded`` (a value claim with "="): only correct rounding, half-up or
    half-even; ``approx`` ("\\approx"): rounding or truncation; ``prefix`` ("..."):
    the digits start the true expansion (a rounded last digit is accepted too).
    """
    exact, digits = true_value.value, true_value.digits
    quantum = Decimal(1).scaleb(written.exponent)
    box = true_value.enclosure
    # Every value in the enclosure truncates and rounds alike: the verdict is certain.
    decided_by_interval = box is not None and (
        _quantized(box[0], quantum, digits) == _quantized(box[1], quantum, digits)
        == _quantized(exact, quantum, digits)
    )
    if true_value.rational:
        source = "exact rational arithmetic"
    elif decided_by_interval:
        source = f"interval arithmetic at {digits} digits encloses the value"
    elif true_value.certified:
        source = f"evalf with strict=True certifies {digits} significant digits"
    else:
        source = f"evalf at {digits} digits could not certify them (strict=True failed)"
    truncated, rounded = _quantized(exact, quantum, digits)
    significant = max(15, -written.exponent + 3)
    with mpmath.workdps(significant + 10):  # the default 15 digits would blur the value
        shown = numeric.decimal_string(mpmath.mpf(str(exact)), significant)
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
        # proved only from exact arithmetic or an interval that decides it; evalf's own
        # error estimate (strict=True) is strong numeric evidence, not a proof
        proved = true_value.rational or decided_by_interval
        verdict = Verdict.PROVED if proved else Verdict.CHECKED
        method = Stage.EVALF if true_value.rational else Stage.INTERVAL if proved else Stage.MPMATH
        return Outcome(
            verdict,
            Evidence(
                method=method,
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
    if not (true_value.certified or decided_by_interval):
        # An uncertified value is no counterexample: it might be the wrong digits.
        return plain_outcome(Verdict.UNKNOWN, "evalf", f"{detail}; but {source}")
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


@runs_as_claim("lhs", "rhs")
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
    lhs, rhs = as_expr(lhs), as_expr(rhs)
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
    return plain_outcome(Verdict.UNKNOWN, "approx", reason)


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

