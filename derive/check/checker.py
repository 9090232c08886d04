"""Claims -> findings: verify each claim and describe the outcome in one sentence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.check.cache import (
    PLACE_FIELDS,
    SCHEMA,
    Uncacheable,
    VerdictCache,
    canonical,
    digest,
    outcome_from_record,
    outcome_record,
    source_fingerprint,
    storable,
)
from derive.check.claims import Claim, Item, build_claims
from derive.check.doubts import first_doubt
from derive.check.equations import settle_equation
from derive.check.parallel import JobRunner
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
from derive.verify.budget import deadline_hit, reset_deadline_hit
from derive.verify.worker import run_isolated

T = TypeVar("T")

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


def _undo_holds(claim: Claim, settings: VerifySettings) -> bool:
    """Whether the chain holds across this refuted step and the refuted one before it: the
    first left side equals this right side (the same verifier decides)."""
    previous = claim.previous
    if previous is None or previous.lhs is None:
        return False
    across = replace(claim, lhs=previous.lhs, lhs_latex=previous.lhs_latex, previous=None,
                     ambiguities=previous.ambiguities + claim.ambiguities)
    try:
        outcome = verify_claim(across, settings)
    except DefinitionError:
        return False
    return outcome.verdict in (Verdict.PROVED, Verdict.CHECKED)


def _undo_note(claim: Claim) -> str:
    """``this step undoes the error of line 12: ...`` (from where the claims stand now)."""
    previous = claim.previous
    assert previous is not None
    start = previous.lhs_location or previous.location
    return (f"this step undoes the error of line {previous.location.line}: "
            f"the chain from line {start.line} to here holds")


# ---------------------------------------------------------------------------
# Jobs: what one claim costs, run here or in a forked child (parallel.py), with
# JSON-able results so that the verdict cache can store them as they are.
# ---------------------------------------------------------------------------


def _small(claim: Claim) -> tuple[object, ...]:
    return (claim.lhs, claim.rhs, *(d.body for d in claim.definitions))


def _marked(fn: Callable[..., T], *args: Any) -> tuple[T, bool]:
    """``fn(*args)`` and whether any budget of the claim ran out on the way."""
    reset_deadline_hit()
    result = fn(*args)
    return result, deadline_hit()


def settle_job(claim: Claim, settings: VerifySettings) -> dict[str, Any]:
    """The claim's outcome as reported (verified, roles and doubts applied), in its own
    worker under one deadline: ``{"outcome": record, "hit": deadline ran out}``."""
    outcome, hit = run_isolated(
        _marked, _settled, claim, settings, settings=settings,
        on_failure=lambda failed: (failed, True), small=_small(claim),
    )
    return {"outcome": outcome_record(outcome), "hit": hit}


def undo_job(claim: Claim, settings: VerifySettings) -> dict[str, Any]:
    """Whether this refuted step undoes the refuted step before it, in its own worker."""
    holds, hit = run_isolated(
        _marked, _undo_holds, claim, settings, settings=settings,
        on_failure=lambda failed: (False, True), small=_small(claim),
    )
    return {"undo": holds, "hit": hit}


def _stopped_result() -> dict[str, Any]:
    """What a job's child that died or was stopped by the parent counts as."""
    outcome = Outcome(Verdict.UNKNOWN, Evidence(
        method=Stage.STOPPED, detail="the claim's worker ended without a result",
    ))
    return {"outcome": outcome_record(outcome), "undo": False, "hit": True}


class ClaimKeys:
    """Cache keys of claims: the claim as read (never where it stands) and the settings."""

    def __init__(self, settings: VerifySettings) -> None:
        self.base = [SCHEMA, source_fingerprint(), canonical(settings)]

    def settle(self, claim: Claim) -> str | None:
        try:
            described = canonical(claim, skip=_SETTLE_SKIP)
        except Uncacheable:
            return None
        return digest("settle", self.base, described)

    def undo(self, claim: Claim) -> str | None:
        if claim.previous is None:
            return None
        try:
            described = canonical(claim, skip=_SETTLE_SKIP)
            previous = canonical(claim.previous, skip=_SETTLE_SKIP)
        except Uncacheable:
            return None
        return digest("undo", self.base, described, previous)


