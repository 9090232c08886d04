"""Pre-lexing cleanup of one LaTeX expression, keeping a map back to the original offsets.

What it does, and why it is done before the grammar sees the text:
- drops sizing/spacing/style macros (``\\left``, ``\\,``, ``\\displaystyle`` ...): no meaning;
- drops formatting with an argument (``\\hspace{..}``, ``\\tag{..}``) and trailing notes
  (``4 \\text{ bits}``) with a DRV004 lint;
- braces TeX's single-token arguments (``x^2`` -> ``x^{2}``, ``\\frac12`` -> ``\\frac{1}{2}``)
  so the grammar only sees braced scripts; ``e^-x`` becomes ``e^{-x}`` with a DRV003 lint;
- turns primes written as superscripts (``f^{\\prime}``) into ``'``, and pairs ``|...|`` into
  ``\\lvert ... \\rvert``;
- rejects unknown and out-of-scope macros with the offset of the macro.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.parse import macros


class NormalizeError(ValueError):
    """Raised for input the normaliser rejects; ``offset`` is into the original text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Lint:
    rule_id: str
    message: str
    offset: int


@dataclass(frozen=True)
class Normalized:
    text: str
    #: ``offsets[i]`` is the original offset of ``text[i]``; one extra entry maps the end.
    offsets: tuple[int, ...]
    lints: tuple[Lint, ...]

    def original_offset(self, position: int) -> int:
        return self.offsets[min(max(position, 0), len(self.offsets) - 1)]


_COMMAND = re.compile(r"\\([A-Za-z]+)")
_PRIME_SUPERSCRIPT = re.compile(r"\^\s*(?:\{\s*((?:(?:\\prime|')\s*)+)\}|\\prime(?![A-Za-z]))")
_SIGNED_NUMBER_TAIL = re.compile(r"\d+(?:\.\d+)?")
_TRAILING_FILLER = re.compile(r"(?:\s|~|\\[,;:! ]|\\q?quad(?![A-Za-z]))*")
_ABS_OPENER_PRECEDERS = ("(", "[", "{", "+", "-", "*", "/", "=", ",", "^", "_")
_ABS_OPENER_COMMANDS = ("\\cdot", "\\times", "\\lvert", "\\div", "\\{")


