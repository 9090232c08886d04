"""The verdict cache: hits, misses, moved claims, corrupt entries, atomic writes,
invalidation by settings and by derive's own code, and the command-line switches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import derive.check.checker as checker
from derive.check import cache as cache_module
from derive.check.cache import (
    Uncacheable,
    VerdictCache,
    canonical,
    default_cache_dir,
    outcome_from_record,
    outcome_record,
    storable,
)
from derive.check.checker import check_text
from derive.model import (
    Caveat,
    Condition,
    Counterexample,
    Evidence,
    Location,
    Outcome,
    Verdict,
    VerifySettings,
)

SETTINGS = VerifySettings(time_limit=10.0)
DOCUMENT = r"""# Notes

$$
(x+1)^2 = x^2 + 2x + 1
$$

A wrong one, then a wrong one back:

$$
(x+1)^2 = x^2 + 1 = x^2 + 2x + 1
$$

$$
\lim_{x \to 0} \frac{\sin x}{x} = 1, \qquad e \approx 2.718
$$
"""


@pytest.fixture()
def settle_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every claim verified (a settle job run) records its line here."""
    calls: list[int] = []
    original = checker.settle_job

    def counting(claim: checker.Claim, settings: VerifySettings) -> dict[str, object]:
        calls.append(claim.location.line)
        return original(claim, settings)

    monkeypatch.setattr(checker, "settle_job", counting)
    return calls


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json") if not p.name.startswith("."))


def test_a_warm_run_verifies_nothing_and_reports_the_same(
    tmp_path: Path, settle_calls: list[int]
) -> None:
    cache = VerdictCache(tmp_path)
    cold = check_text("notes.md", DOCUMENT, SETTINGS, cache=cache)
    verified = len(settle_calls)
    assert verified >= 4 and cache.hits == 0
    assert len(entries(tmp_path)) >= verified
    warm_cache = VerdictCache(tmp_path)
    warm = check_text("notes.md", DOCUMENT, SETTINGS, cache=warm_cache)
    assert len(settle_calls) == verified  # not one more claim verified
    assert warm == cold
    assert warm_cache.hits >= verified and warm_cache.misses == 0
    assert any("undoes the error" in f.message for f in warm.findings)


def test_without_a_cache_the_report_is_the_same(tmp_path: Path) -> None:
    cached = check_text("notes.md", DOCUMENT, SETTINGS, cache=VerdictCache(tmp_path))
    assert check_text("notes.md", DOCUMENT, SETTINGS) == cached


def test_a_moved_claim_keeps_its_entry_and_reports_where_it_is_now(
    tmp_path: Path, settle_calls: list[int]
) -> None:
    check_text("a.md", "$$\n(x+2)^2 = x^2 + 4x + 4\n$$\n", SETTINGS,
               cache=VerdictCache(tmp_path))
    assert settle_calls == [2]
    moved = "Intro.\n\nMore intro.\n\n$$\n(x+2)^2 = x^2 + 4x + 4\n$$\n"
    report = check_text("b.md", moved, SETTINGS, cache=VerdictCache(tmp_path))
    assert settle_calls == [2]  # a hit
    (finding,) = report.findings
    assert (finding.location.path, finding.location.line) == ("b.md", 6)
    assert finding.verdict is Verdict.PROVED


def test_a_different_claim_misses(tmp_path: Path, settle_calls: list[int]) -> None:
    check_text("a.md", "$$\n(x+2)^2 = x^2 + 4x + 4\n$$\n", SETTINGS,
               cache=VerdictCache(tmp_path))
    report = check_text("a.md", "$$\n(x+2)^2 = x^2 + 4x + 5\n$$\n", SETTINGS,
                        cache=VerdictCache(tmp_path))
    assert settle_calls == [2, 2]
    assert report.findings[0].verdict is Verdict.REFUTED


