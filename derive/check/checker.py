"""Claims -> findings: verify each claim and describe the outcome in one sentence."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import replace

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.check.claims import Claim, Item, build_claims
from derive.definitions import DefinitionError, substitute_definitions
from derive.extract import extract_blocks, file_directives
from derive.model import (
    ClaimKind,
    Definition,
    Evidence,
    FileReport,
    Finding,
    Location,
    Outcome,
    Verdict,
    VerifySettings,
)
from derive.parse import display_name
from derive.verify import verify_approx, verify_decimal, verify_equal, verify_limit

DEFAULT_SETTINGS = VerifySettings()
RULE_FOR_VERDICT = {
    Verdict.PROVED: "",
    Verdict.CHECKED: "DRV008",
    Verdict.REFUTED: "DRV001",
    Verdict.UNKNOWN: "DRV006",
    Verdict.ERROR: "DRV002",
}
SEVERITY_FOR_VERDICT = {
    Verdict.PROVED: "info",
    Verdict.CHECKED: "info",
    Verdict.REFUTED: "error",
    Verdict.UNKNOWN: "warning",
    Verdict.ERROR: "error",
}
_REFUTED_SUBJECT = {
    ClaimKind.STEP: "step",
    ClaimKind.IDENTITY: "equation",
    ClaimKind.LIMIT: "limit",
    ClaimKind.VALUE: "value",
    ClaimKind.CONSTANT: "constant",
    ClaimKind.DEFINITION: "definition",
}


def _leibniz_functions(expr: sp.Expr | None, definitions: Sequence[Definition]
                       ) -> sp.Expr | None:
    """``dy/dx`` means ``y(x)`` unless ``y`` is a named substitution (then ``y``).

    Left as a Symbol, ``Derivative(y, x).doit()`` is 0 and a true step would be
    refuted; as an undefined function it can only be proved or left undecided.
    """
    if expr is None:
        return None
    defined = {d.name: d for d in definitions}
    # the parser reads du/dx as u(x); a named substitution u = ... is a plain symbol
    placeholders = {
        call: sp.Symbol(call.func.__name__) for call in expr.atoms(AppliedUndef)
        if call.func.__name__ in defined and not defined[call.func.__name__].params
    }
    if placeholders:
        expr = expr.xreplace(placeholders)
    replacements: dict[sp.Basic, sp.Basic] = {}
    for derivative in expr.atoms(sp.Derivative):
        inner = derivative.expr
        variables = tuple(v for v in derivative.variables if isinstance(v, sp.Symbol))
        if not isinstance(inner, sp.Symbol) or inner in variables or not variables:
            continue
        definition = defined.get(inner.name)
        if definition is not None and not definition.params:
            continue  # a placeholder: substituted by its body before differentiating
        if definition is not None and len(definition.params) != len(variables):
            continue
        call = sp.Function(inner.name)(*variables)
        replacements[derivative] = sp.Derivative(call, *derivative.variable_count)
    return expr.xreplace(replacements) if replacements else expr


def _indefinite_variables(*exprs: sp.Expr) -> list[sp.Symbol]:
    """Integration variables of indefinite integrals (``\\int x^2 dx``) in ``exprs``."""
    variables: set[sp.Symbol] = set()
    for expr in exprs:
        for integral in expr.atoms(sp.Integral):
            for limits in integral.limits:
                if len(limits) == 1 and isinstance(limits[0], sp.Symbol):
                    variables.add(limits[0])
    return sorted(variables, key=lambda s: s.name)


def _up_to_a_constant(outcome: Outcome) -> Outcome:
    """An antiderivative claim holds when the derivatives agree (the ``+ C`` is free)."""
    evidence = outcome.evidence
    if outcome.verdict in (Verdict.PROVED, Verdict.CHECKED):
        detail = f"equal up to a constant of integration: {evidence.detail}"
    else:
        detail = f"derivatives compared (indefinite integral): {evidence.detail}"
    return Outcome(outcome.verdict, Evidence(
        method=evidence.method, detail=detail, points=evidence.points, digits=evidence.digits,
        max_difference=evidence.max_difference, counterexample=evidence.counterexample,
        hint=evidence.hint, seconds=evidence.seconds,
    ))


def _limit_outcome(limit: sp.Limit, claimed: sp.Expr, claim: Claim,
                   settings: VerifySettings) -> Outcome:
    expr, variable, point, direction = limit.args
    return verify_limit(
        expr, variable, point, claimed, direction=str(direction),
        definitions=claim.definitions, settings=settings,
    )


def verify_claim(claim: Claim, settings: VerifySettings) -> Outcome:
    """Run the verifier that fits the claim's kind."""
    lhs = _leibniz_functions(claim.lhs, claim.definitions)
    rhs = _leibniz_functions(claim.rhs, claim.definitions)
    definitions = claim.definitions
    if claim.written and claim.decimal_mode:
        expr = lhs if claim.written_side == "rhs" else rhs
        assert expr is not None  # the builder only writes decimal claims with a parsed side
        return verify_decimal(
            expr, claim.written, mode=claim.decimal_mode, definitions=definitions,
            settings=settings,
        )
    assert lhs is not None and rhs is not None  # truncated decimals always get a mode
    if claim.kind is ClaimKind.LIMIT and claim.relation == "=":
        if isinstance(lhs, sp.Limit):
            return _limit_outcome(lhs, rhs, claim, settings)
        if isinstance(rhs, sp.Limit):
            return _limit_outcome(rhs, lhs, claim, settings)
    if claim.relation == "\\approx":
        return verify_approx(
            lhs, rhs, written=claim.written or None, definitions=definitions,
            settings=settings, assumptions=claim.assumptions,
        )
    indefinite = _indefinite_variables(lhs, rhs)
    if len(indefinite) == 1:
        # antiderivatives are equal up to a constant: compare their derivatives instead
        variable = indefinite[0]
        return _up_to_a_constant(verify_equal(
            sp.Derivative(lhs, variable), sp.Derivative(rhs, variable), definitions=definitions,
            settings=settings, assumptions=claim.assumptions,
        ))
    return verify_equal(
        lhs, rhs, definitions=definitions, settings=settings, assumptions=claim.assumptions,
    )


