"""The Lark transformer: parse tree -> SymPy objects and run items, bottom-up.

Juxtaposed items are handed to runs.py as a flat run, because deciding whether ``f(x)`` is a
call or a product needs the document's function names.  Nothing is ever evaluated from text:
every SymPy object is built by constructor from tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp
from lark import Token
from lark.exceptions import UnexpectedInput, VisitError
from lark.visitors import Transformer_NonRecursive as Transformer

from derive.parse import limits, macros
from derive.parse.events import event_relation, event_set_operation, is_event
from derive.parse.failures import TransformFailure
from derive.parse.grammar import parser
from derive.parse.items import (
    BigOperator,
    DerivativeOperator,
    FracValue,
    FuncHead,
    IntegralHead,
    LeibnizFunction,
    Name,
    Paren,
    RunResult,
    Superscript,
    Value,
    with_power,
)
from derive.parse.names import (
    DECORATED,
    UPRIGHT_WORD,
    VARIABLE,
    compact_latex,
    differential,
    index_name,
    symbol_for,
    variable_symbol,
)
from derive.parse.normalize import group_end
from derive.parse.runs import RunResolver


@dataclass(frozen=True)
class IssueRecord:
    rule_id: str
    message: str
    position: int  # in the normalised text
    subject: str = ""  # DRV005: the name read as a factor


_BRACKET_PAIRS = {"(": ")", "[": "]", "\\{": "\\}"}


def position_of(token: Token) -> int:
    """Start of a token in the normalised text (Lark types it as optional)."""
    return token.start_pos or 0


def _tokens(children: Sequence[Any]) -> list[Token]:
    return [child for child in children if isinstance(child, Token)]


#: A slash division whose denominator is one number, letter or macro, right before an operator.
_SLASH_DENOMINATOR = re.compile(r"/\s*(\d+(?:\.\d+)?|[A-Za-z]|\\[A-Za-z]+)$")
_DIFFERENTIAL = r"(?:d|\\mathrm\s*\{\s*d\s*\}|\\partial)"
#: A fraction in derivative position: both parts start with a differential (d/dp^{(i)} that
#: the derivative terminals could not read must never become the fraction d/(d p)).
_DIFFERENTIAL_NUMERATOR = re.compile(rf"\s*{_DIFFERENTIAL}(?![A-Za-z_])|\s*d(?=[A-Za-z\\^])")
_DIFFERENTIAL_DENOMINATOR = re.compile(rf"\s*{_DIFFERENTIAL}\s*(?:[A-Za-z]|\\[A-Za-z])")
#: ``3 dz`` or ``3 \cdot d\theta``: a numerator ending in the differential of an integral.
_TRAILING_DIFFERENTIAL = re.compile(
    rf"^(?P<rest>.*?)\s*(?:\\cdot\s*)?(?<![A-Za-z\\])(?:d|\\mathrm\s*\{{\s*d\s*\}})\s*"
    rf"(?P<var>{VARIABLE})\s*$"
)
#: ``\theta(x)`` in the numerator of d/dx: the function theta of x, never theta times x.
_APPLIED_NUMERATOR = re.compile(
    r"^\s*(?P<head>[A-Za-z]|\\[A-Za-z]+)\s*\(\s*(?P<arg>[^()]*?)\s*\)\s*$"
)
#: Names a subscript or index mentions: decorated names, Greek letters, single letters.
_SCRIPT_NAME = re.compile(
    rf"(?P<decorated>{DECORATED})|\\(?P<macro>[A-Za-z]+)|(?P<letter>[A-Za-z])"
)
#: ``e^{(x+1)}``: with an operator inside, a parenthesised exponent of e is a power.
_OPERATOR_CHAR = re.compile(r"[-+*/]|\\(?:frac|cdot|times)")


@dataclass
class PendingSum:
    """The terms of a sum not built yet (``ToSympy.value`` adds them)."""

    terms: list[sp.Expr]


class ToSympy(Transformer[Token, Any]):
    """Builds SymPy objects bottom-up; collects lints; raises TransformFailure."""

    def __init__(self, functions: frozenset[str], euler_e: bool,
                 variables: frozenset[str] = frozenset(),
                 imaginary_unit: str | None = None) -> None:
        super().__init__(visit_tokens=False)
        self.functions = functions
        self.euler_e = euler_e
        #: names the document uses as plain variables
        self.variables = variables
        #: the letter read as sympy.I (None: no imaginary unit)
        self.imaginary_unit = imaginary_unit
        self.issues: list[IssueRecord] = []
        self.decimals: list[tuple[str, sp.Rational]] = []
        #: Names used as plain symbols (``x`` in ``x^2``, a variable of d/dx, lim, sum, dx).
        self.symbol_names: set[str] = set()
        #: DRV005 lints, kept only if their name is not used as a plain symbol anywhere.
        self.product_lints: list[IssueRecord] = []
        #: The normalised text being transformed (for lints that look at spacing).
        self.text = ""

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def value(node: Any) -> sp.Expr:
        if isinstance(node, PendingSum):
            return sp.Add(*node.terms)
        return node.expr if isinstance(node, RunResult) else node

    @staticmethod
    def sup_of(children: Sequence[Any], allow_transpose: bool = False) -> Superscript | None:
        """The superscript among ``children``; ``^T`` only on a number (or e) is a power."""
        sups = [child for child in children if isinstance(child, Superscript)]
        if not sups:
            return None
        if sups[0].transpose and not allow_transpose:
            raise TransformFailure(
                "out of scope: transpose (^T): matrices/vectors are out of scope",
                sups[0].position,
            )
        return sups[0]

    def subparse(self, text: str, offset: int) -> sp.Expr:
        """A fragment of the normalised text (``offset`` is where it starts), read alone."""
        child = ToSympy(self.functions, self.euler_e, self.variables, self.imaginary_unit)
        child.text = text
        try:
            tree = parser().parse(text)
            value = child.value(child.transform(tree))
        except UnexpectedInput:
            raise TransformFailure(f"cannot read {text.strip()!r}", offset) from None
        except VisitError as error:
            if isinstance(error.orig_exc, TransformFailure):
                raise TransformFailure(error.orig_exc.message,
                                       offset + error.orig_exc.position) from None
            raise
        self.issues += [IssueRecord(i.rule_id, i.message, i.position + offset, i.subject)
                        for i in child.issues]
        self.product_lints += [IssueRecord(i.rule_id, i.message, i.position + offset, i.subject)
                               for i in child.product_lints]
        self.decimals += child.decimals
        self.symbol_names |= child.symbol_names
        return value

    def group_text(self, after: int) -> tuple[str, int]:
        """The inside of the ``{...}`` group starting at or after ``after``, and its start."""
        start = self.text.index("{", after)
        end = group_end(self.text, start)
        return self.text[start + 1: end - 1], start + 1

    def is_function_name(self, name: str) -> bool:
        return name in self.functions or name in macros.DEFAULT_FUNCTION_LETTERS

    def lint(self, rule_id: str, message: str, position: int) -> None:
        self.issues.append(IssueRecord(rule_id, message, position))

    def used_symbol(self, name: str) -> None:
        self.symbol_names.add(name)

    def product_lint(self, name: str, position: int) -> None:
        """``a(b+c)`` read as a product: doubtful only if ``a`` is never a plain symbol."""
        written = f"\\{name}" if name in macros.GREEK_LETTERS else name
        self.product_lints.append(IssueRecord(
            "DRV005",
            f"{written}(...) read as the product {written}\u00b7(...); "
            f"if {written} is a function, define it in the document",
            position, name,
        ))

    def all_issues(self, variables: frozenset[str]) -> tuple[IssueRecord, ...]:
        known = self.symbol_names | variables
        return tuple(self.issues) + tuple(
            lint for lint in self.product_lints if lint.subject not in known
        )

    # -- expression level -----------------------------------------------------------------
    def start(self, children: list[Any]) -> sp.Expr:
        return self.value(children[0])

    def add(self, children: list[Any]) -> PendingSum:
        return self.extend_sum(children, self.value(children[2]))

    def sub(self, children: list[Any]) -> PendingSum:
        return self.extend_sum(children, -self.value(children[2]))

    def extend_sum(self, children: list[Any], term: sp.Expr) -> PendingSum:
        """``a + b - c``: terms are collected and added once (adding one at a time costs
        quadratic time in the number of terms)."""
        left, operator = children[0], children[1]
        self.check_open_operator(left, operator)
        self.check_slash_denominator(operator)
        if isinstance(left, PendingSum):
            left.terms.append(term)
            return left
        return PendingSum([self.value(left), term])

    def check_slash_denominator(self, operator: Token) -> None:
        """``1/1+e^{-x}``: written tight, the author most likely meant 1/(1+e^{-x})."""
        position = position_of(operator)
        text = self.text
        if not 0 < position < len(text) - 1 or text[position - 1].isspace() \
                or text[position + 1].isspace():
            return
        # a window before the operator: searching from 0 would be quadratic in long sums
        slash = _SLASH_DENOMINATOR.search(text, max(0, position - 80), position)
        if slash is None:
            return
        denominator = slash.group(1)
        self.lint(
            "DRV009",
            f"/{denominator}{operator}: '/' binds tighter than '{operator}', so this reads as "
            f"(.../{denominator}) {operator} ...; write \\frac{{..}}{{..}} or parentheses "
            "if the denominator goes on",
            position_of(operator),
        )

    def check_open_operator(self, left: Any, operator: Token) -> None:
        if isinstance(left, RunResult) and left.open_operator is not None:
            label, position = left.open_operator
            self.lint(
                "DRV009",
                f"{label} applies only up to this '{operator}': read as ({label} ...) "
                f"{operator} ...; use parentheses if it should cover more",
                position,
            )

    def mul(self, children: list[Any]) -> sp.Expr | RunResult:
        left, right = children[0], self.value(children[2])
        if isinstance(left, RunResult) and left.open_operator is not None and left.open_operator[
            0
        ] in ("\\sum", "\\prod"):
            # \sum_k c 2^k \cdot 2^{n-k}: a sum's body runs on over \cdot, up to + or -
            merged = _extend_big_operator(left.expr, right)
            if merged is not None:
                return RunResult(merged, left.open_operator)
        return sp.Mul(self.value(left), right)

    def div(self, children: list[Any]) -> sp.Expr:
        return sp.Mul(self.value(children[0]), sp.Pow(self.value(children[2]), -1))

    def neg(self, children: list[Any]) -> sp.Expr:
        return -self.value(children[1])

    def pos(self, children: list[Any]) -> sp.Expr:
        return self.value(children[1])

    def run(self, children: list[Any]) -> RunResult:
        return RunResolver(self).resolve_run(children)

    # -- items ----------------------------------------------------------------------------
    def sup(self, children: list[Any]) -> Superscript:
        value = self.value(children[1])
        return Superscript(value, position_of(children[0]), value == sp.Symbol("T"))

    # -- events: the arguments of P(...), E[... | ...] ------------------------------------------
    def relation(self, children: list[Any]) -> sp.Expr:
        return event_relation(str(children[1]), self.value(children[0]),
                              self.value(children[2]))

    def setop(self, children: list[Any]) -> sp.Expr:
        return event_set_operation(str(children[1]), self.value(children[0]),
                                   self.value(children[2]))

    def group(self, children: list[Any]) -> sp.Expr:
        return self.value(children[1])

    def braced(self, children: list[Any]) -> Paren:
        # Behaves like a parenthesis: \log{\left(x\right)} (as SymPy prints) is a call.
        return Paren((self.value(children[1]),), position_of(children[0]), self.sup_of(children),
                     delimited=False)

    def number(self, children: list[Any]) -> Value:
        token = children[0]
        text = str(token)
        expr: sp.Expr
        if "." in text:
            rational = sp.Rational(text)  # exact: 0.5 -> 1/2 (a string of digits, never code)
            self.decimals.append((text, rational))
            expr = rational
        else:
            expr = sp.Integer(int(text))
        sup = self.sup_of(children, allow_transpose=True)
        bangs = [index for index, c in enumerate(children)
                 if isinstance(c, Token) and c.type == "BANG"]
        if bangs and bangs[0] == 1:  # 3!^2: the factorial, then the power
            expr = self.number_factorial(expr, position_of(token))
        expr = with_power(expr, sup)
        if bangs and bangs[-1] > 1:  # 10^{3}!: TeX puts the factorial after the power
            expr = self.number_factorial(expr, position_of(children[bangs[-1]]))
        return Value(expr, position_of(token))

    @staticmethod
    def number_factorial(expr: sp.Expr, position: int) -> sp.Expr:
        """``n!`` of a number, unevaluated (``100!`` stays written) and bounded."""
        if expr.is_Integer and expr > limits.MAX_FACTORIAL:
            raise TransformFailure(
                f"too large: the factorial of a number above {limits.MAX_FACTORIAL}", position
            )
        return sp.factorial(expr, evaluate=False)

    def symbol(self, children: list[Any]) -> Name | FuncHead:
        tokens = _tokens(children)
        base = tokens[0]
        name, expr, plain, is_d = self.base_name(base)
        scripts = {"SUB": "", "INDEX": "", "STAR": ""}
        primes = 0
        for token in tokens[1:]:
            if token.type == "PRIME":
                primes += len(token)
            elif token.type in scripts:
                if scripts[token.type] or (token.type != "SUB" and any(
                        scripts[kind] for kind in ("INDEX", "STAR"))):
                    raise TransformFailure("two scripts of the same kind on one name",
                                           position_of(token))
                scripts[token.type] = str(token)
        operator = self.operator_of(base, name)
        if operator is not None:
            return self.operator_head(operator, base, scripts, primes, children)
        euler = expr == sp.E
        script_symbols: list[sp.Symbol] = []
        if scripts["SUB"]:
            inner = scripts["SUB"][scripts["SUB"].index("{") + 1: -1]
            name = f"{name}_{{{compact_latex(inner)}}}"
            script_symbols += _script_symbols(inner)
        if scripts["INDEX"]:
            index = scripts["INDEX"]
            inner = index[index.index("{") + 1: index.rindex("}")]
            if euler and not scripts["SUB"] and _OPERATOR_CHAR.search(inner):
                # e^{(x+1)}: a power of e (an index never holds an operator on e)
                exponent = self.subparse(inner, self.text.index("{", position_of(base)) + 1)
                power = with_power(expr, Superscript(exponent, position_of(base)))
                return Name(name, power, position_of(base), primes, None, False, False)
            name = f"{name}{index_name(index)}"
            script_symbols += _script_symbols(inner)
        if scripts["STAR"]:
            name = f"{name}^{{*}}"  # x^*, x^\star: a decoration, part of the name
        if any(scripts.values()):
            expr, plain, is_d = symbol_for(name), False, False
            euler = False
        if any(token.type == "BANG" for token in tokens):
            if primes:
                raise TransformFailure("factorial of a primed name", position_of(base))
            expr, plain, is_d = limits.factorial(expr, position_of(base)), False, False
        upright_word = base.type == "UPRIGHT" and len(name) > 1 and plain
        sup = self.sup_of(children, allow_transpose=euler)
        return Name(name, expr, position_of(base), primes, sup, plain, is_d, upright_word,
                    tuple(dict.fromkeys(script_symbols)))

    @staticmethod
    def operator_of(base: Token, name: str) -> str | None:
        """The reserved operator a name's base stands for: ``\\mathbb{E}``, ``\\mathrm{Var}``."""
        if base.type == "DECORATED":
            return macros.OPERATOR_LETTERS.get(name)
        if base.type == "UPRIGHT" and name not in ("e", "d"):
            return macros.OPERATOR_WORDS.get(name)
        return None

    def operator_head(self, operator: str, base: Token, scripts: dict[str, str], primes: int,
                      children: list[Any]) -> FuncHead:
        if primes or scripts["INDEX"] or scripts["STAR"] \
                or any(isinstance(c, Token) and c.type == "BANG" for c in children):
            raise TransformFailure(f"cannot read this decoration of the operator {base}",
                                   position_of(base))
        name = operator
        if scripts["SUB"]:
            inner = scripts["SUB"][scripts["SUB"].index("{") + 1: -1]
            name = f"{operator}_{{{compact_latex(inner)}}}"  # E_{q}[X]: its own operator
        return FuncHead(name, sp.Function(name), position_of(base), None,
                        self.sup_of(children), 0, operator=True)

    def base_name(self, token: Token) -> tuple[str, sp.Expr, bool, bool]:
        """(name, value, plain, is differential d) of a symbol's base token."""
        text = str(token)
        if token.type == "LETTER":
            if text == "e" and self.euler_e:
                return text, sp.E, True, False
            if text == self.imaginary_unit:
                return text, sp.I, False, False
            return text, symbol_for(text), True, text == "d"
        if token.type == "GREEK":
            return text[1:], symbol_for(text[1:]), True, False
        if token.type == "CONST":
            return text[1:], macros.CONSTANTS[text[1:]], False, False
        if token.type == "UPRIGHT":
            match = UPRIGHT_WORD.match(text)
            assert match is not None  # the terminal's pattern guarantees it
            word = match.group(1)
            if word == "e":
                return word, sp.E, False, False
            return word, symbol_for(word), True, word == "d"
        # DECORATED: the canonical LaTeX is the name (\hat{y}, \mathbf{v})
        name = compact_latex(text)
        return name, symbol_for(name), False, False

    def paren(self, children: list[Any]) -> Paren:
        tokens = _tokens(children)
        opener = next(token for token in tokens if token.type == "OPEN")
        closer = next(token for token in tokens if token.type == "CLOSE")
        if _BRACKET_PAIRS[str(opener)] != str(closer):
            raise TransformFailure(
                f"'{closer}' does not match '{opener}'", position_of(closer)
            )
        args = tuple(
            self.value(child) for child in children
            if not isinstance(child, (Token, Superscript))
        )
        given: int | None = None
        given_position = 0
        mid = next((token for token in tokens if token.type == "MID"), None)
        if mid is not None:
            given_position = position_of(mid)
            given = sum(
                1 for child in children[:children.index(mid)]
                if not isinstance(child, (Token, Superscript))
            )
        factorial = any(token.type == "BANG" for token in tokens)
        inner = self.text[position_of(opener) + len(opener): position_of(closer)]
        return Paren(args, position_of(opener), self.sup_of(children), given, given_position,
                     factorial, opener=str(opener), inner_text=inner,
                     events=any(is_event(arg) for arg in args))

    def evaluated(self, children: list[Any]) -> Value:
        """``(E)|_{x=a}``: E with the point substituted, kept unevaluated as ``Subs`` so that a
        derivative is taken first and evaluated at the point after (``doit`` does both)."""
        body, variable, point = (self.value(children[i]) for i in (1, 6, 8))
        bar = children[3]
        if is_event(body):
            raise TransformFailure("an event (a relation) cannot be evaluated at a point",
                                   position_of(bar))
        if not isinstance(variable, sp.Symbol):
            raise TransformFailure("an evaluation bar needs a variable: |_{x=a}", position_of(bar))
        return Value(sp.Subs(body, variable, point), position_of(children[0]))

    def abs(self, children: list[Any]) -> Value:
        expr = sp.Abs(self.value(children[1]))
        return Value(with_power(expr, self.sup_of(children)), position_of(children[0]))

    def angle(self, children: list[Any]) -> Value:
        """``\\langle x, y \\rangle``: an opaque operator (inner product, expectation...)."""
        args = [self.value(c) for c in children if not isinstance(c, (Token, Superscript))]
        expr = sp.Function(macros.ANGLE_BRACKET)(*args)
        return Value(with_power(expr, self.sup_of(children)), position_of(children[0]))

    def floor(self, children: list[Any]) -> Value:
        expr = sp.floor(self.value(children[1]))
        return Value(with_power(expr, self.sup_of(children)), position_of(children[0]))

    def ceil(self, children: list[Any]) -> Value:
        expr = sp.ceiling(self.value(children[1]))
        return Value(with_power(expr, self.sup_of(children)), position_of(children[0]))

    def binom(self, children: list[Any]) -> Value:
        top, bottom = self.value(children[1]), self.value(children[2])
        if top.is_Integer and top > limits.MAX_FACTORIAL:
            raise TransformFailure(f"too large: a binomial coefficient above "
                                   f"{limits.MAX_FACTORIAL}", position_of(children[0]))
        expr = sp.binomial(top, bottom)
        return Value(with_power(expr, self.sup_of(children)), position_of(children[0]))

    def frac(self, children: list[Any]) -> Value:
        head = children[0]
        numerator_text, numerator_at = self.group_text(position_of(head))
        denominator_text, _ = self.group_text(numerator_at + len(numerator_text) + 1)
        if _DIFFERENTIAL_NUMERATOR.match(numerator_text) \
                and _DIFFERENTIAL_DENOMINATOR.match(denominator_text):
            raise TransformFailure(
                f"cannot read this derivative: the variable in {{{denominator_text.strip()}}} "
                "is not understood (a d here is never read as a factor)", position_of(head),
            )
        numerator, denominator = self.value(children[1]), self.value(children[2])
        expr = sp.Mul(numerator, sp.Pow(denominator, -1))
        sup = self.sup_of(children)
        position = position_of(head)
        trailing = _TRAILING_DIFFERENTIAL.match(numerator_text)
        if trailing is not None and sup is None:
            # \int \frac{3\,dz}{z}: the differential of an integral written in the numerator
            variable = variable_symbol(trailing.group("var"), position)
            rest = trailing.group("rest").strip()
            factor = self.subparse(rest, numerator_at) if rest else sp.Integer(1)
            return FracValue(expr, position, variable,
                             sp.Mul(factor, sp.Pow(denominator, -1)))
        return Value(with_power(expr, sup), position)

    def sqrt(self, children: list[Any]) -> Value:
        tokens = _tokens(children)
        exprs = [self.value(c) for c in children
                 if not isinstance(c, (Token, Superscript))]
        opener = next((token for token in tokens if token.type == "OPEN"), None)
        if opener is not None:
            closer = next(token for token in tokens if token.type == "CLOSE")
            if str(opener) != "[" or str(closer) != "]":
                raise TransformFailure("\\sqrt index must be written [n]", position_of(opener))
            index = exprs[0]
            expr = limits.power(exprs[1], sp.Pow(index, -1), position_of(opener)) \
                if index.is_Integer else sp.root(exprs[1], index)
        else:
            expr = sp.sqrt(exprs[0])
        return Value(with_power(expr, self.sup_of(children)), position_of(tokens[0]))

    def funchead(self, children: list[Any]) -> FuncHead:
        head = children[0]
        text = str(head)
        if head.type == "OPNAME":
            match = UPRIGHT_WORD.match(text)
            assert match is not None
            word = match.group(1)
        else:
            word = text.lstrip("\\")
        operator = macros.OPERATOR_WORDS.get(word)
        if operator is not None and head.type != "WORDFUNC":
            # \operatorname{Var}(X), \Pr(A), Var[X]: an opaque operator, never a product
            if len(children) > 1:
                raise TransformFailure(f"cannot read this decoration of the operator {text}",
                                       position_of(head))
            return FuncHead(operator, sp.Function(operator), position_of(head), operator=True)
        func: Callable[..., sp.Expr] = macros.KNOWN_FUNCTIONS.get(word) or sp.Function(word)
        log_base = None
        exprs = [c for c in children[1:] if not isinstance(c, (Token, Superscript))]
        if exprs:
            if word != "log":
                raise TransformFailure(f"subscript on \\{word} is not understood",
                                       position_of(head))
            log_base = self.value(exprs[0])
        sup = self.sup_of(children)
        if sup is not None and sup.expr.is_negative:
            raise TransformFailure(
                f"{text}^{{{sp.latex(sup.expr)}}} is ambiguous (inverse function or "
                f"reciprocal): write \\arc{word} or ({text} x)^{{{sp.latex(sup.expr)}}}",
                position_of(head),
            )
        primes = sum(len(token) for token in _tokens(children) if token.type == "PRIME")
        return FuncHead(word, func, position_of(head), log_base, sup, primes)

    def derivop(self, children: list[Any]) -> DerivativeOperator:
        token = children[0]
        variable, order = differential(str(token), position_of(token))
        return DerivativeOperator(variable, order, position_of(token))

    def leibniz(self, children: list[Any]) -> Value | LeibnizFunction:
        opener, numerator_node, closer, denominator = children[0], children[1], children[2], \
            children[3]
        variable, order = differential(str(opener) + "}" + str(denominator),
                                       position_of(opener))
        numerator = self.value(numerator_node)
        sup = self.sup_of(children)
        self.used_symbol(variable.name)
        start = position_of(opener) + len(opener)
        applied = _APPLIED_NUMERATOR.match(self.text[start: position_of(closer)])
        if applied is not None and not isinstance(numerator, sp.core.function.AppliedUndef):
            head = applied.group("head").lstrip("\\")
            argument = _variable_or_none(applied.group("arg"))
            if argument == variable and (len(head) == 1 or head in macros.GREEK_LETTERS):
                # d\theta(x)/dx: the function theta of x (never theta times x)
                numerator = sp.Function(head)(variable)
                self.product_lints = [lint for lint in self.product_lints
                                      if not start <= lint.position < position_of(closer)]
        if isinstance(numerator, sp.Symbol) and numerator != variable:
            # dy/dx says y depends on x: an unknown function of x, never a constant.
            function = sp.Function(numerator.name)
            if self.is_function_name(numerator.name):
                return LeibnizFunction(function, variable, order, position_of(opener), sup)
            numerator = function(variable)
        expr = sp.Derivative(numerator, (variable, order))
        return Value(with_power(expr, sup), position_of(opener))

    def lim(self, children: list[Any]) -> BigOperator:
        tokens = _tokens(children)
        exprs = [self.value(c) for c in children if not isinstance(c, Token)]
        variable, point = exprs
        head = tokens[0]
        if not isinstance(variable, sp.Symbol):
            raise TransformFailure("the limit variable must be a single symbol", position_of(head))
        self.used_symbol(variable.name)
        side = next((str(token) for token in tokens if token.type == "SIDE"), None)
        direction = "+-"
        if side is not None:
            direction = "+" if "+" in side else "-"
        if point.is_infinite:
            def build(expr: sp.Expr) -> sp.Expr:
                return sp.Limit(expr, variable, point)
        else:
            def build(expr: sp.Expr) -> sp.Expr:
                return sp.Limit(expr, variable, point, dir=direction)
        return BigOperator("\\lim", build, position_of(head))

    def bounds(self, children: list[Any], label: str) -> tuple[sp.Symbol, sp.Expr, sp.Expr]:
        """Index, lower and upper bound of ``\\sum_{i=1}^{n}`` or ``\\sum^{n}_{i=1}``."""
        tokens = _tokens(children)
        head = tokens[0]
        exprs = [self.value(c) for c in children if not isinstance(c, Token)]
        has_equals = any(token.type == "EQ" for token in tokens)
        if not has_equals or len(exprs) != 3:
            raise TransformFailure(
                f"out of scope: {label} without explicit bounds (write {label}_{{i=1}}^{{n}})",
                position_of(head),
            )
        if len(tokens) > 1 and tokens[1].type == "CARET":
            upper, index, lower = exprs
        else:
            index, lower, upper = exprs
        if index == sp.I:
            raise TransformFailure(
                f"{self.imaginary_unit} is the imaginary unit in this document, so it cannot be "
                "an index", position_of(head))
        if not isinstance(index, sp.Symbol):
            raise TransformFailure("the index must be a single symbol", position_of(head))
        self.used_symbol(index.name)
        return index, lower, upper

    def sum(self, children: list[Any]) -> BigOperator:
        index, lower, upper = self.bounds(children, "\\sum")

        def build(expr: sp.Expr) -> sp.Expr:
            return sp.Sum(expr, (index, lower, upper))

        return BigOperator("\\sum", build, position_of(children[0]))

    def prod(self, children: list[Any]) -> BigOperator:
        index, lower, upper = self.bounds(children, "\\prod")

        def build(expr: sp.Expr) -> sp.Expr:
            return sp.Product(expr, (index, lower, upper))

        return BigOperator("\\prod", build, position_of(children[0]))

    def integral(self, children: list[Any]) -> IntegralHead:
        tokens = _tokens(children)
        exprs = [self.value(c) for c in children if not isinstance(c, Token)]
        head = tokens[0]
        if len(exprs) == 1:
            raise TransformFailure("an integral needs both bounds or none", position_of(head))
        if exprs:
            lower, upper = exprs if tokens[1].type == "UNDERSCORE" else exprs[::-1]
            return IntegralHead(lower, upper, position_of(head))
        return IntegralHead(None, None, position_of(head))


