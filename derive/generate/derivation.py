"""Assemble a verified Derivation: the core of ``derive build``.

The displayed chain is

    d/dx f(x) = d/dx[definition] = (rule steps) = raw derivative = (rewrite steps) = closed form

The rule steps are a walk over the rule tree from :mod:`derive.generate.rules`: a
pending ``Derivative`` is expanded one structural rule at a time (chain rule
with its named substitution, product, quotient, sum ...), while sub-derivatives
that need no structure (power, exp, trig ... with inline linear chains) are
evaluated together in one step.  Every consecutive pair is then verified with
:mod:`derive.verify`; :func:`reverify` re-runs all verification, so a tampered
step list is judged afresh.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sympy as sp

from derive.generate.budgets import BuildLimits, lenient, strict_claim
from derive.generate.limit_steps import (
    compute_limit,
    decimal_value,
    limit_steps,
    simple_exact_value,
)
from derive.generate.rewrite import Fold, evaluated, rebuild, replace_unevaluated, rewrite_steps
from derive.generate.rules import (
    ChainRule,
    ConstantMultipleRule,
    ConstantRule,
    DiffRule,
    GeneralPowerRule,
    ProductRule,
    QuotientRule,
    SumRule,
    UnsupportedRule,
    VariableRule,
    differentiate,
)
from derive.model import (
    ClosedFormCheck,
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
from derive.timelimit import TimeLimitExceeded, run_with_time_limit
from derive.verify import substitute_definitions, verify_decimal, verify_equal, verify_limit
from derive.verify.grid import GRID_TEXT, GridMethod, GridOutcome, verify_derivative_on_grid

#: VerifySettings is frozen, so one shared default is safe.
DEFAULT_SETTINGS = VerifySettings()

# Rules that only shuffle constants and sums: not named in a step's label when others are.
_QUIET_RULES = (ConstantRule, VariableRule, ConstantMultipleRule, SumRule)
# Rules that are expanded one level at a time, each in its own displayed step.
_STRUCTURAL_RULES = (ProductRule, QuotientRule, GeneralPowerRule, UnsupportedRule)


# ---------------------------------------------------------------------------
# Naming the function
# ---------------------------------------------------------------------------


def _is_self_defined(spec: FunctionSpec) -> bool:
    """tanh(x) is its own definition: SymPy already knows the function by that name."""
    definition = spec.definition
    return (
        isinstance(definition, sp.Function)
        and type(definition).__name__ == spec.sympy_name
        and definition.args == (spec.variable,)
    )


def applied_function(spec: FunctionSpec, argument: sp.Expr) -> sp.Expr:
    """f(argument), unevaluated: sigma(0), tanh(0)."""
    if _is_self_defined(spec):
        return type(spec.definition)(argument, evaluate=False)
    return sp.Function(spec.sympy_name)(argument)


def function_definition(spec: FunctionSpec) -> Definition | None:
    if _is_self_defined(spec):
        return None
    applied = applied_function(spec, spec.variable)
    return Definition(
        spec.sympy_name,
        (spec.variable,),
        spec.definition,
        latex=f"{sp.latex(applied)} = {sp.latex(spec.definition)}",
    )


def _unicode_name(spec: FunctionSpec) -> str:
    return _unicode_name_of(spec.sympy_name)


def _unicode_name_of(name: str) -> str:
    """How a SymPy name reads in a rule phrase: sigma -> σ."""
    return str(sp.pretty(sp.Symbol(name), use_unicode=True))


# ---------------------------------------------------------------------------
# Walking the rule tree into displayed steps
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pending:
    node: sp.Derivative
    rule: DiffRule


def _d(rule: DiffRule) -> sp.Derivative:
    return sp.Derivative(rule.expr, rule.variable)


def _is_simple(rule: DiffRule) -> bool:
    """No named substitution and no structural rule anywhere below."""
    for sub in rule.walk():
        if isinstance(sub, _STRUCTURAL_RULES):
            return False
        if isinstance(sub, ChainRule) and not sub.inline:
            return False
    return True


def _label(rule: DiffRule) -> str:
    return str(getattr(rule, "label", rule.name))


def _labels(rules: Sequence[DiffRule]) -> str:
    """Names of the rules used, in order, quiet ones only when nothing else is used."""
    names: list[str] = []
    quiet: list[str] = []
    for top in rules:
        for sub in top.walk():
            if isinstance(sub, ChainRule) and sub.inline:
                continue
            bucket = quiet if isinstance(sub, _QUIET_RULES) else names
            if _label(sub) not in bucket:
                bucket.append(_label(sub))
    return ", ".join(names or quiet)


def _expand(rule: DiffRule) -> tuple[sp.Expr, list[DiffRule], str]:
    """One level of a structural rule: (display expression, new pending rules, note)."""
    if isinstance(rule, ChainRule):
        shown = sp.Mul(_d(rule.outer), _d(rule.inner), evaluate=False)
        return shown, [rule.outer, rule.inner], rule.substitution_latex
    if isinstance(rule, ConstantMultipleRule):
        return sp.Mul(rule.constant, _d(rule.substep), evaluate=False), [rule.substep], ""
    if isinstance(rule, SumRule):
        return sp.Add(*(_d(t) for t in rule.terms), evaluate=False), list(rule.terms), ""
    if isinstance(rule, ProductRule):
        terms = []
        for i, step in enumerate(rule.factor_steps):
            others = rule.factors[:i] + rule.factors[i + 1 :]
            terms.append(sp.Mul(*others, _d(step), evaluate=False))
        return sp.Add(*terms, evaluate=False), list(rule.factor_steps), ""
    if isinstance(rule, QuotientRule):
        f, g = rule.numerator, rule.denominator
        df, dg = _d(rule.numerator_step), _d(rule.denominator_step)
        top = sp.Add(
            sp.Mul(g, df, evaluate=False), sp.Mul(-1, f, dg, evaluate=False), evaluate=False
        )
        bottom = sp.Pow(sp.Pow(g, 2, evaluate=False), -1, evaluate=False)
        return (
            sp.Mul(top, bottom, evaluate=False),
            [rule.numerator_step, rule.denominator_step],
            "",
        )
    if isinstance(rule, GeneralPowerRule):
        f, g = rule.base, rule.exponent
        inner = sp.Add(
            sp.Mul(sp.log(f), _d(rule.exponent_step), evaluate=False),
            sp.Mul(g, sp.Pow(f, -1, evaluate=False), _d(rule.base_step), evaluate=False),
            evaluate=False,
        )
        shown = sp.Mul(sp.Pow(f, g, evaluate=False), inner, evaluate=False)
        return shown, [rule.exponent_step, rule.base_step], "f^{g} = e^{g \\ln f}"
    raise TypeError(f"not a structural rule: {type(rule).__name__}")


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Evaluate derivative-free products, except where two signed factors show a sign cancel.

    So ``-x * 2x`` becomes ``-2x^2`` and ``1 * (x^2+1)`` becomes ``x^2+1``, while
    ``-u^{-2} * (-e^{-x})`` is kept as the textbook writes it.  Products that still hold
    a derivative are flattened with their numeric factor in front, so that a minus sign
    is never printed in the middle of a product.
    """
    if not expr.args or isinstance(expr, sp.Derivative):
        return expr
    args = [_tidy(arg) for arg in expr.args]
    if isinstance(expr, sp.Mul):
        if not expr.has(sp.Derivative):
            signed = [a for a in args if not a.is_number and a.could_extract_minus_sign()]
            if len(signed) < 2:
                return sp.Mul(*args)
        else:
            factors: list[sp.Expr] = []
            for arg in args:
                factors.extend(arg.args if isinstance(arg, sp.Mul) else (arg,))
            coefficient = sp.Mul(*(f for f in factors if f.is_number))
            rest = [f for f in factors if not f.is_number]
            head = [] if coefficient == 1 else [coefficient]
            return sp.Mul(*head, *rest, evaluate=False)
    if all(new is old for new, old in zip(args, expr.args, strict=True)):
        return expr
    return rebuild(expr, args)


