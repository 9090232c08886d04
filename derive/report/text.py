"""Plain-text report: one line per finding, then a summary line with counts."""

from __future__ import annotations

from derive.model import CheckReport, FileReport, Finding, Verdict
from derive.report import is_definition, outcome_word, printable

#: Verdicts whose lines are always printed; proved/checked only with verbose=True.
ALWAYS_SHOWN = (Verdict.REFUTED, Verdict.UNKNOWN, Verdict.ERROR)

_COLORS = {
    "proved": "\x1b[32m",  # green
    "checked": "\x1b[36m",  # cyan
    "refuted": "\x1b[1;31m",  # bold red
    "unknown": "\x1b[33m",  # yellow
    "error": "\x1b[1;31m",
    "warning": "\x1b[35m",  # magenta
    "definition": "\x1b[2m",  # dim
}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"

COUNT_ORDER = ("proved", "checked", "refuted", "unknown", "error")


def is_lint(finding: Finding) -> bool:
    """A warning that is not a verdict (e.g. ``e^-x`` unbraced superscript)."""
    return finding.verdict is None and not is_definition(finding)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_line(report: CheckReport) -> str:
    counts = report.counts()
    files = _plural(counts["files"], "file")
    if counts["unreadable"]:
        files += f" ({counts['unreadable']} unreadable)"
    parts = [f"{counts[name]} {name}" for name in COUNT_ORDER[:-1]]
    parts.append(_plural(counts["error"], "error"))
    parts.append(_plural(counts["warning"], "warning"))
    parts.append(_plural(counts["definition"], "definition"))
    return f"{files}, {_plural(counts['claims'], 'claim')}: " + ", ".join(parts)


def _shown(finding: Finding, verbose: bool) -> bool:
    if verbose:
        return True
    return finding.verdict in ALWAYS_SHOWN or is_lint(finding)


def _paint(text: str, key: str, color: bool) -> str:
    return f"{_COLORS[key]}{text}{_RESET}" if color else text


def _finding_lines(finding: Finding, color: bool) -> list[str]:
    loc = finding.location
    # document text and file names are shown, never obeyed: no escape sequence or line
    # break from a document reaches the terminal or the CI log (see printable)
    where = printable(f"{loc}:")  # path:line:col, or path:cell N:line:col in a notebook
    if color:
        where = f"{_BOLD}{where}{_RESET}"
    label = outcome_word(finding)
    rule = f" [{finding.rule_id}]" if finding.rule_id else ""
    message = printable(finding.message, join_lines=True)
    if message == label or message.startswith((label + " ", label + ":")):
        # "proved by cancel", "definition of \sigma(x)": the message already starts with it
        message = message[len(label):]
    lines = [f"{where} {_paint(label, label, color)}{_spaced(message)}{rule}"]
    if finding.verdict is Verdict.REFUTED and (finding.lhs or finding.rhs):
        claim = f"{finding.lhs} {finding.relation} {finding.rhs}"
        lines.append(f"    claim: {printable(claim, join_lines=True)}")
        if finding.reason:
            lines.append(f"    reason given: {printable(finding.reason, join_lines=True)}")
    return lines


def _spaced(message: str) -> str:
    return message if not message or message.startswith((":", " ")) else f" {message}"


def _file_lines(file_report: FileReport, color: bool, verbose: bool) -> list[str]:
    lines: list[str] = []
    if file_report.error:
        where = printable(f"{file_report.path}:")
        error = printable(file_report.error, join_lines=True)
        lines.append(f"{where} {_paint('error', 'error', color)} {error} [DRV007]")
    for finding in file_report.findings:
        if _shown(finding, verbose):
            lines.extend(_finding_lines(finding, color))
    return lines


def format_text(report: CheckReport, *, color: bool = False, verbose: bool = False) -> str:
    """``path:line:col: VERDICT message`` lines, then one summary line.

    Refuted, unknown, error and warning lines are always printed; proved,
    checked and definition lines only with ``verbose``.
    """
    lines: list[str] = []
    for file_report in report.files:
        lines.extend(_file_lines(file_report, color, verbose))
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
