"""The README's example of a caught mistake is what `derive check` really prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def fenced(text: str, info: str) -> str:
    match = re.search(r"^```" + info + r"\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert match, f"README has no ```{info} block"
    return match.group(1)


def test_readme_example_output_is_real(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    (tmp_path / "notes.md").write_text(fenced(text, "markdown"), encoding="utf-8")
    console = fenced(text, "console").splitlines()
    assert console[0] == "$ derive check notes.md"
    expected = console[1 : console.index("$ echo $?")]
    exit_status = int(console[console.index("$ echo $?") + 1])
    result = subprocess.run(
        [sys.executable, "-m", "derive", "check", "notes.md"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.splitlines() == expected
    assert result.returncode == exit_status


def test_readme_describes_the_json_record_as_docs_do() -> None:
    """The README carries the build record's schema (a stable interface); docs/json-schema.md
    is the copy the field-by-field test reads. They must not drift apart."""
    docs = (README.parent / "docs" / "json-schema.md").read_text(encoding="utf-8")
    expected = docs.replace(
        "## The JSON record (`output/NAME.json`, schema 1)",
        "### The JSON record of `derive build`",
    ).replace("\n### ", "\n#### ").strip()
    text = README.read_text(encoding="utf-8")
    start = text.index("### The JSON record of `derive build`")
    end = text.index("## `derive check`")
    assert text[start:end].strip() == expected