def _extend_big_operator(expr: sp.Expr, factor: sp.Expr) -> sp.Expr | None:
    """``expr`` (a sum or product, maybe times a coefficient) with ``factor`` moved into
    its body, when the factor uses the operator's index; None otherwise."""
    coefficient, operators = sp.Integer(1), []
    for part in sp.Mul.make_args(expr):
        if isinstance(part, (sp.Sum, sp.Product)):
            operators.append(part)
        else:
            coefficient *= part
    if len(operators) != 1:
        return None
    (operator,) = operators
    index = operator.limits[0][0]
    if index not in factor.free_symbols:
        return None
    return coefficient * operator.func(operator.function * factor, *operator.limits)


def _variable_or_none(text: str) -> sp.Symbol | None:
    try:
        return variable_symbol(text, 0)
    except TransformFailure:
        return None


def _script_symbols(text: str) -> list[sp.Symbol]:
    """Symbols a subscript or index mentions: ``\\theta`` in ``f_{\\theta}``, j and k in
    ``w_{jk}``; a call of the name depends on them."""
    found: list[sp.Symbol] = []
    for match in _SCRIPT_NAME.finditer(text):
        if match.group("decorated"):
            found.append(symbol_for(compact_latex(match.group("decorated"))))
        elif match.group("macro"):
            if match.group("macro") in macros.GREEK_LETTERS:
                found.append(symbol_for(match.group("macro")))
        else:
            found.append(symbol_for(match.group("letter")))
    return found
