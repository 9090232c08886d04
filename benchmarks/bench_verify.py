"""Time the staged verify pipeline against naive ``simplify(a - b) == 0``, in the same run.

Run: ``python benchmarks/bench_verify.py [--naive-limit SECONDS]``.  Prints, per group of
pairs, the wall time of both approaches and their ratio, and what each decided.  The
SymPy cache is cleared before every timed call (cold-cache costs, as in docs/verification-notes.md).
Absolute numbers vary with the machine; compare the ratios.
"""

from __future__ import annotations

import argparse
import signal
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-limit", type=float, default=20.0, help="seconds per naive pair")
    parser.add_argument("--time-limit", type=float, default=5.0, help="verify time limit")
    options = parser.parse_args()
    settings = VerifySettings(time_limit=options.time_limit)
    groups = {
        "sigmoid chain (author's form)": sigmoid_chain(),
        "wrong steps": wrong_steps(),
        "tanh vs exp": tanh_pairs(),
        **{f"sum of {k} rational fns of e^x": rational_sums(k) for k in (2, 8, 16)},
    }
    print(
        f"{'group':34} {'pairs':>5} {'naive s':>9} {'staged s':>9} {'naive/staged':>12}  decisions"
    )
    grand_naive = grand_staged = 0.0
    for name, pairs in groups.items():
        naive_time, naive_results = timed(pairs, lambda a, b: naive(a, b, options.naive_limit))
        staged_time, staged_results = timed(pairs, lambda a, b: staged(a, b, settings))
        grand_naive += naive_time
        grand_staged += staged_time
        print(
            f"{name:34} {len(pairs):5d} {naive_time:9.3f} {staged_time:9.3f} "
            f"{naive_time / staged_time:12.2f}  naive {dict(sorted(naive_results.items()))}"
            f" | staged {dict(sorted(staged_results.items()))}"
        )
    ratio = grand_naive / grand_staged
    print(f"{'total':34} {'':5} {grand_naive:9.3f} {grand_staged:9.3f} {ratio:12.2f}")


if __name__ == "__main__":
    main()
