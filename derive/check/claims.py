"""Rows of math blocks -> claims to verify, plus findings that need no verification.

Rules (documented for authors in docs/check-json-schema.md, "How claims are read"):

* A chain ``a = b = c`` gives the steps (a, b) and (b, c).  A row whose left side is
  empty continues the previous row of the same block: its first step starts from
  the previous row's last right side.
* Definitions.  The FIRST relation of a row that does not continue a chain is a
  definition when its relation is ``=`` and its left side is either
  - a call ``name(x, y)`` of a name that is not yet defined and is not a known
    function, with distinct symbols as arguments, and a body that does not use the
    name itself (``\\sigma(x) = \\frac{1}{1+e^{-x}}``), or
  - a bare symbol never seen before in the file and not used in its own body
    (``L_i = -\\log(...)``, ``u = 1 + e^{-x}``).
  The rest of the row (``y = a = b`` -> the step (a, b)) is verified with the
  definition in scope.  A definition applies to the rest of the file: later rows and
  later blocks.  Where-clauses (``\\quad u = 1+e^{-x}``), ``derive: define``
  directives and configured definitions always define (they may redefine a name);
  where-clauses apply from their own row on.  A reason naming a substitution
  (``&& \\text{chain rule, } u = 1+e^{-x}``) carries a where-clause too (see where_clauses.py).
  Definitions are recorded as findings of
  kind DEFINITION with verdict None and severity "info": not verified, not counted as
  claims or warnings.
* A one-relation row that is neither a definition nor part of a chain is an IDENTITY.
  A side that is a plain number as written (``0.5``, ``2.718...``) opposite a
  number-valued expression makes a VALUE claim (CONSTANT when the expression uses no
  function or symbol of the document, e.g. ``e`` or ``\\pi``).  A step with a limit on
  exactly one side is a LIMIT claim.
* A name whose definition could not be read is "opaque": claims using it are
  undecided (never refuted or proved from a misreading).
* Roles (roles.py).  The prose right before a block says what its standalone relations
  are: a condition or case ("if", "when", "suppose", "at"), an example value ("e.g."), a
  definition ("let", "where"), an equation to solve, a model equation or a constraint
  ("solve", "subject to", "satisfies"), an approximation ("to first order").  Such a
  relation is never a definition unless the prose defines ("let", "where"), and a
  refutation of it becomes unknown with the doubt named (``Claim.doubt``).  So are the
  sides of ``\\implies``/``\\Rightarrow``/``\\iff``, relations between differentials
  (``dy = 2x\\,dx``) and ``x = 3`` for a variable ``x`` (a value or a solution).  A
  cited equation (``(3.2)``, ``\\eqref{..}``) as a side is not checked.  A
  ``derive: claim`` directive before a block makes its relations assertions again.
* Inline math is prose: its relations are context (conditions, examples, definitions)
  unless closed (no free variable once definitions are unfolded), asserted by the
  sentence ("we have", "so", "hence", "using" ...), a worked-out operation
  (``$\\frac{d}{dx} x^3 = 3x^2$``) or a restated definition (``$\\sigma(x) = ...$``).
  A condition stated in prose ("when $c = 2$") makes a later refutation of a claim that
  uses ``c``, in the same section, unknown when the claim holds under it.
* Scope (scope.py).  Definitions hold to the end of their section (Markdown headings,
  LaTeX ``\\section``..., rst underlines); a function's definition stays in force but
  may be redefined in a later section, under a deeper heading or after a thematic break
  (``---``): a row ``f(x) = ...`` with another body there is a new example's f.  So may a
  function given in prose (``the function $f(x) = 1/x^2$``) by a later inline
  ``$f(x) = ...$``.  A refutation that rests on a definition from under another heading
  (of a name defined more than once, or of one letter) is doubted (doubts.py).
  ``P(\\Omega) = 1`` with a capital argument and a body without it defines nothing.
  ``n_{t+1} = ...`` defines ``n`` at every index (indexed.py).  A definition that would
  close a cycle is refused with one finding.
* Chains of equations (equations.py).  Consecutive standalone equations on their own
  rows of one block know their neighbours (``Claim.premise``/``successor``): a row is
  judged by whether it follows from the one before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.check.indexed import Family, member_definitions, split_indexed
from derive.check.prose import Heading, NotebookIndex, SourceIndex, headings, lead_in
from derive.check.roles import (
    Reading,
    Role,
    doubt_for,
    is_citation,
    is_differential,
    role_of,
)
from derive.check.rows import Piece, Relation, Row, split_rows
from derive.check.scope import FILE_LEVEL, Condition, Scope
from derive.definitions import (
    DefinitionCycle,
    DefinitionError,
    definition_cycle,
    names_used,
    substitute_definitions,
    used_definitions,
)
from derive.model import ClaimKind, Definition, Finding, Location, MathBlock, Verdict
from derive.parse import (
    LatexParseError,
    ParseOptions,
    display_name,
    function_name,
    names_the_unit,
    parse_latex_expr,
    uses_complex_numbers,
)

SUPPORTED_RELATIONS = ("=", "\\approx")
#: Largest tree the reader builds to see which names a claim stands for (nodes, unfolded).
UNFOLD_NODES = 5_000

# A number as the author wrote it, possibly truncated with dots: 0.5, -4, 2.718..., 2.71\ldots
_NUMBER = re.compile(
    r"^(?P<number>[+-]?\d+(?:\.\d+)?)\s*(?P<dots>\.{2,3}|\\[lc]?dots|\\ldots\{\})?"
    r"\s*(?P<percent>\\%)?$"
)
_SPACING = re.compile(r"\\[,;:! ]|~|\\q?quad\b")
# name(args) with a plain head: \sigma, f, \operatorname{softplus}, \mathrm{relu}, g_1
_CALL = re.compile(
    r"^(?P<head>\\(?:operatorname|mathrm|text|mathit)\{[A-Za-z]+\}|\\[A-Za-z]+|[A-Za-z])"
    r"(?P<sub>_\{?[A-Za-z0-9]+\}?)?\s*(?:\\left\s*)?\((?P<args>[^()]*)(?:\\right\s*)?\)$"
)
_OUT_OF_SCOPE = "out of scope"
#: Markdown ``\\[..\\]`` is also CommonMark's escaped bracket (``d/dx\\[...\\]`` in prose):
#: without a relation such a block may be no math at all, so it is not read.
_ESCAPED_BRACKETS = frozenset({"markdown-brackets"})


@dataclass(frozen=True)
class Claim:
    """One relation to verify, with everything the verifier needs."""

    kind: ClaimKind
    location: Location
    lhs_latex: str  # as written, stripped
    rhs_latex: str
    relation: str  # "=" or "\\approx"
    lhs: sp.Expr | None  # parsed; None only for a truncated decimal like 2.718...
    rhs: sp.Expr | None
    reason: str = ""
    label: str = ""
    definitions: tuple[Definition, ...] = ()
    assumptions: tuple[sp.Basic, ...] = ()
    written: str = ""  # the number as the author wrote it ("2.718...") for VALUE/CONSTANT
    written_side: str = ""  # "lhs" | "rhs": where ``written`` stands
    decimal_mode: str = ""  # "prefix" | "rounded" | "exact"; "" = compare expressions
    ambiguities: tuple[str, ...] = ()  # readings that make a refutation unsafe
    lhs_location: Location | None = None  # where the left side starts
    #: The step before this one in the same chain (its right side is this left side),
    #: when both are plain ``=`` steps: if both are refuted, ``previous.lhs = rhs`` may
    #: still hold, and the report says this step undoes the error.
    previous: Claim | None = None
    #: What the relation is (see roles.py): only ASSERTED claims can be refuted.
    role: Role = Role.ASSERTED
    #: Why a counterexample says nothing about the document (a context role, a prose
    #: condition in scope), naming the directive that settles it; "" when none.
    doubt: str = ""
    #: In a block of standalone equations: the row before this one (an equation that
    #: this row may transform) and the row after it; see equations.py.
    premise: Claim | None = None
    successor: Claim | None = None
    #: Conditions the prose states in this section about names the claim uses ("when
    #: $c = 2$"): a refutation that holds under one of them is unknown (equations.py).
    conditions: tuple[Condition, ...] = ()
    #: Definitions the claim uses (directly or through other definitions) that were made
    #: under another heading or before a thematic break, of names the document defines
    #: more than once: (name, left side as written, where).  The document may mean
    #: another function there (a new example's f): see doubts.py.
    remote_definitions: tuple[tuple[str, str, Location], ...] = ()
    #: A ``derive: claim`` directive asserts it: every value of its variables is meant.
    claimed: bool = False
    #: ``f(x) = ...`` for a function the document defines anew in several examples:
    #: the definition in force (left side as written, where); this row may be another.
    rebinding: tuple[str, Location] | None = None


@dataclass(frozen=True)
class Side:
    """A relation side: where it is, what it says, and how it parsed."""

    latex: str  # what is read: the document's macros expanded
    offset: int  # offset of latex[0] in the block text
    expr: sp.Expr | None
    number: str = ""  # the side is a plain number as written ("0.5", "2.718...")
    truncated: bool = False  # written with trailing dots
    failed: bool = False  # could not be parsed (a finding was emitted)
    ambiguities: tuple[str, ...] = ()
    written: str = ""  # what is shown: the side as the author wrote it (macros unexpanded)


Item = Claim | Finding


def _strip(piece: Piece) -> tuple[str, int]:
    """The piece's text without surrounding blanks, and the offset of its first character."""
    text = piece.text
    lead = len(text) - len(text.lstrip())
    return text.strip(), piece.offset + lead


