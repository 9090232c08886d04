"""No module of derive turns text into code or runs a program: a scan of every call with ``ast``.

A call to ``eval``, ``exec``, ``compile``, ``sympify``, ``parse_expr``, ``lambdify``,
``__import__``, ``pickle.load(s)``, ``marshal.load(s)``, anything of ``importlib`` (but its
``resources`` and ``metadata``, which read data files), anything of ``subprocess`` or
``runpy``, or ``os.system``/``os.popen``/``os.exec*``/``os.spawn*`` fails this test unless it
is in ``ALLOWED`` below, with its count and the reason it is safe.  Numbers come from
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
    "pickle": frozenset({"load", "loads", "Unpickler"}),
    "marshal": frozenset({"load", "loads"}),
    "builtins": frozenset({"eval", "exec", "compile", "__import__"}),
    "os": frozenset({"system", "popen", "posix_spawn", "posix_spawnp"}),
}
#: Prefixes of forbidden names of these modules (``os.execv``, ``os.spawnlp``).
FORBIDDEN_MODULE_PREFIXES = {"os": ("exec", "spawn")}
#: Modules every call of which is forbidden (``subprocess.run``, ``importlib.reload``).
FORBIDDEN_MODULES = frozenset({"subprocess", "runpy", "importlib", "importlib.util", "marshal"})

#: (file relative to the repository, what is called) -> (how many calls, why it is safe).
ALLOWED: dict[tuple[str, str], tuple[int, str]] = {
    ("derive/timelimit.py", "pickle.loads"): (
        1,
        "unpickles the result its own forked child sent through a pipe it created",
    ),
    ("derive/render/plot.py", "importlib.util.find_spec"): (
        1,
        "asks whether the optional matplotlib is installed; the name is a constant and "
        "nothing is imported or run",
    ),
}


def _qualified(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The dotted name an expression stands for, imports resolved (``sp.x`` -> sympy.x)."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        owner = _qualified(node.value, aliases)
        return None if owner is None else f"{owner}.{node.attr}"
    return None


def _forbidden_on(module: str, attribute: str) -> bool:
    if module in FORBIDDEN_MODULES:
        return True
    if attribute in FORBIDDEN_MODULE_ATTRIBUTES.get(module, frozenset()):
        return True
    prefixes = FORBIDDEN_MODULE_PREFIXES.get(module)
    return prefixes is not None and attribute.startswith(prefixes)


def _call_name(call: ast.Call, aliases: dict[str, str]) -> str | None:
    """What a call calls, when it is forbidden: ``eval``, ``sp.lambdify``, ``pickle.loads``."""
    function = call.func
    if isinstance(function, ast.Name):
        original = aliases.get(function.id, function.id)
        module, _, name = original.rpartition(".")
        if name in FORBIDDEN_NAMES or (module and _forbidden_on(module, name)):
            return function.id
        return None
    if isinstance(function, ast.Attribute):
        module = _qualified(function.value, aliases)
        attribute = function.attr
        if attribute in FORBIDDEN_ATTRIBUTES or (module and _forbidden_on(module, attribute)):
            written = _written(function.value)
            return f"{written}.{attribute}"
    return None


def _written(node: ast.expr) -> str:
    """``importlib.util`` as written; ``...`` for an owner that is not a dotted name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_written(node.value)}.{node.attr}"
    return "..."


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> what it stands for (``import pickle as p``: p -> pickle;
    ``from subprocess import run``: run -> subprocess.run)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                qualified = f"{node.module}.{alias.name}" if node.module else alias.name
                aliases[alias.asname or alias.name] = qualified
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
        ("import sympy\nsympy.parsing.sympy_parser.parse_expr('x')",
         "sympy.parsing.sympy_parser.parse_expr"),
        ("f()(x).parse_expr('x')", "....parse_expr"),
        ("import pickle\npickle.loads(b)", "pickle.loads"),
        ("import pickle as p\np.load(f)", "p.load"),
        ("__import__('os')", "__import__"),
        ("import importlib\nimportlib.import_module('os')", "importlib.import_module"),
        ("from importlib import import_module\nimport_module('os')", "import_module"),
        ("import builtins\nbuiltins.eval('1')", "builtins.eval"),
        ("import marshal\nmarshal.loads(b)", "marshal.loads"),
        ("import pickle\npickle.Unpickler(f)", "pickle.Unpickler"),
        ("import importlib\nimportlib.reload(m)", "importlib.reload"),
        ("import importlib.util\nimportlib.util.spec_from_file_location('m', p)",
         "importlib.util.spec_from_file_location"),
        ("from importlib import util\nutil.module_from_spec(s)", "util.module_from_spec"),
        ("import subprocess\nsubprocess.run(['ls'])", "subprocess.run"),
        ("import subprocess as sp\nsp.Popen(['ls'])", "sp.Popen"),
        ("from subprocess import check_output\ncheck_output(['ls'])", "check_output"),
        ("import os\nos.system('ls')", "os.system"),
        ("import os\nos.popen('ls')", "os.popen"),
        ("import os\nos.execvp('ls', ['ls'])", "os.execvp"),
        ("import os\nos.spawnl(0, 'ls')", "os.spawnl"),
        ("from os import system\nsystem('ls')", "system"),
        ("import runpy\nrunpy.run_path(p)", "runpy.run_path"),
    ],
)
def test_the_scan_catches_each_form(source: str, expected: str) -> None:
    assert forbidden_calls(source) == Counter({expected: 1})


@pytest.mark.parametrize(
    "source",
    ["import re\nre.compile('x')", "rule.eval()", "import tomllib\ntomllib.load(f)",
     "self.step.eval()", "import os\nos.fork()", "import os\nos.path.join(a, b)",
     "import pickle\npickle.dumps(x)", "from importlib import resources\nresources.files(p)",
     "from importlib import metadata\nmetadata.version('derive')", "system.run()"],
)
def test_the_scan_allows_look_alikes(source: str) -> None:
    assert not forbidden_calls(source)
