"""Chains of equations and prose conditions: what follows from an equation.

A claim that a condition in the prose makes true ("at $s = 0$", then ``(1+r)^s = 1``)
is ``unknown`` when refuted, not refuted; any other refutation stands.

Chains of equations: each row follows from the one before it on its solution set.

A block of standalone equations (``e^z(1-P) = P``, then ``e^z = P + e^z P``, then
``P = e^z/(1+e^z)``) often solves an equation row by row: the rows are not
identities, and refuting them as identities is a false alarm.  When a row is refuted
as an identity:

* if it follows from the row before it (it is a nonzero polynomial multiple of it, or
  it holds at every solution SymPy finds for one of the previous row's variables), it
  is ``proved`` to follow;
* if the row before it is itself an identity (or not refuted as one), the row must be
  one too: the refutation stands;
* if the row after it follows from it (and is no identity), it is the equation being
  transformed: ``unknown``;
* otherwise the refutation stands only for a first row; a later row is ``unknown``.

SymPy works on parsed expressions only, in a child process under the claim's time limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.check.claims import Claim
from derive.check.roles import CLAIM_DIRECTIVE
from derive.check.scope import Condition
from derive.definitions import DefinitionError, substitute_definitions
from derive.model import Counterexample, Evidence, Outcome, Stage, Verdict, VerifySettings
from derive.numeric import fraction_to_string
from derive.timelimit import TimeLimitExceeded, WorkerDied
from derive.verify.budget import Budget

#: Solutions of one variable tried at most (a polynomial of high degree says little).
MAX_SOLUTIONS = 4
_HOLDS = (Verdict.PROVED, Verdict.CHECKED)

Verifier = Callable[[Claim, VerifySettings], Outcome]


def settle_equation(claim: Claim, outcome: Outcome, settings: VerifySettings,
                    verify: Verifier) -> Outcome:
    """The outcome of a claim under prose conditions, or of a row of a chain of equations
    (other claims pass unchanged)."""
    if outcome.verdict is not Verdict.REFUTED:
        return outcome
    premise, successor = claim.premise, claim.successor
    if premise is not None:
        how = follows(premise, claim, settings)
        if how:
            return Outcome(Verdict.PROVED, Evidence(
                method=Stage.EQUATION,
                detail=f"follows from the equation of line {premise.location.line} ({how})",
            ))
    outcome = _under_conditions(claim, outcome, settings, verify)
    if outcome.verdict is not Verdict.REFUTED:
        return outcome
    if premise is None and successor is None:
        return outcome
    if premise is not None and _verdict(verify, premise, settings) is not Verdict.REFUTED:
        return outcome  # after an identity (or what may be one), it must be one itself
    if successor is not None and _verdict(verify, successor, settings) not in _HOLDS and follows(
        claim, successor, settings
    ):
        return _unknown(
            f"an equation that the next rows transform (line {successor.location.line} "
            "follows from it), not an identity", outcome,
        )
    if premise is None:
        return outcome
    return _unknown(
        f"a row of a chain of equations: neither an identity nor shown to follow from the "
        f"equation of line {premise.location.line}", outcome,
    )


#: Prose conditions tried at most per refuted claim (the latest first).
MAX_CONDITIONS = 3


def _under_conditions(claim: Claim, outcome: Outcome, settings: VerifySettings,
                      verify: Verifier) -> Outcome:
    """"At $s = 0$ ... $(1+r)^s = 1$": a refutation that holds under a condition the
    document states is no refutation of the document.

    A counterexample counts only if it satisfies the conditions in force on the claim's
    names.  Conditions that name one variable's value (``a = c``, ``b = \varphi a``) are
    substituted, all of them together, and the claim is verified again: a refutation then
    lies on the conditions and stands.  When a condition cannot be substituted (``b/a =
    c/(a+b)``), derive cannot sample its solutions: the claim is ``unknown``.
    """
    second = _difference(claim)
    if second is None:
        return outcome
    equations: list[tuple[Condition, sp.Expr]] = []
    for condition in claim.conditions:
        if condition.equation is None:
            continue
        try:
            equation = substitute_definitions(condition.equation, claim.definitions)
        except (DefinitionError, ValueError, TypeError):
            continue
        if equation.has(sp.Derivative, sp.Integral, sp.Limit, sp.Sum, sp.Product) or (
            equation.atoms(AppliedUndef)
        ):
            # a relation between derivatives or integrals, or about a function the document
            # leaves undefined (F(M) = e^x), gives no value to a name
            continue
        equations.append((condition, equation))
    if second.has(sp.Derivative):
        # values put into d/dx would replace its variable: only ask whether it follows
        for condition, first in equations[:MAX_CONDITIONS]:
            how = _follows_within(first, second, settings)
            if how:
                return _unknown(
                    f"holds under the condition {condition.latex} of line {condition.line} "
                    f"({how}); a directive `{CLAIM_DIRECTIVE}` before the math checks it "
                    "for every value", outcome,
                )
        return outcome
    if not equations:
        return outcome
    values, unsolved = _values_from(equations, second)
    names = second.xreplace(values).free_symbols
    blocking = [(c, first) for c, first in unsolved if first.xreplace(values).free_symbols & names]
    branches = [values]
    if blocking:
        # one curve (x^3 - y^3 = 3) may be followed branch by branch, y = root(x^3 - 3)
        solved = _branches(blocking[0][1], names) if len(blocking) == 1 else []
        if not solved:
            condition = blocking[0][0]
            unit = _no_real_solution(blocking[0][1])
            if unit is not None:
                return _unknown(
                    f"the equation {condition.latex} of line {condition.line} has no real "
                    f"solution: {unit} may be the imaginary unit (`imaginary-unit = "
                    f"\"{unit}\"` in [tool.derive], or --imaginary-unit {unit}, reads it as one)",
                    outcome,
                )
            return _unknown(
                f"the equation {condition.latex} of line {condition.line} constrains its "
                "variables, and the counterexample need not satisfy it; a directive "
                f"`{CLAIM_DIRECTIVE}` before the math checks it for every value", outcome,
            )
        symbol = solved[0][0]
        branches = [
            {**{k: v.xreplace({symbol: root}) for k, v in values.items()}, symbol: root}
            for _, root in solved
        ]
    if not branches[0]:
        return outcome
    applied = [c for c, _ in equations if c not in [u for u, _ in unsolved]]
    applied += [c for c, _ in blocking]
    shown = ("the condition " if len(applied) == 1 else "the conditions ") + ", ".join(
        f"{c.latex} (line {c.line})" for c in applied
    )
    held = 0
    for branch in branches:
        constrained = replace(
            claim, lhs=substitute_definitions(claim.lhs, claim.definitions).xreplace(branch),
            rhs=substitute_definitions(claim.rhs, claim.definitions).xreplace(branch),
            definitions=(), conditions=(),
        )
        again = verify(constrained, settings)
        if again.verdict is Verdict.REFUTED:
            example = _with_values(again.evidence.counterexample, branch)
            return Outcome(Verdict.REFUTED, replace(
                again.evidence,
                detail=f"{again.evidence.detail}; under {shown}",
                counterexample=example,
            ))
        held += again.verdict in _HOLDS
    if held == len(branches):
        return _unknown(
            f"holds under {shown}; a directive `{CLAIM_DIRECTIVE}` before the "
            "math checks it for every value", outcome,
        )
    return _unknown(
        f"undecided under {shown}, which its counterexample does not satisfy",
        outcome,
    )


def _no_real_solution(equation: sp.Expr) -> str | None:
    """``j^2 = -1``: the one letter of an equation solved by ±i only, else None."""
    symbols = [s for s in equation.free_symbols if isinstance(s, sp.Symbol)]
    if len(symbols) != 1 or len(symbols[0].name) != 1:
        return None
    try:
        roots = sp.solve(equation, symbols[0])
    except (NotImplementedError, ValueError, TypeError):
        return None
    if roots and all(root.has(sp.I) for root in roots):
        return symbols[0].name
    return None


def _branches(equation: sp.Expr, names: set[sp.Basic]) -> list[tuple[sp.Symbol, sp.Expr]]:
    """The real solutions of ``equation = 0`` for one of ``names`` (x^3 - y^3 = 3: y =
    (x^3 - 3)^{1/3}); [] when SymPy finds none, too many, or only complex ones."""
    for symbol in sorted((n for n in names if isinstance(n, sp.Symbol)),
                         key=lambda s: s.name, reverse=True):
        if symbol not in equation.free_symbols:
            continue
        try:
            solutions = [root for root in sp.solve(equation, symbol) if not root.has(sp.I)]
        except (NotImplementedError, ValueError, TypeError):  # SymPy has no method for it
            continue
        if solutions and len(solutions) <= MAX_SOLUTIONS:
            return [(symbol, root) for root in solutions]
    return []


def _with_values(example: Counterexample | None, values: dict[sp.Symbol, sp.Expr]
                 ) -> Counterexample | None:
    """The counterexample with the values the conditions give (a = 2b at b = 1/2: a = 1)."""
    if example is None:
        return None
    try:
        at = {sp.Symbol(k): sp.Rational(Fraction(v)) for k, v in example.point.items()}
    except (ValueError, ZeroDivisionError):
        return example
    point = dict(example.point)
    for symbol, value in sorted(values.items(), key=lambda item: item[0].name):
        exact = value.xreplace(at)
        if isinstance(exact, sp.Rational):
            point[symbol.name] = fraction_to_string(Fraction(int(exact.p), int(exact.q)))
        elif exact.is_number:
            point[symbol.name] = str(sp.N(exact, 15))
    return replace(example, point=dict(sorted(point.items())))


def _values_from(equations: list[tuple[Condition, sp.Expr]], claim: sp.Expr
                 ) -> tuple[dict[sp.Symbol, sp.Expr], list[tuple[Condition, sp.Expr]]]:
    """Values that the conditions give their variables, substituted into one another;
    and the conditions that give no single value (they constrain but cannot be applied)."""
    values: dict[sp.Symbol, sp.Expr] = {}
    unsolved: list[tuple[Condition, sp.Expr]] = []
    for condition, equation in reversed(equations):  # oldest first
        equation = equation.xreplace(values)
        solved = _linear_value(equation, claim.xreplace(values).free_symbols)
        if solved is None:
            if equation.free_symbols and not _holds_everywhere(equation):
                unsolved.append((condition, equation))
            continue
        symbol, value = solved
        values = {k: v.xreplace({symbol: value}) for k, v in values.items()}
        values[symbol] = value
    return values, unsolved


def _linear_value(equation: sp.Expr, preferred: set[sp.Basic]
                  ) -> tuple[sp.Symbol, sp.Expr] | None:
    """(x, value) when ``equation = 0`` is linear in a symbol x with a constant nonzero
    coefficient (``x_1 - x_0 - x_3 + x_2``: x_3 = x_1 - x_0 + x_2); the claim's symbols first."""
    symbols = sorted(
        (s for s in equation.free_symbols if isinstance(s, sp.Symbol)),
        key=lambda s: (s not in preferred, s.name),
    )
    expanded = sp.expand(equation)
    for symbol in symbols:
        coefficient = expanded.coeff(symbol, 1)
        rest = sp.expand(expanded - coefficient * symbol)
        if coefficient == 0 or coefficient.free_symbols or rest.has(symbol):
            continue
        return symbol, -rest / coefficient
    return None


