"""The command line, run as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from derive import __version__


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "derive", *args],
        capture_output=True, text=True, cwd=cwd, timeout=600,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"derive {__version__}"


def test_no_command_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_build_one_derivation_into_a_folder(tmp_path: Path) -> None:
    result = run("build", "sigmoid", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for suffix in (".tex", ".md", ".json", ".html", ".mathml.html"):
        assert (tmp_path / f"sigmoid{suffix}").is_file(), suffix
    record = json.loads((tmp_path / "sigmoid.json").read_text())
    assert record["verdict"] in ("proved", "checked")
    # Only the named derivation is built.
    assert not (tmp_path / "tanh.json").exists()


def test_build_unknown_name_is_a_one_line_error(tmp_path: Path) -> None:
    result = run("build", "nosuchfunction", "-o", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "nosuchfunction" in result.stderr
    assert "Traceback" not in result.stderr


def test_steps_prints_the_chain_rule_with_a_named_substitution() -> None:
    result = run("steps", r"\frac{1}{1+e^{-x}}")
    assert result.returncode == 0, result.stderr
    assert "chain rule" in result.stdout
    assert "u = " in result.stdout


def test_steps_as_latex() -> None:
    result = run("steps", r"\sin(x^2) e^{x}", "--format", "latex")
    assert result.returncode == 0, result.stderr
    assert r"\begin{align*}" in result.stdout


def test_steps_with_unreadable_latex_is_a_located_one_line_error() -> None:
    result = run("steps", r"\frac{1}{1+")
    assert result.returncode == 2
    assert result.stderr.startswith("derive steps: error: EXPR:1:")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_check_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("# Good\n\n$$\n(x+1)^2 = x^2 + 2x + 1\n$$\n")
    bad = tmp_path / "bad.md"
    bad.write_text("# Bad\n\n$$\n(x+1)^2 = x^2 + x + 1\n$$\n")
    ok = run("check", str(good))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    wrong = run("check", str(bad))
    assert wrong.returncode == 1
    assert f"{bad}:4:" in wrong.stdout
    assert "refuted" in wrong.stdout
    missing = run("check", str(tmp_path / "absent.md"))
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr


def test_check_fail_on_is_configurable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("$$\n(x+1)^2 = x^2 + x + 1\n$$\n")
    result = run("check", "--fail-on", "error", str(bad))
    assert result.returncode == 0
    nonsense = run("check", "--fail-on", "sometimes", str(bad))
    assert nonsense.returncode == 2


@pytest.mark.parametrize("fmt", ["json", "jsonl", "github", "sarif", "junit"])
def test_check_formats_run(tmp_path: Path, fmt: str) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("$$\n(x+1)^2 = x^2 + x + 1\n$$\n")
    result = run("check", "--format", fmt, str(bad))
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip()


def test_build_without_matplotlib_succeeds_and_says_so_once(tmp_path: Path) -> None:
    # A None entry in sys.modules makes `import matplotlib` fail, as on a machine without it.
    script = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from derive.cli import main\n"
        f"sys.exit(main(['build', 'sigmoid', 'tanh', '-o', {str(tmp_path)!r}]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("plots skipped") == 1
    assert (tmp_path / "sigmoid.html").is_file()
    assert not (tmp_path / "sigmoid.svg").exists()


def test_steps_of_a_constant_is_the_constant_rule() -> None:
    result = run("steps", "5")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "constant rule" in result.stdout


def test_steps_with_other_symbols_only_says_how_to_choose_the_variable() -> None:
    result = run("steps", "a y^2")
    assert result.returncode == 2
    assert "--var" in result.stderr and "a, y" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("expr", [r"\frac{1}{", "x +", "", r"\foo{x}"])
def test_steps_with_bad_input_is_one_located_line(expr: str) -> None:
    result = run("steps", expr)
    assert result.returncode == 2
    assert result.stderr.startswith("derive steps: error: EXPR:1:")
    assert result.stderr.count("\n") == 1 and not result.stdout


def test_steps_of_an_unsupported_function_exits_1_and_says_so() -> None:
    result = run("steps", r"|x|")
    assert result.returncode == 1
    assert "unsupported" in result.stdout and "Overall: unknown" in result.stdout
