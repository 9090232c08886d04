"""`derive build` writes the same files however fast the machine is, or fails loudly.

A slower machine is simulated by scaling every second-based limit of the build down
(a machine 10x slower gets through 1/10 of the work in the same seconds).  No test
asserts how long anything takes.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
import sympy as sp

import derive.generate.budgets as budgets
import derive.generate.limit_steps as limit_steps
import derive.verify.worker as worker
from derive.cli import main
from derive.generate.budgets import BuildLimits, BuildTimeout, strict_claim
from derive.generate.catalog import spec_from_expression
from derive.generate.derivation import build_derivation
from derive.model import Evidence, Outcome, Verdict, VerifySettings
from derive.render import plots_available
from derive.timelimit import TimeLimitExceeded
from derive.verify.budget import Budget

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "output"
LOUD = "ran out of time"
SPEED = "the outputs would depend on machine speed"

x = sp.Symbol("x")

needs_plots = pytest.mark.skipif(
    not plots_available(), reason="output/ is built with the plot extra (matplotlib) installed"
)


def _files(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


@needs_plots
@pytest.mark.parametrize("slowdown", [20])
def test_a_machine_twenty_times_slower_writes_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slowdown: int
) -> None:
    """Every second-based limit of the build divided by ``slowdown``: the generation
    steps', the claims' (the build's default time limit) and the kernel's fast path."""
    monkeypatch.setattr(budgets, "BUILD_SECONDS", budgets.BUILD_SECONDS / slowdown)
    monkeypatch.setattr(worker, "FAST_SECONDS", worker.FAST_SECONDS / slowdown)
    assert main(["build", "-o", str(tmp_path)]) == 0
    fresh, committed = _files(tmp_path), _files(OUTPUT)
    assert sorted(fresh) == sorted(committed)
    for name, data in fresh.items():
        assert data == committed[name], f"{name} differs on a {slowdown}x slower machine"


@needs_plots
def test_a_short_time_limit_gives_the_same_files_or_fails_loudly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["build", "sigmoid", "-o", str(tmp_path), "--time-limit", "0.3"])
    error = capsys.readouterr().err
    if code == 0:
        fresh = _files(tmp_path)
        assert fresh, "a build that succeeds writes its files"
        assert fresh == {name: _files(OUTPUT)[name] for name in fresh}
    else:
        assert code == 1
        assert LOUD in error and SPEED in error
        assert _files(tmp_path) == {}


def test_a_time_limit_too_short_for_any_claim_fails_loudly_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "-o", str(tmp_path), "--time-limit", "0.001"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("derive build: sigmoid: ") and LOUD in error and SPEED in error
    assert len(error.strip().splitlines()) == 1
    assert "Traceback" not in error
    assert _files(tmp_path) == {}


# ---------------------------------------------------------------------------
# The pieces: a budget that ran out is never silent in a strict build
# ---------------------------------------------------------------------------


def _sampled_after_a_stage_ran_out(*, settings: VerifySettings) -> Outcome:
    """Like a claim whose symbolic stage ran out of time and that sampling still decided:
    an outcome comes back, but a faster machine might have given another."""
    budget = Budget.start(settings)
    with contextlib.suppress(TimeLimitExceeded):
        budget.run(time.sleep, 600)
    return Outcome(Verdict.CHECKED, Evidence("sampling", "agrees at the sample points"))


def _quick(*, settings: VerifySettings) -> Outcome:
    return Outcome(Verdict.PROVED, Evidence("structural", "the same expression"))


def _never_ends(*, settings: VerifySettings) -> Outcome:
    time.sleep(600)
    raise AssertionError("unreachable")


@pytest.mark.parametrize("verify", [_sampled_after_a_stage_ran_out, _never_ends])
def test_a_claim_whose_budget_ran_out_stops_a_strict_build(verify: object) -> None:
    settings = VerifySettings(time_limit=0.5)
    with pytest.raises(BuildTimeout, match=f"step 7 {LOUD}.*{SPEED}"):
        strict_claim("step 7", verify, small=(), as_result=lambda o: o, settings=settings)


def test_a_claim_within_its_budget_is_its_outcome() -> None:
    settings = VerifySettings(time_limit=5)
    outcome = strict_claim("step 1", _quick, small=(), as_result=lambda o: o, settings=settings)
    assert outcome.verdict is Verdict.PROVED


def test_a_limit_that_runs_out_of_time_is_left_out_only_when_lenient(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limit_steps, "_limit", lambda *args: time.sleep(600))
    expr = 1 / (1 + sp.exp(-x))
    assert limit_steps.compute_limit(expr, x, sp.oo, seconds=0.2) is None
    with pytest.raises(BuildTimeout, match=f"the limit of .* as x -> oo {LOUD}"):
        limit_steps.compute_limit(expr, x, sp.oo, seconds=0.2, strict=True)


def test_a_simplification_that_runs_out_of_time_stops_a_strict_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def slow_simplify(expr: sp.Expr) -> sp.Expr:
        time.sleep(600)
        return expr

    monkeypatch.setattr(sp, "simplify", slow_simplify)
    spec = spec_from_expression(sp.sin(x) * sp.exp(x), x)
    spec = type(spec)(**{**spec.__dict__, "limit_points": ()})
    lenient = build_derivation(spec, VerifySettings(), BuildLimits(0.2, strict=False))
    assert lenient.steps  # simplify skipped: factor and cancel still had their turn
    with pytest.raises(BuildTimeout, match=f"simplify of the derivative {LOUD}"):
        build_derivation(spec, VerifySettings(), BuildLimits(0.2, strict=True))
