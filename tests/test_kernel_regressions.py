"""Regression tests for known verifier (kernel) bugs, through the public API and the CLI.

Each test states what must hold; every one of them failed before the verdict kernel
(one claim, one worker, one deadline; the guarded evaluator; exact bounds) was built.

Documents go through a real ``python -m derive check`` in a temporary folder with hard
limits: a hang fails its test instead of hanging CI.  Each run may use CPU_SECONDS of CPU
time per document (RLIMIT_CPU: independent of how busy the machine is) and DEADLINE seconds
of wall time.  The documents that hang today run in processes of their own, so that each
test flips on its own fix; all the others are checked by one process (one start-up of
SymPy).  The runs of this module are started together so that their limits overlap.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

from derive.generate.catalog import spec_from_expression
from derive.generate.derivation import build_derivation
from derive.model import Verdict, VerifySettings
from derive.timelimit import run_with_time_limit
from derive.verify import verify_equal, verify_limit

ROOT = Path(__file__).resolve().parent.parent
#: A correct run of a document below with ``--time-limit 1`` needs a few seconds of CPU
#: (start-up included); these limits are far above that and only catch hangs.  The wall
#: deadline is a backstop for a run that blocks without using CPU.
CPU_SECONDS = 8
DEADLINE = 300.0
PARALLEL_RUNS = 8
#: Address space allowed to an in-process verification that may run away (bytes).
MEMORY_CAP = 3 << 30
OK = ("proved", "checked")
x = sp.Symbol("x")


def _doc(*blocks: str, preamble: str = "") -> str:
    text = preamble
    for block in blocks:
        text += f"$$\n{block}\n$$\n\n"
    return text


HARD_INPUTS = {
    "huge-power": r"x^{10^{10^{10}}} = 1",
    "huge-factorial": r"10000000000! = 1",
    "derivative-1000": r"\frac{d^{1000}}{dx^{1000}} e^{x^2} = 0",
    "exp-tower": r"e^{e^{e^{e^{e^{x}}}}} = e^{e^{e^{e^{e^{x}}}}} + 1",
}
LAGRANGE_RHS = {"none": "", "2u": " = 2u", "zero": " = 0", "2tu": " = 2 t u"}

#: name -> document (Markdown) checked with ``--format json`` (``--time-limit 1`` for the
#: documents that hung before the kernel, a generous limit for the others).
DOCUMENTS: dict[str, str] = {
    "sgn": _doc(r"\operatorname{sgn}(x) = 1", preamble="<!-- derive: assume x >= 0 -->\n\n"),
    "tiny": _doc(r"x = x + 10^{-25}"),
    "constants": _doc(r"\pi = 3", r"e = 2.781", r"\pi = 3.14159\ldots", r"e \approx 2.718"),
    "derivative-40": _doc(r"\frac{d^{40}}{dx^{40}}\tan(\sin x) = 0"),
    "tower": _doc(r"2^{10^{10^{10}}} = 10^{10^{10}}", "1 + 1 = 3"),
    "limit-exp": _doc(r"\lim_{x \to 0} e^{x} = e^{2}", "1 + 1 = 3"),
    "chain": _doc(
        "\\begin{aligned}\n\\frac{d}{dx} x^2 &= 2x \\\\\n"
        "\\tanh(x) &= \\frac{e^x+e^{-x}}{e^x+e^{-x}} = 1\n\\end{aligned}"
    ),
    "chain-alone": _doc(r"\tanh(x) = \frac{e^x+e^{-x}}{e^x+e^{-x}}"),
    "sinc": _doc(r"\lim_{x\to 0} \frac{\sin x}{x} = 1", r"\lim_{x \to 0} \frac{\sin x}{x} = 2"),
}
EULER_LAGRANGE = r"\frac{d}{dt}\frac{\partial L}{\partial u}"
DOCUMENTS.update({
    f"lagrange-{name}": _doc("u = F", "L = t u^2", EULER_LAGRANGE + rhs, "1 + 1 = 3")
    for name, rhs in LAGRANGE_RHS.items()
})
DOCUMENTS.update({f"hard-{name}": _doc(claim, "1 + 1 = 3") for name, claim in HARD_INPUTS.items()})

#: name -> arguments of ``derive steps`` that smuggle Python into names.
INJECTIONS: dict[str, list[str]] = {
    "exit": [r"\operatorname{exit}(3) + x"],
    "print": [r"x + \operatorname{print}(7)"],
    "open-quoted": [r"r_{[open('f','w')]} + x"],
    "open-chr": [r"r_{[open(chr(102),chr(119))]} + x"],
}


@dataclass
class CliRun:
    returncode: int | None  # None: killed at the deadline
    stdout: str
    stderr: str
    folder: Path

    document: str = "doc.md"

    def finished(self) -> bool:
        """Ended on its own, not killed at a limit (SIGXCPU or SIGKILL)."""
        return self.returncode is not None and self.returncode >= 0

    def report(self) -> dict[str, Any]:
        assert self.finished(), (
            f"derive did not finish within {CPU_SECONDS} s of CPU time "
            f"(return code {self.returncode}): {self.stderr[-500:]}")
        return json.loads(self.stdout)  # type: ignore[no-any-return]

    def claims(self) -> list[dict[str, Any]]:
        files = [f for f in self.report()["files"] if Path(f["path"]).name == self.document]
        assert len(files) == 1, self.document
        return list(files[0]["claims"])

    def verdict_of(self, pattern: str) -> dict[str, Any]:
        """The claim whose ``lhs = rhs`` (as written) matches ``pattern``."""
        found = [c for c in self.claims() if re.search(pattern, f"{c['lhs']} = {c['rhs']}")]
        assert len(found) == 1, (pattern, [f"{c['lhs']} = {c['rhs']}" for c in self.claims()])
        return found[0]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    env["NO_COLOR"] = "1"
    return env


def _cpu_limit(seconds: int) -> Callable[[], None]:
    def limit() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    return limit


def _run_all(jobs: dict[str, tuple[list[str], Path, int]]) -> dict[str, CliRun]:
    """Run every job (arguments, folder), PARALLEL_RUNS at a time, under the limits.

    Output goes to files, not pipes: a pipe nobody reads until the end blocks a run whose
    report outgrows the pipe's buffer, and the run would then die at the deadline."""
    results: dict[str, CliRun] = {}
    waiting = list(jobs.items())
    running: dict[str, tuple[subprocess.Popen[str], float, Path, Path]] = {}
    while waiting or running:
        while waiting and len(running) < PARALLEL_RUNS:
            name, (args, folder, cpu_seconds) = waiting.pop(0)
            out = folder / f"{name}.out"
            with open(out, "w") as stdout, open(out.with_suffix(".err"), "w") as stderr:
                process = subprocess.Popen(
                    [sys.executable, "-m", "derive", *args], cwd=folder, env=_environment(),
                    stdout=stdout, stderr=stderr, text=True,
                    stdin=subprocess.DEVNULL, preexec_fn=_cpu_limit(cpu_seconds),
                )
            running[name] = (process, time.monotonic() + DEADLINE, folder, out)
        for name, (process, deadline, folder, out) in list(running.items()):
            finished = process.poll() is not None
            if not finished and time.monotonic() < deadline:
                continue
            if not finished:
                process.kill()
            process.wait()
            results[name] = CliRun(
                process.returncode if finished else None, out.read_text(),
                out.with_suffix(".err").read_text(), folder,
            )
            del running[name]
        time.sleep(0.05)
    return results


