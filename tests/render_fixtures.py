"""Derivations for the renderer tests.

``sigmoid_derivation()`` uses ``derive.generate.derivation.build_derivation`` on the bundled
sigmoid when
that module exists, and otherwise a hand-built chain with real SymPy expressions and outcomes, so
that the renderers can be tested on their own.  ``tampered()`` builds awkward variants: a title
with markup, a refuted step with a counterexample, unverified claims.
"""

from __future__ import annotations

import dataclasses
import functools

import sympy as sp

from derive.model import (
    ClosedFormCheck,
    Counterexample,
    Definition,
    Derivation,
    DerivationStep,
    Evidence,
    FunctionSpec,
    LimitClaim,
    Outcome,
    ValueClaim,
    Verdict,
    VerifySettings,
)

x = sp.Symbol("x")
u = sp.Symbol("u")
sigma = sp.Function("sigma")


def _proved(method: str = "cancel") -> Outcome:
    return Outcome(Verdict.PROVED, Evidence(method, "both sides cancel to the same rational form"))


def _checked(points: int, max_difference: str) -> Outcome:
    return Outcome(
        Verdict.CHECKED,
        Evidence("sampling", "agree at seeded sample points", points=points, digits=30,
                 max_difference=max_difference, seconds=0.25),
    )


def sigmoid_spec() -> FunctionSpec:
    return FunctionSpec(
        name="sigmoid",
        latex_name=r"\sigma",
        variable=x,
        definition=1 / (1 + sp.exp(-x)),
        target=sigma(x) * (1 - sigma(x)),
        sympy_name="sigma",
        value_points=(sp.Integer(0), sp.Integer(-4), sp.Integer(4)),
        value_digits=10,
        title="The logistic sigmoid",
    )


def hand_built_sigmoid() -> Derivation:
    """The textbook chain, written out with SymPy objects (no generator needed)."""
    spec = sigmoid_spec()
    e = sp.exp(-x)
    inner = 1 + e
    first = sp.UnevaluatedExpr(1 / inner)
    steps = (
        DerivationStep(sp.Derivative(1 / inner, x, evaluate=False), "definition",
                       outcome=_proved("structural")),
        DerivationStep(sp.Mul(-1 / u**2, sp.Derivative(inner, x, evaluate=False),
                              evaluate=False),
                       "chain rule", note=r"u = 1 + e^{- x}", outcome=_proved("simplify")),
        DerivationStep(sp.Mul(-1 / inner**2, -e, evaluate=False), "exp rule",
                       outcome=_proved("simplify")),
        DerivationStep(e / inner**2, "algebra", outcome=_proved()),
        DerivationStep(sp.Mul(first, sp.UnevaluatedExpr(e / inner), evaluate=False),
                       "product of two fractions", outcome=_proved()),
        DerivationStep(
            sp.Mul(first, sp.UnevaluatedExpr(sp.Add(inner, -1, evaluate=False) / inner),
                   evaluate=False),
            "add and subtract 1 in the numerator", outcome=_proved()),
        DerivationStep(sp.Mul(first, sp.UnevaluatedExpr(1 - 1 / inner), evaluate=False),
                       "split the fraction", outcome=_proved()),
        DerivationStep(sigma(x) * (1 - sigma(x)), "definition of σ", outcome=_checked(32, "1e-30")),
    )
    limits = (
        LimitClaim(1 / inner, x, -sp.oo, sp.Integer(0),
                   (r"e^{- x} \to \infty", r"\frac{1}{1 + e^{- x}} \to 0"),
                   outcome=Outcome(Verdict.PROVED, Evidence("limit", "sympy.limit gives 0"))),
        LimitClaim(1 / inner, x, sp.oo, sp.Integer(1),
                   (r"e^{- x} \to 0", r"\frac{1}{1 + e^{- x}} \to 1"),
                   outcome=Outcome(Verdict.PROVED, Evidence("limit", "sympy.limit gives 1"))),
    )
    values = (
        ValueClaim(sigma(0), sp.Integer(0), sp.Rational(1, 2), "0.5", 10,
                   outcome=_proved("structural")),
        ValueClaim(sigma(-4), sp.Integer(-4), None, "0.01798620996", 10,
                   outcome=Outcome(Verdict.CHECKED,
                                   Evidence("mpmath", "rounds to the written digits", digits=30))),
        ValueClaim(sigma(4), sp.Integer(4), None, "0.9820137900", 10,
                   outcome=Outcome(Verdict.CHECKED,
                                   Evidence("mpmath", "rounds to the written digits", digits=30))),
    )
    checks = (
        ClosedFormCheck("matches sympy.diff", _proved("simplify")),
        ClosedFormCheck("finite difference", _checked(100, "2.1e-11"), max_error="2.1e-11",
                        grid="linspace(-10, 10, 100)"),
    )
    definitions = (
        Definition("sigma", (x,), 1 / inner, r"\sigma(x) = \frac{1}{1 + e^{-x}}"),
        Definition("u", (), inner, r"u = 1 + e^{-x}"),
    )
    return Derivation(spec, sp.Derivative(sigma(x), x), steps, limits, values, checks,
                      definitions)


@functools.cache
def sigmoid_derivation() -> Derivation:
    """The bundled sigmoid from the generator when it is available, else the hand-built one."""
    try:
        from derive.generate.catalog import BUNDLED  # type: ignore[import-not-found,unused-ignore]
        from derive.generate.derivation import (  # type: ignore[import-not-found,unused-ignore]
            build_derivation,
        )
    except ImportError:
        return hand_built_sigmoid()
    return build_derivation(BUNDLED["sigmoid"], VerifySettings())  # type: ignore[no-any-return]


def with_title(d: Derivation, title: str) -> Derivation:
    return dataclasses.replace(d, spec=dataclasses.replace(d.spec, title=title))


def with_refuted_step(d: Derivation, index: int = 3) -> Derivation:
    """Flip the sign of one step and mark it refuted with a counterexample."""
    steps = list(d.steps)
    wrong = steps[index]
    steps[index] = DerivationStep(
        -wrong.expr, wrong.rule, wrong.note,
        Outcome(Verdict.REFUTED, Evidence(
            "sampling", "the two sides differ", points=1, digits=30,
            max_difference="0.39322386648296370507",
            counterexample=Counterexample({"x": "0.5"}, "0.2350037122015944",
                                          "-0.2350037122015944"),
            hint="differs by a factor of -1")),
    )
    return dataclasses.replace(d, steps=tuple(steps))


def unverified(d: Derivation) -> Derivation:
    """Every claim without an outcome: renderers must say unknown, never proved."""
    steps = tuple(dataclasses.replace(s, outcome=None) for s in d.steps)
    limits = tuple(dataclasses.replace(c, outcome=None) for c in d.limits)
    values = tuple(dataclasses.replace(c, outcome=None) for c in d.values)
    return dataclasses.replace(d, steps=steps, limits=limits, values=values, checks=())
