"""Markup and script payloads in every text field come out escaped, in HTML and every report.

Derivations and check reports are built through the library's dataclasses with hostile
strings in titles, step reasons, notes (LaTeX that becomes MathML), check names, evidence,
labels, messages and file names; each output is then parsed back: the HTML's elements and
attributes must be harmless (no ``script``, no event handler, no ``javascript:`` link), XML
must parse and give the payload back verbatim, GitHub workflow commands must stay one line each
and unescape to the payload.
"""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from render_fixtures import hand_built_sigmoid

from derive.model import (
    CheckReport,
    ClaimKind,
    ClosedFormCheck,
    Counterexample,
    Derivation,
    Evidence,
    FileReport,
    Finding,
    Location,
    Outcome,
    Verdict,
)
from derive.render import render_html, render_index, render_mathml_fragments
from derive.render.html import esc
from derive.render.mathml import latex_to_mathml
from derive.report import printable
from derive.report.github import format_github
from derive.report.jsonl import format_jsonl
from derive.report.junit import format_junit
from derive.report.sarif import format_sarif
from derive.report.text import format_text

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
PAYLOADS = (SCRIPT, BREAKOUT, "AT&T & &amp; &#60;", "</title><title>owned", "it's 'quoted'")
EVERYTHING = " ".join(PAYLOADS)

#: Elements a derive page may contain (HTML and MathML): nothing that runs or loads.
SAFE_ELEMENTS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "footer", "section",
    "h1", "h2", "p", "div", "span", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "details", "summary", "figure", "figcaption", "dl", "dt", "dd", "code",
    "math", "mrow", "mi", "mn", "mo", "mtext", "mfrac", "msup", "msub", "munder", "mover",
    "msqrt", "mstyle", "mtable", "mtr", "mtd", "mspace", "mpadded",
    "svg", "g", "path", "defs", "use", "clippath", "rect", "text", "metadata", "rdf:rdf",
    "cc:work", "dc:type", "dc:date", "dc:format", "dc:creator", "cc:agent", "dc:title",
}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_harmless_html(page: str) -> str:
    """Parse ``page`` as a browser would; return its text (entities decoded)."""
    parser = _Elements()
    parser.feed(page)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in SAFE_ELEMENTS, f"element <{tag}> in the page"
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler {name}={value!r} on <{tag}>"
            assert name not in {"src", "srcdoc", "formaction", "xlink:href"} or tag == "use"
            if name == "href" and value is not None:
                scheme = value.split("/")[0]
                assert ":" not in scheme or tag == "use", f"link {value!r} has a scheme"
    outside_comments = re.sub(r"<!--.*?-->", "", page, flags=re.S).lower()
    assert "<script" not in outside_comments and "<img" not in outside_comments
    return "".join(parser.text)


def hostile_derivation(name: str = "sigmoid") -> Derivation:
    d = hand_built_sigmoid()
    evidence = Evidence("sampling", f"detail {EVERYTHING}", points=32, digits=30,
                        max_difference=SCRIPT,
                        counterexample=Counterexample({"x": BREAKOUT}, SCRIPT, "&"),
                        hint=f"hint {EVERYTHING}")
    steps = list(d.steps)
    steps[0] = dataclasses.replace(steps[0], rule=f"rule {EVERYTHING}",
                                   outcome=Outcome(Verdict.REFUTED, evidence))
    steps[1] = dataclasses.replace(steps[1], note=r"\text{" + SCRIPT + "}")
    steps[2] = dataclasses.replace(steps[2], note=r"\href{javascript:alert(1)}{u} = 1")
    checks = (ClosedFormCheck(f"check {EVERYTHING}", Outcome(Verdict.CHECKED, evidence),
                              max_error=SCRIPT, grid=BREAKOUT),)
    spec = dataclasses.replace(d.spec, name=name, title=f"title {EVERYTHING}",
                               latex_name=r"\style{color:red}{\sigma}")
    return dataclasses.replace(d, spec=spec, steps=tuple(steps), checks=checks)


def test_the_page_escapes_every_text_field() -> None:
    page = render_html(hostile_derivation(), svg=None)
    text = assert_harmless_html(page)
    for field in ("title", "rule", "check", "detail", "hint"):
        assert f"{field} {EVERYTHING}" in text  # shown as text, exactly as written
    assert f"<title>{esc('title ' + EVERYTHING)}</title>" in page
    assert "&#60;/title&#62;&#60;title&#62;owned" in page
    assert page.count("<title>") == 1


def test_mathml_beyond_presentation_falls_back_to_escaped_text() -> None:
    for latex in (r"\text{" + SCRIPT + "}", r"\href{javascript:alert(1)}{x}",
                  r"\style{color:red}{x}", r"\class{x}{y}", '\\color{red" onload="x}{y}',
                  r"\text{" + BREAKOUT + "}"):
        markup = latex_to_mathml(latex)
        assert markup.count("<mtext>") == 1, markup
        assert_harmless_html(markup)
        assert "href=" not in markup and "style=" not in markup and "class=" not in markup
    assert "mathcolor" in latex_to_mathml(r"\color{red}{x}")  # plain colours still work


