"""Tables of the LaTeX macros the expression parser knows.

One source of truth: the grammar's terminal patterns (``grammar.lark`` placeholders)
and the pre-lexing normaliser are both generated from these tables.
"""

from __future__ import annotations

import sympy as sp

#: Greek letters read as plain symbols named without the backslash (``\alpha`` -> ``alpha``).
GREEK_LETTERS: frozenset[str] = frozenset(
    [
        "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
        "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "rho", "varrho",
        "sigma", "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
        "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
        "Omega", "ell"
    ]
)

#: Macros standing for constants.
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "infty": sp.oo}

#: Known functions written as macros (``\sin x``) or, for some, as bare words (``log(x)``).
KNOWN_FUNCTIONS: dict[str, sp.FunctionClass] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sec": sp.sec, "csc": sp.csc, "cot": sp.cot,
    "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "exp": sp.exp, "ln": sp.log, "log": sp.log,
    "max": sp.Max, "min": sp.Min,
    # usually written \operatorname{..} (or a user macro): the same elementary functions
    "coth": sp.coth, "sech": sp.sech, "csch": sp.csch,
    "arccot": sp.acot, "arcsec": sp.asec, "arccsc": sp.acsc,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "arsinh": sp.asinh, "arcsinh": sp.asinh, "asinh": sp.asinh,
    "arcosh": sp.acosh, "arccosh": sp.acosh, "acosh": sp.acosh,
    "artanh": sp.atanh, "arctanh": sp.atanh, "atanh": sp.atanh,
    "arcoth": sp.acoth, "arccoth": sp.acoth, "acoth": sp.acoth,
    "sgn": sp.sign, "sign": sp.sign, "erf": sp.erf, "erfc": sp.erfc,
}

#: Operators of probability and inner products: an opaque function with a reserved name, so
#: that ``\mathbb{E}[UV]`` is never the product E*U*V and never a function the document defines.
EXPECTATION, VARIANCE, COVARIANCE, PROBABILITY, ANGLE_BRACKET = (
    "Expectation", "Variance", "Covariance", "Probability", "AngleBracket",
)
#: Operator words (``\operatorname{Var}``, ``\mathrm{E}``, ``\Pr``, bare ``Var(``) -> reserved name.
OPERATOR_WORDS: dict[str, str] = {
    "E": EXPECTATION, "Var": VARIANCE, "Cov": COVARIANCE, "Pr": PROBABILITY, "P": PROBABILITY,
}
#: Blackboard letters that are operators: ``\mathbb{E}[X]``, ``\mathbb{P}(A)``, ``\mathbb{V}[X]``.
OPERATOR_LETTERS: dict[str, str] = {
    "\\mathbb{E}": EXPECTATION, "\\mathbb{P}": PROBABILITY, "\\mathbb{V}": VARIANCE,
}
#: Operator macros read by the grammar's FUNC terminal.
OPERATOR_MACROS: tuple[str, ...] = ("Pr",)
#: Operator words recognised without a backslash when a bracket follows (``Var[X]``).
BARE_OPERATOR_WORDS: tuple[str, ...] = ("Var", "Cov")
#: Names of every reserved operator function (never a document's own name).
RESERVED_OPERATORS: frozenset[str] = frozenset(
    {EXPECTATION, VARIANCE, COVARIANCE, PROBABILITY, ANGLE_BRACKET}
)

#: Function macros whose word is also recognised without a backslash when followed by ``(``.
BARE_WORD_FUNCTIONS: tuple[str, ...] = (
    "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "sin", "cos", "tan", "exp", "log", "ln",
)

#: Single letters read as calls when followed by a parenthesis (besides declared functions).
DEFAULT_FUNCTION_LETTERS: frozenset[str] = frozenset({"f", "g", "h"})

#: Names of Landau symbols: ``O(x^3)`` / ``o(h)`` is asymptotic notation, never a product or a
#: function we could evaluate (unless the document defines the name itself).
ASYMPTOTIC_NAMES: frozenset[str] = frozenset({"O", "o", "\\mathcal{O}", "\\mathcal{o}"})

#: Accents and font macros that make a new, distinct symbol name (``\hat{y}``, ``\mathbf{v}``).
DECORATORS: tuple[str, ...] = (
    "mathbf", "boldsymbol", "bm", "hat", "widehat", "bar", "overline", "tilde", "widetilde",
    "vec", "dot", "ddot", "check", "breve", "mathcal", "mathbb", "mathfrak", "mathscr",
)

#: Upright-text macros whose letter content names a symbol or function (``\mathrm{softmax}``).
UPRIGHT_NAMES: tuple[str, ...] = ("mathrm", "mathit", "mathsf", "rm")

