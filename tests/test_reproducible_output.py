"""Reproducibility: ``derive check --format json`` gives the same bytes whatever the hash seed.

Python randomises the order of sets of strings per process (``PYTHONHASHSEED``); an output
that iterated such a set would change from run to run.  Three processes, hash seeds 0, 1 and
random, check every test document; their outputs must be byte-identical.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANG_GUARD = 600


def test_json_output_is_byte_identical_across_hash_seeds() -> None:
    runs = [
        subprocess.Popen(
            # a generous time limit: a claim timed out under load would differ for that
            # reason, not for the hash seed
            [sys.executable, "-m", "derive", "check", "tests/docs", "--format", "json",
             "--time-limit", "30"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed},
        )
        for seed in ("0", "1", "random")
    ]
    outputs = [run.communicate(timeout=HANG_GUARD) for run in runs]
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 1, stderr  # tests/docs/bad holds refuted claims
    first = outputs[0][0]
    assert json.loads(first)["files"], first[:200]
    for stdout, _ in outputs[1:]:
        assert stdout == first
