"""The committed LALR tables (derive/parse/grammar_tables.json) are the grammar's.

Lark numbers the LALR states in an order that changes from run to run, so a regenerated
file is not byte-identical; instead the committed tables must (1) carry the key of the
current grammar text, options and Lark version, and (2) be the same automaton as a parser
built from grammar.lark now, up to the numbering of its states.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

import pytest
from lark import Lark

from derive.parse import grammar


def _rule(rule: Any) -> tuple[object, ...]:
    return (rule.origin.name, tuple(s.name for s in rule.expansion), rule.alias,
            rule.order, repr(rule.options))


def canonical(parser: Lark) -> tuple[object, ...]:
    """The automaton with states numbered in breadth-first order from the start state
    (tokens visited in sorted order), rules and terminals by content."""
    table = parser.parser.parser._parse_table
    start = table.start_states["start"]
    number = {start: 0}
    queue = deque([start])
    states: list[tuple[object, ...]] = []
    while queue:
        state = queue.popleft()
        actions = []
        for token in sorted(table.states[state]):
            action, argument = table.states[state][token]
            if action.name == "Shift":
                if argument not in number:
                    number[argument] = len(number)
                    queue.append(argument)
                actions.append((token, "shift", number[argument]))
            else:
                actions.append((token, "reduce", _rule(argument)))
        states.append(tuple(actions))
    terminals = sorted(
        (t.name, type(t.pattern).__name__, t.pattern.value, tuple(sorted(t.pattern.flags)),
         t.priority)
        for t in parser.terminals
    )
    end = number.get(table.end_states["start"])
    return tuple(states), end, tuple(terminals), tuple(sorted(_rule(r) for r in parser.rules))


def test_the_committed_tables_are_for_this_grammar_and_lark() -> None:
    tables = grammar.committed_tables()
    assert tables is not None, "derive/parse/grammar_tables.json is missing or not JSON"
    assert tables["key"] == grammar.grammar_key(), (
        "grammar.lark (or its placeholders, the options or the Lark version) changed: "
        "regenerate the tables with `python -m derive.parse.grammar`"
    )


def test_the_committed_tables_are_the_automaton_built_from_the_grammar() -> None:
    committed = grammar._committed_parser(grammar.grammar_key())
    assert committed is not None
    assert canonical(committed) == canonical(grammar.build_parser())


def test_the_parser_in_use_is_the_committed_one() -> None:
    grammar.parser.cache_clear()
    try:
        in_use = grammar.parser()
        assert in_use.source_path == "<deserialized>"  # loaded, not built
        tree = in_use.parse(r"\frac{1}{1+e^{-x}} + \sin(x)^{2}")
        assert tree == grammar.build_parser().parse(r"\frac{1}{1+e^{-x}} + \sin(x)^{2}")
    finally:
        grammar.parser.cache_clear()


def test_stale_tables_are_never_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    tables = grammar.committed_tables()
    assert tables is not None
    stale = tmp_path / "grammar_tables.json"
    stale.write_text(json.dumps({**tables, "key": "0" * 64}), encoding="utf-8")
    monkeypatch.setattr(grammar, "TABLES_FILE", stale)
    assert grammar._committed_parser(grammar.grammar_key()) is None
    broken = tmp_path / "broken.json"
    broken.write_text('{"key": "', encoding="utf-8")
    monkeypatch.setattr(grammar, "TABLES_FILE", broken)
    assert grammar.committed_tables() is None
    grammar.parser.cache_clear()
    try:
        built = grammar.parser()  # built from the grammar instead
        assert built.source_path != "<deserialized>"
    finally:
        grammar.parser.cache_clear()


def test_writing_the_tables_gives_loadable_tables_for_this_grammar(tmp_path: Any) -> None:
    written = grammar.write_tables(tmp_path / "tables.json")
    tables = json.loads(written.read_text(encoding="utf-8"))
    assert tables["key"] == grammar.grammar_key()
    assert [p.name for p in tmp_path.iterdir()] == ["tables.json"]  # no temporary left


def test_the_comparison_sees_a_changed_grammar() -> None:
    committed = grammar._committed_parser(grammar.grammar_key())
    assert committed is not None
    changed = grammar.grammar_text().replace("-> add\n", "-> addition\n", 1)
    assert changed != grammar.grammar_text()
    other = Lark(changed, parser="lalr", lexer="contextual", maybe_placeholders=False)
    assert canonical(committed) != canonical(other)


def test_the_tables_are_packaged() -> None:
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["derive"]
    assert any(Path("parse/grammar_tables.json").match(p) for p in patterns), patterns
