"""Property test: a claim proved under an assumption holds on the whole assumed domain.

Claims f(x) = g(x) built from sign, Abs, sqrt(x^2), floor, ceiling and Max, some true on
a domain and some not, are verified under assumptions ``x > a``, ``x >= a``, ``x < b``,
``x <= b`` (and intervals of two).  When derive proves or checks one, both sides are
evaluated independently (``sympy.N``) at points of the domain INCLUDING a closed
boundary, and must agree.  A seeded subset of SWEEP_CLAIMS claims runs by default, every
claim under ``pytest --mutation-full``.

Open violations would be listed in KNOWN_VIOLATIONS (none are); the sweep fails on any
violation not in that list, and one former violation of each kind has its own test.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sympy as sp

from derive.check.checker import check_text
from derive.model import Verdict, VerifySettings
from derive.verify import verify_equal

SEED = 20261201
SWEEP_CLAIMS = 150
SETTINGS = VerifySettings(time_limit=2.0)
ACCEPTED = (Verdict.PROVED, Verdict.CHECKED)
x = sp.Symbol("x")

#: (name, lhs, rhs) as functions of a shift c.
TEMPLATES: dict[str, Callable[[sp.Rational], tuple[sp.Expr, sp.Expr]]] = {
    "sign=1": lambda c: (sp.sign(x - c), sp.Integer(1)),
    "sign=-1": lambda c: (sp.sign(x - c), sp.Integer(-1)),
    "sign^2=1": lambda c: (sp.sign(x - c) ** 2, sp.Integer(1)),
    "abs=x-c": lambda c: (sp.Abs(x - c), x - c),
    "abs=c-x": lambda c: (sp.Abs(x - c), c - x),
    "sqrt-square=x-c": lambda c: (sp.sqrt((x - c) ** 2), x - c),
    "sqrt-square=c-x": lambda c: (sp.sqrt((x - c) ** 2), c - x),
    "half-sum=x-c": lambda c: ((sp.Abs(x - c) + x - c) / 2, x - c),
    "half-sum=0": lambda c: ((sp.Abs(x - c) + x - c) / 2, sp.Integer(0)),
    "abs-ratio=1": lambda c: (sp.Abs(x - c) / (x - c), sp.Integer(1)),
    "floor=c": lambda c: (sp.floor(x), c),
    "ceiling=floor+1": lambda c: (sp.ceiling(x - c), sp.floor(x - c) + 1),
    "max=x": lambda c: (sp.Max(x, c), x),
    "abs*sign=x": lambda c: (sp.Abs(x - c) * sp.sign(x - c), x - c),
}
SHIFTS = (sp.Integer(0), sp.Integer(1), sp.Rational(1, 2))
BOUNDS = (sp.Integer(-1), sp.Integer(0), sp.Rational(1, 2), sp.Integer(1), sp.Integer(2))
#: Domains as functions of a bound a: one relation, or an interval of length one.
DOMAINS: dict[str, Callable[[sp.Rational], tuple[sp.Basic, ...]]] = {
    "x > a": lambda a: (sp.StrictGreaterThan(x, a),),
    "x >= a": lambda a: (sp.GreaterThan(x, a),),
    "x < a": lambda a: (sp.StrictLessThan(x, a),),
    "x <= a": lambda a: (sp.LessThan(x, a),),
    "a <= x < a+1": lambda a: (sp.GreaterThan(x, a), sp.StrictLessThan(x, a + 1)),
    "a < x <= a+1": lambda a: (sp.StrictGreaterThan(x, a), sp.LessThan(x, a + 1)),
}


@dataclass(frozen=True)
class AssumedClaim:
    template: str
    shift: sp.Rational
    domain: str
    bound: sp.Rational

    @property
    def sides(self) -> tuple[sp.Expr, sp.Expr]:
        return TEMPLATES[self.template](self.shift)

    @property
    def assumptions(self) -> tuple[sp.Basic, ...]:
        return DOMAINS[self.domain](self.bound)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.template, str(self.shift), self.domain, str(self.bound))

    def __str__(self) -> str:
        lhs, rhs = self.sides
        return f"{lhs} = {rhs} under {', '.join(map(str, self.assumptions))}"


ALL_CLAIMS = [
    AssumedClaim(template, shift, domain, bound)
    for template, shift, domain, bound in itertools.product(TEMPLATES, SHIFTS, DOMAINS, BOUNDS)
]


def domain_points(assumptions: tuple[sp.Basic, ...]) -> list[sp.Rational]:
    """Rational points of the domain: closed boundaries, points next to every boundary,
    and a spread of points inside."""
    candidates: set[sp.Rational] = set()
    for relation in assumptions:
        bound = relation.rhs
        candidates.add(bound)
        for step in (sp.Rational(1, 10**6), sp.Rational(1, 3), sp.Rational(1, 2), 1, 3, 10):
            candidates.update({bound + step, bound - step})
    candidates.update(sp.Rational(n, 4) for n in range(-12, 13))
    return sorted(p for p in candidates if all(r.subs(x, p) is sp.true for r in assumptions))


def _value(expr: sp.Expr, point: sp.Rational) -> sp.Expr | None:
    value = sp.N(expr.subs(x, point), 50)
    if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return value


def counterexample(claim: AssumedClaim) -> str | None:
    """A point of the domain where the sides differ, judged without derive."""
    lhs, rhs = claim.sides
    for point in domain_points(claim.assumptions):
        a, b = _value(lhs, point), _value(rhs, point)
        if a is None or b is None:
            continue  # a side is undefined there: no evidence either way
        if sp.Abs(a - b) > sp.Float("1e-30") * max(1, sp.Abs(a), sp.Abs(b)):
            return f"at x = {point}: lhs = {a}, rhs = {b}"
    return None


def derive_verdict(claim: AssumedClaim) -> Verdict:
    lhs, rhs = claim.sides
    return verify_equal(lhs, rhs, assumptions=claim.assumptions, settings=SETTINGS).verdict


def violation(claim: AssumedClaim) -> str | None:
    """Why derive's acceptance of ``claim`` is wrong, or None."""
    verdict = derive_verdict(claim)
    if verdict not in ACCEPTED:
        return None
    found = counterexample(claim)
    return None if found is None else f"{verdict.value}: {claim}; {found}"


