"""No module of derive turns text into code: a scan of every call with ``ast``.

A call to ``eval``, ``exec``, ``compile``, ``sympify``, ``parse_expr``, ``lambdify``,
``pickle.load(s)``, ``__import__`` or ``importlib.import_module`` fails this test unless
it is in ``ALLOWED`` below, with its count and the reason it is safe.  Numbers come from
``derive.verify.evaluate``, a tree walk over a whitelist of node types.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "derive"

#: Called as bare names (``eval(...)``, or imported: ``from sympy import lambdify``).
FORBIDDEN_NAMES = frozenset(
    {"eval", "exec", "compile", "sympify", "parse_expr", "lambdify", "__import__", "import_module"}
)
#: Called as ``module.name`` whatever the module (``sp.lambdify``, ``sympy.sympify``).
FORBIDDEN_ATTRIBUTES = frozenset({"sympify", "parse_expr", "lambdify", "import_module"})
#: Called as ``module.name`` only on these modules (``re.compile`` and ``rule.eval()`` are fine).
FORBIDDEN_MODULE_ATTRIBUTES = {
    "pickle": frozenset({"load", "loads"}),
    "builtins": frozenset({"eval", "exec", "compile", "__import__"}),
    "importlib": frozenset({"import_module"}),
}

#: (file relative to the repository, what is called) -> (how many calls, why it is safe).
ALLOWED: dict[tuple[str, str], tuple[int, str]] = {
    ("derive/timelimit.py", "pickle.loads"): (
        1,
        "unpickles the result its own forked child sent through a pipe it created",
    ),
}


def _call_name(call: ast.Call, aliases: dict[str, str]) -> str | None:
    """What a call calls, when it is forbidden: ``eval``, ``sp.lambdify``, ``pickle.loads``."""
    function = call.func
    if isinstance(function, ast.Name):
        original = aliases.get(function.id, function.id)
        return function.id if original in FORBIDDEN_NAMES else None
    if isinstance(function, ast.Attribute):
        owner = function.value
        owner_name = owner.id if isinstance(owner, ast.Name) else None
        module = aliases.get(owner_name, owner_name) if owner_name else None
        attribute = function.attr
        if attribute in FORBIDDEN_ATTRIBUTES or attribute in FORBIDDEN_MODULE_ATTRIBUTES.get(
            module or "", frozenset()
        ):
            return f"{owner_name or '...'}.{attribute}"
    return None


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> what it was imported as (``import pickle as p``: p -> pickle)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
    return aliases


def forbidden_calls(source: str) -> Counter[str]:
    tree = ast.parse(source)
    aliases = _aliases(tree)
    found: Counter[str] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node, aliases)
            if name is not None:
                found[name] += 1
    return found


def scan_package() -> Counter[tuple[str, str]]:
    root = PACKAGE.parent
    found: Counter[tuple[str, str]] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        for name, count in forbidden_calls(path.read_text(encoding="utf-8")).items():
            found[(relative, name)] += count
    return found


def test_no_module_generates_code_outside_the_allow_list() -> None:
    found = scan_package()
    unexpected = {key: count for key, count in found.items() if key not in ALLOWED}
    assert not unexpected, f"code generation or unpickling outside the allow-list: {unexpected}"
    wrong_counts = {
        key: (found[key], allowed) for key, (allowed, _reason) in ALLOWED.items()
        if found[key] != allowed
    }
    # A stale or grown entry fails too: remove entries whose calls are gone.
    assert not wrong_counts, f"allow-list counts differ from the code: {wrong_counts}"


def test_every_allowance_has_a_reason() -> None:
    for key, (count, reason) in ALLOWED.items():
        assert count > 0 and len(reason) > 20, key


def test_the_evaluator_itself_is_clean() -> None:
    source = (PACKAGE / "verify" / "evaluate.py").read_text(encoding="utf-8")
    assert not forbidden_calls(source)
    tree = ast.parse(source)
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    # sympy, mpmath and the standard library only: nothing of derive
    assert imported <= {"__future__", "math", "collections", "fractions", "typing", "mpmath",
                        "sympy"}, imported


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("eval('1')", "eval"),
        ("exec(code)", "exec"),
        ("compile(s, 'f', 'exec')", "compile"),
        ("import sympy as sp\nsp.lambdify(x, e)", "sp.lambdify"),
        ("from sympy import lambdify as lf\nlf(x, e)", "lf"),
        ("from sympy import sympify\nsympify('x')", "sympify"),
        ("import sympy\nsympy.parsing.sympy_parser.parse_expr('x')", "....parse_expr"),
        ("import pickle\npickle.loads(b)", "pickle.loads"),
        ("import pickle as p\np.load(f)", "p.load"),
        ("__import__('os')", "__import__"),
        ("import importlib\nimportlib.import_module('os')", "importlib.import_module"),
        ("from importlib import import_module\nimport_module('os')", "import_module"),
        ("import builtins\nbuiltins.eval('1')", "builtins.eval"),
    ],
)
def test_the_scan_catches_each_form(source: str, expected: str) -> None:
    assert forbidden_calls(source) == Counter({expected: 1})


@pytest.mark.parametrize(
    "source",
    ["import re\nre.compile('x')", "rule.eval()", "import tomllib\ntomllib.load(f)",
     "self.step.eval()"],
)
def test_the_scan_allows_look_alikes(source: str) -> None:
    assert not forbidden_calls(source)
