"""Mutation test: a claim derive accepts, changed in one place, must not be accepted.

The mutants, the independent judge and the score live in ``tests/mutation.py``.  By default
a seeded subset of FAST_MUTANTS mutants runs with a per-claim time limit of 2 s;
``pytest --mutation-full`` (or ``python tests/mutation.py``) runs every mutant.
"""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
from mutation import (
    Case,
    Mutant,
    Score,
    all_cases,
    digit_mutants,
    expression_mutants,
    mutants_of,
    really_different,
    run,
    select,
)

from derive.model import Definition, VerifySettings

FAST_MUTANTS = 150
SETTINGS = VerifySettings(time_limit=2.0)
x = sp.Symbol("x")
sigma = sp.Function("sigma")
SIGMA = Definition("sigma", (x,), 1 / (1 + sp.exp(-x)))


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return all_cases(SETTINGS)


@pytest.fixture(scope="module")
def score(cases: list[Case], mutation_full: bool) -> Score:
    mutants = [m for case in cases for m in mutants_of(case)]
    chosen = select(mutants, None if mutation_full else FAST_MUTANTS)
    result = run(chosen, SETTINGS)
    print(f"\n{len(cases)} accepted claims, {len(mutants)} mutants in all\n{result.text()}")
    return result


def test_cases_cover_derivations_and_documents(cases: list[Case]) -> None:
    sources = {case.source.split(":")[0].split()[0] for case in cases}
    assert sources >= {"build", "activations.rst", "constants.md", "ml_course.md", "paper.tex",
                       "sigmoid.md", "softplus.rst", "tanh.tex"}
    assert any(case.kind == "limit" for case in cases)
    assert any(case.written for case in cases)


def test_every_operator_makes_mutants() -> None:
    expr = sp.Mul(sigma(x), sp.exp(-x) + sp.sin(x) ** 2, evaluate=False)
    described = " ".join(description for description, _ in expression_mutants(expr))
    for operator in ("negate", "number 2 -> 3", "number 2 -> 1", "number 2 -> 4", "drop",
                     "exp(-arg)", "1 - sigma(x)", "-> cos(x)"):
        assert operator in described, operator
    assert [text for _, text in digit_mutants("0.25")] == [
        "1.25", "9.25", "5.25", "0.35", "0.15", "0.75", "0.26", "0.24", "0.20"]


def _mutant(lhs: sp.Expr, rhs: sp.Expr, mutated_rhs: sp.Expr | None = None) -> Mutant:
    case = Case("test", "equal", lhs, rhs, (SIGMA,))
    mutated = case if mutated_rhs is None else dataclasses.replace(case, rhs=mutated_rhs)
    return Mutant(case, "by hand", mutated)


def test_judge_sees_wrong_claims() -> None:
    right = sigma(x) * (1 - sigma(x))
    derivative = sp.Derivative(sigma(x), x)
    assert really_different(_mutant(derivative, right, sigma(x) * (1 + sigma(x)))) is True
    assert really_different(_mutant(derivative, right, right + sp.Rational(1, 10**25)))
    decimal = Case("test", "decimal", sigma(sp.Integer(4)), None, (SIGMA,), written="0.9820138",
                   mode="rounded")
    assert really_different(Mutant(decimal, "", dataclasses.replace(decimal, written="0.9820158")))


def test_judge_keeps_right_claims() -> None:
    right = sigma(x) * (1 - sigma(x))
    derivative = sp.Derivative(sigma(x), x)
    assert really_different(_mutant(derivative, right)) is False
    # the claim is only wrong outside the assumed domain
    root = Case("test", "equal", sp.sqrt(x**2), x, assumptions=(x > 0,))
    assert really_different(Mutant(root, "", root)) is False
    decimal = Case("test", "decimal", sigma(sp.Integer(4)), None, (SIGMA,), written="0.9820138",
                   mode="rounded")
    # one unit in the last place is not counted as different (modes differ on it)
    assert really_different(Mutant(decimal, "", dataclasses.replace(decimal, written="0.9820137")))\
        is False


def test_judge_accepts_every_original_claim(cases: list[Case]) -> None:
    """The judge must agree with derive on claims that hold, or it would count noise."""
    judged_wrong = [case.label() for case in cases
                    if really_different(Mutant(case, "original", case))]
    assert not judged_wrong


def test_mutants_are_really_tested(score: Score) -> None:
    assert score.different >= 0.6 * score.generated, score.text()


def test_no_wrong_mutant_is_accepted(score: Score) -> None:
    assert not score.wrongly_accepted, score.text()


def test_no_mutant_crashes_the_verifier(score: Score) -> None:
    assert not score.crashed, score.text()
