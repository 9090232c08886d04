"""Errors raised while reading normalised text; ``derive.parse`` converts both to
LatexParseError, mapping ``position`` back to the original text."""

from __future__ import annotations


class SyntaxFailure(ValueError):
    """The text does not fit the grammar at ``position`` in the normalised text."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class TransformFailure(ValueError):
    """A semantic problem at ``position`` in the normalised text."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