@pytest.mark.parametrize(
    "spoil",
    [
        lambda text: "",  # empty
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "\x00\xff garbage",  # not JSON
        lambda text: text.replace('"proved"', '"refuted"'),  # tampered: checksum differs
        lambda text: json.dumps({**json.loads(text), "schema": 99}),  # another schema
        lambda text: json.dumps([1, 2, 3]),  # another shape
    ],
)
def test_a_spoiled_entry_is_never_trusted_and_is_rewritten(
    tmp_path: Path, settle_calls: list[int], spoil: object
) -> None:
    document = "$$\n(x+2)^2 = x^2 + 4x + 4\n$$\n"
    check_text("a.md", document, SETTINGS, cache=VerdictCache(tmp_path))
    (entry,) = entries(tmp_path)
    good = entry.read_text(encoding="utf-8")
    entry.write_text(spoil(good), encoding="utf-8")  # type: ignore[operator]
    report = check_text("a.md", document, SETTINGS, cache=VerdictCache(tmp_path))
    assert settle_calls == [2, 2]  # recomputed
    assert report.findings[0].verdict is Verdict.PROVED
    assert entry.read_text(encoding="utf-8") == good  # and stored again


def test_a_forged_entry_with_a_valid_checksum_of_another_shape_is_recomputed(
    tmp_path: Path, settle_calls: list[int]
) -> None:
    document = "$$\n(x+2)^2 = x^2 + 4x + 4\n$$\n"
    check_text("a.md", document, SETTINGS, cache=VerdictCache(tmp_path))
    (entry,) = entries(tmp_path)
    key = json.loads(entry.read_text(encoding="utf-8"))["key"]
    VerdictCache(tmp_path).put(key, {"verdict": "refuted"})  # well-formed, wrong fields
    report = check_text("a.md", document, SETTINGS, cache=VerdictCache(tmp_path))
    assert settle_calls == [2, 2]
    assert report.findings[0].verdict is Verdict.PROVED


@pytest.mark.parametrize(
    "other",
    [VerifySettings(time_limit=7.0), VerifySettings(time_limit=10.0, samples=40),
     VerifySettings(time_limit=10.0, digits=40), VerifySettings(time_limit=10.0, seed=1),
     VerifySettings(time_limit=10.0, memory_limit=1 << 30)],
)
def test_other_settings_miss(tmp_path: Path, settle_calls: list[int],
                             other: VerifySettings) -> None:
    document = "$$\n(x+2)^2 = x^2 + 4x + 4\n$$\n"
    check_text("a.md", document, SETTINGS, cache=VerdictCache(tmp_path))
    check_text("a.md", document, other, cache=VerdictCache(tmp_path))
    assert settle_calls == [2, 2]


