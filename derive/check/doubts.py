"""Doubt rules: when a counterexample may come from reading the notation differently
than the author meant, the refutation is declined and the claim becomes ``unknown``.

Each rule is a registered policy with an id, like a pyflakes message: it looks at the
claim and the verifier's typed outcome (never at its words) and returns the reason it
doubts the reading, or None.  Every rule stands for a class of false alarm measured on
real documents, and has its own tests (tests/test_doubts.py).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.check.claims import Claim
from derive.definitions import DefinitionError, substitute_definitions, used_definitions
from derive.model import (
    Caveat,
    ClaimKind,
    Definition,
    Location,
    Outcome,
    Verdict,
    VerifySettings,
)
from derive.parse import display_name

#: A rule: (claim, outcome, settings) -> the doubt in words, or None.
Test = Callable[[Claim, Outcome, VerifySettings], "str | None"]


@dataclass(frozen=True)
class DoubtRule:
    id: str  # stable, reported in ``Evidence.doubt``
    name: str
    test: Test
    #: also declines a proof: the doubt is about the reading itself (which definition,
    #: which operator), so a proof of the reading is no proof of what the author wrote
    proofs_too: bool = False


_INDEXED = re.compile(r"_\{?[i-n]+\}?$")


def _free_names(definitions: Sequence[Definition], *exprs: sp.Expr | None) -> list[set[str]]:
    """Free symbol names of each expression once the document's definitions are unfolded."""
    names: list[set[str]] = []
    for expr in exprs:
        if expr is None:
            names.append(set())
            continue
        with contextlib.suppress(DefinitionError):
            expr = substitute_definitions(expr, definitions)
        names.append({s.name for s in expr.free_symbols if isinstance(s, sp.Symbol)})
    return names


def _written_names(claim: Claim) -> tuple[set[str], set[str]]:
    """Names each side mentions as written, before SymPy evaluates anything:
    ``(e^x + e^{-x})/(e^x + e^{-x})`` evaluates to 1 but still mentions x."""
    left, right = _free_names(claim.definitions, claim.lhs, claim.rhs)
    every = left | right
    return (
        left | {name for name in every if _mentions(claim.lhs_latex, name)},
        right | {name for name in every if _mentions(claim.rhs_latex, name)},
    )


def _mentions(latex: str, name: str) -> bool:
    """Whether ``latex`` writes the name itself (``x`` in ``x^2``), not a longer name
    that starts or ends with it (``f`` in ``f_x``, ``x`` in ``\\exp``)."""
    shown = display_name(name)
    before = "" if shown.startswith("\\") else r"(?<![A-Za-z\\_])"
    return re.search(before + re.escape(shown) + r"(?![A-Za-z_])", latex) is not None