#: Documents that hang today: each in a process of its own.
HANGING = frozenset({"derivative-40", "tower", *(f"hard-{name}" for name in HARD_INPUTS)})
CHECK = ["check", "--time-limit", "1", "--format", "json"]
#: The documents that do not hang share one run with a generous limit: eight runs start at
#: once on a small machine, and a claim must not time out for want of a core.
CALM_CHECK = ["check", "--time-limit", "20", "--format", "json"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, CliRun]]:
    jobs: dict[str, tuple[list[str], Path, int]] = {}
    together = tmp_path_factory.mktemp("documents")
    for name, text in DOCUMENTS.items():
        folder = tmp_path_factory.mktemp(name) if name in HANGING else together
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
        if name in HANGING:
            jobs[name] = ([*CHECK, f"{name}.md"], folder, CPU_SECONDS)
    calm = sorted(f"{name}.md" for name in DOCUMENTS if name not in HANGING)
    jobs["together"] = ([*CALM_CHECK, *calm], together, CPU_SECONDS * len(calm))
    for name, args in INJECTIONS.items():
        folder = tmp_path_factory.mktemp(f"steps-{name}")
        jobs[f"steps-{name}"] = (["steps", *args], folder, CPU_SECONDS)
    results = _run_all(jobs)
    for name in DOCUMENTS:
        run = results[name if name in HANGING else "together"]
        results[name] = dataclasses.replace(run, document=f"{name}.md")
    yield results


def _is_refuted(claim: dict[str, Any]) -> bool:
    return claim["verdict"] == "refuted"


# ---------------------------------------------------------------------------
# Domains and exact arithmetic
# ---------------------------------------------------------------------------


def test_sign_is_not_one_at_the_closed_boundary(runs: dict[str, CliRun]) -> None:
    claim = runs["sgn"].verdict_of(r"sgn")
    assert claim["verdict"] not in OK, claim["message"]
    assert claim["evidence"]["method"] != "timeout", claim["message"]  # not a fix


