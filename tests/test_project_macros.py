"""Macros defined in a project's configuration (Sphinx, MkDocs, Jekyll, [tool.derive])."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from derive.check.api import check_paths
from derive.config import ConfigError, load_config
from derive.extract import extract_blocks
from derive.extract.js_literal import SKIPPED, find_config_objects, read_literal
from derive.extract.macros import MAX_LENGTH, MacroDefinition
from derive.extract.project import macro_table, project_macros
from derive.model import Verdict, VerifySettings

SETTINGS = VerifySettings(time_limit=10.0)

# \sq{a+b} = a^2 + 2ab + b^2 holds, \sq{a-b} = a^2 + b^2 does not
DOCUMENT = """# Squares

$$
\\sq{a+b} = a^2 + 2ab + b^2
$$

$$
\\sq{a-b} = a^2 + b^2
$$
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def verdicts(document: Path) -> list[Verdict | None]:
    findings = check_paths([str(document)], settings=SETTINGS).files[0].findings
    return [f.verdict for f in findings if f.verdict is not None]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root (pyproject.toml without [tool.derive]) with a docs folder."""
    write(tmp_path, "pyproject.toml", '[project]\nname = "demo"\n')
    return tmp_path


# ---------------------------------------------------------------------------
# Sphinx conf.py
# ---------------------------------------------------------------------------


def test_sphinx_mathjax3_macros_with_arguments(project: Path) -> None:
    write(project, "docs/conf.py", r"""
        project = "demo"
        extensions = ["sphinx.ext.mathjax"]
        mathjax3_config = {
            "tex": {"macros": {"E": r"\mathbb{E}", "sq": [r"\left(#1\right)^{2}", 1]}},
        }
    """)
    document = write(project, "docs/guide/squares.md", DOCUMENT)
    assert verdicts(document) == [Verdict.PROVED, Verdict.REFUTED]
    macros = project_macros(str(document))
    assert macros["E"] == MacroDefinition("E", 0, "\\mathbb{E}")
    assert macros["sq"] == MacroDefinition("sq", 1, "\\left(#1\\right)^{2}")


def test_sphinx_mathjax2_macros_and_latex_preamble(project: Path) -> None:
    write(project, "conf.py", r"""
        mathjax_config = {"TeX": {"Macros": {"sq": ["{(#1)}^{2}", 1]}}}
        latex_elements = {"preamble": r"\newcommand{\half}{\frac{1}{2}}"}
        imgmath_latex_preamble = r"\DeclareMathOperator{\sgn}{sgn}"
    """)
    macros = project_macros(str(project / "index.rst"))
    assert macros["sq"] == MacroDefinition("sq", 1, "{(#1)}^{2}")
    assert macros["half"] == MacroDefinition("half", 0, "\\frac{1}{2}")
    assert macros["sgn"].body == "\\operatorname{sgn}"


def test_conf_py_is_never_executed(project: Path) -> None:
    write(project, "conf.py", r"""
        import os
        open(os.path.join(os.path.dirname(__file__), "EXECUTED"), "w").close()
        mathjax3_config = {"tex": {"macros": {"sq": [r"\left(#1\right)^{2}", 1]}}}
        mathjax3_config["tex"]["macros"]["computed"] = os.getcwd()
        def setup(app):
            raise RuntimeError("never called")
    """)
    document = write(project, "squares.md", DOCUMENT)
    assert verdicts(document) == [Verdict.PROVED, Verdict.REFUTED]
    assert not (project / "EXECUTED").exists()
    assert "computed" not in project_macros(str(document))


def test_a_computed_config_contributes_nothing(project: Path) -> None:
    write(project, "conf.py", "mathjax3_config = make_config()\n")
    assert project_macros(str(project / "a.md")) == {}
    write(project, "conf.py", "this is not python (\n")
    assert project_macros(str(project / "a.md")) == {}


def test_the_document_overrides_the_project(project: Path) -> None:
    write(project, "conf.py", 'mathjax3_config = {"tex": {"macros": {"sq": "0"}}}\n')
    document = write(project, "squares.md",
                     "$$\\newcommand{\\sq}[1]{\\left(#1\\right)^{2}}$$\n\n" + DOCUMENT)
    assert verdicts(document) == [Verdict.PROVED, Verdict.REFUTED]


def test_the_walk_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.derive]\nmacros = { outside = "1" }\n')
    write(tmp_path, "repo/.git/HEAD", "ref: refs/heads/main\n")
    write(tmp_path, "repo/docs/index.md", "# Docs\n")
    assert project_macros(str(tmp_path / "repo" / "docs" / "a.md")) == {}
    assert set(project_macros(str(tmp_path / "a.md"))) == {"outside"}


def test_only_the_nearest_site_is_read(project: Path) -> None:
    # the root's conf.py is another site's (e.g. the main docs of a monorepo)
    write(project, "conf.py", 'mathjax3_config = {"tex": {"macros": {"a": "1", "b": "1"}}}\n')
    write(project, "sub/mkdocs.yml", "extra_javascript:\n  - mathjax.js\n")
    write(project, "sub/docs/mathjax.js", 'window.MathJax = {tex: {macros: {b: "2"}}};\n')
    macros = project_macros(str(project / "sub" / "docs" / "x.md"))
    assert set(macros) == {"b"} and macros["b"].body == "2"
    assert set(project_macros(str(project / "x.md"))) == {"a", "b"}


def test_the_nearest_tool_derive_table(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.derive]\nmacros = { a = "1" }\n')
    write(tmp_path, "pkg/pyproject.toml", '[project]\nname = "pkg"\n')  # no [tool.derive]
    assert set(project_macros(str(tmp_path / "pkg" / "x.md"))) == {"a"}
    write(tmp_path, "pkg/pyproject.toml", '[tool.derive]\nmacros = { b = "2" }\n')
    assert set(project_macros(str(tmp_path / "pkg" / "x.md"))) == {"b"}


def test_an_edited_config_is_read_again(project: Path) -> None:
    conf = write(project, "conf.py", 'mathjax3_config = {"tex": {"macros": {"a": "1"}}}\n')
    assert project_macros(str(project / "x.md"))["a"].body == "1"
    conf.write_text('mathjax3_config = {"tex": {"macros": {"a": "22"}}}\n', encoding="utf-8")
    assert project_macros(str(project / "x.md"))["a"].body == "22"


# ---------------------------------------------------------------------------
# MkDocs and Jekyll
# ---------------------------------------------------------------------------

MATHJAX_JS = r"""
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    // the project's macros
    macros: {
      sq: ["\\left(#1\\right)^{2}", 1],
      'E': "\\mathbb{E}",   /* quoted key */
      opt: ["#1^{#2}", 2, "x"],
    },
    processEscapes: true,
  },
  options: { ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex" },
  startup: { ready() { MathJax.startup.defaultReady(); }, pageReady: () => 1 },
};
document$.subscribe(() => { MathJax.typesetPromise() })
"""


@pytest.mark.parametrize("scripts", [
    "extra_javascript:\n  - javascripts/mathjax.js\n  - https://unpkg.com/mathjax@3/es5/tex-mml-chtml.js\n",
    "extra_javascript:\n  - path: javascripts/mathjax.js\n    defer: true\n",
    "extra_javascript: ['javascripts/mathjax.js', https://cdn.example/x.js]\n",
])
def test_mkdocs_mathjax_script(project: Path, scripts: str) -> None:
    write(project, "mkdocs.yml", "site_name: Demo\nmarkdown_extensions:\n"
          "  - pymdownx.arithmatex:\n      generic: true\n" + scripts)
    write(project, "docs/javascripts/mathjax.js", MATHJAX_JS)
    document = write(project, "docs/squares.md", DOCUMENT)
    assert verdicts(document) == [Verdict.PROVED, Verdict.REFUTED]
    macros = project_macros(str(document))
    assert macros["E"] == MacroDefinition("E", 0, "\\mathbb{E}")
    assert macros["opt"] == MacroDefinition("opt", 2, "#1^{#2}", "x")


def test_mkdocs_docs_dir(project: Path) -> None:
    write(project, "mkdocs.yml", "docs_dir: 'site-src'  # not docs\nextra_javascript:\n"
          "  - js/config.js\n")
    write(project, "site-src/js/config.js", MATHJAX_JS)
    assert "sq" in project_macros(str(project / "site-src" / "a.md"))


def test_mkdocs_script_outside_the_project_is_not_read(project: Path) -> None:
    write(project.parent, "elsewhere.js", MATHJAX_JS)
    write(project, "mkdocs.yml", "extra_javascript:\n  - ../../elsewhere.js\n")
    assert project_macros(str(project / "docs" / "a.md")) == {}


def test_jekyll_include_with_mathjax2(project: Path) -> None:
    write(project, "_config.yml", "title: Demo\nmarkdown: kramdown\n")
    write(project, "_includes/mathjax.html", r"""
        <script type="text/x-mathjax-config">
          MathJax.Hub.Config({
            tex2jax: { inlineMath: [['$','$']] },
            TeX: { Macros: { sq: ['\\left(#1\\right)^{2}', 1], RR: '\\mathbb{R}' } }
          });
        </script>
        <script src="https://cdn.jsdelivr.net/npm/mathjax@2/MathJax.js"></script>
    """)
    document = write(project, "_posts/2024-01-01-squares.md", DOCUMENT)
    assert verdicts(document) == [Verdict.PROVED, Verdict.REFUTED]


def test_katex_macros_in_a_page(project: Path) -> None:
    write(project, "_config.yml", "title: Demo\n")
    write(project, "_includes/katex.html", r"""
        <script>
          renderMathInElement(document.body, {
            delimiters: [{left: "$$", right: "$$", display: true}],
            macros: {"\\sq": "\\left(#1\\right)^{2}"}
          });
        </script>
    """)
    assert project_macros(str(project / "a.md"))["sq"].arity == 1


# ---------------------------------------------------------------------------
# [tool.derive] macros
# ---------------------------------------------------------------------------


def test_tool_derive_macros(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", r"""
        [tool.derive]
        macros = { sq = ["\\left(#1\\right)^{2}", 1], E = "\\mathbb{E}" }
    """)
    write(tmp_path, "conf.py", 'mathjax3_config = {"tex": {"macros": {"sq": "0"}}}\n')
    document = write(tmp_path, "squares.md", DOCUMENT)
    assert verdicts(document) == [Verdict.PROVED, Verdict.REFUTED]  # [tool.derive] wins
    config = load_config(tmp_path)
    assert config.macros == (("E", "\\mathbb{E}", 0, None),
                             ("sq", "\\left(#1\\right)^{2}", 1, None))


@pytest.mark.parametrize("table", [
    'macros = ["E"]',
    'macros = { "1x" = "a" }',
    'macros = { E = 1 }',
    'macros = { E = ["a", 10] }',
    'macros = { E = ["a", 0, "default"] }',
    'macros = { E = ["a", true] }',
])
def test_bad_macro_tables_are_config_errors(tmp_path: Path, table: str) -> None:
    write(tmp_path, "pyproject.toml", f"[tool.derive]\n{table}\n")
    with pytest.raises(ConfigError, match="macros"):
        load_config(tmp_path)
    assert project_macros(str(tmp_path / "a.md")) == {}  # the extractor ignores it


def test_cli_reports_a_bad_macro_table(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.derive]\nmacros = { E = 1 }\n")
    write(tmp_path, "a.md", "$$a = a$$\n")
    result = subprocess.run([sys.executable, "-m", "derive", "check", "a.md"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 2
    assert "macros: E must be a string" in result.stderr and "Traceback" not in result.stderr


def test_project_macros_in_a_notebook(tmp_path: Path) -> None:
    import json

    write(tmp_path, "pyproject.toml", '[tool.derive]\nmacros = { sq = ["(#1)^{2}", 1] }\n')
    cell = {"cell_type": "markdown", "metadata": {}, "source": "$$\\sq{a+b} = a^2+2ab+b^2$$"}
    document = write(tmp_path, "n.ipynb", json.dumps({"cells": [cell], "nbformat": 4}))
    assert verdicts(document) == [Verdict.PROVED]


# ---------------------------------------------------------------------------
# Bounds and the readers
# ---------------------------------------------------------------------------


def test_recursive_project_macros_stay_bounded(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.derive]\nmacros = { a = "\\\\a\\\\a" }\n')
    document = write(tmp_path, "a.md", "$$\n\\a = 1\n$$\n")
    block = extract_blocks(str(document), document.read_text(encoding="utf-8"))[0]
    assert len(block.text) <= 2 * MAX_LENGTH


def test_macro_table_shapes() -> None:
    table = macro_table({
        "a": "x", "\\b": "#2#1", "c": ["#1", 1], "d": ["#1", 1, "z"], "bad name": "x",
        "e": ["#1", "1"], "f": ["#1", 10], "g": {"x": 1}, "h": ["x", 0, "d"], "i": ["x", True],
    })
    assert table == {
        "a": MacroDefinition("a", 0, "x"),
        "b": MacroDefinition("b", 2, "#2#1"),
        "c": MacroDefinition("c", 1, "#1"),
        "d": MacroDefinition("d", 1, "#1", "z"),
    }


def test_js_literal_reader() -> None:
    assert read_literal(r"""{a: 'it\'s', "b": [1, 2.5, -3e2], c: true, d: null,
                           e: "\u0041\x42\\C\n", f: g(1), 'h': {i: x => x}, j: [k, 1]}""") == {
        "a": "it's", "b": [1, 2.5, -300.0], "c": True, "d": None, "e": "AB\\C\n",
        "h": {}, "j": [SKIPPED, 1],
    }


def test_js_reader_never_runs_and_tolerates_junk() -> None:
    assert find_config_objects("MathJax = {tex: {macros: {a: 'x'}}") == []  # unclosed
    assert find_config_objects("window.MathJax = {tex: {macros: {a: 'x'}}};") == [
        {"tex": {"macros": {"a": "x"}}}]
    deep = "MathJax = " + "{a: " * 200 + "1" + "}" * 200
    assert find_config_objects(deep) == []  # nested too deeply: not read


def test_conf_py_names_bound_to_literals(project: Path) -> None:
    write(project, "conf.py", r"""
        square = [r"\left(#1\right)^{2}", 1]
        macros = {"sq": square, "E": r"\mathbb{E}"}
        mathjax3_config = {"tex": {"macros": macros}}
        other = compute()
        mathjax_config = {"TeX": {"Macros": {"other": other}}}
    """)
    macros = project_macros(str(project / "a.md"))
    assert set(macros) == {"sq", "E"} and macros["sq"].arity == 1


def test_conf_py_shared_literals_stay_bounded(project: Path) -> None:
    lines = ["a0 = ['x']"] + [f"a{i} = [a{i - 1}, a{i - 1}]" for i in range(1, 60)]
    lines.append('mathjax3_config = {"tex": {"macros": {"big": a59, "ok": "1"}}}')
    write(project, "conf.py", "\n".join(lines) + "\n")
    assert project_macros(str(project / "a.md")) == {}  # too large to read: nothing


def test_mkdocs_list_at_the_keys_indentation(project: Path) -> None:
    write(project, "mkdocs.yml", "extra_javascript:\n- javascripts/mathjax.js\nnav:\n- a.md\n")
    write(project, "docs/javascripts/mathjax.js", MATHJAX_JS)
    assert "sq" in project_macros(str(project / "docs" / "a.md"))


def test_jekyll_nested_include(project: Path) -> None:
    write(project, "_config.yml", "theme: minimal-mistakes-jekyll\n")
    write(project, "_includes/head/custom.html",
          "<script>window.MathJax = {tex: {macros: {RR: '\\\\mathbb{R}'}}};</script>\n")
    assert project_macros(str(project / "_posts" / "a.md"))["RR"].body == "\\mathbb{R}"
