"""Resource limits: a hostile construct costs one claim at most, never the file or the run.

Every limit of ``derive/parse/limits.py`` and of macro expansion has an adversarial document
here.  Each asserts two things: the bad claim ends ``error`` (or ``unknown``) with the reason,
at the line it was written on, and a sibling ``1+1=3`` in the same file is still refuted.
The constructs below once cost the whole file (an exception) or hung the checker for minutes;
see docs/limits.md.  Nothing here asserts a time: linear cost is asserted by counting work,
and the big inputs run in a subprocess whose timeout is only a hang guard.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from derive.check import checker
from derive.check.checker import check_text
from derive.check.working_copy import WorkingCopy
from derive.extract import extract_blocks
from derive.extract.macros import MAX_LENGTH
from derive.model import Finding, Verdict, VerifySettings
from derive.parse import limits

ROOT = Path(__file__).resolve().parent.parent
QUICK = VerifySettings(time_limit=2.0, samples=8, digits=15)
SIBLING = "1+1=3"
HANG_GUARD = 600  # seconds: only a hang reaches it


def _check(math: str, *, preamble: str = "", path: str = "doc.md") -> tuple[list[Finding], str]:
    """Findings of a document holding ``math`` on line 2 (or after the preamble) and then a
    false sibling claim, and the document's text."""
    if path.endswith(".tex"):
        text = f"{preamble}\\[\n{math}\n\\]\n\n\\[\n{SIBLING}\n\\]\n"
    else:
        text = f"{preamble}$$\n{math}\n$$\n\n$$\n{SIBLING}\n$$\n"
    return list(check_text(path, text, QUICK).findings), text


def _bad_and_sibling(math: str, **kwargs: str) -> tuple[Finding, Finding]:
    findings, text = _check(math, **kwargs)
    sibling = [f for f in findings if f.lhs == "1+1"]
    assert len(sibling) == 1 and sibling[0].verdict is Verdict.REFUTED, findings
    line = text.splitlines().index(math.splitlines()[0]) + 1
    bad = [f for f in findings if f.location.line == line]
    assert len(bad) == 1, findings
    assert len(bad[0].message) <= limits.MAX_MESSAGE + 40, len(bad[0].message)
    return bad[0], sibling[0]