def _holds_everywhere(expr: sp.Expr) -> bool:
    """``\\sqrt{1 + \\tan^2 u} = \\sqrt{\\sec^2 u}``: an identity stated in prose constrains
    nothing (zero at three fixed points, or SymPy's expand says so)."""
    if sp.expand(expr) == 0:
        return True
    symbols = sorted((s for s in expr.free_symbols if isinstance(s, sp.Symbol)),
                     key=lambda s: s.name)
    for point in ((sp.Rational(3, 7), sp.Rational(-5, 11)), (sp.Rational(6, 5),
                  sp.Rational(2, 3)), (sp.Rational(-4, 9), sp.Rational(9, 8))):
        at = {symbol: point[i % 2] + sp.Rational(i, 13) for i, symbol in enumerate(symbols)}
        value = sp.N(expr.xreplace(at), 30)
        if not value.is_number or value.has(sp.nan, sp.zoo) or abs(value) > sp.Float("1e-20"):
            return False
    return True


def _verdict(verify: Verifier, claim: Claim, settings: VerifySettings) -> Verdict:
    try:
        return verify(claim, settings).verdict
    except DefinitionError:
        return Verdict.ERROR


def _unknown(detail: str, outcome: Outcome) -> Outcome:
    evidence = outcome.evidence
    example = evidence.counterexample
    differs = ""
    if example is not None:
        point = ", ".join(f"{k} = {v}" for k, v in example.point.items())
        differs = f" (as an identity, at {point}: lhs = {example.lhs_value}, " \
                  f"rhs = {example.rhs_value})"
    return Outcome(Verdict.UNKNOWN, Evidence(
        method=Stage.EQUATION, detail=f"{detail}{differs}", counterexample=example,
        hint=evidence.hint,
    ))


