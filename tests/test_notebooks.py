"""Jupyter notebooks: the Markdown cells are read, located by cell, line and column."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

# Imported once here: pytester's in-process runs drop the modules they import.
import derive.check.checker  # noqa: F401
from derive.check.api import check_paths
from derive.extract import NotebookError, extract_blocks, file_directives, syntax_for
from derive.extract.notebook import file_position, read_notebook
from derive.model import Location, Verdict, VerifySettings
from derive.report.github import format_github
from derive.report.json import report_record
from derive.report.junit import format_junit
from derive.report.sarif import format_sarif

pytest_plugins = ["pytester"]

SETTINGS = VerifySettings(time_limit=10.0)

RIGHT_CELL = [
    "# Notes\n", "\n", "A right one:\n", "\n", "$$\n",
    "\\frac{d}{dx}\\left(x^2\\right) = 2x\n", "$$",
]
CODE_CELL = ["x = 1  # $$a = b$$ is code, never read\n", "print(x)"]
# one string (not a list), with a non-ASCII character escaped by json.dumps
WRONG_CELL = "A mistake, caf\u00e9:\n\n$$\n(x+1)^2 = x^2 + x + 1\n$$\n"


def notebook(*cells: tuple[str, str | list[str]]) -> str:
    data = {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": source,
             **({"outputs": [], "execution_count": None} if kind == "code" else {})}
            for kind, source in cells
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    return json.dumps(data, indent=1)


NOTES = notebook(("markdown", RIGHT_CELL), ("code", CODE_CELL), ("markdown", WRONG_CELL))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def char_at(text: str, line: int, column: int) -> str:
    return text.split("\n")[line - 1][column - 1]


# ---------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------


def test_notebooks_are_a_syntax() -> None:
    assert syntax_for("a/notes.ipynb") == "notebook"
    assert syntax_for("NOTES.IPYNB") == "notebook"


def test_markdown_cells_only_located_by_cell() -> None:
    blocks = extract_blocks("notes.ipynb", NOTES)
    assert [b.text.strip() for b in blocks] == [
        "\\frac{d}{dx}\\left(x^2\\right) = 2x", "(x+1)^2 = x^2 + x + 1"]
    first, second = blocks
    assert first.start == Location("notes.ipynb", 5, 3, cell=1)
    assert second.start == Location("notes.ipynb", 3, 3, cell=3)  # cell 2 is code
    # every character sits at its recorded line and column of its own cell
    cells = ["".join(RIGHT_CELL), WRONG_CELL]
    for block, cell_text in zip(blocks, cells, strict=True):
        for char, (line, column) in zip(block.text, block.positions, strict=True):
            assert (cell_text.split("\n")[line - 1] + "\n")[column - 1] == char
    x_squared = second.text.index("x^2")
    assert second.location_of(x_squared) == Location("notes.ipynb", 4, 11, cell=3)


def test_location_text_names_the_cell() -> None:
    assert str(Location("notes.ipynb", 4, 11, cell=3)) == "notes.ipynb:cell 3:4:11"
    assert str(Location("notes.md", 4, 11)) == "notes.md:4:11"
    assert Location("n.ipynb", 9, 1, cell=1).sort_key < Location("n.ipynb", 1, 1, cell=2).sort_key


def test_a_block_never_spans_two_cells() -> None:
    text = notebook(("markdown", "$$\na = 1"), ("markdown", "b = 2\n$$"))
    assert extract_blocks("open.ipynb", text) == []


def test_definitions_macros_and_directives_hold_in_later_cells(tmp_path: Path) -> None:
    text = notebook(
        ("markdown", "$$\\newcommand{\\sq}[1]{\\left(#1\\right)^{2}}$$\n"),
        ("markdown", "$$\nf(x) = x^2\n$$"),
        ("markdown", "<!-- derive: skip -->"),
        ("markdown", "$$\na = b\n$$"),
        ("markdown", "$$\n\\sq{x} = f(x)\n$$"),
    )
    path = write(tmp_path, "later.ipynb", text)
    report = check_paths([str(path)], settings=SETTINGS)
    verdicts = [(f.location.cell, f.verdict) for f in report.files[0].findings
                if f.verdict is not None]
    assert verdicts == [(5, Verdict.PROVED)]  # cell 4 is skipped; the macro and f are known


def test_a_directive_applies_by_cell_before_line(tmp_path: Path) -> None:
    # the assumption (cell 2, line 1) comes after the block of cell 1 (line 3) and before
    # the block of cell 3 (line 1): ordering by line alone would get both wrong
    text = notebook(
        ("markdown", "Before:\n\n$$\\sqrt{x^2} = x$$"),
        ("markdown", "<!-- derive: assume x > 0 -->"),
        ("markdown", "$$\\sqrt{x^2} = x$$"),
    )
    path = write(tmp_path, "assume.ipynb", text)
    findings = check_paths([str(path)], settings=SETTINGS).files[0].findings
    verdicts = [(f.location.cell, f.verdict) for f in findings if f.verdict is not None]
    assert verdicts == [(1, Verdict.UNKNOWN), (3, Verdict.PROVED)]
    directive = file_directives("assume.ipynb", text)[0]
    assert directive.location == Location("assume.ipynb", 1, 21, cell=2)  # its argument


# ---------------------------------------------------------------------------
# Positions in the .ipynb file itself
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "line", "column", "expected"), [
    (1, 6, 32, "2"),  # after escaped backslashes in a list-of-lines source
    (1, 6, 1, "\\"),
    (3, 4, 11, "x"),  # a one-string source, after an escaped \u00e9 and \n escapes
    (3, 1, 15, "\\"),  # the é itself: the start of its \u00e9 escape
])
def test_file_position_points_into_the_json(cell: int, line: int, column: int,
                                            expected: str) -> None:
    position = read_notebook(NOTES).file_position(cell, line, column)
    assert position is not None
    assert char_at(NOTES, *position) == expected


def test_file_position_rereads_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.ipynb", NOTES)
    position = file_position(str(path), 3, 4, 11)
    assert position is not None and char_at(NOTES, *position) == "x"
    assert file_position(str(tmp_path / "missing.ipynb"), 3, 4, 11) is None


# ---------------------------------------------------------------------------
# Malformed notebooks
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ('{"cells": [', "not a valid notebook: invalid JSON"),
    ("[1, 2]", "not a valid notebook: the JSON is not an object"),
    ('{"worksheets": []}', "nbformat 3"),
    ('{"nbformat": 4}', "no 'cells' list"),
    ('{"cells": [{"source": "x"}]}', "cell 1 has no cell_type"),
    ('{"cells": [{"cell_type": "markdown", "source": 3}]}', "cell 1: source is not text"),
])
def test_malformed_notebooks_raise_one_line(text: str, message: str) -> None:
    with pytest.raises(NotebookError, match=message) as raised:
        extract_blocks("bad.ipynb", text)
    assert "\n" not in str(raised.value)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def test_cli_on_a_notebook(tmp_path: Path) -> None:
    write(tmp_path, "notes.ipynb", NOTES)
    write(tmp_path, "bad.ipynb", '{"cells": [')
    result = run_cli("check", "-v", "notes.ipynb", "bad.ipynb", cwd=tmp_path)
    assert result.returncode == 2  # a document that cannot be read is an input error
    lines = result.stdout.splitlines()
    assert lines[0] == "notes.ipynb:cell 1:6:32: proved: identical after evaluating derivatives"
    assert lines[1].startswith("notes.ipynb:cell 3:4:11: refuted equation does not hold")
    assert lines[2] == "    claim: (x+1)^2 = x^2 + x + 1"
    assert lines[3].startswith("bad.ipynb: error not a valid notebook: invalid JSON: ")
    assert "Traceback" not in result.stdout + result.stderr
    assert "1 proved, 0 checked, 1 refuted" in lines[-1]


def test_cli_clean_notebook_exits_zero(tmp_path: Path) -> None:
    write(tmp_path, "ok.ipynb", notebook(("markdown", RIGHT_CELL)))
    assert run_cli("check", "ok.ipynb", cwd=tmp_path).returncode == 0


def test_folders_walk_finds_notebooks(tmp_path: Path) -> None:
    write(tmp_path, "notes.ipynb", NOTES)
    report = check_paths([str(tmp_path)], settings=SETTINGS)
    assert [Path(f.path).name for f in report.files] == ["notes.ipynb"]


# ---------------------------------------------------------------------------
# Reporters
# ---------------------------------------------------------------------------


@pytest.fixture
def notes_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "notes.ipynb", NOTES)
    return check_paths(["notes.ipynb"], settings=SETTINGS)


def test_json_reports_carry_the_cell(notes_report) -> None:  # type: ignore[no-untyped-def]
    claims = report_record(notes_report)["files"][0]["claims"]
    assert [(c["cell"], c["line"], c["column"], c["verdict"]) for c in claims] == [
        (1, 6, 32, "proved"), (3, 4, 11, "refuted")]


def test_sarif_and_github_point_at_the_json_line(notes_report) -> None:  # type: ignore[no-untyped-def]
    sarif = json.loads(format_sarif(notes_report, root="."))
    result = sarif["runs"][0]["results"][0]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert char_at(NOTES, region["startLine"], region["startColumn"]) == "x"
    assert NOTES.split("\n")[region["startLine"] - 1].strip().startswith('"source": "A mistake')
    assert result["properties"]["notebookCell"] == {"cell": 3, "line": 4, "column": 11}
    github = format_github(notes_report).splitlines()[0]
    assert github.startswith(
        f"::error file=notes.ipynb,line={region['startLine']},col={region['startColumn']},"
        "title=derive DRV001 refuted (cell 3%2C line 4)::")


def test_junit_names_cases_by_cell(notes_report) -> None:  # type: ignore[no-untyped-def]
    root = ET.fromstring(format_junit(notes_report))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {"cell1-L6", "cell3-L4"}
    line = int(cases["cell3-L4"].get("line") or 0)
    assert NOTES.split("\n")[line - 1].strip().startswith('"source": "A mistake')
    failure = cases["cell3-L4"].find("failure")
    assert failure is not None and (failure.text or "").startswith("notes.ipynb:cell 3:4:11: ")


# ---------------------------------------------------------------------------
# The pytest plugin
# ---------------------------------------------------------------------------


def test_pytest_plugin_collects_notebooks(pytester: pytest.Pytester) -> None:
    write(pytester.path, "notes.ipynb", NOTES)
    result = pytester.runpytest("--derive", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*notes.ipynb::cell1-L6 PASSED*",
        "*notes.ipynb::cell3-L4 FAILED*",
    ])
    output = result.stdout.str()
    assert "notes.ipynb:cell 3:4:11: refuted" in output
    assert "counterexample: at x = " in output
    assert "Traceback" not in output


def test_pytest_items_report_the_json_line(pytester: pytest.Pytester) -> None:
    write(pytester.path, "notes.ipynb", NOTES)
    items, _ = pytester.inline_genitems("--derive", "-p", "no:cacheprovider")
    lines = {item.name: item.location[1] + 1 for item in items}
    assert char_at(NOTES, lines["cell1-L6"], 1) == " "
    assert '"\\\\frac{d}{dx}' in NOTES.split("\n")[lines["cell1-L6"] - 1]
    assert '"source": "A mistake' in NOTES.split("\n")[lines["cell3-L4"] - 1]


def test_pytest_plugin_malformed_notebook_is_one_line(pytester: pytest.Pytester) -> None:
    write(pytester.path, "bad.ipynb", '{"cells": [')
    result = pytester.runpytest("--derive", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert "bad.ipynb: not a valid notebook: invalid JSON" in output
    assert "Traceback" not in output and "raise " not in output
