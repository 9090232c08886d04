"""``derive check -j N``: the same report for every N, and the job runner underneath."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from derive.check.parallel import JobRunner, usable_cores

REPOSITORY = Path(__file__).resolve().parent.parent
DOCS = REPOSITORY / "tests" / "docs"


def many_claims(count: int) -> str:
    """A document of ``count`` blocks: identities, a refuted chain that a later step
    undoes, a limit and decimals, so that every kind of job (and the undo note) runs."""
    blocks = []
    for k in range(count):
        a = 2 + k % 7
        blocks.append(f"$$\n(x+{a})^2 = x^2 + {2 * a}x + {a * a}\n$$\n")
        blocks.append(f"$$\n\\sin({a}x)^2 + \\cos({a}x)^2 = 1\n$$\n")
        if k % 5 == 0:
            blocks.append(  # wrong, wrong back again: the undo note
                f"$$\n(x+{a})^2 = x^2 + {a * a} = x^2 + {2 * a}x + {a * a}\n$$\n"
            )
            blocks.append(f"$$\n\\lim_{{x \\to 0}} \\frac{{\\sin({a}x)}}{{x}} = {a}\n$$\n")
            blocks.append("$$\ne^{1} \\approx 2.71828\n$$\n")
            blocks.append(f"$$\n(x+{a})^3 = x^3 + {a}\n$$\n")  # refuted
    return "\nSome text.\n\n".join(blocks)


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "derive", "check", "--no-cache", "--format", "json", *args],
        capture_output=True, text=True, cwd=REPOSITORY, timeout=900,
    )


def test_the_report_is_byte_identical_for_every_number_of_jobs(tmp_path: Path) -> None:
    generated = tmp_path / "many.md"
    generated.write_text(many_claims(12), encoding="utf-8")
    runs = {jobs: run_check("-j", str(jobs), str(DOCS), str(generated)) for jobs in (1, 2, 4)}
    serial = runs[1]
    assert serial.returncode == 1, serial.stderr  # tests/docs/bad has refutations
    assert '"this step undoes the error of line' in serial.stdout or "undoes" in serial.stdout
    assert serial.stdout.count('"verdict": "proved"') > 100
    for jobs, result in runs.items():
        assert result.returncode == serial.returncode, (jobs, result.stderr)
        assert result.stdout == serial.stdout, f"-j {jobs} differs from -j 1"


def test_jobs_must_be_a_positive_whole_number() -> None:
    for bad in ("0", "-2", "two"):
        result = run_check("-j", bad, str(DOCS / "good" / "constants.md"))
        assert result.returncode == 2 and "Traceback" not in result.stderr, bad


def test_usable_cores_is_at_least_one() -> None:
    assert usable_cores() >= 1
    if hasattr(os, "sched_getaffinity"):
        assert usable_cores() <= len(os.sched_getaffinity(0))


# -- the runner -----------------------------------------------------------------------


def square(n: int) -> int:
    return n * n


def crash(n: int) -> int:
    os._exit(3)  # the worker dies during its job


def pid_of(_: object) -> int:
    return os.getpid()


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def collect(runner: JobRunner, fn: object, objects: list[object]) -> list[object]:
    results: list[object] = [None] * len(objects)
    for index, obj in enumerate(objects):
        def done(result: object, index: int = index) -> None:
            results[index] = result
        runner.submit(fn, obj, done)  # type: ignore[arg-type]
    runner.wait()
    return results


def test_one_slot_runs_each_job_at_once_here() -> None:
    runner = JobRunner(1)
    seen: list[object] = []
    runner.submit(pid_of, None, seen.append)
    assert seen == [os.getpid()]


def test_workers_answer_every_job_in_its_place() -> None:
    runner = JobRunner(3)
    try:
        runner.register(pid_of)
        numbers = list(range(40))
        assert collect(runner, square, numbers) == [n * n for n in numbers]
        pids = collect(runner, pid_of, numbers[:12])
        assert os.getpid() not in pids  # they ran elsewhere ...
        assert len(set(pids)) <= 3  # ... in at most three workers
    finally:
        runner.close()


def test_a_worker_that_dies_costs_its_job_only() -> None:
    runner = JobRunner(2)
    try:
        runner.register(crash)
        runner.register(square)
        results: list[object] = []
        runner.submit(crash, 1, results.append)
        runner.submit(square, 5, results.append)
        runner.submit(square, 6, results.append)
        runner.wait()
        assert sorted(results, key=repr) == sorted([None, 25, 36], key=repr)
    finally:
        runner.close()


def test_a_job_past_the_guard_is_stopped() -> None:
    runner = JobRunner(2, guard_seconds=0.5)
    try:
        started = time.monotonic()
        assert collect(runner, nap, [30.0, 0.0]) == [None, 0.0]
        assert time.monotonic() - started < 25
    finally:
        runner.close()


def test_jobs_the_workers_never_saw_run_here() -> None:
    runner = JobRunner(2)
    try:
        first = collect(runner, square, [3])
        assert first == [9]
        # a new object after the workers forked: it would not exist in them
        late = collect(runner, lambda obj: (os.getpid(), obj[0]), [[7]])
        assert late == [(os.getpid(), 7)]
    finally:
        runner.close()


@pytest.mark.parametrize("jobs", [1, 2])
def test_check_paths_gives_the_same_report_in_process(tmp_path: Path, jobs: int) -> None:
    from derive.check.api import check_paths
    from derive.model import VerifySettings

    document = tmp_path / "doc.md"
    document.write_text(many_claims(3), encoding="utf-8")
    settings = VerifySettings(time_limit=10.0)
    serial = check_paths([str(document)], settings=settings, jobs=1)
    report = check_paths([str(document)], settings=settings, jobs=jobs)
    assert report == serial
    assert len(report.files[0].findings) > 10


def test_jobs_in_the_config_must_be_a_positive_whole_number(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("$$\n2x = x + x\n$$\n", encoding="utf-8")
    for bad in ("0", "1.5", '"two"'):
        (tmp_path / "pyproject.toml").write_text(f"[tool.derive]\njobs = {bad}\n",
                                                 encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "derive", "check", "--no-cache", "notes.md"],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
            env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        )
        assert result.returncode == 2 and "jobs must be a positive int" in result.stderr, bad
