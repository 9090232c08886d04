"""Metamorphic test: an expression and SymPy's rewrite of it are equal, so never refuted.

Random expressions over x and y (seeded) are built from +, *, /, integer powers, exp, log
and sqrt of positive things, sin, cos, tanh and rationals; each is paired with one of
SymPy's value-preserving rewrites (expand, factor, together, cancel, trigsimp,
rewrite(exp), expand_log without force, powsimp), computed under a time limit (a rewrite
that takes too long skips the case).  ``verify_equal(e, rewritten)`` must never be
``refuted``, nor raise.  ``pytest --mutation-full`` runs FULL_CASES cases instead of
FAST_CASES, half of them one level deeper (depth 4: e.g. cosh(exp(exp(x^3)))).  Each
verification runs in a forked child with a memory cap, so a runaway allocation is counted
as a crash instead of taking the machine down.
"""

from __future__ import annotations

import random
import resource
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sympy as sp

from derive.model import Verdict, VerifySettings
from derive.timelimit import TimeLimitExceeded, run_with_time_limit
from derive.verify import verify_equal

SEED = 20261201
FAST_CASES = 100
FULL_CASES = 1000
REWRITE_SECONDS = 2.0
VERIFY_SECONDS = 30.0  # hard limit on a verification whose own time limit is SETTINGS'
MEMORY_CAP = 3 << 30  # bytes of address space for one verification
SETTINGS = VerifySettings(time_limit=2.0)
x, y = sp.symbols("x y")

REWRITES: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "expand": sp.expand,
    "factor": sp.factor,
    "together": sp.together,
    "cancel": sp.cancel,
    "trigsimp": sp.trigsimp,
    "rewrite(exp)": lambda e: e.rewrite(sp.exp),
    "expand_log": lambda e: sp.expand_log(e, force=False),
    "powsimp": sp.powsimp,
}


class Generator:
    """Seeded random expressions; log and sqrt only of things positive for real x, y."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def rational(self) -> sp.Rational:
        return sp.Rational(self.rng.choice([1, 2, 3, 5, -1, -2, -3]), self.rng.choice([1, 2, 3]))

    def positive(self, depth: int) -> sp.Expr:
        inner = self.expr(depth)
        shift = sp.Rational(self.rng.randint(1, 4), self.rng.choice([1, 2]))
        return self.rng.choice([inner**2 + shift, sp.exp(inner), sp.cosh(inner) + shift - 1])

    def expr(self, depth: int) -> sp.Expr:
        if depth <= 0 or self.rng.random() < 0.2:
            return self.rng.choice([x, y, x, self.rational()])
        kind = self.rng.choice(["add", "mul", "div", "pow", "exp", "log", "sin", "cos",
                                "tanh", "sqrt", "add", "mul"])
        a = self.expr(depth - 1)
        if kind == "add":
            return a + self.expr(depth - 1)
        if kind == "mul":
            return a * self.expr(depth - 1)
        if kind == "div":
            return a / self.positive(depth - 1)
        if kind == "pow":
            return a ** self.rng.choice([-2, -1, 2, 3])
        if kind == "exp":
            return sp.exp(a)
        if kind == "log":
            return sp.log(self.positive(depth - 1))
        if kind == "sqrt":
            return sp.sqrt(self.positive(depth - 1))
        function = {"sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh}[kind]
        return function(a)


def _rewritten(name: str, expr: sp.Expr) -> sp.Expr:
    return REWRITES[name](expr)


def _first_change(expr: sp.Expr, names: list[str]) -> tuple[str, sp.Expr] | None:
    for name in names:
        try:
            rewritten = run_with_time_limit(_rewritten, name, expr, seconds=REWRITE_SECONDS)
        except (TimeLimitExceeded, Exception):  # noqa: BLE001 - SymPy failing: try the next
            continue
        if isinstance(rewritten, sp.Expr) and rewritten != expr:
            return name, rewritten
    return None


@dataclass
class Tally:
    tried: int = 0
    skipped: int = 0  # every rewrite was too slow, failed, or changed nothing
    verdicts: Counter[str] | None = None
    refuted: list[str] | None = None
    crashed: list[str] = field(default_factory=list)
    rewrites: Counter[str] = field(default_factory=Counter)

    def text(self) -> str:
        assert self.verdicts is not None
        counts = ", ".join(f"{self.verdicts[v.value]} {v.value}" for v in Verdict)
        used = ", ".join(f"{n} {k}" for k, n in sorted(self.rewrites.items()))
        return (f"{self.tried} cases tried, {self.skipped} skipped; {counts}; "
                f"{len(self.crashed)} crashed; rewrites: {used}")


def _verdict(lhs: sp.Expr, rhs: sp.Expr) -> Verdict:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    return verify_equal(lhs, rhs, settings=SETTINGS).verdict


def metamorphic(cases: int, seed: int = SEED, deep_share: float = 0.0) -> Tally:
    generator = Generator(seed)
    tally = Tally(verdicts=Counter(), refuted=[])
    assert tally.verdicts is not None and tally.refuted is not None
    names = sorted(REWRITES)
    while tally.tried < cases:
        expr = generator.expr(4 if generator.rng.random() < deep_share else 3)
        if sp.count_ops(expr) < 3:  # too small to rewrite in any interesting way
            continue
        tally.tried += 1
        # the rewrites in a seeded random order: the first that changes expr
        order = generator.rng.sample(names, len(names))
        found = _first_change(expr, order)
        if found is None:
            tally.skipped += 1
            continue
        name, rewritten = found
        try:
            verdict = run_with_time_limit(_verdict, expr, rewritten, seconds=VERIFY_SECONDS)
        except BaseException as crash:  # noqa: BLE001 - counted and listed, never hidden
            tally.crashed.append(f"{type(crash).__name__}: {name}: {expr} = {rewritten}")
            continue
        tally.verdicts[verdict.value] += 1
        tally.rewrites[name] += 1
        if verdict is Verdict.REFUTED:
            tally.refuted.append(f"{name}: {expr} = {rewritten}")
    return tally


@pytest.fixture(scope="module")
def tally(mutation_full: bool) -> Tally:
    cases, deep_share = (FULL_CASES, 0.5) if mutation_full else (FAST_CASES, 0.0)
    result = metamorphic(cases, deep_share=deep_share)
    print(f"\nmetamorphic: {result.text()}")
    return result


def test_generator_is_seeded() -> None:
    first = [Generator(7).expr(3) for _ in range(3)]
    assert first == [Generator(7).expr(3) for _ in range(3)]
    assert len({sp.srepr(e) for e in (Generator(s).expr(3) for s in range(20))}) > 10


def test_rewrites_are_never_refuted(tally: Tally) -> None:
    assert not tally.refuted, "\n".join([tally.text(), *(tally.refuted or [])])


def test_verification_never_crashes(tally: Tally) -> None:
    # (a crash found once at depth 4, outside this seeded stream, is pinned down in
    # test_kernel_regressions.py::test_huge_intermediate_values_do_not_crash)
    assert not tally.crashed, "\n".join([tally.text(), *tally.crashed])


def test_enough_cases_are_verified(tally: Tally) -> None:
    assert tally.verdicts is not None
    decided = tally.verdicts[Verdict.PROVED.value] + tally.verdicts[Verdict.CHECKED.value]
    assert tally.tried - tally.skipped >= 0.6 * tally.tried, tally.text()
    assert decided >= 0.25 * (tally.tried - tally.skipped), tally.text()
