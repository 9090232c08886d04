"""Hostile input files: every one gives a one-line error naming the path and exit 2, or is
read correctly; nothing blocks, reads without end, or leaks a file from outside the tree.

Documents come from pull requests anyone can open, so ``derive check`` must survive binary
files, wrong encodings, FIFOs, devices, symlink loops and symlinks out of the checked folder.
Cases that would hang or read gigabytes if they regressed run in a subprocess with a timeout.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import derive.fsutil as fsutil
from derive import cli
from derive.check.api import Skipped, iter_documents
from derive.fsutil import UnreadableDocument, decode_document, read_document

WRONG = "$$\n1+1 = 3\n$$\n"  # one claim, refuted
RIGHT = "$$\n2x = x + x\n$$\n"  # one claim, proved
USAGE = 2


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the temporary folder: no pyproject.toml of this repository applies."""
    monkeypatch.chdir(tmp_path)


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``derive`` in a subprocess: a regression that blocks fails by timeout, never hangs."""
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=os.getcwd())


def error_lines(output: str, path: str) -> list[str]:
    """The report's lines about ``path``; an unreadable file must have exactly one."""
    return [line for line in output.splitlines() if line.startswith(path + ":")]


def assert_one_line_error(output: str, path: str, *words: str) -> str:
    lines = error_lines(output, path)
    assert len(lines) == 1, output
    assert "error" in lines[0] and "DRV007" in lines[0], lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in output
    return lines[0]


# ---- encodings ------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
                                   "utf-32-le", "utf-32-be"])
def test_a_byte_order_mark_decides_the_encoding(codec: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}.get(codec, b"")
    data = bom + "σ(x) = 1 + 1 = 2\n".encode(codec)
    assert decode_document(data) == "σ(x) = 1 + 1 = 2\n"


def test_a_utf16_document_with_a_byte_order_mark_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "wide.md").write_bytes(WRONG.encode("utf-16"))
    code, out, _ = check(capsys, "--format", "json", "wide.md")
    record = json.loads(out)
    claims = record["files"][0]["claims"]
    assert [c["verdict"] for c in claims] == ["refuted"] and claims[0]["line"] == 2
    assert code == 1


@pytest.mark.parametrize(("codec", "named"), [("utf-16-le", "UTF-16-LE"),
                                              ("utf-16-be", "UTF-16-BE")])
def test_utf16_without_a_byte_order_mark_is_an_error_not_zero_claims(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], codec: str, named: str,
) -> None:
    # measured before: read as UTF-8 (NUL is valid UTF-8), 0 claims, exit 0: 1+1=3 unseen
    (tmp_path / "wide.md").write_bytes(WRONG.encode(codec))
    code, out, _ = check(capsys, "wide.md")
    assert_one_line_error(out, "wide.md", named, "without a byte-order mark")
    assert code == USAGE


def test_a_binary_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\xff")
    code, out, _ = check(capsys, "image.md")
    assert_one_line_error(out, "image.md", "NUL bytes")
    assert code == USAGE


def test_invalid_utf8_is_an_error_with_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "latin1.md").write_bytes("$$\n2x = x + x\n$$\ncaf\xe9\n".encode("latin-1"))
    code, out, _ = check(capsys, "latin1.md")
    assert_one_line_error(out, "latin1.md", "cannot decode as UTF-8", "0xe9", "line 4")
    assert code == USAGE


def test_an_unreadable_document_exits_2_whatever_fail_on_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "good.md").write_text(RIGHT)
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe\xfd")
    code, out, _ = check(capsys, "--fail-on", "refuted", "good.md", "bad.md")
    assert_one_line_error(out, "bad.md")
    assert "1 proved" in out  # the rest of the run is still checked and reported
    assert code == USAGE


def test_an_empty_file_has_no_claims_and_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "empty.md").write_bytes(b"")
    code, out, _ = check(capsys, "empty.md")
    assert out.strip().startswith("1 file, 0 claims")
    assert code == 0


# ---- what is not a regular file -------------------------------------------------------------

