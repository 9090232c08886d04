"""Rewrite a raw derivative into a target closed form with textbook algebra moves.

A small library of generic moves (split a power of a denominator into a product
of two fractions, add and subtract a constant in a numerator, split a fraction,
divide numerator and denominator by a factor, fold a definition back) is tried
in a bounded breadth-first search until the expression *is* the target.  Every
move is SymPy operating on expressions; displayed forms are kept with
``evaluate=False`` and ``sp.UnevaluatedExpr``.  Nothing here knows any function
by name: the definitions to fold back are passed in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.printing import derivation_latex

UE = sp.UnevaluatedExpr

#: A local move: a node -> (replacement, rule phrase), or None when it does not apply.
@dataclass(frozen=True)
class Reason:
    """Why a move holds: a short phrase in words, and any math it names as LaTeX
    (kept apart so every renderer can typeset the math as math)."""

    rule: str
    note: str = ""


Move = Callable[[sp.Expr], tuple[sp.Expr, Reason] | None]


@dataclass(frozen=True)
class RewriteStep:
    expr: sp.Expr  # display form
    rule: str  # short human phrase
    note: str = ""  # LaTeX the phrase refers to, e.g. the factor divided by


@dataclass(frozen=True)
class Fold:
    """Write ``body`` as ``applied`` (e.g. 1/(1+e^{-x}) as sigma(x)); ``label`` names the move."""

    applied: sp.Expr
    body: sp.Expr
    label: str


# ---------------------------------------------------------------------------
# Expression helpers shared with derive.generate.derivation
# ---------------------------------------------------------------------------


def evaluated(expr: sp.Expr) -> sp.Expr:
    """``expr`` rebuilt bottom-up with normal evaluation; UnevaluatedExpr wrappers dropped.

    Unevaluated derivatives stay unevaluated (``Derivative`` does not evaluate by default).
    """
    if isinstance(expr, UE):
        return evaluated(expr.args[0])
    if not expr.args or isinstance(expr, sp.Derivative):
        return expr
    return expr.func(*(evaluated(arg) for arg in expr.args))


def rebuild(node: sp.Basic, args: Sequence[sp.Basic]) -> sp.Basic:
    """``node`` with new ``args``, keeping Add/Mul/Pow unevaluated so the display form stays."""
    if isinstance(node, sp.Add | sp.Mul | sp.Pow):
        return node.func(*args, evaluate=False)
    return node.func(*args)


def replace_unevaluated(expr: sp.Basic, mapping: Mapping[sp.Basic, sp.Basic]) -> sp.Basic:
    """Like ``xreplace`` but parents are rebuilt without evaluation."""
    if expr in mapping:
        return mapping[expr]
    if not expr.args or isinstance(expr, sp.Derivative):
        return expr
    args = [replace_unevaluated(arg, mapping) for arg in expr.args]
    if all(new is old for new, old in zip(args, expr.args, strict=True)):
        return expr
    return rebuild(expr, args)


def _positions(expr: sp.Basic, path: tuple[int, ...] = ()) -> Iterator[tuple[int, ...]]:
    """Paths to every node, preorder (a fixed order: args order of SymPy objects)."""
    yield path
    if isinstance(expr, sp.Derivative):
        return
    for i, arg in enumerate(expr.args):
        yield from _positions(arg, (*path, i))


def _at(expr: sp.Basic, path: tuple[int, ...]) -> sp.Basic:
    for i in path:
        expr = expr.args[i]
    return expr


def _replace_at(expr: sp.Basic, path: tuple[int, ...], new: sp.Basic) -> sp.Basic:
    if not path:
        return new
    head, rest = path[0], path[1:]
    args = list(expr.args)
    args[head] = _replace_at(args[head], rest, new)
    return rebuild(expr, args)


def _fraction(node: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(numerator, denominator) of a product or power with a non-trivial denominator."""
    if isinstance(node, UE) or not isinstance(node, sp.Mul | sp.Pow):
        return None
    numerator, denominator = sp.fraction(node, exact=True)
    if denominator == 1:
        return None
    return numerator, denominator


def _product(*factors: sp.Expr) -> sp.Expr:
    return sp.Mul(
        *(UE(f) if isinstance(f, sp.Mul | sp.Pow) else f for f in factors), evaluate=False
    )


def _quotient(numerator: sp.Expr, denominator: sp.Expr) -> sp.Expr:
    if numerator == 1:
        return sp.Pow(denominator, -1, evaluate=False)
    return sp.Mul(numerator, sp.Pow(denominator, -1, evaluate=False), evaluate=False)


# ---------------------------------------------------------------------------
# Moves
# ---------------------------------------------------------------------------