HOSTILE = {
    # name: (math, words the reason must contain)
    "power tower": (r"x^{10^{10^{10}}} = 1", "too large"),
    "huge power of an integer": (r"2^{10^{10}} = 1", "too large"),
    "huge factorial": (r"10000000000! = 1", "factorial"),
    "factorial of a power": (r"10^{10^{10}}! = 1", "too large"),
    "100k-digit integer": ("7" * 100_000 + " = 1", "digits"),
    "4,301-digit integer (Python's int-string limit)": ("1" * 4301 + " = 1", "digits"),
    "pi to 100k digits": (r"\pi \approx 3." + "1415926535" * 10_000, "digits"),
    "derivative of order 1000": (r"\frac{d^{1000}}{dx^{1000}} e^{x^2} = 0", "order"),
    "244 nested parentheses": ("(" * 244 + "x" + ")" * 244 + " = x", "nested"),
    "163 nested fractions": ("\\frac{1}{" * 163 + "x" + "}" * 163 + " = x", "nested"),
    "prefix operators": ("-" * 300 + "x = x", "nested"),
    "too many tokens": ("+".join(["x"] * 2000) + " = 2000 x", "tokens"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_construct_costs_one_claim(name: str) -> None:
    math, reason = HOSTILE[name]
    bad, _ = _bad_and_sibling(math)
    assert bad.verdict in (Verdict.ERROR, Verdict.UNKNOWN), bad
    assert reason in bad.message, bad.message


def test_a_sum_of_488_terms_is_read() -> None:
    # 488 terms used to overflow the parser and cost the whole file; now it is just math
    bad, _ = _bad_and_sibling("+".join(["x"] * 488) + " = 488 x")
    assert bad.verdict is Verdict.PROVED, bad


def test_a_4000_digit_integer_is_read_and_its_message_is_short() -> None:
    bad, _ = _bad_and_sibling("7" * 3999 + " = 1")
    assert bad.verdict is Verdict.REFUTED
    assert "(3,999 digits)" in bad.message and "7" * 100 not in bad.message


def test_short_message_cuts_length_and_digit_runs() -> None:
    assert limits.short_message("lhs = 12") == "lhs = 12"
    digits = limits.short_message("x = " + "3" * 500)
    assert digits == "x = " + "3" * 20 + "..." + "3" * 5 + " (500 digits)"
    long = limits.short_message("word " * 1000)
    assert len(long) < limits.MAX_MESSAGE + 40 and long.endswith("more characters)")


# ---- macros ---------------------------------------------------------------------------------

def _name(index: int) -> str:
    """Letters only (TeX control words): 0 -> a, 25 -> z, 26 -> ba."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(97 + rest) + letters
    return letters


def _doubling_chain(length: int) -> tuple[str, str]:
    preamble = "\\newcommand{\\ma}{x}\n" + "".join(
        f"\\newcommand{{\\m{_name(i + 1)}}}{{\\m{_name(i)}+\\m{_name(i)}}}\n"
        for i in range(length)
    )
    return preamble, f"\\m{_name(length)} = 1"


@pytest.mark.parametrize("case", ["recursive def", "recursive newcommand", "doubling chain",
                                  "big body used 2,000 times"])
def test_macro_expansion_stops_at_its_budget(case: str) -> None:
    preamble, math = {
        "recursive def": ("\\def\\a{\\a\\a}\n", r"\a = 1"),
        "recursive newcommand": ("\\newcommand{\\a}{\\a}\n", r"\a = 1"),
        "doubling chain": _doubling_chain(40),
        # 19 KB body, used 2,000 times in a 23 KB file: 38 MB of math if expanded
        "big body used 2,000 times": ("\\newcommand{\\B}{" + "x+" * 9500 + "}\n",
                                      "\\B" * 2000 + " = 1"),
    }[case]
    bad, _ = _bad_and_sibling(math, preamble=preamble, path="doc.tex")
    assert bad.verdict is Verdict.ERROR
    assert "macro expansion stopped" in bad.message, bad.message


def test_expansion_is_budgeted_while_it_runs() -> None:
    # the region's math never grows by more than the budget: checked per invocation
    text = "\\newcommand{\\B}{" + "x+" * 9500 + "}\n\\[\n" + "\\B" * 2000 + " = 1\n\\]\n"
    block = extract_blocks("doc.tex", text)[0]
    assert len(block.text) <= 2 * 2000 + MAX_LENGTH + 10
    assert limits.EXPANSION_LIMIT_MARK in block.text


def test_macros_within_the_budget_still_expand() -> None:
    preamble, math = _doubling_chain(8)  # 256 x's: well inside the budget
    findings, _ = _check(math.replace("= 1", "= 256 x"), preamble=preamble, path="doc.tex")
    assert [f.verdict for f in findings] == [Verdict.PROVED, Verdict.REFUTED], findings


def test_project_macros_are_budgeted_too(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.derive]\nmacros = { a = "\\\\a\\\\a\\\\a" }\n', encoding="utf-8")
    document = tmp_path / "a.md"
    document.write_text(f"$$\n\\a = 1\n$$\n\n$$\n{SIBLING}\n$$\n", encoding="utf-8")
    run = _cli(str(document), "--fail-on", "refuted")
    assert run.returncode == 1
    verdicts = {(c["line"], c["verdict"]) for c in _claims(run.stdout)}
    assert verdicts == {(2, "error"), (6, "refuted")}, run.stdout


# ---- the whole file and the run -------------------------------------------------------------

def _cli(*args: str, timeout: float = HANG_GUARD) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "derive", "check", "--format", "json", "--time-limit", "2",
         *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False,
        env=_env(),
    )


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _claims(stdout: str) -> list[dict[str, object]]:
    return [claim for file in json.loads(stdout)["files"] for claim in file["claims"]]


def test_fail_on_refuted_fails_a_file_with_hostile_constructs(tmp_path: Path) -> None:
    constructs = [HOSTILE[name][0] for name in sorted(HOSTILE)]
    text = "".join(f"$$\n{math}\n$$\n\n" for math in constructs) + f"$$\n{SIBLING}\n$$\n"
    document = tmp_path / "hostile.md"
    document.write_text(text, encoding="utf-8")
    run = _cli(str(document), "--fail-on", "refuted")
    assert run.returncode == 1, run.stderr
    claims = _claims(run.stdout)
    assert [c["verdict"] for c in claims if c["lhs"] == "1+1"] == ["refuted"]
    assert all(len(str(c["message"])) < limits.MAX_MESSAGE + 40 for c in claims)
    # without the sibling, the hostile constructs alone do not fail --fail-on refuted
    document.write_text(text.replace(SIBLING, "1+1=2"), encoding="utf-8")
    assert _cli(str(document), "--fail-on", "refuted").returncode == 0


def test_claims_beyond_the_per_file_limit_get_one_finding(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setattr(checker, "MAX_CLAIMS_PER_FILE", 3)
    text = "".join(f"$$\nx_{{{i}}} + 1 = 1 + x_{{{i}}}\n$$\n\n" for i in range(6))
    findings = check_text("doc.md", text + f"$$\n{SIBLING}\n$$\n", QUICK).findings
    assert [f.verdict for f in findings] == [Verdict.PROVED] * 3 + [Verdict.UNKNOWN]
    last = findings[-1]
    assert last.location.line == 14  # the first claim not checked
    assert "the 3 after it are beyond the limit of 3 claims per file" in last.message


def test_an_aligned_block_costs_work_linear_in_its_rows(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """Characters the row splitter copies out of its working copies, for n and 4n rows."""
    copied = [0]
    original_slice, original_text = WorkingCopy.slice, WorkingCopy.text

    def counting_slice(self: WorkingCopy, start: int, end: int) -> str:
        result = original_slice(self, start, end)
        copied[0] += len(result)
        return result

    def counting_text(self: WorkingCopy) -> str:
        result = original_text(self)
        copied[0] += len(result)
        return result

    monkeypatch.setattr(WorkingCopy, "slice", counting_slice)
    monkeypatch.setattr(WorkingCopy, "text", counting_text)
    from derive.check.rows import split_rows

    def work(rows: int) -> int:
        text = ("$$\n\\begin{aligned}\n"
                + "".join(f"x_{{{i}}} &= x_{{{i}}} + 0 \\\\\n" for i in range(rows))
                + "\\end{aligned}\n$$\n")
        copied[0] = 0
        assert len(split_rows(extract_blocks("doc.md", text)[0])) == rows
        return copied[0]

    small, large = work(100), work(400)
    assert large < 5 * small, (small, large)  # quadratic would be 16 times


def test_a_20000_row_block_completes() -> None:
    """Extraction and row splitting of 20,000 rows (did not finish before); the timeout is
    only a hang guard."""
    script = (
        "from derive.extract import extract_blocks\n"
        "from derive.check.rows import split_rows\n"
        "text = '$$\\n\\\\begin{aligned}\\n' + ''.join("
        "f'x_{{{i}}} &= x_{{{i}}} \\\\\\\\\\n'"
        " for i in range(20000)) + '\\\\end{aligned}\\n$$\\n'\n"
        "print(len(split_rows(extract_blocks('doc.md', text)[0])))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=HANG_GUARD, cwd=ROOT, env=_env(), check=False)
    assert run.stdout.strip() == "20000", run.stderr


def test_nested_definitions_cost_linear_work_in_the_reader() -> None:
    # u_k = u_{k-1}^2 + u_{k-1}, 40 deep: unfolded as a tree, its size doubles with each
    # definition; the reader follows names instead (substituting took minutes), and the
    # claim itself is bounded by its worker's deadline
    rows = ["u_{0} &= x \\\\"] + [
        f"u_{{{k}}} &= u_{{{k - 1}}}^2 + u_{{{k - 1}}} \\\\" for k in range(1, 40)
    ]
    text = (
        "$$\n\\begin{aligned}\n" + "\n".join(rows) + "\n\\end{aligned}\n$$\n\n"
        "$$\nu_{39} + 1 = u_{39} + 2\n$$\n\n$$\n" + SIBLING + "\n$$\n"
    )
    findings = check_text("doc.md", text, QUICK).findings
    (sibling,) = [f for f in findings if f.lhs == "1+1"]
    assert sibling.verdict is Verdict.REFUTED
    (deep,) = [f for f in findings if f.lhs == "u_{39} + 1"]
    assert deep.verdict in (Verdict.REFUTED, Verdict.UNKNOWN)
