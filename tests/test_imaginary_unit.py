"""The imaginary unit: i where the document uses complex numbers, j when configured, and a
doubt (never a refutation) where the letter may be the unit but nobody said so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from derive.check.checker import check_text
from derive.model import Verdict

COMPLEX_I = """Complex numbers: $i^2 = -1$.

$$
(1 + i)^2 = 2i
$$

$$
(1 + i)^2 = 2
$$

$$
e^{i\\pi} + 1 = 0
$$
"""

COMPLEX_J = """In circuits the imaginary unit is $j$, with $j^2 = -1$.

$$
e^{j\\theta} = \\cos\\theta + j\\sin\\theta
$$

$$
(1 + j)^2 = 2
$$
"""


def verdicts(text: str, **options: str) -> list[tuple[int, Verdict]]:
    report = check_text("notes.md", text, **options)  # type: ignore[arg-type]
    return [(f.location.line, f.verdict) for f in report.findings if f.verdict is not None]


def test_i_is_the_unit_where_the_document_uses_complex_numbers() -> None:
    found = dict(verdicts(COMPLEX_I))
    assert found[4] is Verdict.PROVED
    assert found[8] is Verdict.REFUTED  # (1 + i)^2 is 2i, not 2: a real mistake stays refuted
    assert found[12] is Verdict.PROVED


def test_a_complex_refutation_shows_complex_values() -> None:
    report = check_text("notes.md", COMPLEX_I)
    wrong = next(f for f in report.findings if f.location.line == 8)
    assert wrong.evidence is not None and wrong.evidence.counterexample is not None
    assert wrong.evidence.counterexample.lhs_value == "2.0i"


def test_j_is_the_unit_when_configured() -> None:
    found = dict(verdicts(COMPLEX_J, imaginary_unit="j"))
    assert found[4] is Verdict.PROVED
    assert found[8] is Verdict.REFUTED


def test_j_written_as_the_unit_but_not_configured_is_a_doubt_not_a_refutation() -> None:
    report = check_text("notes.md", COMPLEX_J)
    claims = [f for f in report.findings if f.verdict is not None]
    assert claims and all(f.verdict is not Verdict.REFUTED for f in claims)
    assert any("imaginary-unit" in f.message for f in claims)


def test_the_cli_takes_the_imaginary_unit(tmp_path: Path) -> None:
    (tmp_path / "circuit.md").write_text(COMPLEX_J)
    run = subprocess.run(
        [sys.executable, "-m", "derive", "check", "--imaginary-unit", "j", "circuit.md"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert run.returncode == 1
    assert "circuit.md:8" in run.stdout and "refuted" in run.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "derive", "check", "--imaginary-unit", "k", "circuit.md"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_the_config_takes_the_imaginary_unit(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nimaginary-unit = "j"\n')
    (tmp_path / "circuit.md").write_text(COMPLEX_J)
    run = subprocess.run(
        [sys.executable, "-m", "derive", "check", "circuit.md"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert "circuit.md:8" in run.stdout and "refuted" in run.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nimaginary-unit = "k"\n')
    bad = subprocess.run(
        [sys.executable, "-m", "derive", "check", "circuit.md"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert bad.returncode == 2 and "imaginary-unit" in bad.stderr