def test_other_code_misses(tmp_path: Path, settle_calls: list[int],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    document = "$$\n(x+2)^2 = x^2 + 4x + 4\n$$\n"
    check_text("a.md", document, SETTINGS, cache=VerdictCache(tmp_path))
    monkeypatch.setattr(checker, "source_fingerprint", lambda: "another version of derive")
    check_text("a.md", document, SETTINGS, cache=VerdictCache(tmp_path))
    assert settle_calls == [2, 2]


def test_the_imaginary_unit_is_part_of_the_claim(tmp_path: Path,
                                                  settle_calls: list[int]) -> None:
    document = "$$\n(1 + j)^2 = 2j\n$$\n\nwhere $z = x + jy$ is complex.\n"
    first = check_text("a.md", document, SETTINGS, cache=VerdictCache(tmp_path))
    second = check_text("a.md", document, SETTINGS, imaginary_unit="j",
                        cache=VerdictCache(tmp_path))
    assert len(settle_calls) == 2
    assert first.findings != second.findings


def test_the_source_fingerprint_covers_the_package_and_version() -> None:
    fingerprint = cache_module.source_fingerprint()
    assert len(fingerprint) == 64
    assert fingerprint == cache_module.source_fingerprint()


def test_timed_out_outcomes_are_not_stored() -> None:
    proved = Outcome(Verdict.PROVED, Evidence(method="cancel", detail="d"))
    assert storable(proved, deadline_hit=False)
    assert not storable(proved, deadline_hit=True)
    for method in ("timeout", "stopped", "internal"):
        assert not storable(Outcome(Verdict.UNKNOWN, Evidence(method=method, detail="d")),
                            deadline_hit=False)
    late = Outcome(Verdict.UNKNOWN, Evidence(method="sampling", detail="d",
                                             caveats=(Caveat.TIMED_OUT,)))
    assert not storable(late, deadline_hit=False)


def test_a_claim_that_runs_out_of_time_is_not_cached(tmp_path: Path) -> None:
    slow = "$$\n\\int_0^1 e^{-x^2} \\sin(x^3) \\cos(e^x) dx = 0.3\n$$\n"
    quick = VerifySettings(time_limit=0.05)
    report = check_text("a.md", slow, quick, cache=VerdictCache(tmp_path))
    assert report.findings[0].verdict is Verdict.UNKNOWN
    assert entries(tmp_path) == []


def test_outcome_records_round_trip_and_reject_other_shapes() -> None:
    outcome = Outcome(Verdict.REFUTED, Evidence(
        method="sampling", detail="differs", points=32, digits=30, max_difference="0.5",
        counterexample=Counterexample({"y": "2", "x": "0.5"}, "1.0", "2.0"), hint="h",
        caveats=(Caveat.CANCELLED_FACTOR,), rewritten_by=("substituting definitions",),
        doubt="DRV-D01", holds_where=Condition("x", ">", "0"),
    ))
    record = json.loads(json.dumps(outcome_record(outcome)))
    back = outcome_from_record(record)
    assert back == outcome
    assert list(back.evidence.counterexample.point) == ["y", "x"]  # type: ignore[union-attr]
    for broken in ({**record, "verdict": "maybe"}, {**record, "points": "32"},
                   {**record, "extra": 1}, {k: v for k, v in record.items() if k != "hint"},
                   {**record, "caveats": ["not-a-caveat"]}, {**record, "points": True}):
        with pytest.raises(ValueError):
            outcome_from_record(broken)


def test_the_key_leaves_out_the_path_and_unknown_values_are_uncacheable() -> None:
    here, there = Location("a.md", 3, 1), Location("b/c.md", 3, 1)
    assert canonical(here) == canonical(there)
    assert canonical(here) != canonical(Location("a.md", 4, 1))
    with pytest.raises(Uncacheable):
        canonical(object())
    assert canonical(1) != canonical(1.0) != canonical(1.0000000000000002)
    assert canonical(frozenset({"b", "a"})) == canonical(frozenset({"a", "b"}))


# -- writing ----------------------------------------------------------------------------


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = VerdictCache(tmp_path)
    cache.put("ab" + "0" * 62, {"undo": True})
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["0" * 62 + ".json"]
    warnings: list[str] = []
    failing = VerdictCache(tmp_path, warn=warnings.append)

    def broken_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.os, "replace", broken_replace)
    failing.put("cd" + "1" * 62, {"undo": True})
    failing.put("ef" + "2" * 62, {"undo": True})
    assert len(warnings) == 1 and "cache off" in warnings[0]
    assert not failing.writable
    files = [p.name for p in tmp_path.rglob("*") if p.is_file()]
    assert files == ["0" * 62 + ".json"]  # neither the temporary nor a partial entry


def test_an_unwritable_cache_folder_costs_one_warning_and_no_verdict(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    warnings: list[str] = []
    cache = VerdictCache(blocker / "cache", warn=warnings.append)
    report = check_text("a.md", DOCUMENT, SETTINGS, cache=cache)
    assert report == check_text("a.md", DOCUMENT, SETTINGS)
    assert len(warnings) == 1


def test_the_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "derive"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    assert default_cache_dir() == Path.home() / ".cache" / "derive"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "derive"


# -- the command line --------------------------------------------------------------------


def derive_check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "derive", "check", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})


def test_the_command_line_caches_in_the_user_cache_by_default(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(DOCUMENT, encoding="utf-8")
    first = derive_check("notes.md", "-j", "1", cwd=tmp_path)
    user_cache = Path(os.environ["XDG_CACHE_HOME"]) / "derive"
    assert entries(user_cache), first.stderr
    second = derive_check("notes.md", "-j", "2", cwd=tmp_path)
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)


