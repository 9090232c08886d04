"""Time derive's guarded evaluator against ``lambdify`` + call, in the same run.

Run: ``python benchmarks/bench_evaluate.py [--points N] [--digits D]``.  For each group of
expressions (the sigmoid derivative chain after substitution; a k=16 sum of rational
functions of e^x and its ``together`` form) it times:

- evaluator: ``prepare`` once, then ``evaluate`` at every point (as ``MpFunction`` does);
- evaluator, cold: ``evaluate`` on the bare expression at every point (no reuse);
- lambdify: ``sp.lambdify(..., "mpmath")`` once, then a call at every point (what
  ``MpFunction`` did before).  lambdify is used here only, on expressions this script
  builds itself; derive never generates code.

and prints the times and their ratios, and the largest difference between the values.
Absolute numbers vary with the machine; compare the ratios.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from fractions import Fraction

import mpmath
import sympy as sp

from derive.verify.evaluate import evaluate, prepare

x = sp.Symbol("x")


def sigmoid_chain() -> list[sp.Expr]:
    """The sigmoid derivative chain in the author's form, sigma and u substituted."""
    with sp.evaluate(False):
        e = sp.exp(-x)
        u = 1 + e
        sigma = 1 / u
        return [
            -1 / u**2 * (-e),
            e / (1 + e) ** 2,
            (1 + e - 1) / (1 + e) ** 2,
            (1 + e) / (1 + e) ** 2 - 1 / (1 + e) ** 2,
            1 / (1 + e) - 1 / (1 + e) ** 2,
            1 / (1 + e) * (1 - 1 / (1 + e)),
            sigma * (1 - sigma),
        ]


def rational_sum(k: int) -> list[sp.Expr]:
    total = sp.Add(*[(i + 1) / (sp.exp(x) + i + 1) for i in range(k)])
    return [total, sp.together(total)]


def points(count: int) -> list[Fraction]:
    return [Fraction(i - count // 2, 7) for i in range(count)]


def timed(run: Callable[[], list[mpmath.mpf]]) -> tuple[float, list[mpmath.mpf]]:
    start = time.perf_counter()
    values = run()
    return time.perf_counter() - start, values


def with_evaluator(exprs: list[sp.Expr], at: list[Fraction], digits: int) -> list[mpmath.mpf]:
    values = []
    for expr in exprs:
        plan = prepare(expr)
        values += [evaluate(plan, {x: p}, digits) for p in at]
    return values


def with_evaluator_cold(
    exprs: list[sp.Expr], at: list[Fraction], digits: int
) -> list[mpmath.mpf]:
    return [evaluate(expr, {x: p}, digits) for expr in exprs for p in at]


def with_lambdify(exprs: list[sp.Expr], at: list[Fraction], digits: int) -> list[mpmath.mpf]:
    values = []
    with mpmath.workdps(digits):
        for expr in exprs:
            # benchmark baseline only: an expression this script built
            function = sp.lambdify(x, expr, modules="mpmath")
            values += [function(mpmath.mpf(p.numerator) / p.denominator) for p in at]
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=32)
    parser.add_argument("--digits", type=int, default=30)
    args = parser.parse_args()
    at = points(args.points)
    groups = {
        "sigmoid chain (7 forms)": sigmoid_chain(),
        "sum of 16 rational fns": rational_sum(16),
    }
    print(f"{args.points} points per expression, {args.digits} digits")
    print(
        f"{'group':26} {'evaluator':>10} {'cold':>10} {'lambdify':>10} {'ratio':>7} "
        f"{'ratio cold':>10}"
    )
    totals = [0.0, 0.0, 0.0]
    for name, exprs in groups.items():
        sp.core.cache.clear_cache()
        t_eval, ours = timed(lambda e=exprs: with_evaluator(e, at, args.digits))
        t_cold, _ = timed(lambda e=exprs: with_evaluator_cold(e, at, args.digits))
        sp.core.cache.clear_cache()
        t_lamb, theirs = timed(lambda e=exprs: with_lambdify(e, at, args.digits))
        with mpmath.workdps(args.digits):
            worst = max(abs(a - b) / max(1, abs(b)) for a, b in zip(ours, theirs, strict=True))
        totals = [totals[0] + t_eval, totals[1] + t_cold, totals[2] + t_lamb]
        print(
            f"{name:26} {t_eval * 1e3:8.1f}ms {t_cold * 1e3:8.1f}ms {t_lamb * 1e3:8.1f}ms "
            f"{t_lamb / t_eval:6.1f}x {t_lamb / t_cold:9.1f}x   (max rel. difference "
            f"{mpmath.nstr(worst, 2)})"
        )
    print(
        f"{'total':26} {totals[0] * 1e3:8.1f}ms {totals[1] * 1e3:8.1f}ms {totals[2] * 1e3:8.1f}ms "
        f"{totals[2] / totals[0]:6.1f}x {totals[2] / totals[1]:9.1f}x"
    )
    print("ratio = lambdify time / evaluator time (above 1: the evaluator is faster)")


if __name__ == "__main__":
    main()