def test_a_fifo_is_never_opened(tmp_path: Path) -> None:
    # measured before: derive check blocked forever in open()
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "docs").mkdir()
    os.mkfifo(tmp_path / "docs" / "pipe.md")
    for target in ("pipe.md", "docs"):
        result = run("check", target)
        where = "pipe.md" if target == "pipe.md" else os.path.join("docs", "pipe.md")
        assert_one_line_error(result.stdout, where, "a FIFO, not a regular file")
        assert result.returncode == USAGE


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_symlink_to_a_device_is_never_read(tmp_path: Path) -> None:
    # measured before: a link docs/x.md -> /dev/zero read 4 GB in 10 s
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").symlink_to("/dev/zero")
    walked = run("check", "docs")  # a link out of the tree: not followed, a note
    assert walked.returncode == 0 and walked.stdout.startswith("0 files")
    assert "docs/x.md: symlink to a file outside docs, not followed" in walked.stderr
    followed = run("check", "--follow-symlinks", "docs")
    assert_one_line_error(followed.stdout, "docs/x.md", "a character device")
    assert followed.returncode == USAGE
    explicit = run("check", "docs/x.md")
    assert_one_line_error(explicit.stdout, "docs/x.md", "a character device")
    assert explicit.returncode == USAGE


def test_a_file_above_the_size_limit_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    huge = tmp_path / "huge.md"
    with open(huge, "wb") as handle:  # sparse: no disk space used
        handle.truncate(fsutil.MAX_DOCUMENT_BYTES + 1)
    code, out, _ = check(capsys, "huge.md")
    assert_one_line_error(out, "huge.md", "too large", str(fsutil.MAX_DOCUMENT_BYTES))
    assert code == USAGE


def test_the_size_limit_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("x" * 100)
    assert read_document(path, max_bytes=100) == "x" * 100
    with pytest.raises(UnreadableDocument, match="too large"):
        read_document(path, max_bytes=99)


def test_a_file_that_grows_after_its_size_was_checked_is_read_no_further(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "growing.md"
    path.write_text("x" * 10_000)
    real_stat = os.stat

    def small_at_first(target: object, *args: object, **kwargs: object) -> os.stat_result:
        status = real_stat(target, *args, **kwargs)  # type: ignore[arg-type]
        fields = list(status[:10])
        fields[6] = 10  # st_size as it was when checked
        return os.stat_result(fields)

    monkeypatch.setattr(fsutil.os, "stat", small_at_first)
    with pytest.raises(UnreadableDocument, match=r"too large \(101 bytes"):
        read_document(path, max_bytes=100)


def test_a_folder_named_like_a_document_is_walked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "notes.md" / "inner.md").parent.mkdir()
    (tmp_path / "notes.md" / "inner.md").write_text(WRONG)
    (tmp_path / "docs" / "chapter.md").mkdir(parents=True)
    (tmp_path / "docs" / "chapter.md" / "page.md").write_text(RIGHT)
    code, out, _ = check(capsys, "notes.md", "docs")
    assert "notes.md/inner.md:2" in out and "DRV007" not in out
    assert out.splitlines()[-1].startswith("2 files, 2 claims: 1 proved, 0 checked, 1 refuted")
    assert code == 1


# ---- symlink loops, missing and unreadable paths --------------------------------------------

def test_a_symlink_loop_given_on_the_command_line_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "a.md").symlink_to("b.md")
    (tmp_path / "b.md").symlink_to("a.md")
    code, out, err = check(capsys, "a.md")
    assert err == "derive check: error: a.md: symlink loop (too many levels of symbolic links)\n"
    assert code == USAGE and out == ""


def test_a_symlink_loop_in_a_folder_is_a_file_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").symlink_to("b.md")
    (tmp_path / "docs" / "b.md").symlink_to("a.md")
    (tmp_path / "docs" / "ok.md").write_text(RIGHT)
    code, out, _ = check(capsys, "docs")
    for name in ("a.md", "b.md"):
        assert_one_line_error(out, os.path.join("docs", name), "symlink loop")
    assert code == USAGE


def test_a_folder_symlink_loop_ends_when_links_are_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "sub" / "page.md").write_text(RIGHT)
    (tmp_path / "docs" / "sub" / "up").symlink_to("..")  # docs/sub/up -> docs
    walked = list(iter_documents(["docs"], follow_symlinks=True))
    assert walked == [os.path.join("docs", "sub", "page.md")]
    assert list(iter_documents(["docs"])) == walked


@pytest.mark.parametrize("dangling", [False, True])
def test_a_missing_path_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dangling: bool,
) -> None:
    if dangling:
        (tmp_path / "gone.md").symlink_to("nowhere.md")
    code, out, err = check(capsys, "gone.md")
    reason = ("a symlink to a file or folder that does not exist" if dangling
              else "no such file or folder")
    assert err == f"derive check: error: gone.md: {reason}\n"
    assert code == USAGE and out == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(RIGHT)
    secret.chmod(0)
    code, out, _ = check(capsys, "secret.md")
    assert_one_line_error(out, "secret.md", "Permission denied")
    assert code == USAGE


