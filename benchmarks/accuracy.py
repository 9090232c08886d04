"""Score ``derive check`` on the labelled real documents of ``benchmarks/realdocs/``.

Runs derive's library API (``derive.check.api.check_file``, default settings except a 2 s
time limit per claim, ``--time-limit``) on every document of the manifest in 2 worker
processes, caches each document's findings in a JSON file (keyed by the document's sha256,
derive's source and the settings) so that re-scoring after a new label is cheap, matches
refutations and proofs to ``labels.jsonl`` by (document, line, lhs, rhs), and prints per
repository and in total: claims, verdict counts, refutations labelled mistake / false alarm /
unlabelled, refuted precision, recall of the labelled mistakes, wrong-reason proofs and the
share of claims decided.

    python3 benchmarks/accuracy.py [--docs /work/realdocs] [--unlabelled] [--json PATH]
                                   [--only REPO_OR_ID_PREFIX ...]

Exit 0 after scoring; 2 when documents are missing (it says how to materialize them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # score this checkout's derive, not an installed one
    sys.path.insert(0, str(ROOT))

REALDOCS = ROOT / "benchmarks" / "realdocs"
DEFAULT_DOCS = str(ROOT.parent / "realdocs")  # beside the checkout, outside the repository
DEFAULT_CACHE = os.path.join(tempfile.gettempdir(), "derive-realdocs-cache.json")
DEFAULT_TIME_LIMIT = 2.0
#: A label still matches a finding whose line moved by at most this much (same lhs and rhs).
LINE_SLACK = 2
VERDICTS = ("proved", "checked", "refuted", "unknown", "error")

Record = dict[str, Any]


# ---------------------------------------------------------------------------
# Inputs: manifest, labels, documents
# ---------------------------------------------------------------------------


def load_manifest(path: Path) -> list[Record]:
    with open(path, encoding="utf-8") as handle:
        documents: list[Record] = json.load(handle)["documents"]
    return documents


def load_labels(path: Path) -> list[Record]:
    """Every label of labels.jsonl (blank lines and lines starting with # are skipped)."""
    labels: list[Record] = []
    if not path.is_file():
        return labels
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                labels.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise SystemExit(f"{path}:{number}: not JSON: {error}") from error
    return labels


def selected(manifest: list[Record], only: Sequence[str]) -> list[Record]:
    """The documents whose repository (``owner/name`` or ``name``) or id prefix is in ``only``.

    An empty ``only`` keeps every document; ``--only calcjulia-fix/`` keeps one id prefix.
    """
    if not only:
        return manifest
    wanted = set(only)

    def keep(document: Record) -> bool:
        repo, doc_id = str(document["repo"]), str(document["id"])
        return (repo in wanted or repo.split("/")[-1] in wanted
                or any(doc_id.startswith(prefix) for prefix in wanted))

    return [document for document in manifest if keep(document)]


def document_file(docs: str | Path, document: Record) -> Path:
    """DEST/<id><suffix>, as materialize.py lays the documents out."""
    return Path(docs) / f"{document['id']}{os.path.splitext(str(document['path']))[1]}"


# ---------------------------------------------------------------------------
# Running derive (cached)
# ---------------------------------------------------------------------------


def derive_fingerprint(time_limit: float) -> str:
    """Changes whenever derive's source or the settings change: the cache is then stale."""
    digest = hashlib.sha256(f"time_limit={time_limit}".encode())
    for path in sorted((ROOT / "derive").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".lark"}:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def finding_record(finding: Any) -> Record:
    """The parts of a derive Finding the scorer needs, as plain JSON."""
    evidence = finding.evidence
    record: Record = {
        "line": finding.location.line,
        "column": finding.location.column,
        "kind": finding.kind.value if finding.kind is not None else None,
        "verdict": finding.verdict.value if finding.verdict is not None else None,
        "lhs": finding.lhs,
        "relation": finding.relation,
        "rhs": finding.rhs,
        "message": finding.message,
        "method": evidence.method if evidence is not None else "",
        "hint": (evidence.hint or "") if evidence is not None else "",
    }
    return record


def check_one(task: tuple[str, float]) -> tuple[str, list[Record], str]:
    """Worker: (path, findings, file error) for one document."""
    path, time_limit = task
    from derive.check.api import check_file
    from derive.model import VerifySettings

    report = check_file(path, settings=VerifySettings(time_limit=time_limit))
    return path, [finding_record(f) for f in report.findings], report.error


def run_documents(
    paths: Sequence[str], time_limit: float, workers: int,
) -> dict[str, tuple[list[Record], str]]:
    tasks = [(path, time_limit) for path in paths]
    if workers <= 1 or len(tasks) <= 1:
        results = [check_one(task) for task in tasks]
    else:
        with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=4) as pool:
            results = list(pool.imap_unordered(check_one, tasks))
    return {path: (findings, error) for path, findings, error in results}


