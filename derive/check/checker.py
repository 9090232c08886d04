"""Claims -> findings: verify each claim and describe the outcome in one sentence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.check.claims import Claim, Item, build_claims
from derive.check.doubts import first_doubt
from derive.check.equations import settle_equation
from derive.definitions import DefinitionError
from derive.extract import extract_blocks, file_directives
from derive.model import (
    Caveat,
    ClaimKind,
    Definition,
    Evidence,
    FileReport,
    Finding,
    Location,
    Outcome,
    Stage,
    Verdict,
    VerifySettings,
)
from derive.parse.limits import MAX_CLAIMS_PER_FILE, MAX_MESSAGE_DIGITS, short_message
from derive.verify import verify_approx, verify_decimal, verify_equal, verify_limit
from derive.verify.worker import run_isolated

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
    return replace(outcome, evidence=replace(
        evidence, caveats=(*evidence.caveats, Caveat.UP_TO_A_CONSTANT)
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
_PROVED_BY: dict[str, str] = {
    Stage.CANCEL: "by cancel",
    Stage.EXPAND: "by expand",
    Stage.TOGETHER_EXPAND: "by together and expand",
    Stage.REWRITE_EXP: "by rewriting in terms of exp",
    Stage.SIMPLIFY: "by simplify",
}
_CAVEAT_WORDS = {
    Caveat.CANCELLED_FACTOR: (
        "equal as rational functions: a common factor was cancelled, "
        "so points where it vanishes are excluded"
    ),
}


def _proved(evidence: Evidence) -> str:
    """``proved by cancel``; the details (definitions substituted, values) when they matter."""
    how = _PROVED_BY.get(evidence.method)
    if evidence.method == Stage.STRUCTURAL:
        text = (f"proved: identical after {' and '.join(evidence.rewritten_by)}"
                if evidence.rewritten_by else "proved: both sides are identical")
    elif how is not None:
        text = f"proved {how}"
    else:  # evalf, limit: the detail says what was shown
        text = f"proved: {evidence.detail}"
    caveats = [_CAVEAT_WORDS[c] for c in evidence.caveats if c in _CAVEAT_WORDS]
    if caveats and evidence.method != Stage.STRUCTURAL and how is None:
        caveats = []  # the detail of evalf/limit proofs already says everything
    if caveats:
        text += f" ({'; '.join(caveats)})"
    if Caveat.UP_TO_A_CONSTANT in evidence.caveats:
        text = text.replace("proved", "proved up to a constant of integration", 1)
    return text


def _checked(evidence: Evidence) -> str:
    """``checked numerically at 32 points (30 digits), max difference 1e-31``."""
    constant = Caveat.UP_TO_A_CONSTANT in evidence.caveats
    if evidence.points is None or evidence.points <= 1:
        text = f"checked numerically: {evidence.detail}"
        return f"{text}, up to a constant of integration" if constant else text
    difference = evidence.max_difference or "0"
    text = (
        f"checked numerically at {evidence.points} points ({evidence.digits} digits), "
        f"max difference {difference}"
    )
    if constant:
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
            if Caveat.UP_TO_A_CONSTANT in evidence.caveats:
                text = f"{subject} does not hold: derivatives compared (indefinite integral): "\
                    f"{evidence.detail}"
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
        if Caveat.UP_TO_A_CONSTANT in evidence.caveats:
            return f"undecided: derivatives compared (indefinite integral): {evidence.detail}"
        return f"undecided: {evidence.detail}"
    return f"cannot verify: {evidence.detail}"


def _doubtful(outcome: Outcome, claim: Claim, settings: VerifySettings) -> Outcome:
    """Turn a refutation, or a proof, that rests on a doubtful reading into an honest
    'unknown' (for proofs only the rules about the reading itself apply)."""
    if outcome.verdict in (Verdict.PROVED, Verdict.CHECKED):
        doubt = first_doubt(claim, outcome, settings, proof=True)
        if doubt is None:
            return outcome
        rule, reason = doubt
        return Outcome(Verdict.UNKNOWN, Evidence(
            method=Stage.DOUBTFUL_READING,
            detail=f"{reason} (as read, it is {outcome.verdict.value})",
            doubt=rule.id,
        ))
    if outcome.verdict is not Verdict.REFUTED:
        return outcome
    doubt = first_doubt(claim, outcome, settings)
    if doubt is None:
        return outcome
    rule, reason = doubt
    evidence = outcome.evidence
    example = evidence.counterexample
    differs = ""
    if example is not None:
        point = ", ".join(f"{k} = {v}" for k, v in example.point.items())
        at = f"at {point}: " if point else ""
        differs = f" (as read, {at}lhs = {example.lhs_value}, rhs = {example.rhs_value})"
    return Outcome(Verdict.UNKNOWN, Evidence(
        method=Stage.DOUBTFUL_READING, detail=f"{reason}{differs}", counterexample=example,
        hint=evidence.hint, doubt=rule.id, holds_where=evidence.holds_where,
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
    # roles (equations.py): a row of a chain of equations is judged by what it follows from
    outcome = settle_equation(claim, outcome, settings, verify_claim)
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
    """Verify one claim in its own worker, under one deadline for everything it does:
    the verification, the doubt rules, and the note on a step that undoes an error."""
    return run_isolated(
        _check_claim, claim, settings, previous, settings=settings,
        on_failure=lambda outcome: finding_for(claim, outcome),
        small=(claim.lhs, claim.rhs, *(d.body for d in claim.definitions)),
    )


def _check_claim(claim: Claim, settings: VerifySettings,
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
    """Every item's finding, in order; a step's predecessor is verified before it.
    Claims beyond ``MAX_CLAIMS_PER_FILE`` are not verified: one finding says how many."""
    by_claim: dict[int, Finding] = {}
    findings: list[Finding] = []
    claims = [item for item in items if isinstance(item, Claim)]
    unchecked = {id(claim) for claim in claims[MAX_CLAIMS_PER_FILE:]}
    if unchecked:
        findings.append(_not_checked(claims[MAX_CLAIMS_PER_FILE], len(unchecked)))
    for item in items:
        if id(item) in unchecked:
            continue
        if isinstance(item, Claim):
            before = by_claim.get(id(item.previous)) if item.previous is not None else None
            finding = check_claim(item, settings, before)
            by_claim[id(item)] = finding
        else:
            finding = item
        findings.append(finding)
    return findings


def _not_checked(first: Claim, count: int) -> Finding:
    """The one finding for the claims of a file beyond the per-file limit, at the first."""
    return Finding(
        location=first.location, kind=first.kind, verdict=Verdict.UNKNOWN,
        message=(f"not checked: this claim and the {count - 1:,} after it are beyond the "
                 f"limit of {MAX_CLAIMS_PER_FILE:,} claims per file (split the document)"),
        lhs=first.lhs_latex, rhs=first.rhs_latex, relation=first.relation,
        rule_id=RULE_FOR_VERDICT[Verdict.UNKNOWN], severity=SEVERITY_FOR_VERDICT[Verdict.UNKNOWN],
    )


def document_items(
    path: str, text: str, definitions_latex: Sequence[str] = (), imaginary_unit: str = "i",
) -> list[Item]:
    """Claims and recorded findings of one document, in document order (none when a
    ``derive: skip-file`` directive says so).  The CLI and the pytest plugin share it."""
    directives = file_directives(path, text)
    if any(d.command == "skip-file" for d in directives):
        return []
    blocks = extract_blocks(path, text)
    scoped = [
        (d.location, d.command, d.argument) for d in directives
        if d.command in ("define", "assume")
    ]
    return build_claims(
        path, blocks, scoped, definitions_latex, source=text,
        imaginary_unit=imaginary_unit,
    )


def check_text(
    path: str,
    text: str,
    settings: VerifySettings = DEFAULT_SETTINGS,
    *,
    definitions_latex: Sequence[str] = (),
    imaginary_unit: str = "i",
) -> FileReport:
    """Check the math of one document given as text; ``path`` chooses the syntax.
    ``imaginary_unit`` is the letter read as sqrt(-1) where the document uses complex
    numbers (``i``, or ``j`` as engineers write it)."""
    items = document_items(path, text, definitions_latex, imaginary_unit)
    findings = [
        f if len(f.message) <= MAX_MESSAGE_DIGITS else
        replace(f, message=short_message(f.message))
        for f in _findings(items, settings)
    ]
    order = sorted(range(len(findings)), key=lambda i: (findings[i].location.sort_key, i))
    return FileReport(path=path, findings=tuple(findings[i] for i in order))


def crash_finding(path: str, error: BaseException) -> Finding:
    """A per-file crash, reported instead of aborting the whole run."""
    return Finding(
        location=Location(path, 1, 1), kind=None, verdict=Verdict.ERROR,
        message=f"internal error while checking this file: {type(error).__name__}: {error}",
        rule_id="DRV002", severity="error",
    )