def split_power_of_denominator(node: sp.Expr) -> tuple[sp.Expr, Reason] | None:
    """N / D^k  ->  1/D · N/D^{k-1}"""
    parts = _fraction(node)
    if parts is None:
        return None
    numerator, denominator = parts
    if not isinstance(denominator, sp.Pow):
        return None
    base, exponent = denominator.as_base_exp()
    if not (exponent.is_Integer and exponent >= 2):
        return None
    rest = base if exponent == 2 else sp.Pow(base, exponent - 1)
    return _product(_quotient(sp.S.One, base), _quotient(numerator, rest)), Reason(
        "product of two fractions"
    )


def add_and_subtract_constant(node: sp.Expr) -> tuple[sp.Expr, Reason] | None:
    """N / D with D - N = c constant  ->  (D - c) / D"""
    parts = _fraction(node)
    if parts is None:
        return None
    numerator, denominator = parts
    if isinstance(numerator, sp.Add) or numerator.is_number:
        return None
    difference = sp.expand(denominator - numerator)
    if not (difference.is_Number and difference != 0):
        return None
    rewritten = sp.Add(denominator, -difference, evaluate=False)
    # A number reads as text ("add and subtract 1/2"); no LaTeX inside the phrase.
    return _quotient(rewritten, denominator), Reason(
        f"add and subtract {difference} in the numerator"
    )


def split_fraction(node: sp.Expr) -> tuple[sp.Expr, Reason] | None:
    """(a + b) / D  ->  a/D + b/D, each part reduced (D/D = 1)"""
    parts = _fraction(node)
    if parts is None:
        return None
    numerator, denominator = parts
    if not isinstance(numerator, sp.Add):
        return None
    pieces = [evaluated(term) / denominator for term in numerator.args]
    return sp.Add(*pieces), Reason("split the fraction")


def divide_by_numerator(node: sp.Expr) -> tuple[sp.Expr, Reason] | None:
    """N / (a + b) with N a single non-constant factor  ->  1 / (a/N + b/N)"""
    parts = _fraction(node)
    if parts is None:
        return None
    numerator, denominator = parts
    if numerator.is_number or isinstance(numerator, sp.Add | sp.Mul):
        return None
    if not isinstance(denominator, sp.Add):
        return None
    reduced = sp.Add(*(sp.expand(term / numerator) for term in denominator.args))
    return _quotient(sp.S.One, reduced), Reason(
        "divide numerator and denominator by the same factor", derivation_latex(numerator)
    )


LOCAL_MOVES: tuple[Move, ...] = (
    split_power_of_denominator,
    add_and_subtract_constant,
    split_fraction,
    divide_by_numerator,
)


def fold_definition(expr: sp.Expr, fold: Fold) -> sp.Expr | None:
    """Replace every occurrence of the definition's body by the function it defines."""
    if not expr.has(fold.body):
        return None
    return replace_unevaluated(expr, {fold.body: fold.applied})


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------


def _successors(expr: sp.Expr, folds: Sequence[Fold]) -> Iterator[tuple[sp.Expr, Reason]]:
    for fold in folds:
        folded = fold_definition(expr, fold)
        if folded is not None:
            yield folded, Reason(fold.label)
    for path in _positions(expr):
        node = _at(expr, path)
        for move in LOCAL_MOVES:
            result = move(node)
            if result is not None:
                new_node, reason = result
                yield _replace_at(expr, path, new_node), reason


def rewrite_to_target(
    start: sp.Expr,
    target: sp.Expr,
    *,
    folds: Sequence[Fold] = (),
    max_depth: int = 6,
    max_states: int = 400,
) -> list[RewriteStep] | None:
    """The shortest sequence of moves from ``start`` to an expression equal to ``target``.

    "Equal" is structural equality after normal evaluation, so every step is a
    small, checkable move.  None when no path is found within the bounds.
    """
    goal = evaluated(target)
    if evaluated(start) == goal:
        return []
    queue: deque[tuple[sp.Expr, tuple[RewriteStep, ...]]] = deque([(start, ())])
    seen = {sp.srepr(start)}
    while queue and len(seen) < max_states:
        expr, path = queue.popleft()
        if len(path) >= max_depth:
            continue
        for new_expr, reason in _successors(expr, folds):
            key = sp.srepr(new_expr)
            if key in seen:
                continue
            seen.add(key)
            steps = (*path, RewriteStep(new_expr, reason.rule, reason.note))
            if evaluated(new_expr) == goal:
                return list(steps)
            queue.append((new_expr, steps))
    return None


def rewrite_steps(
    start: sp.Expr,
    target: sp.Expr,
    *,
    folds: Sequence[Fold] = (),
) -> list[RewriteStep]:
    """Steps from ``start`` to ``target``; one "algebra" step when no move sequence is found.

    The last step always displays ``target`` as given.
    """
    found = rewrite_to_target(start, target, folds=folds)
    if found is None:
        return [RewriteStep(target, "algebra")]
    if found:
        found[-1] = RewriteStep(target, found[-1].rule, found[-1].note)
    return found
