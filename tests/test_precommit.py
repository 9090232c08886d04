"""The pre-commit hook: its manifest, and its entry run on a good and a bad document."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HOOKS = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"


def hook_fields() -> dict[str, str]:
    """The top-level ``key: value`` lines of the single hook (no YAML library needed)."""
    fields: dict[str, str] = {}
    for raw in HOOKS.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #")[0].rstrip()
        if not line or line.lstrip().startswith("#"):
            continue
        key, _, value = line.lstrip("- ").partition(":")
        fields[key.strip()] = value.strip()
    return fields


def entry_command() -> list[str]:
    words = shlex.split(hook_fields()["entry"])
    assert words[0] == "derive"
    executable = shutil.which("derive")
    # pre-commit installs the package and runs its console script; fall back to -m
    return ([executable] if executable else [sys.executable, "-m", "derive"]) + words[1:]


def test_manifest_fields() -> None:
    fields = hook_fields()
    assert fields["id"] == "derive-check"
    assert fields["language"] == "python"
    assert fields["entry"] == "derive check"
    assert fields["types_or"] == "[markdown, rst, tex]"


@pytest.mark.parametrize(("text", "expected"), [
    ("# Fine\n\n$$\n(x+1)^2 = x^2 + 2x + 1\n$$\n", 0),
    ("# Wrong\n\n$$\n(x+1)^2 = x^2 + 1\n$$\n", 1),
])
def test_entry_exit_codes(tmp_path: Path, text: str, expected: int) -> None:
    document = tmp_path / "notes.md"
    document.write_text(text, encoding="utf-8")
    # pre-commit appends the staged file names to the entry
    result = subprocess.run(entry_command() + [str(document)], capture_output=True, text=True,
                            cwd=tmp_path, timeout=300)
    assert result.returncode == expected, result.stdout + result.stderr
    if expected:
        assert "notes.md:4:" in result.stdout
    assert "Traceback" not in result.stderr


def test_entry_usage_error_is_exit_code_2(tmp_path: Path) -> None:
    result = subprocess.run(entry_command() + [str(tmp_path / "missing.md")],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 2
