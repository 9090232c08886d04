"""Parse every relation side of the real corpus with our parser and with SymPy's parse_latex.

Usage: python benchmarks/bench_parse.py [path/to/real_chains.jsonl]

Sides are split naively: display delimiters and environments removed, rows split on ``\\\\``,
alignment ``&`` dropped, relations split on ``=`` (and ``\\approx``) outside braces.
Prints success counts and the time ratio against the baselines measured in the same run.
"""

from __future__ import annotations

import json
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / \
    "real_chains.jsonl"


def display_body(latex: str) -> str:
    body = latex.strip()
    body = re.sub(r"^\.\. math::\s*", "", body)
    body = body.strip("$").strip()
    body = re.sub(r"\\(?:begin|end)\{(?:aligned|align\*?|array|equation\*?|split)\}(?:\{[^}]*\})?",
                  "", body)
    return body


def split_top_level(text: str, separators: re.Pattern[str]) -> list[str]:
    pieces, depth, start, index = [], 0, 0, 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in "{}":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            match = separators.match(text, index)
            if match:
                pieces.append(text[start:index])
                start = index = match.end()
                continue
        index += 1
    pieces.append(text[start:])
    return pieces


def relation_sides(latex: str) -> list[str]:
    sides: list[str] = []
    body = display_body(latex).replace("\\\\\\\\", "\\\\")
    for row in re.split(r"\\\\(?:\[[^\]]*\])?|\n\s*\n", body):
        row = row.replace("&", " ")
        for side in split_top_level(row, re.compile(r"=|\\approx(?![A-Za-z])")):
            if side.strip(" \n.,"):
                sides.append(side.strip())
    return sides


def measure(name: str, parse: Callable[[str], object], sides: list[str]) -> tuple[int, float]:
    ok = 0
    start = time.perf_counter()
    for side in sides:
        try:
            parse(side)
            ok += 1
        except Exception:  # noqa: BLE001 - counting failures of foreign parsers too
            pass
    elapsed = time.perf_counter() - start
    print(f"{name:<28} {ok:>4}/{len(sides)} parsed  {elapsed * 1000:9.1f} ms total  "
          f"{elapsed * 1000 / len(sides):7.2f} ms/side")
    return ok, elapsed


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else DEFAULT_CORPUS
    if not corpus.exists():
        print(f"corpus not found: {corpus}")
        return 2
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    sides = [side for row in rows for side in relation_sides(row["latex"])]
    print(f"{len(rows)} blocks, {len(sides)} relation sides from {corpus.name}")

    from derive.parse import ParseOptions, latex, parse_latex_expr

    build_start = time.perf_counter()
    latex.parser()
    print(f"our LALR parser built in {(time.perf_counter() - build_start) * 1000:.0f} ms")
    options = ParseOptions(functions=frozenset({"sigma", "sigmoid", "softmax"}))
    parse_latex_expr("1+x", options)  # warm SymPy's caches like the baselines get below

    ours_ok, ours_time = measure("derive (Lark LALR)", lambda s: parse_latex_expr(s, options),
                                 sides)

    from sympy.parsing.latex import parse_latex

    warnings.simplefilter("ignore")
    try:
        parse_latex("1+x", backend="lark")
        lark_ok, lark_time = measure("sympy parse_latex lark", lambda s: parse_latex(
            s, backend="lark"), sides)
        print(f"  speed: ours is {lark_time / ours_time:.1f}x faster than sympy/lark "
              f"({ours_ok} vs {lark_ok} sides parsed)")
    except Exception as error:  # noqa: BLE001
        print(f"sympy parse_latex lark: skipped ({error})")
    try:
        parse_latex("1+x", backend="antlr", strict=True)
    except Exception as error:  # noqa: BLE001 - needs antlr4-python3-runtime 4.11 exactly
        print(f"sympy parse_latex antlr: skipped ({type(error).__name__}: "
              f"{str(error).splitlines()[0][:100]})")
    else:
        antlr_ok, antlr_time = measure("sympy parse_latex antlr strict",
                                       lambda s: parse_latex(s, strict=True), sides)
        print(f"  speed: ours is {antlr_time / ours_time:.1f}x faster than sympy/antlr "
              f"({ours_ok} vs {antlr_ok} sides parsed)")
    if "-v" in argv:
        for side in sides:
            try:
                parse_latex_expr(side, options)
            except ValueError as error:
                print(f"  FAIL {side!r}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main([arg for arg in sys.argv]))