def rule_steps(tree: DiffRule) -> list[DerivationStep]:
    """The displayed steps from d/dx[definition] down to the substituted-back derivative."""
    current: sp.Expr = _d(tree)
    steps = [DerivationStep(current, "definition")]
    pending = [_Pending(current, tree)]
    while pending:
        first = pending[0]
        if isinstance(first.rule, UnsupportedRule):
            pending.pop(0)  # stays an unevaluated derivative; reported by build_derivation
            continue
        if _is_simple(first.rule):
            simple = [p for p in pending if _is_simple(p.rule)]
            mapping = {p.node: p.rule.eval() for p in simple}
            pending = [p for p in pending if not _is_simple(p.rule)]
            current = _tidy(replace_unevaluated(current, mapping))
            steps.append(DerivationStep(current, _labels([p.rule for p in simple])))
            continue
        shown, children, note = _expand(first.rule)
        current = _tidy(replace_unevaluated(current, {first.node: shown}))
        known = {p.node for p in pending[1:]}
        fresh = []
        for child in children:
            node = _d(child)
            if node not in known:
                known.add(node)
                fresh.append(_Pending(node, child))
        pending = fresh + pending[1:]
        steps.append(DerivationStep(current, first.rule.name, note=note))
    substitutions = [
        rule for rule in tree.walk() if isinstance(rule, ChainRule) and not rule.inline
    ]
    used = [rule for rule in substitutions if current.has(rule.u_symbol)]
    if used:
        mapping = {rule.u_symbol: rule.u_expr for rule in used}
        # inner substitutions may mention outer names only through u_expr, which is in x
        current = _tidy(replace_unevaluated(current, mapping))
        note = ", ".join(rule.substitution_latex for rule in used)
        steps.append(DerivationStep(current, "substitute back", note=note))
    return steps


