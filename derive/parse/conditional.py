"""Conditional notation ``P(a \\mid b)``: an opaque function of its own, and its display name."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef, UndefinedFunction


class ConditionalCall(AppliedUndef):
    """``P(a \\mid b)``: an opaque function named ``P|1`` (1 argument before the bar).

    The name keeps it distinct from the joint ``P(a, b)``; printing shows the bar again,
    so messages read ``P(a | b)`` rather than ``P|1(a, b)``.
    """

    def _parts(self, printer: Any) -> tuple[str, list[str], list[str]]:
        name, given = display_parts(type(self).__name__)
        printed = [printer._print(arg) for arg in self.args]
        return name, printed[:given], printed[given:]

    def _sympystr(self, printer: Any) -> str:
        name, before, after = self._parts(printer)
        return f"{name}({', '.join(before)} | {', '.join(after)})"

    def _latex(self, printer: Any, exp: Any = None) -> str:
        name, before, after = self._parts(printer)
        text = f"{name}\\left({', '.join(before)} \\mid {', '.join(after)}\\right)"
        return text if exp is None else f"{text}^{{{exp}}}"


def conditional_function(name: str, given: int) -> sp.FunctionClass:
    """The opaque function of ``name(a \\mid b)`` with ``given`` arguments before the bar."""
    return UndefinedFunction(f"{name}|{given}", bases=(ConditionalCall,))


def display_parts(function_name: str) -> tuple[str, int]:
    """(``P``, 1) for the conditional function ``P|1``; (name, 0) for any other name."""
    name, bar, given = function_name.rpartition("|")
    if bar and name and given.isdigit():
        return name, int(given)
    return function_name, 0


def display_name(function_name: str) -> str:
    """A function's name for messages: ``P|1`` (conditional) reads ``P(·|·)``."""
    name, given = display_parts(function_name)
    return f"{name}(\u00b7|\u00b7)" if name != function_name else name
