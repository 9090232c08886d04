"""Replace defined names (``sigma(x)``, the placeholder ``u``) by their bodies.

This must happen *before* ``Derivative.doit()``: a placeholder ``u`` left as a
plain Symbol makes ``Derivative(1/u, x).doit()`` silently 0.  A derivative
*with respect to* a placeholder (``d(1/u)/du`` in a chain rule) is evaluated
first, while ``u`` is still an independent variable, and only then is ``u``
replaced by its body.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.model import Definition

#: How many rounds of substitution before giving up (definitions may use each other).
MAX_DEPTH = 32


class DefinitionError(ValueError):
    """Definitions that cannot be applied: a cycle, or nesting deeper than MAX_DEPTH."""


class DefinitionCycle(DefinitionError):
    """A new definition would close a cycle (``u = F``, ``L = t u^2``, ``F = L``)."""


def definition_cycle(new: Definition, definitions: Mapping[str, Definition]) -> str:
    """The cycle ``F -> L -> u -> F`` that ``new`` would close among ``definitions``, or "".

    Self-reference counts (``u = u + 1``).  The search is iterative, so no chain of
    definitions, however long, can exhaust the stack.
    """
    graph = {name: d for name, d in definitions.items() if name != new.name}
    graph[new.name] = new
    stack: list[tuple[str, tuple[str, ...]]] = [(new.name, (new.name,))]
    visited: set[str] = set()
    while stack:
        name, path = stack.pop()
        for used in sorted(_uses(graph[name], graph), reverse=True):
            if used == new.name:
                return " -> ".join((*path, used))
            if used not in visited:
                visited.add(used)
                stack.append((used, (*path, used)))
    return ""


def _uses(definition: Definition, graph: Mapping[str, Definition]) -> set[str]:
    own = {p.name for p in definition.params}
    return (names_used(definition.body) - own) & set(graph)


def substitute_definitions(expr: sp.Expr, definitions: Sequence[Definition]) -> sp.Expr:
    """``expr`` with every defined function application and placeholder replaced, to a fixpoint.

    ``Function(name)(args)`` becomes the body with its parameters replaced by ``args``
    (only when the number of arguments matches); ``Symbol(name)`` becomes the body of a
    definition without parameters.  Bound variables (of Integral, Sum, Lambda, Subs)
    are left alone.  Raises DefinitionError on cyclic definitions.
    """
    if not definitions:
        return expr
    functions = {d.name: d for d in definitions if d.params}
    placeholders = {d.name: d for d in definitions if not d.params}
    _reject_cycles(definitions)
    current = expr
    try:
        for _ in range(MAX_DEPTH):
            updated = _substitute_once(current, functions, placeholders, frozenset())
            if updated == current:
                return updated
            current = updated
    except RecursionError:
        # an expression nested too deeply to walk: this claim cannot be read, the rest can
        raise DefinitionError("definitions nest too deeply to substitute") from None
    raise DefinitionError(f"definitions still expanding after {MAX_DEPTH} rounds")


def names_used(expr: sp.Basic) -> set[str]:
    """Names of the symbols and undefined functions in ``expr``."""
    names = {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    names |= {type(f).__name__ for f in expr.atoms(AppliedUndef)}
    return names


def used_definitions(exprs: Iterable[sp.Basic | None],
                     definitions: Mapping[str, Definition]) -> list[Definition]:
    """The definitions ``exprs`` use, directly or through other definitions (a function's
    parameters are its own), each once, in the order of their names."""
    pending: set[str] = set()
    for expr in exprs:
        if expr is not None:
            pending |= names_used(expr)
    used: dict[str, Definition] = {}
    while pending:
        name = min(pending)
        pending.discard(name)
        definition = definitions.get(name)
        if definition is None or name in used:
            continue
        used[name] = definition
        pending |= names_used(definition.body) - {p.name for p in definition.params}
    return [used[name] for name in sorted(used)]


def _reject_cycles(definitions: Sequence[Definition]) -> None:
    """Raise DefinitionError if some definition (indirectly) refers to itself."""
    graph: dict[str, set[str]] = {}
    for definition in definitions:
        own_params = {p.name for p in definition.params}
        graph[definition.name] = (names_used(definition.body) - own_params) & {
            d.name for d in definitions
        }
    done: set[str] = set()
    for root in sorted(graph):
        if root in done:
            continue
        # depth-first without recursion: (name, its path, its remaining uses)
        stack: list[tuple[str, tuple[str, ...], list[str]]] = [
            (root, (root,), sorted(graph.get(root, ())))
        ]
        while stack:
            name, path, uses = stack[-1]
            if not uses:
                done.add(name)
                stack.pop()
                continue
            used = uses.pop(0)
            if used in path:
                cycle = " -> ".join((*path[path.index(used) :], used))
                raise DefinitionCycle(f"cyclic definitions: {cycle}")
            if used not in done:
                stack.append((used, (*path, used), sorted(graph.get(used, ()))))


def _substitute_once(
    expr: sp.Basic,
    functions: Mapping[str, Definition],
    placeholders: Mapping[str, Definition],
    bound: frozenset[str],
) -> sp.Basic:
    """One bottom-up pass; ``bound`` holds names shadowed by an enclosing binder."""
    if isinstance(expr, sp.Symbol):
        definition = placeholders.get(expr.name)
        if definition is not None and expr.name not in bound:
            return definition.body
        return expr
    if not expr.args:
        return expr
    if isinstance(expr, sp.Derivative):
        return _substitute_in_derivative(expr, functions, placeholders, bound)
    if isinstance(expr, sp.Integral | sp.Sum | sp.Product | sp.Lambda | sp.Subs):
        return _substitute_in_binder(expr, functions, placeholders, bound)
    args = [_substitute_once(a, functions, placeholders, bound) for a in expr.args]
    if isinstance(expr, AppliedUndef):
        definition = functions.get(type(expr).__name__)
        if definition is not None and len(definition.params) == len(args):
            if _binds_a_parameter(definition):
                return expr.func(*args)  # see _binds_a_parameter: left undefined, undecided
            return definition.body.xreplace(dict(zip(definition.params, args, strict=True)))
        return expr.func(*args)
    if all(new is old for new, old in zip(args, expr.args, strict=True)):
        return expr
    return expr.func(*args)


def _binds_a_parameter(definition: Definition) -> bool:
    """``f(x) = \\lim_{x \\to 0} ...``: the body binds a parameter's name again (a limit,
    an integral, a sum).  Replacing the parameter would replace the bound variable too
    (``Limit(..., 4, 0)``), so such a function is not expanded at all."""
    params = set(definition.params)
    for node in sp.preorder_traversal(definition.body):
        if isinstance(node, sp.Limit) and node.args[1] in params:
            return True
        bound = getattr(node, "bound_symbols", ())
        if isinstance(node, sp.Basic) and bound and params & set(bound):
            return True
    return False


def _substitute_in_derivative(
    expr: sp.Derivative,
    functions: Mapping[str, Definition],
    placeholders: Mapping[str, Definition],
    bound: frozenset[str],
) -> sp.Basic:
    """Differentiate with respect to placeholders first (``d(1/u)/du``), then substitute."""
    placeholder_vars = [
        (v, n)
        for v, n in expr.variable_count
        if isinstance(v, sp.Symbol) and v.name in placeholders and v.name not in bound
    ]
    other_vars = [(v, n) for v, n in expr.variable_count if (v, n) not in placeholder_vars]
    shadowed = bound | {v.name for v, _ in placeholder_vars}
    inner = _substitute_once(expr.expr, functions, placeholders, shadowed)
    if placeholder_vars:
        # u is an independent variable here: evaluate d/du before u gets its body.
        inner = sp.Derivative(inner, *placeholder_vars).doit()
        inner = _substitute_once(inner, functions, placeholders, bound)
    if not other_vars:
        return inner
    return sp.Derivative(inner, *other_vars)


def _substitute_in_binder(
    expr: sp.Basic,
    functions: Mapping[str, Definition],
    placeholders: Mapping[str, Definition],
    bound: frozenset[str],
) -> sp.Basic:
    """Integral, Sum, Product, Lambda, Subs: their own variables shadow placeholders."""
    own = {s.name for s in expr.bound_symbols if isinstance(s, sp.Symbol)}
    if isinstance(expr, sp.Subs):
        # Subs(body, vars, point): vars are bound in body only; the point is outside.
        body = _substitute_once(expr.expr, functions, placeholders, bound | own)
        point = [_substitute_once(p, functions, placeholders, bound) for p in expr.point]
        return sp.Subs(body, expr.variables, point)
    args = [_substitute_once(a, functions, placeholders, bound | own) for a in expr.args]
    return expr.func(*args)
