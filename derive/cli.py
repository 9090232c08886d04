"""Command line: a thin shell over the library API.

    derive build [NAME ...] [-o DIR]      build bundled derivations into output/
    derive steps EXPR [--format ...]      derive any function given as LaTeX
    derive check PATH ... [--format ...]  verify the math in documents

Exit codes: 0 all claims hold, 1 some claim is refuted or unknown (see --fail-on),
2 usage or input error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from derive import __version__

if TYPE_CHECKING:
    from derive.model import CheckReport, VerifySettings

EXIT_OK = 0
EXIT_CLAIMS = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with the command line or its input, reported in one line."""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _add_verify_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--time-limit", type=_positive_float, metavar="SECONDS",
        help="time limit per claim (default 5)",
    )
    parser.add_argument(
        "--samples", type=_positive_int, metavar="N",
        help="seeded sample points for numeric evidence (default 32)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="derive",
        description="Generate and verify symbolic derivations.",
    )
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build", help="build bundled derivations (default: all) into output/",
        description="Generate, verify and export bundled derivations.",
    )
    build.add_argument("names", nargs="*", metavar="NAME", help="bundled derivation, e.g. sigmoid")
    build.add_argument("-o", "--output", default="output", metavar="DIR", help="output folder")
    build.add_argument("--list", action="store_true", help="list the bundled derivations")
    _add_verify_options(build)

    steps = commands.add_parser(
        "steps", help="print the derivation of a function given as LaTeX",
        description="Derive f'(x) step by step, e.g. derive steps '\\frac{1}{1+e^{-x}}'.",
    )
    steps.add_argument("expression", metavar="EXPR", help="the function's definition, in LaTeX")
    steps.add_argument("--var", default=None, metavar="NAME", help="the variable (default: x)")
    steps.add_argument(
        "--format", choices=("text", "latex", "markdown", "json"), default="text",
        help="output format (default: text)",
    )
    _add_verify_options(steps)

    check = commands.add_parser(
        "check", help="verify the math in Markdown, LaTeX and reStructuredText documents",
        description="Verify chains of equalities, limits and numeric claims in documents.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders")
    check.add_argument(
        "--format", choices=("text", "json", "jsonl", "github", "sarif", "junit"), default="text",
    )
    check.add_argument(
        "--fail-on", default=None, metavar="VERDICTS",
        help="comma-separated verdicts that fail the run (default: refuted,unknown,error)",
    )
    check.add_argument("--exclude", action="append", default=None, metavar="GLOB")
    check.add_argument(
        "--define", action="append", default=None, metavar="LATEX",
        help=r"extra definition, e.g. '\sigma(x) = \frac{1}{1+e^{-x}}'",
    )
    check.add_argument(
        "--imaginary-unit", choices=("i", "j"), default=None,
        help="the imaginary unit's letter where a document uses complex numbers (default i)",
    )
    check.add_argument(
        "-j", "--jobs", type=_positive_int, default=None, metavar="N",
        help="claims verified side by side in N processes (default: the usable cores; "
             "1: one after the other); the report is the same for every N",
    )
    check.add_argument(
        "--cache-dir", default=None, metavar="DIR",
        help="the verdict cache: settled claims are not verified again "
             "(default: $XDG_CACHE_HOME/derive or ~/.cache/derive)",
    )
    check.add_argument(
        "--no-cache", action="store_true",
        help="neither read nor write the verdict cache",
    )
    check.add_argument("-v", "--verbose", action="store_true", help="also list proved claims")
    check.add_argument("--config", default=None, metavar="PYPROJECT", help="pyproject.toml to read")
    _add_verify_options(check)
    return parser


def _settings(args: argparse.Namespace, time_limit: float | None = None,
              samples: int | None = None) -> VerifySettings:
    from derive.model import VerifySettings

    defaults = VerifySettings()
    return VerifySettings(
        time_limit=args.time_limit or time_limit or defaults.time_limit,
        samples=args.samples or samples or defaults.samples,
    )


def _run_build(args: argparse.Namespace) -> int:
    from derive.generate.catalog import BUNDLED
    from derive.generate.derivation import build_derivation
    from derive.model import Verdict
    from derive.render import plots_available, write_index, write_outputs

    if args.list:
        for name, spec in BUNDLED.items():
            print(f"{name}\t{spec.title}")
        return EXIT_OK
    names = args.names or list(BUNDLED)
    unknown = [name for name in names if name not in BUNDLED]
    if unknown:
        raise UsageError(
            f"unknown derivation {unknown[0]!r}; bundled: {', '.join(sorted(BUNDLED))}"
        )
    outdir = Path(args.output)
    settings = _settings(args)
    if not plots_available():
        print("derive: matplotlib not installed; plots skipped (pip install 'derive[plot]')",
              file=sys.stderr)
    derivations = []
    for name in names:
        derivation = build_derivation(BUNDLED[name], settings)
        written = write_outputs(derivation, outdir)
        derivations.append(derivation)
        print(f"{name}: {derivation.verdict.value} -> "
              + ", ".join(path.name for path in written))
    if not args.names:
        write_index(derivations, outdir)
    holds = all(d.verdict in (Verdict.PROVED, Verdict.CHECKED) for d in derivations)
    return EXIT_OK if holds else EXIT_CLAIMS