def test_a_tiny_exact_difference_is_refuted_in_a_document(runs: dict[str, CliRun]) -> None:
    claim = runs["tiny"].verdict_of(r"10\^\{-25\}")
    assert _is_refuted(claim), claim["message"]


def test_a_tiny_exact_difference_is_refuted() -> None:
    outcome = verify_equal(x, x + sp.Rational(1, 10**25))
    assert outcome.verdict is Verdict.REFUTED, outcome


@pytest.mark.parametrize("pattern", [r"\\pi = 3$", r"^e = 2\.781$"])
def test_wrong_named_constants_are_refuted(runs: dict[str, CliRun], pattern: str) -> None:
    claim = runs["constants"].verdict_of(pattern)
    assert _is_refuted(claim), claim["message"]


@pytest.mark.parametrize("pattern", [r"\\pi = 3\.14159", r"^e = 2\.718$"])
def test_right_named_constants_hold(runs: dict[str, CliRun], pattern: str) -> None:
    claim = runs["constants"].verdict_of(pattern)
    assert claim["verdict"] in OK, claim["message"]


def test_wrong_named_constants_are_refuted_by_the_kernel_too() -> None:
    assert verify_equal(sp.pi, sp.Integer(3)).verdict is Verdict.REFUTED


# ---------------------------------------------------------------------------
# A true identity whose sides are huge: never refuted
# ---------------------------------------------------------------------------


def _arsinh_sides() -> tuple[sp.Expr, sp.Expr]:
    big = sp.exp(2 * sp.exp(x))
    lhs = big * (sp.asinh(sp.exp(sp.exp(x))) - sp.exp(x) - sp.log(2))
    rhs = big * sp.log((1 + sp.sqrt(1 + sp.exp(-2 * sp.exp(x)))) / 2)
    return lhs, rhs


def test_true_identity_with_cancellation_is_not_refuted_by_the_kernel() -> None:
    lhs, rhs = _arsinh_sides()
    outcome = verify_equal(lhs, rhs)
    assert outcome.verdict is not Verdict.REFUTED, outcome


# ---------------------------------------------------------------------------
# Hard inputs: stopped at the time limit, and the rest of the document goes on
# ---------------------------------------------------------------------------


def test_high_derivative_stops_at_the_time_limit(runs: dict[str, CliRun]) -> None:
    claim = runs["derivative-40"].verdict_of(r"tan")
    assert claim["verdict"] == "unknown", claim["message"]
    assert re.search(r"time limit|did not finish|stopped|timed? ?out", claim["message"]), (
        claim["message"])


def test_tower_of_powers_does_not_stop_the_document(runs: dict[str, CliRun]) -> None:
    assert _is_refuted(runs["tower"].verdict_of(r"^1 \+ 1 = 3$"))


@pytest.mark.parametrize("name", sorted(HARD_INPUTS))
def test_hard_input_ends_undecided_and_the_document_goes_on(
    runs: dict[str, CliRun], name: str,
) -> None:
    run = runs[f"hard-{name}"]
    assert _is_refuted(run.verdict_of(r"^1 \+ 1 = 3$"))
    hard = [c for c in run.claims() if not re.fullmatch(r"1 \+ 1", c["lhs"])]
    assert hard, "the hard claim is missing from the report"
    assert all(c["verdict"] in ("unknown", "error") for c in hard), hard


# ---------------------------------------------------------------------------
# One bad claim never costs the rest of the document
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "none",
    "2u",
    pytest.param("zero"),
    pytest.param("2tu"),
])
def test_lagrangian_claim_does_not_cost_the_rest(runs: dict[str, CliRun], name: str) -> None:
    run = runs[f"lagrange-{name}"]
    assert _is_refuted(run.verdict_of(r"^1 \+ 1 = 3$"))
    assert not any("internal error" in c["message"] for c in run.claims())


def test_limit_with_symbolic_claimed_value_is_refuted(runs: dict[str, CliRun]) -> None:
    run = runs["limit-exp"]
    assert _is_refuted(run.verdict_of(r"\\lim"))
    assert _is_refuted(run.verdict_of(r"^1 \+ 1 = 3$"))


@pytest.mark.parametrize("claimed", [
    sp.exp(2),
    sp.Mul(-1, 1, evaluate=False),
], ids=["exp(2)", "unevaluated -1*1"])
def test_verify_limit_refutes_a_symbolic_claimed_value(claimed: sp.Expr) -> None:
    point = sp.Integer(0) if claimed.has(sp.exp) else sp.oo
    expr = sp.exp(x) if claimed.has(sp.exp) else 1 / (1 + sp.exp(-x))
    assert verify_limit(expr, x, point, claimed).verdict is Verdict.REFUTED


