"""Reporters over hand-built reports: GitHub, SARIF, JUnit, JSON Lines, exit codes, colour."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from derive.model import (
    RULE_IDS,
    CheckReport,
    ClaimKind,
    Counterexample,
    Evidence,
    FileReport,
    Finding,
    Location,
    Verdict,
)
from derive.report import exit_code, parse_fail_on, unique_names
from derive.report.color import use_color
from derive.report.github import format_github
from derive.report.jsonl import format_jsonl
from derive.report.junit import format_junit
from derive.report.progress import Progress
from derive.report.sarif import FINGERPRINT_KEY, format_sarif

SCHEMA = Path(__file__).parent / "schemas" / "sarif-2.1.0.json"


def step(path: str, line: int, column: int, verdict: Verdict | None, *, lhs: str = "a",
         rhs: str = "b", message: str = "", kind: ClaimKind | None = ClaimKind.STEP,
         rule_id: str = "", label: str = "", evidence: Evidence | None = None) -> Finding:
    return Finding(
        location=Location(path, line, column), kind=kind, verdict=verdict,
        message=message or f"{verdict} claim", lhs=lhs, rhs=rhs, rule_id=rule_id, label=label,
        evidence=evidence, severity="error" if verdict in (Verdict.REFUTED, Verdict.ERROR)
        else "info",
    )


REFUTED_EVIDENCE = Evidence(
    method="sampling", detail="differs at x = 1", points=32, digits=30,
    counterexample=Counterexample({"x": "1"}, "0.19661193", "-0.19661193"),
    hint="differs by a factor of -1",
)


def sample_report(base: str = "docs") -> CheckReport:
    md = f"{base}/sigmoid.md"
    findings = (
        step(md, 3, 1, None, kind=ClaimKind.DEFINITION, lhs=r"\sigma(x)",
             rhs=r"\frac{1}{1+e^{-x}}", message="definition of sigma"),
        step(md, 7, 12, Verdict.PROVED, lhs=r"\sigma'(x)", rhs=r"\frac{e^{-x}}{(1+e^{-x})^2}",
             message="proved (cancel)"),
        step(md, 8, 12, Verdict.CHECKED, lhs=r"\frac{e^{-x}}{(1+e^{-x})^2}",
             rhs=r"\sigma(x)(1-\sigma(x))", message="checked numerically at 32 points",
             rule_id="DRV008"),
        step(md, 12, 5, Verdict.REFUTED, lhs=r"\sigma'(x)", rhs=r"-\sigma(x)(1-\sigma(x))",
             message="step does not hold: 100% wrong, at x = 1\nsecond line", rule_id="DRV001",
             evidence=REFUTED_EVIDENCE, label="eq:sign"),
        step(md, 15, 3, Verdict.UNKNOWN, lhs=r"\sum_i a_i", rhs="b",
             message="out of scope: sums over indices", rule_id="DRV006"),
        step(md, 15, 20, Verdict.UNKNOWN, lhs="c", rhs="d", message="out of time"),
        step(md, 18, 4, None, kind=None, lhs="", rhs="", rule_id="DRV003",
             message="unbraced superscript e^-x"),
        step(md, 21, 2, Verdict.ERROR, lhs=r"\frac{1}{", rhs="", rule_id="DRV002",
             message="unparsable math: missing }"),
    )
    return CheckReport(files=[
        FileReport(md, findings),
        FileReport(f"{base}/broken.tex", (), error="cannot decode as UTF-8"),
        FileReport(f"{base}/clean.rst", (step(f"{base}/clean.rst", 4, 1, Verdict.PROVED),)),
    ])


# ---------------------------------------------------------------------------- exit codes


def test_exit_code_follows_fail_on() -> None:
    report = sample_report()
    assert exit_code(report, {"refuted", "unknown", "error"}) == 1
    clean = CheckReport(files=[report.files[2]])
    assert exit_code(clean, {"refuted", "unknown", "error"}) == 0
    assert exit_code(clean, {"proved"}) == 1
    only_unknown = CheckReport(files=[FileReport("a.md", (step("a.md", 1, 1, Verdict.UNKNOWN),))])
    assert exit_code(only_unknown, {"refuted", "error"}) == 0
    assert exit_code(only_unknown, parse_fail_on("refuted,unknown")) == 1
    unreadable = CheckReport(files=[report.files[1]])
    assert exit_code(unreadable, {"error"}) == 1
    assert exit_code(unreadable, {"refuted"}) == 0


def test_lints_fail_only_with_warning_and_definitions_never() -> None:
    report = sample_report()
    lint = next(f for f in report.files[0].findings if f.rule_id == "DRV003")
    definition = report.files[0].findings[0]
    lint_only = CheckReport(files=[FileReport("a.md", (lint, definition))])
    assert exit_code(lint_only, {"refuted", "unknown", "error"}) == 0
    assert exit_code(lint_only, {"warning"}) == 1


def test_parse_fail_on_rejects_unknown_words() -> None:
    assert parse_fail_on(" refuted , Unknown,") == {"refuted", "unknown"}
    assert parse_fail_on(["error"]) == {"error"}
    with pytest.raises(ValueError, match="bogus"):
        parse_fail_on("refuted,bogus")


def test_unique_names() -> None:
    assert unique_names(["L12", "L12", "eq", "L12-2", "L12"]) == [
        "L12", "L12-2", "eq", "L12-2-2", "L12-3"]


# ---------------------------------------------------------------------------- GitHub


def unescape(text: str) -> str:
    return (text.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    match = re.fullmatch(r"::(\w+) ([^:]*)::(.*)", line)
    assert match, line
    properties = dict(part.split("=", 1) for part in match.group(2).split(","))
    return match.group(1), {k: unescape(v) for k, v in properties.items()}, unescape(
        match.group(3))


def test_github_levels_and_locations() -> None:
    out = format_github(sample_report())
    commands = [parse_command(line) for line in out.splitlines() if line.startswith("::")]
    by_line = {props.get("line"): (cmd, props) for cmd, props, _ in commands}
    assert by_line["12"][0] == "error"
    assert by_line["12"][1]["file"] == "docs/sigmoid.md"
    assert by_line["12"][1]["col"] == "5"
    assert by_line["12"][1]["title"] == "derive DRV001 refuted"
    assert by_line["15"][0] == "warning"  # unknown
    assert by_line["18"][0] == "warning"  # lint
    assert by_line["21"][0] == "error"  # error verdict
    for quiet in ("3", "7", "8"):  # definition, proved, checked
        assert quiet not in by_line
    unreadable = [c for c in commands if c[1]["file"] == "docs/broken.tex"]
    assert unreadable and unreadable[0][0] == "error"
    assert unreadable[0][2] == "cannot decode as UTF-8"
    assert len(commands) == 6
    assert not out.splitlines()[-1].startswith("::")


def test_github_escapes_messages_and_properties() -> None:
    path = "docs/a,b:c%.md"
    report = CheckReport(files=[FileReport(path, (step(
        path, 2, 3, Verdict.REFUTED, lhs="x", rhs="y", message="50% off,\r\nreally: yes"),))])
    line = format_github(report).splitlines()[0]
    assert "\n" not in line and "\r" not in line
    assert "file=docs/a%2Cb%3Ac%25.md," in line
    message = line.split("::", 2)[2]
    assert message.startswith("50%25 off,%0D%0Areally: yes%0A")
    command, props, text = parse_command(line)
    assert props["file"] == path
    assert text == "50% off,\r\nreally: yes\nx = y"


# ---------------------------------------------------------------------------- SARIF


def load_schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_sarif_validates_against_the_official_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = load_schema()
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    log = json.loads(format_sarif(sample_report(str(tmp_path / "docs")), root=str(tmp_path)))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, errors[0].message
    # and the schema does catch a broken log (so the check above means something)
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(broken))


def test_sarif_content(tmp_path: Path) -> None:
    report = sample_report(str(tmp_path / "docs"))
    log = json.loads(format_sarif(report, root=str(tmp_path)))
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert log["version"] == "2.1.0"
    assert driver["name"] == "derive" and driver["version"]
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == sorted(RULE_IDS)
    results = run["results"]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith("/") and str(tmp_path) not in artifact["uri"]
    levels = {(r["ruleId"], r["level"]) for r in results}
    assert ("DRV001", "error") in levels
    assert ("DRV002", "error") in levels
    assert ("DRV006", "warning") in levels
    assert ("DRV003", "warning") in levels
    assert ("DRV008", "note") in levels
    assert ("DRV007", "error") in levels
    refuted = next(r for r in results if r["ruleId"] == "DRV001")
    assert refuted["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "docs/sigmoid.md")
    assert refuted["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 12, "startColumn": 5}
    assert refuted["message"]["text"].startswith("step does not hold")
    assert refuted["properties"]["counterexample"]["point"] == {"x": "1"}
    # proved claims and definitions are not results
    assert not any(r["locations"][0]["physicalLocation"].get("region", {}).get("startLine")
                   in (3, 7) for r in results)
    assert len(results) == 7


def test_sarif_fingerprints_ignore_lines_but_not_claims(tmp_path: Path) -> None:
    report = sample_report(str(tmp_path))
    moved_findings = tuple(
        replace(f, location=replace(f.location, line=f.location.line + 10))
        for f in report.files[0].findings)
    moved = CheckReport(files=[FileReport(report.files[0].path, moved_findings)])
    changed = CheckReport(files=[FileReport(report.files[0].path, tuple(
        replace(f, rhs=f.rhs + "+1") if f.rule_id == "DRV001" else f
        for f in report.files[0].findings))])

    def prints(r: CheckReport) -> dict[str, str]:
        log = json.loads(format_sarif(r, root=str(tmp_path)))
        return {res["ruleId"] + res["message"]["text"].splitlines()[0]:
                res["partialFingerprints"][FINGERPRINT_KEY] for res in log["runs"][0]["results"]}

    original = prints(CheckReport(files=[report.files[0]]))
    assert prints(moved) == original
    after = prints(changed)
    key = next(k for k in original if k.startswith("DRV001"))
    assert after[key] != original[key]
    assert len(set(original.values())) == len(original)


def test_sarif_identical_claims_get_distinct_fingerprints(tmp_path: Path) -> None:
    path = str(tmp_path / "a.md")
    twice = (step(path, 1, 1, Verdict.REFUTED), step(path, 5, 1, Verdict.REFUTED))
    log = json.loads(format_sarif(CheckReport(files=[FileReport(path, twice)]),
                                  root=str(tmp_path)))
    first, second = (r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"])
    assert first != second and first.split(":")[0] == second.split(":")[0]


def test_sarif_is_deterministic_and_encodes_uris(tmp_path: Path) -> None:
    report = CheckReport(files=[FileReport(str(tmp_path / "my docs" / "ä.md"),
                                           (step("x", 1, 1, Verdict.REFUTED),))])
    first = format_sarif(report, root=str(tmp_path))
    assert first == format_sarif(report, root=str(tmp_path))
    uri = json.loads(first)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"]
    assert uri == "my%20docs/%C3%A4.md"


# ---------------------------------------------------------------------------- JUnit


def test_junit_suites_and_cases() -> None:
    root = ET.fromstring(format_junit(sample_report()))
    assert root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {"docs/sigmoid.md", "docs/broken.tex", "docs/clean.rst"}
    md = suites["docs/sigmoid.md"]
    cases = {case.get("name"): case for case in md.findall("testcase")}
    # definition and lint are not cases; the two unknowns on line 15 get unique names
    assert set(cases) == {"L7", "L8", "eq:sign", "L15", "L15-2", "L21"}
    failure = cases["eq:sign"].find("failure")
    assert failure is not None and failure.get("type") == "DRV001"
    assert "lhs = 0.19661193" in (failure.text or "")
    assert cases["L21"].find("error") is not None
    assert cases["L15"].find("failure") is not None  # unknown fails by default
    assert cases["L7"].find("failure") is None and cases["L7"].find("skipped") is None
    assert md.get("tests") == "6" and md.get("failures") == "3" and md.get("errors") == "1"
    broken = suites["docs/broken.tex"].find("testcase/error")
    assert broken is not None and broken.get("message") == "cannot decode as UTF-8"
    assert root.get("tests") == "8" and root.get("failures") == "3" and root.get("errors") == "2"


def test_junit_unknown_skipped_when_not_failing() -> None:
    root = ET.fromstring(format_junit(sample_report(), fail_on={"refuted", "error"}))
    md = next(s for s in root.findall("testsuite") if s.get("name") == "docs/sigmoid.md")
    cases = {case.get("name"): case for case in md.findall("testcase")}
    assert cases["L15"].find("skipped") is not None
    assert md.get("skipped") == "2" and md.get("failures") == "1"


def test_junit_survives_characters_xml_cannot_hold() -> None:
    report = CheckReport(files=[FileReport("a.md", (step(
        "a.md", 1, 1, Verdict.REFUTED, message="bad \x00 byte <&>"),))])
    failure = ET.fromstring(format_junit(report)).find("testsuite/testcase/failure")
    assert failure is not None and "<&>" in (failure.get("message") or "")


# ---------------------------------------------------------------------------- JSON Lines


def test_jsonl_every_finding_self_contained() -> None:
    report = sample_report()
    lines = format_jsonl(report).splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == sum(len(f.findings) for f in report.files) + 1
    assert all(record["path"] for record in records)
    unreadable = [r for r in records if r["rule_id"] == "DRV007"]
    assert unreadable == [next(r for r in records if r["path"] == "docs/broken.tex")]
    assert unreadable[0]["verdict"] == "error" and unreadable[0]["line"] is None
    refuted = next(r for r in records if r["verdict"] == "refuted")
    assert refuted["line"] == 12 and refuted["column"] == 5
    assert refuted["counterexample"] == {"point": {"x": "1"}, "lhs_value": "0.19661193",
                                         "rhs_value": "-0.19661193"}
    assert refuted["message"] == "step does not hold: 100% wrong, at x = 1\nsecond line"
    lint = next(r for r in records if r["rule_id"] == "DRV003")
    assert lint["verdict"] is None and lint["outcome"] == "warning"
    assert format_jsonl(report) == format_jsonl(sample_report())


# ---------------------------------------------------------------------------- colour, progress


class FakeStream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("env", "tty", "expected"), [
    ({}, True, True),
    ({}, False, False),
    ({"NO_COLOR": "1"}, True, False),
    ({"NO_COLOR": ""}, True, True),  # empty means unset (no-color.org)
    ({"FORCE_COLOR": "0"}, False, True),  # any non-empty value forces (force-color.org)
    ({"FORCE_COLOR": ""}, False, False),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
    ({"TERM": "dumb"}, True, False),
    ({"TERM": "dumb", "FORCE_COLOR": "1"}, False, True),
])
def test_use_color(env: dict[str, str], tty: bool, expected: bool) -> None:
    assert use_color(FakeStream(tty), env) is expected


def test_use_color_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("NO_COLOR", "yes")
    assert use_color(FakeStream(True)) is False


def test_progress_only_on_a_terminal_after_the_delay() -> None:
    now = [0.0]
    tty = FakeStream(True)
    with Progress(3, stream=tty, delay=1.0, clock=lambda: now[0]) as progress:
        progress.advance("a.md")
        assert tty.getvalue() == ""  # quick so far
        now[0] = 2.0
        progress.advance("b.md")
        assert "2/3 b.md" in tty.getvalue()
    assert tty.getvalue().endswith("\r")  # the line is cleared at the end
    pipe = FakeStream(False)
    with Progress(3, stream=pipe, delay=0.0, clock=lambda: 5.0) as progress:
        progress.advance("a.md")
    assert pipe.getvalue() == ""


# ---------------------------------------------------------------------------- real reports


def test_formats_of_a_real_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from derive.check.api import check_paths
    from derive.model import VerifySettings

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(
        "<!-- derive: define f(x) = x^2 -->\n\n$$\nf(x+1) = x^2 + 2x + 1 = x^2 + 1\n$$\n",
        encoding="utf-8")
    (docs / "b.md").write_bytes(b"$$\n\xff\n$$\n")
    monkeypatch.chdir(tmp_path)
    report = check_paths(["docs"], settings=VerifySettings(time_limit=10))
    log = json.loads(format_sarif(report, root=str(tmp_path)))
    schema = load_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    assert not list(validator_class(schema).iter_errors(log))
    results = log["runs"][0]["results"]
    refuted = [r for r in results if r["ruleId"] == "DRV001"]
    assert len(refuted) == 1
    assert refuted[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert any(r["ruleId"] == "DRV007" for r in results)

    records = [json.loads(line) for line in format_jsonl(report).splitlines()]
    assert sum(r["outcome"] == "refuted" for r in records) == 1
    assert {r["path"] for r in records} == {str(Path("docs") / "a.md"), str(Path("docs") / "b.md")}
    assert exit_code(report) == 1

    github = format_github(report)
    assert github.count("::error ") == 2  # the refuted step and the unreadable file
    suites = ET.fromstring(format_junit(report)).findall("testsuite")
    assert [s.get("failures") for s in suites] == ["1", "0"]


def test_an_unreadable_definition_is_reported_by_every_format(tmp_path: Path) -> None:
    """A definition whose body cannot be read is an error finding (kind "definition"):
    only recorded definitions (no verdict) may be left out of a report."""
    from derive.check.api import check_paths
    from derive.model import VerifySettings

    doc = tmp_path / "notes.md"
    doc.write_text("$$\n\\sigma(x) = \\frac{1}{1+e^{-x}\n$$\n", encoding="utf-8")
    report = check_paths([str(doc)], settings=VerifySettings())
    [finding] = report.files[0].findings
    assert finding.kind is ClaimKind.DEFINITION and finding.verdict is Verdict.ERROR
    assert exit_code(report) == 1
    assert "::error file=" in format_github(report)
    sarif = json.loads(format_sarif(report, root=str(tmp_path)))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["DRV002"]
    assert "<error" in format_junit(report)
