"""The verdict cache: a claim's settled outcome, stored on disk by what the claim says.

The key is a hash of everything the outcome depends on and nothing it does not: the
claim as read (both sides' ``srepr``, its kind, relation, definitions, assumptions, role,
doubts, neighbouring rows ... every field of the claim except where it stands), the
settings that decide verdicts (time limit, samples, digits, seed, memory limit), and
derive's version with a hash of its own source files, so that any code change starts a
fresh cache.  The claim's location is not in the key: a claim moved within a document
keeps its entry, and the finding carries the current location.

Entries are JSON (never pickle): ``{"schema", "key", "value", "checksum"}``, written to a
temporary file in the same folder and renamed into place, so a reader never sees half an
entry.  An entry that is truncated, corrupt, tampered with (its checksum does not match)
or of another shape is ignored and recomputed.  A cache folder that cannot be written
turns caching off for the run with one warning line; the cache never stops a run.
Outcomes reached after any budget of the claim ran out (a time-out) are not stored:
they depend on the machine's speed.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import derive

if TYPE_CHECKING:
    from derive.model import Outcome

SCHEMA = 1
#: Outcomes whose method says the claim did not run to its end: never stored.
UNSTORED_METHODS = frozenset({"timeout", "stopped", "internal"})


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/derive``, else ``~/.cache/derive`` (the platformdirs convention)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "derive"


@lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """derive's version and a hash of every source file of the package."""
    package = Path(derive.__file__).resolve().parent
    digest = hashlib.sha256(f"derive {derive.__version__}\n".encode())
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".lark", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


class Uncacheable(Exception):
    """A value the key cannot describe exactly: such a claim is never cached."""


#: Fields of a claim that say where it stands, left out of its key.
PLACE_FIELDS = frozenset({"location", "lhs_location"})


def canonical(value: Any, *, skip: frozenset[str] = frozenset(), depth: int = 0) -> Any:
    """A JSON-able description of ``value`` that two values share only when they are the
    same: SymPy objects by ``srepr``, dataclasses field by field (``skip``: fields of the
    outermost one to leave out), locations without their path."""
    if depth > 50:
        raise Uncacheable("nested too deeply")
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return ["float", value.hex()]
    if isinstance(value, enum.Enum):
        return [type(value).__name__, canonical(value.value, depth=depth + 1)]
    module = type(value).__module__ or ""
    sympy = sys.modules.get("sympy")
    if module.startswith("sympy") or (sympy is not None and isinstance(value, sympy.Basic)):
        assert sympy is not None
        return ["sympy", sympy.srepr(value)]
    if type(value).__name__ == "Location" and module == "derive.model":
        return ["at", value.line, value.column, value.cell]  # never the path
    if is_dataclass(value) and not isinstance(value, type):
        described = {
            f.name: canonical(getattr(value, f.name), depth=depth + 1)
            for f in fields(value) if f.name not in skip
        }
        return [f"{module}.{type(value).__name__}", described]
    if isinstance(value, tuple | list):
        return [type(value).__name__, [canonical(v, depth=depth + 1) for v in value]]
    if isinstance(value, frozenset | set):
        items = [canonical(v, depth=depth + 1) for v in value]
        return ["set", sorted(items, key=lambda item: json.dumps(item, sort_keys=True))]
    if isinstance(value, dict):
        pairs = [[canonical(k, depth=depth + 1), canonical(v, depth=depth + 1)]
                 for k, v in value.items()]
        return ["dict", sorted(pairs, key=lambda pair: json.dumps(pair, sort_keys=True))]
    raise Uncacheable(f"cannot describe a {type(value).__name__}")


