"""JSON report (schema 1), documented in docs/check-json-schema.md.

Deterministic: keys sorted, findings in the checker's order, no timings.
"""

from __future__ import annotations

import json
from typing import Any

from derive.model import CheckReport, FileReport, Finding
from derive.report import cell_fields, is_definition

SCHEMA_VERSION = 1


def _claim(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind.value if finding.kind is not None else None,
        "line": finding.location.line,
        "column": finding.location.column,
        **cell_fields(finding.location),
        "lhs": finding.lhs,
        "rhs": finding.rhs,
        "relation": finding.relation,
        "verdict": finding.verdict.value if finding.verdict is not None else None,
        "message": finding.message,
        "reason": finding.reason,
        "label": finding.label,
        "rule_id": finding.rule_id,
        "severity": finding.severity,
        "counterexample": (
            finding.evidence.counterexample.as_record()
            if finding.evidence is not None and finding.evidence.counterexample is not None
            else None
        ),
        "evidence": (
            finding.evidence.as_record(with_counterexample=False)
            if finding.evidence is not None
            else None
        ),
    }


def _warning(finding: Finding) -> dict[str, Any]:
    return {
        "line": finding.location.line,
        "column": finding.location.column,
        **cell_fields(finding.location),
        "rule_id": finding.rule_id,
        "message": finding.message,
    }


def _definition(finding: Finding) -> dict[str, Any]:
    return {
        "line": finding.location.line,
        "column": finding.location.column,
        **cell_fields(finding.location),
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
        "summary": report.counts(),
    }


def format_json(report: CheckReport) -> str:
    return json.dumps(report_record(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