def substitution_definitions(tree: DiffRule) -> tuple[Definition, ...]:
    return tuple(
        Definition(rule.u_symbol.name, (), rule.u_expr, latex=rule.substitution_latex)
        for rule in tree.walk()
        if isinstance(rule, ChainRule) and not rule.inline
    )


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------


def _has_sign_pair(expr: sp.Expr) -> bool:
    """A product of two signed factors, ``(-u^{-2}) (-e^{-x})``, kept by :func:`_tidy`."""
    return any(
        isinstance(node, sp.Mul)
        and sum(1 for a in node.args if not a.is_number and a.could_extract_minus_sign()) >= 2
        for node in sp.preorder_traversal(expr)
    )


def _kinds(expr: sp.Expr) -> set[object]:
    """Function types and named constants (pi, sqrt 2 ...) that ``expr`` is written with."""
    surds = {p for p in expr.atoms(sp.Pow) if p.is_number and not p.is_Rational}
    return {type(f) for f in expr.atoms(sp.Function)} | expr.atoms(sp.NumberSymbol) | surds


def _simplified(expr: sp.Expr, limits: BuildLimits) -> sp.Expr:
    """The shortest of simplify, factor and cancel of ``expr``, or ``expr`` itself.

    A form that brings in a function or constant ``expr`` does not use is rejected:
    simplify turns e^{-x}/(1+e^{-x})^2 into 1/(4 cosh^2(x/2)) and sin x + cos x into
    sqrt(2) sin(x + pi/4), which no textbook would write as the derivative.  A method
    that runs out of time is skipped (lenient) or stops the build (strict).
    """
    allowed = _kinds(expr)
    best, best_ops = expr, sp.count_ops(expr)
    for method in (sp.simplify, sp.factor, sp.cancel):
        try:
            candidate = run_with_time_limit(method, expr, seconds=limits.step_seconds)
        except TimeLimitExceeded:
            limits.timed_out(f"{method.__name__} of the derivative")
            continue
        except (RuntimeError, sp.PolynomialError):
            continue
        if not isinstance(candidate, sp.Expr) or not _kinds(candidate) <= allowed:
            continue
        ops = sp.count_ops(candidate)
        if ops < best_ops:
            best, best_ops = candidate, ops
    return best


def build_derivation(
    spec: FunctionSpec,
    settings: VerifySettings = DEFAULT_SETTINGS,
    limits: BuildLimits | None = None,
) -> Derivation:
    """Generate every step of d/dx f(x), rewrite to the target, and verify everything.

    ``limits``: seconds per generation step and whether running out of time (there or in
    a claim) raises ``BuildTimeout``; by default ``settings.time_limit`` and lenient.
    """
    limits = limits or lenient(settings.time_limit)
    x = spec.variable
    names = (spec.substitution_name,) + tuple(
        n for n in ("u", "v", "w", "s", "t", "p", "q", "r") if n != spec.substitution_name
    )
    tree = differentiate(spec.definition, x, substitution_names=names)
    lhs = sp.Derivative(applied_function(spec, x), x)
    own = function_definition(spec)
    definitions = ((own,) if own else ()) + spec.helpers + substitution_definitions(tree)

    steps = rule_steps(tree)
    if _is_self_defined(spec):
        steps = steps[1:]  # "d/dx tanh(x) = d/dx tanh(x)" says nothing
    if tree.contains_unsupported():
        reasons = [r.reason for r in tree.walk() if isinstance(r, UnsupportedRule)]
        last = steps[-1].expr if steps else lhs  # a self-defined f[x] leaves no rule step
        steps.append(DerivationStep(last, "unsupported", note="; ".join(reasons)))
    else:
        steps.extend(_closing_steps(spec, tree, steps[-1].expr if steps else lhs, limits))

    derivation = Derivation(
        spec=spec,
        lhs=lhs,
        steps=tuple(steps),
        limits=_limit_claims(spec, limits),
        values=_value_claims(spec),
        checks=(),
        definitions=definitions,
        rule_tree=tree,
    )
    return reverify(derivation, settings, limits)


