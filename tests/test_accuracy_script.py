"""The real-documents scorer (benchmarks/accuracy.py): matching findings to labels and its figures.

Everything here runs on tiny documents written for this test (no third-party text).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "accuracy.py"


def load_accuracy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("accuracy_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


accuracy = load_accuracy()


def finding(line: int, lhs: str, rhs: str, verdict: str, column: int = 1) -> dict[str, object]:
    return {"line": line, "column": column, "kind": "step", "verdict": verdict, "lhs": lhs,
            "relation": "=", "rhs": rhs, "message": "", "method": "", "hint": ""}


def label(
    doc: str, line: int, lhs: str, rhs: str, kind: str, verdict_label: str,
) -> dict[str, object]:
    return {"doc": doc, "line": line, "column": 9, "kind": kind, "lhs": lhs, "relation": "=",
            "rhs": rhs, "label": verdict_label, "cause": "", "note": ""}


MANIFEST = [
    {"id": "one/a", "repo": "owner/one", "path": "a.md", "sha256": "x"},
    {"id": "two/b", "repo": "owner/two", "path": "b.md", "sha256": "y"},
]


def test_labels_match_by_line_lhs_rhs_and_ignore_columns_and_spacing() -> None:
    results = {
        "one/a": {"findings": [finding(3, "a+b", "c", "refuted", column=40),
                               finding(7, "x", "1", "refuted")], "error": ""},
        "two/b": {"findings": [], "error": ""},
    }
    labels = [label("one/a", 3, "a + b", "c", "refutation", "mistake"),
              label("one/a", 20, "x", "1", "refutation", "false-alarm")]
    match = accuracy.match_labels(results, labels)
    assert [(doc, f["line"], lab["label"]) for doc, f, lab in match.pairs] == [
        ("one/a", 3, "mistake")]
    assert [(doc, f["line"]) for doc, f in match.unlabelled] == [("one/a", 7)]
    assert [lab["line"] for lab in match.unused_labels] == [20]


def test_a_label_follows_a_finding_that_moved_a_line_or_two_but_not_further() -> None:
    results = {"one/a": {"findings": [finding(12, "u", "v", "proved")], "error": ""}}
    near = accuracy.match_labels(results, [label("one/a", 10, "u", "v", "proof", "sound")])
    far = accuracy.match_labels(results, [label("one/a", 9, "u", "v", "proof", "sound")])
    assert len(near.pairs) == 1 and not near.unlabelled
    assert not far.pairs and len(far.unlabelled) == 1


def test_a_label_of_one_kind_does_not_match_a_finding_of_the_other() -> None:
    results = {"one/a": {"findings": [finding(5, "p", "q", "proved")], "error": ""}}
    match = accuracy.match_labels(results, [label("one/a", 5, "p", "q", "refutation", "mistake")])
    assert not match.pairs and len(match.unlabelled) == 1 and len(match.unused_labels) == 1


def test_figures_per_repository_and_in_total() -> None:
    results = {
        "one/a": {"findings": [
            finding(1, "a", "b", "refuted"),    # labelled mistake
            finding(2, "c", "d", "refuted"),    # labelled false alarm
            finding(3, "e", "f", "refuted"),    # unlabelled
            finding(4, "g", "h", "proved"),     # wrong-reason proof
            finding(5, "i", "j", "checked"),
            finding(6, "k", "l", "unknown"),
        ], "error": ""},
        "two/b": {"findings": [finding(1, "m", "n", "proved")], "error": "not a document"},
    }
    labels = [
        label("one/a", 1, "a", "b", "refutation", "mistake"),
        label("one/a", 2, "c", "d", "refutation", "false-alarm"),
        label("one/a", 4, "g", "h", "proof", "wrong-reason"),
        label("two/b", 9, "old", "gone", "refutation", "mistake"),  # no longer refuted
    ]
    per_repo, total, _ = accuracy.score(MANIFEST, results, labels)
    one, two = per_repo["owner/one"], per_repo["owner/two"]
    assert (one["claims"], one["refuted"], one["proved"], one["checked"], one["unknown"]) == (
        6, 3, 1, 1, 1)
    assert (one["refuted_mistake"], one["refuted_false_alarm"], one["refuted_unlabelled"]) == (
        1, 1, 1)
    assert one["refuted_precision"] == pytest.approx(0.5)
    assert one["mistake_recall"] == pytest.approx(1.0)
    assert one["proofs_wrong_reason"] == 1
    assert one["decided_share"] == pytest.approx(2 / 6)
    assert (two["unreadable"], two["labelled_mistakes"], two["mistakes_still_refuted"]) == (1, 1, 0)
    assert two["mistake_recall"] == pytest.approx(0.0)
    assert two["refuted_precision"] is None  # nothing judged: no ratio, not 0
    assert (total["documents"], total["claims"], total["labelled_mistakes"]) == (2, 7, 2)
    assert total["mistake_recall"] == pytest.approx(0.5)
    assert total["decided_share"] == pytest.approx(3 / 7)


def test_breakdown_by_claim_kind_and_by_cause() -> None:
    results = {"one/a": {"findings": [
        {**finding(1, "a", "b", "refuted"), "kind": "identity"},
        {**finding(2, "c", "d", "refuted"), "kind": "identity"},
        {**finding(3, "e", "f", "refuted"), "kind": "step"},
        finding(4, "g", "h", "proved"),
    ], "error": ""}}
    labels = [
        {**label("one/a", 1, "a", "b", "refutation", "false-alarm"), "cause": "prose-condition"},
        {**label("one/a", 2, "c", "d", "refutation", "false-alarm"), "cause": "prose-condition"},
        label("one/a", 3, "e", "f", "refutation", "mistake"),
        {**label("one/a", 4, "g", "h", "proof", "wrong-reason"), "cause": "applied-function"},
    ]
    details = accuracy.breakdown(accuracy.match_labels(results, labels))
    assert details["by_kind"]["identity"] == {"mistake": 0, "false_alarm": 2, "precision": 0.0}
    assert details["by_kind"]["step"]["precision"] == pytest.approx(1.0)
    assert details["false_alarm_causes"] == {"prose-condition": 2}
    assert details["wrong_reason_causes"] == {"applied-function": 1}


def write_set(root: Path) -> tuple[Path, Path, Path]:
    """A two-document set of our own: one wrong step, one sound chain."""
    docs = root / "docs"
    (docs / "mine").mkdir(parents=True)
    texts = {
        "mine/wrong": "$$\n\\begin{aligned}\n(x+1)^2 &= x^2 + 1\n\\end{aligned}\n$$\n",
        "mine/right": "$$\n\\begin{aligned}\n(x+1)^2 &= x^2 + 2x + 1\n\\end{aligned}\n$$\n",
    }
    documents = []
    for doc_id, text in texts.items():
        (docs / f"{doc_id}.md").write_text(text, encoding="utf-8")
        documents.append({
            "id": doc_id, "repo": "me/notes", "path": f"{doc_id.split('/')[1]}.md",
            "commit": "0" * 40, "license": "CC0-1.0", "license_stated_in": "test",
            "syntax": "markdown", "size": len(text),
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        })
    manifest = root / "manifest.json"
    manifest.write_text(json.dumps({"documents": documents}), encoding="utf-8")
    labels = root / "labels.jsonl"
    labels.write_text(json.dumps(label("mine/wrong", 3, "(x+1)^2", "x^2 + 1", "refutation",
                                       "mistake")) + "\n", encoding="utf-8")
    return docs, manifest, labels


def test_end_to_end_run_then_rescoring_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    docs, manifest, labels = write_set(tmp_path)
    cache, figures = tmp_path / "cache.json", tmp_path / "figures.json"
    argv = ["--docs", str(docs), "--manifest", str(manifest), "--labels", str(labels),
            "--cache", str(cache), "--workers", "1", "--json", str(figures)]
    assert accuracy.main(argv) == 0
    total = json.loads(figures.read_text())["total"]
    assert (total["documents"], total["claims"], total["refuted"], total["proved"]) == (2, 2, 1, 1)
    assert (total["refuted_mistake"], total["mistake_recall"]) == (1, 1.0)
    assert total["proofs_unlabelled"] == 1

    def no_checking(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a fresh cache must not check documents again")

    monkeypatch.setattr(accuracy, "run_documents", no_checking)
    capsys.readouterr()
    assert accuracy.main([*argv, "--unlabelled"]) == 0
    listing = capsys.readouterr().out
    assert "mine/right:3:" in listing and "label stub" in listing
    assert "mine/wrong:3:" not in listing  # labelled, so not listed


def test_missing_documents_exit_2_and_say_how_to_materialize(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    docs, manifest, labels = write_set(tmp_path)
    (docs / "mine" / "right.md").unlink()
    code = accuracy.main(["--docs", str(docs), "--manifest", str(manifest),
                          "--labels", str(labels), "--cache", ""])
    err = capsys.readouterr().err
    assert code == 2
    assert "right.md" in err and "materialize.py" in err


def test_only_keeps_documents_by_repository_or_id_prefix() -> None:
    manifest = [*MANIFEST, {"id": "one-fix/c-1234567", "repo": "owner/one", "path": "c.md",
                            "sha256": "z"}]
    assert accuracy.selected(manifest, []) == manifest
    assert [d["id"] for d in accuracy.selected(manifest, ["owner/two"])] == ["two/b"]
    assert [d["id"] for d in accuracy.selected(manifest, ["one"])] == ["one/a", "one-fix/c-1234567"]
    assert [d["id"] for d in accuracy.selected(manifest, ["one-fix/"])] == ["one-fix/c-1234567"]
    assert accuracy.selected(manifest, ["nothing"]) == []
