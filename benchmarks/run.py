"""``derive check`` against the naive baseline, in one run on one machine.

Run from a fresh clone::

    python benchmarks/run.py                 # the full run (long: minutes per corpus)
    python benchmarks/run.py --quick         # a CI-sized subset (under two minutes)
    python benchmarks/run.py --out bench.json --plot growth.svg --time-limit 5

It prints Markdown tables (to paste into the README) of ratios to the **naive baseline**:
the same claims that derive checks, each checked with ``sympy.simplify(a - b) == 0`` after
the document's definitions are substituted and ``doit()``, each in a forked child killed at
the same time limit as derive's claim workers.  Both sides see the same claims: they come
from derive's own library (extract -> rows -> parse -> claims, ``document_items``); no
document text is ever turned into code here.

derive is measured as whole ``python -m derive check --format json`` processes, cold (an
empty cache folder) and warm (the same folder again), with ``-j 1`` and ``-j 2`` where the
installed derive has those options (the output says when it has not), and once more through
its library in one fresh process, claim by claim, for the per-claim times.  Each process's
wall time, CPU time and peak resident memory (its workers included) come from ``wait4``.

Corpora: ``real_chains.jsonl`` (one display-math block a record, written to temporary
files; ``--corpus-file``), the repository's own documents, the labelled real documents of
``benchmarks/realdocs/`` (``--realdocs``), a generated series of sums of k rational
functions of e^x (each paired with its ``together()`` form and with a wrong variant), and a
generated series of documents with n small claims.  Missing corpora are skipped with a
message.  Seeds are fixed and every listing is sorted, so two runs differ only in times.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a fresh clone: import this checkout
    sys.path.insert(0, str(ROOT))

import sympy as sp  # noqa: E402

from derive.check.api import iter_documents  # noqa: E402
from derive.check.checker import check_claim, document_items  # noqa: E402
from derive.check.claims import Claim  # noqa: E402
from derive.definitions import substitute_definitions  # noqa: E402
from derive.model import Finding, VerifySettings  # noqa: E402
from derive.verify.worker import GRACE_SECONDS  # noqa: E402

DEFAULT_CHAINS = ROOT.parent / "shared" / "corpus" / "real_chains.jsonl"
DEFAULT_REALDOCS = ROOT.parent / "realdocs"
REALDOCS_MANIFEST = ROOT / "benchmarks" / "realdocs" / "manifest.json"
REPOSITORY_DOCUMENTS = ("README.md", "docs", "tests/docs/good", "output")
SEED = 20261201
FULL_SIZES = (1, 2, 4, 8, 16, 24, 32)
QUICK_SIZES = (1, 4, 8)
FULL_COUNTS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
QUICK_COUNTS = (1, 16)
CORPORA = ("chains", "repo", "realdocs", "size", "count")
QUICK_CORPORA = ("chains", "size", "count")
#: Verdicts that say a claim holds.
HOLDS = frozenset({"proved", "checked"})
#: The baseline's time limit for a size whose claims it did not finish within derive's
#: limit, to show how long it really takes (0: not measured).
FULL_UNCAPPED = 120.0
#: Times a startup is measured (the median is reported).
STARTUP_REPEATS = 3

x = sp.Symbol("x")


# ---------------------------------------------------------------------------
# Corpora
# ---------------------------------------------------------------------------


@dataclass
class Corpus:
    name: str
    title: str
    documents: list[str]
    skipped: str = ""  # why the corpus is absent; "" when it is there
    #: The generated series: the parameter (k or n) of each document.
    parameter: dict[str, int] = field(default_factory=dict)


def chains_corpus(corpus_file: Path, folder: Path) -> Corpus:
    """Each record of real_chains.jsonl as a file of its own kind, in a temporary folder
    (third-party text never enters the repository)."""
    title = "real_chains.jsonl blocks"
    if not corpus_file.exists():
        return Corpus("chains", title, [], skipped=f"not found: {corpus_file}")
    folder.mkdir(parents=True, exist_ok=True)
    documents = []
    lines = corpus_file.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        record = json.loads(line)
        suffix = ".rst" if str(record["path"]).endswith(".rst") else ".md"
        path = folder / f"block{index:03d}{suffix}"
        path.write_text(str(record["latex"]) + "\n", encoding="utf-8")
        documents.append(str(path))
    return Corpus("chains", title, documents)


def repository_corpus(root: Path) -> Corpus:
    paths = [str(root / p) for p in REPOSITORY_DOCUMENTS if (root / p).exists()]
    return Corpus("repo", "this repository's documents", list(iter_documents(paths)))


def realdocs_corpus(folder: Path, manifest: Path = REALDOCS_MANIFEST) -> Corpus:
    """The labelled documents that ``benchmarks/realdocs/manifest.json`` lists (only those:
    the folder may hold others), where ``materialize.py`` puts them: DIR/<id><suffix>."""
    title = "labelled real documents"
    if not folder.is_dir():
        return Corpus("realdocs", title, [], skipped=(
            f"not found: {folder} (python benchmarks/realdocs/materialize.py makes it)"))
    listed = json.loads(manifest.read_text(encoding="utf-8"))["documents"]
    paths = [folder / f"{d['id']}{Path(str(d['path'])).suffix}" for d in listed]
    present = sorted(str(p) for p in paths if p.is_file())
    if not present:
        return Corpus("realdocs", title, [], skipped=f"none of the documents are in {folder}")
    missing = len(paths) - len(present)
    if missing:
        title += f" ({missing} of {len(paths)} missing)"
    return Corpus("realdocs", title, present)


def rational_sum(k: int, rng: random.Random) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """A sum of k rational functions of e^x, its ``together()`` form, and a wrong variant
    of that form (one numerator off by one).  Denominators are distinct."""
    pairs = [(c, d) for c in range(1, 4) for d in range(1, 12)]
    rng.shuffle(pairs)
    e = sp.exp(x)
    numerators = []
    for c, d in pairs[:k]:
        a, b = rng.randint(1, 5), rng.randint(1, 9)
        while a * d == b * c:  # (a e^x + b)/(c e^x + d) must not be a constant
            b = rng.randint(1, 9)
        numerators.append((a, b))
    terms = [(a * e + b) / (c * e + d) for (a, b), (c, d) in zip(numerators, pairs, strict=False)]
    wrong_terms = list(terms)
    a, b = numerators[-1]
    c, d = pairs[k - 1]
    wrong_terms[-1] = (a * e + b + 1) / (c * e + d)
    return sp.Add(*terms), one_fraction(sp.Add(*terms)), one_fraction(sp.Add(*wrong_terms))


def one_fraction(total: sp.Expr) -> sp.Expr:
    """``together(total)`` with its numerator and denominator multiplied out: the same
    single fraction, written in few enough tokens for k = 32 (factored, the numerator of
    32 terms has 32 products of 31 factors, past derive's limit of 3000 tokens)."""
    numerator, denominator = sp.fraction(sp.together(total))
    return sp.expand(numerator) / sp.expand(denominator)


def size_document(k: int, seed: int = SEED) -> str:
    """Markdown with two claims on a sum of k rational functions of e^x: equal to its
    ``together()`` form, and unequal to a variant with one numerator changed."""
    total, combined, wrong = rational_sum(k, random.Random(seed * 1000 + k))
    lhs = sp.latex(total)
    return (
        f"# A sum of {k} rational functions of e^x\n\n"
        "Over one common denominator the sum reads\n\n"
        f"$$\n{lhs} = {sp.latex(combined)}\n$$\n\n"
        "and with one numerator changed by one it would read\n\n"
        f"$$\n{lhs} = {sp.latex(wrong)}\n$$\n"
    )


def small_claim(index: int, rng: random.Random) -> tuple[sp.Expr, sp.Expr]:
    """One of three small true identities with seeded coefficients (left side as written,
    right side worked out)."""
    a, b = rng.randint(2, 9), rng.randint(1, 9)
    if index % 3 == 0:
        with sp.evaluate(False):
            lhs = (a * x + b) ** 2
        return lhs, sp.expand((a * x + b) ** 2)
    if index % 3 == 1:
        with sp.evaluate(False):
            lhs = (x + b) * (x - b)
        return lhs, x**2 - b**2
    return sp.Derivative(x**a, x), a * x ** (a - 1)


def count_document(n: int, seed: int = SEED) -> str:
    """Markdown with n small true claims, one display block each."""
    rng = random.Random(seed * 1000 + n)
    parts = [f"# {n} small claims\n"]
    for index in range(n):
        lhs, rhs = small_claim(index, rng)
        parts.append(f"Claim {index + 1}:\n\n$$\n{sp.latex(lhs)} = {sp.latex(rhs)}\n$$\n")
    return "\n".join(parts)


def series_corpus(name: str, folder: Path, values: Sequence[int], seed: int = SEED) -> Corpus:
    folder.mkdir(parents=True, exist_ok=True)
    make, title, letter = (
        (size_document, "sums of k rational functions of e^x", "k") if name == "size"
        else (count_document, "documents of n small claims", "n")
    )
    documents, parameter = [], {}
    for value in values:
        path = folder / f"{name}-{letter}{value:03d}.md"
        path.write_text(make(value, seed), encoding="utf-8")
        documents.append(str(path))
        parameter[str(path)] = value
    return Corpus(name, title, documents, parameter=parameter)


# ---------------------------------------------------------------------------
# Per-claim measurements (run in a fresh process: ``--measure``)
# ---------------------------------------------------------------------------


def claim_key(path: str, line: int, column: int, lhs: str, rhs: str) -> str:
    """How a claim is matched across the baseline, the library and derive's JSON."""
    return json.dumps([path, line, column, lhs, rhs])


def naive_verdict(claim: Claim) -> str:
    """The naive baseline: ``simplify(a - b) == 0`` after definitions and ``doit()``.
    It proves or gives up; it cannot refute."""
    if claim.lhs is None or claim.rhs is None:
        return "unsupported"  # a truncated decimal (2.718...) has no expression
    try:
        lhs = substitute_definitions(claim.lhs, claim.definitions).doit()
        rhs = substitute_definitions(claim.rhs, claim.definitions).doit()
        return "proved" if sp.simplify(lhs - rhs) == 0 else "not proven"
    except RecursionError:
        return "error"
    except Exception:  # noqa: BLE001 - whatever simplify raises, the baseline has no verdict
        return "error"


def _cap_memory(extra_bytes: int) -> None:
    """The same cap as derive's claim workers: what the child maps now plus extra_bytes."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/statm") as handle:
            mapped = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = mapped + extra_bytes
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@dataclass
class ChildResult:
    verdict: str
    seconds: float  # wall, fork to reaping
    cpu: float  # user + system of the child
    max_rss_kib: int


def naive_in_child(claim: Claim, settings: VerifySettings) -> ChildResult:
    """The baseline on one claim in a forked child, killed where derive kills its worker
    (the time limit plus the same grace); peak memory and CPU from ``wait4``."""
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(read_end)
            _cap_memory(settings.memory_limit)
            verdict = naive_verdict(claim)
            os.write(write_end, verdict.encode())
            os.close(write_end)
        finally:
            os._exit(0)
    os.close(write_end)
    deadline = started + settings.time_limit + GRACE_SECONDS
    data, finished = b"", False
    try:
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            ready, _, _ = select.select([read_end], [], [], remaining)
            if not ready:
                break
            chunk = os.read(read_end, 4096)
            if not chunk:
                finished = True
                break
            data += chunk
    finally:
        os.close(read_end)
        if not finished:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, _, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    verdict = (data.decode() or "crashed") if finished else "timeout"
    return ChildResult(verdict, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def cpu_so_far() -> float:
    """CPU seconds of this process and of its reaped children (derive's claim workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def warm_up() -> None:
    """Load what SymPy imports on first use (simplify, doit), so that no claim's child pays
    for it; both sides get the same warm-up."""
    sp.simplify(sp.Derivative(sp.exp(x) / (1 + sp.exp(x)), x).doit() - sp.tanh(x))


def measure(kind: str, documents: Sequence[str], settings: VerifySettings) -> dict[str, Any]:
    """Claim by claim, in this (fresh) process: the baseline's verdict and time in a forked
    child, or derive's ``check_claim`` as its CLI calls it.  Extraction is timed apart."""
    warm_up()
    started = time.perf_counter()
    claims: list[dict[str, Any]] = []
    extract_seconds = 0.0
    first_result: float | None = None
    peak_child = 0
    for path in documents:
        begin = time.perf_counter()
        text = Path(path).read_text(encoding="utf-8-sig")
        try:
            items = document_items(path, text)
        except Exception as error:  # noqa: BLE001 - a document derive cannot read is noted
            items = []
            print(f"{path}: cannot extract: {type(error).__name__}: {error}", file=sys.stderr)
        extract_seconds += time.perf_counter() - begin
        by_claim: dict[int, Finding] = {}
        for item in items:
            if not isinstance(item, Claim):
                continue
            record: dict[str, Any] = {
                "key": claim_key(path, item.location.line, item.location.column,
                                 item.lhs_latex, item.rhs_latex),
                "path": path, "line": item.location.line, "kind": item.kind.value,
                "relation": item.relation,
            }
            if kind == "baseline":
                result = naive_in_child(item, settings)
                peak_child = max(peak_child, result.max_rss_kib)
                record.update(verdict=result.verdict, seconds=result.seconds, cpu=result.cpu)
            else:
                before = by_claim.get(id(item.previous)) if item.previous is not None else None
                begin, begin_cpu = time.perf_counter(), cpu_so_far()
                finding = check_claim(item, settings, before)
                by_claim[id(item)] = finding
                verdict = finding.verdict.value if finding.verdict is not None else "none"
                record.update(verdict=verdict, seconds=time.perf_counter() - begin,
                              cpu=cpu_so_far() - begin_cpu)
            if first_result is None:
                first_result = time.perf_counter() - started
            claims.append(record)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "kind": kind,
        "claims": claims,
        "extract_seconds": extract_seconds,
        "total_seconds": time.perf_counter() - started,
        "first_result_seconds": first_result,
        "peak_rss_kib": max(own, children, peak_child),
    }


# ---------------------------------------------------------------------------
# Whole processes
# ---------------------------------------------------------------------------


@dataclass
class ProcessRun:
    command: list[str]
    wall: float
    cpu: float  # user + system, its workers included
    max_rss_kib: int  # the largest of the process and its workers
    returncode: int
    stdout: str
    stderr: str


def timed_process(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None
                  ) -> ProcessRun:
    """Run ``command`` to the end; wall time from here, CPU and peak memory from wait4
    (Linux folds reaped workers into both).  Output goes through files: a full pipe
    must never stall the process being timed."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ProcessRun(
            list(command), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
            process.returncode, out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def derive_env() -> dict[str, str]:
    """This checkout first on the path, whatever derive is installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


@dataclass(frozen=True)
class CheckFlags:
    """Which of the speed options this derive's ``check`` has."""

    jobs: bool
    cache_dir: bool
    no_cache: bool

    def missing(self) -> list[str]:
        names = {"-j": self.jobs, "--cache-dir": self.cache_dir, "--no-cache": self.no_cache}
        return [name for name, present in names.items() if not present]


def detect_flags(cwd: Path) -> CheckFlags:
    help_text = subprocess.run(
        [sys.executable, "-m", "derive", "check", "--help"], cwd=cwd, env=derive_env(),
        capture_output=True, text=True, check=False,
    ).stdout
    return CheckFlags(
        jobs=" -j " in help_text or "--jobs" in help_text or "-j N" in help_text,
        cache_dir="--cache-dir" in help_text,
        no_cache="--no-cache" in help_text,
    )


def check_command(documents: Sequence[str], time_limit: float, flags: CheckFlags, *,
                  jobs: int | None = None, cache_dir: Path | None = None) -> list[str]:
    """``python -m derive check --format json``; no cache unless ``cache_dir`` is given."""
    command = [sys.executable, "-m", "derive", "check", "--format", "json",
               "--time-limit", f"{time_limit:g}"]
    if jobs is not None and flags.jobs:
        command += ["-j", str(jobs)]
    if cache_dir is not None and flags.cache_dir:
        command += ["--cache-dir", str(cache_dir)]
    elif flags.no_cache:
        command.append("--no-cache")
    return command + list(documents)


def process_verdicts(run: ProcessRun, *, reasons: bool = False) -> dict[str, list[str]]:
    """Claim key -> derive's verdicts (in order, for repeated keys) from its JSON report;
    with ``reasons``, what decided each instead (the stage, and the doubt rule's id when
    one declined the claim: ``doubtful-reading DRV-D12``)."""
    verdicts: dict[str, list[str]] = defaultdict(list)
    if run.returncode not in (0, 1):
        return verdicts
    report = json.loads(run.stdout)
    for file in report.get("files", []):
        for claim in file.get("claims", []):
            key = claim_key(file["path"], claim["line"], claim["column"], claim["lhs"] or "",
                            claim["rhs"] or "")
            if reasons:
                evidence = claim.get("evidence") or {}
                reason = " ".join(str(part) for part in (
                    evidence.get("method"), evidence.get("doubt")) if part)
                verdicts[key].append(reason)
            else:
                verdicts[key].append(claim["verdict"])
    return verdicts


def summary_of(run: ProcessRun, claims: int) -> dict[str, Any]:
    return {
        "wall": run.wall, "cpu": run.cpu, "max_rss_kib": run.max_rss_kib,
        "returncode": run.returncode, "claims_per_second": claims / run.wall if run.wall else 0,
        "error": run.stderr.strip().splitlines()[-1] if run.returncode not in (0, 1)
        and run.stderr.strip() else "",
    }


# ---------------------------------------------------------------------------
# Verdict comparison
# ---------------------------------------------------------------------------


def compare_verdicts(baseline: str, derive: str) -> str:
    """How derive's verdict stands to the baseline's on one claim.

    ``agree``: both say it holds, or both leave it undecided; ``better``: derive decides
    (proves, checks or refutes) where the baseline did not; ``worse``: the baseline proved
    it and derive says unknown or error; ``conflict``: the baseline proved it and derive
    refutes it (one of them is wrong).
    """
    if baseline == "proved":
        if derive in HOLDS:
            return "agree"
        return "conflict" if derive == "refuted" else "worse"
    if derive in HOLDS or derive == "refuted":
        return "better"
    return "agree"


def compare_corpus(baseline: Sequence[dict[str, Any]], derive: dict[str, list[str]],
                   reasons: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Each baseline claim against derive's verdict for it (matched by place and text);
    ``reasons``: what decided derive's verdicts (``process_verdicts(reasons=True)``)."""
    remaining = {key: list(values) for key, values in derive.items()}
    why = {key: list(values) for key, values in (reasons or {}).items()}
    outcomes: Counter[str] = Counter()
    matrix: Counter[tuple[str, str]] = Counter()
    cases: list[dict[str, Any]] = []
    for claim in baseline:
        found = remaining.get(claim["key"])
        verdict = found.pop(0) if found else "missing"
        because = why.get(claim["key"]) or [""]
        reason = because.pop(0)
        outcome = compare_verdicts(claim["verdict"], verdict) if found is not None else "missing"
        outcomes[outcome] += 1
        matrix[(claim["verdict"], verdict)] += 1
        if outcome != "agree":
            path, line, column, lhs, rhs = json.loads(claim["key"])
            cases.append({"outcome": outcome, "path": path, "line": line, "column": column,
                          "lhs": lhs, "rhs": rhs, "baseline": claim["verdict"],
                          "derive": verdict, "derive_reason": reason})
    derive_only = sum(len(v) for v in remaining.values())
    return {
        "outcomes": dict(sorted(outcomes.items())),
        "matrix": [[b, d, n] for (b, d), n in sorted(matrix.items())],
        "cases": cases,
        "derive_only": derive_only,
    }


def verdict_differences(first: dict[str, list[str]], second: dict[str, list[str]]
                        ) -> list[dict[str, Any]]:
    """Claims whose verdict differs between two derive runs (the cache and -j must not
    matter; a claim near its time limit on a busy machine may)."""
    differing = []
    for key in sorted(set(first) | set(second)):
        if first.get(key, []) != second.get(key, []):
            path, line, column, lhs, rhs = json.loads(key)
            differing.append({"path": path, "line": line, "column": column, "lhs": lhs,
                              "rhs": rhs, "first": first.get(key, []),
                              "second": second.get(key, [])})
    return differing


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def ratio(baseline: float | None, derive: float | None) -> float | None:
    if not baseline or not derive:
        return None
    return baseline / derive


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}×" if value < 10 else f"{value:.0f}×"


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s"


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def run_measure(kind: str, documents: Sequence[str], time_limit: float, work: Path
                ) -> tuple[dict[str, Any], ProcessRun]:
    """``measure`` in a fresh process of this script (no cache warmed by earlier corpora)."""
    listing = work / f"documents-{kind}.json"
    listing.write_text(json.dumps(list(documents)), encoding="utf-8")
    run = timed_process(
        [sys.executable, str(Path(__file__).resolve()), "--measure", kind, str(listing),
         "--time-limit", f"{time_limit:g}"], cwd=work, env=derive_env(),
    )
    if run.returncode != 0:
        raise RuntimeError(f"measuring {kind} failed:\n{run.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(run.stdout)
    return result, run


def per_claim_summary(measured: dict[str, Any]) -> dict[str, Any]:
    seconds = [c["seconds"] for c in measured["claims"]]
    cpu = [c["cpu"] for c in measured["claims"]]
    return {
        "claims": len(seconds),
        "claim_seconds": sum(seconds),
        "claim_cpu": sum(cpu),
        "median_cpu": statistics.median(cpu) if cpu else 0.0,
        "p95_cpu": percentile(cpu, 0.95),
        "extract_seconds": measured["extract_seconds"],
        "median": statistics.median(seconds) if seconds else 0.0,
        "p95": percentile(seconds, 0.95),
        "first_result": measured["first_result_seconds"],
        "peak_rss_kib": measured["peak_rss_kib"],
        "verdicts": dict(sorted(Counter(c["verdict"] for c in measured["claims"]).items())),
    }


def measure_corpus(corpus: Corpus, time_limit: float, flags: CheckFlags, work: Path,
                   start: dict[str, Any], log: Any) -> dict[str, Any]:
    """Baseline, derive's library claim by claim, and derive's whole processes."""
    log(f"{corpus.name}: {len(corpus.documents)} documents: baseline")
    baseline_raw, _ = run_measure("baseline", corpus.documents, time_limit, work)
    baseline = per_claim_summary(baseline_raw)
    # the baseline as one process: python + import sympy, then its claims (parsing free)
    baseline["process_seconds"] = start["import_sympy_wall"] + baseline["claim_seconds"]
    baseline["process_cpu"] = start["import_sympy_cpu"] + baseline["claim_cpu"]
    log(f"{corpus.name}: derive library, claim by claim")
    library_raw, _ = run_measure("library", corpus.documents, time_limit, work)
    library = per_claim_summary(library_raw)
    claims = baseline["claims"]
    processes: dict[str, Any] = {}
    verdicts: dict[str, dict[str, list[str]]] = {}
    reasons: dict[str, list[str]] = {}
    for jobs in (1, 2):
        if jobs > 1 and not flags.jobs:
            continue
        cache = work / f"cache-{corpus.name}-j{jobs}"
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir()
        for phase in ("cold", "warm"):
            mode = f"{phase} -j{jobs}"
            log(f"{corpus.name}: derive check, {mode}")
            run = timed_process(
                check_command(corpus.documents, time_limit, flags, jobs=jobs,
                              cache_dir=cache if flags.cache_dir else None),
                cwd=work, env=derive_env(),
            )
            processes[mode] = summary_of(run, claims)
            verdicts[mode] = process_verdicts(run)
            if mode == "cold -j1":
                reasons = process_verdicts(run, reasons=True)
        shutil.rmtree(cache, ignore_errors=True)
    library_verdicts: dict[str, list[str]] = defaultdict(list)
    for claim in library_raw["claims"]:
        library_verdicts[claim["key"]].append(claim["verdict"])
    reference = verdicts.get("cold -j1", {})
    consistency = {mode: verdict_differences(reference, v) for mode, v in verdicts.items()
                   if mode != "cold -j1"}
    consistency["library"] = verdict_differences(
        {k: v for k, v in reference.items() if k in library_verdicts}, library_verdicts)
    per_document: dict[str, dict[str, float]] = {}
    for kind, raw in (("baseline", baseline_raw), ("library", library_raw)):
        for claim in raw["claims"]:
            entry = per_document.setdefault(claim["path"], {})
            entry[kind] = entry.get(kind, 0.0) + claim["seconds"]
            entry[f"{kind}_cpu"] = entry.get(f"{kind}_cpu", 0.0) + claim["cpu"]
    return {
        "title": corpus.title,
        "documents": len(corpus.documents),
        "claims": claims,
        "baseline": baseline,
        "library": library,
        "processes": processes,
        "comparison": compare_corpus(baseline_raw["claims"], reference, reasons),
        "verdict_differences": consistency,
        "per_document": per_document,
        "claim_verdicts": {
            c["key"]: {"baseline": c["verdict"], "baseline_seconds": c["seconds"],
                       "baseline_cpu": c["cpu"]}
            for c in baseline_raw["claims"]
        },
    }


def measure_series(corpus: Corpus, time_limit: float, flags: CheckFlags, work: Path,
                   measured: dict[str, Any], start: dict[str, Any], log: Any,
                   uncapped: float = 0.0) -> list[dict[str, Any]]:
    """One whole ``derive check`` process per generated document (no cache, -j 1): the
    growth curve, against the baseline's time on the same document's claims.  Where the
    baseline ran out of time, it runs again with ``uncapped`` seconds per claim (when
    positive), to show what it would have needed."""
    rows = []
    reference: dict[str, list[str]] = {}
    for document in corpus.documents:
        value = corpus.parameter[document]
        log(f"{corpus.name}: derive check on {Path(document).name}")
        run = timed_process(check_command([document], time_limit, flags, jobs=1), cwd=work,
                            env=derive_env())
        verdicts = process_verdicts(run)
        reference.update(verdicts)
        baseline_claims = [
            (key, item) for key, item in measured["claim_verdicts"].items()
            if json.loads(key)[0] == document
        ]
        baseline_seconds = sum(item["baseline_seconds"] for _, item in baseline_claims)
        baseline_cpu = start["import_sympy_cpu"] + sum(
            item["baseline_cpu"] for _, item in baseline_claims)
        process_seconds = start["import_sympy_wall"] + baseline_seconds
        rows.append({
            "value": value,
            "claims": len(baseline_claims),
            "baseline_seconds": baseline_seconds,
            "baseline_process_seconds": process_seconds,
            "baseline_process_cpu": baseline_cpu,
            "baseline_verdicts": [item["baseline"] for _, item in baseline_claims],
            "derive_seconds": run.wall,
            "derive_cpu": run.cpu,
            "derive_library_seconds": measured["per_document"].get(document, {}).get(
                "library", 0.0),
            "derive_verdicts": [v for key, _ in baseline_claims for v in verdicts.get(key, [])],
            "speedup": ratio(process_seconds, run.wall),
            "speedup_cpu": ratio(baseline_cpu, run.cpu),
        })
        timed_out = any(item["baseline"] == "timeout" for _, item in baseline_claims)
        if uncapped > 0 and timed_out:
            log(f"{corpus.name}: baseline on {Path(document).name}, up to {uncapped:g} s a claim")
            again, _ = run_measure("baseline", [document], uncapped, work)
            rows[-1]["baseline_uncapped_seconds"] = sum(c["seconds"] for c in again["claims"])
            rows[-1]["baseline_uncapped_cpu"] = sum(c["cpu"] for c in again["claims"])
            rows[-1]["baseline_uncapped_verdicts"] = [c["verdict"] for c in again["claims"]]
    return rows


def startup(flags: CheckFlags, one_claim: str, time_limit: float, work: Path,
            log: Any, repeats: int = STARTUP_REPEATS) -> dict[str, Any]:
    """CPU of ``python -c 'import sympy'`` and of ``derive check`` on a one-claim
    document, each the median of a few runs, in the same run as the baseline."""
    log("startup: import sympy and a one-claim document")
    imports, checks, import_walls = [], [], []
    for _ in range(repeats):
        run = timed_process([sys.executable, "-c", "import sympy"], cwd=work)
        imports.append(run.cpu)
        import_walls.append(run.wall)
        run = timed_process(check_command([one_claim], time_limit, flags, jobs=1), cwd=work,
                            env=derive_env())
        checks.append(run.cpu)
    import_cpu = statistics.median(imports)
    check_cpu = statistics.median(checks)
    return {
        "import_sympy_cpu": import_cpu,
        "import_sympy_wall": statistics.median(import_walls),
        "one_claim_cpu": check_cpu,
        "ratio": check_cpu / import_cpu if import_cpu else None,
    }


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def corpus_tables(corpora: dict[str, Any]) -> list[str]:
    lines = [
        "| corpus | docs | claims | baseline s | derive cold -j1 s | claims/s × | CPU × | "
        "cold -j2 × | warm -j1 (% of cold) | warm -j2 (% of cold) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, data in corpora.items():
        base = data["baseline"]["process_seconds"]
        processes = data["processes"]
        cold1 = processes.get("cold -j1", {}).get("wall")
        cold2 = processes.get("cold -j2", {}).get("wall")
        cold1_cpu = processes.get("cold -j1", {}).get("cpu")

        def warm(jobs: int, processes: dict[str, Any] = processes) -> str:
            cold = processes.get(f"cold -j{jobs}", {}).get("wall")
            hot = processes.get(f"warm -j{jobs}", {}).get("wall")
            return f"{fmt_seconds(hot)} ({100 * hot / cold:.0f} %)" if cold and hot else "–"

        lines.append(
            f"| {name} | {data['documents']} | {data['claims']} | {base:.1f} | "
            f"{fmt_seconds(cold1)} | {fmt_ratio(ratio(base, cold1))} | "
            f"{fmt_ratio(ratio(data['baseline']['process_cpu'], cold1_cpu))} | "
            f"{fmt_ratio(ratio(base, cold2))} | {warm(1)} | {warm(2)} |"
        )
    lines += [
        "",
        "| corpus | median per claim: baseline / derive (×) | p95: baseline / derive (×) | "
        "first result: baseline / derive (×) | peak memory MiB: baseline / derive cold -j1 |",
        "|---|---|---|---|---|",
    ]
    for name, data in corpora.items():
        base, lib = data["baseline"], data["library"]
        derive_rss = data["processes"].get("cold -j1", {}).get("max_rss_kib", 0)

        def pair(key: str, base: dict[str, Any] = base, lib: dict[str, Any] = lib) -> str:
            return (f"{fmt_seconds(base[key])} / {fmt_seconds(lib[key])} "
                    f"({fmt_ratio(ratio(base[key], lib[key]))})")

        lines.append(
            f"| {name} | {pair('median')} | {pair('p95')} | {pair('first_result')} | "
            f"{base['peak_rss_kib'] / 1024:.0f} / {derive_rss / 1024:.0f} "
            f"({derive_rss / base['peak_rss_kib'] if base['peak_rss_kib'] else 0:.2f}×) |"
        )
    return lines


def verdict_tables(corpora: dict[str, Any]) -> list[str]:
    lines = [
        "| corpus | claims | agree | derive decides, baseline not | worse than baseline "
        "(of which declined by a doubt rule) | conflict | unmatched | "
        "verdicts differ from cold -j1 |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, data in corpora.items():
        outcomes = data["comparison"]["outcomes"]
        declined = sum(1 for case in data["comparison"]["cases"] if case["outcome"] == "worse"
                       and case.get("derive_reason", "").startswith("doubtful-reading"))
        differences = ", ".join(f"{mode}: {count_of(found)}"
                                for mode, found in by_mode(data["verdict_differences"]))
        lines.append(
            f"| {name} | {data['claims']} | {outcomes.get('agree', 0)} | "
            f"{outcomes.get('better', 0)} | {outcomes.get('worse', 0)} ({declined}) | "
            f"{outcomes.get('conflict', 0)} | {outcomes.get('missing', 0)} | "
            f"{differences or '–'} |"
        )
    return lines


#: derive's runs in the order they are made (a saved --out file has its keys sorted).
MODES = ("cold -j1", "warm -j1", "cold -j2", "warm -j2", "library")


def by_mode(per_mode: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(per_mode.items(), key=lambda item: MODES.index(item[0]))


def count_of(found: int | Sequence[Any]) -> int:
    """A count recorded as a number (older --out files) or as the list of cases."""
    return found if isinstance(found, int) else len(found)


def difference_lines(corpora: dict[str, Any]) -> list[str]:
    """Every claim whose verdict differs between derive's own runs."""
    lines = []
    for name, data in corpora.items():
        for mode, found in by_mode(data["verdict_differences"]):
            if isinstance(found, int):
                continue
            for case in found:
                lines.append(
                    f"- {name} {Path(case['path']).name}:{case['line']}:{case['column']}: "
                    f"cold -j1 {', '.join(case['first']) or 'none'}, {mode} "
                    f"{', '.join(case['second']) or 'none'}"
                )
    return lines


def disagreement_lines(corpora: dict[str, Any]) -> list[str]:
    """Every claim where derive's verdict differs from the baseline's: worse and
    conflicting ones first."""
    order = {"conflict": 0, "worse": 1, "missing": 2, "better": 3}
    lines = []
    for name, data in corpora.items():
        cases = sorted(data["comparison"]["cases"],
                       key=lambda c: (order[c["outcome"]], c["path"], c["line"], c["column"]))
        for case in cases:
            text = f"{case['lhs']} = {case['rhs']}".replace("\n", " ")
            if len(text) > 90:
                text = text[:87] + "..."
            reason = case.get("derive_reason")
            lines.append(
                f"- {case['outcome']}: {name} {Path(case['path']).name}:{case['line']}:"
                f"{case['column']} baseline {case['baseline']}, derive {case['derive']}"
                f"{f' ({reason})' if reason else ''}: `{text}`"
            )
    return lines


def verdict_list(verdicts: Sequence[str]) -> str:
    """``proved, refuted`` as written; a long run of one verdict as ``proved ×16``."""
    if len(verdicts) <= 2:
        return ", ".join(verdicts)
    counts = Counter(verdicts)
    return ", ".join(f"{verdict} ×{n}" for verdict, n in sorted(counts.items()))


def uncapped_note(row: dict[str, Any]) -> str:
    """`` (given 120 s: proved, not proven in 31 s)`` where the baseline ran again."""
    if "baseline_uncapped_verdicts" not in row:
        return ""
    return (f" (without the limit: {verdict_list(row['baseline_uncapped_verdicts'])} in "
            f"{row['baseline_uncapped_seconds']:.1f} s, CPU {row['baseline_uncapped_cpu']:.1f} s)")


def series_table(rows: Sequence[dict[str, Any]], letter: str) -> list[str]:
    lines = [
        f"| {letter} | claims | baseline s (process) | derive process s | × | CPU × | "
        "derive library s | baseline verdicts | derive verdicts |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['value']} | {row['claims']} | {row['baseline_process_seconds']:.2f} | "
            f"{row['derive_seconds']:.2f} | {fmt_ratio(row['speedup'])} | "
            f"{fmt_ratio(row['speedup_cpu'])} | "
            f"{row['derive_library_seconds']:.2f} | {verdict_list(row['baseline_verdicts'])}"
            f"{uncapped_note(row)} | {verdict_list(row['derive_verdicts'])} |"
        )
    return lines


def goals(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets this benchmark is judged against, each met or not, with the figure."""
    found: list[dict[str, Any]] = []
    corpora = result["corpora"]
    real = [n for n in ("chains", "repo", "realdocs") if n in corpora]
    if real:
        base = sum(corpora[n]["baseline"]["process_seconds"] for n in real)
        for mode in ("cold -j1", "cold -j2"):
            walls = [corpora[n]["processes"].get(mode, {}).get("wall") for n in real]
            if all(walls):
                value = base / sum(w for w in walls if w)
                found.append({"goal": f"corpus throughput ≥ 20× baseline ({mode}, "
                              f"{'+'.join(real)})", "value": f"{value:.1f}×",
                              "met": value >= 20})
    worse = sum(corpora[n]["comparison"]["outcomes"].get(o, 0)
                for n in corpora for o in ("worse", "conflict"))
    declined = sum(1 for n in corpora for case in corpora[n]["comparison"]["cases"]
                   if case["outcome"] == "worse"
                   and case.get("derive_reason", "").startswith("doubtful-reading"))
    found.append({"goal": "no verdict worse than the baseline's",
                  "value": f"{worse} worse ({declined} declined by a doubt rule)",
                  "met": worse == 0})
    sizes = {row["value"]: row for row in result["growth"].get("size", [])}
    if 16 in sizes:
        value = sizes[16]["speedup"] or 0.0
        found.append({"goal": "k = 16 whole process ≥ 5× (aim 10×)", "value": f"{value:.1f}×",
                      "met": value >= 5})
    if 32 in sizes:
        row = sizes[32]
        decided = row["derive_verdicts"] == ["proved", "refuted"] or (
            len(row["derive_verdicts"]) == 2 and row["derive_verdicts"][0] in HOLDS
            and row["derive_verdicts"][1] == "refuted")
        found.append({
            "goal": "k = 32 decided within the default budget",
            "value": f"derive {', '.join(row['derive_verdicts'])} in "
                     f"{row['derive_seconds']:.1f} s; baseline "
                     f"{', '.join(row['baseline_verdicts'])} in "
                     f"{row['baseline_seconds']:.1f} s{uncapped_note(row)}",
            "met": decided,
        })
    warm_shares = []
    for name, data in corpora.items():
        cold = data["processes"].get("cold -j1", {}).get("wall")
        hot = data["processes"].get("warm -j1", {}).get("wall")
        if cold and hot and result["flags"]["cache_dir"]:
            warm_shares.append((name, hot / cold))
    if warm_shares:
        worst = max(warm_shares, key=lambda item: item[1])
        found.append({"goal": "warm re-check ≤ 5 % of cold (-j1)",
                      "value": f"worst {worst[0]}: {100 * worst[1]:.0f} %",
                      "met": worst[1] <= 0.05})
    else:
        found.append({"goal": "warm re-check ≤ 5 % of cold", "value": "no --cache-dir",
                      "met": False})
    start = result.get("startup")
    if start and start["ratio"] is not None:
        found.append({"goal": "one-claim document ≤ 1.3× `import sympy` CPU",
                      "value": f"{start['ratio']:.2f}× ({start['one_claim_cpu']:.2f} s / "
                               f"{start['import_sympy_cpu']:.2f} s)",
                      "met": start["ratio"] <= 1.3})
    return found


def report_markdown(result: dict[str, Any]) -> str:
    settings = result["settings"]
    lines = [
        f"derive vs naive `simplify(a - b) == 0`, time limit {settings['time_limit']:g} s "
        f"per claim, {settings['cpus']} CPUs, load average at start "
        f"{settings['load_start']}, at end {settings['load_end']}; "
        f"SymPy {settings['sympy']}, Python {settings['python']}.",
        "× = baseline time ÷ derive time (higher is better); the baseline as a process is "
        "`python -c 'import sympy'` plus its claims (parsing not charged to it).",
        "",
    ]
    if settings["missing_flags"]:
        lines += [f"This derive has no {', '.join(settings['missing_flags'])}: "
                  "warm runs are plain repeats and -j2 runs are skipped.", ""]
    for name, reason in result["skipped"].items():
        lines.append(f"Skipped {name}: {reason}")
    if result["skipped"]:
        lines.append("")
    corpora = result["corpora"]
    if corpora:
        lines += ["### Throughput and per-claim cost", "", *corpus_tables(corpora), ""]
        lines += ["### Verdicts against the baseline", "", *verdict_tables(corpora), ""]
        differing = difference_lines(corpora)
        if differing:
            lines += ["Claims whose verdict differs between derive's own runs:", "",
                      *differing, ""]
        cases = disagreement_lines(corpora)
        lines += ["Every claim where the verdicts differ:" if cases else
                  "The verdicts agree on every claim.", "", *cases, ""]
    if result["growth"].get("size"):
        lines += ["### Growth with expression size (sum of k rational functions of e^x; "
                  "equal, then unequal)", "", *series_table(result["growth"]["size"], "k"), ""]
    if result["growth"].get("count"):
        lines += ["### Growth with the number of claims", "",
                  *series_table(result["growth"]["count"], "n"), ""]
    start = result.get("startup")
    if start:
        lines += [
            "### Startup", "",
            "| `python -c 'import sympy'` CPU | one-claim document CPU | ratio |",
            "|---:|---:|---:|",
            f"| {start['import_sympy_cpu']:.2f} s | {start['one_claim_cpu']:.2f} s | "
            f"{start['ratio']:.2f}× |", "",
        ]
    lines += ["### Goals", "", "| goal | figure | met |", "|---|---|---|"]
    for goal in result["goals"]:
        lines.append(f"| {goal['goal']} | {goal['value']} | {'yes' if goal['met'] else 'no'} |")
    return "\n".join(lines) + "\n"


def plot_growth(result: dict[str, Any], path: Path) -> str:
    """The growth curves as SVG; '' when written, else why not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install '.[plot]')"
    plt.rcParams["svg.hashsalt"] = "derive-benchmark"
    series = [(key, letter, label) for key, letter, label in (
        ("size", "k", "rational functions of e^x in the sum (k)"),
        ("count", "n", "claims in the document (n)"),
    ) if result["growth"].get(key)]
    if not series:
        return "no growth series was measured"
    start = result["startup"]["import_sympy_wall"]
    figure, axes = plt.subplots(1, len(series), figsize=(5.5 * len(series), 4), squeeze=False)
    for axis, (key, _letter, label) in zip(axes[0], series, strict=True):
        rows = result["growth"][key]
        values = [row["value"] for row in rows]
        axis.plot(values, [row["baseline_process_seconds"] for row in rows], "o-",
                  color="#b03a2e", label="naive simplify (import sympy + claims)")
        axis.plot(values, [row["derive_seconds"] for row in rows], "s-", color="#1f618d",
                  label="derive check (whole process, -j1)")
        axis.plot(values, [max(row["baseline_seconds"], 1e-3) for row in rows], "v--",
                  color="#e59866", label="naive simplify, claims alone")
        axis.plot(values, [max(row["derive_library_seconds"], 1e-3) for row in rows], "^--",
                  color="#5dade2", label="derive, claims alone (library)")
        uncapped = [(row["value"], start + row["baseline_uncapped_seconds"]) for row in rows
                    if "baseline_uncapped_seconds" in row]
        if uncapped:
            axis.plot(*zip(*uncapped, strict=True), "o", color="#b03a2e", fillstyle="none",
                      markersize=9, label="naive simplify without the time limit")
        timeouts = [(row["value"], row["baseline_process_seconds"]) for row in rows
                    if "timeout" in row["baseline_verdicts"]]
        if timeouts:
            axis.plot(*zip(*timeouts, strict=True), "x", color="black", markersize=10,
                      label="baseline stopped at the time limit")
        axis.set_xscale("log", base=2)
        axis.set_xticks(values, [str(v) for v in values])
        axis.set_yscale("log")
        axis.set_xlabel(label)
        axis.set_ylabel("seconds")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"derive vs naive simplify, time limit {result['settings']['time_limit']:g}"
                    " s per claim")
    figure.tight_layout()
    figure.savefig(path, metadata={"Date": None} if path.suffix == ".svg" else None)
    plt.close(figure)
    return ""


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parse_values(text: str) -> tuple[int, ...]:
    values = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"positive whole numbers separated by commas: {text!r}")
    return values


def parse_corpora(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in CORPORA]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"corpora are {', '.join(CORPORA)}; got {text!r}")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"a CI-sized subset: {', '.join(QUICK_CORPORA)}, k in "
                             f"{QUICK_SIZES}, n in {QUICK_COUNTS}")
    parser.add_argument("--time-limit", type=float, default=VerifySettings().time_limit,
                        metavar="SECONDS", help="per claim, both sides (default: derive's, "
                        f"{VerifySettings().time_limit:g})")
    parser.add_argument("--out", type=Path, metavar="FILE.json",
                        help="write every measurement as JSON")
    parser.add_argument("--plot", type=Path, metavar="FILE.svg",
                        help="write the growth curves (needs matplotlib: .[plot])")
    parser.add_argument("--only", type=parse_corpora, metavar="NAMES",
                        help=f"comma-separated corpora among {', '.join(CORPORA)}")
    parser.add_argument("--sizes", type=parse_values, metavar="K,...",
                        help="sizes k of the generated sums")
    parser.add_argument("--counts", type=parse_values, metavar="N,...",
                        help="claim counts n of the generated documents")
    parser.add_argument("--corpus-file", type=Path, default=DEFAULT_CHAINS, metavar="JSONL",
                        help="real_chains.jsonl (default: ../shared/corpus/ beside the checkout)")
    parser.add_argument("--realdocs", type=Path, default=DEFAULT_REALDOCS, metavar="DIR",
                        help="the materialised real documents (default: ../realdocs)")
    parser.add_argument("--baseline-uncapped", type=float, default=None, metavar="SECONDS",
                        help="where the baseline runs out of time on a generated sum, run it "
                             f"again with this limit per claim (default {FULL_UNCAPPED:g}; "
                             "--quick: 0, not at all)")
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    parser.add_argument("--startup-repeats", type=int, default=STARTUP_REPEATS,
                        help=argparse.SUPPRESS)
    parser.add_argument("--report-from", type=Path, metavar="FILE.json",
                        help="print the tables (and --plot) from an earlier run's --out file, "
                             "measuring nothing")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "LIST"), help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.time_limit <= 0:
        raise SystemExit("--time-limit must be positive")
    settings = VerifySettings(time_limit=args.time_limit)
    if args.measure:  # the per-claim half, in a fresh process
        kind, listing = args.measure
        documents = json.loads(Path(listing).read_text(encoding="utf-8"))
        print(json.dumps(measure(kind, documents, settings)))
        return 0

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    if args.report_from:
        result = json.loads(args.report_from.read_text(encoding="utf-8"))
        result["corpora"] = {name: result["corpora"][name] for name in CORPORA
                             if name in result["corpora"]}  # --out sorts keys
    else:
        names = args.only or (QUICK_CORPORA if args.quick else CORPORA)
        if args.baseline_uncapped is None:
            args.baseline_uncapped = 0.0 if args.quick else FULL_UNCAPPED
        sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
        counts = args.counts or (QUICK_COUNTS if args.quick else FULL_COUNTS)
        with tempfile.TemporaryDirectory(prefix="derive-bench-") as folder:
            result = run_benchmark(names, sizes, counts, args, Path(folder), log)
    result["goals"] = goals(result)
    markdown = report_markdown(result)
    print(markdown)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n",
                            encoding="utf-8")
    if args.plot:
        why_not = plot_growth(result, args.plot)
        if why_not:
            print(f"no plot: {why_not}", file=sys.stderr)
    return 0


