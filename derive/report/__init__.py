"""Reporters: views of a CheckReport (text, JSON, GitHub, SARIF, JUnit).

This package module stays import-light (no SymPy): the CLI and the pytest
plugin use its helpers before any document is checked.  Verdicts are compared
by their string values for the same reason.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from derive.model import CheckReport, Finding, Location

#: Verdicts that fail a run unless configured otherwise.
DEFAULT_FAIL_ON: frozenset[str] = frozenset({"refuted", "unknown", "error"})
#: Words accepted by --fail-on / fail-on: the verdicts, plus "warning" for lints.
FAIL_ON_WORDS: frozenset[str] = frozenset(
    {"proved", "checked", "refuted", "unknown", "error", "warning"}
)

EXIT_OK = 0
EXIT_FAILED = 1

#: Rule id of a finding that carries none, by verdict (lints always carry their own).
RULE_BY_VERDICT: dict[str, str] = {
    "refuted": "DRV001",
    "error": "DRV002",
    "unknown": "DRV006",
    "checked": "DRV008",
}
#: Rule id for a file that could not be read at all.
UNREADABLE_FILE_RULE = "DRV007"


#: Characters a terminal or a CI log acts on rather than shows: C0 and C1 controls (escape
#: sequences, carriage returns, line breaks that could forge a log line or a workflow
#: command) and the bidirectional overrides that reorder what is shown.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*")


def printable(text: str, *, join_lines: bool = False) -> str:
    """``text`` safe to print on one line: every control character shown as an escape
    (``\\x1b``, ``\\n``, ``\\u202e``); with ``join_lines`` line breaks become one space
    first (LaTeX, where a line break is just space)."""
    if join_lines:
        text = _LINE_BREAKS.sub(" ", text).replace("\t", " ")
    if not _UNPRINTABLE.search(text):
        return text

    def shown(match: re.Match[str]) -> str:
        char = match.group(0)
        special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
        if special:
            return special
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return _UNPRINTABLE.sub(shown, text)


def parse_fail_on(text: str | Iterable[str]) -> frozenset[str]:
    """``"refuted, unknown"`` (or a list of words) -> a set; ValueError names a bad word."""
    words = text.split(",") if isinstance(text, str) else list(text)
    chosen = frozenset(word.strip().lower() for word in words if word.strip())
    unknown = sorted(chosen - FAIL_ON_WORDS)
    if unknown:
        raise ValueError(
            f"unknown verdict {unknown[0]!r} in fail-on; choose from "
            + ", ".join(sorted(FAIL_ON_WORDS))
        )
    return chosen


def outcome_word(finding: Finding) -> str:
    """The verdict's value; ``"definition"`` for a recorded definition; else ``"warning"``.

    A finding without a verdict is a lint unless it records a definition.
    """
    if finding.verdict is not None:
        return finding.verdict.value
    return "definition" if is_definition(finding) else "warning"


def is_definition(finding: Finding) -> bool:
    """A recorded definition: not verified, so no reporter treats it as a claim.

    A definition whose body could not be read carries the verdict ``error``: that is a
    finding like any other and every reporter must show it.
    """
    return (
        finding.kind is not None and finding.kind.value == "definition" and finding.verdict is None
    )


def fails(finding: Finding, fail_on: Collection[str]) -> bool:
    """Whether this finding fails a run under ``fail_on``."""
    return not is_definition(finding) and outcome_word(finding) in fail_on


def exit_code(report: CheckReport, fail_on: Collection[str] = DEFAULT_FAIL_ON) -> int:
    """0 when nothing in the report is in ``fail_on``, else 1.

    An unreadable file counts as ``error``.  (Exit code 2, usage and I/O errors
    before checking starts, is the command line's business.)
    """
    for file_report in report.files:
        if file_report.error and "error" in fail_on:
            return EXIT_FAILED
        if any(fails(finding, fail_on) for finding in file_report.findings):
            return EXIT_FAILED
    return EXIT_OK


def rule_id_of(finding: Finding) -> str:
    """The finding's stable rule id, falling back to one chosen by its verdict."""
    if finding.rule_id:
        return finding.rule_id
    return RULE_BY_VERDICT.get(outcome_word(finding), "")


def unique_names(bases: Iterable[str]) -> list[str]:
    """``["L12", "L12", "eq"]`` -> ``["L12", "L12-2", "eq"]``: names a reader can select."""
    seen: dict[str, int] = {}
    taken: set[str] = set()
    names: list[str] = []
    for base in bases:
        count = seen.get(base, 0) + 1
        name = base if count == 1 else f"{base}-{count}"
        while name in taken:  # a label literally named "L12-2" must not collide
            count += 1
            name = f"{base}-{count}"
        seen[base] = count
        taken.add(name)
        names.append(name)
    return names


def claim_base_name(label: str, line: int, cell: int | None = None) -> str:
    """A claim is named by its label when it has one, else by its line: ``L12``; in a
    notebook by its cell and the line in it: ``cell3-L2``."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_.:" else "_" for ch in label.strip())
    return cleaned or (f"L{line}" if cell is None else f"cell{cell}-L{line}")


def file_position(location: Location) -> tuple[int, int] | None:
    """(line, column) in the file itself, for tools that know only files (SARIF, GitHub,
    JUnit, pytest): a notebook cell's position is mapped to where that character stands in
    the ``.ipynb`` JSON text; None when the notebook cannot be read again."""
    if location.cell is None:
        return location.line, location.column
    from derive.extract.notebook import file_position as notebook_position

    return notebook_position(location.path, location.cell, location.line, location.column)


def cell_fields(location: Location) -> dict[str, int]:
    """``{"cell": N}`` for a notebook location (JSON reports), else nothing."""
    return {} if location.cell is None else {"cell": location.cell}


def claim_text(finding: Finding) -> str:
    """``lhs = rhs`` as the author wrote it, or "" when the finding has no sides."""
    if finding.lhs and finding.rhs:
        return f"{finding.lhs} {finding.relation} {finding.rhs}"
    return finding.lhs or finding.rhs  # a lint or parse error about one side
