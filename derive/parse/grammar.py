"""The grammar (grammar.lark with its placeholders filled) and the LALR parser built from it.

Building the LALR tables costs about 0.2 s of CPU, more than everything else a one-claim
``derive check`` does besides importing SymPy.  So the tables are built once, at development
time, and committed as JSON in ``grammar_tables.json`` (regenerate with
``python -m derive.parse.grammar``).  The file records a hash of the grammar text, the
parser options and the Lark version it was made from; when that differs from what is running
(grammar.lark edited, another Lark), the parser is built from the grammar as before, so a
stale table costs time but never changes a reading.  JSON, not pickle: loading it runs no
code.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

from derive.parse import macros
from derive.parse.names import DECORATED, VARIABLE

_GRAMMAR_FILLS = {
    "@VAR@": VARIABLE,
    "@DECORATED@": DECORATED,
    "@UPRIGHT@": macros.alternation(macros.UPRIGHT_NAMES),
    "@BAREWORDS@": macros.alternation(macros.BARE_WORD_FUNCTIONS),
    "@OPWORDS@": macros.alternation(macros.BARE_OPERATOR_WORDS),
    "@FUNCS@": macros.alternation(
        tuple(macros.KNOWN_FUNCTIONS) + macros.OPERATOR_MACROS
    ),
    "@GREEK@": macros.alternation(macros.GREEK_LETTERS),
    "@CONSTS@": macros.alternation(macros.CONSTANTS),
}
#: How the parser is built; part of what the committed tables must match.
_OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": False}
TABLES_FILE = Path(__file__).with_name("grammar_tables.json")



def grammar_text() -> str:
    text = resources.files("derive.parse").joinpath("grammar.lark").read_text(encoding="utf-8")
    for placeholder, pattern in _GRAMMAR_FILLS.items():
        # Lark regex literals are /.../: a slash inside a pattern would end it.
        text = text.replace(placeholder, pattern.replace("/", r"\/"))
    return text


def grammar_key(text: str | None = None) -> str:
    """What the committed tables must have been made from: the grammar text, the options
    and the Lark version, hashed."""
    text = grammar_text() if text is None else text
    source = f"{text}\n{sorted(_OPTIONS.items())}\nlark {lark.__version__}"
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def build_parser() -> Lark:
    """The parser built from the grammar (about 0.2 s)."""
    return Lark(grammar_text(), **_OPTIONS)


def _int_keys(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    """JSON has string keys only: Lark's tables key states, tokens and memo entries by int."""
    return {int(k) if k.isdigit() else k: v for k, v in pairs}


def committed_tables() -> dict[str, Any] | None:
    """The committed tables (``key``, ``lark``, ``data``, ``memo``), or None if unreadable."""
    try:
        text = TABLES_FILE.read_text(encoding="utf-8")
        tables = json.loads(text, object_pairs_hook=_int_keys)
    except (OSError, ValueError):
        return None
    return tables if isinstance(tables, dict) else None


def _committed_parser(key: str) -> Lark | None:
    """The parser loaded from the committed tables, or None when they are for another
    grammar, options or Lark version (or missing)."""
    tables = committed_tables()
    if tables is None or tables.get("key") != key:
        return None
    return Lark._load_from_dict(tables["data"], tables["memo"])


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser, from the committed tables when they match the grammar, else built;
    cached for the process."""
    return _committed_parser(grammar_key()) or build_parser()


def tables_text(built: Lark | None = None) -> str:
    """The text of ``grammar_tables.json`` for the current grammar and Lark version."""
    built = build_parser() if built is None else built
    data, memo = built.memo_serialize([TerminalDef, Rule])
    tables = {"key": grammar_key(), "lark": lark.__version__, "data": data, "memo": memo}
    return json.dumps(tables, separators=(",", ":"), ensure_ascii=True) + "\n"


def write_tables(path: Path = TABLES_FILE) -> Path:
    """Regenerate the tables file (atomically: a reader never sees half of it)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(tables_text(), encoding="utf-8")
    os.replace(temporary, path)
    return path


if __name__ == "__main__":
    print(f"wrote {write_tables()}", file=sys.stderr)
