"""LaTeX expression -> SymPy: the LALR parser (built once, lazily) and the tree transformer.

The grammar yields flat runs of juxtaposed items (``2x``, ``f(x)``, ``\\sin x``,
``\\frac{d}{dx} x^2``); ``_resolve_run`` decides calls versus products with the document's
function names, and applies operators that take "the rest of the term" (d/dx, lim, sum)
or "everything up to dx" (integrals).  Nothing is ever evaluated from text: every SymPy
object is built by constructor from tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import sympy as sp
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken, VisitError
from sympy.core.function import AppliedUndef, UndefinedFunction

from derive.parse import macros
from derive.parse.normalize import Normalized

# ----------------------------------------------------------------------------------------
# Parser construction
# ----------------------------------------------------------------------------------------

_NAME_IN_BRACES = r"(?:[A-Za-z]|\\[A-Za-z]+)"
_DECORATED = (
    rf"\\(?:{macros.alternation(macros.DECORATORS)})\s*\{{\s*(?:{_NAME_IN_BRACES}"
    rf"|\\(?:{macros.alternation(macros.DECORATORS)})\s*\{{\s*{_NAME_IN_BRACES}\s*\}})\s*\}}"
)
#: The variable of a differential: a letter, a Greek letter or a decorated name, maybe subscripted.
_VAR = rf"(?:[A-Za-z]|{_DECORATED}|\\[A-Za-z]+)(?:\s*_\s*\{{[^{{}}]*\}})?"

_GRAMMAR_FILLS = {
    "@VAR@": _VAR,
    "@DECORATED@": _DECORATED,
    "@UPRIGHT@": macros.alternation(macros.UPRIGHT_NAMES),
    "@BAREWORDS@": macros.alternation(macros.BARE_WORD_FUNCTIONS),
    "@FUNCS@": macros.alternation(macros.KNOWN_FUNCTIONS),
    "@GREEK@": macros.alternation(macros.GREEK_LETTERS),
    "@CONSTS@": macros.alternation(macros.CONSTANTS),
}


def grammar_text() -> str:
    text = resources.files("derive.parse").joinpath("grammar.lark").read_text(encoding="utf-8")
    for placeholder, pattern in _GRAMMAR_FILLS.items():
        # Lark regex literals are /.../: a slash inside a pattern would end it.
        text = text.replace(placeholder, pattern.replace("/", r"\/"))
    return text


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser, built on first use (about 0.1 s) and cached for the process."""
    return Lark(grammar_text(), parser="lalr", lexer="contextual", maybe_placeholders=False)


# ----------------------------------------------------------------------------------------
# Errors raised while transforming (converted to LatexParseError by the caller)
# ----------------------------------------------------------------------------------------


