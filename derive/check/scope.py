"""Where names hold: definitions, names in use and prose conditions, by section.

A definition holds from where it is stated to the end of its section (the next heading
of the same or an outer level) or until it is redefined.  A function's definition
(``\\sigma(x) = ...``) is notation: it stays in force after its section ends, but a
later section may redefine the function, and so may a later block under another
heading (a deeper one included: a new example, ``##### Example``) -- there a row
``f(x) = ...`` with another body is the example's own function.  A named value
(``u = 1+e^{-x}``, ``s = 0``) ends with its section.  Definitions from directives
and the configuration hold for the whole file.  Names in use and prose conditions
("when $c = 2$") end with their section too.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

#: The level of what holds for the whole file (directives, configuration).
FILE_LEVEL = -1


@dataclass(frozen=True)
class Condition:
    """A relation the prose states as a condition, case or example ("when $c = 2$")."""

    names: frozenset[str]  # the names it constrains
    latex: str  # as written
    line: int
    level: int
    #: lhs - rhs of the relation (the condition is ``equation = 0``); None when not read
    equation: sp.Expr | None = None


@dataclass(frozen=True)
class Closed:
    """What a new heading ends: named values to drop, functions that may be redefined."""

    dropped: tuple[str, ...]
    stale: tuple[str, ...]


class Scope:
    """Section levels of definitions, names in use and conditions."""

    def __init__(self) -> None:
        self.level = 0  # level of the innermost heading so far (0: before any heading)
        self.definition_levels: dict[str, int] = {}
        self.stale: set[str] = set()  # function definitions whose section has ended
        self.seen_levels: dict[str, int] = {}
        self.conditions: list[Condition] = []
        self.headings = 0  # headings passed so far, of any level
        #: for each definition, how many headings had been passed when it was made
        self.definition_headings: dict[str, int] = {}

    def define(self, name: str, *, whole_file: bool = False) -> None:
        self.definition_levels[name] = FILE_LEVEL if whole_file else self.level
        self.definition_headings[name] = self.headings
        self.stale.discard(name)

    def under_another_heading(self, name: str) -> bool:
        """Whether a heading (of any level) came between ``name``'s definition and here."""
        made = self.definition_headings.get(name)
        if made is None or self.definition_levels.get(name) == FILE_LEVEL:
            return False  # a directive or the configuration: the whole file
        return made != self.headings

    def see(self, names: set[str]) -> None:
        for name in names:
            self.seen_levels.setdefault(name, self.level)

    def seen(self, name: str) -> bool:
        return name in self.seen_levels

    def add_condition(self, names: frozenset[str], latex: str, line: int,
                      equation: sp.Expr | None) -> None:
        if names:
            self.conditions.append(Condition(names, latex, line, self.level, equation))

    def conditions_on(self, names: set[str]) -> tuple[Condition, ...]:
        """The conditions in scope that constrain one of ``names``, latest first."""
        return tuple(c for c in reversed(self.conditions) if c.names & names)

    def enter(self, level: int, functions: set[str]) -> Closed:
        """A heading of ``level``: close every section at that level or deeper."""
        self.headings += 1
        dropped: list[str] = []
        stale: list[str] = []
        for name, defined_at in list(self.definition_levels.items()):
            if defined_at < level or defined_at == FILE_LEVEL:
                continue
            if name in functions:
                stale.append(name)
                self.stale.add(name)
            else:
                dropped.append(name)
                del self.definition_levels[name]
        self.seen_levels = {n: at for n, at in self.seen_levels.items() if at < level}
        self.conditions = [c for c in self.conditions if c.level < level]
        self.level = level
        return Closed(tuple(sorted(dropped)), tuple(sorted(stale)))
