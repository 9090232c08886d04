"""JUnit XML: a ``testsuite`` per document, a ``testcase`` per claim.

A claim whose verdict is in ``fail_on`` fails: ``error`` verdicts (input that
could not be read) become ``<error>``, others ``<failure>``.  An unknown claim
that does not fail the run is ``<skipped>``; proved and checked claims pass
(their evidence goes to ``system-out``).  Definitions are not test cases; lints
are test cases only when ``warning`` is in ``fail_on``.  No timestamps or
durations, so the same input gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Collection
from typing import TYPE_CHECKING

from derive.report import (
    DEFAULT_FAIL_ON,
    UNREADABLE_FILE_RULE,
    claim_base_name,
    claim_text,
    file_position,
    is_definition,
    outcome_word,
    rule_id_of,
    unique_names,
)

if TYPE_CHECKING:
    from derive.model import CheckReport, Finding

# characters XML 1.0 cannot carry at all, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _details(finding: Finding) -> str:
    lines = [f"{finding.location}: {outcome_word(finding)} {finding.message}"]
    claim = claim_text(finding)
    if claim:
        lines.append(f"claim: {claim}")
    if finding.reason:
        lines.append(f"reason: {finding.reason}")
    evidence = finding.evidence
    if evidence is not None:
        lines.append(f"evidence: {evidence.method}: {evidence.detail}")
        example = evidence.counterexample
        if example is not None:
            point = ", ".join(f"{name} = {value}" for name, value in sorted(example.point.items()))
            lines.append(f"counterexample: at {point}: lhs = {example.lhs_value}, "
                         f"rhs = {example.rhs_value}")
        if evidence.hint:
            lines.append(f"hint: {evidence.hint}")
    return "\n".join(lines)


def _is_case(finding: Finding, fail_on: Collection[str]) -> bool:
    if is_definition(finding):
        return False
    return finding.verdict is not None or "warning" in fail_on


def _testcase(suite: ET.Element, name: str, finding: Finding, fail_on: Collection[str]) -> str:
    """Add one testcase; return what it counts as: pass, failure, error or skipped."""
    case_attributes = {
        "classname": _xml_text(finding.location.path),
        "name": _xml_text(name),
        "file": _xml_text(finding.location.path),
    }
    position = file_position(finding.location)  # a notebook: the line in its JSON text
    if position is not None:
        case_attributes["line"] = str(position[0])
    case = ET.SubElement(suite, "testcase", case_attributes)
    outcome = outcome_word(finding)
    details = _xml_text(_details(finding))
    attributes = {"message": _xml_text(finding.message), "type": rule_id_of(finding) or outcome}
    if outcome in fail_on:
        tag = "error" if outcome == "error" else "failure"
        ET.SubElement(case, tag, attributes).text = details
        return tag
    if outcome == "unknown":
        ET.SubElement(case, "skipped", {"message": _xml_text(finding.message)}).text = details
        return "skipped"
    ET.SubElement(case, "system-out").text = details
    return "pass"


def format_junit(report: CheckReport, *, fail_on: Collection[str] = DEFAULT_FAIL_ON) -> str:
    root = ET.Element("testsuites", {"name": "derive check"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for file_report in report.files:
        suite = ET.SubElement(root, "testsuite", {"name": _xml_text(file_report.path)})
        counts = {"tests": 0, "failure": 0, "error": 0, "skipped": 0, "pass": 0}
        if file_report.error:
            case = ET.SubElement(suite, "testcase", {
                "classname": _xml_text(file_report.path), "name": "read",
                "file": _xml_text(file_report.path)})
            tag = "error" if "error" in fail_on else "skipped"
            ET.SubElement(case, tag, {"message": _xml_text(file_report.error),
                                      "type": UNREADABLE_FILE_RULE})
            counts["tests"] += 1
            counts[tag] += 1
        cases = [f for f in file_report.findings if _is_case(f, fail_on)]
        names = unique_names(claim_base_name(f.label, f.location.line, f.location.cell)
                             for f in cases)
        for name, finding in zip(names, cases, strict=True):
            counts[_testcase(suite, name, finding, fail_on)] += 1
            counts["tests"] += 1
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failure"]))
        suite.set("errors", str(counts["error"]))
        suite.set("skipped", str(counts["skipped"]))
        totals["tests"] += counts["tests"]
        totals["failures"] += counts["failure"]
        totals["errors"] += counts["error"]
        totals["skipped"] += counts["skipped"]
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
