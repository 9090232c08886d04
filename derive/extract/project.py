"""Math macros a project defines in its configuration, not in its documents.

Documentation sites define ``\\E`` or ``\\underE`` once for every page: Sphinx in
``conf.py`` (``mathjax3_config``/``mathjax_config``, ``imgmath_latex_preamble``,
``latex_elements['preamble']``), MkDocs in a MathJax script listed under
``extra_javascript`` in ``mkdocs.yml``, Jekyll in ``_includes/*.html``, and derive itself
under ``[tool.derive] macros`` in ``pyproject.toml``.  They are found by walking up from the
checked document, no higher than the repository's root (the first folder with ``.git``):

- the site's configuration is read in the *nearest* folder that has one (``conf.py``,
  ``mkdocs.yml``, or ``_config.yml`` for Jekyll): that folder is the site's root, and a
  configuration farther up belongs to another site;
- ``[tool.derive] macros`` from the nearest ``pyproject.toml`` that has a ``[tool.derive]``
  table (as ``derive check`` finds its configuration).

Nothing is executed: ``conf.py`` is read with ``ast`` and only literal assignments are
evaluated (``ast.literal_eval``); JavaScript object literals are read by
:mod:`derive.extract.js_literal`; YAML by a few line patterns (see :func:`_mkdocs_scripts`
for what is read).  A file that cannot be read contributes nothing.

Precedence: ``[tool.derive] macros`` override the site's; the document's own
``\\newcommand``s override both (in :mod:`derive.extract`).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from derive.config import ConfigError, has_derive_table, read_macros
from derive.extract.js_literal import find_config_objects
from derive.extract.macros import MacroDefinition, find_definitions

#: A folder holding one of these is the root of a documentation site.
SITE_MARKERS = ("conf.py", "mkdocs.yml", "mkdocs.yaml", "_config.yml")
#: The walk never goes above the repository's root.
REPOSITORY_MARKER = ".git"
#: Largest literal (in syntax-tree nodes, names inlined) read from a conf.py.
MAX_LITERAL_NODES = 100_000
#: How many folders the walk visits at most (a document deep in a tree without a root).
MAX_DEPTH = 32

_NAME = re.compile(r"\\?([A-Za-z]+)")
_PARAMETER = re.compile(r"#([1-9])")

Source = tuple[str, Path, int, int]  # kind, file, mtime, size


def project_macros(document: str) -> dict[str, MacroDefinition]:
    """Macros the project of ``document`` (a path; it need not exist) defines."""
    try:
        sources = _sources(Path(os.path.abspath(document)).parent)
    except OSError:  # a folder we may not look into: no project configuration
        return {}
    macros: dict[str, MacroDefinition] = {}
    for source in sources:
        macros.update(_read(*source))
    return macros


def _sources(start: Path) -> list[Source]:
    """The configuration files that apply to a document in ``start``, in precedence order."""
    site: list[Source] = []
    pyproject: list[Source] = []
    for depth, folder in enumerate((start, *start.parents)):
        if not site and any((folder / name).is_file() for name in SITE_MARKERS):
            site = _site_files(folder)
        found = None if pyproject else _stamped("pyproject", folder / "pyproject.toml")
        if found is not None and _has_derive_table(*found):
            pyproject = [found]
        if (site and pyproject) or (folder / REPOSITORY_MARKER).exists() \
                or depth + 1 >= MAX_DEPTH:
            break
    return site + pyproject


@lru_cache(maxsize=64)
def _has_derive_table(kind: str, path: Path, mtime: int, size: int) -> bool:
    return has_derive_table(path)


def _site_files(folder: Path) -> list[Source]:
    candidates = [("sphinx", folder / "conf.py"), ("mkdocs", folder / "mkdocs.yml"),
                  ("mkdocs", folder / "mkdocs.yaml")]
    if (folder / "_config.yml").is_file():  # Jekyll: MathJax is configured in a page template
        for templates in ("_includes", "_layouts"):
            if (folder / templates).is_dir():
                candidates += [("html", path)
                               for path in sorted((folder / templates).rglob("*.html"))[:64]]
    return [found for kind, path in candidates if (found := _stamped(kind, path))]


def _stamped(kind: str, path: Path) -> Source | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return (kind, path, status.st_mtime_ns, status.st_size) if path.is_file() else None


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


@lru_cache(maxsize=64)
def _read(kind: str, path: Path, mtime: int, size: int) -> tuple[tuple[str, MacroDefinition], ...]:
    """Cached by modification time and size, so an edited file is read again."""
    text = _text(path)
    readers = {"sphinx": _sphinx, "mkdocs": lambda t: _mkdocs(t, path.parent),
               "html": _javascript, "pyproject": lambda t: _pyproject(path)}
    try:
        return tuple(readers[kind](text).items())
    except (ValueError, SyntaxError, RecursionError, MemoryError):
        return ()


# ---------------------------------------------------------------------------
# MathJax/KaTeX macro tables
# ---------------------------------------------------------------------------


def macro_table(table: object) -> dict[str, MacroDefinition]:
    """A MathJax ``macros`` object: ``{"E": "\\\\mathbb{E}", "norm": ["\\\\|#1\\\\|", 1],
    "opt": ["#1", 2, "default"]}`` (a third item is the default of an optional first
    argument); KaTeX's ``{"\\\\E": ...}`` keys with a backslash work too.  Entries of another
    shape are left out."""
    if not isinstance(table, Mapping):
        return {}
    macros: dict[str, MacroDefinition] = {}
    for key, value in table.items():
        name = _NAME.fullmatch(key) if isinstance(key, str) else None
        if name is None:
            continue
        definition = _definition(name.group(1), value)
        if definition is not None:
            macros[definition.name] = definition
    return macros


def _definition(name: str, value: object) -> MacroDefinition | None:
    if isinstance(value, str):
        used = [int(n) for n in _PARAMETER.findall(value)]
        return MacroDefinition(name, max(used, default=0), value)  # KaTeX infers the arity
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 3:
        return None
    body, arity = value[0], value[1] if len(value) > 1 else 0
    default = value[2] if len(value) > 2 else None
    if not isinstance(body, str) or isinstance(arity, bool) or not isinstance(arity, int):
        return None
    if not 0 <= arity <= 9 or not (default is None or isinstance(default, str)):
        return None
    if default is not None and arity == 0:
        return None
    return MacroDefinition(name, arity, body, default)


def _tex_table(config: object) -> dict[str, MacroDefinition]:
    """``{"tex": {"macros": ...}}`` (MathJax 3) or ``{"TeX": {"Macros": ...}}`` (MathJax 2)."""
    if not isinstance(config, Mapping):
        return {}
    macros: dict[str, MacroDefinition] = {}
    for section, key in (("TeX", "Macros"), ("tex", "macros")):
        inner = config.get(section)
        if isinstance(inner, Mapping):
            macros.update(macro_table(inner.get(key)))
    macros.update(macro_table(config.get("macros")))  # KaTeX options
    return macros


# ---------------------------------------------------------------------------
# Sphinx conf.py (never executed)
# ---------------------------------------------------------------------------

_SPHINX_CONFIGS = ("mathjax_config", "mathjax3_config")
_SPHINX_PREAMBLES = ("imgmath_latex_preamble", "pngmath_latex_preamble")


def _sphinx(text: str) -> dict[str, MacroDefinition]:
    """Top-level literal assignments of ``conf.py``; anything computed is not read.

    A name assigned a literal earlier may stand in a later literal
    (``mathjax3_config = {"tex": {"macros": macros}}``): it is replaced by that literal's
    syntax tree before ``ast.literal_eval``, never looked up by running anything.
    """
    macros: dict[str, MacroDefinition] = {}
    preambles: list[str] = []
    known: dict[str, tuple[ast.expr, int]] = {}  # name -> literal's tree, its size in nodes
    for target, value in _assignments(ast.parse(text)):
        size = sum(known[node.id][1] if isinstance(node, ast.Name) and node.id in known else 1
                   for node in ast.walk(value))
        literal = None
        if size <= MAX_LITERAL_NODES:  # [a, a] of [b, b] of ... must not grow without end
            value = _NameInliner(known).visit(value)
            literal = _literal(value)
        if literal is None:
            known.pop(target, None)  # (re)assigned to something we do not read
            continue
        known[target] = (value, size)
        if target in _SPHINX_CONFIGS:
            macros.update(_tex_table(literal))
        elif target in _SPHINX_PREAMBLES and isinstance(literal, str):
            preambles.append(literal)
        elif target == "latex_elements" and isinstance(literal, Mapping):
            preambles.append(str(literal.get("preamble", "")))
        elif target == "latex_elements['preamble']" and isinstance(literal, str):
            preambles.append(literal)
    preamble_macros = find_definitions("\n".join(preambles))
    return preamble_macros | macros  # what MathJax shows wins over the PDF preamble


def _assignments(module: ast.Module) -> Iterable[tuple[str, ast.expr]]:
    for node in module.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            yield target.id, value
        elif (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
              and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str)):
            yield f"{target.value.id}[{target.slice.value!r}]", value


class _NameInliner(ast.NodeTransformer):
    """Replaces names bound to literals (earlier in the file) by those literals' trees."""

    def __init__(self, known: dict[str, tuple[ast.expr, int]]) -> None:
        self.known = known

    def visit_Name(self, node: ast.Name) -> ast.expr:  # noqa: N802 - ast's naming
        return self.known[node.id][0] if node.id in self.known else node


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


