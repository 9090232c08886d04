"""The verification engine: verdicts, counterexamples, hints, limits, decimals, time limits."""

from __future__ import annotations

import pickle
import re
import time
from collections.abc import Callable
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import verify
from derive.model import Definition, Outcome, Verdict, VerifySettings
from derive.verify import (
    budget,
    decimals,
    difference_hint,
    limits,
    sampling,
    symbolic,
    verify_approx,
    verify_decimal,
    verify_equal,
    verify_limit,
)

x, y = sp.symbols("x y")
u = sp.Symbol("u")
g = sp.Function("g")
sigma = sp.Function("sigma")
E = sp.exp(-x)
SIGMA = Definition("sigma", (x,), 1 / (1 + sp.exp(-x)))
U = Definition("u", (), 1 + sp.exp(-x))
DEFS = (SIGMA, U)


def sleep_instead_of_simplifying(difference: sp.Expr) -> str | None:
    """Stands in for a SymPy call that hangs."""
    time.sleep(3600)
    return None


# --- the sigmoid chain ------------------------------------------------------

SIGMOID_CHAIN = [
    sp.Derivative(sigma(x), x),
    sp.Derivative(1 / u, x),
    -1 / u**2 * sp.Derivative(u, x),
    -1 / u**2 * (-E),
    E / (1 + E) ** 2,
    (1 + E - 1) / (1 + E) ** 2,
    (1 + E) / (1 + E) ** 2 - 1 / (1 + E) ** 2,
    1 / (1 + E) - 1 / (1 + E) ** 2,
    1 / (1 + E) * (1 - 1 / (1 + E)),
    sigma(x) * (1 - sigma(x)),
]


@pytest.mark.parametrize("index", range(len(SIGMOID_CHAIN) - 1))
def test_sigmoid_chain_steps_are_proved(index: int) -> None:
    outcome = verify_equal(SIGMOID_CHAIN[index], SIGMOID_CHAIN[index + 1], definitions=DEFS)
    assert outcome.verdict is Verdict.PROVED, outcome.evidence.detail


def test_sigmoid_closed_form_is_proved() -> None:
    outcome = verify_equal(E / (1 + E) ** 2, sigma(x) * (1 - sigma(x)), definitions=DEFS)
    assert outcome.verdict is Verdict.PROVED
    assert outcome.evidence.counterexample is None


def test_flipped_sign_is_refuted_with_counterexample_and_hint() -> None:
    outcome = verify_equal(-E / (1 + E) ** 2, sigma(x) * (1 - sigma(x)), definitions=DEFS)
    assert outcome.verdict is Verdict.REFUTED
    example = outcome.evidence.counterexample
    assert example is not None
    assert set(example.point) == {"x"}
    assert float(example.lhs_value) == pytest.approx(-float(example.rhs_value))
    assert outcome.evidence.hint == "differs by a factor of -1"


def test_counterexample_values_match_the_point() -> None:
    outcome = verify_equal(x**2, x)
    example = outcome.evidence.counterexample
    assert outcome.verdict is Verdict.REFUTED and example is not None
    point = Fraction(example.point["x"])
    # a simple point a person can re-check by hand
    assert point.denominator <= 4
    assert float(example.lhs_value) == pytest.approx(float(point) ** 2)
    assert float(example.rhs_value) == pytest.approx(float(point))


def test_dropped_factor_two_is_refuted() -> None:
    outcome = verify_equal(sp.Derivative(x**2, x), x)
    assert outcome.verdict is Verdict.REFUTED
    assert outcome.evidence.hint == "differs by a factor of 2"


def test_placeholder_trap_true_step_is_proved() -> None:
    outcome = verify_equal(sp.Derivative(1 / u, x), E / (1 + E) ** 2, definitions=DEFS)
    assert outcome.verdict is Verdict.PROVED


def test_placeholder_trap_wrong_step_is_refuted() -> None:
    outcome = verify_equal(sp.Derivative(1 / u, x), -E / u**2, definitions=DEFS)
    assert outcome.verdict is Verdict.REFUTED
    # and the trap's "0" is not accepted either
    assert verify_equal(sp.Derivative(1 / u, x), sp.Integer(0), definitions=DEFS).verdict is (
        Verdict.REFUTED
    )