def as_written(block: MathBlock, start: int, latex: str) -> str:
    """``latex`` (the block's text from ``start``) as the author wrote it, macros unexpanded.

    The side runs in the source from its first character's origin up to the origin of
    the character after it (a macro's expansion maps to the macro's backslash, so the
    invocation and its arguments are included).  A side that ends inside an expansion
    (``\\newcommand{\\eq}{= 2}``) has no span of its own: it is shown as read.
    """
    index = block.written_index
    end = start + len(latex)
    if not index or not latex or start < 0 or end > len(index):
        return latex
    inside = index[start:end]
    if all(later == earlier + 1 for earlier, later in zip(inside, inside[1:], strict=False)):
        return latex  # no macro expanded in this side: it reads as written
    stop = index[end] if end < len(index) else len(block.written)
    first = min(inside)
    if stop <= max(inside):
        return latex
    return block.written[first:stop].strip() or latex


def written_number(latex: str) -> tuple[str, bool] | None:
    """``("2.718...", True)`` when ``latex`` is a plain number as written, else None.

    A percentage is the same number written in hundredths: ``98.2\\%`` gives ``0.982``
    (its digits shift; the places it states stay stated).
    """
    compact = _SPACING.sub("", latex).strip()
    match = _NUMBER.match(compact)
    if match is None:
        return None
    dots = match.group("dots") or ""
    if match.group("percent"):
        hundredths = format(Decimal(match.group("number")).scaleb(-2), "f")
        return hundredths + dots, bool(dots)
    return compact, bool(dots)


def decimal_places(number: str) -> int:
    digits = re.match(r"[+-]?\d+(?:\.(\d+))?", number)
    return len(digits.group(1) or "") if digits else 0


_WORD = re.compile(r"[A-Za-z]{2,}")
_LETTER = re.compile(r"[A-Za-z]")
_HEAD = re.compile(r"\\[A-Za-z]+|[A-Za-z]")


def _could_be_function(latex: str, offset: int) -> bool:
    """Whether the name at ``offset`` (before a parenthesis) may well be a function.

    ``\\sigma(w x + b)`` may be; a single letter like ``x(x+1)`` or ``b(x+h)`` is read as
    a product (the parser already takes f, g, h as functions), so a refutation stands.
    """
    head = _HEAD.match(latex, max(offset, 0))
    # P(A), Q(S), E(X): a capital letter before parentheses is how events, sets and
    # expectations are written
    if head is None or len(head.group()) > 1 or head.group().isupper():
        return True
    # q(x), p(t_0): one variable alone in the brackets is how a call is written; the
    # product would be written qx
    return _ONE_ARGUMENT.match(latex, head.end()) is not None


_ONE_ARGUMENT = re.compile(
    r"\s*(?:\\left\s*)?\(\s*[A-Za-z](?:_\{?\w+\}?)?\s*(?:\\right\s*)?\)"
)


def _rescope_limit(expr: sp.Expr) -> sp.Expr:
    """``\\lim_{h\\to 0} 2bx + bh`` means the limit of the whole sum.

    When a limit's variable also appears outside the limit in the same sum or product,
    the parser's reading (limit of the first term only) leaves ``h`` dangling; the
    author meant the limit to cover the whole side.
    """
    if not isinstance(expr, sp.Add | sp.Mul):
        return expr
    limits = [a for a in expr.args if isinstance(a, sp.Limit)]
    if len(limits) != 1:
        return expr
    limit = limits[0]
    body, variable, point, direction = limit.args
    rest = [a for a in expr.args if a is not limit]
    if not any(variable in a.free_symbols for a in rest):
        return expr
    return sp.Limit(expr.func(body, *rest), variable, point, str(direction))


#: Operations whose result an inline relation states (it asserts, it does not set a value).
_OPERATIONS = (sp.Derivative, sp.Limit, sp.Integral, sp.Sum, sp.Product, sp.Subs)


def _limit_count(*exprs: sp.Expr | None) -> int:
    return sum(isinstance(e, sp.Limit) for e in exprs)