def load_cache(path: str, fingerprint: str) -> dict[str, Record]:
    try:
        with open(path, encoding="utf-8") as handle:
            cache = json.load(handle)
    except (OSError, json.JSONDecodeError):
        return {}
    if cache.get("fingerprint") != fingerprint:
        return {}
    documents: dict[str, Record] = cache.get("documents", {})
    return documents


def save_cache(path: str, fingerprint: str, documents: dict[str, Record]) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({"fingerprint": fingerprint, "documents": documents}, handle, sort_keys=True)
    os.replace(tmp, path)


def results_for(
    manifest: list[Record], docs: str | Path, *, cache_path: str | None, time_limit: float,
    workers: int,
) -> dict[str, Record]:
    """Document id -> {"findings": [...], "error": str}, from the cache where it is fresh."""
    fingerprint = derive_fingerprint(time_limit)
    cached = load_cache(cache_path, fingerprint) if cache_path else {}
    wanted = {str(d["id"]): d for d in manifest}
    todo = {
        str(document_file(docs, d)): doc_id
        for doc_id, d in wanted.items()
        if cached.get(doc_id, {}).get("sha256") != d["sha256"]
    }
    if todo:
        print(f"checking {len(todo)} document(s) with {workers} worker(s), "
              f"time limit {time_limit:g} s per claim ...", file=sys.stderr)
        for path, (findings, error) in run_documents(sorted(todo), time_limit, workers).items():
            doc_id = todo[path]
            cached[doc_id] = {
                "sha256": wanted[doc_id]["sha256"], "findings": findings, "error": error,
            }
        if cache_path:
            save_cache(cache_path, fingerprint, cached)
    return {doc_id: cached[doc_id] for doc_id in wanted}


# ---------------------------------------------------------------------------
# Matching findings to labels
# ---------------------------------------------------------------------------


def normal(latex: str) -> str:
    """LaTeX compared without whitespace (columns and spacing may shift between versions)."""
    return "".join(latex.split())


def label_kind(finding: Record) -> str | None:
    """Which kind of label a finding can carry: refutations and proofs are labelled."""
    return {"refuted": "refutation", "proved": "proof"}.get(finding.get("verdict") or "")


@dataclass
class Match:
    """Findings paired with labels; the rest left over on either side."""

    pairs: list[tuple[str, Record, Record]] = field(default_factory=list)  # doc, finding, label
    unlabelled: list[tuple[str, Record]] = field(default_factory=list)
    unused_labels: list[Record] = field(default_factory=list)


def match_labels(results: dict[str, Record], labels: Iterable[Record]) -> Match:
    """Pair every refutation and proof with its label by (document, line, lhs, rhs).

    A label matches a finding of its kind in the same document with the same lhs and rhs
    (whitespace ignored) on the same line, or else on the nearest line within LINE_SLACK;
    each label is used once.  Columns are ignored.
    """
    pool: dict[tuple[str, str, str, str], list[Record]] = {}
    for label in labels:
        key = (label["doc"], label["kind"], normal(label["lhs"]), normal(label["rhs"]))
        pool.setdefault(key, []).append(label)
    match = Match()
    for doc_id in sorted(results):
        for finding in results[doc_id]["findings"]:
            kind = label_kind(finding)
            if kind is None:
                continue
            key = (doc_id, kind, normal(finding["lhs"]), normal(finding["rhs"]))
            candidates = [
                c for c in pool.get(key, []) if abs(c["line"] - finding["line"]) <= LINE_SLACK
            ]
            if not candidates:
                match.unlabelled.append((doc_id, finding))
                continue
            best = min(candidates, key=lambda c: abs(c["line"] - finding["line"]))
            pool[key].remove(best)
            match.pairs.append((doc_id, finding, best))
    match.unused_labels = [label for group in pool.values() for label in group]
    return match


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def empty_figures() -> Record:
    figures: Record = {"documents": 0, "unreadable": 0, "claims": 0}
    figures.update({verdict: 0 for verdict in VERDICTS})
    figures.update({
        "refuted_mistake": 0, "refuted_false_alarm": 0, "refuted_unlabelled": 0,
        "labelled_mistakes": 0, "mistakes_still_refuted": 0,
        "proofs_wrong_reason": 0, "proofs_sound": 0, "proofs_unlabelled": 0,
    })
    return figures


