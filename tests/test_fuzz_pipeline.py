"""Fuzzing the whole pipeline, document to verdict: a CI-sized, derandomized sample.

The strategies and checks live in ``tests/fuzz.py`` (run it for the long run, or pass
``--fuzz-long`` to pytest).  ``tests/test_check_robustness.py`` fuzzes ``check_text`` with
documents assembled from LaTeX tokens; this module mutates whole real documents (the test
documents and the generated ``output/``) and also goes through ``check_file`` from raw bytes.
"""

from __future__ import annotations

import pytest
from fuzz import (
    QUICK,
    SEEDS,
    assert_sound_report,
    check_mutated_bytes,
    check_mutated_text,
    mutated,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.check.checker import check_text
from derive.model import Verdict

LONG_RUN = 100_000
CI_TEXT, CI_BYTES = 30, 15
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


@pytest.fixture(scope="module")
def examples(request: pytest.FixtureRequest) -> tuple[int, int]:
    if request.config.getoption("--fuzz-long"):
        return LONG_RUN // 2, LONG_RUN // 2
    return CI_TEXT, CI_BYTES


def test_there_are_seed_documents() -> None:
    suffixes = {suffix for suffix, _ in SEEDS}
    assert {".md", ".tex", ".rst"} <= suffixes and len(SEEDS) >= 10


def test_mutated_documents_end_in_verdicts_or_located_errors(examples: tuple[int, int]
                                                               ) -> None:
    @settings(derandomize=True, max_examples=examples[0], deadline=None, database=None,
              suppress_health_check=SLOW)
    @given(mutated())
    def run(document: tuple[str, str]) -> None:
        check_mutated_text(document)

    run()


def test_mutated_bytes_end_in_verdicts_or_located_errors(examples: tuple[int, int]) -> None:
    @settings(derandomize=True, max_examples=examples[1], deadline=None, database=None,
              suppress_health_check=SLOW)
    @given(mutated(), st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)),
                               min_size=1, max_size=3))
    def run(document: tuple[str, str], flips: list[tuple[int, int]]) -> None:
        check_mutated_bytes(document, flips)

    run()


@pytest.mark.parametrize("text", [
    "$$\nx\x00 = 1\n$$\n\n$$\n1+1=3\n$$\n",
    "$$\nx = \ud800 + 1\n$$\n\n$$\n1+1=3\n$$\n",
    "\ufeff$$\r\n1+1=3\r\n$$\r\n",
    "$$\r1+1=3\r$$\r",
    "$$\n\\frac{1}{" * 3 + "\n$$\n\n$$\n1+1=3\n$$\n",
    "$$\n& & & \\\\ \\\\ $ $\n$$\n\n$$\n1+1=3\n$$\n",
    # found by tests/fuzz.py: a definition whose limit binds its own parameter again,
    # applied to a number, was an internal error (Limit(..., 4, 0))
    "$$\n\\sigma(x) = \\frac{1}{\\lim_{x\\to 0}\\lim_{x\\to 0}1+e^{-x}}\n$$\n\n"
    "$\\sigma(4) \\approx 0.9821$\n\n$$\n1+1=3\n$$\n",
])
def test_hostile_characters_cost_at_most_their_claim(text: str) -> None:
    report = check_text("doc.md", text, QUICK)
    assert_sound_report(report, text)
    assert [f.verdict for f in report.findings if f.lhs == "1+1"] == [Verdict.REFUTED]