#: Commands taking braced arguments, with their arity (to brace ``\frac12`` as ``\frac{1}{2}``).
ARITY: dict[str, int] = {
    "frac": 2, "dfrac": 2, "tfrac": 2, "sqrt": 1, "operatorname": 1,
    "binom": 2, "dbinom": 2, "tbinom": 2,
    **{name: 1 for name in DECORATORS},
    **{name: 1 for name in UPRIGHT_NAMES},
}

#: Pure sizing/spacing/style macros: dropped silently (they never carry meaning).
SILENT_FORMATTING: frozenset[str] = frozenset(
    [
        "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
        "biggl", "biggr", "Biggl", "Biggr", "bigm", "Bigm", "biggm", "Biggm",
        "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle", "tiny",
        "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE",
        "huge", "Huge", "quad", "qquad", "limits", "nolimits", "middle",
        "thinspace", "medspace", "thickspace", "enspace", "negthinspace", "negmedspace",
        "negthickspace",
    ]
)

#: Formatting macros taking one braced argument: dropped with a DRV004 lint.
FORMATTING_WITH_ARGUMENT: frozenset[str] = frozenset(
    ["hspace", "vspace", "tag", "label", "color", "phantom", "hphantom", "vphantom"]
)

#: Formatting macros without argument: dropped with a DRV004 lint.
FORMATTING_WITHOUT_ARGUMENT: frozenset[str] = frozenset(
    ["nonumber", "notag", "mathstrut", "strut"]
)

#: Text macros: allowed only as a trailing note or unit (``4 \text{ bits}``), else an error.
TEXT_MACROS: frozenset[str] = frozenset(
    ["text", "textrm", "textit", "textbf", "textsf", "texttt", "mbox", "hbox"]
)

#: Macros we recognise but do not model: always a LatexParseError saying why.
OUT_OF_SCOPE: dict[str, str] = {
    "top": "transpose (\\top): matrices/vectors are out of scope",
    "intercal": "transpose (\\intercal): matrices/vectors are out of scope",
    "det": "determinants (\\det)",
    "begin": "environments such as matrices (\\begin)",
    "end": "environments such as matrices (\\end)",
    "dots": "ellipses (\\dots)",
    "ldots": "ellipses (\\ldots)",
    "cdots": "ellipses (\\cdots)",
    "vdots": "ellipses (\\vdots)",
    "ddots": "ellipses (\\ddots)",
    "nabla": "gradients (\\nabla)",
    "vert": "norms and bars (\\vert)",
    "Vert": "norms (\\Vert)",
    "lVert": "norms (\\lVert)",
    "rVert": "norms (\\rVert)",
    "approx": "relations (\\approx) inside one expression; split relations first",
    "le": "relations (\\le) inside one expression; split relations first",
    "leq": "relations (\\leq) inside one expression; split relations first",
    "ge": "relations (\\ge) inside one expression; split relations first",
    "geq": "relations (\\geq) inside one expression; split relations first",
    "neq": "relations (\\neq) inside one expression; split relations first",
    "pm": "plus-minus (\\pm)",
    "mp": "minus-plus (\\mp)",
    "choose": "binomial coefficients (\\choose)",
    "iint": "multiple integrals (\\iint)",
    "oint": "contour integrals (\\oint)",
    "because": "proof connectives (\\because)",
    "therefore": "proof connectives (\\therefore)",
}

#: Macros the grammar itself reads (besides the tables above).
GRAMMAR_MACROS: frozenset[str] = frozenset(
    [
        "frac", "dfrac", "tfrac", "sqrt", "lim", "sum", "int", "to", "rightarrow",
        "longrightarrow", "Rightarrow", "Longrightarrow", "cdot", "times", "div", "partial",
        "operatorname", "lvert",
        "rvert", "prime", "mid", "prod", "binom", "dbinom", "tbinom", "langle", "rangle",
        "lfloor", "rfloor", "lceil", "rceil", "star", "ast", "cap", "cup",
        "sim",  # only in an operator's subscript: \mathbb{E}_{x \sim p}
    ]
)

#: Relations read only inside the event of an operator (``P(X \le 1)``); elsewhere each is
#: out of scope (relations are split before an expression is parsed).
EVENT_RELATIONS: frozenset[str] = frozenset({"le", "leq", "ge", "geq", "neq", "ne"})

#: Every macro name that may reach the lexer.
KNOWN_MACROS: frozenset[str] = (
    GREEK_LETTERS
    | frozenset(CONSTANTS)
    | frozenset(KNOWN_FUNCTIONS)
    | frozenset(DECORATORS)
    | frozenset(UPRIGHT_NAMES)
    | GRAMMAR_MACROS
    | frozenset(OPERATOR_MACROS)
)


def alternation(names: tuple[str, ...] | frozenset[str] | dict[str, object]) -> str:
    """A regex alternation of names, longest first so that ``sinh`` wins over ``sin``."""
    return "|".join(sorted(names, key=lambda name: (-len(name), name)))
