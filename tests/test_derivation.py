"""build_derivation: the generated chain, its verification, and re-verification after tampering."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from derive.generate.catalog import BUNDLED, SIGMOID, spec_from_expression
from derive.generate.derivation import build_derivation, reverify
from derive.model import Derivation, Verdict
from derive.render.latex import expr_latex

x = sp.Symbol("x")
OK = (Verdict.PROVED, Verdict.CHECKED)


@pytest.fixture(scope="module")
def sigmoid() -> Derivation:
    return build_derivation(SIGMOID)


def rules(derivation: Derivation) -> list[str]:
    return [step.rule for step in derivation.steps]


def test_sigmoid_chain_rule_steps(sigmoid: Derivation) -> None:
    names = rules(sigmoid)
    assert names[0] == "definition"
    assert names[1] == "chain rule"
    assert sigmoid.steps[1].note == "u = 1 + e^{- x}"
    assert "power rule" in names[2] and "exp rule" in names[2]
    assert names[3] == "substitute back"
    assert sp.latex(sigmoid.lhs) == r"\frac{d}{d x} \sigma{\left(x \right)}"


def test_sigmoid_rewrite_has_the_five_textbook_steps(sigmoid: Derivation) -> None:
    rewrite = sigmoid.steps[-5:]
    assert [s.rule for s in rewrite] == [
        "simplify",
        "product of two fractions",
        "add and subtract 1 in the numerator",
        "split the fraction",
        "definition of σ",
    ]
    d = 1 + sp.exp(-x)
    assert rewrite[0].expr == sp.exp(-x) / d**2
    assert sp.latex(rewrite[1].expr) == r"\frac{1}{1 + e^{- x}} \frac{e^{- x}}{1 + e^{- x}}"
    assert sp.latex(rewrite[-1].expr) == (
        r"\sigma{\left(x \right)} \left(1 - \sigma{\left(x \right)}\right)"
    )


def test_sigmoid_every_step_proved(sigmoid: Derivation) -> None:
    for step in sigmoid.steps:
        assert step.outcome is not None
        assert step.outcome.verdict == Verdict.PROVED, (step.rule, step.outcome)


def test_sigmoid_definitions(sigmoid: Derivation) -> None:
    names = [d.name for d in sigmoid.definitions]
    assert names == ["sigma", "u"]
    assert sigmoid.definitions[1].body == 1 + sp.exp(-x)


def test_sigmoid_limits_and_values(sigmoid: Derivation) -> None:
    assert [(c.point, c.value) for c in sigmoid.limits] == [(-sp.oo, 0), (sp.oo, 1)]
    assert all(
        c.outcome is not None and c.outcome.verdict == Verdict.PROVED for c in sigmoid.limits
    )
    assert any("e^{- x} = \\infty" in line for line in sigmoid.limits[0].steps)
    values = {int(v.point): v for v in sigmoid.values}
    assert values[0].exact == sp.Rational(1, 2)
    assert values[-4].exact is None and values[-4].decimal == "0.01798621"
    assert values[4].decimal == "0.9820138"
    for claim in sigmoid.values:
        assert claim.outcome is not None and claim.outcome.verdict in OK


def test_sigmoid_closed_form_checks(sigmoid: Derivation) -> None:
    checks = {c.name: c for c in sigmoid.checks}
    assert checks["matches sympy.diff"].outcome.verdict == Verdict.PROVED
    fd = checks["finite difference"]
    assert fd.outcome.verdict == Verdict.CHECKED
    assert fd.outcome.evidence.points == 100
    assert fd.max_error is not None and float(fd.max_error) < 1e-6
    assert checks["target vs definition"].outcome.verdict == Verdict.CHECKED
    assert sigmoid.verdict == Verdict.CHECKED  # numeric checks are never rounded up


def test_a_flipped_sign_is_refuted_with_a_counterexample(sigmoid: Derivation) -> None:
    index = rules(sigmoid).index("add and subtract 1 in the numerator")
    steps = list(sigmoid.steps)
    steps[index] = dataclasses.replace(steps[index], expr=-steps[index].expr, outcome=None)
    tampered = reverify(dataclasses.replace(sigmoid, steps=tuple(steps)))
    outcome = tampered.steps[index].outcome
    assert outcome is not None and outcome.verdict == Verdict.REFUTED
    assert outcome.evidence.counterexample is not None
    assert tampered.verdict == Verdict.REFUTED
    # the untouched steps before it stay proved
    assert all(s.outcome and s.outcome.verdict == Verdict.PROVED for s in tampered.steps[:index])


def test_a_wrong_closed_form_fails_the_numeric_checks(sigmoid: Derivation) -> None:
    steps = list(sigmoid.steps)
    steps[-1] = dataclasses.replace(steps[-1], expr=2 * steps[-1].expr, outcome=None)
    tampered = reverify(dataclasses.replace(sigmoid, steps=tuple(steps)))
    checks = {c.name: c for c in tampered.checks}
    assert checks["finite difference"].outcome.verdict == Verdict.REFUTED
    assert checks["finite difference"].outcome.evidence.counterexample is not None
    assert checks["target vs definition"].outcome.verdict == Verdict.REFUTED


@pytest.mark.parametrize("name", ["tanh", "softplus", "swish"])
def test_bundled_functions_build(name: str) -> None:
    derivation = build_derivation(BUNDLED[name])
    assert derivation.steps
    for step in derivation.steps:
        assert step.outcome is not None and step.outcome.verdict in OK, (step.rule, step.outcome)
    assert derivation.verdict in OK
    final = derivation.steps[-1].expr
    assert final == BUNDLED[name].target
    in_x = final.replace(sigma, lambda arg: 1 / (1 + sp.exp(-arg))).doit()
    assert sp.simplify(in_x - sp.diff(BUNDLED[name].definition, x)) == 0


sigma = sp.Function("sigma")


def test_softplus_reaches_the_sigmoid() -> None:
    derivation = build_derivation(BUNDLED["softplus"])
    assert derivation.steps[-1].expr == sigma(x)
    assert derivation.steps[-1].rule == "definition of σ"
    assert derivation.steps[-2].expr == 1 / (1 + sp.exp(-x))
    assert "chain rule" in rules(derivation)
    for step in derivation.steps:
        assert step.outcome is not None and step.outcome.verdict == Verdict.PROVED, step.rule
    assert "sigma" in [definition.name for definition in derivation.definitions]


def test_swish_ends_in_the_sigmoid_it_is_written_with() -> None:
    derivation = build_derivation(BUNDLED["swish"])
    final = derivation.steps[-1]
    assert final.expr.has(sigma(x))
    assert final.rule == "definition of σ"
    assert expr_latex(final.expr) == r"\sigma(x) (1 + x (1 - \sigma(x)))"
    for step in derivation.steps:
        assert step.outcome is not None and step.outcome.verdict in OK, (step.rule, step.outcome)
    for check in derivation.checks:
        assert check.outcome.verdict in OK, (check.name, check.outcome)


def test_a_wrong_helper_is_refuted() -> None:
    """The helper's body is what sigma in the target stands for when steps are verified."""
    spec = BUNDLED["softplus"]
    wrong = dataclasses.replace(spec.helpers[0], body=1 / (1 + sp.exp(x)))
    derivation = build_derivation(dataclasses.replace(spec, helpers=(wrong,)))
    verdicts = [step.outcome.verdict for step in derivation.steps if step.outcome]
    assert Verdict.REFUTED in verdicts