def digest(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class VerdictCache:
    """Entries under ``directory`` (created on first write); see the module docstring."""

    def __init__(self, directory: Path | str, *, warn: Callable[[str], None] | None = None
                 ) -> None:
        self.directory = Path(directory)
        self.writable = True
        self.hits = 0
        self.misses = 0
        self._warn = warn if warn is not None else _warn_on_stderr

    def _path(self, key: str) -> Path:
        return self.directory / f"v{SCHEMA}" / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored value for ``key``, or None (absent, unreadable or not trusted)."""
        try:
            text = self._path(key).read_text(encoding="utf-8")
            entry = json.loads(text)
        except (OSError, ValueError):
            self.misses += 1
            return None
        value = _valid_value(entry, key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store ``value`` (JSON-able) for ``key``, atomically; never raises."""
        if not self.writable:
            return
        entry = {"schema": SCHEMA, "key": key, "value": value,
                 "checksum": _checksum(key, value)}
        path = self._path(key)
        temporary = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-",
                                                 suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(entry, stream, sort_keys=True, separators=(",", ":"))
            os.replace(temporary, path)
            temporary = None
        except (OSError, TypeError, ValueError) as error:
            self.writable = False
            self._warn(f"derive: verdict cache off for this run: cannot write to "
                       f"{self.directory} ({error.__class__.__name__}: {error})")
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


def _checksum(key: str, value: object) -> str:
    text = json.dumps([key, value], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _valid_value(entry: object, key: str) -> dict[str, Any] | None:
    if not isinstance(entry, dict) or set(entry) != {"schema", "key", "value", "checksum"}:
        return None
    if entry["schema"] != SCHEMA or entry["key"] != key or not isinstance(entry["value"], dict):
        return None
    if entry["checksum"] != _checksum(key, entry["value"]):
        return None
    return entry["value"]


def _warn_on_stderr(message: str) -> None:
    print(message, file=sys.stderr)


# ---------------------------------------------------------------------------
# Outcomes as JSON: exactly the data that rebuilds the same finding
# ---------------------------------------------------------------------------


def outcome_record(outcome: Outcome) -> dict[str, Any]:
    evidence = outcome.evidence
    example = evidence.counterexample
    where = evidence.holds_where
    return {
        "verdict": outcome.verdict.value,
        "method": evidence.method,
        "detail": evidence.detail,
        "points": evidence.points,
        "digits": evidence.digits,
        "max_difference": evidence.max_difference,
        "counterexample": None if example is None else {
            "point": [[k, v] for k, v in example.point.items()],
            "lhs_value": example.lhs_value, "rhs_value": example.rhs_value,
        },
        "hint": evidence.hint,
        "caveats": [caveat.value for caveat in evidence.caveats],
        "rewritten_by": list(evidence.rewritten_by),
        "doubt": evidence.doubt,
        "holds_where": None if where is None else [where.variable, where.relation, where.bound],
    }


def _text(value: object, *, optional: bool = False) -> Any:
    if isinstance(value, str) or (optional and value is None):
        return value
    raise ValueError("not a string")


def _count(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("not an integer")


def _texts(value: object) -> list[str]:
    if isinstance(value, list):
        return [_text(item) for item in value]
    raise ValueError("not a list")


def outcome_from_record(record: dict[str, Any]) -> Outcome:
    """The outcome ``outcome_record`` described; ValueError for anything of another shape."""
    from derive.model import Caveat, Condition, Counterexample, Evidence, Outcome, Verdict

    if set(record) != _RECORD_FIELDS:
        raise ValueError("fields differ")
    example = record["counterexample"]
    counterexample = None
    if example is not None:
        if not isinstance(example, dict) or set(example) != {"point", "lhs_value", "rhs_value"}:
            raise ValueError("counterexample")
        point = example["point"]
        if not isinstance(point, list) or not all(
            isinstance(pair, list) and len(pair) == 2 for pair in point
        ):
            raise ValueError("counterexample point")
        counterexample = Counterexample(
            {_text(k): _text(v) for k, v in point},
            _text(example["lhs_value"]), _text(example["rhs_value"]),
        )
    where = record["holds_where"]
    holds_where = None
    if where is not None:
        variable, relation, bound = _texts(where)
        holds_where = Condition(variable, relation, bound)
    evidence = Evidence(
        method=_text(record["method"]),
        detail=_text(record["detail"]),
        points=_count(record["points"]),
        digits=_count(record["digits"]),
        max_difference=_text(record["max_difference"], optional=True),
        counterexample=counterexample,
        hint=_text(record["hint"], optional=True),
        caveats=tuple(Caveat(c) for c in _texts(record["caveats"])),
        rewritten_by=tuple(_texts(record["rewritten_by"])),
        doubt=_text(record["doubt"], optional=True),
        holds_where=holds_where,
    )
    return Outcome(Verdict(_text(record["verdict"])), evidence)


_RECORD_FIELDS = frozenset({
    "verdict", "method", "detail", "points", "digits", "max_difference", "counterexample",
    "hint", "caveats", "rewritten_by", "doubt", "holds_where",
})


def storable(outcome: Outcome, deadline_hit: bool) -> bool:
    """Whether an outcome may be stored: reached with no budget run out on the way."""
    from derive.model import Caveat

    evidence = outcome.evidence
    return not deadline_hit and evidence.method not in UNSTORED_METHODS \
        and Caveat.TIMED_OUT not in evidence.caveats