def finish(figures: Record) -> Record:
    """Add the ratios (None where the denominator is 0)."""
    judged = figures["refuted_mistake"] + figures["refuted_false_alarm"]
    figures["refuted_precision"] = figures["refuted_mistake"] / judged if judged else None
    known = figures["labelled_mistakes"]
    figures["mistake_recall"] = figures["mistakes_still_refuted"] / known if known else None
    decided = figures["proved"] + figures["checked"]
    figures["decided_share"] = decided / figures["claims"] if figures["claims"] else None
    return figures


def score(
    manifest: list[Record], results: dict[str, Record], labels: list[Record],
) -> tuple[dict[str, Record], Record, Match]:
    """(figures per repository, total figures, the matching)."""
    repo_of = {str(d["id"]): str(d["repo"]) for d in manifest}
    per_repo: dict[str, Record] = {}
    total = empty_figures()

    def bump(doc_id: str, name: str) -> None:
        per_repo.setdefault(repo_of[doc_id], empty_figures())[name] += 1
        total[name] += 1

    for document in manifest:
        doc_id = str(document["id"])
        bump(doc_id, "documents")
        for finding in results[doc_id]["findings"]:
            verdict = finding.get("verdict")
            if verdict in VERDICTS:
                bump(doc_id, "claims")
                bump(doc_id, verdict)
        if results[doc_id].get("error"):  # e.g. a notebook derive does not read yet
            bump(doc_id, "unreadable")
    match = match_labels(results, labels)
    for doc_id, finding, label in match.pairs:
        if finding["verdict"] == "refuted":
            bump(doc_id, "refuted_mistake" if label["label"] == "mistake"
                 else "refuted_false_alarm")
        elif label["label"] == "wrong-reason":
            bump(doc_id, "proofs_wrong_reason")
        else:
            bump(doc_id, "proofs_sound")
    for doc_id, finding in match.unlabelled:
        bump(doc_id, "refuted_unlabelled" if finding["verdict"] == "refuted"
             else "proofs_unlabelled")
    for label in labels:
        if label["kind"] == "refutation" and label["label"] == "mistake" \
                and label["doc"] in repo_of:
            bump(label["doc"], "labelled_mistakes")
    for doc_id, _finding, label in match.pairs:
        if label["kind"] == "refutation" and label["label"] == "mistake":
            bump(doc_id, "mistakes_still_refuted")
    return ({repo: finish(f) for repo, f in sorted(per_repo.items())}, finish(total), match)


def breakdown(match: Match) -> Record:
    """Judged refutations by claim kind (with precision), and by cause of the misreading.

    ``by_kind``: kind -> {mistake, false_alarm, precision}; ``false_alarm_causes`` and
    ``wrong_reason_causes``: cause -> count, most frequent first.
    """
    by_kind: dict[str, Record] = {}
    false_alarms: dict[str, int] = {}
    wrong_reasons: dict[str, int] = {}
    for _doc, finding, label in match.pairs:
        cause = str(label.get("cause") or "unspecified")
        if finding["verdict"] == "refuted":
            entry = by_kind.setdefault(str(finding["kind"]), {"mistake": 0, "false_alarm": 0})
            if label["label"] == "mistake":
                entry["mistake"] += 1
            else:
                entry["false_alarm"] += 1
                false_alarms[cause] = false_alarms.get(cause, 0) + 1
        elif label["label"] == "wrong-reason":
            wrong_reasons[cause] = wrong_reasons.get(cause, 0) + 1
    for entry in by_kind.values():
        judged = entry["mistake"] + entry["false_alarm"]
        entry["precision"] = entry["mistake"] / judged if judged else None

    def ranked(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    return {"by_kind": dict(sorted(by_kind.items())),
            "false_alarm_causes": ranked(false_alarms),
            "wrong_reason_causes": ranked(wrong_reasons)}


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


COLUMNS = (
    ("docs", "documents"), ("unread", "unreadable"), ("claims", "claims"), ("proved", "proved"),
    ("checked", "checked"), ("refuted", "refuted"), ("unknown", "unknown"), ("error", "error"),
    ("ref:mistake", "refuted_mistake"), ("ref:false", "refuted_false_alarm"),
    ("ref:unlab", "refuted_unlabelled"), ("precision", "refuted_precision"),
    ("recall", "mistake_recall"), ("wrong-proofs", "proofs_wrong_reason"),
    ("decided", "decided_share"),
)


def table(per_repo: dict[str, Record], total: Record) -> str:
    rows = [["repository", *(title for title, _ in COLUMNS)]]
    for name, figures in [*per_repo.items(), ("TOTAL", total)]:
        cells = [name]
        for _, key in COLUMNS:
            value = figures[key]
            cells.append(percent(value) if key.endswith(("precision", "recall", "share"))
                         else str(value))
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                  for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
        for row in rows
    )