#: How each proof method reads after "proved".
_PROVED_BY = {
    "cancel": "by cancel",
    "expand": "by expand",
    "together-expand": "by together and expand",
    "rewrite-exp": "by rewriting in terms of exp",
    "simplify": "by simplify",
}
_UP_TO_A_CONSTANT = "equal up to a constant of integration: "
_STRUCTURAL = re.compile(r"after (.+), both sides are the same expression")


def _proved(evidence: Evidence) -> str:
    """``proved by cancel``; the details (definitions substituted, values) when they matter."""
    detail = evidence.detail
    constant = detail.startswith(_UP_TO_A_CONSTANT)
    detail = detail.removeprefix(_UP_TO_A_CONSTANT)
    how = _PROVED_BY.get(evidence.method)
    head, _, caveat = detail.partition("; ")
    if evidence.method == "structural":
        after = _STRUCTURAL.fullmatch(head)
        text = (f"proved: identical after {after.group(1)}" if after
                else "proved: both sides are identical")
    elif how is not None:
        text = f"proved {how}"
    else:  # evalf, limit: the detail says what was shown
        text, caveat = f"proved: {detail}", ""
    if caveat:
        text += f" ({caveat})"
    if constant:
        text = text.replace("proved", "proved up to a constant of integration", 1)
    return text


def _checked(evidence: Evidence) -> str:
    """``checked numerically at 32 points (30 digits), max difference 1e-31``."""
    if evidence.points is None or evidence.points <= 1:
        return f"checked numerically: {evidence.detail}"
    difference = evidence.max_difference or "0"
    text = (
        f"checked numerically at {evidence.points} points ({evidence.digits} digits), "
        f"max difference {difference}"
    )
    if evidence.detail.startswith(_UP_TO_A_CONSTANT):
        text += ", up to a constant of integration"
    return text


def describe(outcome: Outcome, kind: ClaimKind) -> str:
    """One human sentence about an outcome; it starts with the verdict's own word where
    that reads well (``proved by cancel``), so reporters need not repeat the verdict."""
    evidence = outcome.evidence
    if outcome.verdict is Verdict.PROVED:
        return _proved(evidence)
    if outcome.verdict is Verdict.CHECKED:
        return _checked(evidence)
    if outcome.verdict is Verdict.REFUTED:
        subject = _REFUTED_SUBJECT.get(kind, "claim")
        example = evidence.counterexample
        if example is None:
            text = f"{subject} does not hold: {evidence.detail}"
        else:
            point = ", ".join(f"{name} = {value}" for name, value in example.point.items())
            at = f"at {point}, " if point else ""
            text = (
                f"{subject} does not hold: {at}lhs = {example.lhs_value}, "
                f"rhs = {example.rhs_value}"
            )
        if evidence.hint:
            text += f" ({evidence.hint})"
        return text
    if outcome.verdict is Verdict.UNKNOWN:
        return f"undecided: {evidence.detail}"
    return f"cannot verify: {evidence.detail}"


