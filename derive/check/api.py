"""`derive check` as a library call: paths in, a CheckReport out; never raises for bad input."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import PurePath

from derive.check.cache import VerdictCache
from derive.check.checker import ClaimChecker, FileCheck, crash_finding, document_items
from derive.check.claims import Item
from derive.check.parallel import JobRunner
from derive.extract import NotebookError, syntax_for
from derive.model import CheckReport, FileReport, VerifySettings


def _excluded(path: str, patterns: Sequence[str]) -> bool:
    """A glob matches the path as given, any trailing part of it, or its file name."""
    if not patterns:
        return False
    parts = PurePath(path).parts
    candidates = {path, PurePath(path).as_posix()}
    candidates |= {"/".join(parts[i:]) for i in range(len(parts))}
    return any(fnmatch.fnmatch(c, p) for c in candidates for p in patterns)


def _walk(folder: str, exclude: Sequence[str]) -> list[str]:
    """Documents under ``folder`` sorted by their path components (hidden folders skipped)."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [
            d for d in dirs
            if not d.startswith(".") and not _excluded(os.path.join(root, d), exclude)
        ]
        for name in files:
            path = os.path.join(root, name)
            if syntax_for(path) is not None and not _excluded(path, exclude):
                found.append(path)
    return sorted(found, key=lambda p: PurePath(p).parts)


def iter_documents(paths: Sequence[str], exclude: Sequence[str] = ()) -> Iterator[str]:
    """Files to check, in order: given files as they are, folders walked in sorted order.

    A file given explicitly is always yielded (an unknown kind is reported); files found
    in folders only when we have a syntax for them.  Each path once.
    """
    seen: set[str] = set()
    for path in paths:
        if os.path.isdir(path):
            for found in _walk(path, exclude):
                if found not in seen:
                    seen.add(found)
                    yield found
        elif path not in seen and not _excluded(path, exclude):
            seen.add(path)
            yield path


def _read(path: str) -> tuple[str | None, str]:
    """(text, error): the file decoded as UTF-8, or why it could not be."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return None, f"cannot read file: {error.strerror or error}"
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as error:
        return None, f"cannot decode as UTF-8: invalid byte at offset {error.start}"


def _prepare(
    path: str, definitions_latex: Sequence[str], imaginary_unit: str,
) -> FileReport | list[Item]:
    """The document's claims and findings, or its report when it cannot be checked."""
    if syntax_for(path) is None:
        return FileReport(
            path=path, findings=(),
            error="not a document derive reads (Markdown, LaTeX, reStructuredText or a notebook)",
        )
    text, error = _read(path)
    if text is None:
        return FileReport(path=path, findings=(), error=error)
    try:
        return document_items(path, text, definitions_latex, imaginary_unit)
    except NotebookError as error:  # not JSON, not nbformat 4: one line, like a bad file
        return FileReport(path=path, findings=(), error=str(error))
    except Exception as crash:  # noqa: BLE001 - one bad file must not stop the run; reported
        return FileReport(path=path, findings=(crash_finding(path, crash),))


def check_file(
    path: str, *, settings: VerifySettings, definitions_latex: Sequence[str] = (),
    imaginary_unit: str = "i", cache: VerdictCache | None = None,
) -> FileReport:
    return check_paths([path], settings=settings, definitions_latex=definitions_latex,
                       imaginary_unit=imaginary_unit, cache=cache, walk=False).files[0]


def check_paths(
    paths: Sequence[str],
    *,
    settings: VerifySettings,
    exclude: Sequence[str] = (),
    definitions_latex: Sequence[str] = (),
    imaginary_unit: str = "i",
    on_file: Callable[[str], None] | None = None,
    jobs: int = 1,
    cache: VerdictCache | None = None,
    walk: bool = True,
) -> CheckReport:
    """Check every document under ``paths``; the report lists files in walk order.

    ``jobs``: claims verified side by side in forked workers (1: one after the other, in
    this process); the report is the same for every value.  ``cache``: where settled
    outcomes are looked up and stored (None: no cache).  ``on_file(path)`` is called as
    each document's claims are settled, in order, e.g. to advance a progress bar.
    """
    runner = JobRunner(jobs, guard_seconds=2 * settings.time_limit + 30)
    checker = ClaimChecker(settings, runner, cache)
    slots: list[FileReport | FileCheck] = []
    settled: set[int] = set()
    announced = 0

    def announce(check: FileCheck | None = None) -> None:
        """Call on_file for each leading document whose claims are all settled."""
        nonlocal announced
        if check is not None:
            settled.add(id(check))
        while announced < len(slots):
            slot = slots[announced]
            if isinstance(slot, FileCheck) and id(slot) not in settled:
                return
            if on_file is not None:
                on_file(slot.path)
            announced += 1

    documents = iter_documents(paths, exclude) if walk else iter(paths)
    try:
        for path in documents:
            prepared = _prepare(path, definitions_latex, imaginary_unit)
            if isinstance(prepared, FileReport):
                slots.append(prepared)
                announce()
                continue
            check = FileCheck(path, prepared, checker, on_settled=announce)
            slots.append(check)
            try:
                check.start()
            except Exception as crash:  # noqa: BLE001 - reported; the run goes on
                slots[-1] = FileReport(path=path, findings=(crash_finding(path, crash),))
                announce()
        checker.wait()
    finally:
        runner.close()
    report = CheckReport()
    for slot in slots:
        if isinstance(slot, FileCheck):
            try:
                slot = slot.report()
            except Exception as crash:  # noqa: BLE001 - reported; the run goes on
                slot = FileReport(path=slot.path, findings=(crash_finding(slot.path, crash),))
        report.files.append(slot)
    return report
