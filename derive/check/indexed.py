"""Index-shifted definitions: ``n_{t+1} = (1+r) n_t`` holds for every index.

A recurrence is written once, at one index, and used at others (``n_t = (1+r) n_{t-1}``).
The parser names indexed symbols ``n_{t+1}``, ``n_{t}``, ``n_{t-1}``, ``n_{2}``; a
definition whose name has an index ``v + k`` in one letter ``v`` defines a *family*.
For a claim, the members it mentions are defined by shifting the body's indices, from
the highest index it mentions down to one above the lowest (the lowest is the base
case, left free), so that substitution unrolls the recurrence as far as the claim
needs and never further.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sympy as sp

from derive.model import Definition

_INDEXED = re.compile(r"^(?P<base>[^_{}]+)_\{(?P<index>[^{}]+)\}$")
_SHIFT = re.compile(r"^(?P<var>[a-z])(?:(?P<sign>[+-])(?P<offset>\d+))?$")
#: Members defined at most per claim (a recurrence unrolled further says nothing more).
MAX_MEMBERS = 16


@dataclass(frozen=True)
class Index:
    """``t-1`` as (variable ``t``, offset -1); ``2`` as (variable "", offset 2)."""

    variable: str
    offset: int

    def shifted(self, by: int) -> Index:
        return Index(self.variable, self.offset + by)

    @property
    def text(self) -> str:
        if not self.variable:
            return str(self.offset)
        if self.offset == 0:
            return self.variable
        sign = "+" if self.offset > 0 else "-"
        return f"{self.variable}{sign}{abs(self.offset)}"


def parse_index(text: str) -> Index | None:
    if re.fullmatch(r"-?\d+", text):
        return Index("", int(text))
    match = _SHIFT.match(text)
    if match is None:
        return None
    offset = int(match.group("offset") or 0)
    return Index(match.group("var"), -offset if match.group("sign") == "-" else offset)


def split_indexed(name: str) -> tuple[str, Index] | None:
    """``("n", t+1)`` for the symbol name ``n_{t+1}``."""
    match = _INDEXED.match(name)
    if match is None:
        return None
    index = parse_index(match.group("index"))
    return None if index is None else (match.group("base"), index)


@dataclass(frozen=True)
class Family:
    """``base_{variable + offset} = body``, for every value of ``variable``."""

    base: str
    at: Index  # the index the definition was written at (with a letter)
    definition: Definition

    @classmethod
    def of(cls, definition: Definition) -> Family | None:
        if definition.params:
            return None
        found = split_indexed(definition.name)
        if found is None or not found[1].variable:
            return None
        return cls(found[0], found[1], definition)

    def member(self, index: Index) -> Definition:
        """The definition at ``index``: every index in ``at.variable`` shifted alike."""
        renames: dict[sp.Basic, sp.Basic] = {}
        for symbol in self.definition.body.free_symbols:
            if not isinstance(symbol, sp.Symbol):
                continue
            found = split_indexed(symbol.name)
            if found is None or found[1].variable != self.at.variable:
                continue
            base, used = found
            moved = Index(index.variable, index.offset + used.offset - self.at.offset)
            renames[symbol] = sp.Symbol(f"{base}_{{{moved.text}}}", **symbol.assumptions0)
        name = f"{self.base}_{{{index.text}}}"
        return Definition(name=name, params=(), body=self.definition.body.xreplace(renames),
                          latex=self.definition.latex)


def member_definitions(families: Iterable[Family], exprs: Iterable[sp.Expr | None],
                       defined: set[str]) -> list[Definition]:
    """Definitions of the family members ``exprs`` mention (above the lowest index)."""
    names = {
        s.name for expr in exprs if expr is not None
        for s in expr.free_symbols if isinstance(s, sp.Symbol)
    }
    result: list[Definition] = []
    for family in families:
        used: dict[str, list[int]] = {}  # variable -> offsets the claim mentions
        for name in names:
            found = split_indexed(name)
            if found is None or found[0] != family.base:
                continue
            used.setdefault(found[1].variable, []).append(found[1].offset)
        for variable, offsets in sorted(used.items()):
            low, high = min(offsets), max(offsets)
            for offset in range(max(low + 1, high - MAX_MEMBERS + 1), high + 1):
                member = family.member(Index(variable, offset))
                if member.name not in defined:
                    result.append(member)
    return result