@pytest.mark.parametrize(
    "expr",
    [
        sp.sin(x**2) * sp.exp(x),  # product with a chain inside
        (x**2 + 1) / (x - 3),  # a quotient
        sp.sin(sp.cos(sp.exp(x**2))),  # a chain nested three levels deep
    ],
)
def test_user_expressions_build_with_every_step_proved_or_checked(expr: sp.Expr) -> None:
    derivation = build_derivation(spec_from_expression(expr, x))
    for step in derivation.steps:
        assert step.outcome is not None and step.outcome.verdict in OK, (step.rule, step.outcome)
    for check in derivation.checks:
        assert check.outcome.verdict in OK, (check.name, check.outcome)
    final = derivation.steps[-1].expr
    assert sp.simplify(final - sp.diff(expr, x)) == 0


def test_nested_chain_uses_three_names() -> None:
    derivation = build_derivation(spec_from_expression(sp.sin(sp.cos(sp.exp(x**2))), x))
    notes = [s.note for s in derivation.steps if s.rule == "chain rule"]
    assert [n.split(" = ")[0] for n in notes] == ["u", "v", "w"]
    assert [d.name for d in derivation.definitions] == ["f", "u", "v", "w"]


def test_x_to_the_x_is_handled() -> None:
    derivation = build_derivation(spec_from_expression(x**x, x))
    assert "logarithmic differentiation" in rules(derivation)
    assert all(s.outcome and s.outcome.verdict in OK for s in derivation.steps)