class ClaimBuilder:
    """Walks a file's blocks in order, keeping definitions and assumptions in scope."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.definitions: dict[str, Definition] = {}
        #: where each definition in force was stated, and its left side as written
        self.definition_sites: dict[str, tuple[str, Location]] = {}
        self.definition_counts: dict[str, int] = {}  # definitions of each name in the file
        #: the order in which the definitions in force were made (a larger number: later)
        self._definition_order: dict[str, int] = {}
        self._definitions_made = 0
        #: functions defined in prose ("the function $f(x) = 1/x^2$ is integrable"): where
        self.prose_functions: dict[str, Location] = {}
        #: values given in prose ("the asymptotes are $y = \\pi/2$ and ..."): where
        self.prose_values: dict[str, Location] = {}
        self.functions: set[str] = set()
        self.opaque: set[str] = set()  # names whose definitions could not be read
        #: opaque names whose definition ended without a readable one in its place: why
        self.voided: dict[str, str] = {}
        self.scope = Scope()  # sections: where definitions, names in use and conditions hold
        self.families: dict[str, Family] = {}  # index-shifted definitions, by name
        self.variables: set[str] = set()  # single letters used as plain symbols in the file
        self.product_lints: list[tuple[Finding, str]] = []  # DRV005 findings and their name
        self.assumptions: list[sp.Basic] = []
        self.euler_e = True
        #: the letter read as the imaginary unit (set when the document uses complex numbers)
        self.imaginary_unit: str | None = None
        #: the letter that would be the imaginary unit, were the document about complex numbers
        self.unit_letter = "i"
        self.items: list[Item] = []
        #: the claim whose right side is a side (by the side's id) in the current block
        self._chain_ends: dict[int, tuple[Side, Claim]] = {}
        #: what the prose says the current block is, and whether a directive asserts it
        self._reading: Reading | None = None
        self._asserted_by_directive = False
        self._file_wide = False  # definitions from directives and configuration
        self._equation_run: list[int] = []  # items of consecutive standalone equations
        self._equation_line = 0  # line of the last row with a relation

    @property
    def seen(self) -> set[str]:
        """Names used so far in the current section (and the sections around it)."""
        return set(self.scope.seen_levels)

    # -- scope ------------------------------------------------------------

    def options(self, extra_function: str | None = None) -> ParseOptions:
        functions = set(self.functions)
        if extra_function:
            functions.add(extra_function)
        return ParseOptions(functions=frozenset(functions), euler_e=self.euler_e,
                            variables=self.letter_variables(),
                            imaginary_unit=self.imaginary_unit)

    def enter_section(self, level: int) -> None:
        """A heading: named values of the closed sections end, functions become redefinable."""
        closed = self.scope.enter(level, self.functions)
        for name in closed.dropped:
            self.definitions.pop(name, None)
            self.families.pop(name, None)
            self.opaque.discard(name)
            if name == "e":
                self.euler_e = True  # `e` is Euler's number again

    def _record(self, definition: Definition, where: Location | None = None) -> None:
        cycle = definition_cycle(definition, self.definitions)
        if cycle:
            raise DefinitionCycle(cycle)
        if (
            definition.params and definition.name in self.definitions and not self._file_wide
            and where is not None
        ):
            self._end_example(definition.name, where)
        self.scope.define(definition.name, whole_file=self._file_wide)
        self._definitions_made += 1
        self._definition_order[definition.name] = self._definitions_made
        self.definitions[definition.name] = definition
        family = Family.of(definition)
        if family is not None:
            self.families[definition.name] = family  # n_{t+1} = ...: every index
        self.opaque.discard(definition.name)
        self.voided.pop(definition.name, None)
        if definition.params:
            self.functions.add(definition.name)
        if definition.name == "e" and not definition.params:
            self.euler_e = False  # the document gave `e` another meaning

    def _determined(self, left: Side, right: Side) -> frozenset[str]:
        """The names that stand on one side only once definitions are unfolded: the
        relation determines them (an equation, a requirement), it is no identity in them."""
        if left.expr is None or right.expr is None:
            return frozenset()
        if left.expr.has(*_OPERATIONS) or right.expr.has(*_OPERATIONS):
            return frozenset()  # d/dx x^2 = 2x: worked out, not an equation
        names = [
            {s.name for s in self._unfolded(side)}
            for side in (left.expr, right.expr)
        ]
        return frozenset(names[0] ^ names[1])

    def _unfolded(self, expr: sp.Expr) -> set[sp.Symbol]:
        """The symbols ``expr`` stands for once the definitions in force are unfolded
        (``u^{-1}`` with u = 1 + e^{-x}: x; ``a + b`` with a = x_1 - x_0, b = x_2 - x_1:
        x_0, x_2, since x_1 cancels).  Substituted when the unfolded tree stays small;
        nested definitions can double it with each level, and then names are followed."""
        if self._unfolded_size(expr) <= UNFOLD_NODES:
            try:
                unfolded = substitute_definitions(expr, tuple(self.definitions.values()))
                return {s for s in unfolded.free_symbols if isinstance(s, sp.Symbol)}
            except (DefinitionError, ValueError, TypeError):  # d/dx for a defined x
                pass
        return self._followed_names(expr)

    def _unfolded_size(self, expr: sp.Expr) -> int:
        """Nodes of ``expr`` with the definitions in force unfolded, counted (never built)
        up to just past ``UNFOLD_NODES``."""
        sizes: dict[str, int] = {}

        def size(tree: sp.Basic) -> int:
            total = 0
            for node in sp.preorder_traversal(tree):
                total += 1
                name = node.func.__name__ if isinstance(node, AppliedUndef) else (
                    node.name if isinstance(node, sp.Symbol) else "")
                definition = self.definitions.get(name) if name else None
                if definition is not None:
                    if name not in sizes:
                        sizes[name] = UNFOLD_NODES + 1  # while it is being counted
                        sizes[name] = size(definition.body)
                    total += sizes[name]
                if total > UNFOLD_NODES:
                    return UNFOLD_NODES + 1
            return total

        return size(expr)

    def _followed_names(self, expr: sp.Expr) -> set[sp.Symbol]:
        """The symbols of ``expr`` and of the definitions it uses, but the names defined."""
        found = {s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
        for definition in used_definitions([expr], self.definitions):
            params = set(definition.params)
            found |= {
                s for s in definition.body.free_symbols
                if isinstance(s, sp.Symbol) and s not in params
            }
        values = {name for name, d in self.definitions.items() if not d.params}
        return {s for s in found if s.name not in values}

    def _forget(self, name: str, why: str) -> None:
        """``name``'s definition no longer holds, and nothing derive can read replaces it."""
        self.voided[name] = why
        self.definitions.pop(name, None)
        self.families.pop(name, None)
        self.definition_sites.pop(name, None)
        self._definition_order.pop(name, None)
        self.opaque.add(name)

    def _end_example(self, name: str, where: Location) -> None:
        """``f`` defined anew starts another example: what was defined since the old ``f``
        (its antiderivative F, a g built from it) belonged to the old example and ends --
        unless it was stated on the same line ("with $u(x) = x^3$ and $v(x) = ...$")."""
        since = self._definition_order.get(name, 0)
        for other, order in list(self._definition_order.items()):
            if other == name or order <= since or self.scope.definition_levels.get(
                other) == FILE_LEVEL:
                continue
            site = self.definition_sites.get(other)
            if site is not None and (site[1].cell, site[1].line) == (where.cell, where.line):
                continue
            self._forget(other, f"it belonged to the example of an earlier "
                                f"{display_name(name)}, which the document has since "
                                "defined anew")

    def add_assumption(self, latex: str, location: Location) -> None:
        """``x > 0`` from an ``assume`` directive: a relational over parsed sides."""
        ops: list[tuple[str, type[sp.Basic]]] = [
            (r"\geq", sp.GreaterThan), (r"\ge", sp.GreaterThan), (">=", sp.GreaterThan),
            (r"\leq", sp.LessThan), (r"\le", sp.LessThan), ("<=", sp.LessThan),
            (r"\neq", sp.Unequality), (r"\ne", sp.Unequality),
            (">", sp.StrictGreaterThan), ("<", sp.StrictLessThan),
        ]
        for token, relational in ops:
            left, sep, right = latex.partition(token)
            if not sep:
                continue
            try:
                lhs = parse_latex_expr(left.strip(), self.options()).expr
                rhs = parse_latex_expr(right.strip(), self.options()).expr
            except LatexParseError as error:
                self.items.append(self._problem(location, f"assumption: {error.message}", None))
                return
            built = relational(lhs, rhs)
            if isinstance(built, sp.Rel):
                self.assumptions.append(built)
            return
        self.items.append(
            self._problem(location, f"cannot read assumption {latex!r}: no relation", None)
        )

    def add_definition_latex(self, latex: str, location: Location, *, report: bool) -> None:
        """A definition from a directive or the configuration: ``\\sigma(x) = ...``."""
        block = MathBlock(path=self.path, text=latex, start=location, syntax="directive")
        self._file_wide = True
        try:
            self._add_definition_rows(block, latex, location, report=report)
        finally:
            self._file_wide = False

    def _add_definition_rows(self, block: MathBlock, latex: str, location: Location, *,
                             report: bool) -> None:
        for row in split_rows(block):
            for name_piece, body_piece in row.where:
                if self._define(block, name_piece, body_piece, force=True,
                                report=report) is None:
                    self.items.append(self._problem(
                        location, f"not a definition: {name_piece.text.strip()!r} is not a "
                        "name or a call like f(x)", None,
                    ))
            if not row.relations or row.relations[0].op != "=":
                self.items.append(self._problem(
                    location, f"not a definition: {latex!r} (expected name = expression)", None,
                ))
                continue
            body = self._define(block, row.lhs, row.relations[0].rhs, force=True, report=report)
            if body is None:
                self.items.append(self._problem(
                    location, f"not a definition: {latex!r} (the left side must be a name "
                    "or a call like f(x))", None,
                ))

    # -- findings ---------------------------------------------------------

    def _problem(self, location: Location, message: str, kind: ClaimKind | None) -> Finding:
        return Finding(
            location=location, kind=kind, verdict=Verdict.ERROR, message=message,
            rule_id="DRV002", severity="error",
        )

    def _parse_failure(
        self, block: MathBlock, latex: str, offset: int, error: LatexParseError,
        kind: ClaimKind | None, written: str,
    ) -> Finding:
        position = offset + min(max(error.offset, 0), max(len(latex) - 1, 0))
        location = block.location_of(position)
        if error.message.startswith(_OUT_OF_SCOPE):
            return Finding(
                location=location, kind=kind, verdict=Verdict.UNKNOWN,
                message=f"not checked: {error.message}", lhs=written, rule_id="DRV006",
                severity="warning",
            )
        return Finding(
            location=location, kind=kind, verdict=Verdict.ERROR,
            message=f"cannot read math: {error.message}", lhs=written, rule_id="DRV002",
            severity="error",
        )

    # -- parsing ----------------------------------------------------------

    def _parse_side(
        self, block: MathBlock, piece: Piece, kind: ClaimKind | None,
        extra_function: str | None = None,
    ) -> Side:
        latex, offset = _strip(piece)
        written = as_written(block, offset, latex)
        number = written_number(latex)
        if number is not None and number[1]:
            # 2.718...: kept as written; its value is only known to the digits shown
            return Side(latex, offset, None, number=number[0], truncated=True, written=written)
        if not latex:
            self.items.append(self._problem(
                block.location_of(piece.offset), "cannot read math: empty side of a relation",
                kind,
            ))
            return Side(latex, offset, None, failed=True)
        try:
            parsed = parse_latex_expr(latex, self.options(extra_function))
        except LatexParseError as error:
            self.items.append(self._parse_failure(block, latex, offset, error, kind, written))
            return Side(latex, offset, None, failed=True, written=written)
        # single letters only (all letter_variables reads): a set of every name made each
        # parse cost time in the file's distinct names (quadratic for x_{0} ... x_{9999})
        self.variables |= {name for name in parsed.variables if _LETTER.fullmatch(name)}
        ambiguities: list[str] = []
        for issue in parsed.issues:
            position = offset + min(max(issue.offset, 0), max(len(latex) - 1, 0))
            lint = Finding(
                location=block.location_of(position), kind=None, verdict=None,
                message=issue.message, lhs=written, rule_id=issue.rule_id, severity="warning",
            )
            self.items.append(lint)
            if issue.rule_id == "DRV005":
                self.product_lints.append((lint, issue.subject))
            if issue.rule_id == "DRV005" and _could_be_function(latex, issue.offset):
                ambiguities.append(issue.message)
        if self.imaginary_unit is None and sp.Symbol(self.unit_letter) in parsed.expr.free_symbols:
            letter = self.unit_letter
            ambiguities.append(
                f"{letter} may be the imaginary unit (if it is, state {letter}^2 = -1 in the "
                f"document and set imaginary-unit = \"{letter}\" in [tool.derive], or "
                f"--imaginary-unit {letter})"
                if letter == "j" else
                f"{letter} may be the imaginary unit (if it is, state {letter}^2 = -1 in the "
                "document)"
            )
        return Side(
            latex, offset, _rescope_limit(parsed.expr), number=number[0] if number else "",
            ambiguities=tuple(ambiguities), written=written,
        )

    def _see(self, side: Side) -> None:
        if side.expr is not None:
            self.scope.see(names_used(side.expr))

    def letter_variables(self) -> frozenset[str]:
        """Single letters the document uses as plain variables: ``x(x^2+1)`` is then a
        product.  A Greek name such as ``\\sigma`` may be a variable in one place and a
        function in another, so it stays doubtful."""
        return frozenset(
            name for name in self.variables - self.functions if _LETTER.fullmatch(name)
        )

    def drop_clear_products(self) -> None:
        """Drop DRV005 lints about letters the document uses as plain variables somewhere,
        also after the lint (no doubt was raised for a single letter, see _could_be_function)."""
        letters = self.letter_variables()
        clear = {id(lint) for lint, name in self.product_lints if name in letters}
        if clear:
            self.items = [item for item in self.items if id(item) not in clear]

    # -- definitions ------------------------------------------------------

    def _define(
        self, block: MathBlock, name_piece: Piece, body_piece: Piece, *, force: bool,
        report: bool = True,
    ) -> Side | None:
        """Record ``name = body`` if the left side has a definition's form.

        Returns the parsed body (possibly failed), or None when the left side is not
        a definable name (then nothing was recorded and nothing emitted).
        """
        latex, offset = _strip(name_piece)
        shown = as_written(block, offset, latex)
        head = self._definable(latex, force=force, block=block)
        if head is None:
            return None
        name, params, is_function = head
        before = len(self.items)
        body = self._parse_side(
            block, body_piece, ClaimKind.DEFINITION, extra_function=name if is_function else None,
        )
        if body.failed or body.expr is None:
            self.opaque.add(name)
            if is_function:
                self.functions.add(name)
            return body
        if not force and (
            name in names_used(body.expr)  # recursive: an equation, not a definition
            or self._restates(name, params, body.expr)
            # f(x_{k+1}) = 0 for a function defined before: a condition on it, no new f
            or (name in self.definitions and params
                and not set(params) & body.expr.free_symbols)
            # P(\Omega) = 1, Q(S) = 1: a statement about one set or event, not a function
            or (params and not set(params) & body.expr.free_symbols
                and all(p.name[:1].isupper() for p in params))
        ):
            del self.items[before:]  # the side is read again as a claim's side
            old = self.definitions.get(name)
            if (
                old is not None and params and old.params == params
                and not set(params) & self._unfolded(body.expr)
                and self.scope.definition_levels.get(name) != FILE_LEVEL
            ):
                # f(x) = 1/(b-a) "for a <= x <= b" after another f(x): a new example's f
                # that is constant somewhere; the old f no longer holds, the new is no
                # definition derive can use
                self._forget(name, f"{shown} is given another value at line "
                             f"{block.location_of(offset).line}, for some x only")
            return None
        try:
            self._record(Definition(name=name, params=params, body=body.expr,
                                    latex=f"{shown} = {body.written}"),
                         block.location_of(offset))
            self.definition_sites[name] = (shown, block.location_of(offset))
            self.definition_counts[name] = self.definition_counts.get(name, 0) + 1
            if block.inline and params:
                self.prose_functions[name] = block.start
            else:
                self.prose_functions.pop(name, None)
            if block.inline and not params:
                self.prose_values[name] = block.start
            else:
                self.prose_values.pop(name, None)
        except DefinitionCycle as cycle:
            self.items.append(Finding(
                location=block.location_of(offset), kind=ClaimKind.DEFINITION,
                verdict=Verdict.UNKNOWN, message=f"not used as a definition: {shown} = "
                f"{body.written} would make the definitions cyclic ({cycle}); the earlier "
                "definitions stay in force", lhs=shown, rhs=body.written, rule_id="DRV006",
                severity="warning",
            ))
            return body
        self._see(body)
        self.scope.see({name} | {p.name for p in params})
        if report:
            self.items.append(Finding(
                location=block.location_of(offset), kind=ClaimKind.DEFINITION, verdict=None,
                message=f"definition of {shown}",
                lhs=shown, rhs=body.written, relation="=", severity="info",
            ))
        return body

    def _prose_example(self, name: str | None, block: MathBlock | None) -> bool:
        """A function given in prose is that sentence's example: a later ``$f(x) = ...$``
        with another body gives the next example's f ("a function $f(x) = x^5 \\sin(x)$
        ... the derivatives of $f(x) = x^5$ and $g(x) = \\sin(x)$")."""
        if name is None or block is None or not block.inline:
            return False
        where = self.prose_functions.get(name)
        return where is not None and where != block.start

    def _rebinding(self, piece: Piece) -> tuple[str, Location] | None:
        """Where ``f`` was last defined, when ``piece`` is ``f(x, ...)`` (distinct symbols)
        for a function the document has already defined more than once."""
        latex = _strip(piece)[0]
        call = _CALL.match(latex)
        if call is None:
            return None
        name = function_name(call.group("head") + (call.group("sub") or ""))
        if name is None or self.definition_counts.get(name, 0) < 2:
            return None
        try:
            parsed = parse_latex_expr(latex, self.options(name)).expr
        except LatexParseError:
            return None
        args = parsed.args if isinstance(parsed, AppliedUndef) else ()
        if not args or not all(isinstance(a, sp.Symbol) for a in args) or len(set(args)) != len(
            args
        ):
            return None
        return self.definition_sites.get(name)

    def _new_example_function(self, piece: Piece, block: MathBlock) -> bool:
        """``f(x)`` of a function defined before a heading passed since, or given in prose
        for another example."""
        call = _CALL.match(_strip(piece)[0])
        if call is None:
            return False
        name = function_name(call.group("head") + (call.group("sub") or ""))
        return name in self.functions and (
            self.scope.under_another_heading(name) or self._prose_example(name, block)
        )

    def _restates(self, name: str, params: tuple[sp.Symbol, ...], body: sp.Expr) -> bool:
        """``f(x) = body`` says again what ``f`` already is: a claim, not a new definition."""
        old = self.definitions.get(name)
        if old is None or len(old.params) != len(params):
            return False
        renamed = old.body.xreplace(dict(zip(old.params, params, strict=True)))
        return bool(renamed == body)

    def _definable(
        self, latex: str, *, force: bool, block: MathBlock | None = None,
    ) -> tuple[str, tuple[sp.Symbol, ...], bool] | None:
        """(name, params, is_function) when ``latex`` may be defined here."""
        if force and latex == "e":
            return "e", (), False
        if _WORD.fullmatch(latex) and not force and latex not in self.definitions:
            return latex, (), False  # `slope = ...`: a word, not a product of letters
        call = _CALL.match(latex)
        if call is not None:
            name = function_name(call.group("head") + (call.group("sub") or ""))
            # defined in a section that has ended, or before a heading passed since (a new
            # example's own f): read as a new definition unless it restates the old one
            redefinable = name in self.scope.stale or (
                name in self.functions and self.scope.under_another_heading(name)
            ) or self._prose_example(name, block)
            if name is None or (name in self.definitions and not force and not redefinable):
                return None
            try:
                parsed = parse_latex_expr(latex, self.options(name)).expr
            except LatexParseError:
                return None
            if not isinstance(parsed, AppliedUndef) or parsed.func.__name__ != name:
                return None
            params = parsed.args
            if not all(isinstance(p, sp.Symbol) for p in params) or len(set(params)) != len(
                params
            ):
                return None
            return name, tuple(p for p in params if isinstance(p, sp.Symbol)), True
        try:
            parsed = parse_latex_expr(latex, self.options()).expr
        except LatexParseError:
            return None
        if not isinstance(parsed, sp.Symbol):
            return None
        if self._another_prose_value(parsed.name, block):
            return parsed.name, (), False
        if not force and (parsed.name in self.definitions or self.scope.seen(parsed.name)
                          or self._in_family(parsed.name)):
            return None
        return parsed.name, (), False

    def _another_prose_value(self, name: str, block: MathBlock | None) -> bool:
        """"The asymptotes are $y = \\pi/2$ and $y = -\\pi/2$": one sentence giving a name
        several values lists them; the second is no claim against the first."""
        where = self.prose_values.get(name)
        return (
            where is not None and block is not None and block.inline
            and (where.cell, where.line) == (block.start.cell, block.start.line)
            and where != block.start
        )

    def _in_family(self, name: str) -> bool:
        """``n_{t}`` once ``n_{t+1} = ...`` is defined: a member, defined already."""
        found = split_indexed(name)
        return found is not None and any(f.base == found[0] for f in self.families.values())

    # -- blocks and rows --------------------------------------------------

    def add_block(
        self, block: MathBlock, reading: Reading | None = None, *, asserted: bool = False,
    ) -> None:
        """Claims of one block.  ``reading`` is what the prose before it says it is;
        ``asserted``: a ``derive: claim`` directive makes every relation an assertion."""
        if block.skip:
            return
        self._reading = reading
        self._asserted_by_directive = asserted
        rows = split_rows(block)
        self._chain_ends = {}  # chains never run across blocks
        self._equation_run = []
        self._equation_line = 0
        previous: Side | None = None
        for index, row in enumerate(rows):
            continued = index + 1 < len(rows) and rows[index + 1].continues
            before = len(self.items)
            previous = self._add_row(block, row, previous, continued)
            self._extend_equation_run(block, before, row, continued)
        self._close_equation_run()

    def _row_reading(self, row: Row, single: bool) -> Reading | None:
        """The role of a row's relations when they are context (None: asserted)."""
        if self._asserted_by_directive:
            return None
        if row.implication:
            return Reading(Role.IMPLICATION, "")
        reading = self._reading
        if single and reading is not None and reading.role is not Role.ASSERTED:
            return reading
        return None

    def _add_row(
        self, block: MathBlock, row: Row, previous: Side | None, continued: bool,
    ) -> Side | None:
        for name_piece, body_piece in row.where:
            if self._define(block, name_piece, body_piece, force=True) is None:
                # not a definable name: never drop it, check it as an equation of its own
                equation = Row(name_piece, (Relation("=", body_piece),), row.reason,
                               row.label, (), False)
                self._add_row(block, equation, None, False)
        relations = list(row.relations)
        if not relations:
            if row.lhs.text.strip() and block.syntax not in _ESCAPED_BRACKETS:
                # display math without a relation: no claim, but lints and errors count;
                # "out of scope" (\prod, matrices) says nothing when nothing is claimed
                before = len(self.items)
                self._parse_side(block, row.lhs, None)
                self.items[before:] = [
                    item for item in self.items[before:]
                    if not (isinstance(item, Finding) and item.verdict is Verdict.UNKNOWN)
                ]
            return previous
        label = row.label or block.label
        single = len(relations) == 1 and not row.continues and not continued
        base = ClaimKind.IDENTITY if single else ClaimKind.STEP
        reading = self._row_reading(row, single)
        if block.inline and not self._asserted_by_directive:
            reading = self._inline_reading(row)
        if any(is_citation(piece.text) for piece in (row.lhs, *(r.rhs for r in relations))):
            self.items.append(Finding(
                location=block.location_of(relations[0].rhs.offset), kind=base,
                verdict=Verdict.UNKNOWN, message="not checked: a side cites an equation "
                "(its number or reference), it is no expression", lhs=row.lhs.text.strip(),
                rhs=relations[-1].rhs.text.strip(), reason=row.reason, label=label,
                rule_id="DRV006", severity="warning",
            ))
            return previous
        sides: list[Side] = []
        rebinding: tuple[str, Location] | None = None
        constraint: tuple[MathBlock, list[Side], Row, frozenset[str]] | None = None
        defines = reading is None or reading.role in (Role.DEFINITION, Role.IMPLICATION)
        if is_differential(row.lhs.text) or is_differential(relations[0].rhs.text):
            defines = False  # dy = 2x dx relates differentials, it names nothing
        if block.inline and reading is None and not self._asserted_by_directive:
            # "the rate $\eta = 0.1$": a value in prose is an example or a condition
            defines = written_number(relations[0].rhs.text.strip()) is None
        if (
            block.inline and reading is not None and reading.role is Role.ASSERTED
            and not self._asserted_by_directive and self._new_example_function(row.lhs, block)
        ):
            defines = True  # "show that $f(x) = ...$ is a density": this example's f
        if row.continues:
            if previous is None:
                # nothing to continue from: read it as a chain starting at its first side
                sides.append(self._parse_side(block, relations[0].rhs, base))
                relations = relations[1:]
            else:
                sides.append(previous)
        elif relations[0].op == "=" and defines and (
            body := self._define(block, row.lhs, relations[0].rhs, force=False)
        ) is not None:
            sides.append(body)
            relations = relations[1:]
            base = ClaimKind.STEP
        else:
            rebinding = self._rebinding(row.lhs)
            sides.append(self._parse_side(block, row.lhs, base))
        for relation in relations:
            sides.append(self._parse_side(block, relation.rhs, base))
        if block.inline and not self._asserted_by_directive and relations and (
            self._inline_is_context(row, sides, reading)
        ):
            self._add_condition(block, sides, row)
            for side in sides:
                self._see(side)
            return sides[-1]
        if reading is not None and reading.role in (Role.CONDITION, Role.EXAMPLE, Role.EQUATION):
            self._add_condition(block, sides, row)
        elif (
            single and len(sides) == 2 and relations[0].op == "=" and base is ClaimKind.IDENTITY
            and not self._asserted_by_directive
            and (determined := self._determined(sides[0], sides[1]))
        ):
            # b/a = c/(a+b), 3x+5 = A(1-2x) + B: an equation that determines some names (a
            # requirement, an equation to solve); claims about them after it may rest on it
            constraint = (block, sides, row, determined)
        named = self._named_values(sides, relations)
        for side in sides:
            self._see(side)
        if reading is not None and reading.role is Role.ASSERTED:
            reading = None
        doubt = doubt_for(reading) if reading is not None else ""
        role = reading.role if reading is not None else Role.ASSERTED
        for index, relation in enumerate(relations):
            left, right = sides[index], sides[index + 1]
            if index + 1 in named:
                self._name_value(block, right, left)
                continue
            item = self._step(block, left, relation.op, right, base, row.reason, label)
            if isinstance(item, Claim):
                if index == 0 and rebinding is not None:
                    item = replace(item, rebinding=rebinding)
                item = self._with_role(item, left, right, role, doubt, single)
                item = self._link_to_chain(left, item)
                self._chain_ends[id(right)] = (right, item)
            if item is not None:
                self.items.append(item)
        if constraint is not None:
            self._add_condition(*constraint[:3], names=constraint[3])
        return sides[-1] if sides else previous

    def _named_values(self, sides: list[Side], relations: list[Relation]) -> set[int]:
        """Sides of a chain that name the exact value before them: in ``x = \\frac{\\sqrt 5
        - 1}{2} = \\varphi = 0.618``, a new name \\varphi for (\\sqrt 5 - 1)/2."""
        named: set[int] = set()
        if len(sides) < 3:
            return named
        for index in range(1, len(sides)):
            side, before = sides[index].expr, sides[index - 1].expr
            if (
                relations[index - 1].op == "=" and isinstance(side, sp.Symbol)
                and side.name not in self.definitions and not self.scope.seen(side.name)
                and before is not None and not before.atoms(sp.Float)
                and not self._unfolded(before)
            ):
                named.add(index)
        return named

    def _name_value(self, block: MathBlock, name: Side, value: Side) -> None:
        assert isinstance(name.expr, sp.Symbol) and value.expr is not None
        where = block.location_of(name.offset)
        try:
            self._record(Definition(name=name.expr.name, params=(), body=value.expr,
                                    latex=f"{name.written} = {value.written}"), where)
        except DefinitionCycle:
            return
        self.definition_sites[name.expr.name] = (name.written, where)
        self.definition_counts[name.expr.name] = self.definition_counts.get(name.expr.name, 0) + 1
        self.items.append(Finding(
            location=where, kind=ClaimKind.DEFINITION, verdict=None,
            message=f"definition of {name.written}", lhs=name.written, rhs=value.written,
            relation="=", severity="info",
        ))

    # -- roles ------------------------------------------------------------

    def _inline_reading(self, row: Row) -> Reading | None:
        """Inline math is prose: the sentence says what it is (None: it says nothing)."""
        if row.implication:
            return Reading(Role.IMPLICATION, "")
        return self._reading

    def _inline_is_context(self, row: Row, sides: list[Side], reading: Reading | None
                           ) -> bool:
        """Inline relations are context unless closed, asserted, or a restated definition.

        Closed: no free variable once the document's definitions are unfolded (``$2+2=4$``,
        ``$\\sigma(4) \\approx 0.982$``, ``$e = 2.718$``).  Asserted: "we have", "so",
        "thus", "hence", "it follows that" ... right before it.  Restated: the left side
        calls a function the document defines (``$\\sigma(x) = 1/1+e^{-x}$``).
        """
        if reading is not None and reading.role is Role.ASSERTED:
            return False
        closed = all(
            side.expr is None or not self._depends_on_symbols(side.expr) for side in sides
        )
        if closed:
            return False
        if reading is not None or any(side.failed for side in sides):
            # a condition, example, equation, approximation or definition; or math that
            # cannot be read (its error stands), whose other relations say nothing alone
            return True
        first = sides[0].expr
        restated = (
            isinstance(first, AppliedUndef) and first.func.__name__ in self.definitions
            and all(isinstance(arg, sp.Symbol) for arg in first.args)
        )
        # d/dx x^2 = 2x: an operation worked out is a result, never a condition or a value
        worked_out = any(
            side.expr is not None and side.expr.has(*_OPERATIONS) for side in sides
        )
        return not (restated or worked_out)

    def _add_condition(self, block: MathBlock, sides: list[Side], row: Row,
                       names: frozenset[str] = frozenset()) -> None:
        """Remember a condition and the names it constrains ("when $c = 2$": c)."""
        exprs = [side.expr for side in sides if side.expr is not None]
        latex = " = ".join(side.written for side in sides)
        equation = exprs[0] - exprs[1] if len(exprs) == 2 and len(sides) == 2 else None
        if names:
            self.scope.add_condition(names, latex, block.location_of(row.lhs.offset).line,
                                     equation)
            return
        self._add_prose_condition(block, sides, row, exprs, latex, equation)

    def _add_prose_condition(self, block: MathBlock, sides: list[Side], row: Row,
                             exprs: list[sp.Expr], latex: str, equation: sp.Expr | None
                             ) -> None:
        names: set[str] = set()
        bare = [e for e in exprs if isinstance(e, sp.Symbol)]
        calls = [c for e in exprs for c in e.atoms(AppliedUndef)]
        if bare:
            names = {bare[0].name}
        elif calls:
            names = {c.func.__name__ for c in calls}
        else:
            for expr in exprs:
                names |= {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol)}
        names -= set(self.definitions)
        if not names and equation is not None and not calls:
            # a = c for defined a = x_1 - x_0, c = x_3 - x_2: it constrains the x_k
            names = {
                s.name for s in self._unfolded(equation)
            }
        self.scope.add_condition(frozenset(names), latex, block.location_of(row.lhs.offset).line,
                                 equation)

    def _with_role(self, claim: Claim, left: Side, right: Side, role: Role, doubt: str,
                   single: bool) -> Claim:
        """The claim with its role and the doubt that keeps a refutation from standing."""
        if self._asserted_by_directive:
            return replace(claim, claimed=True)
        if not doubt and (is_differential(left.latex) or is_differential(right.latex)):
            role = Role.DIFFERENTIAL
            doubt = doubt_for(Reading(role, ""))
        if not doubt and single and claim.kind is ClaimKind.IDENTITY and self._is_value(
            left, right, {d.name for d in claim.definitions}
        ):
            role = Role.VALUE
            doubt = doubt_for(Reading(role, ""))
        if not doubt:
            names = set()
            for side in (left, right):
                if side.expr is not None:
                    names |= {s.name for s in side.expr.free_symbols if isinstance(s, sp.Symbol)}
                    names |= {
                        s.name for s in self._unfolded(side.expr)
                        if isinstance(s, sp.Symbol)
                    }
                    names |= {c.func.__name__ for c in side.expr.atoms(AppliedUndef)}
            # settled after verification (equations.py): a refutation that holds under one of
            # them becomes unknown, any other stands
            conditions = self.scope.conditions_on(names)
            if conditions:
                claim = replace(claim, conditions=conditions)
        if role is Role.ASSERTED and not doubt:
            return claim
        return replace(claim, role=role, doubt=doubt)

    def _is_value(self, left: Side, right: Side, defined: set[str]) -> bool:
        """``x = 3`` for a variable ``x`` (not defined for this claim, not even as a
        member of an indexed family): a value or a solution, never an identity."""
        for name_side, other in ((left, right), (right, left)):
            symbol = name_side.expr
            if (
                isinstance(symbol, sp.Symbol) and symbol.name not in defined
                and (other.expr is None or symbol not in other.expr.free_symbols)
            ):
                return True
        return False

    # -- chains of equations ------------------------------------------------

    def _extend_equation_run(self, block: MathBlock, before: int, row: Row, continued: bool
                             ) -> None:
        """Consecutive standalone equations of a block may transform one another."""
        added = [item for item in self.items[before:] if isinstance(item, Claim)]
        line = block.location_of(row.lhs.offset).line
        is_equation = (
            line != self._equation_line  # "a = b, \quad c = d": listed facts, not a chain
            and len(added) == 1 and not row.continues and not continued and len(row.relations) == 1
            and added[0].kind is ClaimKind.IDENTITY and added[0].relation == "="
            and added[0].lhs is not None and added[0].rhs is not None
            and (added[0].lhs - added[0].rhs).free_symbols != set()
        )
        if is_equation:
            self._equation_run.append(self.items.index(added[0], before))
        elif row.relations or added:
            self._close_equation_run()
        if row.relations:
            self._equation_line = line

    def _close_equation_run(self) -> None:
        run, self._equation_run = self._equation_run, []
        if len(run) < 2:
            return
        originals = [self.items[index] for index in run]
        for position, index in enumerate(run):
            claim = originals[position]
            assert isinstance(claim, Claim)
            premise = originals[position - 1] if position > 0 else None
            successor = originals[position + 1] if position + 1 < len(run) else None
            self.items[index] = replace(
                claim, premise=premise if isinstance(premise, Claim) else None,
                successor=successor if isinstance(successor, Claim) else None,
            )

    def _link_to_chain(self, left: Side, claim: Claim) -> Claim:
        """Record the step before ``claim`` in its chain, when both are ``=`` steps."""
        before = self._chain_ends.get(id(left))
        if before is None:
            return claim
        previous = before[1]
        if all(c.kind is ClaimKind.STEP and c.relation == "=" and c.lhs is not None
               and c.rhs is not None for c in (previous, claim)):
            return replace(claim, previous=previous)
        return claim

    def _opaque_names(self, *sides: Side) -> list[str]:
        names: set[str] = set()
        for side in sides:
            if side.expr is not None:
                names |= names_used(side.expr) & self.opaque
        return sorted(names)

    def _depends_on_symbols(self, expr: sp.Expr) -> bool:
        """Whether ``expr`` still has free symbols once definitions are unfolded."""
        pending = list(expr.free_symbols)
        for call in expr.atoms(AppliedUndef):
            definition = self.definitions.get(call.func.__name__)
            if definition is not None:
                pending += list(definition.body.free_symbols - set(definition.params))
        visited: set[str] = set()
        while pending:
            symbol = pending.pop()
            name = getattr(symbol, "name", "")
            if name in visited:
                continue
            visited.add(name)
            definition = self.definitions.get(name)
            if definition is None or definition.params:
                return True
            pending += list(definition.body.free_symbols)
        return False

    def _step(
        self, block: MathBlock, left: Side, op: str, right: Side, base: ClaimKind,
        reason: str, label: str,
    ) -> Item | None:
        if left.failed or right.failed:
            return None  # the parse failure was reported once, at its side
        location = block.location_of(right.offset)
        common = {
            "location": location, "lhs": left.written, "rhs": right.written, "relation": op,
            "reason": reason, "label": label,
        }
        if op not in SUPPORTED_RELATIONS:
            return Finding(
                kind=base, verdict=Verdict.UNKNOWN, message=f"unsupported relation {op}",
                rule_id="DRV006", severity="warning", **common,  # type: ignore[arg-type]
            )
        opaque = self._opaque_names(left, right)
        if opaque:
            voided = [name for name in opaque if name in self.voided]
            if voided:
                shown = display_name(voided[0])
                why = (
                    f"not checked: uses {shown}, whose earlier definition no longer holds "
                    f"({self.voided[voided[0]]}); if one is meant here, say so with a "
                    f"directive `derive: define {shown} = ...`"
                )
            else:
                why = (f"not checked: uses {', '.join(opaque)}, whose definition could not "
                       "be read")
            return Finding(
                kind=base, verdict=Verdict.UNKNOWN,
                message=why, rule_id="DRV006", severity="warning",
                **common,  # type: ignore[arg-type]
            )
        claim = Claim(
            kind=base, location=location, lhs_latex=left.written, rhs_latex=right.written,
            relation=op, lhs=left.expr, rhs=right.expr, reason=reason, label=label,
            definitions=tuple(self.definitions.values()) + tuple(member_definitions(
                self.families.values(), (left.expr, right.expr), set(self.definitions),
            )), assumptions=tuple(self.assumptions),
            ambiguities=left.ambiguities + right.ambiguities,
            lhs_location=block.location_of(left.offset),
        )
        remote = self._remote_definitions(left.expr, right.expr)
        if remote:
            claim = replace(claim, remote_definitions=remote)
        return self._classify(claim, left, right)

    def keep_contested_remote_definitions(self) -> None:
        """Once the whole file is read: a remote definition of a name the document defines
        only once is the one meant (a document about versin uses it in every section),
        unless the name is one Latin letter (f, F, g, u): the names examples reuse, also
        for functions the prose gives without a formula ("F is an antiderivative")."""
        for index, item in enumerate(self.items):
            if not isinstance(item, Claim) or not item.remote_definitions:
                continue
            kept = tuple(
                site for site in item.remote_definitions
                if self.definition_counts.get(site[0], 0) > 1 or _LETTER.fullmatch(site[0])
            )
            if kept != item.remote_definitions:
                self.items[index] = replace(item, remote_definitions=kept)

    def _remote_definitions(
        self, *exprs: sp.Expr | None,
    ) -> tuple[tuple[str, str, Location], ...]:
        """The definitions ``exprs`` use, through other definitions too, that were made
        under another heading (see Claim.remote_definitions)."""
        remote: list[tuple[str, str, Location]] = []
        for definition in used_definitions(exprs, self.definitions):
            site = self.definition_sites.get(definition.name)
            if site is not None and self.scope.under_another_heading(definition.name):
                remote.append((definition.name, *site))
        return tuple(sorted(remote, key=lambda found: found[2].sort_key))

    def _classify(self, claim: Claim, left: Side, right: Side) -> Item:
        number_side, expr_side, side_name = None, None, ""
        if right.number and not left.number:
            number_side, expr_side, side_name = right, left, "rhs"
        elif left.number and not right.number:
            number_side, expr_side, side_name = left, right, "lhs"
        if (
            number_side is not None and expr_side is not None and expr_side.expr is not None
            and not self._depends_on_symbols(expr_side.expr)
        ):
            number = number_side.number
            kind = ClaimKind.CONSTANT if expr_side.expr.is_number else ClaimKind.VALUE
            if isinstance(expr_side.expr, sp.Limit):
                kind = ClaimKind.LIMIT
            if number_side.truncated:
                mode = "prefix"
            elif "." not in number:
                mode = ""  # an integer: compare exactly (or approximately for \approx)
            elif claim.relation != "=" or decimal_places(number) > 3:
                mode = "rounded"
            else:
                mode = "exact"
            return replace(claim, kind=kind, written=number, written_side=side_name,
                           decimal_mode=mode)
        if left.truncated or right.truncated:
            return Finding(
                location=claim.location, kind=claim.kind, verdict=Verdict.UNKNOWN,
                message="not checked: a truncated decimal compared with an expression that "
                "depends on variables", lhs=claim.lhs_latex, rhs=claim.rhs_latex,
                relation=claim.relation, reason=claim.reason, label=claim.label,
                rule_id="DRV006", severity="warning",
            )
        if _limit_count(claim.lhs, claim.rhs) == 1:
            return replace(claim, kind=ClaimKind.LIMIT)
        return claim


