"""Resource limits: hostile input fails fast with a located error, never computes for hours.

SymPy evaluates ``Integer ** Integer`` and ``factorial(Integer)`` eagerly, so ``2^{10^{10}}``
or ``(10^{10})!`` would build numbers with billions of digits; deep nesting would overflow
Python's stack.  Every power and factorial the parser builds goes through this module, and
the text is measured before it is parsed.

Every limit on untrusted input has its value here, also those applied elsewhere: macro
expansion (derive/extract/macros.py), claims per file and the length of a finding's message
(derive/check/checker.py).  docs/limits.md lists them with what the user sees.
"""

from __future__ import annotations

import math
import re

import sympy as sp

from derive.parse.failures import SyntaxFailure, TransformFailure

#: Longest integer literal read (Python itself refuses to convert more than 4300 digits).
MAX_DIGITS = 4000
#: Deepest nesting of braces, brackets and parentheses (``\\frac`` nests through its braces),
#: and longest chain of prefix operators (``\\sin \\sin ... x``, ``- - ... x``): SymPy's own
#: printers recurse once per level.
MAX_DEPTH = 100
#: Most tokens in one expression (a macro, a number or one character each).
MAX_TOKENS = 3_000
#: Largest factorial argument evaluated exactly (1000! has 2568 digits).
MAX_FACTORIAL = 1000
#: Claims verified in one file; the rest get one ``unknown`` finding saying how many (each
#: claim costs milliseconds in its own worker: this bounds a file at minutes, not hours).
MAX_CLAIMS_PER_FILE = 10_000
#: Characters the document's macros may add to one region's math by expansion.
MAX_EXPANSION = 20_000
#: Highest derivative order read (``\frac{d^{1000}}{dx^{1000}}`` would differentiate for
#: minutes and build an expression of millions of terms).
MAX_DERIVATIVE_ORDER = 100
#: What macro expansion leaves where it gave up (derive/extract/macros.py): a macro that
#: calls itself, or an expansion adding more than MAX_EXPANSION to the math.  A control
#: symbol on a private-use character, two characters: no invocation is shorter, so
#: marking never makes the math grow.
EXPANSION_LIMIT_MARK = "\\\ue000"

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\d+|\S")
_LONG_NUMBER = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")
_PREFIX_CHAIN = re.compile(rf"(?:(?:\\[A-Za-z]+|[-+])\s*){{{MAX_DEPTH + 1},}}")
_OPENERS = frozenset("{([")
_CLOSERS = frozenset("})]")


def check_text(text: str) -> None:
    """Raise SyntaxFailure (position into ``text``) when ``text`` is beyond a limit."""
    mark = text.find(EXPANSION_LIMIT_MARK)
    if mark >= 0:
        raise SyntaxFailure(
            "too long: macro expansion stopped here (a macro that calls itself, or "
            f"expansions adding more than {MAX_EXPANSION:,} characters to this math)", mark,
        )
    number = _LONG_NUMBER.search(text)
    if number is not None:
        raise SyntaxFailure(
            f"too large: a number with more than {MAX_DIGITS} digits", number.start()
        )
    depth = 0
    for position, char in enumerate(text):
        if char in _OPENERS:
            depth += 1
            if depth > MAX_DEPTH:
                raise SyntaxFailure(
                    f"too deeply nested: more than {MAX_DEPTH} levels of brackets", position
                )
        elif char in _CLOSERS:
            depth -= 1
    chain = _PREFIX_CHAIN.search(text)
    if chain is not None:
        raise SyntaxFailure(
            f"too deeply nested: more than {MAX_DEPTH} operators in a row", chain.start()
        )
    for count, token in enumerate(_TOKEN.finditer(text), start=1):
        if count > MAX_TOKENS:
            raise SyntaxFailure(
                f"too long: more than {MAX_TOKENS} tokens in one expression", token.start()
            )


def _digits(number: sp.Rational) -> float:
    """Decimal digits of the larger of numerator and denominator (at least 1)."""
    largest = max(abs(int(number.p)), abs(int(number.q)), 2)
    return largest.bit_length() * math.log10(2)


def power(base: sp.Expr, exponent: sp.Expr, position: int) -> sp.Expr:
    """``base ** exponent``, refusing exact numbers that would have too many digits."""
    if isinstance(base, sp.Rational) and isinstance(exponent, sp.Rational) \
            and base not in (sp.S.Zero, sp.S.One, sp.S.NegativeOne):
        size = _digits(base) * abs(float(exponent)) if abs(exponent) < 10**300 else math.inf
        if size > MAX_DIGITS:
            raise TransformFailure(
                f"too large: this power has about {_magnitude(size)} digits "
                f"(the limit is {MAX_DIGITS})", position,
            )
    return sp.Pow(base, exponent)


def factorial(value: sp.Expr, position: int) -> sp.Expr:
    """``value!``, refusing to evaluate the factorial of a large integer."""
    if isinstance(value, sp.Integer) and value > MAX_FACTORIAL:
        raise TransformFailure(
            f"too large: the factorial of a number above {MAX_FACTORIAL}", position
        )
    return sp.factorial(value)


def _magnitude(size: float) -> str:
    if math.isinf(size) or size > 1e15:
        return "more than 10^15"
    return f"{int(size):,}"



def derivative_order(order: int, position: int) -> int:
    """``order``, refusing orders beyond MAX_DERIVATIVE_ORDER."""
    if order > MAX_DERIVATIVE_ORDER:
        raise TransformFailure(
            f"too large: a derivative of order {_magnitude(order)} "
            f"(the limit is {MAX_DERIVATIVE_ORDER})", position,
        )
    return order


#: Longest message of a finding: a claim about a 4,000-digit number would otherwise print
#: every digit of both sides (and pasting pi to 100,000 digits once made a 100 KB line).
MAX_MESSAGE = 1_000
#: Digits of a number a message shows in full; longer runs keep their ends and a count.
MAX_MESSAGE_DIGITS = 40
_DIGIT_RUN = re.compile(rf"\d{{{MAX_MESSAGE_DIGITS + 1},}}")


def short_message(message: str) -> str:
    """``message`` with long runs of digits elided and cut to MAX_MESSAGE characters."""
    message = _DIGIT_RUN.sub(
        lambda run: f"{run.group()[:20]}...{run.group()[-5:]} ({len(run.group()):,} digits)",
        message,
    )
    if len(message) <= MAX_MESSAGE:
        return message
    cut = len(message) - MAX_MESSAGE
    return f"{message[:MAX_MESSAGE]}... ({cut:,} more characters)"