def test_tanh_exp_identities_are_proved_via_rewrite() -> None:
    outcome = verify_equal(sp.tanh(x), (1 - sp.exp(-2 * x)) / (1 + sp.exp(-2 * x)))
    assert outcome.verdict is Verdict.PROVED
    assert outcome.evidence.method == "rewrite-exp"
    outcome = verify_equal(1 - sp.tanh(x) ** 2, 4 / (sp.exp(x) + sp.exp(-x)) ** 2)
    assert outcome.verdict is Verdict.PROVED


def test_trig_identity_is_proved() -> None:
    assert verify_equal(sp.sin(2 * x), 2 * sp.sin(x) * sp.cos(x)).verdict is Verdict.PROVED


def test_sqrt_of_square_holds_only_for_positive_x() -> None:
    outcome = verify_equal(sp.sqrt(x**2), x)
    assert outcome.verdict is Verdict.REFUTED
    assert outcome.evidence.hint == "holds only for x > 0"
    example = outcome.evidence.counterexample
    assert example is not None and Fraction(example.point["x"]) < 0


def test_assumptions_are_used_symbolically_and_for_sampling() -> None:
    assert verify_equal(sp.sqrt(x**2), x, assumptions=[x > 0]).verdict is Verdict.PROVED
    assert verify_equal(sp.sqrt(x**2), -x, assumptions=[x < 0]).verdict is Verdict.PROVED
    # x > 2 only restricts sampling: the step is false near 0 but true beyond 2
    wrong_near_zero = sp.Max(x, 2)
    outcome = verify_equal(wrong_near_zero, x, assumptions=[x > 2])
    assert outcome.verdict in (Verdict.PROVED, Verdict.CHECKED)
    assert verify_equal(wrong_near_zero, x).verdict is Verdict.REFUTED


def test_several_variables_are_sampled() -> None:
    assert verify_equal((x + y) ** 2, x**2 + 2 * x * y + y**2).verdict is Verdict.PROVED
    outcome = verify_equal((x + y) ** 2, x**2 + y**2)
    assert outcome.verdict is Verdict.REFUTED
    assert outcome.evidence.counterexample is not None
    assert set(outcome.evidence.counterexample.point) == {"x", "y"}


def test_undefined_functions_are_never_refuted_by_sampling() -> None:
    outcome = verify_equal(g(x), g(x) + 1)
    assert outcome.verdict is Verdict.UNKNOWN
    product_rule = verify_equal(
        sp.Derivative(x**2 * g(x), x), 2 * x * g(x) + x**2 * sp.Derivative(g(x), x)
    )
    assert product_rule.verdict is Verdict.PROVED


def test_hanging_symbolic_stage_ends_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(symbolic, "forked_stages", sleep_instead_of_simplifying)
    lhs = g(x) * (sp.sin(x) ** 2 + sp.cos(x) ** 2)
    outcome = verify_equal(lhs, g(x), settings=VerifySettings(time_limit=0.3))
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.evidence.method == "timeout"
    assert "0.3 s" in outcome.evidence.detail


def test_checked_when_symbolic_work_runs_out_of_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(symbolic, "forked_stages", sleep_instead_of_simplifying)
    outcome = verify_equal(
        sp.sin(x) ** 2, 1 - sp.cos(x) ** 2, settings=VerifySettings(time_limit=2.0)
    )
    assert outcome.verdict is Verdict.CHECKED
    assert outcome.evidence.method == "sampling"
    assert outcome.evidence.points >= 32
    assert outcome.evidence.digits >= 30
    assert outcome.evidence.max_difference is not None
    assert float(outcome.evidence.max_difference) < 1e-20
    assert "did not finish" in outcome.evidence.detail


def test_tiny_time_limit_gives_an_honest_verdict() -> None:
    # The whole call has 1 ms: SymPy may not get to prove it and sampling may not finish;
    # whatever happens, the verdict must say so honestly.
    outcome = verify_equal(
        sp.sin(x) ** 2, 1 - sp.cos(x) ** 2, settings=VerifySettings(time_limit=0.001)
    )
    assert_honest(outcome)
    assert outcome.verdict in (Verdict.PROVED, Verdict.CHECKED, Verdict.UNKNOWN)
    if outcome.verdict is Verdict.CHECKED:
        assert outcome.evidence.points >= 32
    if outcome.verdict is Verdict.UNKNOWN:
        assert outcome.evidence.method == "timeout"
        assert outcome.evidence.points < 32


def test_wrong_step_is_refuted_even_when_out_of_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(symbolic, "forked_stages", sleep_instead_of_simplifying)
    outcome = verify_equal(sp.sin(x) ** 2, 1 + sp.cos(x) ** 2, settings=VerifySettings(0.3))
    assert outcome.verdict is Verdict.REFUTED


