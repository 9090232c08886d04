"""``NAME.json``: the stable, machine-readable record of a derivation (schema 1).

Documented field by field in ``docs/json-schema.md``.  Keys are sorted, the text ends with a
newline, and nothing time-dependent (``Evidence.seconds``) is written, so the same derivation
always gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

import sympy as sp

from derive import __version__
from derive.model import (
    ClosedFormCheck,
    Definition,
    Derivation,
    LimitClaim,
    Outcome,
    ValueClaim,
)
from derive.render.latex import (
    expr_latex,
    function_latex,
    limit_latex,
    step_equation_latex,
    title,
    value_latex,
)
from derive.render.text import outcome_verdict

SCHEMA_VERSION = 1

Json = dict[str, Any]


def expression_record(expr: sp.Basic) -> Json:
    return {"latex": expr_latex(expr), "sympy": sp.srepr(expr)}


def _verdict_fields(outcome: Outcome | None) -> Json:
    return {
        "verdict": outcome_verdict(outcome).value,
        "evidence": outcome.evidence.as_record() if outcome is not None else None,
    }


def _definition_record(definition: Definition) -> Json:
    return {
        "name": definition.name,
        "params": [str(param) for param in definition.params],
        "body": expression_record(definition.body),
        "latex": definition.latex,
    }


def _limit_record(claim: LimitClaim) -> Json:
    return {
        "latex": limit_latex(claim),
        "expr": expression_record(claim.expr),
        "variable": str(claim.variable),
        "point": expression_record(claim.point),
        "value": expression_record(claim.value),
        "steps": list(claim.steps),
        **_verdict_fields(claim.outcome),
    }


def _value_record(claim: ValueClaim) -> Json:
    return {
        "latex": value_latex(claim),
        "expr": expression_record(claim.expr),
        "point": expression_record(claim.point),
        "exact": expression_record(claim.exact) if claim.exact is not None else None,
        "decimal": claim.decimal,
        "digits": claim.digits,
        **_verdict_fields(claim.outcome),
    }


def _check_record(check: ClosedFormCheck) -> Json:
    return {
        "name": check.name,
        "grid": check.grid,
        "max_error": check.max_error,
        **_verdict_fields(check.outcome),
    }


def derivation_record(d: Derivation) -> Json:
    """The record as plain JSON-ready data (what ``render_json`` serialises)."""
    spec = d.spec
    steps = []
    for index, step in enumerate(d.steps):
        steps.append({
            "index": index + 1,
            "latex": expr_latex(step.expr),
            "sympy": sp.srepr(step.expr),
            "equation": step_equation_latex(d, index),
            "rule": step.rule,
            "note": step.note,
            **_verdict_fields(step.outcome),
        })
    return {
        "schema": SCHEMA_VERSION,
        "derive_version": __version__,
        "title": title(d),
        "function": {
            "name": spec.name,
            "latex_name": spec.latex_name,
            "latex": function_latex(d),
            "sympy": sp.srepr(spec.definition),
            "variable": str(spec.variable),
            "target": expression_record(spec.target) if spec.target is not None else None,
        },
        "lhs": expression_record(d.lhs),
        "definitions": [_definition_record(definition) for definition in d.definitions],
        "steps": steps,
        "limits": [_limit_record(claim) for claim in d.limits],
        "values": [_value_record(claim) for claim in d.values],
        "checks": [_check_record(check) for check in d.checks],
        "verdict": d.verdict.value,
    }


def render_json(d: Derivation) -> str:
    return json.dumps(derivation_record(d), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
