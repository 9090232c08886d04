"""The test documents under tests/docs: known mistakes are refuted where they are, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check.api import check_paths
from derive.model import CheckReport, ClaimKind, FileReport, Verdict, VerifySettings

DOCS = Path(__file__).parent / "docs"
SETTINGS = VerifySettings(time_limit=10.0)

# (line, column, kind) of every mistake; columns point at the first character of the
# right side of the wrong step (or of the wrong number).
REFUTED = {
    "bad/mistakes.md": [
        (12, 4, ClaimKind.STEP),  # sign error in the middle of the chain
        (20, 77, ClaimKind.STEP),  # dropped factor of 2
        (26, 33, ClaimKind.LIMIT),
        (29, 24, ClaimKind.CONSTANT),  # e = 2.781...
        (32, 20, ClaimKind.VALUE),  # sigma(-4) ~ 0.0181
    ],
    "bad/mistakes.tex": [
        (10, 6, ClaimKind.STEP),
        (15, 25, ClaimKind.IDENTITY),
        (19, 36, ClaimKind.LIMIT),
        (23, 7, ClaimKind.CONSTANT),
        (27, 22, ClaimKind.VALUE),
    ],
    "bad/mistakes.rst": [
        (13, 7, ClaimKind.STEP),
        (20, 28, ClaimKind.IDENTITY),
        (26, 36, ClaimKind.LIMIT),
        (32, 8, ClaimKind.CONSTANT),
        (38, 23, ClaimKind.VALUE),
    ],
    "bad/ml_typos.md": [
        (7, 59, ClaimKind.IDENTITY),  # 1/1+e^{-x} is 1 + e^{-x}, not the sigmoid
        (12, 6, ClaimKind.STEP),  # sign error ...
        (13, 6, ClaimKind.STEP),  # ... and the step back to the right expression
        (14, 6, ClaimKind.STEP),  # dropped square
        (20, 14, ClaimKind.CONSTANT),  # e = 2.781828
        (20, 44, ClaimKind.VALUE),  # sigma(4) ~ 0.9821 (it is 0.98201...)
        (23, 24, ClaimKind.IDENTITY),  # sign error in tanh'
    ],
    "bad/paper_typos.tex": [
        (12, 6, ClaimKind.STEP),  # 1+sigma for 1-sigma, with \newcommand macros
        (14, 24, ClaimKind.IDENTITY),  # after \intertext
        (20, 6, ClaimKind.STEP),  # dropped inner factor 2 in a split
    ],
    "bad/activations_typos.rst": [
        (11, 28, ClaimKind.IDENTITY),  # dropped square
        (15, 34, ClaimKind.VALUE),  # :math: role, wrongly rounded
        (22, 33, ClaimKind.STEP),  # :nowrap: align*
        (27, 44, ClaimKind.LIMIT),
    ],
    "bad/mixed.md": [
        (12, 13, ClaimKind.VALUE),  # \[ \]
        (19, 4, ClaimKind.STEP),  # bare align environment
        (25, 36, ClaimKind.LIMIT),  # ```math fence
        (28, 36, ClaimKind.VALUE),  # inline $...$
    ],
}
# (line, first column, last column) of the `^-x` of each unbraced superscript
UNBRACED = {
    "bad/mistakes.md": (38, 13, 15),
    "bad/mistakes.tex": (31, 15, 17),
    "bad/mistakes.rst": (44, 16, 18),
    "bad/ml_typos.md": (18, 44, 46),
}


@pytest.fixture(scope="module")
def report() -> CheckReport:
    return check_paths([str(DOCS)], settings=SETTINGS)


def _file(report: CheckReport, name: str) -> FileReport:
    wanted = str(DOCS / name)
    matches = [f for f in report.files if f.path == wanted]
    assert matches, f"{name} was not checked"
    return matches[0]


def test_every_document_is_checked_in_sorted_order(report: CheckReport) -> None:
    paths = [Path(f.path).relative_to(DOCS).as_posix() for f in report.files]
    expected = sorted(
        p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*")
        if p.suffix in {".md", ".tex", ".rst"}
    )
    assert paths == expected
    assert all(not f.error for f in report.files)


@pytest.mark.parametrize("name", sorted(REFUTED))
def test_mistakes_are_refuted_at_their_location(report: CheckReport, name: str) -> None:
    file_report = _file(report, name)
    refuted = [
        (f.location.line, f.location.column, f.kind)
        for f in file_report.findings if f.verdict is Verdict.REFUTED
    ]
    assert refuted == REFUTED[name]
    for finding in file_report.findings:
        if finding.verdict is Verdict.REFUTED:
            assert finding.rule_id == "DRV001"
            assert finding.evidence is not None
            assert finding.message and "\n" not in finding.message


@pytest.mark.parametrize("name", sorted(REFUTED))
def test_mistake_documents_have_no_errors(report: CheckReport, name: str) -> None:
    errors = [f for f in _file(report, name).findings if f.verdict is Verdict.ERROR]
    assert errors == []


def test_sign_error_has_counterexample_and_hint(report: CheckReport) -> None:
    finding = next(
        f for f in _file(report, "bad/mistakes.md").findings
        if f.verdict is Verdict.REFUTED and f.location.line == 12
    )
    assert finding.evidence is not None and finding.evidence.counterexample is not None
    assert finding.evidence.counterexample.point.keys() == {"x"}
    assert finding.message.startswith("step does not hold: at x = ")
    assert finding.lhs.startswith(r"\frac{d}{dx}\left(1+e^{-x}")
    assert finding.rhs.startswith(r"-\left(1+e^{-x}\right)^{-2}")


def test_dropped_factor_hint(report: CheckReport) -> None:
    finding = next(
        f for f in _file(report, "bad/mistakes.md").findings
        if f.verdict is Verdict.REFUTED and f.location.line == 20
    )
    assert finding.evidence is not None and finding.evidence.hint
    assert "2" in finding.evidence.hint


def test_steps_around_the_mistake_still_hold(report: CheckReport) -> None:
    steps = {
        f.location.line: f.verdict for f in _file(report, "bad/mistakes.md").findings
        if f.kind is ClaimKind.STEP
    }
    assert steps[11] in (Verdict.PROVED, Verdict.CHECKED)
    assert steps[13] in (Verdict.PROVED, Verdict.CHECKED)  # consistent with the wrong line


@pytest.mark.parametrize("name", sorted(UNBRACED))
def test_unbraced_superscript_lint(report: CheckReport, name: str) -> None:
    line, first, last = UNBRACED[name]
    lints = [f for f in _file(report, name).findings if f.rule_id == "DRV003"]
    assert len(lints) == 1
    lint = lints[0]
    assert lint.verdict is None and lint.severity == "warning"
    assert lint.location.line == line and first <= lint.location.column <= last
    # read as e^{-x}, the identity itself holds
    same_line = [
        f for f in _file(report, name).findings
        if f.location.line == line and f.verdict is not None
    ]
    assert [f.verdict for f in same_line] in ([Verdict.PROVED], [Verdict.CHECKED])


GOOD = sorted(p.relative_to(DOCS).as_posix() for p in (DOCS / "good").iterdir())


@pytest.mark.parametrize("name", GOOD)
def test_good_documents_are_not_refuted(report: CheckReport, name: str) -> None:
    findings = _file(report, name).findings
    bad = [f for f in findings if f.verdict in (Verdict.REFUTED, Verdict.ERROR)]
    assert bad == []
    assert any(f.verdict in (Verdict.PROVED, Verdict.CHECKED) for f in findings)


@pytest.mark.parametrize("name", GOOD)
def test_good_documents_are_decided(report: CheckReport, name: str) -> None:
    undecided = [
        (f.location.line, f.message) for f in _file(report, name).findings
        if f.verdict is Verdict.UNKNOWN
    ]
    assert undecided == []


def test_sigmoid_derivation_kinds(report: CheckReport) -> None:
    findings = _file(report, "good/sigmoid.md").findings
    kinds = [(f.location.line, f.kind) for f in findings if f.verdict is not None]
    steps = [line for line, kind in kinds if kind is ClaimKind.STEP]
    assert steps == [13, 14, 15, 16, 17, 18, 19]
    assert [line for line, kind in kinds if kind is ClaimKind.LIMIT] == [26, 30]
    assert [line for line, kind in kinds if kind is ClaimKind.VALUE] == [33, 36, 40]
    assert [line for line, kind in kinds if kind is ClaimKind.CONSTANT] == [43]
    definitions = [
        (f.location.line, f.lhs) for f in findings if f.kind is ClaimKind.DEFINITION
    ]
    assert definitions == [(6, r"\sigma(x)"), (13, "u")]


def test_directive_definition_and_fresh_symbol(report: CheckReport) -> None:
    findings = _file(report, "good/constants.md").findings
    definitions = [(f.location.line, f.lhs) for f in findings if f.kind is ClaimKind.DEFINITION]
    assert definitions == [(3, "f(x)"), (24, "y")]
    lines = {f.location.line for f in findings if f.verdict is not None}
    assert {8, 12, 15, 18, 24, 28} <= lines
    assert not any(f.location.line > 30 for f in findings)  # the code fence is skipped