def test_outcomes_are_deterministic_and_picklable() -> None:
    first = verify_equal((x + y) ** 3, x**3 + y**3)
    second = verify_equal((x + y) ** 3, x**3 + y**3)
    assert first == second
    assert first.evidence.seconds is None
    assert pickle.loads(pickle.dumps(first)) == first


def test_seed_changes_only_random_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(symbolic, "forked_stages", sleep_instead_of_simplifying)
    a = verify_equal(sp.sin(x) ** 2, 1 - sp.cos(x) ** 2, settings=VerifySettings(1.0, seed=1))
    b = verify_equal(sp.sin(x) ** 2, 1 - sp.cos(x) ** 2, settings=VerifySettings(1.0, seed=2))
    assert a.verdict is b.verdict is Verdict.CHECKED


def test_cyclic_definitions_are_an_error() -> None:
    cyclic = [Definition("u", (), 1 + sp.Symbol("v")), Definition("v", (), u)]
    assert verify_equal(u, u + 1, definitions=cyclic).verdict is Verdict.ERROR


def test_points_where_a_side_is_undefined_are_skipped() -> None:
    # log is real only for x > 0; the negative points are skipped, not counterexamples
    outcome = verify_equal(sp.log(x**2), 2 * sp.log(x), assumptions=[x > 0])
    assert outcome.verdict is Verdict.PROVED
    assert verify_equal(x / x, sp.Integer(1)).verdict is Verdict.PROVED


# --- hints ------------------------------------------------------------------


def test_difference_hints() -> None:
    assert difference_hint(sp.exp(x) + 3, sp.exp(x), [x]) == "differs by a constant (3)"
    assert difference_hint(sp.sin(x), -sp.sin(x), [x]) == "differs by a factor of -1"
    assert difference_hint(x**3 / 2, x**3, [x]) == "differs by a factor of 1/2"
    assert difference_hint(sp.Abs(x), -x, [x]) == "holds only for x < 0"
    assert difference_hint(x**2, x, [x]) is None


# --- limits -----------------------------------------------------------------


def test_sigmoid_limits_are_proved() -> None:
    at_plus = verify_limit(sigma(x), x, sp.oo, sp.Integer(1), definitions=DEFS)
    at_minus = verify_limit(sigma(x), x, -sp.oo, sp.Integer(0), definitions=DEFS)
    assert at_plus.verdict is Verdict.PROVED
    assert at_minus.verdict is Verdict.PROVED


def test_extended_real_limits() -> None:
    assert verify_limit(sp.exp(x), x, sp.oo, sp.oo).verdict is Verdict.PROVED
    assert verify_limit(sp.exp(x), x, -sp.oo, sp.Integer(0)).verdict is Verdict.PROVED
    assert verify_limit(1 / x, x, 0, sp.oo, direction="+").verdict is Verdict.PROVED


def test_wrong_limit_is_refuted_with_evidence() -> None:
    outcome = verify_limit(sigma(x), x, sp.oo, sp.Integer(0), definitions=DEFS)
    assert outcome.verdict is Verdict.REFUTED
    example = outcome.evidence.counterexample
    assert example is not None
    assert example.point == {"x": "oo"}
    assert example.lhs_value == "1" and example.rhs_value == "0"
    assert "f(1000)" in outcome.evidence.detail


def test_two_sided_limit_that_does_not_exist_is_refuted() -> None:
    outcome = verify_limit(1 / x, x, 0, sp.oo)
    assert outcome.verdict is Verdict.REFUTED
    assert "does not exist" in outcome.evidence.detail


# --- decimals ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "verdict"),
    [("0.01798621", Verdict.PROVED), ("0.0180", Verdict.PROVED), ("0.0179", Verdict.REFUTED)],
)
def test_sigmoid_value_decimals(written: str, verdict: Verdict) -> None:
    outcome = verify_decimal(sigma(-4), written, definitions=DEFS)
    assert outcome.verdict is verdict, outcome.evidence.detail


def test_refuted_decimal_shows_the_true_value() -> None:
    outcome = verify_decimal(sigma(4), "0.9830138", definitions=DEFS)
    assert outcome.verdict is Verdict.REFUTED
    example = outcome.evidence.counterexample
    assert example is not None
    assert example.lhs_value.startswith("0.98201379")
    assert example.rhs_value == "0.9830138"