def _statement_role(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    """A condition, example, equation to solve ... (the prose says so): not an identity."""
    return claim.doubt or None


def _ambiguous_notation(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    if claim.ambiguities:
        return f"{claim.ambiguities[0]}; as read, the two sides differ"
    return None


def _index_notation(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    left, right = _free_names(claim.definitions, claim.lhs, claim.rhs)
    indexed = sorted(n for n in left | right if _INDEXED.search(n))
    if indexed:
        return f"uses indexed names ({', '.join(indexed)}): index notation may imply sums"
    return None


def _substituted_values(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    if claim.kind is not ClaimKind.STEP:
        return None
    left, right = _written_names(claim)
    if bool(left) != bool(right):
        return "the step substitutes values for variables that the document does not state"
    return None


def _no_shared_variable(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    left, right = _written_names(claim)
    if left and right and not left & right:
        return "the two sides share no variable: this reads as notation, not algebra"
    return None


def _unstated_domain(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    condition = outcome.evidence.holds_where
    if condition is None:
        return None
    stated = {s.name for a in claim.assumptions for s in a.free_symbols}
    if condition.variable in stated:
        return None  # the author stated this variable's domain: the refutation stands
    return (
        f"holds only for {condition}; if that is meant, say so with a directive "
        f"`derive: assume {condition}`"
    )


def _undefined_in_limit(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    """A limit of a function the document leaves undefined: SymPy takes it to be
    continuous (lim_{h->0} f(c+h) = f(c)), an assumption the author may not make."""
    exprs = [e for e in (claim.lhs, claim.rhs) if e is not None]
    if claim.kind is ClaimKind.LIMIT:
        inside = exprs
    else:
        inside = [limit for e in exprs for limit in e.atoms(sp.Limit)]
    if not any(e.atoms(AppliedUndef) for e in inside):
        return None
    undefined = sorted({c.func.__name__ for e in inside for c in e.atoms(AppliedUndef)})
    if {d.name for d in claim.definitions} >= set(undefined):
        return None
    shown = ", ".join(display_name(name) for name in undefined)
    return f"the limit involves {shown}, which the document does not define"


def _log_base(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    """``\\log`` without a base is natural here; say so if base 2 or 10 makes it hold."""
    from derive.verify import verify_equal  # the kernel; inline inside the claim's worker

    if claim.lhs is None or claim.rhs is None or claim.relation != "=":
        return None
    if not (claim.lhs.has(sp.log) or claim.rhs.has(sp.log)):
        return None
    for base in (2, 10):
        def rebase(expr: sp.Expr, base: int = base) -> sp.Expr:
            return expr.replace(
                lambda e: isinstance(e, sp.log) and len(e.args) == 1,
                lambda e: sp.log(e.args[0]) / sp.log(base),
            )
        rebased = verify_equal(
            rebase(claim.lhs), rebase(claim.rhs), definitions=claim.definitions,
            settings=settings, assumptions=claim.assumptions,
        )
        if rebased.verdict in (Verdict.PROVED, Verdict.CHECKED):
            return f"holds if \\log means the logarithm to base {base}"
    return None


def _place(where: Location) -> str:
    return f"line {where.line}" if where.cell is None else f"cell {where.cell}, line {where.line}"


def _remote_definition(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    """The counterexample uses a definition stated under another heading (an earlier
    example's f, an antiderivative F of another section): the author may mean another."""
    if not claim.remote_definitions:
        return None
    name, shown, where = claim.remote_definitions[0]
    lhs = claim.lhs
    recurrence = claim.rhs is not None and any(
        call.func.__name__ == name for call in claim.rhs.atoms(AppliedUndef)
    )
    if (
        isinstance(lhs, AppliedUndef) and lhs.func.__name__ == name and not recurrence
        and all(isinstance(argument, sp.Symbol) for argument in lhs.args)
    ):
        # the claim restates the definition itself (f(t) = t^2 after f(x) = x^2); a
        # recurrence T(n) = T(n-1) + n is another example's equation, not a restatement
        return None
    return (
        f"uses {shown} as defined at {_place(where)}, under another heading; if that is the one "
        f"meant here, say so with a directive `derive: define {shown} = ...`"
    )


def _one_sided_names(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    r"""A name on one side only (``x^2 + x - 1 = 0``, ``1/(x+1)(x-1) = A/(x+1) + B/(x-1)``,
    ``\sin x = x - \sin(\xi) x^2/2``): the relation determines it -- an equation to
    solve, coefficients to find, a point that exists -- it is no identity in it."""
    if claim.kind not in (ClaimKind.IDENTITY, ClaimKind.STEP) or claim.claimed:
        return None
    left, right = _written_names(claim)
    if claim.kind is ClaimKind.STEP and not (left and right):
        return None  # substituted values: DRV-D03 says why
    # \int x^2 dx = x^3/3 + C: the constant of integration is on the other side
    if _indefinite(claim.lhs):
        right &= left
    if _indefinite(claim.rhs):
        left &= right
    one_sided = sorted(left ^ right)
    if not one_sided:
        return None
    shown = ", ".join(display_name(name) for name in one_sided)
    return (
        f"{shown} appear(s) on one side only: this reads as an equation that determines "
        f"{'it' if len(one_sided) == 1 else 'them'}, not as an identity; if it is meant "
        f"for every value, say so with a directive `derive: claim` before it"
    )


def _indefinite(expr: sp.Expr | None) -> bool:
    return expr is not None and any(
        any(len(limit) == 1 for limit in integral.limits) for integral in expr.atoms(sp.Integral)
    )


#: ``\Delta x^2``: the square of the step ``\Delta x``, or ``\Delta`` times ``x^2``.
_DELTA_POWER = re.compile(r"\\Delta\s*(?:[A-Za-z]|\{[A-Za-z]\})\s*\^")
#: ``\Delta(x_1 + x_2)``: the change of a sum, or ``\Delta`` times the sum.
_DELTA_APPLIED = re.compile(r"\\Delta\s*(?:\\left\s*)?\(")
#: ``f[x_0]``: a letter before a square bracket (a divided difference, a functional).
_SQUARE_CALL = re.compile(r"(?<![A-Za-z\\_])([A-Za-z])\s*(?:\\left\s*)?\[")
#: ``u(0)``, ``u(\\pi/2)``: one letter before a bracketed number
_LETTER_AT_NUMBER = re.compile(
    r"(?<![A-Za-z\\_])([A-Za-z])\s*(?:\\left)?\s*\(\s*-?(?:\d+(?:\.\d+)?|\\pi)"
    r"(?:\s*/\s*\d+)?\s*(?:\\right)?\s*\)"
)
#: ``\mathbf{a} \times \mathbf{b}``, ``\vec u \cdot \vec v``: products of vectors.
_VECTOR_PRODUCT = re.compile(
    r"\\(?:mathbf|vec|boldsymbol|bm)\s*\{?\s*\\?\w+\s*\}?\s*\\(?:times|cdot)\b"
)


def _delta_power(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    written = f"{claim.lhs_latex} = {claim.rhs_latex}"
    if _DELTA_POWER.search(written):
        return (
            "\\Delta x^n may mean (\\Delta x)^n, the power of the step, and was read as "
            "\\Delta times x^n; write (\\Delta x)^n or define the step with `derive: define`"
        )
    if _DELTA_APPLIED.search(written):
        return (
            "\\Delta(...) may be the change of what it encloses, and was read as \\Delta "
            "times it; define the change with `derive: define` to check it"
        )
    return None


def _rounded_value(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    """``255/90 = 2.833``: wrong as an exact value, right as the rounded one, which is
    what '=' means in much of the prose written with decimals."""
    caveats = outcome.evidence.caveats
    if Caveat.PRINTED_FLOAT in caveats:
        return f"{outcome.evidence.hint}; '=' may mean that value"
    if Caveat.ROUNDED_VALUE in caveats:
        return (
            "the decimal is the value rounded to the digits shown, and '=' may mean that; "
            "write \\approx to check it as a rounded value"
        )
    return None


#: ``3~\frac{3}{4}``: a mixed number (3 3/4) or the product 3 * 3/4.
_MIXED_NUMBER = re.compile(
    r"(?<![\d.])\d+\s*(?:~|\\[,;:! ]|\\quad)?\s*\\[dt]?frac\s*\{\s*\d+\s*\}\s*\{\s*\d+\s*\}"
)
#: ``1/2 (1)(2)``, ``1/2x``, ``a/bc``: is what follows the slash's operand in the
#: denominator or a factor of the product?
_SLASH_JUXTAPOSED = re.compile(
    r"/\s*(?:\d+(?:\.\d+)?|[A-Za-z]|\{[^{}]*\})\s*"  # the slash and its operand
    r"(?:\(|\\left\s*\(|[A-Za-z]|\\(?!cdot|times|right|left|[,;:! ]|quad)[A-Za-z]+)"
)


def _used_by(claim: Claim) -> list[Definition]:
    return used_definitions((claim.lhs, claim.rhs), {d.name: d for d in claim.definitions})


def _mixed_number(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    # in the claim, or in a definition it uses (d_1 = 3~\frac{3}{4})
    written = [f"{claim.lhs_latex} = {claim.rhs_latex}", *(d.latex for d in _used_by(claim))]
    if any(_MIXED_NUMBER.search(text) for text in written):
        return (
            "a whole number before a fraction may be a mixed number (3 3/4) and was read as a "
            "product; write 3 + \\frac{3}{4} or 3 \\cdot \\frac{3}{4}"
        )
    return None


def _slash_juxtaposed(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    if _SLASH_JUXTAPOSED.search(f"{claim.lhs_latex} = {claim.rhs_latex}"):
        return (
            "a/b c may mean (a/b) c or a/(b c); add brackets or use \\frac to say which"
        )
    return None


def _parameter(letter: str) -> str:
    return "t" if letter != "t" else "s"


def _square_bracket_call(claim: Claim, outcome: Outcome, settings: VerifySettings
                         ) -> str | None:
    """``f[x_0]`` is read as the call f(x_0), but square brackets often mean something
    else: Newton's divided difference, a functional, an operator's argument."""
    calls = {
        type(call).__name__ for side in (claim.lhs, claim.rhs) if side is not None
        for call in side.atoms(AppliedUndef)
    }
    for letter in _SQUARE_CALL.findall(f"{claim.lhs_latex} = {claim.rhs_latex}"):
        if letter in calls:
            return (
                f"{letter}[...] was read as the call {letter}(...), but square brackets may "
                f"mean a divided difference or a functional; write {letter}(...) if a call "
                "is meant"
            )
    return None


def _implicit_dependence(claim: Claim, outcome: Outcome, settings: VerifySettings
                         ) -> str | None:
    r"""``\frac{d}{dx} \log(X + iY)`` with X, Y not written in x: read as constants, the
    derivative is 0, though the author may mean functions of x (polynomials named X, Y)."""
    for side in (claim.lhs, claim.rhs):
        if side is None:
            continue
        for derivative in side.atoms(sp.Derivative):
            body = derivative.expr
            variables = {v for v in derivative.variables if isinstance(v, sp.Symbol)}
            if body.free_symbols & variables:
                continue  # written in the variable (d/du u^{-1} with u a placeholder)
            with contextlib.suppress(DefinitionError):
                body = substitute_definitions(body, claim.definitions)
            names = {s for s in body.free_symbols if isinstance(s, sp.Symbol)}
            others = sorted(display_name(s.name) for s in names - variables)
            if variables and not names & variables and others:
                shown = ", ".join(others)
                wrt = ", ".join(sorted(display_name(v.name) for v in variables))
                return (
                    f"the derivative in {wrt} is of an expression in {shown} only, read as "
                    f"constants; if they depend on {wrt}, define them "
                    f"(`derive: define {others[0]} = ...`)"
                )
    return None


def _vector_product(claim: Claim, outcome: Outcome, settings: VerifySettings) -> str | None:
    if _VECTOR_PRODUCT.search(f"{claim.lhs_latex} = {claim.rhs_latex}"):
        return "cross or dot products of vectors were read as products of numbers"
    return None


def _redefined_function(claim: Claim, outcome: Outcome, settings: VerifySettings
                        ) -> str | None:
    """``f(r) = ...`` in a document that defines f anew for several examples: this row may
    be one more definition (an equivalent form, the next example) rather than a claim."""
    if claim.rebinding is None or claim.claimed:
        return None
    shown, where = claim.rebinding
    return (
        f"the document defines {shown} anew for several examples (here the one at "
        f"{_place(where)}); this row may define it again; if it is a claim about that "
        f"{shown}, mark it with a directive `derive: claim`"
    )


def _applied_placeholder(claim: Claim, outcome: Outcome, settings: VerifySettings
                         ) -> str | None:
    """``u(0)`` for a placeholder ``u = x^2``, or for a letter that is no function here
    (``\\int_{u(0)}^{u(2)}``): u evaluated at 0, read as the product u*0."""
    written = f"{claim.lhs_latex} = {claim.rhs_latex}"
    calls = {
        type(call).__name__ for side in (claim.lhs, claim.rhs) if side is not None
        for call in side.atoms(AppliedUndef)
    } | {d.name for d in claim.definitions if d.params}
    for letter in _LETTER_AT_NUMBER.findall(written):
        if letter not in calls:
            return (
                f"{letter}(...) may be {letter} evaluated at a point, and was read as a "
                f"product; define {letter} as a function ({letter}({_parameter(letter)}) = ...) "
                "to check it"
            )
    for definition in claim.definitions:
        if definition.params:
            continue
        shown = display_name(definition.name)
        before = "" if shown.startswith("\\") else r"(?<![A-Za-z\\_])"
        if re.search(before + re.escape(shown) + r"\s*(?:\\left)?\s*\(", written):
            return (
                f"{shown}(...) may be {shown} evaluated at a point, and was read as a product; "
                f"define it as a function ({shown}(x) = ...) to check it"
            )
    return None


#: In order: the first rule that doubts the reading declines the refutation.
DOUBT_RULES: tuple[DoubtRule, ...] = (
    DoubtRule("DRV-D00", "statement-role", _statement_role),
    DoubtRule("DRV-D01", "ambiguous-notation", _ambiguous_notation),
    DoubtRule("DRV-D02", "index-notation", _index_notation),
    DoubtRule("DRV-D03", "substituted-values", _substituted_values),
    DoubtRule("DRV-D04", "no-shared-variable", _no_shared_variable),
    DoubtRule("DRV-D05", "unstated-domain", _unstated_domain),
    DoubtRule("DRV-D06", "undefined-function-in-limit", _undefined_in_limit,
              proofs_too=True),
    DoubtRule("DRV-D08", "remote-definition", _remote_definition, proofs_too=True),
    DoubtRule("DRV-D09", "one-sided-names", _one_sided_names),
    DoubtRule("DRV-D10", "delta-power", _delta_power, proofs_too=True),
    DoubtRule("DRV-D11", "vector-product", _vector_product, proofs_too=True),
    DoubtRule("DRV-D12", "redefined-function", _redefined_function, proofs_too=True),
    DoubtRule("DRV-D13", "applied-placeholder", _applied_placeholder, proofs_too=True),
    DoubtRule("DRV-D14", "square-bracket-call", _square_bracket_call, proofs_too=True),
    DoubtRule("DRV-D15", "implicit-dependence", _implicit_dependence, proofs_too=True),
    DoubtRule("DRV-D16", "rounded-value", _rounded_value),
    DoubtRule("DRV-D17", "mixed-number", _mixed_number, proofs_too=True),
    DoubtRule("DRV-D18", "slash-juxtaposition", _slash_juxtaposed, proofs_too=True),
    DoubtRule("DRV-D07", "log-base", _log_base),  # last: it verifies again
)


def first_doubt(
    claim: Claim, outcome: Outcome, settings: VerifySettings, *, proof: bool = False
) -> tuple[DoubtRule, str] | None:
    """The first rule that doubts this refutation's (``proof``: this proof's) reading,
    with its reason."""
    for rule in DOUBT_RULES:
        if proof and not rule.proofs_too:
            continue
        reason = rule.test(claim, outcome, settings)
        if reason is not None:
            return rule, reason
    return None