def build_claims(
    path: str,
    blocks: Sequence[MathBlock],
    directives: Iterable[tuple[Location, str, str]] = (),
    definitions_latex: Sequence[str] = (),
    *,
    imaginary_unit: str = "i",
    source: str = "",
) -> list[Item]:
    """Claims and recorded findings of one file, in document order.

    ``directives`` are (location, command, argument) for ``define`` and ``assume``;
    each applies to the blocks that start after it.  ``source`` is the document's text:
    with it, the prose before each block gives the block's role (roles.py) and headings
    scope definitions to their sections (scope.py); without it every block is asserted
    and every definition holds to the end of the file.  When the document (``source``
    and its math) uses complex numbers, ``imaginary_unit`` reads as ``sympy.I``.
    """
    builder = ClaimBuilder(path)
    builder.unit_letter = imaginary_unit
    # the prose as text (a notebook's Markdown cells, not its JSON and code)
    context = _ProseContext(path, source)
    math_text = "\n".join(block.text for block in blocks)
    text = f"{context.source}\n{math_text}"
    other = "j" if imaginary_unit == "i" else "i"
    if names_the_unit(text, other) and not names_the_unit(text, imaginary_unit):
        # complex numbers written with the other letter: that letter is in doubt
        builder.unit_letter = other
    elif uses_complex_numbers(text, imaginary_unit):
        builder.imaginary_unit = imaginary_unit
    for latex in definitions_latex:
        builder.add_definition_latex(latex, Location(path, 1, 1), report=False)
    pending = sorted(directives, key=lambda d: d[0].sort_key)
    for block in blocks:
        while pending and pending[0][0].sort_key < block.start.sort_key:
            _apply_directive(builder, *pending.pop(0))
        reading = context.enter(block, builder)
        builder.add_block(block, reading, asserted=CLAIM_COMMAND in block.directives)
    for directive in pending:
        _apply_directive(builder, *directive)
    builder.drop_clear_products()
    builder.keep_contested_remote_definitions()
    return builder.items