def group_end(text: str, start: int) -> int:
    """End (exclusive) of the balanced ``{...}`` group opening at ``start``."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "\\":
            continue
        if char == "{" and (index == 0 or text[index - 1] != "\\"):
            depth += 1
        elif char == "}" and (index == 0 or text[index - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return index + 1
    raise NormalizeError("unbalanced '{': missing '}'", start)


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def argument_end(text: str, start: int) -> int:
    """End of one TeX argument starting at ``start`` (a group, a macro with its args, a char)."""
    if start >= len(text):
        raise NormalizeError("missing argument at the end of the expression", start)
    char = text[start]
    if char == "{":
        return group_end(text, start)
    if char == "\\":
        match = _COMMAND.match(text, start)
        if match is None:
            return min(start + 2, len(text))
        end = match.end()
        for _ in range(macros.ARITY.get(match.group(1), 0)):
            end = argument_end(text, _skip_spaces(text, end))
        return end
    if char in "}^_&":
        raise NormalizeError(f"missing argument before {char!r}", start)
    return start + 1


def content_end(text: str) -> int:
    """End of the meaningful text: trailing spaces and one final '.' or ',' are not part of it."""
    end = len(text.rstrip())
    if end and text[end - 1] in ".," and not text[:end - 1].endswith("\\"):
        end = len(text[: end - 1].rstrip())
    return end


class _Normalizer:
    def __init__(self, source: str) -> None:
        self.source = source
        self.end = content_end(source)
        self.out: list[str] = []
        self.offsets: list[int] = []
        self.lints: list[Lint] = []
        self.inserts: dict[int, list[str]] = {}
        self.abs_depth = 0
        self.brace_depth = 0  # '=' is allowed only inside braces (\sum_{i=1})
        #: one entry per open \left: "eval" for \left. closed by an evaluation bar
        self.left_kinds: list[str] = []
        #: open ( and [: whether each is the argument of an operator (its events may hold
        #: relations and a bar: P(X = 1 | Y), E[X | Y]) and the |..| depth where it opened
        self.brackets: list[tuple[bool, int]] = []

    # -- output ---------------------------------------------------------------------------
    def emit(self, chunk: str, offset: int) -> None:
        self.out.append(chunk)
        self.offsets.extend([offset] * len(chunk))

    def insert_at(self, position: int, chunk: str) -> None:
        self.inserts.setdefault(position, []).append(chunk)

    def brace_argument(self, start: int) -> int:
        """Make sure the argument at ``start`` is braced; returns where it starts."""
        start = _skip_spaces(self.source, start)
        if start < self.end and self.source[start] == "{":
            return start
        end = argument_end(self.source, start)
        if end > self.end:
            raise NormalizeError("missing argument at the end of the expression", start)
        self.insert_at(start, "{")
        self.insert_at(end, "}")
        return start

    def last_output(self) -> str:
        return "".join(self.out[-3:]).rstrip()

    def recent_output(self) -> str:
        return "".join(self.out[-60:])

    def condition_bar(self) -> bool:
        """A bar at the operator's own level after an operand: ``P(A | B)``, ``E[X | Y]``;
        ``E[|X|]`` opens an absolute value (nothing stands before the bar)."""
        if not self.in_event() or self.brackets[-1][1] != self.abs_depth:
            return False
        previous = self.last_output()
        return bool(previous) and not previous.endswith(_ABS_OPENER_PRECEDERS) \
            and not previous.endswith(_ABS_OPENER_COMMANDS)

    def in_event(self) -> bool:
        """Inside the brackets of an operator: ``P(...)``, ``\\mathbb{E}[...]``, ``\\Pr(...)``."""
        return bool(self.brackets) and self.brackets[-1][0]

    # -- scanning -------------------------------------------------------------------------
    def run(self) -> Normalized:
        position = 0
        while position < self.end:
            for chunk in self.inserts.pop(position, ()):
                self.emit(chunk, position)
            position = self.step(position)
        for chunk in self.inserts.pop(self.end, ()):
            self.emit(chunk, self.end)
        if self.inserts:
            raise NormalizeError("argument runs past the end of the expression", self.end)
        self.offsets.append(self.end)
        return Normalized("".join(self.out), tuple(self.offsets), tuple(self.lints))

    def step(self, position: int) -> int:
        source = self.source
        char = source[position]
        if char.isspace() or char == "~":
            self.emit(" ", position)
            return position + 1
        if char == "\\":
            return self.command(position)
        if char in "^_":
            return self.script(position)
        if char == "|" and self.condition_bar():
            self.emit("\\mid ", position)  # P(A | B): the condition bar, not |..|
            return position + 1
        if char == "|":
            if self.subscript_follows(position + 1):
                return self.bare_evaluation_bar(position, position + 1)
            self.absolute_bar(position)
            return position + 1
        if char.isdigit() and (percent := self.percentage(position)) is not None:
            return percent
        if char == "&":
            raise NormalizeError("alignment '&' inside one expression: split rows first", position)
        if char == "%":
            raise NormalizeError("TeX comment '%' inside an expression", position)
        if char in "{}":
            self.brace_depth += 1 if char == "{" else -1
        if char in "([":
            self.brackets.append((_OPERATOR_BEFORE.search(self.recent_output()) is not None,
                                  self.abs_depth))
        elif char in ")]" and self.brackets:
            self.brackets.pop()
        if char == "=" and self.brace_depth <= 0 and not self.in_event():
            raise NormalizeError("relation '=' inside one expression: split relations first",
                                 position)
        self.emit(char, position)
        return position + 1

    def command(self, position: int) -> int:
        source = self.source
        match = _COMMAND.match(source, position)
        if match is None:
            symbol = source[position + 1: position + 2]
            if symbol in ",;:! ":
                self.emit(" ", position)
                return position + 2
            if symbol in "{}":
                self.emit("\\" + symbol, position)
                return position + 2
            if symbol == "\\":
                raise NormalizeError("line break '\\\\' inside one expression: split rows first",
                                     position)
            if symbol == "|":
                raise NormalizeError("out of scope: norms (\\|)", position)
            if symbol == "%":
                raise NormalizeError("out of scope: a percent sign (\\%) not after a number",
                                     position)
            raise NormalizeError(f"unknown macro \\{symbol}", position)
        name, end = match.group(1), match.end()
        if name in ("left", "right"):
            return self.sizing_delimiter(name, end, position)
        if name == "vert" and self.subscript_follows(end):
            return self.bare_evaluation_bar(position, end)
        self.reject_indicator(name, end, position)
        if name in macros.SILENT_FORMATTING:
            self.emit(" ", position)
            return end
        if name in macros.FORMATTING_WITH_ARGUMENT:
            after = _skip_spaces(source, end)
            if after < self.end and source[after] == "*":
                after = _skip_spaces(source, after + 1)
            if after >= self.end or source[after] != "{":
                raise NormalizeError(f"\\{name} needs a braced argument", position)
            after = group_end(source, after)
            self.lint("DRV004", f"formatting {source[position:after]} ignored", position)
            self.emit(" ", position)
            return after
        if name in macros.FORMATTING_WITHOUT_ARGUMENT:
            self.lint("DRV004", f"formatting \\{name} ignored", position)
            self.emit(" ", position)
            return end
        if name in macros.TEXT_MACROS:
            return self.text_note(name, end, position)
        if name in ("begin", "end"):
            environment = _ENVIRONMENT_NAME.match(source, end)
            if environment is not None:
                raise NormalizeError(
                    f"out of scope: {_environment_kind(environment.group(1))}", position
                )
        if name in macros.EVENT_RELATIONS and self.in_event():
            self.emit(source[position:end], position)  # P(X \le 1): a relation in an event
            return end
        if name in macros.OUT_OF_SCOPE:
            raise NormalizeError(f"out of scope: {macros.OUT_OF_SCOPE[name]}", position)
        if name not in macros.KNOWN_MACROS:
            raise NormalizeError(f"unknown macro \\{name}", position)
        self.emit(source[position:end], position)
        arity = macros.ARITY.get(name, 0)
        after = end
        if name == "sqrt":
            after = _skip_spaces(source, after)
            if after < self.end and source[after] == "[":
                return after  # the index is read by the grammar; the radicand must be braced
        for _ in range(arity):
            start = self.brace_argument(after)
            after = argument_end(source, start)
        if name in macros.ARITY:
            return end  # keep scanning inside the arguments (they may need bracing too)
        return end

    def sizing_delimiter(self, name: str, end: int, position: int) -> int:
        """``\\left(`` -> ``(``; ``\\left.`` -> nothing; ``\\left|`` -> ``\\lvert``."""
        source = self.source
        after = _skip_spaces(source, end)
        if name == "left":
            kind = "eval" if self.closed_by_evaluation_bar(end) else "plain"
            self.left_kinds.append(kind)
        else:
            kind = self.left_kinds.pop() if self.left_kinds else "plain"
        if after < self.end and source[after] == ".":
            self.emit("(" if kind == "eval" and name == "left" else " ", position)
            return after + 1
        bar = _RIGHT_BAR.match(source, after)
        if name == "right" and bar is not None and self.subscript_follows(bar.end()):
            if kind == "eval":  # \left. ... \right|_{x=a}: the group is what is evaluated
                self.emit(")", after)
                return self.evaluation_subscript(after, bar.end())
            if kind == "plain":
                return self.bare_evaluation_bar(after, bar.end())
        if after < self.end and source[after] == "|":
            if self.subscript_follows(after + 1):
                raise NormalizeError(_AMBIGUOUS_BAR, after)
            self.emit("\\lvert " if name == "left" else "\\rvert ", after)
            if name == "left":
                self.abs_depth += 1
            else:
                self.abs_depth = max(self.abs_depth - 1, 0)
            return after + 1
        self.emit(" ", position)
        return end

    def text_note(self, name: str, end: int, position: int) -> int:
        """``\\text{...}`` is allowed only at the very end (a unit or a note)."""
        source = self.source
        after = _skip_spaces(source, end)
        if after >= self.end or source[after] != "{":
            raise NormalizeError(f"\\{name} needs a braced argument", position)
        after = group_end(source, after)
        word = source[_skip_spaces(source, end) + 1 : after - 1].strip()
        if _FUNCTION_WORD.fullmatch(word) and source[_skip_spaces(source, after):].startswith("("):
            # \text{softplus}(x): an operator name written with \text, as \operatorname{..}
            self.emit(f"\\operatorname{{{word}}}", position)
            return after
        rest = after
        while True:
            rest = _TRAILING_FILLER.match(source, rest).end()  # type: ignore[union-attr]
            if rest >= self.end:
                break
            match = _COMMAND.match(source, rest)
            if match is None or match.group(1) not in macros.TEXT_MACROS:
                raise NormalizeError(
                    f"text {source[position:after]} inside an expression "
                    "(only a trailing unit or note is ignored)",
                    position,
                )
            rest = group_end(source, _skip_spaces(source, match.end()))
        self.lint("DRV004", f"trailing text {source[position:self.end].strip()} ignored", position)
        return self.end

    def script(self, position: int) -> int:
        source = self.source
        char = source[position]
        if char == "^":
            prime = _PRIME_SUPERSCRIPT.match(source, position)
            if prime is not None:
                count = max(1, prime.group(0).count("\\prime") + prime.group(0).count("'"))
                self.emit("'" * count, position)
                return prime.end()
        self.emit(char, position)
        start = _skip_spaces(source, position + 1)
        if start >= self.end:
            raise NormalizeError(f"missing argument after {char!r}", position)
        following = source[start]
        if following == "{":
            return start
        if char == "^" and following in "+-":
            return self.signed_superscript(position, start)
        if char == "^" and following.isdigit() and start + 1 < self.end \
                and source[start + 1].isdigit():
            base = self.base_before(position)
            self.lint(
                "DRV003",
                f"{base}^{source[start:start + 2]}: TeX renders this as "
                f"{base}^{{{following}}}{source[start + 1]}; read as {base}^{{{following}}}"
                f"\u00b7{source[start + 1]}",
                position,
            )
        self.brace_argument(start)
        return start

    def signed_superscript(self, caret: int, sign_at: int) -> int:
        """``e^-x`` / ``e^-2x``: TeX superscripts only the sign; read the sign with its operand."""
        source = self.source
        after = _skip_spaces(source, sign_at + 1)
        if after >= self.end or source[after] in "}^_&)]" or source[after].isspace():
            # ``0^+`` (a one-sided limit point) or a bare sign: brace the sign alone.
            self.insert_at(sign_at, "{")
            self.insert_at(sign_at + 1, "}")
            return sign_at
        if source[after].isdigit():
            number = _SIGNED_NUMBER_TAIL.match(source, after)
            end = number.end() if number else after + 1
            if end < self.end and (source[end].isalpha() or source[end] == "\\"):
                end = argument_end(source, end)
        elif source[after] == "(":
            end = _paren_end(source, after)
        else:
            end = argument_end(source, after)
        if end > self.end:
            raise NormalizeError("superscript runs past the end of the expression", sign_at)
        base = self.base_before(caret)
        operand = source[after:end]
        sign = source[sign_at]
        self.lint(
            "DRV003",
            f"{base}^{sign}{operand}: TeX renders this as {base}^{{{sign}}}{operand}; "
            f"read as {base}^{{{sign}{operand}}}",
            caret,
        )
        self.insert_at(sign_at, "{")
        self.insert_at(end, "}")
        return sign_at

    def base_before(self, caret: int) -> str:
        """The character(s) written just before ``^``, for lint messages."""
        prefix = self.source[:caret].rstrip()
        match = re.search(r"(\\[A-Za-z]+|[A-Za-z0-9)}\]])$", prefix)
        return match.group(1) if match else ""

    def percentage(self, start: int) -> int | None:
        """``98.2\\%`` reads as ``(98.2/100)``; returns the position after ``\\%``, or None."""
        if start > 0 and (self.source[start - 1].isdigit() or self.source[start - 1] == "."):
            return None  # not the start of a number
        match = _PERCENTAGE.match(self.source, start)
        if match is None or match.end() > self.end:
            return None
        if any(start < pending <= match.end() for pending in self.inserts):
            return None  # inside a script being braced (x^50\%): not read as a percentage
        number = match.group(1)
        self.emit("(", start)
        for index, digit in enumerate(number):
            self.emit(digit, start + index)
        self.emit("/100)", match.end() - 2)
        return match.end()

    def reject_indicator(self, name: str, end: int, position: int) -> None:
        """``\\mathbb{1}[x>0]``, ``\\mathbf{1}_{x>0}``: indicator functions, named as such."""
        if name not in _INDICATOR_FONTS:
            return
        start = _skip_spaces(self.source, end)
        if start >= self.end:
            return
        argument_stop = argument_end(self.source, start)
        argument = self.source[start:argument_stop].strip("{} \t\n")
        following = self.source[_skip_spaces(self.source, argument_stop):]
        if argument == "1" or (argument == "I" and following.startswith(_INDICATOR_BRACKETS)):
            ones = " or vectors of ones" if name in _VECTOR_FONTS else ""
            raise NormalizeError(
                f"out of scope: indicator functions{ones} "
                f"({self.source[position:argument_stop]})",
                position,
            )

    # -- evaluation bars: \left. E \right|_{x=a}, E \Big|_{x=a} -> (E)\evalbar_{x=a} -------
    def subscript_follows(self, after: int) -> bool:
        """Whether a bar ending at ``after`` has a subscript: then it evaluates at a point
        (``|x|^2`` is a power of an absolute value)."""
        following = _skip_spaces(self.source, after)
        return following < self.end and self.source[following] == "_"

    def closed_by_evaluation_bar(self, end: int) -> bool:
        """Whether the ``\\left`` ending at ``end`` is ``\\left.`` whose ``\\right`` is a
        bar with a script (the matching ``\\right`` is found by counting pairs)."""
        source = self.source
        after = _skip_spaces(source, end)
        if after >= self.end or source[after] != ".":
            return False
        depth = 1
        for match in _LEFT_RIGHT.finditer(source, after + 1, self.end):
            depth += 1 if match.group(1) == "left" else -1
            if depth == 0:
                bar = _RIGHT_BAR.match(source, _skip_spaces(source, match.end()))
                return bar is not None and self.subscript_follows(bar.end())
        return False

    def bare_evaluation_bar(self, bar: int, after: int) -> int:
        """``E \\Big|_{x=a}`` without ``\\left.``: the bar evaluates everything before it."""
        written = "".join(self.out)
        if not written.strip():
            raise NormalizeError("an evaluation bar with nothing before it to evaluate", bar)
        if self.abs_depth > 0 or _open_depth(written) != 0:
            raise NormalizeError(_AMBIGUOUS_BAR, bar)
        self.out.insert(0, "(")
        self.offsets.insert(0, 0)
        self.emit(")", bar)
        return self.evaluation_subscript(bar, after)

    def evaluation_subscript(self, bar: int, after: int) -> int:
        """Emit ``\\evalbar_`` for ``|_{x=a}``; the braced ``x=a`` is then scanned as usual."""
        source = self.source
        script = _skip_spaces(source, after)
        group = _skip_spaces(source, script + 1)
        if group >= self.end or source[group] != "{":
            raise NormalizeError(_POINT_BAR, bar)
        close = group_end(source, group)
        if "=" not in source[group + 1 : close - 1]:
            raise NormalizeError(_POINT_BAR, bar)
        following = _skip_spaces(source, close)
        if following < self.end and source[following] == "^":
            raise NormalizeError(_BOUNDS_BAR, bar)
        self.emit("\\evalbar", bar)
        self.emit("_", script)
        return group

    def absolute_bar(self, position: int) -> None:
        previous = self.last_output()
        opens = (
            self.abs_depth == 0
            or not previous
            or previous.endswith(_ABS_OPENER_PRECEDERS)
            or previous.endswith(_ABS_OPENER_COMMANDS)
        )
        if opens:
            self.abs_depth += 1
            self.emit("\\lvert ", position)
        else:
            self.abs_depth -= 1
            self.emit("\\rvert ", position)

    def lint(self, rule_id: str, message: str, offset: int) -> None:
        self.lints.append(Lint(rule_id, message, offset))


_FUNCTION_WORD = re.compile(r"[A-Za-z]{2,}")
#: An operator head right before a bracket: its argument is an event (P(X = 1), E[X | Y]).
_OPERATOR_BEFORE = re.compile(
    r"(?:\\mathbb\s*\{\s*[EPV]\s*\}|\\(?:operatorname|mathrm|mathsf|text)\s*\{\s*(?:E|P|Pr|Var|Cov)"
    r"\s*\}|\\Pr|(?<![A-Za-z\\])(?:E|P|Var|Cov))\s*(?:_\s*\{[^{}]*\}\s*)?$"
)
_PERCENTAGE = re.compile(r"(\d+(?:\.\d+)?)\s*\\%")
#: Fonts in which a 1 (or an I before a bracket) is an indicator function.
_INDICATOR_FONTS = frozenset({"mathbb", "mathbbm", "mathds", "mathbf", "boldsymbol", "bm"})
_VECTOR_FONTS = frozenset({"mathbf", "boldsymbol", "bm"})
_INDICATOR_BRACKETS = ("[", "(", "\\{", "_", "\\left", "\\big", "\\Big")
_LEFT_RIGHT = re.compile(r"\\(left|right)(?![A-Za-z])")
_RIGHT_BAR = re.compile(r"\||\\vert(?![A-Za-z])")
_POINT_BAR = "out of scope: evaluation bars without a point (write |_{x=a})"
_BOUNDS_BAR = "out of scope: evaluation between bounds (|_{a}^{b})"
_AMBIGUOUS_BAR = (
    "out of scope: evaluation bars inside brackets or absolute values "
    "(write \\left. ... \\right|_{x=a})"
)
_OPENERS = re.compile(r"\\lvert(?![A-Za-z])|\\rvert(?![A-Za-z])|\\[{}]|\\[A-Za-z]+|\\.|[()\[\]{}]")


def _open_depth(text: str) -> int:
    """How many brackets (of any kind) are still open at the end of normalised ``text``."""
    depth = 0
    for match in _OPENERS.finditer(text):
        token = match.group(0)
        if token in ("(", "[", "{", "\\{", "\\lvert"):
            depth += 1
        elif token in (")", "]", "}", "\\}", "\\rvert"):
            depth -= 1
    return depth
_ENVIRONMENT_NAME = re.compile(r"\s*\{\s*([A-Za-z*]+)\s*\}")


def _environment_kind(name: str) -> str:
    """What an environment inside an expression stands for, for the out-of-scope message."""
    if name.rstrip("*") in ("cases", "dcases", "rcases"):
        return f"piecewise definitions (\\begin{{{name}}})"
    if name.rstrip("*").endswith("matrix") or name in ("array", "smallmatrix"):
        return f"matrices (\\begin{{{name}}})"
    return f"the {name} environment inside an expression (\\begin{{{name}}})"


def _paren_end(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    raise NormalizeError("unbalanced '(' in a superscript", start)


def normalize(source: str) -> Normalized:
    """Clean ``source`` for the lexer; raises NormalizeError with an original offset."""
    return _Normalizer(source).run()
