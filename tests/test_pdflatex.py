"""Every LaTeX document derive writes compiles with pdflatex (texlive-latex-base only)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from render_fixtures import (
    hand_built_sigmoid,
    sigmoid_derivation,
    unverified,
    with_refuted_step,
    with_title,
)

from derive.render import render_latex

REPO = Path(__file__).resolve().parent.parent
PDFLATEX = shutil.which("pdflatex")

pytestmark = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")


def _compile(tex: str, workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "doc.tex").write_text(tex, encoding="utf-8")
    assert PDFLATEX is not None
    result = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
        cwd=workdir, capture_output=True, text=True, timeout=120, check=False,
    )
    log = (workdir / "doc.log").read_text(encoding="utf-8", errors="replace") \
        if (workdir / "doc.log").exists() else result.stdout
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert result.returncode == 0, f"pdflatex failed: {errors or result.stdout[-2000:]}"
    assert not errors
    assert (workdir / "doc.pdf").stat().st_size > 1000


RENDERED = {
    "sigmoid": sigmoid_derivation,
    "hand-built": hand_built_sigmoid,
    "refuted": lambda: with_refuted_step(hand_built_sigmoid()),
    "unverified": lambda: unverified(hand_built_sigmoid()),
    "hostile-title": lambda: with_title(
        hand_built_sigmoid(), r"<script>alert(1)</script> 50% & $x_1$ #~^\end{document} σ≈ü"),
}


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_rendered_document_compiles(name: str, tmp_path: Path) -> None:
    _compile(render_latex(RENDERED[name]()), tmp_path)


def _committed_tex() -> list[Path]:
    return sorted((REPO / "output").glob("*.tex"))


@pytest.mark.skipif(not _committed_tex(), reason="no output/*.tex yet (run `derive build`)")
@pytest.mark.parametrize("path", _committed_tex(), ids=lambda p: p.name)
def test_committed_output_compiles(path: Path, tmp_path: Path) -> None:
    _compile(path.read_text(encoding="utf-8"), tmp_path)