# ---------------------------------------------------------------------------
# MkDocs, Jekyll: MathJax configuration scripts
# ---------------------------------------------------------------------------


def _javascript(text: str) -> dict[str, MacroDefinition]:
    macros: dict[str, MacroDefinition] = {}
    for config in find_config_objects(text):
        macros.update(_tex_table(config))
    return macros


_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*(?:#.*)?$")
_ITEM = re.compile(r"^\s*-\s+(?:path\s*:\s*)?(?P<value>[^#\s][^#]*?)\s*(?:#.*)?$")


def _mkdocs_scripts(text: str) -> tuple[str, list[str]]:
    """``docs_dir`` and the ``extra_javascript`` entries of ``mkdocs.yml``.

    Read: top-level ``key: value`` lines; ``extra_javascript`` as a block list (``- a.js``
    or ``- path: a.js``) or a flow list (``[a.js, b.js]``), values plain or quoted.  Not
    read: anchors and aliases, ``!!python`` tags, multi-line values, ``INHERIT``.
    """
    docs_dir = "docs"
    scripts: list[str] = []
    in_scripts = False
    for line in text.splitlines():
        top = _TOP_KEY.match(line)
        if top is not None:
            in_scripts = top.group("key") == "extra_javascript"
            value = top.group("value")
            if top.group("key") == "docs_dir" and value:
                docs_dir = _unquote(value)
            elif in_scripts and value.startswith("[") and value.endswith("]"):
                scripts += [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
            continue
        if in_scripts and (item := _ITEM.match(line)) is not None:
            scripts.append(_unquote(item.group("value")))
    return docs_dir, scripts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _mkdocs(text: str, folder: Path) -> dict[str, MacroDefinition]:
    docs_dir, scripts = _mkdocs_scripts(text)
    macros: dict[str, MacroDefinition] = {}
    for script in scripts:
        if "://" in script or script.startswith("//"):
            continue  # a CDN: MathJax itself, not the project's configuration
        path = (folder / docs_dir / script).resolve()
        if path.suffix != ".js" or not path.is_file() or folder.resolve() not in path.parents:
            continue
        try:
            macros.update(_javascript(path.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError):
            continue
    return macros


# ---------------------------------------------------------------------------
# pyproject.toml [tool.derive] macros
# ---------------------------------------------------------------------------


def _pyproject(path: Path) -> dict[str, MacroDefinition]:
    try:
        table = read_macros(path)
    except ConfigError:
        return {}  # `derive check` reports a bad table when it loads the configuration
    return macro_table(table)
