"""JSON report (schema 1), documented in docs/check-json-schema.md.

Deterministic: keys sorted, findings in the checker's order, no timings.
"""

from __future__ import annotations

import json
from typing import Any

from derive.model import CheckReport, Evidence, FileReport, Finding
from derive.report.text import is_definition, tally

SCHEMA_VERSION = 1


def _evidence(evidence: Evidence | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    # Evidence.seconds is left out on purpose: output must be byte-identical across runs.
    return {
        "method": evidence.method,
        "detail": evidence.detail,
        "points": evidence.points,
        "digits": evidence.digits,
        "max_difference": evidence.max_difference,
        "hint": evidence.hint,
    }


def _counterexample(evidence: Evidence | None) -> dict[str, Any] | None:
    if evidence is None or evidence.counterexample is None:
        return None
    example = evidence.counterexample
    return {
        "point": dict(example.point),
        "lhs_value": example.lhs_value,
        "rhs_value": example.rhs_value,
    }


def _claim(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind.value if finding.kind is not None else None,
        "line": finding.location.line,
        "column": finding.location.column,
        "lhs": finding.lhs,
        "rhs": finding.rhs,
        "relation": finding.relation,
        "verdict": finding.verdict.value if finding.verdict is not None else None,
        "message": finding.message,
        "reason": finding.reason,
        "label": finding.label,
        "rule_id": finding.rule_id,
        "severity": finding.severity,
        "counterexample": _counterexample(finding.evidence),
        "evidence": _evidence(finding.evidence),
    }


def _warning(finding: Finding) -> dict[str, Any]:
    return {
        "line": finding.location.line,
        "column": finding.location.column,
        "rule_id": finding.rule_id,
        "message": finding.message,
    }


def _definition(finding: Finding) -> dict[str, Any]:
    return {
        "line": finding.location.line,
        "column": finding.location.column,
        "lhs": finding.lhs,
        "rhs": finding.rhs,
        "message": finding.message,
    }


def _file(file_report: FileReport) -> dict[str, Any]:
    claims = [f for f in file_report.findings if f.verdict is not None]
    definitions = [f for f in file_report.findings if is_definition(f)]
    warnings = [
        f for f in file_report.findings if f.verdict is None and not is_definition(f)
    ]
    return {
        "path": file_report.path,
        "error": file_report.error or None,
        "claims": [_claim(f) for f in claims],
        "definitions": [_definition(f) for f in definitions],
        "warnings": [_warning(f) for f in warnings],
    }


def report_record(report: CheckReport) -> dict[str, Any]:
    """The JSON document as plain Python data (for other reporters and tests)."""
    return {
        "schema": SCHEMA_VERSION,
        "files": [_file(f) for f in report.files],
        "summary": tally(report),
    }


def format_json(report: CheckReport) -> str:
    return json.dumps(report_record(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
