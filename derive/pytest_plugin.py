"""pytest plugin: the math in your documents as test items.

Opt in with ``pytest --derive`` (every collected Markdown, LaTeX, rst file or notebook) or
the ini option ``derive_paths = docs/`` (documents under those paths; they are
added to the run when pytest starts from ``testpaths``).  Each document is a
``File`` node, each claim (a relation in a chain) an ``Item`` named by its label
or ``L<line>`` (``L12``, ``L12-2`` ...; ``cell3-L2`` in a notebook), so ``-k`` selects
claims.

Collecting a document parses its math into claims (no verification yet); each
item verifies its own claim when it runs, so ``-k`` saves the work of the
claims it deselects.  Items share ``derive check``'s verdict cache (``--derive-no-cache``
or the ini option ``derive_cache = false`` turns it off), also under pytest-xdist.
This module imports no SymPy: the checker is imported only when a document is collected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from derive.report import (
    DEFAULT_FAIL_ON,
    claim_base_name,
    claim_text,
    fails,
    file_position,
    outcome_word,
    parse_fail_on,
    unique_names,
)

if TYPE_CHECKING:
    from derive.check.cache import VerdictCache
    from derive.check.claims import Claim
    from derive.config import Config
    from derive.model import Finding, Location, VerifySettings

#: Suffixes worth asking ``derive.extract.syntax_for`` about (a cheap first filter, so
#: that .py files never make pytest import the checker).
CANDIDATE_SUFFIXES = frozenset({
    ".md", ".markdown", ".mdown", ".mkd", ".myst", ".qmd", ".mdx",
    ".tex", ".ltx", ".latex", ".rst", ".rest", ".txt", ".ipynb",
})
SKIP_REASON = "derive: skip"


@dataclass(frozen=True)
class Options:
    """The plugin's settings for one session, from the ini file and [tool.derive]."""

    enabled_everywhere: bool  # --derive
    roots: tuple[Path, ...]  # derive_paths
    fail_on: frozenset[str]
    config: Config | None
    cache: VerdictCache | None  # the verdict cache (one per session: one warning at most)


_OPTIONS = pytest.StashKey[Options]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("derive", "check the math in documents with derive")
    group.addoption(
        "--derive", action="store_true", default=False,
        help="collect Markdown, LaTeX and rst documents and check their math",
    )
    parser.addini(
        "derive_paths", type="paths", default=[],
        help="documents or folders whose math derive checks (turns the plugin on)",
    )
    group.addoption(
        "--derive-no-cache", action="store_true", default=False,
        help="verify every claim again: neither read nor write derive's verdict cache",
    )
    parser.addini(
        "derive_cache", type="bool", default=True,
        help="use derive's verdict cache ([tool.derive] cache-dir, else the user cache "
             "folder); false turns it off",
    )
    parser.addini(
        "derive_fail_on", type="string", default="",
        help="verdicts that fail a claim (default: [tool.derive] fail-on, else "
             "refuted,unknown,error)",
    )


def pytest_configure(config: pytest.Config) -> None:
    roots = tuple(Path(p) for p in config.getini("derive_paths"))
    enabled = bool(config.getoption("derive"))
    derive_config = None
    if enabled or roots:
        from derive.config import load_config  # light: tomllib only

        derive_config = load_config(config.rootpath)
    fail_on_text = config.getini("derive_fail_on")
    if fail_on_text:
        fail_on = parse_fail_on(fail_on_text)
    elif derive_config is not None:
        fail_on = frozenset(derive_config.fail_on)
    else:
        fail_on = DEFAULT_FAIL_ON
    cache = None
    if (enabled or roots) and config.getini("derive_cache") \
            and not config.getoption("derive_no_cache"):
        from derive.check.cache import VerdictCache, default_cache_dir  # light: no SymPy

        configured = derive_config.cache_dir if derive_config is not None else None
        cache = VerdictCache(Path(configured) if configured else default_cache_dir())
    config.stash[_OPTIONS] = Options(enabled, roots, fail_on, derive_config, cache)
    if roots and config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        # Plain `pytest` walks only testpaths; derive_paths should be checked too.
        walked = [Path(arg).resolve() for arg in config.args]
        for root in roots:
            if root.exists() and not any(_is_under(root.resolve(), w) for w in walked):
                config.args.append(str(root))


def _is_under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> DocumentFile | None:
    options = parent.config.stash.get(_OPTIONS, None)
    if options is None or not (options.enabled_everywhere or options.roots):
        return None
    if file_path.suffix.lower() not in CANDIDATE_SUFFIXES:
        return None
    resolved = file_path.resolve()
    in_roots = any(_is_under(resolved, root.resolve()) for root in options.roots)
    if not (options.enabled_everywhere or in_roots):
        return None
    from derive.extract import syntax_for

    if syntax_for(str(file_path)) is None:
        return None
    return DocumentFile.from_parent(parent, path=file_path)


