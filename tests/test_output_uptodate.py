"""The committed output/ is what `derive build` produces, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.cli import main
from derive.render import plots_available

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    not plots_available(), reason="output/ is built with the plot extra (matplotlib) installed"
)
def test_regenerated_output_is_byte_identical(tmp_path: Path) -> None:
    committed = REPO / "output"
    assert main(["build", "-o", str(tmp_path)]) == 0
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    kept = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    assert fresh == kept, "output/ holds other files than a fresh build: run `derive build`"
    for name in fresh:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), (
            f"output/{name} differs from a fresh build: run `derive build` and commit"
        )
