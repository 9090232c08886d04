"""The real corpus (../shared/corpus/real_chains.jsonl): 44 hand-judged blocks from real documents.

Each block is written, at its original line, into a file of its own kind; all files are checked.
Asserts: no crash, every block gives a finding, no valid block is refuted.  Prints (and records
as test properties) the share of relation sides parsed and the agreement with the human labels.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from derive.check.api import check_paths
from derive.check.rows import split_rows
from derive.extract import extract_blocks
from derive.model import CheckReport, FileReport, Verdict, VerifySettings
from derive.parse import LatexParseError, parse_latex_expr

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "real_chains.jsonl"
NEAR = 2  # lines of slack when matching a finding to the labelled bad line


@dataclass(frozen=True)
class Record:
    index: int
    path: str
    line: int
    latex: str
    expected: str
    bad_line: int | None

    @property
    def file_name(self) -> str:
        suffix = ".rst" if self.path.endswith(".rst") else ".md"
        return f"block{self.index:02d}{suffix}"


def _records() -> list[Record]:
    records = []
    for index, text in enumerate(CORPUS.read_text(encoding="utf-8").splitlines()):
        if text.strip():
            data = json.loads(text)
            records.append(Record(index, data["path"], int(data["line"]), data["latex"],
                                  data["expected"], data.get("bad_line")))
    return records


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Record], dict[str, FileReport],
                                                                Path]:
    if not CORPUS.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    folder = tmp_path_factory.mktemp("corpus")
    records = _records()
    for record in records:
        # pad so that the block's first line is its line in the original document
        (folder / record.file_name).write_text(
            "\n" * (record.line - 1) + record.latex + "\n", encoding="utf-8"
        )
    report: CheckReport = check_paths([str(folder)], settings=VerifySettings(time_limit=5.0))
    by_name = {Path(f.path).name: f for f in report.files}
    return records, by_name, folder


def _agrees(record: Record, file_report: FileReport) -> bool:
    verdicts = [f.verdict for f in file_report.findings]
    if record.expected == "valid":
        return Verdict.REFUTED not in verdicts
    if record.expected == "invalid":
        assert record.bad_line is not None
        return any(
            f.verdict in (Verdict.REFUTED, Verdict.UNKNOWN)
            and abs(f.location.line - record.bad_line) <= NEAR
            for f in file_report.findings
        )
    return True  # "unsure": anything but a crash


def test_no_crash_and_no_silent_skip(corpus: tuple[list[Record], dict[str, FileReport], Path]
                                     ) -> None:
    records, reports, _ = corpus
    assert sorted(reports) == sorted(r.file_name for r in records)
    for record in records:
        file_report = reports[record.file_name]
        assert file_report.error == ""
        assert file_report.findings, f"{record.path}:{record.line}: no finding at all"
        for finding in file_report.findings:
            assert "Traceback" not in finding.message
            assert not finding.message.startswith("internal error"), (
                f"{record.path}:{record.line}: {finding.message}"
            )
            assert finding.location.line >= record.line


def test_no_valid_block_is_refuted(corpus: tuple[list[Record], dict[str, FileReport], Path]
                                   ) -> None:
    records, reports, _ = corpus
    refuted = [
        f"{r.path}:{f.location.line}: {f.lhs} {f.relation} {f.rhs}: {f.message}"
        for r in records if r.expected == "valid"
        for f in reports[r.file_name].findings if f.verdict is Verdict.REFUTED
    ]
    assert refuted == []


def _side_counts(folder: Path, records: list[Record]) -> tuple[int, int]:
    parsed = total = 0
    for record in records:
        path = folder / record.file_name
        for block in extract_blocks(str(path), path.read_text(encoding="utf-8")):
            for row in split_rows(block):
                sides = ([] if row.continues else [row.lhs]) + [r.rhs for r in row.relations]
                for side in sides:
                    total += 1
                    try:
                        parse_latex_expr(side.text.strip())
                    except LatexParseError:
                        continue
                    parsed += 1
    return parsed, total


def test_corpus_figures(corpus: tuple[list[Record], dict[str, FileReport], Path],
                        record_property: Callable[[str, object], None]) -> None:
    records, reports, folder = corpus
    parsed, total = _side_counts(folder, records)
    agreeing = [r for r in records if _agrees(r, reports[r.file_name])]
    invalid = [r for r in records if r.expected == "invalid"]
    caught = [r for r in invalid if r in agreeing]
    verdicts: dict[str, int] = {}
    for file_report in reports.values():
        for finding in file_report.findings:
            key = finding.verdict.value if finding.verdict else "warning/definition"
            verdicts[key] = verdicts.get(key, 0) + 1
    sides = f"relation sides parsed: {parsed}/{total} ({100 * parsed / max(total, 1):.0f}%)"
    agreement = (
        f"agreement with human labels: {len(agreeing)}/{len(records)} blocks "
        f"({100 * len(agreeing) / len(records):.0f}%); invalid blocks flagged near the bad "
        f"line: {len(caught)}/{len(invalid)}"
    )
    print(f"\n[corpus] {sides}\n[corpus] {agreement}\n[corpus] findings: {verdicts}")
    record_property("corpus_sides_parsed", f"{parsed}/{total}")
    record_property("corpus_agreement", f"{len(agreeing)}/{len(records)}")
    assert total > 0
    assert len(caught) == len(invalid)
