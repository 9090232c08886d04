"""The verification engine: verdicts, counterexamples, hints, limits, decimals, time limits."""

from __future__ import annotations

import pickle
import time
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import verify
from derive.model import Definition, Outcome, Verdict, VerifySettings
from derive.verify import (
    difference_hint,
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
    monkeypatch.setattr(verify, "_symbolic_stages", sleep_instead_of_simplifying)
    lhs = g(x) * (sp.sin(x) ** 2 + sp.cos(x) ** 2)
    outcome = verify_equal(lhs, g(x), settings=VerifySettings(time_limit=0.3))
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.evidence.method == "timeout"
    assert "0.3 s" in outcome.evidence.detail


def test_checked_when_symbolic_work_runs_out_of_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify, "_symbolic_stages", sleep_instead_of_simplifying)
    outcome = verify_equal(
        sp.sin(x) ** 2, 1 - sp.cos(x) ** 2, settings=VerifySettings(time_limit=0.3)
    )
    assert outcome.verdict is Verdict.CHECKED
    assert outcome.evidence.method == "sampling"
    assert outcome.evidence.points >= 32
    assert outcome.evidence.digits >= 30
    assert outcome.evidence.max_difference is not None
    assert float(outcome.evidence.max_difference) < 1e-20
    assert "did not finish" in outcome.evidence.detail


def test_checked_for_real_with_a_tiny_time_limit() -> None:
    # The trig identity needs the forked stages, which cannot finish in 10 ms... usually;
    # either way the verdict must be honest: proved by SymPy, or checked by sampling.
    outcome = verify_equal(
        sp.sin(x) ** 2, 1 - sp.cos(x) ** 2, settings=VerifySettings(time_limit=0.001)
    )
    assert outcome.verdict in (Verdict.PROVED, Verdict.CHECKED)
    if outcome.verdict is Verdict.CHECKED:
        assert outcome.evidence.points >= 32


def test_wrong_step_is_refuted_even_when_out_of_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify, "_symbolic_stages", sleep_instead_of_simplifying)
    outcome = verify_equal(sp.sin(x) ** 2, 1 + sp.cos(x) ** 2, settings=VerifySettings(0.3))
    assert outcome.verdict is Verdict.REFUTED


def test_outcomes_are_deterministic_and_picklable() -> None:
    first = verify_equal((x + y) ** 3, x**3 + y**3)
    second = verify_equal((x + y) ** 3, x**3 + y**3)
    assert first == second
    assert first.evidence.seconds is None
    assert pickle.loads(pickle.dumps(first)) == first


def test_seed_changes_only_random_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify, "_symbolic_stages", sleep_instead_of_simplifying)
    a = verify_equal(sp.sin(x) ** 2, 1 - sp.cos(x) ** 2, settings=VerifySettings(0.2, seed=1))
    b = verify_equal(sp.sin(x) ** 2, 1 - sp.cos(x) ** 2, settings=VerifySettings(0.2, seed=2))
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
    monkeypatch.setattr(verify, "_compute_limit", lambda *args: time.sleep(3600))
    outcome = verify_limit(sigma(x), x, sp.oo, sp.Integer(1), settings=VerifySettings(0.3))
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.evidence.method == "timeout"


def test_hanging_decimal_evaluation_ends_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify, "_true_decimal", lambda *args: time.sleep(3600))
    outcome = verify_decimal(sp.E, "2.718", settings=VerifySettings(0.3))
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.evidence.method == "timeout"


def test_non_expressions_are_errors() -> None:
    outcome = verify_equal(sp.Eq(x, 1), x)  # type: ignore[arg-type]
    assert outcome.verdict is Verdict.ERROR
