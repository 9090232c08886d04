"""Every file derive writes is written atomically, keeps its mode, and never follows a symlink.

The kill test runs ``derive build sigmoid -o DIR`` (``derive.cli.main``) in a forked child and
SIGKILLs it at seeded random moments; afterwards every output must be the old complete file or
the new complete file.  The child reuses the sigmoid derivation the test process built once
(the generator's verification takes seconds and writes nothing), so each run is the CLI's
render-and-write path only and 40 kills stay affordable.  A companion test runs the same
harness against a writer that is not atomic and must catch it: the kill test can fail.
"""

from __future__ import annotations

import os
import random
import signal
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from render_fixtures import sigmoid_derivation

import derive.generate.derivation as derivation_module
import derive.render as render_module
from derive import cli
from derive.fsutil import NEW_FILE_MODE, write_atomic
from derive.model import Derivation
from derive.render import output_stem, write_outputs

OLD_MODE = 0o600


# ---- write_atomic ---------------------------------------------------------------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_a_new_file_gets_the_default_mode(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "new.txt"
    write_atomic(target, "hello\n")
    assert target.read_bytes() == b"hello\n"
    assert _mode(target) == NEW_FILE_MODE


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "private.txt"
    target.write_text("old")
    os.chmod(target, 0o600)
    write_atomic(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o600
    os.chmod(target, 0o640)
    write_atomic(target, b"newer")
    assert target.read_bytes() == b"newer" and _mode(target) == 0o640


def test_an_explicit_mode_wins(tmp_path: Path) -> None:
    target = tmp_path / "cache.bin"
    target.write_text("old")
    write_atomic(target, b"x", mode=0o600)
    assert _mode(target) == 0o600


def test_a_symlink_at_the_target_is_replaced_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    os.chmod(outside, 0o600)
    folder = tmp_path / "out"
    folder.mkdir()
    link = folder / "result.txt"
    link.symlink_to(outside)
    write_atomic(link, "generated\n")
    assert not link.is_symlink() and link.read_text() == "generated\n"
    assert outside.read_text() == "precious\n" and _mode(outside) == 0o600
    assert _mode(link) == NEW_FILE_MODE  # the link's target's mode is not copied either


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("old\n")

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


# ---- derive build -o DIR --------------------------------------------------------------------

@pytest.fixture(scope="module")
def built() -> Derivation:
    """The bundled sigmoid, generated and verified once for this module."""
    return sigmoid_derivation()


@pytest.fixture
def memoized_build(built: Derivation, monkeypatch: pytest.MonkeyPatch) -> Derivation:
    """``derive build sigmoid`` without re-running the verification: same derivation."""
    assert built.spec.name == "sigmoid"
    monkeypatch.setattr(derivation_module, "build_derivation", lambda spec, *args, **kwargs: built)
    return built


def _new_outputs(built: Derivation, folder: Path) -> dict[str, bytes]:
    written = write_outputs(built, folder)
    return {path.name: path.read_bytes() for path in written}


def test_build_keeps_modes_and_replaces_symlinks_in_the_output_folder(
    memoized_build: Derivation, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    expected = _new_outputs(memoized_build, tmp_path / "reference")
    out = tmp_path / "out"
    out.mkdir()
    (out / "sigmoid.md").write_text("old\n")
    os.chmod(out / "sigmoid.md", 0o600)
    outside = tmp_path / "outside.html"
    outside.write_text("not derive's\n")
    (out / "sigmoid.html").symlink_to(outside)
    assert cli.main(["build", "sigmoid", "-o", str(out)]) in (0, 1)
    capsys.readouterr()
    assert outside.read_text() == "not derive's\n"
    assert not (out / "sigmoid.html").is_symlink()
    assert {name: (out / name).read_bytes() for name in expected} == expected
    assert _mode(out / "sigmoid.md") == 0o600
    assert _mode(out / "sigmoid.tex") == NEW_FILE_MODE


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "", "x\ny"])
def test_an_output_name_never_leaves_the_folder(name: str) -> None:
    with pytest.raises(ValueError, match="not a plain file name"):
        output_stem(name)


# ---- SIGKILL at random moments --------------------------------------------------------------

def _old_bytes(name: str) -> bytes:
    return f"old {name}: complete, and different from what derive writes\n".encode() * 40


def _prefill(folder: Path, names: list[str]) -> None:
    for entry in folder.iterdir():
        entry.unlink()
    for name in names:
        (folder / name).write_bytes(_old_bytes(name))
        os.chmod(folder / name, OLD_MODE)


