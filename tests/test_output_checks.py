"""Dogfooding: `derive check` verifies every document `derive build` writes to output/.

The generated Markdown and LaTeX state the same steps the generator proved; the checker
reading them back must agree: every claim proved or checked, nothing refuted, unknown,
unreadable or warned about.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.check.api import check_paths
from derive.model import ClaimKind, FileReport, Finding, Verdict, VerifySettings

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([*REPO.glob("output/*.md"), *REPO.glob("output/*.tex")])
SETTINGS = VerifySettings()


def check(path: Path) -> FileReport:
    (report,) = check_paths([str(path)], settings=SETTINGS).files
    return report


def describe(finding: Finding) -> str:
    where = f"{finding.location.line}:{finding.location.column}"
    return f"{where} {finding.verdict} {finding.message} [{finding.lhs} | {finding.rhs}]"


def test_output_holds_markdown_and_latex_documents() -> None:
    assert {p.suffix for p in DOCUMENTS} == {".md", ".tex"}
    assert REPO / "output" / "sigmoid.md" in DOCUMENTS


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_claim_of_a_built_document_is_proved_or_checked(path: Path) -> None:
    report = check(path)
    claims = [f for f in report.findings if f.kind is not ClaimKind.DEFINITION]
    counts = {verdict.value: 0 for verdict in Verdict} | {"warning": 0}
    for finding in claims:
        counts[finding.verdict.value if finding.verdict else "warning"] += 1
    print(f"\n[output] {path.name}: {len(claims)} claims: {counts}")
    assert report.error == ""
    bad = [describe(f) for f in claims if f.verdict not in (Verdict.PROVED, Verdict.CHECKED)]
    assert bad == []
    # at least every step, limit and value the build recorded is read back as a claim
    built = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    stated = sum(len(built[key]) for key in ("steps", "limits", "values"))
    assert counts["proved"] + counts["checked"] >= stated > 0


@pytest.mark.parametrize("name", ["sigmoid.md", "sigmoid.tex"])
def test_the_chain_rule_reason_defines_the_substitution(name: str) -> None:
    report = check(REPO / "output" / name)
    definitions = [f.message for f in report.findings if f.kind is ClaimKind.DEFINITION]
    # "chain rule, u = 1 + e^{- x}" and "substitute back, u = 1 + e^{- x}" in the reasons
    assert definitions.count("definition of u") >= 2
