"""check_paths: walking, reading, excluding, and never raising for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

import derive.check.api as api
from derive.check.api import check_paths, iter_documents
from derive.model import Verdict, VerifySettings

SETTINGS = VerifySettings(time_limit=10.0)


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_walk_is_sorted_and_only_documents(tmp_path: Path) -> None:
    _write(tmp_path, "b.md", "$$\n2x = x + x\n$$\n")
    _write(tmp_path, "a/z.rst", ".. math::\n\n   2x = x + x\n")
    _write(tmp_path, "a/y.tex", "\\[ 2x = x + x \\]\n")
    _write(tmp_path, "notes.py", "x = 1\n")
    _write(tmp_path, ".hidden/c.md", "$$\n1 = 2\n$$\n")
    found = [Path(p).relative_to(tmp_path).as_posix() for p in iter_documents([str(tmp_path)])]
    assert found == ["a/y.tex", "a/z.rst", "b.md"]
    excluded = iter_documents([str(tmp_path)], exclude=["a/*"])
    assert [Path(p).name for p in excluded] == ["b.md"]
    report = check_paths([str(tmp_path)], settings=SETTINGS)
    assert [f.findings[0].verdict for f in report.files] == [Verdict.PROVED] * 3


def test_bad_files_are_reported_not_raised(tmp_path: Path) -> None:
    bad = _write(tmp_path, "latin1.md", b"$$\n\xe9 = 1\n$$\n")
    other = _write(tmp_path, "notes.txt", "hello")
    report = check_paths(
        [str(bad), str(tmp_path / "missing.md"), str(other)], settings=SETTINGS,
    )
    errors = [f.error for f in report.files]
    assert errors[0].startswith("cannot decode as UTF-8")
    assert errors[1].startswith("cannot read file")
    assert errors[2].startswith("not a document derive reads")
    assert report.counts()["error"] == 3


def test_a_crash_in_one_file_is_reported_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = _write(tmp_path, "a.md", "$$\n2x = x + x\n$$\n")
    second = _write(tmp_path, "b.md", "$$\n2x = x + x\n$$\n")
    original = api.document_items

    def flaky(path: str, text: str, *args: object, **kwargs: object):  # noqa: ANN202
        if path.endswith("a.md"):
            raise RuntimeError("boom")
        return original(path, text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "document_items", flaky)
    report = check_paths([str(first), str(second)], settings=SETTINGS)
    crash = report.files[0].findings[0]
    assert crash.verdict is Verdict.ERROR and "RuntimeError: boom" in crash.message
    assert report.files[1].findings[0].verdict is Verdict.PROVED


def test_same_file_given_twice_is_checked_once(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.md", "$$\n2x = x + x\n$$\n")
    report = check_paths([str(path), str(path)], settings=SETTINGS)
    assert len(report.files) == 1
