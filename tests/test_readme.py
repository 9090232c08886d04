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