# ---------------------------------------------------------------------------
# A wrong step is refuted in a chain as it is alone
# ---------------------------------------------------------------------------


def test_wrong_constant_step_is_refuted_alone(runs: dict[str, CliRun]) -> None:
    assert _is_refuted(runs["chain-alone"].verdict_of(r"tanh"))


def test_wrong_constant_step_is_refuted_in_a_chain(runs: dict[str, CliRun]) -> None:
    claim = runs["chain"].verdict_of(r"^\\tanh\(x\) = ")
    assert _is_refuted(claim), claim["message"]


# ---------------------------------------------------------------------------
# Limits at a finite point
# ---------------------------------------------------------------------------


def test_sinc_limit_verdicts(runs: dict[str, CliRun]) -> None:
    run = runs["sinc"]
    assert run.verdict_of(r"= 1$")["verdict"] == "proved"
    assert _is_refuted(run.verdict_of(r"= 2$"))


def test_proved_limit_is_cross_checked_or_says_it_rests_on_one_method(
    runs: dict[str, CliRun],
) -> None:
    claim = runs["sinc"].verdict_of(r"= 1$")
    text = f"{claim['message']} {claim['evidence']['detail']}"
    assert re.search(r"cross-check|approach|one method|only", text), text


# ---------------------------------------------------------------------------
# Names are never run as Python code
# ---------------------------------------------------------------------------


def test_steps_does_not_run_exit(runs: dict[str, CliRun]) -> None:
    run = runs["steps-exit"]
    assert run.finished()
    assert run.returncode != 3


def test_steps_does_not_run_print(runs: dict[str, CliRun]) -> None:
    run = runs["steps-print"]
    assert run.finished()
    assert not re.search(r"^7$", run.stdout, re.MULTILINE), run.stdout[-500:]
    assert "Traceback" not in run.stderr, run.stderr[-1000:]


@pytest.mark.parametrize("name", ["open-quoted", "open-chr"])
def test_steps_does_not_create_files(runs: dict[str, CliRun], name: str) -> None:
    run = runs[f"steps-{name}"]
    assert run.finished()
    assert not (run.folder / "f").exists()
    assert "Traceback" not in run.stderr, run.stderr[-1000:]


def _build_in(folder: str, expr: sp.Expr) -> str:
    os.chdir(folder)
    return build_derivation(spec_from_expression(expr, x)).verdict.value


INJECTED_EXPRESSIONS = {
    "exit": sp.Function("exit")(3) + x,
    "print": x + sp.Function("print")(7),
    "open": sp.Symbol("r_{[open('f','w')]}") + x,
}


@pytest.mark.parametrize("name", sorted(INJECTED_EXPRESSIONS))
def test_build_derivation_does_not_run_names(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], name: str,
) -> None:
    # in a forked child (run_with_time_limit), so that whatever runs stays out of pytest
    verdict = run_with_time_limit(_build_in, str(tmp_path), INJECTED_EXPRESSIONS[name],
                                  seconds=DEADLINE)
    assert verdict in {v.value for v in Verdict}
    assert not (tmp_path / "f").exists()
    assert not re.search(r"^7$", capfd.readouterr().out, re.MULTILINE)


# ---------------------------------------------------------------------------
# Found while writing the mutation tests
# ---------------------------------------------------------------------------


def test_build_derivation_survives_a_limit_sympy_cannot_take() -> None:
    derivation = build_derivation(spec_from_expression(sp.log(1 + x**2) * sp.cos(x), x))
    assert all(s.outcome is not None and s.outcome.verdict.value in OK
               for s in derivation.steps)


def _huge_cosh_sides() -> tuple[sp.Expr, sp.Expr]:
    """Found by the metamorphic test at depth 4: an expression and its rewrite(exp)."""
    y = sp.Symbol("y")
    numerator = x * y - sp.Rational(1, 3) * y * (x - 3) + y**-2
    argument = sp.exp(sp.exp(x**3))
    return numerator / sp.cosh(argument), numerator / (
        sp.exp(argument) / 2 + sp.exp(-argument) / 2)


def _verdict_with_memory_cap(lhs: sp.Expr, rhs: sp.Expr) -> str:
    # in a forked child: a runaway allocation must end there, not take the test machine down
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    return verify_equal(lhs, rhs, settings=VerifySettings(time_limit=2.0)).verdict.value


def test_huge_intermediate_values_do_not_crash() -> None:
    lhs, rhs = _huge_cosh_sides()
    verdict = run_with_time_limit(_verdict_with_memory_cap, lhs, rhs, seconds=DEADLINE)
    assert verdict != "refuted"