class DocumentFile(pytest.File):
    """One Markdown, LaTeX, rst document or notebook: its claims are found (parsed) at
    collection."""

    def collect(self) -> Iterator[ClaimItem]:
        from derive.check.claims import Claim, build_claims
        from derive.extract import NotebookError, extract_blocks, file_directives

        options = self.config.stash[_OPTIONS]
        path = _display_path(self.path)
        text = self.path.read_text(encoding="utf-8-sig")
        try:
            directives = file_directives(path, text)
        except NotebookError as error:  # one line, no traceback
            raise self.CollectError(f"{path}: {error}") from None
        if any(d.command == "skip-file" for d in directives):
            return
        blocks = extract_blocks(path, text)
        scoped = [(d.location, d.command, d.argument) for d in directives
                  if d.command in ("define", "assume")]
        definitions = options.config.definitions if options.config else ()
        entries: list[tuple[Location, str, Any]] = []  # location, label, claim or finding
        unit = options.config.imaginary_unit if options.config else "i"
        for found in build_claims(
            path, blocks, scoped, definitions, source=text, imaginary_unit=unit
        ):
            # claims, and recorded findings that fail (parse errors, out-of-scope math ...)
            if isinstance(found, Claim) or fails(found, options.fail_on):
                entries.append((found.location, found.label, found))
        for block in blocks:
            if block.skip:  # shown as skipped rather than silently absent
                entries.append((block.start, block.label, None))
        entries.sort(key=lambda entry: entry[0].sort_key)
        names = unique_names(claim_base_name(label, location.line, location.cell)
                             for location, label, _ in entries)
        for name, (location, _, claim) in zip(names, entries, strict=True):
            # pytest knows file lines only: a notebook cell's line in the JSON text
            position = file_position(location)
            line = position[0] if position is not None else 1
            claim_item = ClaimItem.from_parent(self, name=name, claim=claim, line=line)
            if claim is None:
                claim_item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
            yield claim_item


def _display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _settings(options: Options) -> VerifySettings:
    from derive.model import VerifySettings

    config = options.config
    defaults = VerifySettings()
    return VerifySettings(
        time_limit=config.time_limit if config and config.time_limit else defaults.time_limit,
        samples=config.samples if config and config.samples else defaults.samples,
    )


class ClaimFailed(Exception):
    """Raised by runtest; ``repr_failure`` prints the finding, not a traceback."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


class ClaimItem(pytest.Item):
    """One claim, verified when it runs: passes when it holds, fails per fail-on."""

    def __init__(self, *, claim: Claim | Finding | None, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.claim = claim  # None: a skipped block
        self.line = line
        self.finding: Finding | None = None

    def runtest(self) -> None:
        from derive.check.checker import check_claim
        from derive.check.claims import Claim

        options = self.config.stash[_OPTIONS]
        if isinstance(self.claim, Claim):
            # xdist's workers share the folder: entries are written atomically
            self.finding = check_claim(self.claim, _settings(options), cache=options.cache)
        else:
            self.finding = self.claim
        if self.finding is not None and fails(self.finding, options.fail_on):
            raise ClaimFailed(self.finding)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | Any:
        if isinstance(excinfo.value, ClaimFailed):
            return describe_finding(excinfo.value.finding)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        text = ""
        if self.claim is not None:
            lhs, relation, rhs = _sides(self.claim)
            text = f"{lhs} {relation} {rhs}".strip()
        return self.path, self.line - 1, f"{self.name}: {text}" if text else self.name


def _sides(claim: Claim | Finding) -> tuple[str, str, str]:
    # by attribute rather than isinstance: cheap, and safe if the module was reloaded
    lhs_latex = getattr(claim, "lhs_latex", None)
    if lhs_latex is not None:
        return str(lhs_latex), claim.relation, str(getattr(claim, "rhs_latex", ""))
    lhs, rhs = str(claim.lhs or ""), str(claim.rhs or "")  # a Finding: LaTeX as written
    return (lhs, claim.relation, rhs) if lhs or rhs else ("", "", "")


def describe_finding(finding: Finding) -> str:
    """Several lines: where, verdict and message, the step, both sides, the counterexample."""
    lines = [f"{finding.location}: {outcome_word(finding)}: {finding.message}"]
    step = claim_text(finding)
    if step:
        lines.append(f"  step: {step}")
        lines.append(f"  lhs:  {finding.lhs}")
        lines.append(f"  rhs:  {finding.rhs}")
    if finding.reason:
        lines.append(f"  reason: {finding.reason}")
    evidence = finding.evidence
    if evidence is not None:
        example = evidence.counterexample
        if example is not None:
            point = ", ".join(f"{k} = {v}" for k, v in sorted(example.point.items()))
            lines.append(f"  counterexample: at {point}")
            lines.append(f"    lhs = {example.lhs_value}")
            lines.append(f"    rhs = {example.rhs_value}")
        if evidence.hint:
            lines.append(f"  hint: {evidence.hint}")
        lines.append(f"  evidence: {evidence.method}: {evidence.detail}")
    return "\n".join(lines)
