"""Time the staged verify pipeline against naive ``simplify(a - b) == 0``, in the same run.

Run: ``python benchmarks/bench_verify.py [--naive-limit SECONDS] [--against REV]``.  Prints,
per group of pairs, the wall time of both approaches and their ratio, and what each decided.
``--against REV`` also times the same pairs with derive as of git revision REV (checked out
into a temporary worktree, run in a subprocess, in the same run) and prints the ratio of its
staged time to this version's: above 1 means this version is faster.  The
SymPy cache is cleared before every timed call (cold-cache costs, as in docs/verification-notes.md).
Absolute numbers vary with the machine; compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sympy as sp
from sympy.core.cache import clear_cache

from derive.definitions import substitute_definitions
from derive.model import Definition, VerifySettings
from derive.verify import verify_equal

x = sp.Symbol("x")
u = sp.Symbol("u")
sigma = sp.Function("sigma")
DEFINITIONS = (
    Definition("sigma", (x,), 1 / (1 + sp.exp(-x))),
    Definition("u", (), 1 + sp.exp(-x)),
)

Pair = tuple[sp.Expr, sp.Expr]


def sigmoid_chain() -> list[Pair]:
    """The sigmoid derivative chain in the author's form (evaluation switched off)."""
    with sp.evaluate(False):
        e = sp.exp(-x)
        chain = [
            sp.Derivative(sigma(x), x),
            sp.Derivative(1 / u, x),
            -1 / u**2 * sp.Derivative(u, x),
            -1 / u**2 * (-e),
            e / (1 + e) ** 2,
            (1 + e - 1) / (1 + e) ** 2,
            (1 + e) / (1 + e) ** 2 - 1 / (1 + e) ** 2,
            1 / (1 + e) - 1 / (1 + e) ** 2,
            1 / (1 + e) * (1 - 1 / (1 + e)),
            sigma(x) * (1 - sigma(x)),
        ]
    return list(zip(chain, chain[1:], strict=False))


def wrong_steps() -> list[Pair]:
    e = sp.exp(-x)
    right = e / (1 + e) ** 2
    return [
        (right, -right),
        (right, 2 * right),
        (right, e / (1 + e)),
        (sp.Derivative(1 / u, x), -e / u**2),
        (1 / (1 + e) * (1 - 1 / (1 + e)), 1 / (1 + e) + 1 / (1 + e) ** 2),
        (sp.tanh(x), (sp.exp(2 * x) + 1) / (sp.exp(2 * x) - 1)),
    ]


def rational_sums(k: int) -> list[Pair]:
    terms = [(i + 1) / (sp.exp(x) + i + 1) for i in range(k)]
    total = sp.Add(*terms)
    return [(total, sp.together(total))]


def tanh_pairs() -> list[Pair]:
    t = sp.tanh(x)
    return [
        (t, (sp.exp(2 * x) - 1) / (sp.exp(2 * x) + 1)),
        (1 - t**2, 4 / (sp.exp(x) + sp.exp(-x)) ** 2),
        (
            t * (1 - t**2),
            (sp.exp(2 * x) - 1) / (sp.exp(2 * x) + 1) * 4 / (sp.exp(x) + sp.exp(-x)) ** 2,
        ),
    ]