#: The outcome of a claim does not depend on where it stands, nor on the step before it
#: (only the note on a step that undoes an error does: its own job and key).
_SETTLE_SKIP = PLACE_FIELDS | {"previous"}


class ClaimChecker:
    """Settles claims through a JobRunner and a verdict cache (either may be trivial):
    ``outcome``/``undo`` call back when the answer is known, at once or later."""

    def __init__(self, settings: VerifySettings, runner: JobRunner | None = None,
                 cache: VerdictCache | None = None) -> None:
        self.settings = settings
        self.runner = runner or JobRunner(1)
        self.runner.register(self._settle)
        self.runner.register(self._undo)
        self.cache = cache
        self.keys = ClaimKeys(settings) if cache is not None else None
        #: claims (by id) whose outcome or note came from a run that hit a deadline
        self.unstorable: set[int] = set()

    def _settle(self, claim: Claim) -> dict[str, Any]:
        return settle_job(claim, self.settings)

    def _undo(self, claim: Claim) -> dict[str, Any]:
        return undo_job(claim, self.settings)

    def _lookup(self, key: str | None) -> dict[str, Any] | None:
        if key is None or self.cache is None:
            return None
        try:
            return self.cache.get(key)
        except Exception:  # noqa: BLE001 - the cache never stops a run
            return None

    def _store(self, key: str | None, value: dict[str, Any]) -> None:
        if key is None or self.cache is None:
            return
        try:
            self.cache.put(key, value)
        except Exception:  # noqa: BLE001 - the cache never stops a run
            return

    def outcome(self, claim: Claim, on_done: Callable[[Outcome], None]) -> None:
        key = self.keys.settle(claim) if self.keys is not None else None
        cached = self._lookup(key)
        if cached is not None:
            try:
                on_done(outcome_from_record(cached))
                return
            except (ValueError, TypeError, KeyError):
                pass  # an entry of another shape: recomputed and overwritten

        def done(result: dict[str, Any] | None) -> None:
            result = result if isinstance(result, dict) else _stopped_result()
            outcome = outcome_from_record(result["outcome"])
            if storable(outcome, bool(result.get("hit", True))):
                self._store(key, result["outcome"])
            else:
                self.unstorable.add(id(claim))
            on_done(outcome)

        self.runner.submit(self._settle, claim, done)

    def undo(self, claim: Claim, on_done: Callable[[bool], None]) -> None:
        key = self.keys.undo(claim) if self.keys is not None else None
        cached = self._lookup(key)
        if cached is not None and isinstance(cached.get("undo"), bool):
            on_done(cached["undo"])
            return

        def done(result: dict[str, Any] | None) -> None:
            result = result if isinstance(result, dict) else _stopped_result()
            holds = result.get("undo") is True
            if not result.get("hit", True):
                self._store(key, {"undo": holds})
            else:
                self.unstorable.add(id(claim))
            on_done(holds)

        self.runner.submit(self._undo, claim, done)

    def wait(self) -> None:
        self.runner.wait()


def _value(box: list[T]) -> Callable[[T], None]:
    return box.append


def check_claim(claim: Claim, settings: VerifySettings,
                previous: Finding | None = None, *, cache: VerdictCache | None = None
                ) -> Finding:
    """Verify one claim in its own worker, under one deadline for everything it does
    (the verification, roles and doubt rules).  When it is refuted and follows a refuted
    step, a second job decides whether it undoes that error.  ``previous`` is the
    finding of ``claim.previous`` when the caller has it; verified alone (a pytest item),
    that step is settled here, so the note is the same either way."""
    checker = ClaimChecker(settings, cache=cache)
    outcomes: list[Outcome] = []
    checker.outcome(claim, _value(outcomes))
    finding = finding_for(claim, outcomes[0])
    if finding.verdict is not Verdict.REFUTED or claim.previous is None:
        return finding
    previous_verdict: Verdict | None
    if previous is None:
        checker.outcome(claim.previous, _value(outcomes))
        previous_verdict = outcomes[-1].verdict
    else:
        previous_verdict = previous.verdict
    if previous_verdict is not Verdict.REFUTED:
        return finding
    undone: list[bool] = []
    checker.undo(claim, _value(undone))
    return _with_note(finding, claim) if undone[0] else finding


