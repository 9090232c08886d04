"""GitHub Actions workflow commands: one annotation per finding worth a look.

``::error file=docs/a.md,line=12,col=5,title=derive DRV001 refuted::message``

refuted and error -> ``error``; unknown and lints -> ``warning``; proved,
checked and definitions -> nothing (the summary line still counts them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from derive.report import (
    FAIL_ON_WORDS,
    UNREADABLE_FILE_RULE,
    claim_text,
    file_position,
    is_definition,
    outcome_word,
    rule_id_of,
)

if TYPE_CHECKING:
    from derive.model import CheckReport, Finding

COMMAND_BY_OUTCOME: dict[str, str] = {
    "refuted": "error",
    "error": "error",
    "unknown": "warning",
    "warning": "warning",
}


def escape_data(text: str) -> str:
    """Escape a message as @actions/core does (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as data, plus ``:`` and ``,`` which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: str | int) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{command} {props}::{escape_data(message)}" if props else (
        f"::{command}::{escape_data(message)}"
    )


def _annotation(finding: Finding) -> str | None:
    if is_definition(finding):
        return None
    outcome = outcome_word(finding)
    command = COMMAND_BY_OUTCOME.get(outcome)
    if command is None:
        return None
    rule = rule_id_of(finding)
    title = f"derive {rule} {outcome}".replace("  ", " ")
    message = finding.message
    claim = claim_text(finding)
    if claim:
        message = f"{message}\n{claim}"
    location = finding.location
    where: dict[str, str | int] = {"file": location.path}
    if location.cell is not None:  # annotations need a file line: the cell's, in the JSON
        title += f" (cell {location.cell}, line {location.line})"
    position = file_position(location)
    if position is not None:
        where.update(line=position[0], col=position[1])
    return workflow_command(command, message, **where, title=title)


def format_github(report: CheckReport) -> str:
    """Annotations, one per line, in report order, then a plain summary line."""
    lines: list[str] = []
    for file_report in report.files:
        if file_report.error:
            lines.append(workflow_command(
                "error", file_report.error, file=file_report.path,
                title=f"derive {UNREADABLE_FILE_RULE} error",
            ))
        for finding in file_report.findings:
            annotation = _annotation(finding)
            if annotation is not None:
                lines.append(annotation)
    counts = report.counts()
    lines.append("derive: " + ", ".join(f"{counts[key]} {key}" for key in sorted(FAIL_ON_WORDS)))
    return "\n".join(lines) + "\n"
