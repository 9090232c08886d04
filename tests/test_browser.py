"""The sigmoid page in headless Chromium: math is laid out as MathML, not shown as raw LaTeX.

The page itself has no JavaScript; this test adds a measuring script to a COPY of it, which
writes the size of every <math> element into a <pre>, and reads it back with --dump-dom.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from render_fixtures import sigmoid_derivation

from derive.render import render_html, render_plot_svg

REPO = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

MEASURE = """<script>
addEventListener('load', () => {
  const sizes = Array.from(document.querySelectorAll('math')).map((m) => {
    const box = m.getBoundingClientRect();
    return [box.width, box.height, m.namespaceURI];
  });
  const pre = document.createElement('pre');
  pre.id = 'derive-measure';
  pre.textContent = JSON.stringify(sizes);
  document.body.appendChild(pre);
});
</script>"""


def _chromium() -> str | None:
    """Chromium may still be being installed: wait a little before giving up."""
    for _ in range(6):
        found = shutil.which("chromium") or (
            "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
        if found:
            return found
        time.sleep(5)
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    found = _chromium()
    if found is None:
        pytest.skip("chromium is not installed (looked on PATH and at /usr/bin/chromium)")
    return found


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    committed = REPO / "output" / "sigmoid.html"
    html = committed.read_text(encoding="utf-8") if committed.exists() else None
    if html is None:
        d = sigmoid_derivation()
        html = render_html(d, svg=render_plot_svg(d))
    path = tmp_path_factory.mktemp("page") / "sigmoid.html"
    path.write_text(html, encoding="utf-8")
    return path


def _run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_math_is_laid_out_as_mathml(chromium: str, page: Path, tmp_path: Path) -> None:
    html = page.read_text(encoding="utf-8")
    expected = len(re.findall(r"<math\b", html))
    measured = tmp_path / "measured.html"
    measured.write_text(html.replace("</body>", MEASURE + "\n</body>"), encoding="utf-8")
    result = _run(chromium, tmp_path / "profile", "--dump-dom", "--virtual-time-budget=5000",
                  measured.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    match = re.search(r'<pre id="derive-measure">(.*?)</pre>', result.stdout, re.DOTALL)
    assert match, "the measuring script did not run"
    sizes = json.loads(match.group(1).replace("&quot;", '"'))
    assert len(sizes) == expected > 0
    for width, height, namespace in sizes:
        assert namespace == "http://www.w3.org/1998/Math/MathML"
        assert width > 0 and height > 0
    dom_text = re.sub(r"<math\b.*?</math>", "", result.stdout, flags=re.DOTALL)
    assert "\\frac" not in dom_text  # no LaTeX source shown as text


def test_screenshot_is_a_png(chromium: str, page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "sigmoid.png"
    result = _run(chromium, tmp_path / "profile", f"--screenshot={shot}",
                  "--window-size=1200,2000", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
