"""What a relation is before it is verified: an asserted identity, or context.

Only asserted identities and the steps of a chain can be refuted.  A condition ("if
$T = 1$"), an example value ("e.g. $\\alpha = 5$"), a model equation or constraint
("subject to"), an equation to solve, a solution, an approximation announced in prose,
an implication (``\\implies``), a relation between differentials (``dy = 2x\\,dx``)
are context: they are verified (what holds, holds), but a counterexample to them
says nothing about the document, so a refutation becomes ``unknown`` with the doubt
named.  A ``derive: claim`` directive before the block makes its relations asserted.

The role is read from the words right before the math (see :func:`role_of`); the
nearest keyword wins, and a weak keyword ("at", "for", "with") must stand right
before the math.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ASSERTED = "asserted"  # an identity or a chain step the author asserts
    CONDITION = "condition"  # "if", "when", "suppose", "at", "for"
    EXAMPLE = "example"  # "e.g.", "for example"
    DEFINITION = "definition"  # "let", "where", "define": may define a name
    EQUATION = "equation"  # a model equation, constraint, equation to solve, solution
    APPROXIMATION = "approximation"  # "approximately", "to first order"
    IMPLICATION = "implication"  # a side of \implies, \Rightarrow, \iff
    DIFFERENTIAL = "differential"  # dy = 2x dx
    VALUE = "value"  # x = 3 for a variable x: a value or a solution, not an identity


#: Roles whose relations are context: never refuted.
CONTEXT_ROLES = frozenset(Role) - {Role.ASSERTED}
CLAIM_DIRECTIVE = "derive: claim"


@dataclass(frozen=True)
class Reading:
    role: Role
    word: str  # the words that decided, as found ("" for the default)


@dataclass(frozen=True)
class _Keyword:
    words: tuple[str, ...]
    role: Role
    reach: int  # how many words may stand between the keyword and the math


_STRONG = 5
_WEAK = 1


def _table() -> list[_Keyword]:
    entries: list[tuple[str, Role, int]] = []
    for phrase in (
        "we have", "we get", "we obtain", "we find", "we see", "we can write", "we write",
        "one has", "one gets", "one obtains", "we conclude", "this gives", "which gives",
        "gives", "giving", "give", "yields", "yielding", "yield", "so", "thus", "therefore",
        "hence", "it follows that", "follows that", "then", "that is", "ie", "becomes",
        "reduces to", "simplifies to", "equals", "is equal to", "recall that", "note that",
        "indeed", "clearly", "obviously", "for all", "for every", "for any", "for each",
        "holds", "identity", "we verify", "verify that", "check that", "show that",
        "prove that", "shows that", "using", "since", "because", "recall", "note",
        "we know", "know that", "remember", "given by", "given as", "is given", "are given",
    ):
        entries.append((phrase, Role.ASSERTED, _STRONG))
    for phrase in (
        "if", "when", "whenever", "suppose", "supposing", "assume", "assuming", "given",
        "given that", "provided", "provided that", "such that", "unless",
        "in case", "in the case", "in the special case", "only if", "iff", "whereas",
        "steady state", "in equilibrium", "at equilibrium", "equilibrium", "in the limit",
        "boundary condition", "initial condition", "boundary conditions", "initial conditions",
    ):
        entries.append((phrase, Role.CONDITION, _STRONG))
    for phrase in ("at", "for", "case", "on"):
        entries.append((phrase, Role.CONDITION, _WEAK))
    for phrase in ("eg", "for example", "for instance", "example", "such as", "instance"):
        entries.append((phrase, Role.EXAMPLE, _STRONG))
    for phrase in ("say",):
        entries.append((phrase, Role.EXAMPLE, _WEAK))
    for phrase in ("let", "where", "define", "defining", "defined", "denote", "denoting",
                   "denoted", "setting", "we set", "letting"):
        entries.append((phrase, Role.DEFINITION, _STRONG))
    for phrase in ("set", "with", "put", "choose", "take", "pick", "fix"):
        entries.append((phrase, Role.DEFINITION, _WEAK))
    for phrase in (
        "subject to", "st", "the model", "model", "models", "satisfies", "satisfy",
        "satisfying", "satisfied", "solve", "solves", "solving", "solved", "solution",
        "solutions", "constraint", "constraints", "constrained", "the equation",
        "equation", "equations", "system", "roots", "root", "zero of", "zeros of",
        "find", "unknown", "unknowns", "governed by", "obeys", "law",
        "require", "requires", "required", "requirement", "requirements", "we want",
        "we need", "must satisfy", "must hold", "condition", "conditions",
        # the equation of a figure: "the line $x = \\log 2$", "bounded by $y = e^x$"
        "the line", "line", "lines", "the curve", "curve", "curves", "the plane", "plane",
        "bounded by", "the graph of", "asymptote", "asymptotes",
    ):
        entries.append((phrase, Role.EQUATION, _STRONG))
    for phrase in (
        "approximately", "approximation", "approximate", "approximated", "approximates",
        "roughly", "to first order", "to second order", "to leading order", "linearize",
        "linearizing", "linearized", "linearization", "asymptotically", "estimate",
        "estimated", "about", "around", "near", "nearly", "close to", "for small", "for large",
        "small angles", "small angle", "small x", "large x",
    ):
        reach = _WEAK if phrase in ("about", "around", "near") else _STRONG
        entries.append((phrase, Role.APPROXIMATION, reach))
    return [_Keyword(tuple(phrase.split()), role, reach) for phrase, role, reach in entries]


_KEYWORDS = _table()
#: Words before the math that a keyword may use: the longest phrase plus the widest reach.
_LOOKBACK = max(len(k.words) for k in _KEYWORDS) + _STRONG


def role_of(words: list[str]) -> Reading | None:
    """The role the prose gives the math that follows ``words``, or None when it says none.

    Of the keywords within reach, the one nearest the math wins; at equal distance the
    longer phrase ("for example" over "example", "given that" over "that").
    """
    words = words[-_LOOKBACK:]  # no keyword reaches further back
    best: tuple[int, int, _Keyword] | None = None
    for keyword in _KEYWORDS:
        size = len(keyword.words)
        for end in range(len(words), size - 1, -1):
            if tuple(words[end - size : end]) != keyword.words:
                continue
            distance = len(words) - end
            if distance > keyword.reach or "MATH" in words[end:] and keyword.reach == _WEAK:
                break
            rank = (distance, -size)
            if best is None or rank < best[:2]:
                best = (distance, -size, keyword)
            break
    if best is None:
        return None
    keyword = best[2]
    return Reading(keyword.role, " ".join(keyword.words))


def doubt_for(reading: Reading) -> str:
    """Why a counterexample to context says nothing, and the directive that settles it."""
    said = f" (after '{reading.word}')" if reading.word else ""
    what = {
        Role.CONDITION: "a condition or case",
        Role.EXAMPLE: "an example value",
        Role.DEFINITION: "a definition or a choice of value",
        Role.EQUATION: "an equation to solve, a model equation or a constraint",
        Role.APPROXIMATION: "an approximation",
        Role.IMPLICATION: "a side of an implication (an equation, not an identity)",
        Role.DIFFERENTIAL: "a relation between differentials",
        Role.VALUE: "a value or a solution for a variable",
        Role.ASSERTED: "an asserted identity",
    }[reading.role]
    return (
        f"read as {what}{said}, not as an identity; a directive "
        f"`{CLAIM_DIRECTIVE}` before the math checks it as one"
    )


_DIFFERENTIAL = re.compile(r"(?:^|[^A-Za-z\\])(?:\\mathrm\{d\}|\\operatorname\{d\}|d)\s*"
                           r"(?:[A-Za-z]|\\[A-Za-z]+)(?![A-Za-z])")
_GROUP = r"\{(?:[^{}]|\{[^{}]*\})*\}"  # a brace group, one level of nesting inside
_DERIVATIVE_OPERATOR = re.compile(
    r"\\[dt]?frac\s*\{\s*(?:\\(?:mathrm|operatorname)\{d\}|d|\\partial)(?:[^{}]|\{[^{}]*\})*\}"
    r"\s*" + _GROUP + r"|\\partial"
)


def is_differential(latex: str) -> bool:
    """``dy``, ``2x\\,dx``, ``\\mathrm{d}x``: a side that holds a differential as a factor
    (outside ``\\frac{d}{dx}`` and integrals)."""
    if "\\int" in latex or "\\oint" in latex:
        return False
    return bool(_DIFFERENTIAL.search(_DERIVATIVE_OPERATOR.sub(" ", latex)))


_CITATION = re.compile(
    r"^\(?\s*(?:\\(?:eq)?ref\s*\{[^{}]*\}|\\tag\s*\{[^{}]*\})\s*\)?$"
    r"|^\(\s*\d+(?:\.\d+)*[a-z]?\s*\)$|^\(\s*[A-Z]\.?\d+(?:\.\d+)*\s*\)$"
)


def is_citation(latex: str) -> bool:
    """``(3.2)``, ``\\eqref{eq:loss}``, ``(\\ref{eq:1})``: a side that cites an equation."""
    return bool(_CITATION.match(latex.strip()))