def test_a_refused_open_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """chmod 000 as a non-root user, imitated: CI runs as root, where the mode is ignored."""
    (tmp_path / "secret.md").write_text(RIGHT)
    real_open = os.open

    def refuse(path: str, flags: int, *args: int, **kwargs: int) -> int:
        if str(path).endswith("secret.md"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(fsutil.os, "open", refuse)
    code, out, _ = check(capsys, "secret.md")
    assert_one_line_error(out, "secret.md", "cannot read file: Permission denied")
    assert code == USAGE


def test_a_folder_that_cannot_be_listed_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "docs" / "locked").mkdir(parents=True)
    (tmp_path / "docs" / "locked" / "page.md").write_text(WRONG)
    (tmp_path / "docs" / "ok.md").write_text(RIGHT)
    real_scandir = os.scandir

    def refuse(path: str = ".") -> object:
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    code, out, err = check(capsys, "docs")
    locked = os.path.join("docs", "locked")
    assert f"derive check: error: {locked}: cannot list folder: Permission denied\n" in err
    assert "1 proved" in out
    assert code == USAGE


# ---- symlinks in folder walks ---------------------------------------------------------------

def _tree_with_outside_links(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.md").write_text("$$\nSECRETLEFT = 7\n$$\n")
    (outside / "folder" / "page.md").write_text("$$\nSECRETFOLDER = 8\n$$\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(RIGHT)
    (docs / "leak.md").symlink_to(outside / "secret.md")
    (docs / "more").symlink_to(outside / "folder")


def test_a_walk_never_follows_a_symlink_out_of_the_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # measured before: the outside file's content showed up in the JSON report
    _tree_with_outside_links(tmp_path)
    code, out, err = check(capsys, "--format", "json", "docs")
    assert "SECRET" not in out
    assert [f["path"] for f in json.loads(out)["files"]] == [os.path.join("docs", "index.md")]
    assert err.splitlines() == [
        "derive check: note: docs/more: symlink to a folder outside docs, not followed "
        "(--follow-symlinks follows it)",
        "derive check: note: docs/leak.md: symlink to a file outside docs, not followed "
        "(--follow-symlinks follows it)",
    ]
    assert code == 0


def test_follow_symlinks_is_the_opt_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tree_with_outside_links(tmp_path)
    code, out, err = check(capsys, "--format", "json", "--follow-symlinks", "docs")
    assert "SECRETLEFT" in out and "SECRETFOLDER" in out
    assert err == ""


def test_a_symlink_inside_the_tree_is_read_once(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "real").mkdir(parents=True)
    (docs / "real" / "page.md").write_text(RIGHT)
    (docs / "alias.md").symlink_to(docs / "real" / "page.md")  # a link to a file in the tree
    (docs / "solo").mkdir()
    (docs / "solo" / "linked.md").symlink_to(Path("..") / "only-here.txt.md")
    (docs / "only-here.txt.md").write_text(RIGHT)
    (docs / "mirror").symlink_to(docs / "real")  # a linked folder in the tree: not walked twice
    skipped: list[Skipped] = []
    found = list(iter_documents(["docs"], on_skip=skipped.append))
    # each file once, under the first name in walk order
    assert found == [os.path.join("docs", "alias.md"), os.path.join("docs", "only-here.txt.md")]
    assert skipped == []


def test_a_document_given_by_name_is_read_through_its_symlink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "page.md").write_text(WRONG)
    (tmp_path / "link.md").symlink_to(tmp_path / "private" / "page.md")
    code, out, _ = check(capsys, "link.md")  # named on the command line: the user's choice
    assert "link.md:2" in out and code == 1


# ---- names that are not plain text ----------------------------------------------------------

def test_control_characters_in_a_file_name_are_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "docs").mkdir()
    name = "evil\x1b[2J\n::error file=x::forged.md"
    (tmp_path / "docs" / name).write_bytes(b"\xff")
    code, out, _ = check(capsys, "docs")
    assert "\x1b" not in out
    assert not any(line.startswith("::") for line in out.splitlines())
    assert "evil\\x1b[2J\\n::error file=x::forged.md: error" in out
    assert code == USAGE


def test_the_security_notes_name_only_tests_that_exist() -> None:
    """docs/security-and-reliability.md backs each guarantee with a test: none may vanish."""
    tests = Path(__file__).parent
    notes = (tests.parent / "docs" / "security-and-reliability.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(test_\w+\.py)::(\w+)`", notes))
    assert len(named) >= 40
    missing = [f"{module}::{name}" for module, name in sorted(named)
               if f"def {name}(" not in (tests / module).read_text(encoding="utf-8")]
    assert missing == []