_INDEXED = re.compile(r"_\{?[i-n]+\}?$")


def _free_names(definitions: Sequence[Definition], *exprs: sp.Expr | None) -> list[set[str]]:
    """Free symbol names of each expression once the document's definitions are unfolded."""
    names: list[set[str]] = []
    for expr in exprs:
        if expr is None:
            names.append(set())
            continue
        with contextlib.suppress(DefinitionError):
            expr = substitute_definitions(expr, definitions)
        names.append({s.name for s in expr.free_symbols if isinstance(s, sp.Symbol)})
    return names


def _log_base_reading(claim: Claim, settings: VerifySettings) -> str | None:
    """``\\log`` without a base is natural here; say so if base 2 or 10 makes it hold."""
    if claim.lhs is None or claim.rhs is None or claim.relation != "=":
        return None
    if not (claim.lhs.has(sp.log) or claim.rhs.has(sp.log)):
        return None
    for base in (2, 10):
        def rebase(expr: sp.Expr, base: int = base) -> sp.Expr:
            return expr.replace(
                lambda e: isinstance(e, sp.log) and len(e.args) == 1,
                lambda e: sp.log(e.args[0]) / sp.log(base),
            )
        outcome = verify_equal(
            rebase(claim.lhs), rebase(claim.rhs), definitions=claim.definitions,
            settings=settings, assumptions=claim.assumptions,
        )
        if outcome.verdict in (Verdict.PROVED, Verdict.CHECKED):
            return f"holds if \\log means the logarithm to base {base}"
    return None


