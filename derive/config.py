"""``[tool.derive]`` in the nearest pyproject.toml, and how command-line flags override it.

    [tool.derive]
    paths = ["docs", "README.md"]          # what ``derive check`` checks when given no PATH
    exclude = ["docs/drafts/**"]           # glob patterns left out
    time-limit = 5.0                        # seconds per claim
    samples = 32                            # seeded sample points per claim
    fail-on = "refuted,unknown,error"       # or a list; verdicts (and "warning") that fail
    definitions = ['\\sigma(x) = \\frac{1}{1+e^{-x}}']   # LaTeX, defined in every document
    macros = { E = "\\mathbb{E}", norm = ["\\left\\|#1\\right\\|", 1] }  # MathJax form
    jobs = 4                                # claims verified side by side (default: cores)
    cache-dir = ".derive-cache"             # the verdict cache (default: the user cache)

Relative paths in the file are relative to the folder holding it; they are
given back relative to the current folder so that reports name files as a
user would type them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from derive.report import DEFAULT_FAIL_ON, parse_fail_on

KEYS = (
    "paths", "exclude", "time-limit", "samples", "fail-on", "definitions", "macros",
    "imaginary-unit", "jobs", "cache-dir",
)


class ConfigError(ValueError):
    """A [tool.derive] table that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Config:
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    time_limit: float | None = None  # None: VerifySettings' default
    samples: int | None = None
    fail_on: tuple[str, ...] = tuple(sorted(DEFAULT_FAIL_ON))
    definitions: tuple[str, ...] = ()
    #: (name, body, arity, default of an optional first argument) of each ``macros`` entry;
    #: the extractor reads them from the document's project (derive.extract.project)
    macros: tuple[tuple[str, str, int, str | None], ...] = ()
    #: the letter that is the imaginary unit in documents that use complex numbers
    imaginary_unit: str = "i"
    #: claims verified side by side (None: one per usable core)
    jobs: int | None = None
    #: the verdict cache's folder (None: the user cache folder)
    cache_dir: str | None = None
    source: Path | None = None  # the pyproject.toml read, if any


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.derive] table."""
    folder = start.resolve()
    if folder.is_file():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and "derive" in _tool_tables(pyproject):
            return pyproject
    return None


def _tool_tables(pyproject: Path) -> dict[str, Any]:
    try:
        with pyproject.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{pyproject}: invalid TOML: {error}") from None
    tool = data.get("tool", {})
    return tool if isinstance(tool, dict) else {}


def load_config(start: Path) -> Config:
    """Read [tool.derive] from the nearest pyproject.toml; defaults when there is none."""
    pyproject = find_pyproject(Path(start))
    if pyproject is None:
        return Config()
    table = _tool_tables(pyproject)["derive"]
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.derive] must be a table")
    return config_from_table(table, pyproject)


def config_from_table(table: Mapping[str, Any], pyproject: Path) -> Config:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{pyproject}: unknown key {unknown[0]!r} in [tool.derive]; known: {', '.join(KEYS)}"
        )

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{pyproject}: {key} must be a list of strings")
        return tuple(value)

    def positive(key: str, kind: type) -> Any:
        value = table.get(key)
        if value is None:
            return None
        number_ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not number_ok or (kind is int and not isinstance(value, int)) or value <= 0:
            raise ConfigError(f"{pyproject}: {key} must be a positive {kind.__name__}")
        return kind(value)

    base = pyproject.parent
    fail_on_value = table.get("fail-on", sorted(DEFAULT_FAIL_ON))
    if not isinstance(fail_on_value, str | list):
        raise ConfigError(f"{pyproject}: fail-on must be a string or a list of strings")
    try:
        fail_on = parse_fail_on(fail_on_value)
    except (ValueError, AttributeError) as error:
        raise ConfigError(f"{pyproject}: {error}") from None
    return Config(
        paths=tuple(_relative_to_cwd(base / path) for path in strings("paths")),
        exclude=strings("exclude"),
        time_limit=positive("time-limit", float),
        samples=positive("samples", int),
        fail_on=tuple(sorted(fail_on)),
        definitions=strings("definitions"),
        macros=macro_entries(table.get("macros", {}), pyproject),
        imaginary_unit=imaginary_unit(table.get("imaginary-unit", "i"), str(pyproject)),
        jobs=positive("jobs", int),
        cache_dir=_cache_dir(table.get("cache-dir"), pyproject),
        source=pyproject,
    )


def _cache_dir(value: object, pyproject: Path) -> str | None:
    """``cache-dir``, relative to the folder of ``pyproject`` like ``paths``."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{pyproject}: cache-dir must be a folder name (a string)")
    return _relative_to_cwd(pyproject.parent / Path(value).expanduser())