def _closing_steps(
    spec: FunctionSpec, tree: DiffRule, shown: sp.Expr, limits: BuildLimits
) -> list[DerivationStep]:
    """From the substituted-back form to the raw derivative, then to the closed form."""
    raw = tree.eval()
    closing: list[DerivationStep] = []
    rearranged = sp.srepr(shown) != sp.srepr(raw)
    if spec.target is None:
        simpler = _simplified(raw, limits)
        # the raw form is shown on the way only when it is itself progress (signs cancelled)
        if rearranged and (simpler == raw or _has_sign_pair(shown)):
            closing.append(DerivationStep(raw, "simplify"))
        if simpler != raw:
            closing.append(DerivationStep(simpler, "simplify"))
        return closing
    if rearranged:
        closing.append(DerivationStep(raw, "simplify"))
    folds = []
    if not _is_self_defined(spec):
        applied = applied_function(spec, spec.variable)
        folds.append(Fold(applied, spec.definition, f"definition of {_unicode_name(spec)}"))
    folds.extend(_helper_folds(spec))
    rewritten = rewrite_steps(raw, spec.target, folds=folds)
    unfolded = _unfold_helpers(spec)
    if [step.rule for step in rewritten] == ["algebra"] and unfolded is not None:
        # no move sequence found: the algebra step reaches the target in full, and the
        # helpers are folded back in a step of their own
        closing.append(DerivationStep(unfolded, "algebra"))
        names = ", ".join(_unicode_name_of(helper.name) for helper in spec.helpers)
        closing.append(DerivationStep(spec.target, f"definition of {names}"))
        return closing
    for step in rewritten:
        closing.append(DerivationStep(step.expr, step.rule, note=step.note))
    return closing


def _helper_folds(spec: FunctionSpec) -> list[Fold]:
    return [
        Fold(
            sp.Function(helper.name)(*helper.params),
            helper.body,
            f"definition of {_unicode_name_of(helper.name)}",
        )
        for helper in spec.helpers
    ]


def _unfold_helpers(spec: FunctionSpec) -> sp.Expr | None:
    """``spec.target`` with every helper written out (kept unevaluated), or None if it uses none."""
    if spec.target is None:
        return None
    mapping = {fold.applied: sp.UnevaluatedExpr(fold.body) for fold in _helper_folds(spec)}
    if not any(spec.target.has(applied) for applied in mapping):
        return None
    return replace_unevaluated(spec.target, mapping)


def _limit_claims(spec: FunctionSpec, limits: BuildLimits) -> tuple[LimitClaim, ...]:
    x = spec.variable
    claims = []
    for point in spec.limit_points:
        value = compute_limit(
            spec.definition, x, point, seconds=limits.step_seconds, strict=limits.strict
        )
        if value is None:
            continue  # no definite limit found: nothing is claimed
        steps = limit_steps(
            spec.definition, x, point, value, seconds=limits.step_seconds, strict=limits.strict
        )
        if _is_self_defined(spec) and len(steps) == 1:
            steps = ()  # "lim tanh(x) = 1 since lim tanh(x) = 1" says nothing
        claims.append(LimitClaim(applied_function(spec, x), x, point, value, steps))
    return tuple(claims)


def _value_claims(spec: FunctionSpec) -> tuple[ValueClaim, ...]:
    x = spec.variable
    claims = []
    for point in spec.value_points:
        exact = simple_exact_value(spec.definition.subs(x, point))
        decimal = decimal_value(spec.definition, x, point, spec.value_digits)
        claims.append(
            ValueClaim(applied_function(spec, point), point, exact, decimal, spec.value_digits)
        )
    return tuple(claims)


# ---------------------------------------------------------------------------
# Verification (re-runnable on a tampered derivation)
# ---------------------------------------------------------------------------


