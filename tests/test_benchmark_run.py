"""The benchmark against the naive baseline (benchmarks/run.py): its parts and one tiny run.

Nothing here asserts a time: only the structure of what the benchmark prints and records,
the claims both sides see, and how verdicts are compared.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from derive.check.checker import check_claim, document_items
from derive.check.claims import Claim
from derive.model import VerifySettings

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def load_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_run", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


run = load_run()
SETTINGS = VerifySettings(time_limit=5.0)


def claims_of(path: Path) -> list[Claim]:
    return [i for i in document_items(str(path), path.read_text(encoding="utf-8"))
            if isinstance(i, Claim)]


@pytest.mark.parametrize(("baseline", "derive", "outcome"), [
    ("proved", "proved", "agree"),
    ("proved", "checked", "agree"),
    ("proved", "unknown", "worse"),
    ("proved", "error", "worse"),
    ("proved", "refuted", "conflict"),
    ("not proven", "proved", "better"),
    ("timeout", "checked", "better"),
    ("not proven", "refuted", "better"),
    ("not proven", "unknown", "agree"),
    ("timeout", "unknown", "agree"),
    ("unsupported", "error", "agree"),
])
def test_verdict_comparison(baseline: str, derive: str, outcome: str) -> None:
    assert run.compare_verdicts(baseline, derive) == outcome


def test_equal_and_unequal_pair_both_sides(tmp_path: Path) -> None:
    """The generated k = 1 pair: the baseline proves the equal form and cannot refute the
    wrong one; derive proves and refutes; so one agreement and one case where derive is
    better, and the baseline's claims are exactly derive's."""
    document = tmp_path / "pair.md"
    document.write_text(run.size_document(1), encoding="utf-8")
    claims = claims_of(document)
    assert len(claims) == 2 and all(c.lhs is not None and c.rhs is not None for c in claims)
    baseline = [run.naive_in_child(claim, SETTINGS).verdict for claim in claims]
    assert baseline == ["proved", "not proven"]
    derive = [check_claim(claim, SETTINGS).verdict.value for claim in claims]
    assert derive == ["proved", "refuted"]
    records = [
        {"key": run.claim_key(str(document), c.location.line, c.location.column,
                              c.lhs_latex, c.rhs_latex), "verdict": v}
        for c, v in zip(claims, baseline, strict=True)
    ]
    keyed = {r["key"]: [d] for r, d in zip(records, derive, strict=True)}
    compared = run.compare_corpus(records, keyed)
    assert compared["outcomes"] == {"agree": 1, "better": 1}
    assert [c["derive"] for c in compared["cases"]] == ["refuted"]
    assert compared["cases"][0]["derive_reason"] == ""  # no reasons given
    assert compared["derive_only"] == 0


def test_comparison_lists_every_disagreement() -> None:
    def key(line: int) -> str:
        return run.claim_key("doc.md", line, 1, f"a{line}", "b")

    baseline = [{"key": key(1), "verdict": "proved"}, {"key": key(2), "verdict": "proved"},
                {"key": key(3), "verdict": "not proven"}, {"key": key(4), "verdict": "proved"}]
    derive = {key(1): ["unknown"], key(2): ["refuted"], key(3): ["unknown"],
              key(9): ["error"]}
    compared = run.compare_corpus(baseline, derive)
    assert compared["outcomes"] == {"agree": 1, "conflict": 1, "missing": 1, "worse": 1}
    assert [(c["line"], c["outcome"]) for c in compared["cases"]] == [
        (1, "worse"), (2, "conflict"), (4, "missing")]
    assert compared["derive_only"] == 1


def test_baseline_is_stopped_at_the_time_limit(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    document = tmp_path / "one.md"
    document.write_text(run.count_document(1), encoding="utf-8")
    (claim,) = claims_of(document)
    monkeypatch.setattr(run, "naive_verdict", lambda claim: time.sleep(30) or "proved")
    result = run.naive_in_child(claim, VerifySettings(time_limit=0.1))
    assert result.verdict == "timeout"


def test_generated_documents_are_deterministic_and_read_by_derive(tmp_path: Path) -> None:
    assert run.size_document(8) == run.size_document(8)
    assert run.size_document(8, seed=1) != run.size_document(8, seed=2)
    assert run.count_document(5) == run.count_document(5)
    for k in (1, 4):
        document = tmp_path / f"k{k}.md"
        document.write_text(run.size_document(k), encoding="utf-8")
        claims = claims_of(document)
        assert len(claims) == 2 and claims[0].lhs_latex == claims[1].lhs_latex
        assert claims[0].rhs_latex != claims[1].rhs_latex
    document = tmp_path / "n7.md"
    document.write_text(run.count_document(7), encoding="utf-8")
    assert len(claims_of(document)) == 7


def test_derive_json_and_command() -> None:
    flags = run.CheckFlags(jobs=False, cache_dir=False, no_cache=False)
    assert flags.missing() == ["-j", "--cache-dir", "--no-cache"]
    command = run.check_command(["a.md"], 5.0, flags, jobs=2, cache_dir=Path("c"))
    assert "-j" not in command and "--cache-dir" not in command and command[-1] == "a.md"
    full = run.CheckFlags(jobs=True, cache_dir=True, no_cache=True)
    command = run.check_command(["a.md"], 5.0, full, jobs=2, cache_dir=Path("c"))
    assert command[command.index("-j") + 1] == "2" and "--cache-dir" in command
    assert "--no-cache" in run.check_command(["a.md"], 5.0, full, jobs=1)
    report = {"files": [{"path": "a.md", "claims": [
        {"line": 3, "column": 1, "lhs": "x", "rhs": "x", "verdict": "proved"},
        {"line": 3, "column": 1, "lhs": "x", "rhs": "x", "verdict": "refuted"}]}]}
    process = run.ProcessRun([], 1.0, 1.0, 1, 1, json.dumps(report), "")
    assert run.process_verdicts(process) == {run.claim_key("a.md", 3, 1, "x", "x"):
                                             ["proved", "refuted"]}
    assert run.process_verdicts(run.ProcessRun([], 1.0, 1.0, 1, 2, "", "usage")) == {}


def test_percentile() -> None:
    values = [float(v) for v in range(1, 101)]
    assert run.percentile(values, 0.95) == 95.0
    assert run.percentile([3.0], 0.95) == 3.0
    assert run.percentile([], 0.5) == 0.0


def test_tiny_run_prints_tables_and_records_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--only", "size", "--sizes", "1",
         "--startup-repeats", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    text = result.stdout
    for heading in ("### Throughput and per-claim cost", "### Verdicts against the baseline",
                    "### Growth with expression size", "### Startup", "### Goals"):
        assert heading in text
    assert "| size | 1 | 2 |" in text  # one document, two claims
    assert "- better: size size-k001.md:" in text  # derive refutes what the baseline can't
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    size = data["corpora"]["size"]
    assert size["claims"] == 2 and size["comparison"]["outcomes"] == {"agree": 1, "better": 1}
    assert size["baseline"]["verdicts"] == {"not proven": 1, "proved": 1}
    assert size["library"]["verdicts"] == {"proved": 1, "refuted": 1}
    assert "cold -j1" in size["processes"] and "warm -j1" in size["processes"]
    assert all(found == [] for found in size["verdict_differences"].values())
    (row,) = data["growth"]["size"]
    assert row["value"] == 1 and row["derive_verdicts"] == ["proved", "refuted"]
    assert {goal["goal"] for goal in data["goals"]} >= {"no verdict worse than the baseline's"}
