"""The LaTeX printer every exported document uses: SymPy's, with textbook conventions.

Differences from :func:`sympy.latex`, all about display, never about the mathematics:

* terms and factors are printed in the order the derivation built them (``order="none"``),
  so ``g f' - f g'`` is not re-sorted, except that polynomials read in descending powers;
* a product with a derivative factor separates its factors with ``\\cdot`` and a derivative
  of anything but a function call brackets what it differentiates:
  ``\\frac{d}{du}\\left[\\frac{1}{u}\\right] \\cdot \\frac{d}{dx}[1 + e^{- x}]`` rather than
  the ambiguous ``\\frac{d}{du} \\frac{1}{u} \\frac{d}{dx} \\left(1 + e^{- x}\\right)``;
* function application is ``\\sigma(x)``, not ``\\sigma{\\left(x \\right)}``;
* ``\\left``/``\\right`` only around tall contents (a fraction, a sum ...).  latex2mathml turns
  every ``\\left(`` into a stretchy, spaced fence, so ``\\sigma\\left(x\\right)`` would show as
  "σ ( x )" in the browser;
* a leading minus inside brackets is grouped (``({- e^{- x}})``) so MathML treats it as a
  prefix sign rather than a binary minus with spaces around it.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter, _between_two_numbers_p, requires_partial
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import prettyForm
from sympy.simplify.radsimp import fraction

#: Macros whose output is taller than one line of text: brackets around them must stretch.
_TALL_MACROS = (r"\frac", r"\dfrac", r"\tfrac", r"\binom", r"\begin", r"\sum", r"\prod",
                r"\int", r"\lim", r"\sqrt[", r"\left")

#: Inverse trigonometric names, whose special styles SymPy's own printer handles.
_INVERSE_TRIG = {"asin", "acos", "atan", "acsc", "asec", "acot",
                 "asinh", "acosh", "atanh", "acsch", "asech", "acoth"}


def descending_powers(expr: sp.Basic) -> bool:
    """Whether a sum is a polynomial that reads best in descending powers (3x^4 - 2x^2 - 7).

    Other sums keep the order they were built in: SymPy puts constants first, which gives
    the textbook ``1 + e^{-x}``, and the derivation's own sums (the quotient rule's
    ``g f' - f g'``) must not be re-sorted.
    """
    return (
        isinstance(expr, sp.Add)
        and not expr.has(sp.Derivative)
        and bool(expr.free_symbols)
        and bool(expr.is_polynomial(*sorted(expr.free_symbols, key=str)))
    )


def is_tall(latex: str) -> bool:
    """Whether ``latex`` is more than one line of text high (a fraction, a big operator ...)."""
    return any(macro in latex for macro in _TALL_MACROS)


def fence(content: str, left: str = "(", right: str = ")") -> str:
    """``(content)``, or ``\\left(content\\right)`` when the content is tall."""
    if content.startswith("-"):
        content = "{" + content + "}"  # a prefix sign in MathML, not a spaced binary minus
    if is_tall(content):
        return rf"\left{left}{content}\right{right}"
    return f"{left}{content}{right}"


class DerivationLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the display conventions listed in the module docstring."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__({"order": "none", **(settings or {})})

    def _as_ordered_terms(self, expr: sp.Expr, order: str | None = None) -> list[sp.Expr]:
        if descending_powers(expr):
            return list(expr.as_ordered_terms())
        return list(super()._as_ordered_terms(expr, order=order))

    # -- brackets -------------------------------------------------------------------

    def _add_parens(self, s: str) -> str:
        return fence(s)

    def _add_parens_lspace(self, s: str) -> str:
        return fence(s)

    def _do_exponent(self, expr: str, exp: str | None) -> str:
        return expr if exp is None else f"{fence(expr)}^{{{exp}}}"

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        """As SymPy's, bracketing a nested sum (``(1 + e^{-x}) - 1``) with ``fence``."""
        tex = ""
        for index, term in enumerate(self._as_ordered_terms(expr, order=order)):
            if index > 0 and term.could_extract_minus_sign():
                tex += " - "
                term = -term
            elif index > 0:
                tex += " + "
            printed = str(self._print(term))
            tex += fence(printed) if self._needs_add_brackets(term) else printed
        return tex

    # -- function application ---------------------------------------------------------

    def _print_Function(self, expr: sp.Function, exp: str | None = None) -> str:
        name = expr.func.__name__
        known = hasattr(self, "_print_" + name) and not isinstance(expr, AppliedUndef)
        if known or name in _INVERSE_TRIG:
            return str(super()._print_Function(expr, exp))
        head = self._hprint_Function(name)
        if exp is not None:
            head = f"{head}^{{{exp}}}"
        return head + fence(", ".join(self._print(arg) for arg in expr.args))

    def _print_log(self, expr: sp.log, exp: str | None = None) -> str:
        head = r"\ln" if self._settings["ln_notation"] else r"\log"
        if exp is not None:
            head = f"{head}^{{{exp}}}"
        return head + fence(self._print(expr.args[0]))

    # -- derivatives ------------------------------------------------------------------

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        operand = expr.expr
        operator = self._derivative_operator(expr)
        if operand.is_Function and not isinstance(operand, sp.exp):
            return f"{operator} {self._print(operand)}"  # d/dx sigma(x): the call is the operand
        return operator + fence(self._print(operand), "[", "]")

    def _derivative_operator(self, expr: sp.Derivative) -> str:
        """``\\frac{d}{d x}``, ``\\frac{d^{2}}{d x^{2}}``, with ``\\partial`` when needed."""
        symbol = r"\partial" if requires_partial(expr.expr) else self._settings[
            "diff_operator_latex"]
        below = ""
        order = 0
        for variable, count in reversed(expr.variable_count):
            order += count
            printed = self._print(variable)
            below += f"{symbol} {printed}" if count == 1 else f"{symbol} {printed}^{{{count}}}"
        above = symbol if order == 1 else f"{symbol}^{{{order}}}"
        return rf"\frac{{{above}}}{{{below}}}"

    # -- products -----------------------------------------------------------------------

    def _print_Mul(self, expr: sp.Expr) -> str:
        if isinstance(expr, sp.Mul) and any(isinstance(a, sp.Derivative) for a in expr.args):
            return self._product_with_derivatives(expr)
        if expr.is_commutative is False or any(
            hasattr(f, "_scale_factor") or hasattr(f, "is_physical_constant")
            for f in expr.args
        ):
            return str(super()._print_Mul(expr))  # matrices, units: SymPy's own layout
        # The rest follows LatexPrinter._print_Mul with default settings (no folded
        # fractions), bracketing with ``fence``.
        if isinstance(expr, sp.Mul):
            args = expr.args
            if args[0] is sp.S.One or any(isinstance(a, sp.Number) for a in args[1:]):
                return self._factors(list(args))  # unevaluated: every factor shown, in order
        tex, closing = "", ""
        if expr.could_extract_minus_sign():
            expr = -expr
            tex = "- "
            if expr.is_Add:
                tex, closing = "- (", ")"
        numerator, denominator = fraction(expr, exact=True)
        if denominator is sp.S.One and sp.Pow(1, -1, evaluate=False) not in expr.args:
            tex += self._product(expr)
        else:
            tex += rf"\frac{{{self._product(numerator)}}}{{{self._product(denominator)}}}"
        return tex + closing

    def _product(self, expr: sp.Expr) -> str:
        if not expr.is_Mul:
            return str(self._print(expr))
        return self._factors(list(expr.args))

    def _factors(self, factors: list[sp.Expr], separator: str | None = None) -> str:
        """Factors side by side (or joined by ``separator``), bracketed where needed."""
        joiner = self._settings["mul_symbol_latex"] if separator is None else separator
        numbers_joiner = self._settings["mul_symbol_latex_numbers"]
        tex = previous = ""
        for index, factor in enumerate(factors):
            printed = str(self._print(factor))
            if self._needs_mul_brackets(factor, first=index == 0,
                                        last=index == len(factors) - 1):
                printed = fence(printed)
            if tex:
                between_numbers = bool(_between_two_numbers_p[0].search(previous)
                                       and _between_two_numbers_p[1].match(printed))
                # two fractions side by side read as one: 1/(1+e^{-x}) \cdot e^{-x}/(1+e^{-x})
                two_fractions = previous.startswith(r"\frac") and printed.startswith(r"\frac")
                if separator is None and (between_numbers or two_fractions):
                    tex += numbers_joiner if between_numbers else r" \cdot "
                else:
                    tex += joiner
            tex += printed
            previous = printed
        return tex

    def _product_with_derivatives(self, expr: sp.Mul) -> str:
        """``- x \\cdot \\frac{d}{dx}[...]``: explicit dots, so no factor reads as an operand."""
        factors = list(expr.args)
        sign = ""
        if factors[0] is sp.S.NegativeOne:
            sign, factors = "- ", factors[1:]
        return sign + self._factors(factors, separator=r" \cdot ")


