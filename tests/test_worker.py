"""The claim worker: one deadline, a memory cap, death with the parent, and a fast path
that never changes a verdict."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sympy as sp

from derive.model import Evidence, Outcome, Stage, Verdict, VerifySettings
from derive.verify import verify_equal, verify_limit
from derive.verify.budget import Budget, claim_deadline
from derive.verify.worker import is_small, run_claim

x = sp.Symbol("x")


def _raises() -> Outcome:
    raise ZeroDivisionError("boom")


def _recurses() -> Outcome:
    def deeper(n: int) -> int:
        return deeper(n + 1) + 1

    deeper(0)
    raise AssertionError("unreachable")


def test_an_exception_inside_a_claim_is_its_outcome_not_a_crash() -> None:
    outcome = run_claim(_raises, settings=VerifySettings(time_limit=2))
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.evidence.method == Stage.INTERNAL
    assert "ZeroDivisionError: boom" in outcome.evidence.detail


def test_a_recursion_error_costs_one_claim() -> None:
    outcome = run_claim(_recurses, settings=VerifySettings(time_limit=5))
    assert outcome.verdict is Verdict.UNKNOWN
    assert "nested too deeply" in outcome.evidence.detail


def _big_power() -> Outcome:
    # one GMP call that no signal can interrupt (about a minute of work)
    sp.Integer(3) ** (10**9)
    return Outcome(Verdict.PROVED, Evidence("x", "finished"))


def test_a_long_c_call_is_stopped_by_killing_the_worker() -> None:
    outcome = run_claim(_big_power, settings=VerifySettings(time_limit=0.5))
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.evidence.method in (Stage.TIMEOUT, Stage.STOPPED)
    assert "time limit of 0.5 s" in outcome.evidence.detail


def _allocate() -> Outcome:
    hog = bytearray(3 << 30)  # 3 GiB, beyond the cap below
    return Outcome(Verdict.PROVED, Evidence("x", f"allocated {len(hog)}"))


def test_the_memory_cap_holds_inside_the_worker() -> None:
    outcome = run_claim(_allocate, settings=VerifySettings(time_limit=5, memory_limit=256 << 20))
    assert outcome.verdict is Verdict.UNKNOWN
    assert "memory" in outcome.evidence.detail


def _nested_budget() -> Outcome:
    inner = Budget.start(VerifySettings(time_limit=100))
    deadline = claim_deadline()
    assert deadline is not None and inner.deadline <= deadline
    return Outcome(Verdict.PROVED, Evidence("x", f"{inner.limit}"))


def test_a_nested_call_shares_the_claims_deadline() -> None:
    outcome = run_claim(_nested_budget, settings=VerifySettings(time_limit=2))
    assert outcome.verdict is Verdict.PROVED
    assert outcome.evidence.detail == "100"  # messages keep the limit the user set


def test_claims_outside_a_worker_have_no_deadline() -> None:
    assert claim_deadline() is None


SMALL_CLAIMS = [
    (sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)),
    ((x + 1) ** 2, x**2 + 2 * x + 1),
    ((x + 1) ** 2, x**2 + 1),
    (sp.exp(x) * sp.exp(-x), sp.Integer(1)),
    (sp.tanh(x), (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x))),
    (sp.log(sp.exp(x)), x),
    (sp.sqrt(x**2), x),
]


@pytest.mark.parametrize(("lhs", "rhs"), SMALL_CLAIMS)
def test_the_fast_path_gives_the_workers_verdict(lhs: sp.Expr, rhs: sp.Expr) -> None:
    assert is_small((lhs, rhs))
    fast = verify_equal(lhs, rhs)
    body = verify_equal.__wrapped__  # type: ignore[attr-defined]
    in_worker = run_claim(body, lhs, rhs, settings=VerifySettings())  # no fast path
    assert fast == in_worker


def test_large_or_expensive_claims_skip_the_fast_path() -> None:
    assert not is_small((sp.Derivative(sp.tan(sp.sin(x)), (x, 40)),))
    assert not is_small((sp.Integral(x, x),))
    assert not is_small((x ** 1000,))
    assert not is_small((sp.Add(*[x**k for k in range(2000)]),))


def test_limits_still_run_in_a_worker() -> None:
    outcome = verify_limit(sp.sin(x) / x, x, sp.Integer(0), sp.Integer(1))
    assert outcome.verdict is Verdict.PROVED


WORKER_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    import sympy as sp
    from derive.model import Evidence, Outcome, Verdict, VerifySettings
    from derive.verify.worker import run_claim

    def claim():
        with open(sys.argv[1], "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(120)
        return Outcome(Verdict.PROVED, Evidence("x", "slept"))

    run_claim(claim, settings=VerifySettings(time_limit=100))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux")
def test_the_worker_dies_with_its_parent(tmp_path: Path) -> None:
    pid_file = tmp_path / "worker.pid"
    parent = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, str(pid_file)])
    try:
        for _ in range(600):  # the worker writes its pid once it runs the claim
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.05)
        worker = int(pid_file.read_text())
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        for _ in range(200):
            if not _alive(worker):
                break
            time.sleep(0.05)
        assert not _alive(worker)
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "State:\tZ" not in status.read()
    except FileNotFoundError:
        return False
    except OSError:
        return os.path.exists(f"/proc/{pid}")