def test_the_index_links_stay_relative_whatever_the_name() -> None:
    for name in ("javascript:alert(1)", 'x" onmouseover="alert(1)', "a&b<c>"):
        page = render_index([hostile_derivation(name)], existing=None)
        assert_harmless_html(page)
    page = render_index([hostile_derivation("javascript:alert(1)")], existing=None)
    assert 'href="javascript%3Aalert%281%29.html"' in page


def test_mathml_fragments_keep_rules_inside_their_comments() -> None:
    markup = render_mathml_fragments(hostile_derivation())
    assert_harmless_html(markup)
    comments = re.findall(r"<!--(.*?)-->", markup, flags=re.S)
    assert any("rule" in body and "alert(1)" in body for body in comments)
    for body in comments:  # nothing inside can end the comment early
        assert ">" not in body and "--" not in body and not body.startswith(("-", ">"))


# ---- reports --------------------------------------------------------------------------------

PATH = 'docs/"a&b"<c>, d:e::f %25\nx.md'


def hostile_report() -> CheckReport:
    evidence = Evidence("sampling", f"detail {EVERYTHING}", points=1, digits=30,
                        counterexample=Counterexample({"x": "0.5"}, SCRIPT, BREAKOUT),
                        hint="50% off\n::error::forged")
    refuted = Finding(Location(PATH, 3, 4), ClaimKind.STEP, Verdict.REFUTED,
                      f"step does not hold: {SCRIPT}\n::warning file=x::forged %0A",
                      lhs=f"\\text{{{SCRIPT}}}\n::error::injected", rhs=BREAKOUT,
                      reason=f"reason {EVERYTHING}\r\n::notice::x", rule_id="DRV001",
                      label=f"label {SCRIPT}", evidence=evidence, severity="error")
    unknown = dataclasses.replace(refuted, verdict=Verdict.UNKNOWN, rule_id="DRV006",
                                  location=Location(PATH, 5, 1), severity="warning")
    return CheckReport(files=[FileReport(PATH, (refuted, unknown)),
                              FileReport(f"{PATH}.tex", (), error=f"cannot read: {SCRIPT}\n::x")])


def test_junit_gives_every_payload_back_after_parsing() -> None:
    body = format_junit(hostile_report())
    assert "<script" not in body and "<img" not in body
    root = ET.fromstring(body)
    cases = root.findall(".//testcase")
    assert {case.get("file") for case in cases} == {PATH, f"{PATH}.tex"}
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message", "").startswith(f"step does not hold: {SCRIPT}")
    assert f"reason {EVERYTHING}" in (failure.text or "")
    assert any(case.get("name") == "label__script_alert_1___script_" for case in cases)


def test_sarif_and_jsonl_are_json_that_round_trips() -> None:
    log = json.loads(format_sarif(hostile_report(), root="."))
    messages = [r["message"]["text"] for r in log["runs"][0]["results"]]
    assert any(m.startswith(f"step does not hold: {SCRIPT}") for m in messages)
    assert any(f"cannot read: {SCRIPT}" in m for m in messages)
    records = [json.loads(line) for line in format_jsonl(hostile_report()).splitlines()]
    assert {r["path"] for r in records} == {PATH, f"{PATH}.tex"}
    assert any(r["label"] == f"label {SCRIPT}" for r in records)


def _unescape(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":") \
        .replace("%2C", ",").replace("%25", "%")


def test_github_commands_stay_one_line_and_unescape_to_the_payload() -> None:
    lines = format_github(hostile_report()).splitlines()
    assert len(lines) == 4  # refuted, unknown, unreadable file, summary
    commands = lines[:3]
    for line in commands:
        assert line.startswith(("::error ", "::warning ")), line
        properties, _, message = line[2:].partition("::")
        assert "\n" not in line and "\r" not in line
        fields = dict(item.split("=", 1) for item in properties.split(" ", 1)[1].split(","))
        assert _unescape(fields["file"]) in (PATH, f"{PATH}.tex")
        assert "\n" in _unescape(message)  # the multi-line message survives, escaped
    first_message = commands[0][2:].partition("::")[2]
    assert _unescape(first_message).startswith(
        f"step does not hold: {SCRIPT}\n::warning file=x::forged %0A")
    assert lines[-1].startswith("derive: ")


def test_text_report_shows_no_line_a_document_forged() -> None:
    text = format_text(hostile_report(), verbose=True)
    for line in text.splitlines():
        assert not line.startswith("::"), line
        assert "\r" not in line and "\x1b" not in line
    assert printable(PATH) in text and "\\n" in printable(PATH)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_esc_leaves_no_markup_character(payload: str) -> None:
    escaped = esc(payload)
    assert not set(escaped) & set("<>\"'") and "&" not in escaped.replace("&#", "")