def derivation_latex(expr: sp.Basic) -> str:
    """``expr`` as LaTeX in the conventions of :class:`DerivationLatexPrinter`."""
    return str(DerivationLatexPrinter().doprint(expr))


class DerivationPrettyPrinter(PrettyPrinter):
    """SymPy's 2-D text printer for ``derive steps``, in the order the derivation built things.

    Two changes make unevaluated display forms unambiguous: a signed factor after the first
    is bracketed (``1/u² ⋅ (-e^{-x})``, not ``⋅-e^{-x}``), and so is a sum inside a sum
    (``(1 + e^{-x}) - 1`` keeps the brackets that say what was added and subtracted).
    """

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__({"order": "none", "use_unicode": True, **(settings or {})})

    def _as_ordered_terms(self, expr: sp.Expr, order: str | None = None) -> list[sp.Expr]:
        if descending_powers(expr):
            return list(expr.as_ordered_terms())
        return list(super()._as_ordered_terms(expr, order=order))

    def _print_Mul(self, product: sp.Expr) -> prettyForm:
        factors = product.args if isinstance(product, sp.Mul) else ()

        def signed(index: int, factor: sp.Expr) -> bool:  # a sum is bracketed anyway
            return index > 0 and not factor.is_number and not factor.is_Add \
                and factor.could_extract_minus_sign()

        if not any(signed(index, factor) for index, factor in enumerate(factors)):
            return super()._print_Mul(product)
        forms = []
        for index, factor in enumerate(factors):
            form = self._print(factor)
            if signed(index, factor):
                form = prettyForm(*form.parens())
            forms.append(form)
        return prettyForm.__mul__(*forms)  # brackets sums itself

    def _print_Add(self, expr: sp.Expr, order: str | None = None) -> prettyForm:
        terms = self._as_ordered_terms(expr, order=order)
        if not any(term.is_Add for term in terms):
            return super()._print_Add(expr, order)
        result: prettyForm | None = None
        for term in terms:
            sign = " + "
            if result is not None and term.could_extract_minus_sign():
                sign, term = " - ", -term
            form = self._print(term)
            if term.is_Add:
                form = prettyForm(*form.parens())
            result = form if result is None else prettyForm(*result.right(sign, form))
        assert result is not None  # an Add has at least two terms
        return prettyForm(result.s, result.baseline, binding=prettyForm.ADD)