def test_prefix_decimals_for_e() -> None:
    wrong = verify_decimal(sp.E, "2.781...", mode="prefix")
    assert wrong.verdict is Verdict.REFUTED
    assert wrong.evidence.counterexample is not None
    assert wrong.evidence.counterexample.lhs_value.startswith("2.71828")
    assert verify_decimal(sp.E, "2.718...", mode="prefix").verdict is Verdict.PROVED
    # a trailing "..." means prefix whatever mode was passed
    assert verify_decimal(sp.E, "2.781...").verdict is Verdict.REFUTED


def test_exact_decimals() -> None:
    assert verify_decimal(sigma(0), "0.5", mode="exact", definitions=DEFS).verdict is (
        Verdict.PROVED
    )
    assert verify_decimal(sigma(0), "0.50001", mode="exact", definitions=DEFS).verdict is (
        Verdict.REFUTED
    )


def test_unreadable_decimal_is_an_error() -> None:
    assert verify_decimal(sp.E, "2.7.1").verdict is Verdict.ERROR
    assert verify_decimal(sp.E, "__import__('os')").verdict is Verdict.ERROR


def test_decimal_of_an_expression_with_free_symbols_is_unknown() -> None:
    assert verify_decimal(sp.exp(x), "1.0").verdict is Verdict.UNKNOWN


def test_approx_accepts_rounding_or_truncation() -> None:
    for written in ("0.0180", "0.0179", "0.01798621"):
        outcome = verify_approx(sigma(-4), sp.Float(written), written=written, definitions=DEFS)
        assert outcome.verdict is Verdict.PROVED, written
    wrong = verify_approx(sp.Float("0.0178"), sigma(-4), written="0.0178", definitions=DEFS)
    assert wrong.verdict is Verdict.REFUTED


def test_approx_between_expressions() -> None:
    taylor = verify_approx(sp.exp(x), 1 + x)
    assert taylor.verdict is Verdict.UNKNOWN
    assert "cannot be decided" in taylor.evidence.detail
    equal = verify_approx(sp.exp(2 * x), sp.exp(x) ** 2)
    assert equal.verdict is Verdict.PROVED


# --- property tests ---------------------------------------------------------

small_ints = st.integers(min_value=-4, max_value=4)
linear = st.tuples(small_ints, small_ints, small_ints).map(lambda c: c[0] * x + c[1] * y + c[2])


@st.composite
def polynomials(draw: st.DrawFn) -> sp.Expr:
    factors = draw(st.lists(linear, min_size=1, max_size=3))
    extra = draw(linear)
    return sp.Mul(*factors) + extra


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(polynomials())
def test_polynomials_equal_their_expansion(p: sp.Expr) -> None:
    outcome: Outcome = verify_equal(p, sp.expand(p))
    assert outcome.verdict is Verdict.PROVED
    shifted = verify_equal(p, p + 1)
    assert shifted.verdict is Verdict.REFUTED
    assert shifted.evidence.hint == "differs by a constant (-1)"


def test_real_only_through_complex_intermediates_is_no_counterexample() -> None:
    # at x = -2 the left side is sqrt(-3)*sqrt(-1) = -sqrt(3): real, but not on the real domain
    outcome = verify_equal(sp.sqrt(1 - x**2) * sp.sqrt(1 + x), sp.sqrt((1 - x**2) * (1 + x)))
    assert outcome.verdict in (Verdict.PROVED, Verdict.CHECKED)


def test_checked_says_how_many_points_were_skipped() -> None:
    outcome = verify_equal(sp.log(x**2), 2 * sp.log(x))
    assert outcome.verdict is Verdict.CHECKED  # true for x > 0, where both sides are real
    assert "skipped" in outcome.evidence.detail
    assert outcome.evidence.points >= 32


def test_functions_defined_near_zero_only_still_get_enough_points() -> None:
    outcome = verify_equal(sp.asin(x) + sp.acos(x), sp.pi / 2)
    assert outcome.verdict in (Verdict.PROVED, Verdict.CHECKED)
    if outcome.verdict is Verdict.CHECKED:
        assert outcome.evidence.points >= 32


def test_variables_are_real() -> None:
    # true for real x, false for complex x: the verifier works over the reals throughout
    assert verify_equal(sp.log(sp.exp(x)), x).verdict is Verdict.PROVED
    assert verify_equal(sp.sqrt(x**2), sp.Abs(x)).verdict is Verdict.PROVED


