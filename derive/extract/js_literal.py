"""Read MathJax/KaTeX configuration objects out of JavaScript, without running it.

Sites configure MathJax with an object literal (``window.MathJax = { tex: { macros: {...}
} }``, MathJax 2's ``MathJax.Hub.Config({...})``, KaTeX's ``renderMathInElement(el, {...})``).
This is a small reader of JavaScript *literals* only: objects, arrays, strings (with JS
escapes), numbers, ``true``/``false``/``null``.  A value of any other kind (a function, a
variable, an expression) is skipped to the next ``,`` at its level and left out of the
result, so ``startup: { ready() {...} }`` costs nothing and is never evaluated.
"""

from __future__ import annotations

import re
from typing import Any

#: Where a configuration object starts: the match ends just before its ``{``.
_OPENERS = (
    re.compile(r"(?:window\s*\.\s*)?\bMathJax\s*=\s*(?=\{)"),
    re.compile(r"\bMathJax\s*\.\s*Hub\s*\.\s*Config\s*\(\s*(?=\{)"),
)
_KATEX = re.compile(r"\brenderMathInElement\s*\(")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
MAX_DEPTH = 64


class _Skipped:
    """A value that is not a literal (left out of the result)."""


SKIPPED = _Skipped()


class LiteralError(ValueError):
    """The text is not a literal where one was expected."""


def find_config_objects(text: str) -> list[dict[str, Any]]:
    """Every MathJax or KaTeX configuration object literal in a script or HTML page."""
    found: list[dict[str, Any]] = []
    starts = [m.end() for pattern in _OPENERS for m in pattern.finditer(text)]
    for match in _KATEX.finditer(text):
        comma = _Reader(text, match.end()).skip_value()  # the element argument
        if comma < len(text) and text[comma] == ",":
            starts.append(comma + 1)
    for start in sorted(starts):
        reader = _Reader(text, start)
        try:
            value = reader.value()
        except (ValueError, OverflowError, RecursionError):  # LiteralError, bad escapes
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def read_literal(text: str) -> Any:
    """One literal (tests; SKIPPED where a value is not a literal)."""
    return _Reader(text, 0).value()


class _Reader:
    def __init__(self, text: str, position: int) -> None:
        self.text = text
        self.position = position
        self.depth = 0

    def blanks(self) -> None:
        text = self.text
        while self.position < len(text):
            if text[self.position].isspace():
                self.position += 1
            elif text.startswith("//", self.position):
                end = text.find("\n", self.position)
                self.position = len(text) if end < 0 else end
            elif text.startswith("/*", self.position):
                end = text.find("*/", self.position + 2)
                self.position = len(text) if end < 0 else end + 2
            else:
                return

    def peek(self) -> str:
        self.blanks()
        return self.text[self.position] if self.position < len(self.text) else ""

    def value(self) -> Any:
        char = self.peek()
        if char == "{":
            return self._nested(self._object)
        if char == "[":
            return self._nested(self._array)
        if char in "'\"":
            return self._string()
        number = _NUMBER.match(self.text, self.position)
        if number is not None and not _IDENTIFIER.match(self.text, number.end()):
            self.position = number.end()
            return float(number.group(0)) if any(c in number.group(0) for c in ".eE") \
                else int(number.group(0))
        word = _IDENTIFIER.match(self.text, self.position)
        if word is not None and word.group(0) in ("true", "false", "null"):
            after = self._after_word(word.end())
            if after in (",", "}", "]", ")", ";", ""):
                self.position = word.end()
                return {"true": True, "false": False, "null": None}[word.group(0)]
        if not char:
            raise LiteralError("value expected")
        self.position = self.skip_value()
        return SKIPPED

    def _after_word(self, end: int) -> str:
        probe = _Reader(self.text, end)
        return probe.peek()

    def _nested(self, read: Any) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LiteralError("nested too deeply")
        try:
            return read()
        finally:
            self.depth -= 1

    def _object(self) -> dict[str, Any]:
        self.position += 1  # {
        result: dict[str, Any] = {}
        while True:
            char = self.peek()
            if char == "}":
                self.position += 1
                return result
            if not char:
                raise LiteralError("unclosed object")
            key = self._key()
            if key is None or self.peek() != ":":  # a method, a spread, a computed key ...
                self.position = self.skip_value()
            else:
                self.position += 1
                value = self.value()
                if value is not SKIPPED:
                    result[key] = value
            if self.peek() == ",":
                self.position += 1
            elif self.peek() != "}":
                raise LiteralError("',' or '}' expected")

    def _key(self) -> str | None:
        char = self.peek()
        if char in "'\"":
            return self._string()
        word = _IDENTIFIER.match(self.text, self.position) or _NUMBER.match(
            self.text, self.position)
        if word is None:
            return None
        self.position = word.end()
        return word.group(0)

    def _array(self) -> list[Any]:
        self.position += 1  # [
        result: list[Any] = []
        while True:
            char = self.peek()
            if char == "]":
                self.position += 1
                return result
            if not char:
                raise LiteralError("unclosed array")
            value = self.value()
            result.append(value)  # kept even when SKIPPED: positions matter in arrays
            if self.peek() == ",":
                self.position += 1
            elif self.peek() != "]":
                raise LiteralError("',' or ']' expected")

    def _string(self) -> str:
        text = self.text
        quote = text[self.position]
        position = self.position + 1
        out: list[str] = []
        while position < len(text):
            char = text[position]
            if char == quote:
                self.position = position + 1
                return "".join(out)
            if char == "\n":
                break
            if char != "\\":
                out.append(char)
                position += 1
                continue
            position += 1
            if position >= len(text):
                break
            escape = text[position]
            if escape == "u" and text.startswith("{", position + 1):
                close = text.find("}", position)
                out.append(chr(int(text[position + 2 : close], 16)))
                position = close + 1
            elif escape == "u":
                out.append(chr(int(text[position + 1 : position + 5], 16)))
                position += 5
            elif escape == "x":
                out.append(chr(int(text[position + 1 : position + 3], 16)))
                position += 3
            elif escape == "\n":
                position += 1  # a line continuation
            else:
                out.append(_ESCAPES.get(escape, escape))
                position += 1
        raise LiteralError("unclosed string")

    def skip_value(self) -> int:
        """Offset of the ``,`` or closing bracket that ends the value at the position."""
        text = self.text
        position = self.position
        depth = 0
        while position < len(text):
            char = text[position]
            if char in "'\"`":
                end = position + 1
                while end < len(text) and text[end] != char:
                    end += 2 if text[end] == "\\" else 1
                position = end + 1
                continue
            if text.startswith("//", position) or text.startswith("/*", position):
                probe = _Reader(text, position)
                probe.blanks()
                position = probe.position
                continue
            if char in "([{":
                depth += 1
            elif char in ")]}":
                if depth == 0:
                    return position
                depth -= 1
            elif char == "," and depth == 0:
                return position
            position += 1
        return position