def follows(premise: Claim, claim: Claim, settings: VerifySettings) -> str:
    """How ``claim`` follows from ``premise`` on its solution set, or "" if not shown."""
    first, second = _difference(premise), _difference(claim)
    if first is None or second is None:
        return ""
    return _follows_within(first, second, settings)


def _follows_within(first: sp.Expr, second: sp.Expr, settings: VerifySettings) -> str:
    """``_follows`` in a child process under the claim's time limit ("" when out of time)."""
    try:
        # within the claim's own deadline (a nested budget never outlives it)
        return Budget.start(settings).run(_follows, first, second)
    except (TimeLimitExceeded, WorkerDied):
        return ""
    except Exception:  # SymPy failing on an odd expression: not shown, not a crash
        return ""


def _difference(claim: Claim) -> sp.Expr | None:
    if claim.lhs is None or claim.rhs is None or claim.relation != "=":
        return None
    try:
        difference = substitute_definitions(claim.lhs - claim.rhs, claim.definitions)
    except DefinitionError:
        return None
    if difference.has(sp.Integral, sp.Limit, sp.Sum, sp.Product):
        return None
    return difference


def _follows(first: sp.Expr, second: sp.Expr) -> str:
    """``second = 0`` holds wherever ``first = 0`` does (as far as SymPy shows)."""
    first, second = first.doit(), second.doit()  # derivatives worked out
    if first.has(sp.Derivative) or second.has(sp.Derivative):
        return ""
    if not second.free_symbols or _vanishes(first):
        return ""  # an identity before: only an identity follows from it
    ratio = sp.cancel(sp.together(second / first))
    if (
        ratio != 0 and ratio.is_finite is not False and not ratio.has(sp.zoo, sp.nan)
        and not sp.denom(ratio).free_symbols and ratio.is_zero is not True
    ):
        if not ratio.free_symbols:
            return "the same equation rearranged" if ratio == 1 else \
                f"the same equation multiplied by {sp.sstr(ratio)}"
        return "a multiple of it"
    shared = second.free_symbols & first.free_symbols
    factors = sp.factor_list(sp.numer(sp.together(first)))[1]
    for variable in sorted(first.free_symbols, key=lambda s: (s not in shared, s.name)):
        if not isinstance(variable, sp.Symbol):
            continue
        if any(f.free_symbols and variable not in f.free_symbols for f, _ in factors):
            # m (a - b) = 0 solved for m gives m = 0, but where a = b every m solves it:
            # solutions for m cover only part of the equation's solution set
            continue
        solutions = sp.solve(first, variable, dict=False)
        if not solutions or len(solutions) > MAX_SOLUTIONS:
            continue
        if all(_vanishes(second.xreplace({variable: solution})) for solution in solutions):
            return f"solving it for {variable.name}"
    return ""


def _vanishes(expr: sp.Expr) -> bool:
    if expr == 0:
        return True
    together = sp.together(expr)
    return any(simplify(together) == 0 for simplify in (sp.cancel, sp.expand, sp.simplify))
