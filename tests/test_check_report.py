"""Text and JSON reports of a hand-built CheckReport."""

from __future__ import annotations

import json

from derive.model import (
    CheckReport,
    ClaimKind,
    Counterexample,
    Evidence,
    FileReport,
    Finding,
    Location,
    Verdict,
)
from derive.report.json import format_json
from derive.report.text import format_text


def _finding(line: int, verdict: Verdict | None, kind: ClaimKind | None = ClaimKind.STEP,
             **extra: object) -> Finding:
    defaults: dict[str, object] = {
        "message": f"{verdict.value if verdict else 'lint'} on line {line}",
        "lhs": "a", "rhs": "b", "rule_id": "", "severity": "info",
    }
    defaults.update(extra)
    return Finding(location=Location("doc.md", line, 3), kind=kind, verdict=verdict,
                   **defaults)  # type: ignore[arg-type]


REFUTED = _finding(
    4, Verdict.REFUTED, message="step does not hold: at x = 1, lhs = 0.19661, rhs = -0.19661",
    rule_id="DRV001", severity="error", reason="chain rule",
    evidence=Evidence(
        method="sampling", detail="differs at x = 1",
        counterexample=Counterexample({"x": "1"}, "0.19661", "-0.19661"),
        hint="differs by a factor of -1", seconds=0.25,
    ),
)


def _report() -> CheckReport:
    return CheckReport(files=[
        FileReport("doc.md", (
            _finding(2, None, ClaimKind.DEFINITION, lhs=r"\sigma(x)"),
            _finding(3, Verdict.PROVED, evidence=Evidence("cancel", "cancel gives 0")),
            REFUTED,
            _finding(5, Verdict.CHECKED, rule_id="DRV008",
                     evidence=Evidence("sampling", "agrees", points=32, digits=30,
                                       max_difference="1e-31")),
            _finding(6, Verdict.UNKNOWN, rule_id="DRV006", severity="warning"),
            _finding(7, None, None, rule_id="DRV003", severity="warning"),
            _finding(8, Verdict.ERROR, rule_id="DRV002", severity="error"),
        )),
        FileReport("broken.tex", (), error="cannot decode as UTF-8: invalid byte at offset 3"),
    ])


def test_counts_keep_definitions_out_of_warnings() -> None:
    counts = _report().counts()
    assert counts == {
        "files": 2, "unreadable": 1, "claims": 5, "proved": 1, "checked": 1, "refuted": 1,
        "unknown": 1, "error": 2, "warning": 1, "definition": 1,
    }


def test_text_report_lines_and_summary() -> None:
    lines = format_text(_report(), color=False).splitlines()
    assert lines[0] == (
        "doc.md:4:3: refuted step does not hold: at x = 1, lhs = 0.19661, rhs = -0.19661 [DRV001]"
    )
    assert lines[1] == "    claim: a = b"
    assert lines[2] == "    reason given: chain rule"
    # a message that starts with the verdict's word does not repeat it
    assert lines[3] == "doc.md:6:3: unknown on line 6 [DRV006]"
    assert lines[4] == "doc.md:7:3: warning lint on line 7 [DRV003]"
    assert lines[5] == "doc.md:8:3: error on line 8 [DRV002]"
    assert lines[6].startswith("broken.tex: error cannot decode as UTF-8")
    assert lines[7] == (
        "2 files (1 unreadable), 5 claims: 1 proved, 1 checked, 1 refuted, 1 unknown, "
        "2 errors, 1 warning, 1 definition"
    )
    assert len(lines) == 8


def test_verbose_lists_proved_checked_and_definitions() -> None:
    text = format_text(_report(), color=False, verbose=True)
    assert "doc.md:3:3: proved on line 3\n" in text
    assert "doc.md:5:3: checked on line 5 [DRV008]" in text
    assert "doc.md:2:3: definition lint on line 2" in text


def test_messages_never_repeat_the_verdict_word() -> None:
    report = CheckReport(files=[FileReport("doc.md", (
        _finding(2, None, ClaimKind.DEFINITION, message="definition of \\sigma(x)"),
        _finding(3, Verdict.PROVED, message="proved by cancel"),
        _finding(4, Verdict.PROVED, message="proved: identical after substituting definitions"),
        _finding(5, Verdict.CHECKED, message="checked numerically at 32 points (30 digits)"),
        _finding(6, Verdict.PROVED, message="provedness is not the verdict word"),
    ))])
    lines = format_text(report, color=False, verbose=True).splitlines()
    assert lines[:5] == [
        "doc.md:2:3: definition of \\sigma(x)",
        "doc.md:3:3: proved by cancel",
        "doc.md:4:3: proved: identical after substituting definitions",
        "doc.md:5:3: checked numerically at 32 points (30 digits)",
        "doc.md:6:3: proved provedness is not the verdict word",
    ]
    colored = format_text(report, color=True, verbose=True)
    assert "\x1b[32mproved\x1b[0m by cancel" in colored


def test_color_adds_ansi_only_when_asked() -> None:
    assert "\x1b[" not in format_text(_report(), color=False, verbose=True)
    colored = format_text(_report(), color=True)
    assert "\x1b[1;31mrefuted\x1b[0m" in colored


def test_json_report_structure() -> None:
    record = json.loads(format_json(_report()))
    assert record["schema"] == 1
    assert record["summary"]["claims"] == 5
    first = record["files"][0]
    assert first["path"] == "doc.md" and first["error"] is None
    assert [c["verdict"] for c in first["claims"]] == [
        "proved", "refuted", "checked", "unknown", "error",
    ]
    refuted = first["claims"][1]
    assert refuted["counterexample"] == {
        "point": {"x": "1"}, "lhs_value": "0.19661", "rhs_value": "-0.19661",
    }
    assert refuted["evidence"]["hint"] == "differs by a factor of -1"
    assert "seconds" not in refuted["evidence"]
    assert set(refuted) == {
        "kind", "line", "column", "lhs", "rhs", "relation", "verdict", "message", "reason",
        "label", "rule_id", "severity", "counterexample", "evidence",
    }
    assert first["warnings"] == [
        {"line": 7, "column": 3, "rule_id": "DRV003", "message": "lint on line 7"},
    ]
    assert [d["lhs"] for d in first["definitions"]] == [r"\sigma(x)"]
    assert record["files"][1]["error"].startswith("cannot decode")


def test_json_is_deterministic_and_ends_with_newline() -> None:
    first, second = format_json(_report()), format_json(_report())
    assert first == second and first.endswith("}\n")
