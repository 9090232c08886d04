"""`derive check` as a library call: paths in, a CheckReport out; never raises for bad input."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from derive.check import cache as verdicts
from derive.check.cache import VerdictCache
from derive.check.parallel import JobRunner
from derive.extract import NotebookError, syntax_for
from derive.fsutil import UnreadableDocument, os_error_text, read_document
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


@dataclass(frozen=True)
class Skipped:
    """Something a folder walk left out, and why.

    ``error`` is True when it should have been read and could not be (a folder that cannot
    be listed); False for a deliberate skip (a symlink that leads out of the folder).
    """

    path: str
    reason: str
    error: bool = False


def _inside(path: str, root: str) -> bool:
    """Whether the real location ``path`` lies in the real folder ``root``."""
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # another drive
        return False


def _walk(
    folder: str, exclude: Sequence[str], *, follow_symlinks: bool = False,
    on_skip: Callable[[Skipped], None] | None = None,
) -> list[str]:
    """Documents under ``folder`` sorted by their path components (hidden folders skipped).

    Symlinks: a link to a file inside ``folder`` (by its real path) is read like the file; a
    link that leads out of ``folder`` and a linked folder are not followed (``on_skip`` hears
    of those that lead out) unless ``follow_symlinks``, and then each real folder is walked
    once, so a symlink loop ends.  A folder that cannot be listed is reported to ``on_skip``.
    """
    root = os.path.realpath(folder)
    found: list[str] = []
    walked: set[tuple[int, int]] = set()

    def skip(path: str, reason: str, error: bool = False) -> None:
        if on_skip is not None:
            on_skip(Skipped(path, reason, error))

    def unlistable(error: OSError) -> None:
        where = error.filename if isinstance(error.filename, str) else folder
        skip(where, f"cannot list folder: {os_error_text(error)}", error=True)

    for here, dirs, files in os.walk(folder, onerror=unlistable, followlinks=follow_symlinks):
        if follow_symlinks:  # each real folder once: a symlink loop ends
            try:
                status = os.stat(here)
            except OSError:
                dirs[:] = []
                continue
            if (status.st_dev, status.st_ino) in walked:
                dirs[:] = []
                continue
            walked.add((status.st_dev, status.st_ino))
        kept = []
        for name in sorted(dirs):
            path = os.path.join(here, name)
            if name.startswith(".") or _excluded(path, exclude):
                continue
            if not follow_symlinks and os.path.islink(path):
                if not _inside(os.path.realpath(path), root):
                    skip(path, f"symlink to a folder outside {folder}, not followed "
                               "(--follow-symlinks follows it)")
                continue  # a linked folder inside the tree: its files are found where they are
            kept.append(name)
        dirs[:] = kept
        for name in files:
            path = os.path.join(here, name)
            if syntax_for(path) is None or _excluded(path, exclude):
                continue
            if not follow_symlinks and os.path.islink(path) \
                    and not _inside(os.path.realpath(path), root):
                skip(path, f"symlink to a file outside {folder}, not followed "
                           "(--follow-symlinks follows it)")
                continue
            found.append(path)
    return sorted(found, key=lambda p: PurePath(p).parts)


def _identity(path: str) -> tuple[object, ...]:
    """What makes two paths one document: the file they reach, else the path as written."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return ("path", path)
    return ("file", status.st_dev, status.st_ino)


def iter_documents(
    paths: Sequence[str], exclude: Sequence[str] = (), *, follow_symlinks: bool = False,
    on_skip: Callable[[Skipped], None] | None = None,
) -> Iterator[str]:
    """Files to check, in order: given files as they are, folders walked in sorted order.

    A file given explicitly is always yielded (an unknown kind is reported), through a symlink
    too; files found in folders only when we have a syntax for them, with the symlink rules
    of :func:`_walk`.  Each document once, however many paths reach it.
    """
    seen: set[tuple[object, ...]] = set()
    for path in paths:
        if os.path.isdir(path):
            candidates = _walk(path, exclude, follow_symlinks=follow_symlinks, on_skip=on_skip)
        elif _excluded(path, exclude):
            continue
        else:
            candidates = [path]
        for found in candidates:
            key = _identity(found)
            if key not in seen:
                seen.add(key)
                yield found


def _read(path: str) -> tuple[str | None, str]:
    """(text, error): the document's text, or why it could not be read (one line).

    Only regular files are opened, at most ``MAX_DOCUMENT_BYTES`` of them; UTF-8, or UTF-16
    and UTF-32 with a byte-order mark (see :mod:`derive.fsutil`).
    """
    try:
        return read_document(path), ""
    except UnreadableDocument as error:
        return None, str(error)


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
