"""Mutation testing of the verifier: wrong claims made from right ones must never pass.

Every claim that derive proves or checks today (each step, limit and value of the generated
derivations, and every claim of the documents in ``tests/docs/good``) is mutated in ONE
place by a SymPy tree rewrite: a sign flipped, an integer changed, a term or factor dropped,
``exp(a) <-> exp(-a)``, ``sigma <-> 1 - sigma``, ``sin <-> cos``, or one digit of a decimal
changed.  Whether a mutant really differs from the truth is decided here, independently of
derive: definitions are unfolded by our own code, both sides are evaluated with ``sympy.N``
at seeded rational points inside the claim's assumptions, and a mutant counts as different
only if the sides differ far beyond the working precision, both at 60 and at 120 digits.
Every really different mutant must come back ``refuted`` or ``unknown``.

Run ``python tests/mutation.py`` (every mutant; ``--limit N`` for a seeded subset) to print
the score; ``tests/test_soundness_mutation.py`` runs a seeded subset under pytest.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import os
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.check.checker import check_claim
from derive.check.claims import Claim, build_claims
from derive.extract import extract_blocks, file_directives
from derive.generate.catalog import BUNDLED, spec_from_expression
from derive.generate.derivation import build_derivation
from derive.model import Definition, FunctionSpec, Verdict, VerifySettings
from derive.timelimit import TimeLimitExceeded, run_with_time_limit
from derive.verify import verify_decimal, verify_equal, verify_limit

SEED = 20261201
GOOD_DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "docs", "good")
ACCEPTED = (Verdict.PROVED, Verdict.CHECKED)
#: Sides count as different only when they differ by more than this, relative to
#: max(1, |lhs|, |rhs|): 20 orders of magnitude above the error of a 60-digit evaluation
#: (so that x + 10^{-25} still differs from x).
RELATIVE_GAP = sp.Float("1e-40")
#: Independent evaluation (unfolding, ``doit``, ``N``) of one side gets this long.
EVALUATION_SECONDS = 10.0
POINTS_PER_CLAIM = 6

x = sp.Symbol("x")


# ---------------------------------------------------------------------------
# Claims that hold today
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One claim derive accepts today, in a form we can mutate and re-verify.

    ``kind``: ``equal`` (lhs = rhs), ``limit`` (lim_{variable -> point} lhs = rhs),
    ``decimal`` (lhs is ``written`` to the digits shown, ``mode``) or ``claim`` (a claim of
    a document, re-verified through ``check_claim``).
    """

    source: str
    kind: str
    lhs: sp.Expr
    rhs: sp.Expr | None
    definitions: tuple[Definition, ...] = ()
    assumptions: tuple[sp.Basic, ...] = ()
    written: str = ""
    mode: str = ""
    variable: sp.Symbol | None = None
    point: sp.Expr | None = None
    claim: Claim | None = None

    def label(self) -> str:
        if self.written:
            return f"{self.source}: {self.lhs} = {self.written}"
        return f"{self.source}: {self.lhs} = {self.rhs}"


#: Specs beyond the bundled ones: the brief's sin(x^2)e^x, a quotient, x^x (tanh,
#: softplus and swish are bundled).
EXTRA_SPECS: tuple[FunctionSpec, ...] = (
    spec_from_expression(sp.sin(x**2) * sp.exp(x), x, "f"),
    spec_from_expression(sp.sin(x) / (1 + x**2), x, "q"),
    spec_from_expression(x**x, x, "g"),
    spec_from_expression(sp.exp(x) / (1 + sp.cos(x) ** 2), x, "h"),
)


def derivation_cases(specs: Sequence[FunctionSpec]) -> list[Case]:
    """Steps (previous, step), limits and values of each derivation that derive accepts."""
    cases: list[Case] = []
    for spec in specs:
        derivation = build_derivation(spec)
        definitions = derivation.definitions
        source = f"build {spec.name}"
        previous = derivation.lhs
        for index, step in enumerate(derivation.steps, start=1):
            if step.outcome is not None and step.outcome.verdict in ACCEPTED:
                cases.append(Case(f"{source} step {index}", "equal", previous, step.expr,
                                  definitions))
            previous = step.expr
        for limit in derivation.limits:
            if limit.outcome is not None and limit.outcome.verdict in ACCEPTED:
                cases.append(Case(f"{source} limit", "limit", limit.expr, limit.value,
                                  definitions, variable=limit.variable, point=limit.point))
        for value in derivation.values:
            if value.outcome is None or value.outcome.verdict not in ACCEPTED:
                continue
            if value.exact is not None:
                cases.append(Case(f"{source} value", "equal", value.expr, value.exact,
                                  definitions))
            else:
                cases.append(Case(f"{source} value", "decimal", value.expr, None, definitions,
                                  written=value.decimal, mode="rounded"))
    return cases