def test_unsupported_is_reported_unknown() -> None:
    derivation = build_derivation(spec_from_expression(sp.Abs(x), x))
    assert rules(derivation)[-1] == "unsupported"
    assert derivation.verdict == Verdict.UNKNOWN
    assert not any(c.outcome.verdict == Verdict.PROVED for c in derivation.checks)


def test_build_is_deterministic(sigmoid: Derivation) -> None:
    again = build_derivation(SIGMOID)
    assert [sp.srepr(s.expr) for s in again.steps] == [sp.srepr(s.expr) for s in sigmoid.steps]
    assert [(s.rule, s.note) for s in again.steps] == [(s.rule, s.note) for s in sigmoid.steps]
    assert [c.max_error for c in again.checks] == [c.max_error for c in sigmoid.checks]
    assert [v.decimal for v in again.values] == [v.decimal for v in sigmoid.values]


def _new_atoms(final: sp.Expr, expr: sp.Expr) -> set[object]:
    """Function types and constants in ``final`` that neither ``expr`` nor its derivative has."""
    def kinds(e: sp.Expr) -> set[object]:
        return {type(f) for f in e.atoms(sp.Function)} | e.atoms(sp.NumberSymbol)
    return kinds(final) - kinds(expr) - kinds(sp.diff(expr, x))


@pytest.mark.parametrize(
    "expr",
    [
        1 / (1 + sp.exp(-x)),  # simplify would give 1/(4 cosh^2(x/2))
        x**2 * sp.exp(x) * sp.sin(x),  # simplify would give sqrt(2) sin(x + pi/4)
        sp.tanh(2 * x),  # simplify would give 2/cosh^2(2x)
    ],
)
def test_the_closing_simplification_introduces_no_new_functions(expr: sp.Expr) -> None:
    derivation = build_derivation(spec_from_expression(expr, x))
    final = derivation.steps[-1].expr
    assert not _new_atoms(final, expr), sp.srepr(final)
    assert sp.sqrt(2) not in final.atoms(sp.Pow)


def test_a_rational_derivative_ends_simplified() -> None:
    expr = (x**2 + 1) / (x - 1)
    derivation = build_derivation(spec_from_expression(expr, x))
    final = derivation.steps[-1].expr
    numerator, denominator = sp.fraction(final)
    assert sp.expand(numerator) == numerator  # x^2 - 2x - 1, collected
    assert sp.simplify(final - sp.diff(expr, x)) == 0
    # no step that only re-arranges the one before it
    simplify_steps = [s for s in derivation.steps if s.rule == "simplify"]
    assert len(simplify_steps) == 1


@pytest.mark.parametrize("expr", [sp.Integer(5), 3 * x + 2])
def test_constant_and_linear_derivatives_are_checked_on_the_grid(expr: sp.Expr) -> None:
    derivation = build_derivation(spec_from_expression(expr, x))
    for check in derivation.checks:
        assert check.outcome.verdict in OK, (check.name, check.outcome)
    assert derivation.verdict in OK


def test_a_limit_is_not_given_itself_as_its_reason() -> None:
    derivation = build_derivation(BUNDLED["tanh"])
    for claim in derivation.limits:
        assert all(r"\tanh(x) =" not in step for step in claim.steps), claim.steps