def _refutation_doubt(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    """Why a counterexample may come from reading the notation differently than meant.

    Each rule stands for a measured false alarm on real documents (the corpus test):
    ``name(...)`` that may be a function, index notation with implied sums, values
    substituted without saying which, a domain the author took for granted, the base of
    ``\\log``, and limits of functions the document never defines.
    """
    if claim.ambiguities:
        return f"{claim.ambiguities[0]}; read as a product the two sides differ"
    left, right = _free_names(claim.definitions, claim.lhs, claim.rhs)
    names = left | right
    indexed = sorted(n for n in names if _INDEXED.search(n))
    if indexed:
        return f"uses indexed names ({', '.join(indexed)}): index notation may imply sums"
    if claim.kind is ClaimKind.STEP and bool(left) != bool(right):
        return "the step substitutes values for variables that the document does not state"
    if left and right and not left & right:
        return "the two sides share no variable: this reads as notation, not algebra"
    hint = outcome.evidence.hint or ""
    if hint.startswith("holds only for"):
        variable = hint.removeprefix("holds only for ").strip()
        return (
            f"{hint}; if that is meant, say so with a directive "
            f"`derive: assume {variable}`"
        )
    exprs = [e for e in (claim.lhs, claim.rhs) if e is not None]
    if claim.kind is ClaimKind.LIMIT and any(e.atoms(AppliedUndef) for e in exprs):
        undefined = sorted({c.func.__name__ for e in exprs for c in e.atoms(AppliedUndef)})
        if not {d.name for d in claim.definitions} >= set(undefined):
            shown = ", ".join(display_name(name) for name in undefined)
            return f"the limit involves {shown}, which the document does not define"
    return _log_base_reading(claim, settings)


def _doubtful(outcome: Outcome, claim: Claim, settings: VerifySettings) -> Outcome:
    """Turn a refutation that rests on a doubtful reading into an honest 'unknown'."""
    if outcome.verdict is not Verdict.REFUTED:
        return outcome
    doubt = _refutation_doubt(claim, outcome, settings)
    if doubt is None:
        return outcome
    evidence = outcome.evidence
    example = evidence.counterexample
    differs = ""
    if example is not None:
        point = ", ".join(f"{k} = {v}" for k, v in example.point.items())
        at = f"at {point}: " if point else ""
        differs = f" (as read, {at}lhs = {example.lhs_value}, rhs = {example.rhs_value})"
    return Outcome(Verdict.UNKNOWN, Evidence(
        method="doubtful-reading", detail=f"{doubt}{differs}", counterexample=example,
        hint=evidence.hint,
    ))


def finding_for(claim: Claim, outcome: Outcome) -> Finding:
    return Finding(
        location=claim.location,
        kind=claim.kind,
        verdict=outcome.verdict,
        message=describe(outcome, claim.kind),
        lhs=claim.lhs_latex,
        rhs=claim.rhs_latex,
        relation=claim.relation,
        reason=claim.reason,
        rule_id=RULE_FOR_VERDICT[outcome.verdict],
        label=claim.label,
        evidence=outcome.evidence,
        severity=SEVERITY_FOR_VERDICT[outcome.verdict],
    )


def _settled(claim: Claim, settings: VerifySettings) -> Outcome:
    """The claim's outcome as reported: verified, then doubtful refutations made unknown."""
    try:
        outcome = verify_claim(claim, settings)
    except DefinitionError as error:
        outcome = Outcome(Verdict.ERROR, Evidence(method="definitions", detail=str(error)))
    return _doubtful(outcome, claim, settings)


def _undo_note(claim: Claim, settings: VerifySettings) -> str | None:
    """``this step undoes the error of line 12: ...`` when the chain holds across both
    refuted steps: the first left side equals this right side (the same verifier decides)."""
    previous = claim.previous
    if previous is None or previous.lhs is None:
        return None
    across = replace(claim, lhs=previous.lhs, lhs_latex=previous.lhs_latex, previous=None,
                     ambiguities=previous.ambiguities + claim.ambiguities)
    try:
        outcome = verify_claim(across, settings)
    except DefinitionError:
        return None
    if outcome.verdict not in (Verdict.PROVED, Verdict.CHECKED):
        return None
    start = previous.lhs_location or previous.location
    return (f"this step undoes the error of line {previous.location.line}: "
            f"the chain from line {start.line} to here holds")


def check_claim(claim: Claim, settings: VerifySettings,
                previous: Finding | None = None) -> Finding:
    """Verify one claim.  ``previous`` is the finding of ``claim.previous`` when the caller
    has it; verified alone (a pytest item), that step is settled here, and only when this
    one is refuted, so that the step back after an error is named as such either way."""
    outcome = _settled(claim, settings)
    finding = finding_for(claim, outcome)
    if outcome.verdict is not Verdict.REFUTED or claim.previous is None:
        return finding
    previous_verdict = (
        _settled(claim.previous, settings).verdict if previous is None else previous.verdict
    )
    if previous_verdict is not Verdict.REFUTED:
        return finding
    note = _undo_note(claim, settings)
    return finding if note is None else replace(finding, message=f"{finding.message} ({note})")


def _findings(items: Sequence[Item], settings: VerifySettings) -> list[Finding]:
    """Every item's finding, in order; a step's predecessor is verified before it."""
    by_claim: dict[int, Finding] = {}
    findings: list[Finding] = []
    for item in items:
        if isinstance(item, Claim):
            before = by_claim.get(id(item.previous)) if item.previous is not None else None
            finding = check_claim(item, settings, before)
            by_claim[id(item)] = finding
        else:
            finding = item
        findings.append(finding)
    return findings


def check_text(
    path: str,
    text: str,
    settings: VerifySettings = DEFAULT_SETTINGS,
    *,
    definitions_latex: Sequence[str] = (),
) -> FileReport:
    """Check the math of one document given as text; ``path`` chooses the syntax."""
    directives = file_directives(path, text)
    if any(d.command == "skip-file" for d in directives):
        return FileReport(path=path, findings=())
    blocks = extract_blocks(path, text)
    scoped = [
        (d.location, d.command, d.argument) for d in directives
        if d.command in ("define", "assume")
    ]
    items = build_claims(path, blocks, scoped, definitions_latex)
    findings = _findings(items, settings)
    order = sorted(range(len(findings)), key=lambda i: (findings[i].location.sort_key, i))
    return FileReport(path=path, findings=tuple(findings[i] for i in order))


def crash_finding(path: str, error: BaseException) -> Finding:
    """A per-file crash, reported instead of aborting the whole run."""
    return Finding(
        location=Location(path, 1, 1), kind=None, verdict=Verdict.ERROR,
        message=f"internal error while checking this file: {type(error).__name__}: {error}",
        rule_id="DRV002", severity="error",
    )
