"""`derive check` as a library call: paths in, a CheckReport out; never raises for bad input."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING

from derive.check import cache as verdicts
from derive.check.cache import VerdictCache
from derive.check.parallel import JobRunner
from derive.extract import NotebookError, syntax_for
from derive.model import CheckReport, FileReport, VerifySettings

if TYPE_CHECKING:
    from derive.check.checker import ClaimChecker, FileCheck
    from derive.check.claims import Item


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


def _unreadable(path: str) -> tuple[str | None, FileReport | None]:
    """The document's text, or its report when it cannot be read."""
    if syntax_for(path) is None:
        return None, FileReport(
            path=path, findings=(),
            error="not a document derive reads (Markdown, LaTeX, reStructuredText or a notebook)",
        )
    text, error = _read(path)
    if text is None:
        return None, FileReport(path=path, findings=(), error=error)
    return text, None


def _prepare(
    path: str, text: str, definitions_latex: Sequence[str], imaginary_unit: str,
) -> FileReport | list[Item]:
    """The document's claims and findings, or its report when it cannot be checked."""
    from derive.check.checker import crash_finding, document_items

    try:
        return document_items(path, text, definitions_latex, imaginary_unit)
    except NotebookError as error:  # not JSON, not nbformat 4: one line, like a bad file
        return FileReport(path=path, findings=(), error=str(error))
    except Exception as crash:  # noqa: BLE001 - one bad file must not stop the run; reported
        return FileReport(path=path, findings=(crash_finding(path, crash),))


def _crashed(path: str, crash: Exception) -> FileReport:
    from derive.check.checker import crash_finding

    return FileReport(path=path, findings=(crash_finding(path, crash),))


def check_file(
    path: str, *, settings: VerifySettings, definitions_latex: Sequence[str] = (),
    imaginary_unit: str = "i", cache: VerdictCache | None = None,
) -> FileReport:
    return check_paths([path], settings=settings, definitions_latex=definitions_latex,
                       imaginary_unit=imaginary_unit, cache=cache, walk=False).files[0]


class _Documents:
    """The whole-document level of the cache: a hit costs no parsing (and no SymPy)."""

    def __init__(self, cache: VerdictCache | None, settings: VerifySettings,
                 definitions_latex: Sequence[str], imaginary_unit: str) -> None:
        self.cache = cache
        self.context = (settings, definitions_latex, imaginary_unit)
        self.keys: dict[str, str | None] = {}

    def lookup(self, path: str, text: str) -> FileReport | None:
        if self.cache is None:
            return None
        try:
            key = verdicts.document_key(path, text, *self.context)
            self.keys[path] = key
            record = self.cache.get(key) if key is not None else None
            return None if record is None else verdicts.report_from_record(record, path)
        except Exception:  # noqa: BLE001 - the cache never stops a run: checked afresh
            return None

    def store(self, check: FileCheck, report: FileReport) -> None:
        key = self.keys.get(check.path)
        if self.cache is None or key is None or not check.storable:
            return
        try:
            self.cache.put(key, verdicts.report_record(report))
        except Exception:  # noqa: BLE001 - the cache never stops a run
            return


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
    this process); the report is the same for every value.  ``cache``: where reports of
    unchanged documents and settled outcomes of claims are looked up and stored (None: no
    cache).  ``on_file(path)`` is called as each document's claims are settled, in order,
    e.g. to advance a progress bar.  ``walk``: folders in ``paths`` are walked (False:
    ``paths`` are the documents, as ``iter_documents`` gave them).
    """
    documents_cache = _Documents(cache, settings, definitions_latex, imaginary_unit)
    runner = JobRunner(jobs, guard_seconds=2 * settings.time_limit + 30)
    checker: ClaimChecker | None = None
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
            if not isinstance(slot, FileReport) and id(slot) not in settled:
                return
            if on_file is not None:
                on_file(slot.path)
            announced += 1

    documents = iter_documents(paths, exclude) if walk else iter(paths)
    try:
        for path in documents:
            text, unreadable = _unreadable(path)
            known = unreadable or documents_cache.lookup(path, text or "")
            if known is not None:
                slots.append(known)
                announce()
                continue
            assert text is not None
            prepared = _prepare(path, text, definitions_latex, imaginary_unit)
            if isinstance(prepared, FileReport):
                slots.append(prepared)
                announce()
                continue
            from derive.check.checker import ClaimChecker, FileCheck

            if checker is None:
                checker = ClaimChecker(settings, runner, cache)
            check = FileCheck(path, prepared, checker, on_settled=announce)
            slots.append(check)
            try:
                check.start()
            except Exception as crash:  # noqa: BLE001 - reported; the run goes on
                slots[-1] = _crashed(path, crash)
                announce()
        if checker is not None:
            checker.wait()
    finally:
        runner.close()
    report = CheckReport()
    for slot in slots:
        if not isinstance(slot, FileReport):
            try:
                done = slot.report()
            except Exception as crash:  # noqa: BLE001 - reported; the run goes on
                done = _crashed(slot.path, crash)
            else:
                documents_cache.store(slot, done)
            slot = done
        report.files.append(slot)
    return report