def context(path: Path, line: int, around: int = 2) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    low, high = max(1, line - around), min(len(lines), line + around)
    return "\n".join(f"    {n:5d}| {lines[n - 1][:160]}" for n in range(low, high + 1))


def unlabelled_listing(match: Match, manifest: list[Record], docs: str | Path) -> str:
    files = {str(d["id"]): document_file(docs, d) for d in manifest}
    out: list[str] = []
    for doc_id, finding in match.unlabelled:
        kind = label_kind(finding)
        stub = {
            "doc": doc_id, "line": finding["line"], "column": finding["column"], "kind": kind,
            "lhs": finding["lhs"], "relation": finding["relation"], "rhs": finding["rhs"],
            "label": "mistake|false-alarm" if kind == "refutation" else "sound|wrong-reason",
            "cause": "", "note": "",
        }
        out.append(f"{doc_id}:{finding['line']}:{finding['column']}: {finding['verdict']} "
                   f"[{finding['method']}] {finding['message'][:200]}")
        out.append(context(files[doc_id], finding["line"]))
        out.append("    label stub: " + json.dumps(stub, ensure_ascii=False))
    if match.unused_labels:
        out.append(f"{len(match.unused_labels)} label(s) match no finding today:")
        out.extend(f"    {label['doc']}:{label['line']} {label['kind']} {label['label']}: "
                   f"{label['lhs']} {label['relation']} {label['rhs']}"
                   for label in match.unused_labels)
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", default=DEFAULT_DOCS, help="documents folder")
    parser.add_argument("--manifest", default=str(REALDOCS / "manifest.json"))
    parser.add_argument("--labels", default=str(REALDOCS / "labels.jsonl"))
    parser.add_argument("--cache", default=DEFAULT_CACHE,
                        help="JSON cache of per-document findings ('' for none)")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT,
                        help="seconds per claim (derive's default is 5)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--unlabelled", action="store_true",
                        help="list refutations and proofs that have no label, with context")
    parser.add_argument("--json", metavar="PATH", help="write the figures as JSON")
    parser.add_argument("--only", nargs="+", default=[], metavar="REPO_OR_ID_PREFIX",
                        help="score only these repositories (owner/name or name) or "
                             "documents whose id starts so (e.g. calcjulia-fix/)")
    args = parser.parse_args(argv)

    manifest = selected(load_manifest(Path(args.manifest)), args.only)
    if not manifest:
        print(f"no document matches --only {' '.join(args.only)}", file=sys.stderr)
        return 2
    missing = [d for d in manifest if not document_file(args.docs, d).is_file()]
    if missing:
        print(f"{len(missing)} document(s) missing under {args.docs}:", file=sys.stderr)
        for document in missing:
            print(f"  {document_file(args.docs, document)}", file=sys.stderr)
        print("materialize them: python3 benchmarks/realdocs/materialize.py "
              f"--dest {args.docs}", file=sys.stderr)
        return 2
    results = results_for(manifest, args.docs, cache_path=args.cache or None,
                          time_limit=args.time_limit, workers=args.workers)
    labels = load_labels(Path(args.labels))
    if args.only:  # labels of the documents left out are not "unused"
        kept = {str(d["id"]) for d in manifest}
        labels = [label for label in labels if label["doc"] in kept]
    per_repo, total, match = score(manifest, results, labels)
    print(table(per_repo, total))
    print(f"refuted precision {percent(total['refuted_precision'])}, "
          f"recall of labelled mistakes {percent(total['mistake_recall'])} "
          f"({total['mistakes_still_refuted']}/{total['labelled_mistakes']}), "
          f"wrong-reason proofs {total['proofs_wrong_reason']}, "
          f"decided {percent(total['decided_share'])}")
    details = breakdown(match)
    print("refutations by claim kind: " + ", ".join(
        f"{kind} {e['mistake']} mistake / {e['false_alarm']} false ({percent(e['precision'])})"
        for kind, e in details["by_kind"].items()))
    print("false alarms by cause: " + ", ".join(
        f"{cause} {n}" for cause, n in details["false_alarm_causes"].items()))
    print("wrong-reason proofs by cause: " + ", ".join(
        f"{cause} {n}" for cause, n in details["wrong_reason_causes"].items()))
    if args.unlabelled:
        print()
        print(unlabelled_listing(match, manifest, args.docs) or "no unlabelled findings")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"time_limit": args.time_limit, "repositories": per_repo,
                       "total": total, **details}, handle, indent=2, sort_keys=True)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
