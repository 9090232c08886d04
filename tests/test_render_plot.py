"""NAME.svg: a deterministic matplotlib plot of f and f' with a legend."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from render_fixtures import hand_built_sigmoid, sigmoid_derivation

from derive.render import plots_available, render_plot_svg, write_outputs
from derive.render.plot import function_symbol

TESTS = Path(__file__).resolve().parent
needs_matplotlib = pytest.mark.skipif(not plots_available(), reason="matplotlib not installed")

_RENDER_IN_CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
from render_fixtures import sigmoid_derivation
from derive.render import render_plot_svg
sys.stdout.buffer.write(render_plot_svg(sigmoid_derivation()).encode())
"""


@needs_matplotlib
def test_svg_is_well_formed_with_legend_and_no_date() -> None:
    svg = render_plot_svg(hand_built_sigmoid())
    assert svg is not None
    root = ET.fromstring(svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [el.text for el in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "σ(x)" in texts and "σ'(x)" in texts
    assert "<dc:date>" not in svg and "Matplotlib" not in svg


@needs_matplotlib
def test_two_renders_in_different_processes_are_byte_identical() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    child = subprocess.run([sys.executable, "-c", _RENDER_IN_CHILD, str(TESTS)], env=env,
                           capture_output=True, timeout=300, check=True)
    here = render_plot_svg(sigmoid_derivation())
    assert here is not None
    assert child.stdout == here.encode()
    assert render_plot_svg(sigmoid_derivation()) == here


def test_without_matplotlib_there_is_no_plot(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setattr("derive.render.plot.plots_available", lambda: False)
    monkeypatch.setattr("derive.render.plots_available", lambda: False)
    d = hand_built_sigmoid()
    assert render_plot_svg(d) is None
    written = {p.name for p in write_outputs(d, tmp_path)}
    assert written == {"sigmoid.tex", "sigmoid.md", "sigmoid.json", "sigmoid.html",
                       "sigmoid.mathml.html"}
    assert "<svg" not in (tmp_path / "sigmoid.html").read_text(encoding="utf-8")


def test_function_symbol_from_latex_name() -> None:
    d = hand_built_sigmoid()
    assert function_symbol(d) == "σ"