def run_benchmark(names: Iterable[str], sizes: Sequence[int], counts: Sequence[int],
                  args: argparse.Namespace, work: Path, log: Any) -> dict[str, Any]:
    names = list(names)
    flags = detect_flags(work)
    if flags.missing():
        log(f"this derive check has no {', '.join(flags.missing())}")
    load_start = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    corpora: dict[str, Corpus] = {}
    for name in names:
        if name == "chains":
            corpora[name] = chains_corpus(args.corpus_file, work / "chains")
        elif name == "repo":
            corpora[name] = repository_corpus(ROOT)
        elif name == "realdocs":
            corpora[name] = realdocs_corpus(args.realdocs)
        else:
            corpora[name] = series_corpus(name, work / name,
                                          sizes if name == "size" else counts, args.seed)
    skipped = {n: c.skipped for n, c in corpora.items() if c.skipped}
    for name, reason in skipped.items():
        log(f"skipping {name}: {reason}")
    one_claim = series_corpus("count", work / "startup", (1,)).documents[0]
    start = startup(flags, one_claim, args.time_limit, work, log, args.startup_repeats)
    measured: dict[str, Any] = {}
    growth: dict[str, Any] = {}
    for name, corpus in corpora.items():
        if corpus.skipped:
            continue
        measured[name] = measure_corpus(corpus, args.time_limit, flags, work, start, log)
        if corpus.parameter:
            uncapped = args.baseline_uncapped if name == "size" else 0.0
            growth[name] = measure_series(corpus, args.time_limit, flags, work,
                                          measured[name], start, log, uncapped)
    for data in measured.values():  # kept for the growth rows only; the JSON stays small
        data.pop("claim_verdicts")
    return {
        "settings": {
            "time_limit": args.time_limit, "quick": args.quick, "seed": args.seed,
            "corpora": names, "sizes": list(sizes), "counts": list(counts),
            "cpus": os.cpu_count(), "load_start": load_start,
            "load_end": ", ".join(f"{v:.1f}" for v in os.getloadavg()),
            "python": platform.python_version(), "sympy": sp.__version__,
            "missing_flags": flags.missing(),
        },
        "flags": asdict(flags),
        "skipped": skipped,
        "startup": start,
        "corpora": measured,
        "growth": growth,
    }


if __name__ == "__main__":
    sys.exit(main())
