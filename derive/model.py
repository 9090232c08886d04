"""Plain data types that cross stage boundaries.

documents -> extract -> parse -> claims -> verify -> render/report.  Each stage
takes and returns the dataclasses below; no stage imports a later one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SymPy is imported where expressions are made, not to read a report
    import sympy as sp

# ---------------------------------------------------------------------------
# Verdicts and evidence (the verify stage's output, used by build and check)
# ---------------------------------------------------------------------------


class Verdict(StrEnum):
    """How far a claim is established.  Ordered from best to worst below."""

    PROVED = "proved"  # a symbolic proof that the claim holds
    CHECKED = "checked"  # only numeric evidence supports it
    REFUTED = "refuted"  # a concrete counterexample exists
    UNKNOWN = "unknown"  # undecided or out of time
    ERROR = "error"  # the input could not be read


#: Worst-first order, used to combine verdicts (a chain is as good as its worst step).
VERDICT_SEVERITY: dict[Verdict, int] = {
    Verdict.PROVED: 0,
    Verdict.CHECKED: 1,
    Verdict.UNKNOWN: 2,
    Verdict.REFUTED: 3,
    Verdict.ERROR: 4,
}


def worst(verdicts: list[Verdict] | tuple[Verdict, ...]) -> Verdict:
    """The least established verdict of several (PROVED for none)."""
    return max(verdicts, key=VERDICT_SEVERITY.__getitem__, default=Verdict.PROVED)


class Stage(StrEnum):
    """The stage of the verifier that decided an outcome (``Evidence.method``)."""

    STRUCTURAL = "structural"  # both sides the same expression after evaluation
    CANCEL = "cancel"
    EXPAND = "expand"
    TOGETHER_EXPAND = "together-expand"
    REWRITE_EXP = "rewrite-exp"
    SIMPLIFY = "simplify"
    SAMPLING = "sampling"  # seeded points at working precision, stable across two
    INTERVAL = "interval"  # a certified enclosure (interval arithmetic)
    EVALF = "evalf"
    LIMIT = "limit"
    MPMATH = "mpmath"
    GRID = "grid"  # the build's closed-form checks on a grid
    EQUATION = "equation"  # a row of a chain of equations follows from the row before
    RULES = "rules"
    APPROX = "approx"
    DOIT = "doit"
    DEFINITIONS = "definitions"
    INPUT = "input"
    DOUBTFUL_READING = "doubtful-reading"
    TIMEOUT = "timeout"  # the claim's deadline passed
    STOPPED = "stopped"  # the claim's worker was killed or died
    INTERNAL = "internal"  # an unexpected failure inside one claim


class Caveat(StrEnum):
    """A condition attached to a verdict, kept as data so reporters word it."""

    CANCELLED_FACTOR = "cancelled-factor"  # x/x = 1: equal as rational functions only
    UP_TO_A_CONSTANT = "up-to-a-constant"  # antiderivatives compared by their derivatives
    TIMED_OUT = "timed-out"  # a stage ran out of time before the verdict was reached
    ONE_METHOD = "one-method"  # a limit resting on one method, not cross-checked
    ROUNDED_VALUE = "rounded-value"  # x = 2.833 refuted as exact, but the rounded value
    PRINTED_FLOAT = "printed-float"  # 0.6180339887498949: off in its last digit, as a double


@dataclass(frozen=True)
class Condition:
    """``x > 0``: where the two sides of a refuted claim were seen to agree."""

    variable: str
    relation: str  # ">" or "<"
    bound: str

    def __str__(self) -> str:
        return f"{self.variable} {self.relation} {self.bound}"


@dataclass(frozen=True)
class Counterexample:
    """A point where the two sides of a claim differ, with both values.

    Values are decimal strings so that reports are exact and deterministic.
    """

    point: dict[str, str]
    lhs_value: str
    rhs_value: str

    def as_record(self) -> dict[str, object]:
        """The JSON form shared by every machine-readable output."""
        return {
            "point": dict(sorted(self.point.items())),
            "lhs_value": self.lhs_value,
            "rhs_value": self.rhs_value,
        }


@dataclass(frozen=True)
class Evidence:
    """Why a verdict was given.

    ``method`` names the stage that decided (``structural``, ``cancel``,
    ``simplify``, ``rewrite-exp``, ``sampling``, ``interval``, ``limit``,
    ``mpmath``, ``timeout`` ...); ``detail`` is one human sentence.
    """

    method: str
    detail: str
    points: int = 0  # sample points compared (numeric evidence)
    digits: int = 0  # working precision in significant digits
    max_difference: str | None = None  # largest |lhs - rhs| seen while sampling
    counterexample: Counterexample | None = None
    hint: str | None = None  # e.g. "differs by a factor of -1"
    seconds: float | None = None  # not serialised into deterministic outputs
    caveats: tuple[Caveat, ...] = ()
    rewritten_by: tuple[str, ...] = ()  # "substituting definitions", "evaluating derivatives"
    doubt: str | None = None  # id of the doubt rule that declined a refutation
    holds_where: Condition | None = None  # the sides agree there only (refutations)

    def as_record(self, *, with_counterexample: bool = True) -> dict[str, object]:
        """The JSON form shared by every machine-readable output (never ``seconds``:
        outputs must be byte-identical across runs)."""
        record: dict[str, object] = {
            "method": self.method,
            "detail": self.detail,
            "points": self.points,
            "digits": self.digits,
            "max_difference": self.max_difference,
            "hint": self.hint,
            "caveats": [str(caveat) for caveat in self.caveats],
            "doubt": self.doubt,
        }
        if with_counterexample:
            example = self.counterexample
            record["counterexample"] = None if example is None else example.as_record()
        return record


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    evidence: Evidence


# ---------------------------------------------------------------------------
# Definitions (shared by build and check)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    """``name(params) = body``; a named substitution has no params (u = 1+e^{-x}).

    ``name`` is the SymPy name: ``sigma`` for ``Function('sigma')`` or ``Symbol('u')``.
    """

    name: str
    params: tuple[sp.Symbol, ...]
    body: sp.Expr
    latex: str = ""  # as written by the author or generated


@dataclass(frozen=True)
class VerifySettings:
    time_limit: float = 5.0  # seconds per claim
    samples: int = 32  # seeded sample points for numeric evidence
    digits: int = 30  # significant digits for numeric evidence
    seed: int = 20261127
    memory_limit: int = 2 << 30  # bytes of extra address space per claim worker


# ---------------------------------------------------------------------------
# Generation (derive build)
# ---------------------------------------------------------------------------


def _infinities() -> tuple[sp.Expr, ...]:
    import sympy as sp

    return (-sp.oo, sp.oo)


@dataclass(frozen=True)
class FunctionSpec:
    """What a bundled or command-line derivation starts from."""

    name: str  # file stem: "sigmoid"
    latex_name: str  # how the function is written: r"\sigma"
    variable: sp.Symbol
    definition: sp.Expr  # in terms of ``variable``
    target: sp.Expr | None = None  # closed form, may use Function(sympy_name)(variable)
    sympy_name: str = "f"  # Function name standing for this function in ``target``
    limit_points: tuple[sp.Expr, ...] = field(default_factory=_infinities)
    value_points: tuple[sp.Expr, ...] = ()
    value_digits: int = 10
    substitution_name: str = "u"
    title: str = ""
    # auxiliary functions ``target`` may use, e.g. sigma(x) = 1/(1+e^{-x}) for swish
    helpers: tuple[Definition, ...] = ()


@dataclass(frozen=True)
class DerivationStep:
    """One link of the displayed chain ``lhs = e_1 = e_2 = ...``.

    ``expr`` is shown as written (it may hold unevaluated Derivative objects);
    ``rule`` says how it follows from the previous step; ``outcome`` is the
    verification of ``previous == expr``.
    """

    expr: sp.Expr
    rule: str
    note: str = ""  # e.g. "let u = 1 + e^{-x}"
    outcome: Outcome | None = None


@dataclass(frozen=True)
class LimitClaim:
    expr: sp.Expr
    variable: sp.Symbol
    point: sp.Expr
    value: sp.Expr
    steps: tuple[str, ...]  # human-readable reasoning, in LaTeX
    outcome: Outcome | None = None


@dataclass(frozen=True)
class ValueClaim:
    expr: sp.Expr  # f(point) unevaluated form for display
    point: sp.Expr
    exact: sp.Expr | None  # exact value when SymPy finds a simple one
    decimal: str  # mpmath value printed to ``digits`` significant digits
    digits: int
    outcome: Outcome | None = None


@dataclass(frozen=True)
class ClosedFormCheck:
    name: str  # "matches sympy.diff", "finite difference", "target vs definition"
    outcome: Outcome
    max_error: str | None = None
    grid: str = ""  # e.g. "linspace(-10, 10, 100)"


@dataclass(frozen=True)
class Derivation:
    spec: FunctionSpec
    lhs: sp.Expr  # what is being differentiated, e.g. Derivative(sigma(x), x)
    steps: tuple[DerivationStep, ...]
    limits: tuple[LimitClaim, ...]
    values: tuple[ValueClaim, ...]
    checks: tuple[ClosedFormCheck, ...]
    definitions: tuple[Definition, ...]
    rule_tree: object | None = None  # derive.generate.rules.DiffRule; kept opaque here

    @property
    def verdict(self) -> Verdict:
        outcomes = [s.outcome for s in self.steps]
        outcomes += [c.outcome for c in self.limits] + [c.outcome for c in self.values]
        outcomes += [c.outcome for c in self.checks]
        return worst([o.verdict if o else Verdict.UNKNOWN for o in outcomes])


# ---------------------------------------------------------------------------
# Checking documents (derive check)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    path: str  # as given on the command line / relative to the root
    line: int  # 1-based (in a notebook: within the cell)
    column: int  # 1-based
    cell: int | None = None  # a notebook's cell, 1-based over all its cells; None elsewhere

    def __str__(self) -> str:
        """``path:line:col``, or ``notebook.ipynb:cell N:line:col``."""
        if self.cell is None:
            return f"{self.path}:{self.line}:{self.column}"
        return f"{self.path}:cell {self.cell}:{self.line}:{self.column}"

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """Document order within one file (cells first, for a notebook)."""
        return (self.cell or 0, self.line, self.column)


@dataclass(frozen=True)
class MathBlock:
    """A region of display (or qualifying inline) math found by an extractor.

    ``text`` is the math source without its delimiters.  ``line_offsets``
    maps each character offset in ``text`` back to the document:
    ``location_of(i)`` gives the source line/column of ``text[i]``.
    """

    path: str
    text: str
    start: Location  # location of text[0]
    syntax: str  # "markdown-dollars", "markdown-brackets", "latex-env", "rst-math", ...
    environment: str = ""  # "align", "aligned", "equation", "" ...
    inline: bool = False
    label: str = ""  # \label{..} or (label) or :label:
    skip: bool = False  # a derive: skip directive applies
    directives: tuple[str, ...] = ()  # raw directive texts that precede this block
    # source location of every character of ``text`` (line, column), 1-based
    positions: tuple[tuple[int, int], ...] = ()
    # When the document's own macros were expanded in ``text``: the math as the author
    # wrote it, and for each character of ``text`` the index in ``written`` it came from
    # (a macro's expansion maps to its backslash).  Empty when nothing was expanded.
    written: str = ""
    written_index: tuple[int, ...] = ()

    def location_of(self, offset: int) -> Location:
        if not self.positions:
            return self.start
        offset = min(max(offset, 0), len(self.positions) - 1)
        line, column = self.positions[offset]
        return Location(self.path, line, column, self.start.cell)


class ClaimKind(StrEnum):
    STEP = "step"  # a = b inside a chain
    LIMIT = "limit"  # lim_{x->a} f = L
    VALUE = "value"  # f(a) = 0.5 or \approx 0.018
    CONSTANT = "constant"  # e = 2.718...
    IDENTITY = "identity"  # a standalone equation that is not a definition
    DEFINITION = "definition"  # sigma(x) = ...; recorded, not verified


@dataclass(frozen=True)
class Finding:
    """One verdict or lint about a document, with its location.

    Every reporter (text, JSON, GitHub, SARIF, JUnit, pytest) is a view of a
    list of these.
    """

    location: Location
    kind: ClaimKind | None  # None for lints and block-level errors
    verdict: Verdict | None  # None for lints (warnings)
    message: str
    lhs: str = ""  # LaTeX as written
    rhs: str = ""
    relation: str = "="  # "=", "\\approx"
    reason: str = ""  # the author's justification text, if any
    rule_id: str = ""  # DRV001 refuted step, DRV002 unparsable math, DRV1xx lints ...
    label: str = ""
    evidence: Evidence | None = None
    severity: str = "info"  # "error", "warning", "info"


@dataclass(frozen=True)
class FileReport:
    path: str
    findings: tuple[Finding, ...]
    error: str = ""  # I/O or decoding error for the whole file


@dataclass
class CheckReport:
    files: list[FileReport] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Counts for every summary (text line, JSON ``summary``, GitHub, ...).

        An unreadable file counts as an ``error``; recorded definitions are counted
        apart: they are neither verified claims nor suspicious warnings.
        """
        counts = {"files": len(self.files), "unreadable": 0, "claims": 0}
        counts.update({v.value: 0 for v in Verdict})
        counts["warning"] = 0
        counts["definition"] = 0
        for report in self.files:
            if report.error:
                counts["unreadable"] += 1
                counts["error"] += 1
            for finding in report.findings:
                if finding.verdict is not None:
                    counts["claims"] += 1
                    counts[finding.verdict.value] += 1
                elif finding.kind is ClaimKind.DEFINITION:
                    counts["definition"] += 1
                else:
                    counts["warning"] += 1
        return counts


#: Stable ids, one per kind of finding (used by SARIF, GitHub, JUnit and the JSON report).
RULE_IDS: dict[str, str] = {
    "DRV001": "refuted claim: a step, limit or value that does not hold",
    "DRV002": "unparsable math",
    "DRV003": "unbraced superscript: TeX renders e^-x as e^{-}x",
    "DRV004": "unknown or ignored macro",
    "DRV005": "implicit product that could be a function call",
    "DRV006": "undecided claim (unknown, or out of time)",
    "DRV007": "unreadable file",
    "DRV008": "numeric evidence only (checked, not proved)",
    "DRV009": "operator scope: d/dx, lim or sum stops at a +, or / binds tighter than +",
}
