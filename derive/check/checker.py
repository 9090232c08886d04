"""Claims -> findings: verify each claim and describe the outcome in one sentence."""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from derive.check.claims import Claim, Item, build_claims
from derive.definitions import DefinitionError
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
from derive.verify import verify_approx, verify_decimal, verify_equal, verify_limit

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
    """``dy/dx`` with ``y`` a bare, undefined symbol means ``y(x)``, not a constant.

    Left as a Symbol, ``Derivative(y, x).doit()`` is 0 and a true step would be
    refuted; as an undefined function it can only be proved or left undecided.
    """
    if expr is None:
        return None
    defined = {d.name: d for d in definitions}
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
    return verify_equal(
        lhs, rhs, definitions=definitions, settings=settings, assumptions=claim.assumptions,
    )


def describe(outcome: Outcome, kind: ClaimKind) -> str:
    """One human sentence about an outcome."""
    evidence = outcome.evidence
    if outcome.verdict is Verdict.PROVED:
        return f"proved ({evidence.method})"
    if outcome.verdict is Verdict.CHECKED:
        difference = evidence.max_difference or "0"
        return (
            f"checked numerically at {evidence.points} points, {evidence.digits} digits, "
            f"max difference {difference}"
        )
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
    return f"error: {evidence.detail}"


def _ambiguous(outcome: Outcome, claim: Claim) -> Outcome:
    """A refutation that rests on reading ``name(...)`` as a product is not safe."""
    if outcome.verdict is not Verdict.REFUTED or not claim.ambiguities:
        return outcome
    detail = (
        f"{claim.ambiguities[0]}; read as a product the two sides differ, so this is "
        "undecided (define the function to check it)"
    )
    return Outcome(Verdict.UNKNOWN, Evidence(method="ambiguous", detail=detail,
                                             counterexample=outcome.evidence.counterexample))


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


def check_claim(claim: Claim, settings: VerifySettings) -> Finding:
    try:
        outcome = verify_claim(claim, settings)
    except DefinitionError as error:
        outcome = Outcome(Verdict.ERROR, Evidence(method="definitions", detail=str(error)))
    return finding_for(claim, _ambiguous(outcome, claim))


def _finding(item: Item, settings: VerifySettings) -> Finding:
    return check_claim(item, settings) if isinstance(item, Claim) else item


def check_text(
    path: str,
    text: str,
    settings: VerifySettings = VerifySettings(),
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
    findings = [_finding(item, settings) for item in items]
    order = sorted(range(len(findings)), key=lambda i: (
        findings[i].location.line, findings[i].location.column, i,
    ))
    return FileReport(path=path, findings=tuple(findings[i] for i in order))


def crash_finding(path: str, error: BaseException) -> Finding:
    """A per-file crash, reported instead of aborting the whole run."""
    return Finding(
        location=Location(path, 1, 1), kind=None, verdict=Verdict.ERROR,
        message=f"internal error while checking this file: {type(error).__name__}: {error}",
        rule_id="DRV002", severity="error",
    )
