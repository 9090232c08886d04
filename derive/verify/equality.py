"""``verify_equal``: is ``lhs == rhs``?  The staged pipeline, cheapest stage first.

Definitions, assumptions and ``doit`` (``sides``); structural equality and quick
algebra (``symbolic``); a numeric screen that refutes wrong steps fast
(``sampling``); the slower symbolic stages in a forked child; and, when SymPy
cannot decide in time, sampling for ``checked``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from derive.definitions import DefinitionError
from derive.model import Definition, Outcome, Verdict, VerifySettings
from derive.numeric import MpFunction
from derive.timelimit import TimeLimitExceeded
from derive.verify import sampling, symbolic
from derive.verify.budget import SAMPLING_SHARE, Budget
from derive.verify.common import DEFAULT_SETTINGS, NotAnExpression, as_expr, plain_outcome
from derive.verify.sides import Sides, prepare
from derive.verify.worker import runs_as_claim


@runs_as_claim("lhs", "rhs")
def verify_equal(
    lhs: sp.Expr,
    rhs: sp.Expr,
    *,
    definitions: Sequence[Definition] = (),
    settings: VerifySettings = DEFAULT_SETTINGS,
    assumptions: Sequence[sp.Basic] = (),
) -> Outcome:
    """Is ``lhs == rhs``?  See the docstring of ``derive.verify`` for the stages."""
    budget = Budget.start(settings)
    lhs, rhs = as_expr(lhs), as_expr(rhs)
    try:
        sides = prepare(lhs, rhs, definitions, assumptions, budget)
    except DefinitionError as exc:
        return plain_outcome(Verdict.ERROR, "definitions", str(exc))
    except TimeLimitExceeded:
        return plain_outcome(
            Verdict.UNKNOWN,
            "timeout",
            f"evaluating integrals/limits did not finish within {budget.text}",
        )
    except NotAnExpression as exc:
        return plain_outcome(Verdict.ERROR, "input", str(exc))
    except Exception as exc:  # doit() failing on an odd expression: undecided, not a crash
        return plain_outcome(
            Verdict.UNKNOWN, "doit", f"evaluating the sides failed: {type(exc).__name__}: {exc}"
        )
    return _decide_equal(sides, settings, budget)


def _decide_equal(sides: Sides, settings: VerifySettings, budget: Budget) -> Outcome:
    a, b = sides.lhs, sides.rhs
    if a == b or (a - b) == 0:
        return symbolic.structural_proof(sides)

    complex_values: Outcome | None = None
    if sides.numeric and not sides.symbols and (a.has(sp.I) or b.has(sp.I)):
        # complex constants ((1 + i)^2 = 2): compared as complex numbers, not sampled
        complex_values = sampling.complex_constants(sides, settings)
        if complex_values is not None and complex_values.verdict is Verdict.REFUTED:
            return complex_values

    functions: tuple[MpFunction, MpFunction] | None = None
    if sides.numeric and complex_values is None:
        functions = (MpFunction(a, sides.symbols), MpFunction(b, sides.symbols))
        refutation = sampling.screen(sides, functions, settings, budget)
        if refutation is not None:
            return refutation

    difference = a - b
    if not budget.expired() and symbolic.is_small(difference):
        stage = symbolic.quick_algebra(difference)
        if stage is not None:
            return symbolic.proved_by(stage, sides)

    timed_out = False
    stage = None
    # Numeric sides keep a share of the budget back, so that a symbolic stage that
    # runs out of time still leaves room for sampling evidence.
    reserve = SAMPLING_SHARE * budget.span if functions is not None else 0.0
    try:
        stage = budget.run(symbolic.forked_stages, difference, reserve=reserve)
    except TimeLimitExceeded:
        timed_out = True
    except Exception:  # WorkerDied, or SymPy raising on odd input: undecided, not a crash
        pass
    if stage is not None:
        return symbolic.proved_by(stage, sides)

    symbolic_note = (
        f"symbolic simplification did not finish within {budget.text}"
        if timed_out
        else "SymPy could not simplify lhs - rhs to 0"
    )
    if complex_values is not None:
        return complex_values
    if functions is None:
        reason = "undefined functions or unevaluated operations leave nothing to sample"
        return plain_outcome(
            Verdict.UNKNOWN, "timeout" if timed_out else "simplify", f"{symbolic_note}; {reason}"
        )
    return sampling.sample(
        sides, functions, settings, symbolic_note, budget, symbolic_timed_out=timed_out
    )
