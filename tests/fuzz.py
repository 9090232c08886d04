"""Fuzzing the whole path from a document to its verdicts, in process, with Hypothesis.

Documents are the test documents (tests/docs/**) and the generated ones (output/*.md, *.tex),
mutated the ways real and hostile documents go wrong: flipped bytes, dropped or doubled braces,
stray ``&``, ``\\\\`` and ``$``, unknown macros, huge numbers, deep nesting, CRLF and lone CR,
NULs, lone surrogates, spliced pieces of other documents.  Each goes through
``derive.check.checker.check_text`` (text, lone surrogates included) or
``derive.check.api.check_file`` (raw bytes on disk, invalid UTF-8 included).

Every input must end in verdicts or a located error: no exception, no finding from an
internal error (``Stage.INTERNAL``, "internal error ..."), verdicts among the five, and every
error inside the document.  ``tests/test_fuzz_pipeline.py`` runs a small derandomized sample;
the long run is

    python tests/fuzz.py --cases 100000 [--seconds N]

which runs batches of Hypothesis examples, each batch under its own seed, and prints the count
of documents checked and any failure (exit status 1 on a failure).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from derive.check.api import check_file  # noqa: E402
from derive.check.checker import check_text  # noqa: E402
from derive.model import FileReport, Stage, Verdict, VerifySettings  # noqa: E402

#: Quick verification: the fuzzer looks for crashes and unlocated errors, not verdicts.
QUICK = VerifySettings(time_limit=0.5, samples=4, digits=15)
SUFFIXES = (".md", ".tex", ".rst")


def _seeds() -> list[tuple[str, str]]:
    """(suffix, text) of every test and generated document."""
    paths = sorted(p for p in (ROOT / "tests" / "docs").rglob("*") if p.suffix in SUFFIXES)
    paths += sorted(p for p in (ROOT / "output").glob("*") if p.suffix in (".md", ".tex"))
    return [(p.suffix, p.read_text(encoding="utf-8")) for p in paths]


SEEDS = _seeds()
INSERTIONS = [
    "{", "}", "{{", "}}", "&", "&&", "\\\\", "$", "$$", "\\[", "\\]", "\\(", "\\)",
    "\\foo", "\\frac", "\\frac{", "\\sqrt[", "\\left(", "\\right)", "\\begin{aligned}",
    "\\end{aligned}", "\\begin{align}", "\\end{align}", "\\newcommand{\\a}{\\a\\a}",
    "\\def\\b{\\b}", "\\newcommand{\\c}[1]{#1#1#1#1}", "\\c{\\c{\\c{\\c{x}}}}",
    "9" * 5000, "1" * 4301, "10^{10^{10}}", "2^{10^{10}}", "99999999999!", "0.",
    "(" * 300, ")" * 300, "\\frac{1}{" * 120, "{" * 400, "-" * 200, "x^" * 150,
    "\\sum_{i=1}^{n}", "\\lim_{x\\to 0}", "\\int", "\\approx", "=", "==", "= =",
    "\r\n", "\r", "\n\n", "\x00", "\ud800", "\udfff", "\ufeff", "\u200b", "é", "𝑥",
    "<!-- derive: assume x > 0 -->", "<!-- derive: define f(x) = x^2 -->",
    "<!-- derive: skip -->", "<!--", "-->", "```", "```{math}", ".. math::", "   ",
    "\\operatorname{__import__}", "\\input{x}", "%", "\\%", "#", "#1", "^", "_", "'",
]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """(suffix, text): a seed document with one to eight mutations."""
    suffix, text = draw(st.sampled_from(SEEDS))
    if draw(st.integers(0, 9)) == 0:
        suffix = draw(st.sampled_from(SUFFIXES))  # one syntax read as another
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(
            ["insert", "insert", "drop", "double", "splice", "flip", "crlf", "cut"]))
        if action == "insert":
            text = text[:at] + draw(st.sampled_from(INSERTIONS)) + text[at:]
        elif action == "drop":  # a brace, dollar, ampersand or backslash goes missing
            found = [i for i in range(at, min(len(text), at + 400)) if text[i] in "{}$&\\"]
            if found:
                i = found[draw(st.integers(0, len(found) - 1))]
                text = text[:i] + text[i + 1:]
        elif action == "double":
            found = [i for i in range(at, min(len(text), at + 400)) if text[i] in "{}$&\\"]
            if found:
                i = found[draw(st.integers(0, len(found) - 1))]
                text = text[:i] + text[i] + text[i:]
        elif action == "splice":
            _, other = draw(st.sampled_from(SEEDS))
            start = draw(st.integers(0, len(other)))
            text = text[:at] + other[start:start + draw(st.integers(1, 300))] + text[at:]
        elif action == "flip" and text:
            i = min(at, len(text) - 1)
            text = text[:i] + chr((ord(text[i]) ^ draw(st.integers(1, 255))) or 1) + text[i + 1:]
        elif action == "crlf":
            text = text.replace("\n", "\r\n") if draw(st.booleans()) else text.replace("\n", "\r")
        elif action == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 200)):]
    return suffix, text


def _lines(text: str) -> list[str]:
    """Lines as the checker counts them (\\r\\n, \\r and \\n end a line; a BOM is dropped)."""
    return text.replace("\ufeff", "", 1).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def assert_sound_report(report: FileReport, text: str | None) -> None:
    """Verdicts or located errors only: nothing internal, nothing outside the document."""
    lines = _lines(text) if text is not None else None
    for finding in report.findings:
        assert finding.verdict is None or finding.verdict in set(Verdict), finding
        assert "internal error" not in finding.message, finding.message
        evidence = finding.evidence
        assert evidence is None or evidence.method != Stage.INTERNAL, finding
        if lines is not None and (finding.verdict is Verdict.ERROR
                                  or finding.severity == "error"):
            where = finding.location
            assert 1 <= where.line <= len(lines), (where, len(lines), finding.message)
            assert 1 <= where.column <= len(lines[where.line - 1]) + 1, (where, finding.message)


def check_mutated_text(document: tuple[str, str], settings: VerifySettings = QUICK) -> None:
    suffix, text = document
    assert_sound_report(check_text(f"fuzz{suffix}", text, settings), text)


def check_mutated_bytes(document: tuple[str, str], flips: list[tuple[int, int]],
                        settings: VerifySettings = QUICK) -> None:
    """The document as bytes on disk, some bytes flipped (invalid UTF-8 is likely)."""
    suffix, text = document
    data = bytearray(text.encode("utf-8", "surrogatepass"))
    for position, mask in flips:
        if data:
            data[position % len(data)] ^= mask
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(bytes(data))
        report = check_file(str(path), settings=settings)
    if report.error:
        assert report.error.startswith(("cannot decode", "cannot read")), report.error
        return
    decoded = bytes(data).decode("utf-8-sig")
    assert_sound_report(report, decoded)


def _batch(examples: int, batch_seed: int) -> int:
    """One Hypothesis run of up to ``examples`` documents under ``batch_seed``: how many
    documents were checked (raises on a failure)."""
    count = [0]

    @seed(batch_seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(mutated(), st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)),
                               max_size=3), st.booleans())
    def run(document: tuple[str, str], flips: list[tuple[int, int]], as_bytes: bool) -> None:
        count[0] += 1
        if as_bytes:
            check_mutated_bytes(document, flips)
        else:
            check_mutated_text(document)

    run()
    return count[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=float("inf"),
                        help="stop after the batch that passes this many seconds")
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.monotonic()
    done = 0
    batch_seed = args.first_seed
    while done < args.cases and time.monotonic() - started < args.seconds:
        size = min(args.batch, args.cases - done)
        try:
            done += _batch(size, batch_seed)
        except KeyboardInterrupt:
            raise
        except BaseException as failure:  # noqa: BLE001 - reported with its seed, then exit 1
            # BaseException too: a deadline's alarm escaping the kernel is a failure to see
            traceback.print_exc(file=sys.stdout)
            print(f"FAILED in batch seed {batch_seed} after {done} cases: "
                  f"{type(failure).__name__}: {failure}", flush=True)
            return 1
        batch_seed += 1
        print(f"{done} cases, no failure ({time.monotonic() - started:.0f} s)", flush=True)
    print(f"done: {done} cases, no failure", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