def test_no_cache_reads_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(DOCUMENT, encoding="utf-8")
    result = derive_check("notes.md", "--no-cache", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert not (Path(os.environ["XDG_CACHE_HOME"]) / "derive").exists()


def test_cache_dir_on_the_command_line_and_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(DOCUMENT, encoding="utf-8")
    derive_check("notes.md", "--cache-dir", "here", cwd=tmp_path)
    assert entries(tmp_path / "here")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.derive]\ncache-dir = "from-config"\njobs = 2\n', encoding="utf-8")
    result = derive_check("notes.md", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert entries(tmp_path / "from-config")
    assert not (Path(os.environ["XDG_CACHE_HOME"]) / "derive").exists()


# -- whole documents ---------------------------------------------------------------------


@pytest.fixture()
def prepared(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every document parsed (its claims built) records its path here."""
    import derive.check.api as api

    calls: list[str] = []
    original = api._prepare

    def counting(path: str, *args: object) -> object:
        calls.append(path)
        return original(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "_prepare", counting)
    return calls


def test_an_unchanged_document_is_not_even_parsed_again(
    tmp_path: Path, prepared: list[str], settle_calls: list[int]
) -> None:
    from derive.check.api import check_paths

    document = tmp_path / "notes.md"
    document.write_text(DOCUMENT, encoding="utf-8")
    cold = check_paths([str(document)], settings=SETTINGS, cache=VerdictCache(tmp_path / "c"))
    assert prepared == [str(document)] and settle_calls
    verified = len(settle_calls)
    warm = check_paths([str(document)], settings=SETTINGS, cache=VerdictCache(tmp_path / "c"))
    assert warm == cold
    assert prepared == [str(document)] and len(settle_calls) == verified
    # an edit elsewhere in the text: parsed again, but its claims are cache hits
    document.write_text(DOCUMENT + "\nOne more sentence.\n", encoding="utf-8")
    edited = check_paths([str(document)], settings=SETTINGS, cache=VerdictCache(tmp_path / "c"))
    assert len(prepared) == 2 and len(settle_calls) == verified
    assert edited.files[0].findings == cold.files[0].findings
    # other configured definitions: the document is read again
    check_paths([str(document)], settings=SETTINGS, cache=VerdictCache(tmp_path / "c"),
                definitions_latex=[r"g(x) = x^2"])
    assert len(prepared) == 3


def test_a_document_with_a_timed_out_claim_is_not_stored_whole(
    tmp_path: Path, prepared: list[str]
) -> None:
    from derive.check.api import check_paths

    document = tmp_path / "slow.md"
    document.write_text("$$\n\\int_0^1 e^{-x^2} \\sin(x^3) \\cos(e^x) dx = 0.3\n$$\n",
                        encoding="utf-8")
    quick = VerifySettings(time_limit=0.05)
    for _ in range(2):
        check_paths([str(document)], settings=quick, cache=VerdictCache(tmp_path / "c"))
    assert len(prepared) == 2
    assert entries(tmp_path / "c") == []


def test_a_spoiled_document_entry_is_recomputed(tmp_path: Path, prepared: list[str]) -> None:
    from derive.check.api import check_paths

    document = tmp_path / "notes.md"
    document.write_text("$$\n(x+2)^2 = x^2 + 4x + 4\n$$\n", encoding="utf-8")
    cold = check_paths([str(document)], settings=SETTINGS, cache=VerdictCache(tmp_path / "c"))
    for entry in entries(tmp_path / "c"):
        text = entry.read_text(encoding="utf-8")
        entry.write_text(text.replace('"proved', '"refuted'), encoding="utf-8")
    again = check_paths([str(document)], settings=SETTINGS, cache=VerdictCache(tmp_path / "c"))
    assert again == cold and len(prepared) == 2


def test_an_unwritable_cache_dir_on_the_command_line_is_one_warning(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(DOCUMENT, encoding="utf-8")
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    result = derive_check("notes.md", "-j", "2", "--cache-dir", "blocker/cache", cwd=tmp_path)
    expected = derive_check("notes.md", "--no-cache", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (expected.returncode, expected.stdout)
    warnings = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and "verdict cache off" in warnings[0], result.stderr
