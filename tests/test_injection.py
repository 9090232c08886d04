"""Injection: a document, its directives, its macros, the configuration and the command line
never run code and never read a file beyond the document.

``derive check`` runs in CI on documents from pull requests anyone can open.  Every payload
below tries to run a command (each would create its own sentinel file) or to read a file that
holds a unique secret string.  Asserted for every run: no sentinel file appears, the secret
never appears in any output (text, JSON, SARIF; stdout and stderr), and each payload is
reported where it was written (the finding's line, or ``EXPR:line:col`` for ``derive steps``),
while a false ``1+1=3`` beside the payloads is still refuted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from derive.check.checker import check_text
from derive.model import Verdict, VerifySettings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "DERIVE-SECRET-6b1f0e93"
HANG_GUARD = 600
QUICK = VerifySettings(time_limit=2.0, samples=8, digits=15)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder holding the secret beside the documents (and one level up)."""
    (tmp_path / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (tmp_path / "secret.tex").write_text(f"x = {SECRET}\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (work / "secret.tex").write_text(f"{SECRET} = 1\n", encoding="utf-8")
    return work


def _sentinel(folder: Path, name: str) -> str:
    return (folder / f"pwned-{name}").as_posix()


def _sentinels(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.rglob("pwned-*"))


def math_payloads(folder: Path) -> list[str]:
    touch = f"touch {_sentinel(folder, 'math')}"
    return [
        r"\operatorname{__import__}('os') = 1",
        r"\operatorname{__import__}('os').system('" + touch + "') = 1",
        r"\input{/etc/passwd} = 1",
        r"\input{secret.txt} = 1",
        r"\input secret = 1",
        r"\include{../secret} = x",
        r"\include{secret} + 1 = x",
        r"\write18{" + touch + "} = 1",
        r"\immediate\write18{" + touch + "} = 1",
        r"eval(x) = 1",
        r"exec(x) + 1 = 2",
        r"open(x) = 1",
        r"getattr(x, x) = 1",
        r"\operatorname{eval}(x) = \operatorname{exec}(x)",
        r"\mathrm{open}('secret.txt') = 1",
        r"x_{[open('secret.txt').read()]} = 1",
        r"\operatorname{system}('" + touch + "') = 0",
    ]


def directive_payloads(folder: Path) -> list[str]:
    touch = _sentinel(folder, "directive")
    return [
        f"<!-- derive: define f(x) = __import__('os').system('touch {touch}') -->",
        "<!-- derive: define g(x) = \\input{secret.txt} -->",
        f"<!-- derive: assume __import__('os').system('touch {touch}') > 0 -->",
        "<!-- derive: assume x > \\input{secret.txt} -->",
        f"<!-- derive: define h = exec('import os; os.system(\"touch {touch}\")') -->",
    ]


def _document(folder: Path) -> str:
    parts = ["# Payloads\n"]
    for payload in directive_payloads(folder):
        parts.append(f"{payload}\n\n$$\nf(2) + g(1) + h = x\n$$\n")
    for payload in math_payloads(folder):
        parts.append(f"$$\n{payload}\n$$\n")
    parts.append("$$\n1+1=3\n$$\n")
    return "\n".join(parts)


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "derive", *args], capture_output=True, text=True, cwd=folder,
        timeout=HANG_GUARD, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _assert_clean(folder: Path, *runs: subprocess.CompletedProcess[str]) -> None:
    assert _sentinels(folder) == []
    for run in runs:
        assert SECRET not in run.stdout and SECRET not in run.stderr
        assert "Traceback" not in run.stderr, run.stderr


def _claims(stdout: str) -> list[dict[str, object]]:
    return [claim for file in json.loads(stdout)["files"] for claim in file["claims"]]


def _located_lines(stdout: str) -> set[int]:
    """Lines with any finding: a claim, a definition or a warning."""
    return {
        int(str(entry["line"])) for file in json.loads(stdout)["files"]
        for part in ("claims", "definitions", "warnings") for entry in file[part]
    }


#: Payloads no reading may accept: each must end in an error or unknown at its line.
UNREADABLE = ("__import__", "\\input", "\\include", "\\write18", "exec('")


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_payloads_in_math_and_directives(folder: Path) -> None:
    text = _document(folder)
    (folder / "doc.md").write_text(text, encoding="utf-8")
    runs = [_run(folder, "check", "doc.md", "--time-limit", "2", "--format", form)
            for form in ("json", "text", "sarif")]
    _assert_clean(folder, *runs)
    claims = _claims(runs[0].stdout)
    declined = {int(str(c["line"])) for c in claims if c["verdict"] in ("error", "unknown")}
    located = _located_lines(runs[0].stdout)
    for payload in math_payloads(folder) + directive_payloads(folder):
        line = _line_of(text, payload)  # a directive's finding is at the directive
        assert line in located, payload
        if any(word in payload for word in UNREADABLE):
            assert line in declined, payload
    assert [c["verdict"] for c in claims if c["lhs"] == "1+1"] == ["refuted"]
    assert runs[0].returncode == 1


def test_payloads_in_process(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same document through the Python API; the working folder holds the secret."""
    monkeypatch.chdir(folder)
    report = check_text("doc.md", _document(folder), QUICK)
    assert _sentinels(folder) == []
    assert all(SECRET not in repr(finding) for finding in report.findings)
    assert not any(f.message.startswith("internal error") for f in report.findings)
    assert [f.verdict for f in report.findings if f.lhs == "1+1"] == [Verdict.REFUTED]


def test_payloads_in_macros_and_configuration(folder: Path) -> None:
    touch = _sentinel(folder, "macro")
    document = (
        "\\newcommand{\\leak}{\\input{secret.txt}}\n"
        f"\\def\\run{{\\immediate\\write18{{touch {touch}}}}}\n"
        "\\newcommand{\\imp}[1]{\\operatorname{__import__}(#1)}\n"
        "\\begin{document}\n"
        "\\[\n\\leak = 1\n\\]\n"
        "\\[\n\\run + 1 = 1\n\\]\n"
        "\\[\n\\imp{'os'} = 1\n\\]\n"
        "\\[\n\\proj + 1 = 1\n\\]\n"
        "\\[\n\\sys = 0\n\\]\n"
        "\\[\nq(1) + k(2) = 2\n\\]\n"
        "\\[\n1+1=3\n\\]\n"
        "\\end{document}\n"
    )
    (folder / "doc.tex").write_text(document, encoding="utf-8")
    (folder / "pyproject.toml").write_text(
        "[tool.derive]\n"
        'macros = { proj = "\\\\input{secret.txt}", '
        f"sys = \"\\\\operatorname{{__import__}}('os').system('touch {touch}')\" }}\n"
        f"definitions = [\"q(x) = __import__('os').system('touch {touch}')\", "
        '"k(x) = \\\\input{secret.txt}"]\n',
        encoding="utf-8",
    )
    runs = [_run(folder, "check", "doc.tex", "--time-limit", "2", "--format", form)
            for form in ("json", "text")]
    _assert_clean(folder, *runs)
    claims = _claims(runs[0].stdout)
    by_line = {int(str(c["line"])): c for c in claims}
    for needle in ("\\leak =", "\\run +", "\\imp{", "\\proj +", "\\sys =", "q(1)"):
        line = _line_of(document, needle)
        assert by_line[line]["verdict"] in ("error", "unknown"), (needle, by_line.get(line))
    # the configuration's unreadable definitions are reported (at the document's start)
    assert sum(1 for c in claims if c["line"] == 1 and c["verdict"] == "error") >= 2
    assert [c["verdict"] for c in claims if c["lhs"] == "1+1"] == ["refuted"]


@pytest.mark.parametrize("expression", [
    "__import__('os').system('touch {touch}')",
    "\\operatorname{__import__}('os')",
    "\\input{secret.txt}",
    "\\include{../secret}",
    "\\immediate\\write18{touch {touch}}",
    "eval(x)",
    "exec(x)",
    "open(x)",
    "getattr(x, x)",
])
def test_payloads_in_derive_steps(folder: Path, expression: str) -> None:
    expression = expression.replace("{touch}", _sentinel(folder, "steps"))
    run = _run(folder, "steps", expression, "--format", "json")
    _assert_clean(folder, run)
    if run.returncode == 2:
        assert "EXPR:1:" in run.stderr, run.stderr  # a located, one-line error
        assert len(run.stderr.strip().splitlines()) == 1
    else:
        # read as ordinary functions of x (eval, exec, open are just names): a derivation
        assert run.returncode in (0, 1) and json.loads(run.stdout)["steps"]


def test_payloads_in_check_arguments(folder: Path) -> None:
    touch = _sentinel(folder, "define")
    (folder / "doc.md").write_text("$$\nf(2) = 4\n$$\n\n$$\n1+1=3\n$$\n", encoding="utf-8")
    runs = [
        _run(folder, "check", "doc.md", "--time-limit", "2", "--format", "json", "--define",
             f"f(x) = __import__('os').system('touch {touch}')"),
        _run(folder, "check", "doc.md", "--time-limit", "2", "--format", "json", "--define",
             "f(x) = \\input{secret.txt}"),
        _run(folder, "check", "doc.md", "--time-limit", "2", "--format", "json",
             "--exclude", f"$(touch {touch})"),
        _run(folder, "check", f"$(touch {touch})", "--format", "json"),
        _run(folder, "check", "secret.txt", "--format", "json"),
    ]
    _assert_clean(folder, *runs)
    for run in runs[:2]:
        claims = _claims(run.stdout)
        assert [c["verdict"] for c in claims if c["lhs"] == "1+1"] == ["refuted"]
        assert any(c["verdict"] == "error" and c["line"] == 1 for c in claims), claims
        # f's definition was not read: f(2) = 4 is not verified against it
        assert [c["verdict"] for c in claims if c["lhs"] == "f(2)"] != ["proved"]