def imaginary_unit(value: object, where: str) -> str:
    """``i`` or ``j``: the imaginary unit's letter (a ConfigError names ``where``)."""
    if value not in ("i", "j"):
        raise ConfigError(f"{where}: imaginary-unit must be \"i\" or \"j\", not {value!r}")
    return str(value)


_MACRO_NAME = re.compile(r"\\?[A-Za-z]+")


def macro_entries(table: object, pyproject: Path) -> tuple[tuple[str, str, int, str | None], ...]:
    """``macros = { E = "\\\\mathbb{E}", norm = ["\\\\|#1\\\\|", 1], opt = ["#1", 2, "d"] }``,
    validated: a string body (arity: the highest ``#n`` it uses), or ``[body, arity]``, or
    ``[body, arity, default]`` whose first argument is optional (MathJax's form)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: macros must be a table of name = body")
    entries = []
    for name, value in table.items():
        if not _MACRO_NAME.fullmatch(name):
            raise ConfigError(f"{pyproject}: macros: {name!r} is not a macro name (letters only)")
        if isinstance(value, str):
            used = [int(n) for n in re.findall(r"#([1-9])", value)]
            entries.append((name.lstrip("\\"), value, max(used, default=0), None))
            continue
        shape_ok = (isinstance(value, list) and 2 <= len(value) <= 3
                    and isinstance(value[0], str) and isinstance(value[1], int)
                    and not isinstance(value[1], bool) and 0 <= value[1] <= 9
                    and (len(value) == 2 or (isinstance(value[2], str) and value[1] >= 1)))
        if not shape_ok:
            raise ConfigError(f"{pyproject}: macros: {name} must be a string, [body, arity] "
                              "or [body, arity, default]")
        default = value[2] if len(value) == 3 else None
        entries.append((name.lstrip("\\"), value[0], value[1], default))
    return tuple(sorted(entries))


def has_derive_table(pyproject: Path) -> bool:
    """Whether ``pyproject`` is readable TOML with a [tool.derive] table."""
    try:
        return "derive" in _tool_tables(pyproject)
    except (ConfigError, OSError, UnicodeDecodeError):
        return False


def read_macros(pyproject: Path) -> dict[str, object]:
    """The ``macros`` of ``pyproject``'s [tool.derive], validated, in MathJax's form."""
    table = _tool_tables(pyproject).get("derive")
    if not isinstance(table, dict):
        return {}
    entries = macro_entries(table.get("macros", {}), pyproject)
    return {name: [body, arity] if default is None else [body, arity, default]
            for name, body, arity, default in entries}


def _relative_to_cwd(path: Path) -> str:
    try:
        return os.path.relpath(path, Path.cwd())
    except ValueError:  # another drive on Windows
        return str(path)


def merge(config: Config, cli_args: Any) -> Config:
    """Command-line flags override the file.

    ``cli_args`` is an argparse Namespace (or a mapping) with any of ``paths``,
    ``exclude``, ``time_limit``, ``samples``, ``fail_on`` (comma text), ``define``,
    ``imaginary_unit``, ``jobs`` and ``cache_dir``; absent, None or empty values leave
    the file's setting.  PATHs replace ``paths``, scalars replace; ``--exclude`` and
    ``--define`` add to the file's lists (a pattern or definition in the file cannot be
    unset from the command line, only added to).
    """
    values = dict(cli_args) if isinstance(cli_args, Mapping) else vars(cli_args)
    changes: dict[str, Any] = {}
    if values.get("paths"):
        changes["paths"] = tuple(values["paths"])
    if values.get("time_limit") is not None:
        changes["time_limit"] = float(values["time_limit"])
    if values.get("samples") is not None:
        changes["samples"] = int(values["samples"])
    if values.get("fail_on") is not None:
        changes["fail_on"] = tuple(sorted(parse_fail_on(values["fail_on"])))
    if values.get("exclude"):
        changes["exclude"] = config.exclude + tuple(values["exclude"])
    if values.get("define"):
        changes["definitions"] = config.definitions + tuple(values["define"])
    if values.get("jobs") is not None:
        changes["jobs"] = int(values["jobs"])
    if values.get("cache_dir") is not None:
        changes["cache_dir"] = str(values["cache_dir"])
    if values.get("imaginary_unit") is not None:
        changes["imaginary_unit"] = imaginary_unit(values["imaginary_unit"], "--imaginary-unit")
    return replace(config, **changes)