def _forked(job: Callable[[], object], before: Callable[[], object] | None = None) -> int:
    """Run ``job`` in a forked child whose output goes nowhere; return its pid."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            if before is not None:
                before()
            job()
        finally:
            os._exit(0)
    return pid


class _Run:
    """A forked run of ``job`` that tells the parent when it first opens a file in
    ``folder`` for writing (an audit hook and a pipe), so that kills can be aimed at the
    writing phase however loaded the machine is."""

    def __init__(self, job: Callable[[], object], folder: Path) -> None:
        read_end, write_end = os.pipe()
        prefix = str(folder)

        def report_first_write() -> None:
            reported = False

            def hook(event: str, args: tuple[object, ...]) -> None:
                nonlocal reported
                if reported or event != "open" or not str(args[0]).startswith(prefix):
                    return
                mode, flags = args[1], args[2]
                writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR))
                if writing:
                    reported = True
                    os.write(write_end, b"w")

            sys.addaudithook(hook)

        self.started = time.monotonic()
        self.pid = _forked(job, before=report_first_write)
        os.close(write_end)
        self._pipe = read_end

    def wait_for_first_write(self) -> float:
        """Seconds from the fork to the first write (when the run ends without one, its end)."""
        os.read(self._pipe, 1)  # returns b"" at the child's exit
        return time.monotonic() - self.started

    def finish(self, kill: bool) -> float:
        if kill:
            os.kill(self.pid, signal.SIGKILL)  # nothing happens if it has finished already
        os.waitpid(self.pid, 0)
        os.close(self._pipe)
        return time.monotonic() - self.started


def _damage(folder: Path, new: dict[str, bytes], prefilled: bool) -> list[str]:
    """What is wrong in ``folder``: each output must be old-and-complete or new-and-complete."""
    problems = []
    for name, new_bytes in new.items():
        path = folder / name
        if not path.exists():
            if prefilled:
                problems.append(f"{name}: missing")
            continue
        data = path.read_bytes()
        if data not in (new_bytes, _old_bytes(name) if prefilled else new_bytes):
            problems.append(f"{name}: {len(data)} bytes, neither old nor new")
        elif prefilled and _mode(path) != OLD_MODE:
            problems.append(f"{name}: mode {oct(_mode(path))}, not the old file's")
    for path in folder.iterdir():
        leftover = path.name not in new
        if leftover and not (path.name.startswith(".") and path.name.endswith(".tmp")):
            problems.append(f"{path.name}: unexpected file")
    return problems


def _kill_at_random_moments(
    job: Callable[[], object], folder: Path, new: dict[str, bytes], *, kills: int, seed: int,
    anywhere: bool = True,
) -> list[str]:
    """Run ``job`` ``kills`` times, SIGKILL it after a seeded random delay, inspect ``folder``.

    Half the kills (all without ``anywhere``) come at a random moment of the writing phase,
    counted from the run's first write; the others anywhere in the time an uninterrupted run
    takes.  Every other run starts from a folder of old files, the rest from none (a first
    build).
    """
    names = sorted(new)
    folder.mkdir(exist_ok=True)
    _prefill(folder, [])
    measured = _Run(job, folder)
    writing = measured.wait_for_first_write()
    window = measured.finish(kill=False) - writing  # how long an uninterrupted run writes
    rng = random.Random(seed)
    found: list[str] = []
    for trial in range(kills):
        prefilled = trial % 2 == 0
        _prefill(folder, names if prefilled else [])
        run = _Run(job, folder)
        if anywhere and trial % 4 < 2:
            delay = rng.uniform(0.0, writing + window)
            time.sleep(delay)
            moment = f"{delay:.3f}s after the start"
        else:
            run.wait_for_first_write()
            delay = rng.uniform(0.0, window)
            time.sleep(delay)
            moment = f"{delay:.3f}s after the first write"
        run.finish(kill=True)
        found += [f"kill {trial}, {moment}: {p}" for p in _damage(folder, new, prefilled)]
    return found


def test_build_killed_at_random_moments_leaves_old_or_new_complete_files(
    memoized_build: Derivation, tmp_path: Path,
) -> None:
    new = _new_outputs(memoized_build, tmp_path / "reference")
    out = tmp_path / "out"

    def build() -> None:
        cli.main(["build", "sigmoid", "-o", str(out)])

    damage = _kill_at_random_moments(build, out, new, kills=32, seed=20261201)
    assert damage == []


def test_the_kill_harness_catches_a_build_that_writes_in_place(
    memoized_build: Derivation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same harness, with the build writing each file in place in two halves (slowly, so
    that kills land mid-file): it must report torn files, or the test above proves nothing."""
    new = _new_outputs(memoized_build, tmp_path / "reference")
    out = tmp_path / "out"

    def write_in_place(path: str | Path, data: str | bytes) -> None:
        payload = data.encode() if isinstance(data, str) else data
        with open(path, "wb") as handle:  # truncates, then fills: not atomic
            handle.write(payload[: len(payload) // 2])
            handle.flush()
            time.sleep(0.02)
            handle.write(payload[len(payload) // 2:])

    monkeypatch.setattr(render_module, "write_atomic", write_in_place)

    def build() -> None:
        cli.main(["build", "sigmoid", "-o", str(out)])

    damage = _kill_at_random_moments(build, out, new, kills=12, seed=7, anywhere=False)
    assert any("neither old nor new" in problem for problem in damage)
