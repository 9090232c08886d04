"""Shared test configuration.

Property tests run derandomized: CI must be reproducible, and a failure found once
must be found again by the next run (seeded, like the verifier's own sampling).
"""

from hypothesis import settings

settings.register_profile("derive", derandomize=True, deadline=None, database=None)
settings.load_profile("derive")
