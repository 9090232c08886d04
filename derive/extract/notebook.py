"""Math in Jupyter notebooks: the Markdown cells of an ``.ipynb`` file.

A notebook is JSON (nbformat 4); only its Markdown cells are read, each one scanned as a
Markdown document of its own (a ``$$`` never spans two cells), and no kernel or code cell
is ever run.  The cells together are one document: a definition or a ``derive:``
directive in one cell holds in the cells after it.

Offsets: the Markdown cells are laid end to end in one *virtual* text (a one-character gap
between cells), so scanners, directives and macro expansion work on plain offsets;
:meth:`Notebook.locate` turns an offset into (cell, line, column), the cell counted from 1
over all cells.  For tools that need a line of the ``.ipynb`` file itself (SARIF, GitHub
annotations), :meth:`Notebook.file_position` maps a cell position to the line and column of
that character inside the JSON text: the decoder records where every JSON string starts.
"""

from __future__ import annotations

import bisect
import json
import json.scanner
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from derive.extract.directives import FoundDirective
from derive.extract.source import Region, SourceMap

Scanner = Callable[[str], tuple[list[Region], list[FoundDirective]]]


class NotebookError(ValueError):
    """The file is not a notebook we can read; the message is one line."""


class _Located(str):
    """A JSON string value that remembers the offset of its opening quote."""

    offset: int


def _located_string(text: str, end: int, strict: bool = True) -> tuple[str, int]:
    value, stop = json.decoder.scanstring(text, end, strict)  # type: ignore[attr-defined]
    located = _Located(value)
    located.offset = end - 1
    return located, stop


def _load(text: str) -> Any:
    """``json.loads`` whose string values carry their offset in ``text``."""
    decoder = json.JSONDecoder()
    decoder.parse_string = _located_string  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder.decode(text)


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based over all cells
    source: str
    pieces: tuple[tuple[int, int], ...]  # (offset in source, offset of the JSON string's quote)
    start: int  # offset of source[0] in the virtual text
    lines: SourceMap


class Notebook:
    """The Markdown cells of a notebook, and where their characters are."""

    def __init__(self, text: str, cells: list[Cell]) -> None:
        self.text = text
        self.cells = cells
        self.starts = [cell.start for cell in cells]
        self._file_lines: SourceMap | None = None

    def scan(self, scanner: Scanner) -> tuple[list[Region], list[FoundDirective]]:
        """Each cell scanned on its own, offsets moved into the virtual text."""
        regions: list[Region] = []
        directives: list[FoundDirective] = []
        for cell in self.cells:
            found, commands = scanner(cell.source)
            shift = cell.start
            regions += [
                replace(region, offsets=tuple(o + shift for o in region.offsets),
                        start=region.start + shift, end=region.end + shift)
                for region in found
            ]
            directives += [replace(d, offset=d.offset + shift) for d in commands]
        return regions, directives

    def _cell_at(self, offset: int) -> Cell:
        return self.cells[max(bisect.bisect_right(self.starts, offset) - 1, 0)]

    def locate(self, offset: int) -> tuple[int | None, int, int]:
        """(cell number, line in the cell, column), 1-based."""
        if not self.cells:
            return None, 1, 1
        cell = self._cell_at(offset)
        line, column = cell.lines.position(offset - cell.start)
        return cell.number, line, column

    def file_position(self, cell_number: int, line: int, column: int) -> tuple[int, int] | None:
        """Line and column in the ``.ipynb`` text of a cell's character (None: no such cell)."""
        cell = next((c for c in self.cells if c.number == cell_number), None)
        if cell is None or not cell.pieces:
            return None
        starts = cell.lines.line_starts
        offset = starts[min(max(line, 1), len(starts)) - 1] + max(column, 1) - 1
        offset = min(offset, max(len(cell.source) - 1, 0))
        index = max(bisect.bisect_right([p[0] for p in cell.pieces], offset) - 1, 0)
        piece_start, quote = cell.pieces[index]
        raw = _raw_offset(self.text, quote + 1, offset - piece_start)
        if self._file_lines is None:
            self._file_lines = SourceMap(self.text)
        return self._file_lines.position(raw)


def _raw_offset(text: str, start: int, count: int) -> int:
    """Offset in the JSON text of the ``count``-th decoded character of a string at ``start``."""
    position = start
    for _ in range(count):
        if position >= len(text) or text[position] == '"':
            break
        if text[position] != "\\":
            position += 1
        elif text.startswith("\\u", position):
            unit = int(text[position + 2 : position + 6], 16)
            pair = 0xD800 <= unit < 0xDC00 and text.startswith("\\u", position + 6)
            position += 12 if pair else 6  # a surrogate pair decodes to one character
        else:
            position += 2
    return position


def read_notebook(text: str) -> Notebook:
    """The notebook's Markdown cells; NotebookError (one line) when it is not nbformat 4."""
    try:
        data = _load(text)
    except (ValueError, RecursionError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise NotebookError(f"not a valid notebook: invalid JSON: {first}") from None
    if not isinstance(data, dict):
        raise NotebookError("not a valid notebook: the JSON is not an object")
    if "cells" not in data and "worksheets" in data:
        raise NotebookError("not a supported notebook: nbformat 3 (worksheets); save it as "
                            "nbformat 4")
    raw_cells = data.get("cells")
    if not isinstance(raw_cells, list):
        raise NotebookError("not a valid notebook: no 'cells' list")
    cells: list[Cell] = []
    start = 0
    for number, raw in enumerate(raw_cells, start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("cell_type"), str):
            raise NotebookError(f"not a valid notebook: cell {number} has no cell_type")
        if raw["cell_type"] != "markdown":
            continue
        source = raw.get("source", "")
        parts = [source] if isinstance(source, str) else source
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            raise NotebookError(
                f"not a valid notebook: cell {number}: source is not text or a list of text"
            )
        pieces: list[tuple[int, int]] = []
        length = 0
        for part in parts:
            if part:
                pieces.append((length, getattr(part, "offset", -1)))
            length += len(part)
        if any(quote < 0 for _, quote in pieces):
            pieces = []  # not located (cannot happen with _load): no file positions
        joined = "".join(parts)
        cells.append(Cell(number, joined, tuple(pieces), start, SourceMap(joined)))
        start += len(joined) + 1  # a gap: no offset belongs to two cells
    return Notebook(text, cells)


@lru_cache(maxsize=8)
def _notebook_file(path: str, stamp: tuple[int, int]) -> Notebook | None:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return read_notebook(handle.read())
    except (OSError, UnicodeDecodeError, NotebookError):
        return None


def file_position(path: str, cell: int, line: int, column: int) -> tuple[int, int] | None:
    """(line, column) in the ``.ipynb`` file of a position given as cell, line, column; None
    when the file cannot be read again (reporters then fall back to the cell alone)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    notebook = _notebook_file(path, (status.st_mtime_ns, status.st_size))
    return None if notebook is None else notebook.file_position(cell, line, column)
