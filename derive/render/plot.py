"""An SVG plot of f and f' over [-10, 10] (needs the optional matplotlib, the `plot` extra).

Deterministic: the SVG backend is used directly (no global backend switch), element ids come
from a fixed ``svg.hashsalt``, text stays text (``svg.fonttype = 'none'``) and the metadata
that would hold a date or a version is removed.
"""

from __future__ import annotations

import importlib.util
import io
import re
import unicodedata
from typing import Any

from derive.model import Derivation
from derive.render.table import GRID_START, GRID_STOP, NumericGrid, numeric_grid

PLOT_POINTS = 401  # denser than the table, so curves look smooth
_RC: dict[Any, Any] = {
    "svg.hashsalt": "derive",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10.0,
    "axes.unicode_minus": True,
    "text.usetex": False,
    "text.parse_math": False,  # names with $ stay text
    "axes.formatter.use_mathtext": False,
    "path.simplify": False,
}


def plots_available() -> bool:
    """True when matplotlib can be imported (the CLI prints one notice otherwise)."""
    return importlib.util.find_spec("matplotlib") is not None


def function_symbol(d: Derivation) -> str:
    """``\\sigma`` -> ``σ``; a plain name stays; anything else falls back to the spec's name.

    Plain text (not mathtext) keeps the SVG's text simple and independent of math fonts.
    """
    latex_name = d.spec.latex_name.strip()
    if re.fullmatch(r"[A-Za-z]", latex_name):
        return latex_name
    match = re.fullmatch(r"\\([A-Za-z]+)", latex_name)
    if match:
        word = match.group(1)
        case = "CAPITAL" if word[0].isupper() else "SMALL"
        try:
            return unicodedata.lookup(f"GREEK {case} LETTER {word.upper()}")
        except KeyError:
            pass
    return d.spec.name


def _labels(d: Derivation) -> tuple[str, str]:
    name, variable = function_symbol(d), str(d.spec.variable)
    return f"{name}({variable})", f"{name}'({variable})"


def _draw(d: Derivation, grid: NumericGrid, labels: tuple[str, str]) -> str:
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    xs = [row.x for row in grid.rows]
    nan = float("nan")
    fs = [nan if row.f is None else row.f for row in grid.rows]
    dfs = [nan if row.df is None else row.df for row in grid.rows]
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(7.0, 3.6))
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        axes.plot(xs, fs, color="#1f5fbf", linewidth=2.0, label=labels[0])
        axes.plot(xs, dfs, color="#c2410c", linewidth=2.0, linestyle="--", label=labels[1])
        axes.axhline(0.0, color="#888888", linewidth=0.6)
        axes.axvline(0.0, color="#888888", linewidth=0.6)
        axes.set_xlim(GRID_START, GRID_STOP)
        axes.set_xlabel(str(d.spec.variable))
        axes.grid(True, color="#dddddd", linewidth=0.5)
        axes.legend(loc="best", frameon=True)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def render_plot_svg(d: Derivation) -> str | None:
    """The plot as a standalone SVG document, or None when matplotlib is missing."""
    if not plots_available():
        return None
    grid = numeric_grid(d, PLOT_POINTS)
    if all(row.f is None and row.df is None for row in grid.rows):
        return None
    return _draw(d, grid, _labels(d))


_PROLOG = re.compile(r"\A(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE[^>]*>\s*)?", re.DOTALL)


def inline_svg(svg: str, label: str) -> str:
    """The SVG without XML prolog, ready to sit inside HTML, labelled for screen readers."""
    from derive.render.mathml import numeric_entities

    body = _PROLOG.sub("", svg).strip()
    body = numeric_entities(body)
    return body.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