def test_cancelled_common_factor_is_mentioned() -> None:
    outcome = verify_equal((x**2 - 1) / (x - 1), x + 1)
    assert outcome.verdict is Verdict.PROVED
    assert "common factor was cancelled" in outcome.evidence.detail
    plain = verify_equal(x**2 - 1, (x - 1) * (x + 1))
    assert "common factor" not in plain.evidence.detail


def test_hanging_limit_ends_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "_compute_limit", lambda *args: time.sleep(3600))
    outcome = verify_limit(sigma(x), x, sp.oo, sp.Integer(1), settings=VerifySettings(0.3))
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.evidence.method == "timeout"


def test_hanging_decimal_evaluation_ends_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decimals, "_true_decimal", lambda *args: time.sleep(3600))
    outcome = verify_decimal(sp.E, "2.718", settings=VerifySettings(0.3))
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.evidence.method == "timeout"


def test_non_expressions_are_errors() -> None:
    outcome = verify_equal(sp.Eq(x, 1), x)  # type: ignore[arg-type]
    assert outcome.verdict is Verdict.ERROR


# --- one deadline per claim (fake clock: no wall-clock assertions) -----------


class FakeClock:
    """Stands in for time.monotonic; only fake slow stages move it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(budget, "_clock", fake)
    return fake


def prove_anything(difference: sp.Expr) -> str | None:
    """A symbolic stage that 'proves' everything: it must never run without budget."""
    return "simplify"


def find_nothing(difference: sp.Expr) -> str | None:
    return None


TRIG_LHS, TRIG_RHS = sp.sin(x) ** 2, 1 - sp.cos(x) ** 2


def test_a_slow_stage_spends_the_budget_of_the_later_ones(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    real_screen = sampling.screen

    def slow_screen(*args: object) -> Outcome | None:
        result = real_screen(*args)  # type: ignore[arg-type]
        clock.advance(10)  # twice the whole time limit
        return result

    monkeypatch.setattr(sampling, "screen", slow_screen)
    monkeypatch.setattr(symbolic, "forked_stages", prove_anything)
    outcome = verify_equal(TRIG_LHS, TRIG_RHS, settings=VerifySettings(time_limit=5))
    assert outcome.verdict is Verdict.UNKNOWN  # not proved: the symbolic stage never ran
    assert outcome.evidence.method == "timeout"
    assert outcome.evidence.points == 0
    assert "time limit of 5 s" in outcome.evidence.detail


def test_stages_get_the_remaining_budget(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    real_screen = sampling.screen
    budgets: list[float] = []

    def slow_screen(*args: object) -> Outcome | None:
        clock.advance(3)
        return real_screen(*args)  # type: ignore[arg-type]

    def recording_run(fn: object, args: object, seconds: float) -> None:
        budgets.append(seconds)
        return None  # the symbolic stages found nothing

    monkeypatch.setattr(sampling, "screen", slow_screen)
    # inside a claim's worker (here: this process, so the list sees the calls), stages
    # are bounded by an alarm
    monkeypatch.setattr(budget, "run_with_alarm", recording_run)
    monkeypatch.setattr(budget, "_claim_deadline", budget._clock() + 5)
    outcome = verify_equal(TRIG_LHS, TRIG_RHS, settings=VerifySettings(time_limit=5))
    # 5 s in all, 3 s spent by the screen, a share kept back for sampling
    assert budgets == [pytest.approx(5 - 3 - verify.SAMPLING_SHARE * 5)]
    assert outcome.verdict is Verdict.CHECKED
    assert outcome.evidence.points >= 32


def test_sampling_stops_at_the_deadline_and_says_how_far_it_got(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    real_compare = sampling._compare_at

    def slow_compare(*args: object, **kwargs: object) -> object:
        clock.advance(0.2)
        return real_compare(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sampling, "_compare_at", slow_compare)
    monkeypatch.setattr(symbolic, "forked_stages", find_nothing)
    outcome = verify_equal(TRIG_LHS, TRIG_RHS, settings=VerifySettings(time_limit=5))
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.evidence.method == "timeout"
    assert 0 < outcome.evidence.points < 32
    assert f"after {outcome.evidence.points} of 32 sample points" in outcome.evidence.detail
    assert outcome.evidence.max_difference is not None


def test_counterexample_survives_the_deadline_but_the_hint_does_not(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    lhs, rhs = -E / (1 + E) ** 2, sigma(x) * (1 - sigma(x))
    assert verify_equal(lhs, rhs, definitions=DEFS).evidence.hint is not None
    real_compare = sampling._compare_at

    def slow_compare(*args: object, **kwargs: object) -> object:
        result = real_compare(*args, **kwargs)  # type: ignore[arg-type]
        clock.advance(10)
        return result

    monkeypatch.setattr(sampling, "_compare_at", slow_compare)
    outcome = verify_equal(lhs, rhs, definitions=DEFS)
    assert outcome.verdict is Verdict.REFUTED
    assert outcome.evidence.counterexample is not None
    assert outcome.evidence.hint is None


def test_limit_and_decimal_share_one_deadline(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    real_substitute = limits.substitute_definitions

    def slow_substitute(expr: sp.Expr, definitions: object) -> sp.Expr:
        clock.advance(10)
        return real_substitute(expr, definitions)  # type: ignore[arg-type]

    # both take definitions before anything else
    monkeypatch.setattr(limits, "substitute_definitions", slow_substitute)
    monkeypatch.setattr(decimals, "substitute_definitions", slow_substitute)
    limit = verify_limit(sigma(x), x, sp.oo, sp.Integer(1), definitions=DEFS)
    assert (limit.verdict, limit.evidence.method) == (Verdict.UNKNOWN, "timeout")
    decimal = verify_decimal(sigma(-4), "0.01798621", definitions=DEFS)
    assert (decimal.verdict, decimal.evidence.method) == (Verdict.UNKNOWN, "timeout")


# --- limits with undefined functions or parameters -------------------------

h, a = sp.symbols("h a")
f = sp.Function("f")
DIFFERENCE_QUOTIENT = (f(x + h) - f(x)) / h


@pytest.mark.parametrize("claimed", [sp.Derivative(f(x), x), sp.Integer(0), f(x)])
def test_limit_of_an_undefined_function_is_unknown(claimed: sp.Expr) -> None:
    outcome = verify_limit(DIFFERENCE_QUOTIENT, h, sp.Integer(0), claimed)
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.evidence.detail == "the limit involves an undefined function"
    assert outcome.evidence.counterexample is None


def test_limit_with_a_free_parameter_is_not_refuted() -> None:
    outcome = verify_limit(a * x, x, sp.Integer(1), sp.Integer(2))
    assert outcome.verdict is Verdict.UNKNOWN
    assert verify_limit(a * x, x, sp.Integer(1), a).verdict is Verdict.PROVED


# --- structural evidence wording ---------------------------------------------


@pytest.mark.parametrize(
    ("lhs", "rhs", "definitions", "detail"),
    [
        (x + 1, 1 + x, (), "both sides are the same expression"),
        (
            sigma(x),
            1 / (1 + E),
            DEFS,
            "after substituting definitions, both sides are the same expression",
        ),
        (
            sp.Derivative(x**3, x),
            3 * x**2,
            (),
            "after evaluating derivatives, both sides are the same expression",
        ),
        (
            sp.Derivative(sigma(x), x),
            E / (1 + E) ** 2,
            DEFS,
            "after substituting definitions and evaluating derivatives, "
            "both sides are the same expression",
        ),
    ],
)
def test_structural_detail_says_what_was_done(
    lhs: sp.Expr, rhs: sp.Expr, definitions: tuple[Definition, ...], detail: str
) -> None:
    outcome = verify_equal(lhs, rhs, definitions=definitions)
    assert (outcome.verdict, outcome.evidence.method) == (Verdict.PROVED, "structural")
    assert outcome.evidence.detail == detail


# --- every verdict is honest -------------------------------------------------

#: Methods that stand for a proof: symbolic, exact rational arithmetic ("evalf" for a
#: rational value), or interval arithmetic that decides the digits.
SYMBOLIC_METHODS = {
    "interval",
    "structural",
    "cancel",
    "expand",
    "together-expand",
    "rewrite-exp",
    "simplify",
    "limit",
    "evalf",
}
_NUMBER = r"-?(\d+(\.\d*)?([eE][+-]?\d+)?|\d+/\d+|oo)"
CONCRETE_VALUE = re.compile(rf"{_NUMBER}(\.\.\.)?|left {_NUMBER}, right {_NUMBER}")
CONCRETE_POINT = re.compile(rf"{_NUMBER}[+-]?")


def assert_honest(outcome: Outcome) -> None:
    evidence = outcome.evidence
    example = evidence.counterexample
    if outcome.verdict is Verdict.PROVED:
        assert evidence.method in SYMBOLIC_METHODS, evidence
        assert example is None
        if evidence.method == "evalf":
            assert "strict=True" in evidence.detail or "exact rational" in evidence.detail
    elif outcome.verdict is Verdict.REFUTED:
        assert example is not None, evidence
        assert CONCRETE_VALUE.fullmatch(example.lhs_value), example
        assert CONCRETE_VALUE.fullmatch(example.rhs_value), example
        assert example.lhs_value != example.rhs_value, example  # shown to differ
        assert all(CONCRETE_POINT.fullmatch(v) for v in example.point.values()), example
    elif outcome.verdict is Verdict.CHECKED:
        assert example is None
        assert evidence.points >= 1 and evidence.digits > 0, evidence
    else:
        assert example is None, evidence


def _removable() -> sp.Expr:
    with sp.evaluate(False):
        return x / x


def _claims() -> list[tuple[str, Callable[[], Outcome]]]:
    eq = verify_equal
    return [
        (
            "sigmoid closed form",
            lambda: eq(E / (1 + E) ** 2, sigma(x) * (1 - sigma(x)), definitions=DEFS),
        ),
        ("binomial", lambda: eq((x + y) ** 2, x**2 + 2 * x * y + y**2)),
        ("tanh", lambda: eq(sp.tanh(x), (1 - sp.exp(-2 * x)) / (1 + sp.exp(-2 * x)))),
        ("pythagoras", lambda: eq(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1))),
        ("log of exp, real x", lambda: eq(sp.log(sp.exp(x)), x)),
        ("sqrt of square is |x|", lambda: eq(sp.sqrt(x**2), sp.Abs(x))),
        ("sqrt of square is x", lambda: eq(sp.sqrt(x**2), x)),
        ("x/x = 1", lambda: eq(_removable(), sp.Integer(1))),
        ("removable, cancelled", lambda: eq((x**2 - 1) / (x - 1), x + 1)),
        ("square is not x", lambda: eq(x**2, x)),
        (
            "flipped sign",
            lambda: eq(-E / (1 + E) ** 2, sigma(x) * (1 - sigma(x)), definitions=DEFS),
        ),
        ("placeholder trap", lambda: eq(sp.Derivative(1 / u, x), sp.Integer(0), definitions=DEFS)),
        ("undefined g", lambda: eq(g(x), g(x) + 1)),
        (
            "product rule",
            lambda: eq(sp.Derivative(x**2 * g(x), x), 2 * x * g(x) + x**2 * sp.Derivative(g(x), x)),
        ),
        ("log(x^2) on x > 0 only", lambda: eq(sp.log(x**2), 2 * sp.log(x))),
        (
            "complex intermediates",
            lambda: eq(sp.sqrt(1 - x**2) * sp.sqrt(1 + x), sp.sqrt((1 - x**2) * (1 + x))),
        ),
        ("constants", lambda: eq(sp.exp(sp.pi * sp.sqrt(163)), sp.Integer(262537412640768744))),
        ("not an expression", lambda: eq(sp.Eq(x, 1), x)),  # type: ignore[arg-type]
        ("limit at oo", lambda: verify_limit(sigma(x), x, sp.oo, sp.Integer(1), definitions=DEFS)),
        ("wrong limit", lambda: verify_limit(sigma(x), x, sp.oo, sp.Integer(0), definitions=DEFS)),
        ("no two-sided limit", lambda: verify_limit(1 / x, x, sp.Integer(0), sp.oo)),
        ("oscillating limit", lambda: verify_limit(sp.sin(1 / x), x, sp.Integer(0), sp.Integer(0))),
        (
            "difference quotient",
            lambda: verify_limit(DIFFERENCE_QUOTIENT, h, sp.Integer(0), sp.Integer(0)),
        ),
        ("parameter limit", lambda: verify_limit(a * x, x, sp.Integer(1), sp.Integer(2))),
        ("sigma(-4) rounded", lambda: verify_decimal(sigma(-4), "0.01798621", definitions=DEFS)),
        ("sigma(4) wrong", lambda: verify_decimal(sigma(4), "0.9830138", definitions=DEFS)),
        ("e prefix", lambda: verify_decimal(sp.E, "2.718...")),
        ("e wrong prefix", lambda: verify_decimal(sp.E, "2.781...")),
        ("exact half", lambda: verify_decimal(sigma(0), "0.5", mode="rounded", definitions=DEFS)),
        (
            "exact mode wrong",
            lambda: verify_decimal(sigma(0), "0.50001", mode="exact", definitions=DEFS),
        ),
        ("free symbol decimal", lambda: verify_decimal(sp.exp(x), "1.0")),
        ("approx taylor", lambda: verify_approx(sp.exp(x), 1 + x)),
        (
            "approx truncated",
            lambda: verify_approx(
                sigma(-4), sp.Float("0.0179"), written="0.0179", definitions=DEFS
            ),
        ),
    ]


@pytest.mark.parametrize(("name", "claim"), _claims(), ids=[n for n, _ in _claims()])
def test_every_verdict_is_honest(name: str, claim: Callable[[], Outcome]) -> None:
    assert_honest(claim())


def test_honest_verdicts_cover_every_kind() -> None:
    # the claims above must exercise each verdict, or the invariants test too little
    verdicts = {claim().verdict for _, claim in _claims()}
    assert verdicts == set(Verdict)


def test_removable_singularity_is_proved_as_rational_functions() -> None:
    for lhs, rhs in ((_removable(), sp.Integer(1)), ((x**2 - 1) / (x - 1), x + 1)):
        outcome = verify_equal(lhs, rhs)
        assert outcome.verdict is Verdict.PROVED
        assert "as rational functions" in outcome.evidence.detail


def test_proved_decimals_say_how_the_digits_are_certified() -> None:
    proved = verify_decimal(sp.E, "2.718")
    assert proved.verdict is Verdict.PROVED
    assert "interval arithmetic" in proved.evidence.detail
    assert "exact rational" in verify_decimal(sp.Rational(1, 8), "0.125").evidence.detail


def test_decimals_without_an_interval_form_are_only_checked() -> None:
    # erf has no interval form here: evalf's own error estimate is evidence, not a proof
    outcome = verify_decimal(sp.erf(1), "0.8427")
    assert outcome.verdict is Verdict.CHECKED
    assert "strict=True certifies" in outcome.evidence.detail


def test_interval_decides_digits_right_next_to_a_rounding_boundary() -> None:
    # 1/3 + 10^-20 pi = 0.333333333333333333364749...: the enclosure must be narrow enough
    value = sp.Rational(1, 3) + sp.pi / 10**20
    assert verify_decimal(value, "0.33333333333333333336").verdict is Verdict.PROVED
    wrong = verify_decimal(value, "0.33333333333333333337")
    assert wrong.verdict is Verdict.REFUTED
    assert wrong.evidence.counterexample is not None
    assert wrong.evidence.counterexample.lhs_value.startswith("0.3333333333333333333647")


@pytest.mark.parametrize("name", ["exit", "quit", "print", "open", "input"])
def test_undefined_functions_are_never_compiled_to_python(name: str) -> None:
    from derive.numeric import MpFunction

    x = sp.Symbol("x")
    function = MpFunction(sp.Function(name)(x) + 1, [x])  # a builtin's name, never called
    assert function({x: Fraction(1, 2)}, 30) is None
    assert MpFunction(sp.sin(x) + 1, [x])({x: Fraction(0)}, 30) == 1


def test_a_truncated_value_claimed_as_rounded_is_refuted_with_a_hint() -> None:
    outcome = verify_decimal(sp.pi, "3.1415", mode="rounded")
    assert outcome.verdict is Verdict.REFUTED
    assert outcome.evidence.hint == (
        "3.1415 is truncated; rounded it is 3.1416; write 3.1415... for a truncated value"
    )
    assert verify_decimal(sp.pi, "3.1415...", mode="prefix").verdict is Verdict.PROVED
    # A wrong digit is no truncation: no hint.
    assert verify_decimal(sp.pi, "3.1425", mode="rounded").evidence.hint is None


def test_a_limit_sympy_gets_wrong_is_never_proved_or_refuted() -> None:
    # SymPy 1.14: limit(2**x, x, -oo) == oo, but limit(2**(-t), t, oo) == 0.
    x = sp.Symbol("x")
    for claimed in (sp.oo, sp.Integer(0)):
        outcome = verify_limit(2**x, x, -sp.oo, claimed)
        assert outcome.verdict is Verdict.UNKNOWN, claimed
        assert "through x = -t" in outcome.evidence.detail
    assert verify_limit(2**x, x, sp.oo, sp.oo).verdict is Verdict.PROVED