class NaiveTimeout(Exception):
    pass


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Stop the naive baseline in-process (SIGALRM; 14 us overhead, so it is not penalised)."""

    def on_alarm(signum: int, frame: object) -> None:
        raise NaiveTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def naive(a: sp.Expr, b: sp.Expr, limit: float) -> str:
    try:
        with alarm(limit):
            # the baseline also gets definitions substituted before doit, to be fair
            lhs = substitute_definitions(a, DEFINITIONS).doit()
            rhs = substitute_definitions(b, DEFINITIONS).doit()
            return "proved" if sp.simplify(lhs - rhs) == 0 else "not proven"
    except NaiveTimeout:
        return "timeout"


def staged(a: sp.Expr, b: sp.Expr, settings: VerifySettings) -> str:
    return verify_equal(a, b, definitions=DEFINITIONS, settings=settings).verdict.value


def timed(
    pairs: list[Pair], method: Callable[[sp.Expr, sp.Expr], str]
) -> tuple[float, Counter[str]]:
    results: Counter[str] = Counter()
    total = 0.0
    for a, b in pairs:
        clear_cache()
        start = time.perf_counter()
        results[method(a, b)] += 1
        total += time.perf_counter() - start
    return total, results


def run_groups(settings: VerifySettings, naive_limit: float | None) -> dict[str, float]:
    """Print the table; the staged seconds per group.  ``naive_limit`` None: staged only."""
    groups = {
        "sigmoid chain (author's form)": sigmoid_chain(),
        "wrong steps": wrong_steps(),
        "tanh vs exp": tanh_pairs(),
        **{f"sum of {k} rational fns of e^x": rational_sums(k) for k in (2, 8, 16)},
    }
    if naive_limit is not None:
        print(
            f"{'group':34} {'pairs':>5} {'naive s':>9} {'staged s':>9} {'naive/staged':>12}"
            "  decisions"
        )
    staged_seconds: dict[str, float] = {}
    grand_naive = grand_staged = 0.0
    for name, pairs in groups.items():
        staged_time, staged_results = timed(pairs, lambda a, b: staged(a, b, settings))
        staged_seconds[name] = staged_time
        if naive_limit is None:
            continue
        naive_time, naive_results = timed(
            pairs, lambda a, b, limit=naive_limit: naive(a, b, limit)
        )
        grand_naive += naive_time
        grand_staged += staged_time
        print(
            f"{name:34} {len(pairs):5d} {naive_time:9.3f} {staged_time:9.3f} "
            f"{naive_time / staged_time:12.2f}  naive {dict(sorted(naive_results.items()))}"
            f" | staged {dict(sorted(staged_results.items()))}"
        )
    if naive_limit is not None:
        ratio = grand_naive / grand_staged
        print(f"{'total':34} {'':5} {grand_naive:9.3f} {grand_staged:9.3f} {ratio:12.2f}")
    return staged_seconds


def staged_at_revision(revision: str, time_limit: float) -> dict[str, float]:
    """This script's staged timings with derive as of ``revision`` (a temporary worktree)."""
    root = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        tree = os.path.join(folder, "tree")
        subprocess.run(
            ["git", "-C", root, "worktree", "add", "--detach", "-q", tree, revision], check=True
        )
        try:
            result = subprocess.run(
                [sys.executable, __file__, "--staged-only", "--time-limit", str(time_limit)],
                capture_output=True, text=True, check=True,
                env={**os.environ, "PYTHONPATH": tree}, cwd=tree,
            )
        finally:
            subprocess.run(["git", "-C", root, "worktree", "remove", "--force", tree], check=True)
    timings: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-limit", type=float, default=20.0, help="seconds per naive pair")
    parser.add_argument("--time-limit", type=float, default=5.0, help="verify time limit")
    parser.add_argument("--against", metavar="REV", help="also time derive as of git REV")
    parser.add_argument("--staged-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    settings = VerifySettings(time_limit=options.time_limit)
    if options.staged_only:  # the subprocess of --against: timings as one JSON line
        print(json.dumps(run_groups(settings, None)))
        return
    now = run_groups(settings, options.naive_limit)
    if options.against:
        before = staged_at_revision(options.against, options.time_limit)
        print(f"\nstaged seconds, derive at {options.against} vs this version (same run)")
        for name, seconds in now.items():
            old = before.get(name)
            if old is not None:
                print(f"{name:34} {old:9.3f} {seconds:9.3f} {old / seconds:8.2f}x")
        total_old, total_now = sum(before.values()), sum(now.values())
        print(f"{'total':34} {total_old:9.3f} {total_now:9.3f} {total_old / total_now:8.2f}x")


if __name__ == "__main__":
    main()