class TransformFailure(ValueError):
    """A semantic problem at ``position`` in the normalised text."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class IssueRecord:
    rule_id: str
    message: str
    position: int  # in the normalised text
    subject: str = ""  # DRV005: the name read as a factor


# ----------------------------------------------------------------------------------------
# Items of a juxtaposition run
# ----------------------------------------------------------------------------------------


@dataclass
class Value:
    expr: sp.Expr
    position: int


@dataclass
class Name:
    """A symbol as written: it may turn out to be a function applied to the next parenthesis."""

    name: str
    expr: sp.Expr  # the value when it is not called
    position: int
    primes: int = 0
    sup: sp.Expr | None = None
    plain: bool = True  # a bare letter/Greek letter/word without subscript (call candidate)
    differential_d: bool = False  # `d` or `\mathrm{d}` that may start `dx`
    upright_word: bool = False  # \mathrm{softmax}: an operator name, called when applied


@dataclass
class Paren:
    args: tuple[sp.Expr, ...]
    position: int
    sup: sp.Expr | None = None
    #: ``P(a \\mid b)``: how many arguments stand before ``\\mid`` (None: no ``\\mid``).
    given: int | None = None
    given_position: int = 0
    #: ``(x)!`` or ``f(x)!``: the factorial of the group's value (or of the call).
    factorial: bool = False
    #: A delimited group ``( )``, ``[ ]``, ``\\{ \\}``; False for a TeX brace group ``{ }``.
    delimited: bool = True

    def close(self, value: sp.Expr) -> sp.Expr:
        """What stands after the closing bracket applied to ``value``: ``!`` then ``^{..}``."""
        if self.factorial:
            value = sp.factorial(value)
        return _with_power(value, self.sup)


@dataclass
class FuncHead:
    name: str
    func: Callable[..., sp.Expr]
    position: int
    log_base: sp.Expr | None = None
    sup: sp.Expr | None = None
    primes: int = 0  # \tanh'(x): the derivative of the function, evaluated at the argument


@dataclass
class DerivativeOperator:
    variable: sp.Symbol
    order: int
    position: int


@dataclass
class LeibnizFunction:
    """``\\frac{df}{dx}`` for a function name ``f``: may be evaluated at ``(args)``."""

    function: sp.FunctionClass
    variable: sp.Symbol
    order: int
    position: int
    sup: sp.Expr | None = None


@dataclass
class BigOperator:
    """``\\lim_{..}`` or ``\\sum_{..}^{..}``: applies to the rest of the run."""

    label: str
    build: Callable[[sp.Expr], sp.Expr]
    position: int


@dataclass
class IntegralHead:
    lower: sp.Expr | None
    upper: sp.Expr | None
    position: int


Item = (
    Value | Name | Paren | FuncHead | DerivativeOperator | LeibnizFunction | BigOperator
    | IntegralHead
)


@dataclass
class RunResult:
    """A resolved run; ``open_operator`` marks a d/dx, lim or sum that took the run's tail."""

    expr: sp.Expr
    open_operator: tuple[str, int] | None = None


# ----------------------------------------------------------------------------------------
# Names
# ----------------------------------------------------------------------------------------

_LATEX_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\S")
_UPRIGHT_WORD = re.compile(r"\\[A-Za-z]+\s*\{\s*([A-Za-z]+)\s*\}")
_VAR_PARTS = re.compile(
    rf"(?P<base>{_DECORATED}|[A-Za-z]|\\[A-Za-z]+(?:\s*\{{\s*[A-Za-z]+\s*\}})?)"
    rf"(?:\s*_\s*\{{(?P<sub>[^{{}}]*)\}})?"
)
_DENOMINATOR = re.compile(
    rf"\{{\s*(?:d|\\mathrm\s*\{{\s*d\s*\}}|\\partial)\s*(?P<var>{_VAR})\s*"
    rf"(?:\^\s*\{{\s*(?P<order>\d+)\s*\}})?\s*\}}\s*$"
)
_NUMERATOR_ORDER = re.compile(r"^\\[dt]?frac\s*\{[^{}]*?(?:\}\s*)?\^\s*\{\s*(\d+)\s*\}")


def compact_latex(text: str) -> str:
    """Canonical spelling of a LaTeX fragment: no spaces except where a macro needs one."""
    tokens = _LATEX_TOKEN.findall(text)
    pieces: list[str] = []
    for index, token in enumerate(tokens):
        if index and re.fullmatch(r"\\[A-Za-z]+", tokens[index - 1]) and token[0].isalpha():
            pieces.append(" ")
        pieces.append(token)
    return "".join(pieces)


def symbol_for(name: str) -> sp.Symbol:
    return sp.Symbol(name)


# ----------------------------------------------------------------------------------------
# The transformer
# ----------------------------------------------------------------------------------------

_BRACKET_PAIRS = {"(": ")", "[": "]", "\\{": "\\}"}


def _at(token: Token) -> int:
    """Start of a token in the normalised text (Lark types it as optional)."""
    return token.start_pos or 0


