"""Exported documents of `derive build`: LaTeX, Markdown, JSON, HTML+MathML, SVG plot.

Every renderer is a pure function of a :class:`~derive.model.Derivation` and returns text; the
same derivation always renders byte-identically.  ``write_outputs`` writes them all atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from derive.fsutil import write_atomic
from derive.model import Derivation
from derive.render.html import render_html, render_index
from derive.render.latex import render_latex
from derive.render.markdown import render_markdown
from derive.render.mathml import render_mathml_fragments, step_mathml
from derive.render.plot import plots_available, render_plot_svg
from derive.render.record import render_json
from derive.render.text import render_text

__all__ = [
    "plots_available",
    "render_html",
    "render_index",
    "render_json",
    "render_latex",
    "render_markdown",
    "render_mathml_fragments",
    "render_outputs",
    "render_plot_svg",
    "render_text",
    "step_mathml",
    "write_index",
    "write_outputs",
]


def render_outputs(d: Derivation) -> dict[str, str]:
    """The text of NAME.tex .md .json .html .mathml.html (and .svg with matplotlib), by name."""
    name = d.spec.name
    svg = render_plot_svg(d)
    documents = {
        f"{name}.tex": render_latex(d),
        f"{name}.md": render_markdown(d),
        f"{name}.json": render_json(d),
        f"{name}.html": render_html(d, svg=svg),
        f"{name}.mathml.html": render_mathml_fragments(d),
    }
    if svg is not None:
        documents[f"{name}.svg"] = svg
    return documents


def write_outputs(
    d: Derivation, outdir: Path, documents: dict[str, str] | None = None
) -> list[Path]:
    """Write NAME.tex .md .json .html .mathml.html (and .svg with matplotlib); return the paths.
    ``documents``: what ``render_outputs(d)`` gave, when it was rendered beforehand."""
    outdir = Path(outdir)
    written = []
    for filename, text in (documents or render_outputs(d)).items():
        path = outdir / filename
        write_atomic(path, text)
        written.append(path)
    return written


def write_index(derivations: Sequence[Derivation], outdir: Path) -> Path:
    """Write ``index.html`` linking every derivation's page and the files present in ``outdir``."""
    outdir = Path(outdir)
    existing = {path.name for path in outdir.iterdir()} if outdir.is_dir() else set()
    path = outdir / "index.html"
    write_atomic(path, render_index(derivations, existing=existing))
    return path
