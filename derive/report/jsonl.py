"""JSON Lines: one self-contained JSON object per finding, every finding included.

Each line carries its path, so lines can be filtered, sorted or streamed
independently (``grep refuted``, ``jq -c``).  An unreadable file is one line
with verdict ``error`` and rule DRV007 and no line number.  Keys are sorted and
durations are left out, so the same input gives the same bytes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from derive.report import UNREADABLE_FILE_RULE, cell_fields, outcome_word, rule_id_of

if TYPE_CHECKING:
    from derive.model import CheckReport, Finding


def finding_record(finding: Finding) -> dict[str, Any]:
    evidence = finding.evidence.as_record() if finding.evidence is not None else None
    return {
        "path": finding.location.path,
        "line": finding.location.line,
        "column": finding.location.column,
        **cell_fields(finding.location),
        "kind": finding.kind.value if finding.kind is not None else None,
        "verdict": finding.verdict.value if finding.verdict is not None else None,
        "outcome": outcome_word(finding),
        "severity": finding.severity,
        "rule_id": rule_id_of(finding),
        "message": finding.message,
        "lhs": finding.lhs,
        "rhs": finding.rhs,
        "relation": finding.relation,
        "reason": finding.reason,
        "label": finding.label,
        "counterexample": evidence["counterexample"] if evidence else None,
        "evidence": evidence,
    }


def file_error_record(path: str, error: str) -> dict[str, Any]:
    return {
        "path": path, "line": None, "column": None, "kind": None, "verdict": "error",
        "outcome": "error", "severity": "error", "rule_id": UNREADABLE_FILE_RULE,
        "message": error, "lhs": "", "rhs": "", "relation": "", "reason": "", "label": "",
        "counterexample": None, "evidence": None,
    }


def format_jsonl(report: CheckReport) -> str:
    lines: list[str] = []
    for file_report in report.files:
        records = [file_error_record(file_report.path, file_report.error)] if file_report.error \
            else []
        records += [finding_record(finding) for finding in file_report.findings]
        lines += [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in records]
    return "".join(line + "\n" for line in lines)