#: Violations of the full sweep still open, as AssumedClaim.key: none.  The sweep found 52
#: when it was written, of two kinds: a closed boundary treated as open (``x >= 0`` read as
#: ``x > 0``: sgn(x) = 1 proved), and "checked" claims false at isolated points that
#: sampling never met (sgn(x)^2 = 1 at x = 0; floor and ceiling at integers).  The kernel
#: now reads bounds exactly and samples the points where jump functions jump.
KNOWN_VIOLATIONS: frozenset[tuple[str, str, str, str]] = frozenset()
#: One former violation of each kind, each its own regression test.
REPRESENTATIVES = {
    "closed boundary read as open (proved)": ("sign=1", "0", "x >= a", "0"),
    "closed upper boundary read as open (proved)": ("sign=-1", "0", "x <= a", "0"),
    "closed shifted boundary (checked)": ("sign=1", "1/2", "x >= a", "1/2"),
    "isolated zero inside the domain (checked)": ("sign^2=1", "0", "x < a", "1"),
    "floor at the closed end of an interval (checked)": ("floor=c", "0", "a < x <= a+1", "0"),
    "ceiling = floor + 1 at integers (checked)": ("ceiling=floor+1", "1/2", "x > a", "2"),
}


def _sweep_claims(full: bool) -> list[AssumedClaim]:
    if full:
        return ALL_CLAIMS
    rng = random.Random(SEED)
    return sorted(rng.sample(ALL_CLAIMS, SWEEP_CLAIMS), key=ALL_CLAIMS.index)


@pytest.fixture(scope="module")
def violations(mutation_full: bool) -> dict[AssumedClaim, str]:
    found: dict[AssumedClaim, str] = {}
    claims = _sweep_claims(mutation_full)
    for claim in claims:
        problem = violation(claim)
        if problem is not None:
            found[claim] = problem
    known = sum(claim.key in KNOWN_VIOLATIONS for claim in found)
    print(f"\nassumptions: {len(claims)} claims, {len(found)} accepted wrongly "
          f"({known} of them known)")
    for problem in found.values():
        print(f"  {problem}")
    return found


def test_judge_sees_the_closed_boundary() -> None:
    claim = AssumedClaim("sign=1", sp.Integer(0), "x >= a", sp.Integer(0))
    assert counterexample(claim) is not None
    assert counterexample(AssumedClaim("sign=1", sp.Integer(0), "x > a", sp.Integer(0))) is None
    assert sp.Integer(0) in domain_points((sp.GreaterThan(x, 0),))
    assert sp.Integer(0) not in domain_points((sp.StrictGreaterThan(x, 0),))


def test_sweep_has_no_new_violation(violations: dict[AssumedClaim, str]) -> None:
    new = {claim: text for claim, text in violations.items()
           if claim.key not in KNOWN_VIOLATIONS}
    assert not new, "\n".join(new.values())


def _claim(key: tuple[str, str, str, str]) -> AssumedClaim:
    template, shift, domain, bound = key
    return AssumedClaim(template, sp.Rational(shift), domain, sp.Rational(bound))


@pytest.mark.parametrize("kind", sorted(REPRESENTATIVES))
def test_known_violation_is_fixed(kind: str) -> None:
    claim = _claim(REPRESENTATIVES[kind])
    lhs, rhs = claim.sides
    outcome = verify_equal(lhs, rhs, assumptions=claim.assumptions)
    # fixed means refuted, or undecided for a reason: running out of time does not count
    assert outcome.verdict not in ACCEPTED, outcome
    assert outcome.evidence.method != "timeout", outcome


def _document(assume: str, claim: str) -> str:
    return f"<!-- derive: assume {assume} -->\n\n$$\n{claim}\n$$\n"


@pytest.mark.parametrize(("assume", "claim"), [
    pytest.param("x >= 0", r"\operatorname{sgn}(x) = 1", id="sgn-closed"),
    pytest.param("x >= 0", r"|x| = x", id="abs-closed"),
    pytest.param("x > 0", r"\sqrt{x^2} = x", id="sqrt-open"),
    pytest.param("x <= 0", r"\sqrt{x^2} = -x", id="sqrt-closed-below"),
    pytest.param("x <= 0", r"\frac{|x| + x}{2} = 0", id="half-sum"),
])
def test_document_claims_under_assumptions(assume: str, claim: str) -> None:
    report = check_text("doc.md", _document(assume, claim), SETTINGS)
    verdicts = [f.verdict for f in report.findings if f.verdict is not None]
    assert len(verdicts) == 1, report.findings
    # accepted only if it really holds on the closed domain; all of these hold except sgn
    if "sgn" in claim:
        assert verdicts[0] not in ACCEPTED
        assert report.findings[0].evidence is not None
        assert report.findings[0].evidence.method != "timeout"
    else:
        assert verdicts[0] not in (Verdict.REFUTED, Verdict.ERROR), report.findings
