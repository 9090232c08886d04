"""Workers die with their parent: a `derive check` or `derive build` stopped by SIGKILL or
SIGTERM leaves no process behind, SIGTERM ends it without a traceback, and a stopped
build leaves its output folder as it was (all files or none).

(`tests/test_worker.py` covers one claim worker under a bare ``run_claim``; here the
real command line is stopped while it works.)  The loops that wait are hang guards
only: no test asserts how long anything takes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from derive.render import plots_available

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and Path("/proc/self/stat").exists()),
    reason="the parent-death signal and /proc are Linux",
)

#: A claim that keeps its worker busy for far longer than the test waits.
SLOW_DOCUMENT = "A slow claim:\n\n$$\n\\frac{d^{40}}{dx^{40}} \\tan(\\sin x) = 0\n$$\n"
#: Its time limit: far past the hang guard, so that an orphaned worker would still be
#: there when the test looks.
CLAIM_SECONDS = "600"

#: Hang guards (seconds): how long to wait for something that happens at once normally.
START_GUARD, END_GUARD = 120.0, 30.0
POLL = 0.01
#: Polls in a row a worker must be seen in before it counts as the slow claim's.
SUSTAINED = 50

Process = tuple[int, str]  # pid and start time: a pid reused by another process differs


def _stat(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, start time) of ``pid`` from /proc, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the name in brackets may hold spaces
    return int(fields[1]), fields[0], fields[19]


def _all_pids() -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            yield int(entry)


def _descendants(root: int) -> set[Process]:
    """Every live process below ``root``."""
    children: dict[int, list[tuple[int, str]]] = {}
    for pid in _all_pids():
        stat = _stat(pid)
        if stat is not None and stat[1] != "Z":
            children.setdefault(stat[0], []).append((pid, stat[2]))
    found: set[Process] = set()
    todo = [root]
    while todo:
        for pid, started in children.get(todo.pop(), []):
            found.add((pid, started))
            todo.append(pid)
    return found


def _alive(process: Process) -> bool:
    pid, started = process
    stat = _stat(pid)
    return stat is not None and stat[2] == started and stat[1] != "Z"


def _start(args: list[str], cwd: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """``python3 args`` with this repository's derive; stderr goes to a file (a pipe would
    stay open as long as an orphaned worker holds it)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    stderr = cwd / "stderr.txt"
    with open(stderr, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )
    return process, stderr


def _wait_until(condition: Callable[[], bool], parent: subprocess.Popen[bytes], what: str) -> None:
    give_up = time.monotonic() + START_GUARD
    while not condition():
        if parent.poll() is not None:
            pytest.fail(f"derive ended (exit {parent.returncode}) before {what}")
        if time.monotonic() > give_up:
            parent.kill()
            pytest.fail(f"{what}: never happened (hang guard)")
        time.sleep(POLL)


def _stop(
    parent: subprocess.Popen[bytes], signum: int, stderr: Path
) -> tuple[set[Process], set[Process], str]:
    """Send ``signum`` now; the processes that were below derive, those of them still
    alive after the hang guard (killed then, so that a failing test leaves nothing
    behind), and derive's stderr."""
    workers = _descendants(parent.pid)
    parent.send_signal(signum)
    try:
        parent.wait(timeout=END_GUARD)
    finally:
        parent.kill()
    give_up = time.monotonic() + END_GUARD
    while any(_alive(worker) for worker in workers) and time.monotonic() < give_up:
        time.sleep(POLL)
    orphans = {worker for worker in workers if _alive(worker)}
    for pid, _ in orphans:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return workers, orphans, stderr.read_text()


def _assert_clean_end(parent: subprocess.Popen[bytes], stderr: str, signum: int) -> None:
    # killed by the signal itself (a shell reports 128 + signum), or exiting with 128 + signum
    assert parent.returncode in (-signum, 128 + signum), (parent.returncode, stderr)
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) <= 1, stderr


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_a_stopped_check_leaves_no_worker(tmp_path: Path, signum: int) -> None:
    (tmp_path / "slow.md").write_text(SLOW_DOCUMENT)
    parent, stderr = _start(
        ["-m", "derive", "check", "slow.md", "--time-limit", CLAIM_SECONDS], tmp_path
    )
    seen: dict[Process, int] = {}

    def a_worker_keeps_running() -> bool:  # the slow claim's worker, not a passing fork
        for worker in _descendants(parent.pid):
            seen[worker] = seen.get(worker, 0) + 1
        return any(count >= SUSTAINED and _alive(w) for w, count in seen.items())

    _wait_until(a_worker_keeps_running, parent, "the slow claim's worker ran")
    workers, orphans, text = _stop(parent, signum, stderr)
    assert workers
    assert not orphans, "orphaned workers"
    if signum == signal.SIGTERM:
        _assert_clean_end(parent, text, signum)


#: ``derive build`` with one step made slow (it notes its pid, then sleeps): a generation
#: step (a limit, in its time-limited child) or a claim (a grid check, in its worker).
SLOW_BUILD = textwrap.dedent(
    """
    import os, sys, time
    import derive.generate.limit_steps
    import derive.verify.grid
    from derive.cli import main

    def slow(*args, **kwargs):
        with open(sys.argv[1], "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(600)

    if sys.argv[2] == "limit":
        derive.generate.limit_steps._limit = slow
    else:
        derive.verify.grid._high_precision = slow
    sys.exit(main(["build", "-o", sys.argv[3]]))
    """
)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
@pytest.mark.parametrize("slow_step", ["limit", "grid check"])
def test_a_stopped_build_leaves_no_worker_and_writes_nothing(
    tmp_path: Path, signum: int, slow_step: str
) -> None:
    pid_file, out = tmp_path / "slow.pid", tmp_path / "out"
    parent, stderr = _start(["-c", SLOW_BUILD, str(pid_file), slow_step, str(out)], tmp_path)
    _wait_until(lambda: pid_file.exists() and bool(pid_file.read_text()), parent,
                "the slow step started")
    slow = int(pid_file.read_text())
    workers, orphans, text = _stop(parent, signum, stderr)
    assert slow in {pid for pid, _ in workers}
    assert not orphans, "orphaned workers"
    if signum == signal.SIGTERM:
        _assert_clean_end(parent, text, signum)
        assert not out.exists() or not list(out.iterdir()), "a stopped build wrote files"


def test_sigterm_while_the_build_writes_leaves_every_file_or_none(tmp_path: Path) -> None:
    """SIGTERM the moment the first file appears: the build finishes writing (it defers
    the signal while it writes) and then ends; no temporary file is left."""
    out = tmp_path / "out"
    parent, stderr = _start(["-m", "derive", "build", "sigmoid", "-o", str(out)], tmp_path)
    _wait_until(lambda: out.exists() and any(out.iterdir()), parent, "the build wrote")
    _, _, text = _stop(parent, signal.SIGTERM, stderr)
    assert parent.returncode in (0, -signal.SIGTERM), (parent.returncode, text)
    assert "Traceback" not in text
    written = sorted(path.name for path in out.iterdir())
    expected = [path.name for path in (REPO / "output").glob("sigmoid.*")]
    if not plots_available():
        expected = [name for name in expected if not name.endswith(".svg")]
    assert written == sorted(expected)