def reverify(
    derivation: Derivation,
    settings: VerifySettings = DEFAULT_SETTINGS,
    limits: BuildLimits | None = None,
) -> Derivation:
    """``derivation`` with every step, limit, value and closed-form check verified afresh.

    With strict ``limits`` a claim that runs out of time raises ``BuildTimeout``.
    """
    limits = limits or lenient(settings.time_limit)
    definitions = derivation.definitions
    bodies = [definition.body for definition in definitions]
    steps = []
    previous = derivation.lhs
    for index, step in enumerate(derivation.steps, start=1):
        if step.rule == "unsupported":
            outcome = Outcome(
                Verdict.UNKNOWN,
                Evidence("rules", f"no differentiation rule applies: {step.note}"),
            )
        else:
            outcome = _claim(
                limits, f"step {index} ({step.rule})", verify_equal,
                previous, step.expr, small=[previous, step.expr, *bodies],
                definitions=definitions, settings=settings,
            )
        steps.append(dataclasses.replace(step, outcome=outcome))
        previous = step.expr
    limit_claims = tuple(
        dataclasses.replace(
            claim,
            outcome=_claim(
                limits, f"the limit at {claim.point}", verify_limit,
                claim.expr, claim.variable, claim.point, claim.value,
                small=[claim.expr, claim.value, *bodies],
                definitions=definitions, settings=settings,
            ),
        )
        for claim in derivation.limits
    )
    values = tuple(
        dataclasses.replace(claim, outcome=_verify_value(claim, definitions, settings, limits))
        for claim in derivation.values
    )
    checks = _closed_form_checks(derivation, tuple(steps), settings, limits)
    return dataclasses.replace(
        derivation, steps=tuple(steps), limits=limit_claims, values=values, checks=checks
    )


R = TypeVar("R")


def _claim(
    limits: BuildLimits,
    step: str,
    verify: Callable[..., R],
    *args: Any,
    small: Sequence[object] = (),
    as_result: Callable[[Outcome], Any] = lambda outcome: outcome,
    **kwargs: Any,
) -> R:
    """``verify(*args, **kwargs)``: as it is (lenient), or as a claim that raises
    ``BuildTimeout`` when any of its budgets ran out (strict)."""
    if not limits.strict:
        return verify(*args, **kwargs)
    return strict_claim(step, verify, *args, small=small, as_result=as_result, **kwargs)


def _verify_value(
    claim: ValueClaim,
    definitions: Sequence[Definition],
    settings: VerifySettings,
    limits: BuildLimits,
) -> Outcome:
    step = f"the value at {claim.point}"
    small = [claim.expr, *(definition.body for definition in definitions)]
    if claim.exact is not None:
        return _claim(
            limits, step, verify_equal, claim.expr, claim.exact,
            small=[*small, claim.exact], definitions=definitions, settings=settings,
        )
    return _claim(
        limits, step, verify_decimal, claim.expr, claim.decimal, small=small,
        mode="rounded", definitions=definitions, settings=settings,
    )


def _closed_form_checks(
    derivation: Derivation,
    steps: Sequence[DerivationStep],
    settings: VerifySettings,
    limits: BuildLimits,
) -> tuple[ClosedFormCheck, ...]:
    spec = derivation.spec
    x = spec.variable
    if not steps or steps[-1].rule == "unsupported":
        outcome = Outcome(Verdict.UNKNOWN, Evidence("rules", "no closed form: a rule is missing"))
        return (ClosedFormCheck("closed form", outcome),)
    closed = steps[-1].expr
    definitions = derivation.definitions
    expected = sp.diff(spec.definition, x)
    name = "matches sympy.diff"
    by_sympy = ClosedFormCheck(
        name,
        _claim(
            limits, f"the check {name!r}", verify_equal, closed, expected,
            small=[closed, expected, *(definition.body for definition in definitions)],
            definitions=definitions, settings=settings,
        ),
    )
    closed_in_x = evaluated(substitute_definitions(closed, definitions)).doit()
    grid_checks = []
    for method in GridMethod:
        checked: GridOutcome = _claim(
            limits, f"the check {str(method)!r}", verify_derivative_on_grid,
            spec.definition, closed_in_x, x, method, as_result=GridOutcome, settings=settings,
        )
        grid_checks.append(
            ClosedFormCheck(str(method), checked.outcome, checked.max_error, GRID_TEXT)
        )
    return (by_sympy, *grid_checks)
