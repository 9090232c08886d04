"""SARIF 2.1.0 for code-scanning services (GitHub code scanning and others).

One run, tool ``derive`` with one rule per entry of ``RULE_IDS``.  Results:
refuted and error -> level ``error``; unknown and lints -> ``warning``; checked
(numeric evidence only) -> ``note``; proved claims and definitions are not
results.  Paths are relative to ``root`` under the uriBaseId ``%SRCROOT%``;
``partialFingerprints`` hash the path, the rule and the claim's text (never
its line), so an alert follows a claim when lines above it move.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from derive import __version__
from derive.report import (
    UNREADABLE_FILE_RULE,
    claim_text,
    file_position,
    is_definition,
    outcome_word,
    rule_id_of,
)

if TYPE_CHECKING:
    from derive.model import CheckReport, Finding

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "deriveClaimHash/v1"
FALLBACK_INFORMATION_URI = "https://pypi.org/project/derive/"

LEVEL_BY_OUTCOME: dict[str, str] = {
    "refuted": "error",
    "error": "error",
    "unknown": "warning",
    "warning": "warning",
    "checked": "note",
}

#: PascalCase names for the rules (SARIF reportingDescriptor.name).
RULE_NAMES: dict[str, str] = {
    "DRV001": "RefutedClaim",
    "DRV002": "UnparsableMath",
    "DRV003": "UnbracedSuperscript",
    "DRV004": "UnknownMacro",
    "DRV005": "AmbiguousImplicitProduct",
    "DRV006": "UndecidedClaim",
    "DRV007": "UnreadableFile",
    "DRV008": "NumericEvidenceOnly",
}

DEFAULT_LEVEL: dict[str, str] = {
    "DRV001": "error",
    "DRV002": "error",
    "DRV006": "warning",
    "DRV007": "error",
    "DRV008": "note",
}


def information_uri() -> str:
    """The project's home page from the installed metadata, else its registry page."""
    try:
        urls = metadata.metadata("derive").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        _, _, url = entry.partition(",")
        if url.strip().startswith(("https://", "http://")):
            return url.strip()
    return FALLBACK_INFORMATION_URI


def relative_uri(path: str, root: str) -> str:
    """``/repo/docs/a b.md`` with root ``/repo`` -> ``docs/a%20b.md``."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, os.path.abspath(root))
    return quote(Path(relative).as_posix(), safe="/")


_SPACE = re.compile(r"\s+")


def normalized_latex(text: str) -> str:
    """Whitespace is insignificant in TeX math, so it is not part of a claim's identity."""
    return _SPACE.sub("", text)


def claim_hash(uri: str, rule: str, finding: Finding) -> str:
    parts = [uri, rule, normalized_latex(finding.lhs), finding.relation,
             normalized_latex(finding.rhs)]
    if not (finding.lhs or finding.rhs):
        parts.append(finding.message)  # block-level errors and lints have no sides
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]


def _rules() -> list[dict[str, Any]]:
    from derive.model import RULE_IDS

    rules = []
    for rule_id, description in sorted(RULE_IDS.items()):
        rules.append({
            "id": rule_id,
            "name": RULE_NAMES.get(rule_id, rule_id),
            "shortDescription": {"text": description},
            "defaultConfiguration": {"level": DEFAULT_LEVEL.get(rule_id, "warning")},
        })
    return rules


def _message(finding: Finding) -> str:
    claim = claim_text(finding)
    return f"{finding.message}\n{claim}" if claim else finding.message


def _properties(finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {"verdict": outcome_word(finding)}
    if finding.kind is not None:
        properties["kind"] = finding.kind.value
    if finding.label:
        properties["label"] = finding.label
    location = finding.location
    if location.cell is not None:  # the region is the character's place in the JSON file
        properties["notebookCell"] = {"cell": location.cell, "line": location.line,
                                      "column": location.column}
    evidence = finding.evidence
    if evidence is not None:
        properties["method"] = evidence.method
        if evidence.counterexample is not None:
            example = evidence.counterexample
            properties["counterexample"] = {
                "point": dict(sorted(example.point.items())),
                "lhs_value": example.lhs_value,
                "rhs_value": example.rhs_value,
            }
    return properties


def _physical_location(uri: str, line: int | None = None,
                       column: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": SRCROOT}}
    if line is not None and line >= 1:
        region: dict[str, int] = {"startLine": line}
        if column is not None and column >= 1:
            region["startColumn"] = column
        physical["region"] = region
    return {"physicalLocation": physical}


def format_sarif(report: CheckReport, *, root: str) -> str:
    """The whole report as one SARIF log (deterministic: no times, no absolute paths)."""
    results: list[dict[str, Any]] = []
    rule_index = {rule["id"]: index for index, rule in enumerate(_rules())}
    for file_report in report.files:
        uri = relative_uri(file_report.path, root)
        seen: dict[str, int] = {}

        def add(rule: str, level: str, text: str, location: dict[str, Any], digest: str,
                properties: dict[str, Any], seen: dict[str, int] = seen) -> None:
            # identical claims in one file get ":1", ":2" ... so each keeps its own alert
            seen[digest] = seen.get(digest, 0) + 1
            result: dict[str, Any] = {"ruleId": rule, "level": level, "message": {"text": text},
                                      "locations": [location],
                                      "partialFingerprints": {
                                          FINGERPRINT_KEY: f"{digest}:{seen[digest]}"},
                                      "properties": properties}
            if rule in rule_index:
                result["ruleIndex"] = rule_index[rule]
            results.append(result)

        if file_report.error:
            digest = hashlib.sha256(f"{uri}\x00{UNREADABLE_FILE_RULE}".encode()).hexdigest()[:32]
            add(UNREADABLE_FILE_RULE, "error", file_report.error, _physical_location(uri),
                digest, {"verdict": "error"})
        for finding in file_report.findings:
            level = LEVEL_BY_OUTCOME.get(outcome_word(finding))
            if level is None or is_definition(finding):
                continue
            rule = rule_id_of(finding)
            position = file_position(finding.location) or (None, None)
            location = _physical_location(uri, *position)
            add(rule, level, _message(finding), location, claim_hash(uri, rule, finding),
                _properties(finding))
    log = {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "derive",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": information_uri(),
                "rules": _rules(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
