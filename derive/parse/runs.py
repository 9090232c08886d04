"""Resolving a run of juxtaposed items (``2x``, ``f(x)``, ``\\sin x``, ``\\frac{d}{dx} x^2``).

``RunResolver.resolve_run`` decides calls versus products with the document's function names,
and applies operators that take "the rest of the term" (d/dx, lim, sum) or "everything up to
dx" (integrals).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

import sympy as sp

from derive.parse import macros
from derive.parse.conditional import conditional_function
from derive.parse.failures import TransformFailure
from derive.parse.items import (
    BigOperator,
    DerivativeOperator,
    FracValue,
    FuncHead,
    IntegralHead,
    Item,
    LeibnizFunction,
    Name,
    Paren,
    RunResult,
    Value,
    with_power,
)


class RunContext(Protocol):
    """What the resolver needs from the transformer (transformer.py implements it)."""

    functions: frozenset[str]
    variables: frozenset[str]
    symbol_names: set[str]

    def is_function_name(self, name: str) -> bool: ...

    def used_symbol(self, name: str) -> None: ...

    def product_lint(self, name: str, position: int) -> None: ...


#: A Greek name (``\\sigma'``): a primed Greek letter is a function's derivative, declined bare.
_GREEK_HEAD = re.compile(rf"(?:{macros.alternation(macros.GREEK_LETTERS)})(?![A-Za-z])")
#: ``X(HHH)``: an outcome written as a word of capitals (coin tosses), never H*H*H.
_OUTCOME = re.compile(r"\s*[A-Z](?:\s*[A-Z])+\s*")


def _no_condition(paren: Paren) -> None:
    if paren.given is not None:
        raise TransformFailure("\\mid (conditional notation) is read only inside the arguments "
                               "of a function such as P(a \\mid b)", paren.given_position)
    if paren.events:
        raise TransformFailure("a relation inside brackets is read only as the event of an "
                               "operator such as P(X = 1)", paren.position)


def _argument_like(paren: Paren) -> bool:
    """``(x)``, ``(0)``, ``(x^{(i)})``: one atom, read as an argument after a decorated name."""
    return len(paren.args) == 1 and paren.given is None and not paren.events and (
        isinstance(paren.args[0], sp.Symbol) or paren.args[0].is_Number is True
    )


def _only_a_call(item: Name, paren: Paren) -> bool:
    """``B(m, b)`` or ``P(a \\mid b)`` after a plain name: a list is not a value, so a call."""
    return (
        (len(paren.args) > 1 or paren.given is not None)
        and item.primes == 0 and isinstance(item.expr, sp.Symbol)
    )


def _partial_of_call(item: LeibnizFunction, paren: Paren) -> sp.Expr:
    """``\\frac{df}{dx}(x, z)``: the partial derivative of ``f(x, z)`` in ``x``."""
    _no_condition(paren)
    args = paren.args
    if not all(isinstance(arg, sp.Symbol) for arg in args) or len(set(args)) != len(args) \
            or item.variable not in args:
        raise TransformFailure(
            "a derivative evaluated at a list needs distinct variables, one of them the "
            "variable of differentiation", paren.position,
        )
    return sp.Derivative(item.function(*args), (item.variable, item.order))


class RunResolver:
    def __init__(self, transformer: RunContext) -> None:
        self.transformer = transformer

    def resolve_run(self, items: Sequence[Item]) -> RunResult:
        factors: list[sp.Expr] = []
        open_operator: tuple[str, int] | None = None
        index = 0
        while index < len(items):
            item = items[index]
            if isinstance(item, DerivativeOperator):
                group = self.delimited_operand(items, index + 1)
                if group is not None:
                    # d/du (u^{-1}) du/dx: the group is the operand, what follows multiplies
                    factors.append(sp.Derivative(group, (item.variable, item.order)))
                    self.transformer.used_symbol(item.variable.name)
                    index += 2
                    continue
                operand = self.operand(items[index + 1:], item.position, "d/dx")
                factors.append(sp.Derivative(self.derivative_operand(operand, item.variable),
                                             (item.variable, item.order)))
                open_operator = ("d/d" + item.variable.name, item.position)
                self.transformer.used_symbol(item.variable.name)
                break
            if isinstance(item, BigOperator):
                operand = self.operand(items[index + 1:], item.position, item.label)
                factors.append(item.build(self.product(operand)))
                open_operator = (item.label, item.position)
                break
            if isinstance(item, IntegralHead):
                expr, index = self.integral(items, index)
                factors.append(expr)
                continue
            expr, index = self.simple(items, index)
            factors.append(expr)
        return RunResult(sp.Mul(*factors), open_operator)

    @staticmethod
    def delimited_operand(items: Sequence[Item], index: int) -> sp.Expr | None:
        """``\\frac{d}{dx}(x+1)^2``: the value of a bracketed group right after d/dx, if any."""
        group = items[index] if index < len(items) else None
        if not isinstance(group, Paren) or not group.delimited or group.given is not None \
                or group.events or len(group.args) != 1:
            return None
        return group.close(group.args[0])

    def operand(self, rest: Sequence[Item], position: int, label: str) -> Sequence[Item]:
        if not rest:
            raise TransformFailure(f"{label} has nothing to apply to in this term", position)
        return rest

    def product(self, items: Sequence[Item]) -> sp.Expr:
        result = self.resolve_run(items)
        return result.expr

    def derivative_operand(self, items: Sequence[Item], variable: sp.Symbol) -> sp.Expr:
        """``\\frac{d}{dx} f`` with a bare name: the name is a function of the variable."""
        if len(items) == 1 and isinstance(items[0], Name):
            name = items[0]
            if name.plain and name.primes == 0 and name.sup is None \
                    and isinstance(name.expr, sp.Symbol) and name.expr != variable:
                return sp.Function(name.name)(variable)
        if len(items) == 1 and isinstance(items[0], LeibnizFunction):
            leibniz = items[0]
            inner = sp.Derivative(leibniz.function(leibniz.variable),
                                  (leibniz.variable, leibniz.order))
            return with_power(inner, leibniz.sup)
        return self.product(items)

    def integral(self, items: Sequence[Item], index: int) -> tuple[sp.Expr, int]:
        head = items[index]
        assert isinstance(head, IntegralHead)
        depth = 0
        cursor = index + 1
        while cursor < len(items) - 1:
            item = items[cursor]
            if isinstance(item, IntegralHead):
                depth += 1
            elif isinstance(item, Name) and item.differential_d and item.sup is None \
                    and item.primes == 0 and isinstance(items[cursor + 1], Name):
                if depth == 0:
                    break
                depth -= 1
                cursor += 1
            cursor += 1
        else:
            fraction = self.differential_fraction(items, index)
            if fraction is not None:
                return fraction
            raise TransformFailure(
                "integral without a differential (dx) in the same term; "
                "put the integrand in parentheses",
                head.position,
            )
        variable_item = items[cursor + 1]
        assert isinstance(variable_item, Name)
        variable = variable_item.expr
        if not isinstance(variable, sp.Symbol) or variable_item.primes:
            raise TransformFailure("cannot read the integration variable",
                                   variable_item.position)
        self.transformer.used_symbol(variable.name)
        integrand = self.product(items[index + 1: cursor]) if cursor > index + 1 else sp.Integer(1)
        if head.lower is None:
            integral = sp.Integral(integrand, variable)
        else:
            integral = sp.Integral(integrand, (variable, head.lower, head.upper))
        return with_power(integral, variable_item.sup), cursor + 2

    def differential_fraction(self, items: Sequence[Item], index: int
                              ) -> tuple[sp.Expr, int] | None:
        """``\\int \\frac{3\\,dz}{z}``: the differential in the numerator of the last fraction."""
        head = items[index]
        assert isinstance(head, IntegralHead)
        for cursor in range(index + 1, len(items)):
            item = items[cursor]
            if isinstance(item, IntegralHead):
                return None
            if isinstance(item, FracValue) and item.differential is not None \
                    and item.integrand is not None:
                before = self.product(items[index + 1: cursor]) if cursor > index + 1 \
                    else sp.Integer(1)
                integrand = before * item.integrand
                self.transformer.used_symbol(item.differential.name)
                if head.lower is None:
                    return sp.Integral(integrand, item.differential), cursor + 1
                return sp.Integral(integrand, (item.differential, head.lower, head.upper)), \
                    cursor + 1
        return None

    def simple(self, items: Sequence[Item], index: int) -> tuple[sp.Expr, int]:
        """One factor: a value, a name (maybe called), a function head with its argument."""
        item = items[index]
        following = items[index + 1] if index + 1 < len(items) else None
        if isinstance(item, Value):
            return item.expr, index + 1
        if isinstance(item, Paren):
            return self.paren_value(item), index + 1
        if isinstance(item, Name):
            return self.name(item, following, index)
        if isinstance(item, LeibnizFunction):
            function_of_variable = sp.Derivative(item.function(item.variable),
                                                 (item.variable, item.order))
            if isinstance(following, Paren) and len(following.args) > 1:
                return following.close(_partial_of_call(item, following)), index + 2
            if isinstance(following, Paren):
                return following.close(self.evaluate_at(function_of_variable, item.variable,
                                                         following)), index + 2
            return with_power(function_of_variable, item.sup), index + 1
        # resolve_run has taken the operator items: only a function head is left
        return self.function_head(items, index)

    def paren_value(self, paren: Paren) -> sp.Expr:
        _no_condition(paren)
        if len(paren.args) != 1:
            raise TransformFailure("a parenthesised list is not a value (only a call's "
                                   "arguments may be separated by commas)", paren.position)
        return paren.close(paren.args[0])

    def name(self, item: Name, following: Item | None, index: int) -> tuple[sp.Expr, int]:
        context = self.transformer
        if isinstance(following, Paren) and item.sup is None and item.primes == 0:
            operator = self.operator_call(item, following)
            if operator is not None:
                return operator, index + 2
        if isinstance(following, Paren) and item.name in macros.ASYMPTOTIC_NAMES \
                and item.sup is None and item.primes == 0 \
                and item.name not in context.functions:
            # a Taylor remainder: read as a product O*(x^5) it would refute a correct expansion
            raise TransformFailure(
                f"out of scope: asymptotic notation ({item.name}(...))", item.position
            )
        if isinstance(following, Paren):
            calls = item.primes > 0 or (
                item.sup is None
                and (item.upright_word or context.is_function_name(item.name)
                     or _only_a_call(item, following) or self.applied(item, following))
            )
            if calls:
                return self.call(item, following), index + 2
            if item.sup is None and isinstance(item.expr, sp.Symbol) and (
                    item.plain or not following.events):
                context.product_lint(item.name, item.position)
        if isinstance(item.expr, sp.Symbol) and (
            item.sup is not None or not isinstance(following, Paren)
        ):
            context.used_symbol(item.expr.name)
        if item.primes:
            written = f"\\{item.name}" if item.name in macros.GREEK_LETTERS else item.name
            if context.is_function_name(item.name) or not isinstance(item.expr, sp.Symbol) \
                    or _GREEK_HEAD.match(item.name):
                # f', \sigma': the derivative of a function, which needs its argument
                raise TransformFailure(f"{written}{chr(39) * item.primes} needs an argument, "
                                       f"as in {written}'(x)", item.position)
            # y', a'': a name of its own (as SymPy reads it), distinct from y
            primed = sp.Symbol(f"{item.name}{chr(39) * item.primes}")
            context.used_symbol(primed.name)
            return with_power(primed, item.sup), index + 1
        return with_power(item.expr, item.sup), index + 1

    def applied(self, item: Name, paren: Paren) -> bool:
        """A subscripted or decorated name before one argument (``f_\\theta(x)``, ``G_a(0)``,
        ``\\hat{y}(x)``), or any name before an outcome (``X(HHH)``), is a call: unless the
        name is a plain variable elsewhere (``\\hat{y}(1 - \\hat{y})`` is a product)."""
        if not isinstance(item.expr, sp.Symbol) or item.name in self.transformer.symbol_names \
                or item.name in self.transformer.variables:
            return False
        if _OUTCOME.fullmatch(paren.inner_text) and paren.opener == "(":
            return True
        return not item.plain and _argument_like(paren)

    def operator_call(self, item: Name, paren: Paren) -> sp.Expr | None:
        """``E[X]`` (a bracket after E) and ``P(X = 1)`` (an event after P): operators."""
        if not item.plain or not isinstance(item.expr, sp.Symbol) \
                or item.name in self.transformer.functions:
            return None
        if item.name == "E" and paren.opener == "[":
            head = FuncHead(macros.EXPECTATION, sp.Function(macros.EXPECTATION), item.position,
                            operator=True)
        elif item.name == "P" and paren.events:
            head = FuncHead(macros.PROBABILITY, sp.Function(macros.PROBABILITY), item.position,
                            operator=True)
        else:
            return None
        return paren.close(self.operator_value(head, paren))

    @staticmethod
    def operator_value(head: FuncHead, paren: Paren) -> sp.Expr:
        """An operator applied to its bracket: events allowed, ``\\mid`` makes it conditional."""
        function = head.func
        if paren.given is not None:
            function = conditional_function(head.name, paren.given)
        return function(*paren.args)

    def call(self, item: Name, paren: Paren) -> sp.Expr:
        known = macros.KNOWN_FUNCTIONS.get(item.name) if item.upright_word else None
        if known is not None and not item.primes:
            # \mathrm{sech}(x) is sech, as \operatorname{sech}(x) is
            _no_condition(paren)
            value = self.apply(FuncHead(item.name, known, item.position), paren.args)
            return with_power(paren.close(value), item.sup)
        if paren.events:
            _no_condition(paren)
        args = paren.args
        if _OUTCOME.fullmatch(paren.inner_text) and not item.primes:
            args = (sp.Symbol(re.sub(r"\s+", "", paren.inner_text)),)  # X(HHH): one outcome
        # g_w(z) depends on w too: d/dw g_w(z) must not vanish
        hidden = tuple(s for s in item.script_symbols if s not in args)
        function = sp.Function(item.name)
        if paren.given is not None:
            # P(a \\mid b) is an opaque function of its own, distinct from P(a, b)
            if item.primes:
                _no_condition(paren)
            function = conditional_function(item.name, paren.given)
        if item.primes:
            if len(args) != 1:
                raise TransformFailure("prime notation needs exactly one argument",
                                       paren.position)
            variable = sp.Dummy("t", dummy_index=0)
            derivative = sp.Derivative(function(variable, *hidden), (variable, item.primes))
            value = self.evaluate_at(derivative, variable, paren)
        else:
            value = function(*args, *hidden)
        return with_power(paren.close(value), item.sup)

    @staticmethod
    def evaluate_at(derivative: sp.Expr, variable: sp.Symbol, paren: Paren) -> sp.Expr:
        """``f'(a)``: the derivative at ``a`` (written with ``a`` itself when ``a`` is a symbol)."""
        _no_condition(paren)
        if len(paren.args) != 1:
            raise TransformFailure("a derivative takes exactly one argument", paren.position)
        (argument,) = paren.args
        if isinstance(argument, sp.Symbol):
            return derivative.xreplace({variable: argument})
        return sp.Subs(derivative, variable, argument)

    def function_head(self, items: Sequence[Item], index: int) -> tuple[sp.Expr, int]:
        head = items[index]
        assert isinstance(head, FuncHead)
        following = items[index + 1] if index + 1 < len(items) else None
        if head.primes:
            if not isinstance(following, Paren):
                raise TransformFailure(f"\\{head.name}{chr(39) * head.primes} needs a "
                                       f"parenthesised argument, as in \\{head.name}'(x)",
                                       head.position)
            variable = sp.Dummy("t", dummy_index=0)
            derivative = sp.Derivative(self.apply(head, (variable,)), (variable, head.primes))
            value = self.evaluate_at(derivative, variable, following)
            return with_power(following.close(value), head.sup), index + 2
        if isinstance(following, Paren) and head.operator:
            value = self.operator_value(head, following)
            return with_power(following.close(value), head.sup), index + 2
        if isinstance(following, Paren):
            _no_condition(following)
            args, end = following.args, index + 2
            value = self.apply(head, args)
            return with_power(following.close(value), head.sup), end
        # \sin x, \log \frac{a}{b}, \exp \bar{o}: the argument runs to the next operator head.
        end = index + 1
        while end < len(items) and not isinstance(
            items[end], (FuncHead, DerivativeOperator, BigOperator, IntegralHead)
        ):
            end += 1
        if end == index + 1:
            if end < len(items) and isinstance(items[end], (BigOperator, FuncHead)):
                end = len(items)  # \log \sum_{..} x, \log \sin x: the rest of the term
            else:
                raise TransformFailure(f"\\{head.name} needs an argument", head.position)
        argument = self.product(items[index + 1: end])
        return with_power(self.apply(head, (argument,)), head.sup), end

    @staticmethod
    def apply(head: FuncHead, args: tuple[sp.Expr, ...]) -> sp.Expr:
        if head.log_base is not None:
            if len(args) != 1:
                raise TransformFailure("\\log takes one argument", head.position)
            return sp.log(args[0], head.log_base)
        if head.func in (sp.Max, sp.Min):
            return head.func(*args)
        if len(args) != 1 and head.name in macros.KNOWN_FUNCTIONS:
            raise TransformFailure(f"\\{head.name} takes one argument", head.position)
        return head.func(*args)
