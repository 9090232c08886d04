"""NAME.json: the documented, stable record (schema 1)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sympy as sp
from render_fixtures import hand_built_sigmoid, sigmoid_derivation, unverified, with_refuted_step

from derive import __version__
from derive.render import render_json
from derive.render.latex import expr_latex

DOCS = Path(__file__).resolve().parent.parent / "docs" / "json-schema.md"
EVIDENCE_KEYS = {"method", "detail", "points", "digits", "max_difference", "counterexample", "hint",
                 "caveats", "doubt"}


def _keys_sorted(value: object) -> bool:
    if isinstance(value, dict):
        return list(value) == sorted(value) and all(_keys_sorted(v) for v in value.values())
    if isinstance(value, list):
        return all(_keys_sorted(v) for v in value)
    return True


def test_record_is_sorted_indented_and_ends_with_newline() -> None:
    text = render_json(sigmoid_derivation())
    assert text.endswith("}\n")
    record = json.loads(text)
    assert _keys_sorted(record)
    assert text == json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_top_level_fields() -> None:
    d = sigmoid_derivation()
    record = json.loads(render_json(d))
    assert record["schema"] == 1
    assert record["derive_version"] == __version__
    assert record["verdict"] == d.verdict.value
    function = record["function"]
    assert function["name"] == d.spec.name
    assert function["variable"] == str(d.spec.variable)
    assert function["sympy"] == sp.srepr(d.spec.definition)
    assert function["latex"].startswith(r"\sigma(x) = ")


def test_steps_in_order_with_latex_sympy_rule_and_verdict() -> None:
    d = sigmoid_derivation()
    steps = json.loads(render_json(d))["steps"]
    assert [s["index"] for s in steps] == list(range(1, len(d.steps) + 1))
    for entry, step in zip(steps, d.steps, strict=True):
        assert entry["sympy"] == sp.srepr(step.expr)
        assert entry["latex"] == expr_latex(step.expr)
        assert entry["rule"] == step.rule and entry["note"] == step.note
        assert step.outcome is not None
        assert entry["verdict"] == step.outcome.verdict.value
        assert set(entry["evidence"]) == EVIDENCE_KEYS  # never "seconds"


def test_no_timing_in_the_record() -> None:
    text = render_json(hand_built_sigmoid())  # the fixture's evidence has seconds=0.25
    assert "seconds" not in text and "0.25" not in text


def test_refuted_step_carries_its_counterexample() -> None:
    record = json.loads(render_json(with_refuted_step(hand_built_sigmoid())))
    assert record["verdict"] == "refuted"
    evidence = record["steps"][3]["evidence"]
    assert record["steps"][3]["verdict"] == "refuted"
    assert evidence["counterexample"] == {
        "point": {"x": "0.5"}, "lhs_value": "0.2350037122015944",
        "rhs_value": "-0.2350037122015944"}
    assert evidence["hint"] == "differs by a factor of -1"


def test_unverified_claims_are_unknown_with_no_evidence() -> None:
    record = json.loads(render_json(unverified(hand_built_sigmoid())))
    assert {s["verdict"] for s in record["steps"]} == {"unknown"}
    assert {s["evidence"] is None for s in record["steps"]} == {True}
    assert record["verdict"] == "unknown"


def test_limits_values_and_checks() -> None:
    d = hand_built_sigmoid()
    record = json.loads(render_json(d))
    assert [c["point"]["sympy"] for c in record["limits"]] == ["-oo", "oo"]
    assert record["limits"][0]["value"]["sympy"] == "Integer(0)"
    assert record["values"][0]["exact"]["sympy"] == "Rational(1, 2)"
    assert record["values"][1]["exact"] is None
    assert record["values"][1]["decimal"] == "0.01798620996"
    fd = record["checks"][1]
    assert (fd["name"], fd["max_error"], fd["grid"]) == (
        "finite difference", "2.1e-11", "linspace(-10, 10, 100)")
    assert fd["evidence"]["points"] == 100


def test_same_derivation_renders_identically() -> None:
    assert render_json(sigmoid_derivation()) == render_json(sigmoid_derivation())


#: Which documented object each part of the record is.
_OBJECT_KINDS = {
    "": "Record", "function": "Function", "definitions": "Definition", "steps": "Step",
    "limits": "Limit", "values": "Value", "checks": "Check", "evidence": "Evidence",
    "counterexample": "Counterexample", "lhs": "Expression", "target": "Expression",
    "body": "Expression", "expr": "Expression", "point": "Expression", "value": "Expression",
    "exact": "Expression",
}


def _objects(value: object, key: str, parent: str, found: dict[str, set[str]]) -> None:
    if isinstance(value, list):
        for item in value:
            _objects(item, key, parent, found)
    elif isinstance(value, dict):
        kind = _OBJECT_KINDS[key]
        if parent == "Counterexample" and key == "point":
            return  # variable names: not fields
        found.setdefault(kind, set()).update(value)
        for child_key, child in value.items():
            _objects(child, child_key, kind, found)


def _documented() -> dict[str, set[str]]:
    sections: dict[str, set[str]] = {}
    current = ""
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            current = line[4:].strip()
            sections[current] = set()
        elif current and (match := re.match(r"^\| `([^`]+)` \|", line)):
            sections[current].add(match.group(1))
    return sections


def test_every_field_is_documented() -> None:
    assert DOCS.exists(), "docs/json-schema.md is missing"
    found: dict[str, set[str]] = {}
    _objects(json.loads(render_json(with_refuted_step(hand_built_sigmoid()))), "", "", found)
    _objects(json.loads(render_json(sigmoid_derivation())), "", "", found)
    documented = _documented()
    for kind, fields in found.items():
        assert fields == documented.get(kind), f"docs/json-schema.md, section {kind}"