def _with_note(finding: Finding, claim: Claim) -> Finding:
    return replace(finding, message=f"{finding.message} ({_undo_note(claim)})")


class FileCheck:
    """The findings of one document's items, filled in as the claims' jobs end: every
    claim is settled (in parallel when the runner has slots); a refuted step after a
    refuted step then asks whether it undoes the error."""

    def __init__(self, path: str, items: Sequence[Item], checker: ClaimChecker,
                 on_settled: Callable[[FileCheck], None] | None = None) -> None:
        self.path = path
        self.items = _capped(items)
        self.checker = checker
        self.on_settled = on_settled
        self.outcomes: dict[int, Outcome] = {}  # by the claim's index in ``items``
        self.notes: set[int] = set()
        self._index = {id(item): i for i, item in enumerate(self.items)}
        self._waiting = sum(isinstance(item, Claim) for item in self.items)

    def start(self) -> None:
        if self._waiting == 0:
            self._settled_all()
            return
        for index, item in enumerate(self.items):
            if isinstance(item, Claim):
                self.checker.outcome(item, self._outcome_of(index))

    def _outcome_of(self, index: int) -> Callable[[Outcome], None]:
        def done(outcome: Outcome) -> None:
            self.outcomes[index] = outcome
            self._waiting -= 1
            if self._waiting == 0:
                self._settled_all()
        return done

    def _settled_all(self) -> None:
        if self.on_settled is not None:
            self.on_settled(self)
        for index, item in enumerate(self.items):
            if not isinstance(item, Claim) or item.previous is None:
                continue
            before = self._index.get(id(item.previous))
            if before is None or self.outcomes[index].verdict is not Verdict.REFUTED:
                continue
            if self.outcomes[before].verdict is Verdict.REFUTED:
                self.checker.undo(item, self._note_for(index))

    def _note_for(self, index: int) -> Callable[[bool], None]:
        def done(holds: bool) -> None:
            if holds:
                self.notes.add(index)
        return done

    @property
    def storable(self) -> bool:
        """Whether the report may be cached whole: no claim of it ran out of time."""
        return not any(id(item) in self.checker.unstorable for item in self.items)

    def report(self) -> FileReport:
        """The file's report, once the checker has run every job."""
        findings: list[Finding] = []
        for index, item in enumerate(self.items):
            if isinstance(item, Claim):
                finding = finding_for(item, self.outcomes[index])
                if index in self.notes:
                    finding = _with_note(finding, item)
            else:
                finding = item
            if len(finding.message) > MAX_MESSAGE_DIGITS:  # a 4,000-digit number: elided
                finding = replace(finding, message=short_message(finding.message))
            findings.append(finding)
        order = sorted(range(len(findings)), key=lambda i: (findings[i].location.sort_key, i))
        return FileReport(path=self.path, findings=tuple(findings[i] for i in order))


def _capped(items: Sequence[Item]) -> list[Item]:
    """``items`` with claims beyond ``MAX_CLAIMS_PER_FILE`` left out: one finding, at the
    first of them, says how many were not checked."""
    claims = [item for item in items if isinstance(item, Claim)]
    if len(claims) <= MAX_CLAIMS_PER_FILE:
        return list(items)
    unchecked = {id(claim) for claim in claims[MAX_CLAIMS_PER_FILE:]}
    capped: list[Item] = [_not_checked(claims[MAX_CLAIMS_PER_FILE], len(unchecked))]
    capped += [item for item in items if id(item) not in unchecked]
    return capped


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
    cache: VerdictCache | None = None,
) -> FileReport:
    """Check the math of one document given as text; ``path`` chooses the syntax.
    ``imaginary_unit`` is the letter read as sqrt(-1) where the document uses complex
    numbers (``i``, or ``j`` as engineers write it)."""
    items = document_items(path, text, definitions_latex, imaginary_unit)
    checker = ClaimChecker(settings, cache=cache)
    check = FileCheck(path, items, checker)
    check.start()
    checker.wait()
    return check.report()


def crash_finding(path: str, error: BaseException) -> Finding:
    """A per-file crash, reported instead of aborting the whole run."""
    return Finding(
        location=Location(path, 1, 1), kind=None, verdict=Verdict.ERROR,
        message=f"internal error while checking this file: {type(error).__name__}: {error}",
        rule_id="DRV002", severity="error",
    )
