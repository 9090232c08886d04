"""Start-up work of ``derive check``: counted, never timed.

A one-claim document should cost little more than importing SymPy: the command line
imports nothing heavy before it knows what to do, and the parser's LALR tables are
loaded from the committed file instead of being built (derive/parse/grammar.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def modules_after(code: str) -> dict[str, object]:
    probe = (
        "import json, sys\n"
        f"{code}\n"
        "print(json.dumps({'sympy': 'sympy' in sys.modules, 'lark': 'lark' in sys.modules,"
        " 'verify': 'derive.verify' in sys.modules, 'extra': getattr(sys, 'extra', None)}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=REPOSITORY, check=True, timeout=300)
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_importing_the_command_line_imports_neither_sympy_nor_lark() -> None:
    loaded = modules_after("import derive.cli")
    assert loaded["sympy"] is False and loaded["lark"] is False


def test_help_and_usage_errors_import_no_sympy() -> None:
    code = (
        "from derive.cli import main\n"
        "try:\n"
        "    main(['check', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "import os\n"
        "main(['check', '--no-cache', os.path.join('no', 'such', 'file.md')])\n"
    )
    assert modules_after(code)["sympy"] is False


def test_a_fresh_process_loads_the_parser_instead_of_building_it() -> None:
    code = (
        "import lark.parsers.lalr_analysis as analysis\n"
        "calls = []\n"
        "original = analysis.LALR_Analyzer.compute_lalr\n"
        "def counted(self):\n"
        "    calls.append(1)\n"
        "    return original(self)\n"
        "analysis.LALR_Analyzer.compute_lalr = counted\n"
        "from derive.parse import parse_latex_expr, ParseOptions\n"
        "parse_latex_expr(r'\\frac{1}{1+e^{-x}}', ParseOptions())\n"
        "sys.extra = len(calls)\n"
    )
    assert modules_after(code)["extra"] == 0
