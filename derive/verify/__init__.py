"""Decide whether two expressions are equal, a limit holds, or a decimal is right.

The staged pipeline for ``lhs = rhs`` (cheapest first; see docs/verification-notes.md):

1. substitute definitions, apply assumptions, evaluate Derivative & co (``doit``);
2. structural: ``a == b`` after SymPy's automatic evaluation;
3. numeric screen at a few simple points (mpmath): wrong steps fail fast, with a
   counterexample, confirmed at higher precision before anything is refuted;
4. cheap algebra in-process for small expressions (``cancel``, ``expand``);
5. in a forked child under the time limit: together+expand, cancel,
   rewrite(exp)+cancel for trig/hyperbolic functions (before ``simplify``, which
   can hang for minutes on tanh), then simplify;
6. otherwise sample >= ``settings.samples`` seeded points -> ``checked``.

Every public ``verify_*`` call has ONE deadline, ``settings.time_limit`` after it
starts (``budget.Budget``): each stage gets what is left, forked stages leave a share
for sampling, and once nothing is left the call stops with ``unknown`` (method
``timeout``), or ``checked`` when sampling already reached ``settings.samples``
points.

One module per job:

- ``budget``: the deadline;  ``common``: default settings, input, bare outcomes;
- ``assumptions``: ``x > 0`` as sampling intervals and SymPy assumptions;
- ``sides`` (stage 1), ``symbolic`` (2, 4, 5), ``sampling`` (3, 6), ``equality``
  (``verify_equal``, the order of the stages);
- ``hints``: how two unequal sides differ;
- ``decimals``: ``verify_decimal`` and ``verify_approx``;
- ``limits``: ``verify_limit`` and ``cross_checked_limit``.
"""

from derive.definitions import DefinitionError, substitute_definitions
from derive.verify.assumptions import domains_from_assumptions
from derive.verify.budget import MIN_STAGE_SECONDS, SAMPLING_SHARE
from derive.verify.common import DEFAULT_SETTINGS
from derive.verify.decimals import verify_approx, verify_decimal
from derive.verify.equality import verify_equal
from derive.verify.hints import HINT_SEED, difference_hint
from derive.verify.limits import InconsistentLimit, cross_checked_limit, verify_limit
from derive.verify.sampling import SCREEN_POINTS
from derive.verify.symbolic import SMALL_EXPONENT, SMALL_EXPRESSION

__all__ = [
    "DEFAULT_SETTINGS",
    "HINT_SEED",
    "MIN_STAGE_SECONDS",
    "SAMPLING_SHARE",
    "SCREEN_POINTS",
    "SMALL_EXPONENT",
    "SMALL_EXPRESSION",
    "DefinitionError",
    "InconsistentLimit",
    "cross_checked_limit",
    "difference_hint",
    "domains_from_assumptions",
    "substitute_definitions",
    "verify_approx",
    "verify_decimal",
    "verify_equal",
    "verify_limit",
]