def _run_steps(args: argparse.Namespace) -> int:
    import sympy as sp

    from derive.generate.catalog import spec_from_expression
    from derive.generate.derivation import build_derivation
    from derive.model import Verdict
    from derive.parse import LatexParseError, ParseOptions, parse_latex_expr
    from derive.render import render_json, render_latex, render_markdown, render_text

    try:
        parsed = parse_latex_expr(args.expression, ParseOptions())
    except LatexParseError as error:
        raise UsageError(f"EXPR:1:{error.offset + 1}: {error.message}") from None
    for issue in parsed.issues:
        print(f"EXPR:1:{issue.offset + 1}: warning: {issue.message}", file=sys.stderr)
    expr = parsed.expr
    free = sorted(expr.free_symbols, key=lambda s: s.name)
    if args.var is not None:
        variable = sp.Symbol(args.var)
    elif len(free) == 1:
        variable = free[0]
    else:
        variable = sp.Symbol("x")
    if free and variable not in free:
        names = ", ".join(symbol.name for symbol in free)
        raise UsageError(f"EXPR does not depend on {variable} (its symbols: {names}); "
                         "choose the variable with --var")
    spec = spec_from_expression(expr, variable)
    derivation = build_derivation(spec, _settings(args))
    render = {"text": render_text, "latex": render_latex, "markdown": render_markdown,
              "json": render_json}[args.format]
    sys.stdout.write(render(derivation))
    holds = derivation.verdict in (Verdict.PROVED, Verdict.CHECKED)
    return EXIT_OK if holds else EXIT_CLAIMS


def _run_check(args: argparse.Namespace) -> int:
    from derive.check.api import check_paths, iter_documents
    from derive.check.parallel import usable_cores
    from derive.config import ConfigError, load_config, merge
    from derive.report import exit_code
    from derive.report.progress import Progress

    start = Path(args.config).parent if args.config else Path.cwd()
    try:
        config = merge(load_config(start), args)
    except (ConfigError, ValueError) as error:
        raise UsageError(str(error)) from None
    if not config.paths:
        raise UsageError("no PATH given and no [tool.derive] paths configured")
    missing = [p for p in config.paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"{missing[0]}: no such file or folder")
    documents = list(iter_documents(config.paths, config.exclude))
    cache = None
    if not args.no_cache:
        from derive.check.cache import VerdictCache, default_cache_dir

        cache = VerdictCache(config.cache_dir or default_cache_dir())
    # A progress line on stderr, only on a terminal and only for runs longer than ~1 s.
    with Progress(total=len(documents)) as progress:
        report = check_paths(
            documents,
            settings=_settings(args, config.time_limit, config.samples),
            definitions_latex=config.definitions,
            imaginary_unit=config.imaginary_unit,
            on_file=progress.advance,
            jobs=config.jobs or usable_cores(),
            cache=cache,
            walk=False,
        )
    fail_on = frozenset(config.fail_on)
    sys.stdout.write(_format_report(report, args, fail_on))
    return exit_code(report, fail_on)


def _format_report(report: CheckReport, args: argparse.Namespace, fail_on: frozenset[str]) -> str:
    fmt = args.format
    if fmt == "text":
        from derive.report.color import use_color
        from derive.report.text import format_text

        return format_text(report, color=use_color(sys.stdout), verbose=args.verbose)
    if fmt == "json":
        from derive.report.json import format_json

        return format_json(report)
    if fmt == "jsonl":
        from derive.report.jsonl import format_jsonl

        return format_jsonl(report)
    if fmt == "github":
        from derive.report.github import format_github

        return format_github(report)
    if fmt == "sarif":
        from derive.report.sarif import format_sarif

        return format_sarif(report, root=str(Path.cwd()))
    from derive.report.junit import format_junit

    return format_junit(report, fail_on=fail_on)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    runners = {"build": _run_build, "steps": _run_steps, "check": _run_check}
    try:
        return runners[args.command](args)
    except UsageError as error:
        print(f"derive {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        print(f"derive {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
