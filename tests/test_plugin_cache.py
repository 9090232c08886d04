"""The pytest plugin with the verdict cache and under pytest-xdist: real pytest runs."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

import derive.check.checker  # noqa: F401  (see test_pytest_plugin.py: imported once)

pytest_plugins = ["pytester"]

DOCUMENT = r"""# Notes

$$
\frac{d}{dx}\left(x^2\right) = 2x
$$

$$
(x+1)^2 = x^2 + x + 1
$$

$$
(x+1)^2 = x^2 + 1 = x^2 + 2x + 1
$$

$$
\sin(x)^2 + \cos(x)^2 = 1, \qquad e \approx 2.718
$$

<!-- derive: skip -->
$$
a = b
$$
"""
COUNTING = (
    "import derive.check.checker as checker\n"
    "_original = checker.settle_job\n"
    "def _counting(claim, settings):\n"
    "    print('VERIFIED', claim.location.line)\n"
    "    return _original(claim, settings)\n"
    "checker.settle_job = _counting\n"
)


def write(pytester: pytest.Pytester, name: str, text: str) -> None:
    (pytester.path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def outcomes(result: pytest.RunResult) -> dict[str, int]:
    counts = result.parseoutcomes()
    return {k: v for k, v in counts.items() if k in ("passed", "failed", "skipped")}


def cache_entries() -> list[Path]:
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "derive"
    return sorted(folder.rglob("*.json")) if folder.exists() else []


def test_xdist_gives_the_same_outcomes_as_a_serial_run(pytester: pytest.Pytester) -> None:
    write(pytester, "notes.md", DOCUMENT)
    serial = pytester.runpytest_subprocess("--derive", "-p", "no:cacheprovider",
                                           "--derive-no-cache", "-rA")
    parallel = pytester.runpytest_subprocess("--derive", "-p", "no:cacheprovider",
                                             "--derive-no-cache", "-p", "xdist", "-n", "2",
                                             "-rA")
    assert outcomes(serial) == {"passed": 3, "failed": 3, "skipped": 1}, serial.stdout.str()
    assert outcomes(parallel) == outcomes(serial), parallel.stdout.str()

    def verdicts(result: pytest.RunResult) -> list[str]:
        return sorted(line.split(" ")[0] + " " + line.split("::")[-1].split(" ")[0]
                      for line in result.stdout.lines
                      if line.startswith(("PASSED", "FAILED", "SKIPPED")))

    assert verdicts(parallel) == verdicts(serial)


def test_items_use_the_verdict_cache(pytester: pytest.Pytester) -> None:
    write(pytester, "notes.md", DOCUMENT)
    pytester.makeconftest(COUNTING)
    cold = pytester.runpytest_subprocess("--derive", "-p", "no:cacheprovider", "-s")
    assert cold.stdout.str().count("VERIFIED") >= 5
    assert cache_entries()
    warm = pytester.runpytest_subprocess("--derive", "-p", "no:cacheprovider", "-s")
    assert outcomes(warm) == outcomes(cold)
    assert "VERIFIED" not in warm.stdout.str()
    # under xdist the workers share the same cache
    shared = pytester.runpytest_subprocess("--derive", "-p", "no:cacheprovider", "-s",
                                           "-p", "xdist", "-n", "2")
    assert outcomes(shared) == outcomes(cold)
    assert "VERIFIED" not in shared.stdout.str()


@pytest.mark.parametrize("switch", ["flag", "ini"])
def test_the_cache_can_be_turned_off(pytester: pytest.Pytester, switch: str) -> None:
    write(pytester, "notes.md", DOCUMENT)
    pytester.makeconftest(COUNTING)
    args = ["--derive", "-p", "no:cacheprovider", "-s"]
    if switch == "flag":
        args.append("--derive-no-cache")
    else:
        pytester.makeini("[pytest]\nderive_cache = false\n")
    result = pytester.runpytest_subprocess(*args)
    assert "VERIFIED" in result.stdout.str()
    assert outcomes(result) == {"passed": 3, "failed": 3, "skipped": 1}
    assert cache_entries() == []  # with the cache on, the run above would have filled it