def _tokens(children: Sequence[Any]) -> list[Token]:
    return [child for child in children if isinstance(child, Token)]


#: A slash division whose denominator is one number, letter or macro, right before an operator.
_SLASH_DENOMINATOR = re.compile(r"/\s*(\d+(?:\.\d+)?|[A-Za-z]|\\[A-Za-z]+)$")


class ToSympy(Transformer[Token, Any]):
    """Builds SymPy objects bottom-up; collects lints; raises TransformFailure."""

    def __init__(self, functions: frozenset[str], euler_e: bool) -> None:
        super().__init__(visit_tokens=False)
        self.functions = functions
        self.euler_e = euler_e
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
        return node.expr if isinstance(node, RunResult) else node

    def sup_of(self, children: Sequence[Any]) -> sp.Expr | None:
        sups = [child for child in children if isinstance(child, Superscript)]
        return sups[0].expr if sups else None

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

    def add(self, children: list[Any]) -> sp.Expr:
        self.check_open_operator(children[0], children[1])
        self.check_slash_denominator(children[1])
        return sp.Add(self.value(children[0]), self.value(children[2]))

    def sub(self, children: list[Any]) -> sp.Expr:
        self.check_open_operator(children[0], children[1])
        self.check_slash_denominator(children[1])
        return sp.Add(self.value(children[0]), -self.value(children[2]))

    def check_slash_denominator(self, operator: Token) -> None:
        """``1/1+e^{-x}``: written tight, the author most likely meant 1/(1+e^{-x})."""
        position = _at(operator)
        text = self.text
        if not 0 < position < len(text) - 1 or text[position - 1].isspace() \
                or text[position + 1].isspace():
            return
        slash = _SLASH_DENOMINATOR.search(text, 0, position)
        if slash is None:
            return
        denominator = slash.group(1)
        self.lint(
            "DRV009",
            f"/{denominator}{operator}: '/' binds tighter than '{operator}', so this reads as "
            f"(.../{denominator}) {operator} ...; write \\frac{{..}}{{..}} or parentheses "
            "if the denominator goes on",
            _at(operator),
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

    def mul(self, children: list[Any]) -> sp.Expr:
        return sp.Mul(self.value(children[0]), self.value(children[2]))

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
        return Superscript(self.value(children[1]))

    def group(self, children: list[Any]) -> sp.Expr:
        return self.value(children[1])

    def braced(self, children: list[Any]) -> Paren:
        # Behaves like a parenthesis: \log{\left(x\right)} (as SymPy prints) is a call.
        return Paren((self.value(children[1]),), _at(children[0]), self.sup_of(children),
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
        if any(isinstance(c, Token) and c.type == "BANG" for c in children):
            expr = sp.factorial(expr, evaluate=False)
        sup = self.sup_of(children)
        return Value(expr if sup is None else sp.Pow(expr, sup), _at(token))

    def symbol(self, children: list[Any]) -> Name:
        tokens = _tokens(children)
        base = tokens[0]
        name, expr, plain, is_d = self.base_name(base)
        for token in tokens[1:]:
            if token.type == "SUB":
                inner = str(token)[str(token).index("{") + 1: -1]
                name = f"{name}_{{{compact_latex(inner)}}}"
                expr, plain, is_d = symbol_for(name), False, False
            elif token.type == "SUP_PAREN":
                inner = str(token)[str(token).index("{") + 1: -1]
                name = f"{name}^{{{compact_latex(inner)}}}"
                expr, plain, is_d = symbol_for(name), False, False
        primes = sum(len(token) for token in tokens if token.type == "PRIME")
        if any(token.type == "BANG" for token in tokens):
            if primes:
                raise TransformFailure("factorial of a primed name", _at(base))
            expr, plain, is_d = sp.factorial(expr), False, False
        upright_word = base.type == "UPRIGHT" and len(name) > 1 and plain
        return Name(name, expr, _at(base), primes, self.sup_of(children), plain, is_d,
                    upright_word)

    def base_name(self, token: Token) -> tuple[str, sp.Expr, bool, bool]:
        """(name, value, plain, is differential d) of a symbol's base token."""
        text = str(token)
        if token.type == "LETTER":
            if text == "e" and self.euler_e:
                return text, sp.E, True, False
            return text, symbol_for(text), True, text == "d"
        if token.type == "GREEK":
            return text[1:], symbol_for(text[1:]), True, False
        if token.type == "CONST":
            return text[1:], macros.CONSTANTS[text[1:]], False, False
        if token.type == "UPRIGHT":
            match = _UPRIGHT_WORD.match(text)
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
                f"'{closer}' does not match '{opener}'", _at(closer)
            )
        args = tuple(
            self.value(child) for child in children
            if not isinstance(child, (Token, Superscript))
        )
        given: int | None = None
        given_position = 0
        mid = next((token for token in tokens if token.type == "MID"), None)
        if mid is not None:
            given_position = _at(mid)
            given = sum(
                1 for child in children[:children.index(mid)]
                if not isinstance(child, (Token, Superscript))
            )
        factorial = any(token.type == "BANG" for token in tokens)
        return Paren(args, _at(opener), self.sup_of(children), given, given_position, factorial)

    def evaluated(self, children: list[Any]) -> Value:
        """``(E)|_{x=a}``: E with the point substituted, kept unevaluated as ``Subs`` so that a
        derivative is taken first and evaluated at the point after (``doit`` does both)."""
        body, variable, point = (self.value(children[i]) for i in (1, 6, 8))
        bar = children[3]
        if not isinstance(variable, sp.Symbol):
            raise TransformFailure("an evaluation bar needs a variable: |_{x=a}", _at(bar))
        return Value(sp.Subs(body, variable, point), _at(children[0]))

    def abs(self, children: list[Any]) -> Value:
        expr = sp.Abs(self.value(children[1]))
        sup = self.sup_of(children)
        return Value(expr if sup is None else sp.Pow(expr, sup), _at(children[0]))

    def frac(self, children: list[Any]) -> Value:
        numerator, denominator = self.value(children[1]), self.value(children[2])
        expr = sp.Mul(numerator, sp.Pow(denominator, -1))
        sup = self.sup_of(children)
        return Value(expr if sup is None else sp.Pow(expr, sup), _at(children[0]))

    def sqrt(self, children: list[Any]) -> Value:
        tokens = _tokens(children)
        exprs = [self.value(c) for c in children
                 if not isinstance(c, (Token, Superscript))]
        opener = next((token for token in tokens if token.type == "OPEN"), None)
        if opener is not None:
            closer = next(token for token in tokens if token.type == "CLOSE")
            if str(opener) != "[" or str(closer) != "]":
                raise TransformFailure("\\sqrt index must be written [n]", _at(opener))
            expr = sp.root(exprs[1], exprs[0])
        else:
            expr = sp.sqrt(exprs[0])
        sup = self.sup_of(children)
        return Value(expr if sup is None else sp.Pow(expr, sup), _at(tokens[0]))

    def funchead(self, children: list[Any]) -> FuncHead:
        head = children[0]
        text = str(head)
        if head.type == "OPNAME":
            match = _UPRIGHT_WORD.match(text)
            assert match is not None
            word = match.group(1)
        else:
            word = text.lstrip("\\")
        func: Callable[..., sp.Expr] = macros.KNOWN_FUNCTIONS.get(word) or sp.Function(word)
        log_base = None
        exprs = [c for c in children[1:] if not isinstance(c, (Token, Superscript))]
        if exprs:
            if word != "log":
                raise TransformFailure(f"subscript on \\{word} is not understood",
                                       _at(head))
            log_base = self.value(exprs[0])
        sup = self.sup_of(children)
        if sup is not None and sup.is_negative:
            raise TransformFailure(
                f"{text}^{{{sp.latex(sup)}}} is ambiguous (inverse function or reciprocal): "
                f"write \\arc{word} or ({text} x)^{{{sp.latex(sup)}}}",
                _at(head),
            )
        primes = sum(len(token) for token in _tokens(children) if token.type == "PRIME")
        return FuncHead(word, func, _at(head), log_base, sup, primes)

    def derivop(self, children: list[Any]) -> DerivativeOperator:
        token = children[0]
        variable, order = self.differential(str(token), _at(token))
        return DerivativeOperator(variable, order, _at(token))

    def leibniz(self, children: list[Any]) -> Value | LeibnizFunction:
        opener, numerator_node, denominator = children[0], children[1], children[3]
        variable, order = self.differential(str(opener) + "}" + str(denominator),
                                            _at(opener))
        numerator = self.value(numerator_node)
        sup = self.sup_of(children)
        self.used_symbol(variable.name)
        if isinstance(numerator, sp.Symbol) and numerator != variable:
            # dy/dx says y depends on x: an unknown function of x, never a constant.
            function = sp.Function(numerator.name)
            if self.is_function_name(numerator.name):
                return LeibnizFunction(function, variable, order, _at(opener), sup)
            numerator = function(variable)
        expr = sp.Derivative(numerator, (variable, order))
        return Value(expr if sup is None else sp.Pow(expr, sup), _at(opener))

    def differential(self, text: str, position: int) -> tuple[sp.Symbol, int]:
        """Variable and order of ``\\frac{d^n}{dx^n}`` written as one string."""
        match = _DENOMINATOR.search(text)
        if match is None:
            raise TransformFailure("cannot read the differential of this derivative", position)
        variable = self.variable_symbol(match.group("var"), position)
        order = int(match.group("order") or 1)
        numerator_order = _NUMERATOR_ORDER.match(text)
        if numerator_order is not None and int(numerator_order.group(1)) != order:
            raise TransformFailure("derivative orders of numerator and denominator differ",
                                   position)
        return variable, order

    def variable_symbol(self, text: str, position: int) -> sp.Symbol:
        match = _VAR_PARTS.fullmatch(text.strip())
        if match is None:
            raise TransformFailure(f"cannot read the variable {text!r}", position)
        base = match.group("base")
        if re.fullmatch(r"\\[A-Za-z]+", base):
            name = base[1:]
            if name not in macros.GREEK_LETTERS:
                raise TransformFailure(f"{base} is not a variable", position)
        elif re.fullmatch(r"[A-Za-z]", base):
            name = base
        elif (upright := _UPRIGHT_WORD.fullmatch(base)) and base.startswith(
                tuple("\\" + word for word in macros.UPRIGHT_NAMES)):
            name = upright.group(1)
        else:
            name = compact_latex(base)
        if match.group("sub") is not None:
            name = f"{name}_{{{compact_latex(match.group('sub'))}}}"
        return symbol_for(name)

    def lim(self, children: list[Any]) -> BigOperator:
        tokens = _tokens(children)
        exprs = [self.value(c) for c in children if not isinstance(c, Token)]
        variable, point = exprs
        head = tokens[0]
        if not isinstance(variable, sp.Symbol):
            raise TransformFailure("the limit variable must be a single symbol", _at(head))
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
        return BigOperator("\\lim", build, _at(head))

    def sum(self, children: list[Any]) -> BigOperator:
        tokens = _tokens(children)
        head = tokens[0]
        exprs = [self.value(c) for c in children if not isinstance(c, Token)]
        has_equals = any(token.type == "EQ" for token in tokens)
        if not has_equals or len(exprs) != 3:
            raise TransformFailure(
                "out of scope: \\sum without explicit bounds (write \\sum_{i=1}^{n})",
                _at(head),
            )
        index, lower, upper = exprs
        if not isinstance(index, sp.Symbol):
            raise TransformFailure("the summation index must be a single symbol", _at(head))
        self.used_symbol(index.name)

        def build(expr: sp.Expr) -> sp.Expr:
            return sp.Sum(expr, (index, lower, upper))

        return BigOperator("\\sum", build, _at(head))

    def integral(self, children: list[Any]) -> IntegralHead:
        tokens = _tokens(children)
        exprs = [self.value(c) for c in children if not isinstance(c, Token)]
        head = tokens[0]
        if len(exprs) == 1:
            raise TransformFailure("an integral needs both bounds or none", _at(head))
        if exprs:
            return IntegralHead(exprs[0], exprs[1], _at(head))
        return IntegralHead(None, None, _at(head))


@dataclass
class Superscript:
    expr: sp.Expr


# ----------------------------------------------------------------------------------------
# Resolving a run of juxtaposed items
# ----------------------------------------------------------------------------------------


def _no_condition(paren: Paren) -> None:
    if paren.given is not None:
        raise TransformFailure("\\mid (conditional notation) is read only inside the arguments "
                               "of a function such as P(a \\mid b)", paren.given_position)


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


def _with_power(expr: sp.Expr, sup: sp.Expr | None) -> sp.Expr:
    return expr if sup is None else sp.Pow(expr, sup)


class RunResolver:
    def __init__(self, transformer: ToSympy) -> None:
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
                or len(group.args) != 1:
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
            return _with_power(inner, leibniz.sup)
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
        return _with_power(integral, variable_item.sup), cursor + 2

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
            return _with_power(function_of_variable, item.sup), index + 1
        if isinstance(item, FuncHead):
            return self.function_head(items, index)
        raise TransformFailure("unexpected item", getattr(item, "position", 0))

    def paren_value(self, paren: Paren) -> sp.Expr:
        _no_condition(paren)
        if len(paren.args) != 1:
            raise TransformFailure("a parenthesised list is not a value (only a call's "
                                   "arguments may be separated by commas)", paren.position)
        return paren.close(paren.args[0])

    def name(self, item: Name, following: Item | None, index: int) -> tuple[sp.Expr, int]:
        if isinstance(following, Paren) and item.name in macros.ASYMPTOTIC_NAMES \
                and item.sup is None and item.primes == 0 \
                and item.name not in self.transformer.functions:
            # a Taylor remainder: read as a product O*(x^5) it would refute a correct expansion
            raise TransformFailure(
                f"out of scope: asymptotic notation ({item.name}(...))", item.position
            )
        if isinstance(following, Paren):
            calls = item.primes > 0 or (
                item.sup is None
                and (item.upright_word or self.transformer.is_function_name(item.name)
                     or _only_a_call(item, following))
            )
            if calls:
                return self.call(item, following), index + 2
            if item.plain and item.sup is None and isinstance(item.expr, sp.Symbol):
                self.transformer.product_lint(item.name, item.position)
        if isinstance(item.expr, sp.Symbol) and (
            item.sup is not None or not isinstance(following, Paren)
        ):
            self.transformer.used_symbol(item.expr.name)
        if item.primes:
            written = f"\\{item.name}" if item.name in macros.GREEK_LETTERS else item.name
            raise TransformFailure(f"{written}{chr(39) * item.primes} needs an argument, "
                                   f"as in {written}'(x)", item.position)
        return _with_power(item.expr, item.sup), index + 1

    def call(self, item: Name, paren: Paren) -> sp.Expr:
        known = macros.KNOWN_FUNCTIONS.get(item.name) if item.upright_word else None
        if known is not None and not item.primes:
            # \mathrm{sech}(x) is sech, as \operatorname{sech}(x) is
            _no_condition(paren)
            value = self.apply(FuncHead(item.name, known, item.position), paren.args)
            return _with_power(paren.close(value), item.sup)
        function = sp.Function(item.name)
        if paren.given is not None:
            # P(a \\mid b) is an opaque function of its own, distinct from P(a, b)
            if item.primes:
                _no_condition(paren)
            function = conditional_function(item.name, paren.given)
        if item.primes:
            if len(paren.args) != 1:
                raise TransformFailure("prime notation needs exactly one argument",
                                       paren.position)
            variable = sp.Dummy("t", dummy_index=0)
            derivative = sp.Derivative(function(variable), (variable, item.primes))
            value = self.evaluate_at(derivative, variable, paren)
        else:
            value = function(*paren.args)
        return _with_power(paren.close(value), item.sup)

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
            return _with_power(following.close(value), head.sup), index + 2
        if isinstance(following, Paren):
            _no_condition(following)
            args, end = following.args, index + 2
            value = self.apply(head, args)
            return _with_power(following.close(value), head.sup), end
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
        return _with_power(self.apply(head, (argument,)), head.sup), end

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


# ----------------------------------------------------------------------------------------
# Entry point used by derive.parse
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawParse:
    expr: sp.Expr
    issues: tuple[IssueRecord, ...]
    decimals: tuple[tuple[str, sp.Rational], ...]
    symbol_names: frozenset[str] = frozenset()


class SyntaxFailure(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


_BRACKET = re.compile(r"\\lvert(?![A-Za-z])|\\rvert(?![A-Za-z])|\\[{}]|\\[A-Za-z]+|\\.|[()\[\]{}]")
_CLOSER_OF = {"(": ")", "[": "]", "{": "}", "\\{": "\\}", "\\lvert": "\\rvert"}


def _unclosed_opener(text: str) -> tuple[str, int] | None:
    """The innermost bracket still open at the end of ``text`` and its position, if any.

    Pointing at the opener is more useful than pointing at the end of the expression.
    """
    stack: list[tuple[str, int]] = []
    for match in _BRACKET.finditer(text):
        token = match.group(0)
        if token in _CLOSER_OF:
            stack.append((token, match.start()))
        elif stack and token == _CLOSER_OF[stack[-1][0]]:
            stack.pop()
    if not stack:
        return None
    opener, position = stack[-1]
    return ("|" if opener == "\\lvert" else opener), position


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "end of expression"
    return repr(str(token))


def parse_normalized(normalized: Normalized, functions: frozenset[str],
                     euler_e: bool, variables: frozenset[str] = frozenset()) -> RawParse:
    """Parse normalised text; raises SyntaxFailure/TransformFailure with normalised positions."""
    text = normalized.text
    if not text.strip():
        raise SyntaxFailure("empty expression", 0)
    try:
        tree = parser().parse(text)
    except UnexpectedToken as error:
        token = error.token
        position = len(text) if token.type == "$END" else _at(token)
        message = f"unexpected {_describe(token)}"
        if token.type == "$END":
            message = "expression ends too early (unclosed bracket or missing operand?)"
            unclosed = _unclosed_opener(text)
            if unclosed is not None:
                opener, position = unclosed
                message = f"{opener!r} is never closed"
        elif token.type == "CLOSE" or token.type == "RBRACE" or token.type == "RVERT":
            message = f"unbalanced {_describe(token)}"
        raise SyntaxFailure(message, position) from None
    except UnexpectedCharacters as error:
        position = error.pos_in_stream or 0
        command = re.match(r"\\[A-Za-z]+|.", text[position:])
        what = command.group(0) if command else text[position:position + 1]
        raise SyntaxFailure(f"unexpected {what!r} here", position) from None
    except UnexpectedEOF:
        raise SyntaxFailure("expression ends too early", len(text)) from None
    transformer = ToSympy(functions, euler_e)
    transformer.text = text
    try:
        expr = transformer.transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, TransformFailure):
            raise error.orig_exc from None
        raise
    return RawParse(expr, transformer.all_issues(variables), tuple(transformer.decimals),
                    frozenset(transformer.symbol_names))
