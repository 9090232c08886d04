"""The commands and words that splitting a math block into rows recognises."""

from __future__ import annotations

#: Environments that only lay out rows: their \begin/\end are blanked.
LAYOUT_ENVIRONMENTS = frozenset(
    {
        "aligned", "align", "align*", "alignat", "alignat*", "alignedat", "gather", "gather*",
        "gathered", "equation", "equation*", "split", "multline", "multline*", "eqnarray",
        "eqnarray*", "flalign", "flalign*", "displaymath",
    }
)  # fmt: skip
ARGUMENT_ENVIRONMENTS = frozenset({"alignat", "alignat*", "alignedat", "array"})

#: Commands that only change looks; blanked wherever they stand.
COSMETIC = frozenset(
    {
        "nonumber", "notag", "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle",
        "Large", "large", "LARGE", "huge", "Huge", "small", "normalsize", "footnotesize",
        "medskip", "bigskip", "smallskip", "allowdisplaybreaks", "newline",
    }
)  # fmt: skip

RELATION_WORDS: dict[str, str] = {
    "approx": "\\approx", "thickapprox": "\\approx", "approxeq": "\\approx",
    "equiv": "=", "doteq": "=", "coloneqq": "=", "triangleq": "=", "eqqcolon": "=",
    "ne": "\\ne", "neq": "\\ne",
    "le": "\\le", "leq": "\\leq", "leqslant": "\\leqslant", "ge": "\\ge", "geq": "\\geq",
    "geqslant": "\\geqslant", "lt": "<", "gt": ">", "ll": "\\ll", "gg": "\\gg",
    "propto": "\\propto", "sim": "\\sim", "simeq": "\\simeq", "cong": "\\cong",
}  # fmt: skip
#: Arrows: a separator between statements, or a relation ("\sigma(x) \to 1").
ARROWS = frozenset({"to", "rightarrow", "longrightarrow"})
#: Always separate two statements.
STRONG_SEPARATORS = frozenset(
    {"Rightarrow", "Longrightarrow", "implies", "iff", "Leftrightarrow", "Longleftrightarrow",
     "therefore", "impliedby", "Leftarrow"}
)  # fmt: skip
#: Separators that make the statements on both sides premises and consequences: equations,
#: not identities (``x^2 = 4 \implies x = 2``).
IMPLICATIONS = frozenset(
    {"Rightarrow", "Longrightarrow", "implies", "iff", "Leftrightarrow", "Longleftrightarrow",
     "therefore", "impliedby", "Leftarrow"}
)  # fmt: skip
SPACING = frozenset({"quad", "qquad", "hspace", "hskip"})
TEXT_MACROS = frozenset({"text", "textrm", "textit", "textbf", "textsf", "mbox", "hbox", "mathrm"})
CONNECTORS = frozenset(
    {"or", "and", "or equivalently", "equivalently", "i.e.", "ie", "i.e.,", "hence", "thus", "so",
     "therefore", "then", "which gives", "giving", "gives", "or, equivalently", "that is"}
)  # fmt: skip
WHERE_WORDS = frozenset({"where", "with", "let", "letting", "setting", "here", "whereby"})
#: Words after which ``x = 0`` in a reason states a condition or a fact, not a definition.
CONDITION_WORDS = frozenset(
    {"for", "if", "when", "whenever", "provided", "assuming", "near", "unless", "at", "as",
     "since", "because", "given", "evaluated", "evaluating", "on", "iff"}
)  # fmt: skip
REASON_WORDS = frozenset(
    {"by", "since", "because", "using", "use", "from", "via", "as", "apply", "applying",
     "chain", "product", "quotient", "power", "definition", "def", "def.", "substitute",
     "substituting", "multiply", "multiplying", "divide", "dividing", "add", "adding",
     "subtract", "subtracting", "factor", "factoring", "simplify", "simplifying", "rearrange",
     "rearranging", "expand", "expanding", "cancel", "cancelling", "note", "see", "recall",
     "l'hôpital", "l'hopital", "rule",
     # conditions: "\quad\text{for } x > 0" qualifies the claim, it is not math to parse
     "for", "if", "when", "whenever", "provided", "assuming", "near", "unless"}
)  # fmt: skip
