"""Shared test configuration.

Property tests run derandomized: CI must be reproducible, and a failure found once
must be found again by the next run (seeded, like the verifier's own sampling).
"""

import os
import shutil
import tempfile

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


def pytest_configure(config: pytest.Config) -> None:
    """Before any fixture of any scope runs: derive (and every derive a test starts) uses
    a throw-away user cache folder, never the real verdict cache."""
    folder = tempfile.mkdtemp(prefix="derive-test-cache-")
    config.stash[_CACHE_HOME] = folder
    os.environ["XDG_CACHE_HOME"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_CACHE_HOME, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


_CACHE_HOME = pytest.StashKey[str]()


@pytest.fixture(autouse=True)
def _private_cache_home(monkeypatch: pytest.MonkeyPatch,
                        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test (and every derive it starts) has its own user cache folder: the suite
    never reads or writes the real verdict cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