#: The directive (``derive: claim``) that makes the next block's relations assertions.
CLAIM_COMMAND = "claim"
_CONTINUATION = re.compile(r"^(?:[\s,;$`()\[\]\\]|:math:|\band\b|\bor\b)*$")


class _ProseContext:
    """Walks the source alongside the blocks: headings passed, and the words before each."""

    def __init__(self, path: str, source: str) -> None:
        from derive.extract import syntax_for  # the extractors' notion of a file's syntax

        syntax = syntax_for(path)
        self.index = SourceIndex(source)
        if syntax == "notebook" and source:
            # the notebook's JSON: its Markdown cells are the prose, read as Markdown
            self.index = NotebookIndex(source)
            source, syntax = self.index.text, "markdown"
        self.source = source
        self.latex = syntax == "latex"
        self.headings: list[Heading] = headings(source, syntax) if source else []
        self.after = 0  # where the previous block ended
        self.previous_inline: tuple[Reading | None] | None = None

    def enter(self, block: MathBlock, builder: ClaimBuilder) -> Reading | None:
        if not self.source:
            return None
        span = self.index.span(block)
        if span is None:
            return None
        start, end = span
        while self.headings and self.headings[0].offset < start:
            heading = self.headings.pop(0)
            builder.enter_section(heading.level)
            self.after = max(self.after, min(heading.end, start))
        between = self.source[self.after:start]
        words = lead_in(self.source, start, self.after, latex=self.latex)
        reading = role_of(words)
        if (
            block.inline and self.previous_inline is not None and reading is None
            and _CONTINUATION.match(between)
        ):
            reading = self.previous_inline[0]  # "when $c = 2$ and $d = 3$"
        self.previous_inline = (reading,) if block.inline else None
        self.after = max(self.after, end)
        return reading


def _apply_directive(builder: ClaimBuilder, location: Location, command: str, argument: str
                     ) -> None:
    if command == "define":
        builder.add_definition_latex(argument, location, report=True)
    elif command == "assume":
        builder.add_assumption(argument, location)
