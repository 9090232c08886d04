"""Shared test configuration.

Property tests run derandomized: CI must be reproducible, and a failure found once
must be found again by the next run (seeded, like the verifier's own sampling).
"""

import pytest
from hypothesis import settings

settings.register_profile("derive", derandomize=True, deadline=None, database=None)
settings.load_profile("derive")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--mutation-full",
        action="store_true",
        default=False,
        help="soundness tests: every mutant and many more metamorphic cases (minutes)",
    )
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        default=False,
        help="tests/test_fuzz_pipeline.py: 100,000 documents, not a CI-sized sample (hours)",
    )


@pytest.fixture(scope="session")
def mutation_full(request: pytest.FixtureRequest) -> bool:
    """True under ``pytest --mutation-full``: the soundness tests run in full."""
    return bool(request.config.getoption("--mutation-full"))