def document_claims(path: str) -> list[Claim]:
    """The claims of one document, read as ``derive check`` reads them."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    directives = file_directives(path, text)
    scoped = [(d.location, d.command, d.argument) for d in directives
              if d.command in ("define", "assume")]
    items = build_claims(path, extract_blocks(path, text), scoped, ())
    return [item for item in items if isinstance(item, Claim)]


def document_cases(paths: Sequence[str], settings: VerifySettings) -> list[Case]:
    """Every claim of the documents that derive proves or checks today."""
    cases: list[Case] = []
    for path in paths:
        for claim in document_claims(path):
            claim = dataclasses.replace(claim, previous=None)
            if check_claim(claim, settings).verdict not in ACCEPTED:
                continue
            source = f"{os.path.basename(path)}:{claim.location.line}"
            if claim.written and claim.decimal_mode:
                expr = claim.lhs if claim.written_side == "rhs" else claim.rhs
                if expr is None:
                    continue
                cases.append(Case(source, "claim", expr, None, claim.definitions,
                                  claim.assumptions, written=claim.written,
                                  mode=claim.decimal_mode, claim=claim))
            elif claim.lhs is not None and claim.rhs is not None:
                cases.append(Case(source, "claim", claim.lhs, claim.rhs, claim.definitions,
                                  claim.assumptions, claim=claim))
    return cases


def all_cases(settings: VerifySettings) -> list[Case]:
    specs = [*BUNDLED.values(), *EXTRA_SPECS]
    docs = sorted(glob.glob(os.path.join(GOOD_DOCS, "*")))
    return derivation_cases(specs) + document_cases(docs, settings)


# ---------------------------------------------------------------------------
# Mutation operators: one place at a time
# ---------------------------------------------------------------------------

Path = tuple[int, ...]


def _mutable_children(node: sp.Basic) -> Sequence[int]:
    """Which arguments of ``node`` may be mutated: not bound variables, counts or points."""
    if isinstance(node, (sp.Derivative, sp.Limit, sp.Integral)):
        return (0,)
    if isinstance(node, sp.Subs):
        return (0, 2)
    if isinstance(node, (sp.Tuple, sp.Symbol)) or not isinstance(node, sp.Expr):
        return ()
    return range(len(node.args))


def _nodes(expr: sp.Basic, path: Path = ()) -> Iterator[tuple[Path, sp.Basic]]:
    yield path, expr
    for index in _mutable_children(expr):
        yield from _nodes(expr.args[index], (*path, index))


def _rebuild(node: sp.Basic, args: Sequence[sp.Basic]) -> sp.Basic:
    """``node`` with new arguments, unevaluated where SymPy allows it (the display form)."""
    try:
        return node.func(*args, evaluate=False)
    except TypeError:
        return node.func(*args)


def _replace_at(expr: sp.Basic, path: Path, new: sp.Basic) -> sp.Basic:
    if not path:
        return new
    head, rest = path[0], path[1:]
    args = list(expr.args)
    args[head] = _replace_at(args[head], rest, new)
    return _rebuild(expr, args)


def _parent(expr: sp.Basic, path: Path) -> sp.Basic | None:
    if not path:
        return None
    node = expr
    for index in path[:-1]:
        node = node.args[index]
    return node


def _negated(node: sp.Basic) -> sp.Basic:
    return sp.Mul(sp.Integer(-1), node, evaluate=False)


def _number_variants(number: sp.Rational) -> list[sp.Rational]:
    """An integer (or a fraction's numerator) changed by +-1 and doubled."""
    p, q = number.p, number.q
    return [sp.Rational(n, q) for n in dict.fromkeys((p + 1, p - 1, 2 * p)) if n != p]


def expression_mutants(expr: sp.Basic) -> list[tuple[str, sp.Basic]]:
    """Every single-place mutant of ``expr`` as (what was done, mutant), without repeats."""
    mutants: list[tuple[str, sp.Basic]] = []
    for path, node in _nodes(expr):
        parent = _parent(expr, path)
        if not isinstance(node, sp.Expr):
            continue
        term_or_factor = parent is None or isinstance(parent, (sp.Add, sp.Mul))
        if term_or_factor and not (isinstance(node, sp.Number) and isinstance(parent, sp.Mul)):
            mutants.append((f"negate {node}", _replace_at(expr, path, _negated(node))))
        if isinstance(node, sp.Rational) and not node.is_zero:
            for variant in _number_variants(node):
                mutants.append((f"number {node} -> {variant}", _replace_at(expr, path, variant)))
        if isinstance(node, (sp.Add, sp.Mul)) and len(node.args) >= 2:
            for index, dropped in enumerate(node.args):
                rest = node.args[:index] + node.args[index + 1:]
                rebuilt = rest[0] if len(rest) == 1 else _rebuild(node, rest)
                mutants.append((f"drop {dropped}", _replace_at(expr, path, rebuilt)))
        if isinstance(node, sp.exp):
            flipped = sp.exp(_negated(node.args[0]), evaluate=False)
            mutants.append((f"{node} -> exp(-arg)", _replace_at(expr, path, flipped)))
        if isinstance(node, AppliedUndef) and node.func.__name__ == "sigma":
            complement = sp.Add(1, _negated(node), evaluate=False)
            mutants.append((f"{node} -> 1 - {node}", _replace_at(expr, path, complement)))
        if isinstance(node, (sp.sin, sp.cos)):
            other = sp.cos if isinstance(node, sp.sin) else sp.sin
            swapped = other(node.args[0], evaluate=False)
            mutants.append((f"{node} -> {swapped}", _replace_at(expr, path, swapped)))
    unique: dict[str, tuple[str, sp.Basic]] = {}
    original = sp.srepr(expr)
    for description, mutant in mutants:
        key = sp.srepr(mutant)
        if key != original and key not in unique:
            unique[key] = (description, mutant)
    return list(unique.values())


def digit_mutants(written: str) -> list[tuple[str, str]]:
    """One digit of a written decimal changed by +1, -1 and +5 (mod 10)."""
    mutants: dict[str, str] = {}
    for position, char in enumerate(written):
        if not char.isdigit():
            continue
        for step in (1, 9, 5):
            digit = str((int(char) + step) % 10)
            mutated = written[:position] + digit + written[position + 1:]
            mutants.setdefault(mutated, f"digit {position}: {char} -> {digit}")
    return [(description, text) for text, description in mutants.items()]


@dataclass(frozen=True)
class Mutant:
    case: Case
    description: str
    mutated: Case


def mutants_of(case: Case) -> list[Mutant]:
    found: list[Mutant] = []
    for description, new in expression_mutants(case.lhs):
        found.append(Mutant(case, f"lhs: {description}",
                            dataclasses.replace(case, lhs=new)))
    if case.rhs is not None:
        for description, new in expression_mutants(case.rhs):
            found.append(Mutant(case, f"rhs: {description}",
                                dataclasses.replace(case, rhs=new)))
    if case.written:
        for description, text in digit_mutants(case.written):
            found.append(Mutant(case, f"written: {description}",
                                dataclasses.replace(case, written=text)))
    return found


# ---------------------------------------------------------------------------
# Independent judgement: is the mutant really wrong?
# ---------------------------------------------------------------------------


def unfold(expr: sp.Expr, definitions: Sequence[Definition]) -> sp.Expr:
    """``expr`` with the definitions put in and every derivative, limit and Subs evaluated.

    Written here rather than taken from derive, so that the judge does not share the
    verifier's bugs.  A derivative with respect to a placeholder (``d(1/u)/du``) is
    evaluated while the placeholder is still a variable; ``u(x)`` (Leibniz notation for
    a placeholder) is the placeholder too.
    """
    functions = {d.name: d for d in definitions if d.params}
    placeholders = {d.name: d.body for d in definitions if not d.params}

    def by_placeholder(node: sp.Basic) -> bool:
        return isinstance(node, sp.Derivative) and any(
            getattr(v, "name", None) in placeholders for v in node.variables)

    expr = expr.replace(by_placeholder, lambda node: node.doit())

    def defined_call(node: sp.Basic) -> bool:
        if not isinstance(node, AppliedUndef):
            return False
        name = node.func.__name__
        return name in placeholders or (
            name in functions and len(functions[name].params) == len(node.args))

    def body_of(node: sp.Basic) -> sp.Basic:
        name = node.func.__name__
        if name in placeholders:
            return placeholders[name]
        definition = functions[name]
        return definition.body.xreplace(dict(zip(definition.params, node.args, strict=True)))

    for _ in range(16):
        unfolded = expr.replace(defined_call, body_of)
        symbols = {s: placeholders[s.name] for s in unfolded.free_symbols
                   if isinstance(s, sp.Symbol) and s.name in placeholders}
        unfolded = unfolded.xreplace(symbols)
        if unfolded == expr:
            break
        expr = unfolded
    return expr.doit()


def _finite_number(value: sp.Basic) -> bool:
    """A finite number that N could evaluate (no unevaluated call, derivative or limit)."""
    unevaluated = (sp.Function, sp.Derivative, sp.Limit, sp.Subs, sp.Integral)
    return (isinstance(value, sp.Expr) and value.is_number
            and not value.has(sp.zoo, sp.oo, -sp.oo, sp.nan) and not value.atoms(*unevaluated))


def _value(expr: sp.Expr, point: dict[sp.Symbol, sp.Rational], digits: int) -> sp.Expr | None:
    value = sp.N(expr.xreplace(point), digits)
    return value if _finite_number(value) else None


def _far_apart(a: sp.Expr, b: sp.Expr) -> bool:
    gap = sp.Abs(sp.N(a - b, 30))
    scale = max(sp.Float(1), sp.Abs(a), sp.Abs(b))
    return bool(gap > RELATIVE_GAP * scale)


def _in_domain(point: dict[sp.Symbol, sp.Rational], assumptions: Sequence[sp.Basic]) -> bool:
    by_name = {s.name: v for s, v in point.items()}
    for relation in assumptions:
        names = {s: by_name[s.name] for s in relation.free_symbols if s.name in by_name}
        if relation.xreplace(names) is not sp.true:
            return False
    return True


def sample_points(symbols: Sequence[sp.Symbol], assumptions: Sequence[sp.Basic], seed: str,
                  count: int = POINTS_PER_CLAIM) -> list[dict[sp.Symbol, sp.Rational]]:
    """Seeded rational points inside the assumptions (the same for every run)."""
    rng = random.Random(f"{SEED}:{seed}")
    points: list[dict[sp.Symbol, sp.Rational]] = []
    for _ in range(50 * count):
        point = {s: sp.Rational(rng.randint(-60, 60), rng.choice((7, 11, 13))) for s in symbols}
        if _in_domain(point, assumptions):
            points.append(point)
        if len(points) == count:
            break
    return points


def _sides_differ(lhs: sp.Expr, rhs: sp.Expr, assumptions: Sequence[sp.Basic],
                  seed: str) -> bool | None:
    """True when the sides differ at some point, at 60 and at 120 digits; None if no
    point could be evaluated; False otherwise."""
    symbols = sorted(lhs.free_symbols | rhs.free_symbols, key=lambda s: s.name)
    evaluated = False
    for point in sample_points(symbols, assumptions, seed) if symbols else [{}]:
        verdicts = []
        for digits in (60, 120):
            a, b = _value(lhs, point, digits), _value(rhs, point, digits)
            if a is None or b is None:
                break
            verdicts.append(_far_apart(a, b))
        if len(verdicts) == 2:
            evaluated = True
            if all(verdicts):
                return True
    return False if evaluated else None


def _decimal_differs(expr: sp.Expr, written: str) -> bool | None:
    """True when ``written`` is more than one unit of its last place away from the value."""
    text = written.strip()
    for dots in ("\\ldots", "\\cdots", "\\dots", "...", "…"):
        text = text.removesuffix(dots).strip()
    number = Decimal(text)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    unit = sp.Rational(10) ** exponent
    target = sp.Rational(str(number))
    verdicts = []
    for digits in (60, 120):
        value = _value(expr, {}, digits)
        if value is None or not value.is_real:
            return None
        verdicts.append(bool(sp.Abs(value - target) > unit * sp.Rational(101, 100)))
    return all(verdicts)


def _unfolded_sides(case: Case) -> tuple[sp.Expr, sp.Expr | None]:
    lhs = unfold(case.lhs, case.definitions)
    if case.kind == "limit":
        assert case.variable is not None and case.point is not None
        lhs = sp.Limit(lhs, case.variable, case.point).doit()
    rhs = None if case.rhs is None else unfold(case.rhs, case.definitions)
    return lhs, rhs


def _judge(case: Case, seed: str) -> bool | None:
    lhs, rhs = _unfolded_sides(case)
    if case.written and rhs is None:  # a decimal claim: the number as written
        return _decimal_differs(lhs, case.written)
    assert rhs is not None
    return _sides_differ(lhs, rhs, case.assumptions, seed)


def really_different(mutant: Mutant) -> bool | None:
    """Is the mutated claim false?  None when it cannot be decided independently (an
    undefined function, nothing finite to evaluate, or evaluation out of time)."""
    try:
        return run_with_time_limit(_judge, mutant.mutated, mutant.description,
                                   seconds=EVALUATION_SECONDS)
    except TimeLimitExceeded:
        return None
    except Exception:  # noqa: BLE001 - SymPy failing to evaluate a mutant: undecided
        return None


# ---------------------------------------------------------------------------
# What derive says about a mutant
# ---------------------------------------------------------------------------


def derive_verdict(case: Case, settings: VerifySettings) -> Verdict:
    if case.claim is not None:
        claim = case.claim
        if case.written and case.mode:  # the expression side and the number as written
            side = "lhs" if claim.written_side == "rhs" else "rhs"
            claim = dataclasses.replace(claim, written=case.written, **{side: case.lhs})
        else:
            claim = dataclasses.replace(claim, lhs=case.lhs, rhs=case.rhs)
        return check_claim(claim, settings).verdict
    if case.kind == "limit":
        assert case.variable is not None and case.point is not None and case.rhs is not None
        return verify_limit(case.lhs, case.variable, case.point, case.rhs,
                            definitions=case.definitions, settings=settings).verdict
    if case.kind == "decimal":
        return verify_decimal(case.lhs, case.written, mode=case.mode,
                              definitions=case.definitions, settings=settings).verdict
    assert case.rhs is not None
    return verify_equal(case.lhs, case.rhs, definitions=case.definitions,
                        settings=settings, assumptions=case.assumptions).verdict


# ---------------------------------------------------------------------------
# The score
# ---------------------------------------------------------------------------


@dataclass
class Score:
    generated: int = 0
    undecided: int = 0  # the independent judge could not evaluate the mutant
    equivalent: int = 0  # the mutant is not really different (e.g. dropped a factor 1)
    different: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    wrongly_accepted: list[str] = field(default_factory=list)
    crashed: list[str] = field(default_factory=list)  # derive raised instead of a verdict

    def text(self) -> str:
        lines = [
            f"mutants generated: {self.generated}",
            f"  not decidable independently: {self.undecided}",
            f"  equivalent to the original: {self.equivalent}",
            f"  really different: {self.different}",
            f"    refuted: {self.verdicts[Verdict.REFUTED.value]}",
            f"    unknown: {self.verdicts[Verdict.UNKNOWN.value]}",
            f"    error: {self.verdicts[Verdict.ERROR.value]}",
            f"    crashed (derive raised): {len(self.crashed)}",
            f"    wrongly accepted: {len(self.wrongly_accepted)}",
        ]
        lines += [f"      {line}" for line in self.wrongly_accepted]
        if self.crashed:
            lines.append("  crashes:")
            lines += [f"      {line}" for line in self.crashed]
        return "\n".join(lines)


def select(mutants: Sequence[Mutant], limit: int | None, seed: int = SEED) -> list[Mutant]:
    """A seeded subset of ``limit`` mutants (all of them when ``limit`` is None)."""
    if limit is None or limit >= len(mutants):
        return list(mutants)
    chosen = sorted(random.Random(seed).sample(range(len(mutants)), limit))
    return [mutants[i] for i in chosen]


def run(mutants: Sequence[Mutant], settings: VerifySettings,
        progress: Callable[[int, Mutant], None] | None = None) -> Score:
    score = Score(generated=len(mutants))
    for index, mutant in enumerate(mutants):
        if progress is not None:
            progress(index, mutant)
        different = really_different(mutant)
        if different is None:
            score.undecided += 1
            continue
        if not different:
            score.equivalent += 1
            continue
        score.different += 1
        try:
            verdict = derive_verdict(mutant.mutated, settings)
        except Exception as crash:  # noqa: BLE001 - a crash is reported, not a verdict
            score.crashed.append(f"{type(crash).__name__}: {crash} | {mutant.case.label()} "
                                 f"| {mutant.description}")
            continue
        score.verdicts[verdict.value] += 1
        if verdict in ACCEPTED:
            score.wrongly_accepted.append(
                f"[{verdict.value}] {mutant.case.label()} | {mutant.description} "
                f"| mutant: {mutant.mutated.label()}")
    return score


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="seeded subset of N mutants")
    parser.add_argument("--time-limit", type=float, default=2.0, help="seconds per claim")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    settings = VerifySettings(time_limit=args.time_limit)
    cases = all_cases(settings)
    mutants = select([m for case in cases for m in mutants_of(case)], args.limit)
    print(f"{len(cases)} accepted claims, {len(mutants)} mutants", flush=True)

    def progress(index: int, mutant: Mutant) -> None:
        if args.verbose:
            print(f"{index}: {mutant.case.label()} | {mutant.description}", flush=True)

    score = run(mutants, settings, progress)
    print(score.text())
    return 1 if score.wrongly_accepted else 0


if __name__ == "__main__":
    sys.exit(main())
