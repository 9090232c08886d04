"""pytest plugin: the math in your documents as test items.

Opt in with ``pytest --derive`` (every collected Markdown, LaTeX or rst file) or
the ini option ``derive_paths = docs/`` (documents under those paths; they are
added to the run when pytest starts from ``testpaths``).  Each document is a
``File`` node, each claim (a relation in a chain) an ``Item`` named by its label
or ``L<line>`` (``L12``, ``L12-2`` ...), so ``-k`` selects claims.

The document is verified once, when its first selected item runs, and the
findings are shared out to the items by location.  This module imports no
SymPy: the checker is imported only when a document is collected.
"""

from __future__ import annotations

import bisect
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
    outcome_word,
    parse_fail_on,
    unique_names,
)

if TYPE_CHECKING:
    from derive.config import Config
    from derive.model import FileReport, Finding

#: Suffixes worth asking ``derive.extract.syntax_for`` about (a cheap first filter, so
#: that .py files never make pytest import the checker).
CANDIDATE_SUFFIXES = frozenset({
    ".md", ".markdown", ".mdown", ".mkd", ".myst", ".qmd", ".mdx",
    ".tex", ".ltx", ".latex", ".rst", ".rest", ".txt",
})
SKIP_REASON = "derive: skip"


@dataclass(frozen=True)
class Options:
    """The plugin's settings for one session, from the ini file and [tool.derive]."""

    enabled_everywhere: bool  # --derive
    roots: tuple[Path, ...]  # derive_paths
    fail_on: frozenset[str]
    config: Config | None


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
    config.stash[_OPTIONS] = Options(enabled, roots, fail_on, derive_config)
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


@dataclass(frozen=True)
class ClaimSite:
    """Where a claim is, known before anything is verified."""

    line: int
    column: int
    label: str
    text: str  # "lhs = rhs" as written, for the report line
    skip: bool


class DocumentFile(pytest.File):
    """One Markdown, LaTeX or rst document; verified at most once per session."""

    _file_report: FileReport | None = None
    _assigned: dict[str, list[Finding]] | None = None
    # every claim of the document, selected by -k or not: findings are shared out over all
    _named_sites: tuple[tuple[str, ClaimSite], ...] = ()

    def collect(self) -> Iterator[ClaimItem]:
        text = self.path.read_text(encoding="utf-8")
        sites = list(claim_sites(str(self.path), text))
        names = unique_names(claim_base_name(site.label, site.line) for site in sites)
        self._named_sites = tuple(zip(names, sites, strict=True))
        for name, site in self._named_sites:
            item = ClaimItem.from_parent(self, name=name, site=site)
            if site.skip:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
            yield item

    def file_report(self) -> FileReport:
        if self._file_report is None:
            self._file_report = self._verify()
        return self._file_report

    def _verify(self) -> FileReport:
        from derive.check.api import check_paths
        from derive.model import VerifySettings

        options = self.config.stash[_OPTIONS]
        config = options.config
        defaults = VerifySettings()
        settings = VerifySettings(
            time_limit=(config.time_limit if config and config.time_limit else
                        defaults.time_limit),
            samples=config.samples if config and config.samples else defaults.samples,
        )
        report = check_paths(
            [_display_path(self.path)], settings=settings,
            definitions_latex=config.definitions if config else (),
        )
        if len(report.files) != 1:
            raise RuntimeError(f"derive checked {len(report.files)} files for {self.path}")
        return report.files[0]

    def findings_for(self, item: ClaimItem) -> list[Finding]:
        """Findings at the item's claim; a finding at no claim goes to the claim before it."""
        if self._assigned is None:
            self._assigned = self._assign(self.file_report())
        return self._assigned.get(item.name, [])

    def _assign(self, report: FileReport) -> dict[str, list[Finding]]:
        # Skipped claims are not checked, so nothing may be handed to them.
        live = sorted(((site.line, site.column), name) for name, site in self._named_sites
                      if not site.skip)
        if not live:
            live = [((0, 0), name) for name, _ in self._named_sites[:1]]
        if not live:
            return {}
        positions = [position for position, _ in live]
        exact = dict(live)
        assigned: dict[str, list[Finding]] = {}
        for finding in report.findings:
            position = (finding.location.line, finding.location.column)
            name = exact.get(position)
            if name is None:
                index = max(bisect.bisect_right(positions, position) - 1, 0)
                name = live[index][1]
            assigned.setdefault(name, []).append(finding)
        return assigned


def _display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def claim_sites(path: str, text: str) -> Iterator[ClaimSite]:
    """Every relation of every math block, located, without verifying anything.

    A document whose math yields no relation at all still gets one site (line 1)
    so that block-level errors found by the checker have an item to fail.
    """
    from derive.check.rows import split_rows
    from derive.extract import extract_blocks, file_directives

    if any(d.command == "skip-file" for d in file_directives(path, text)):
        return
    found = False
    blocks = extract_blocks(path, text)
    for block in blocks:
        for row in split_rows(block):
            label = row.label or block.label
            for relation in row.relations:
                location = block.location_of(relation.rhs.offset)
                lhs = row.lhs.text.strip()
                written = f"{lhs} {relation.op} {relation.rhs.text.strip()}".strip()
                found = True
                yield ClaimSite(location.line, location.column, label, written, block.skip)
    if not found and any(not block.skip for block in blocks):
        first = next(block for block in blocks if not block.skip)
        yield ClaimSite(first.start.line, first.start.column, "document", "", False)


class ClaimFailed(Exception):
    """Raised by runtest; ``repr_failure`` prints the findings, not a traceback."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(findings)
        self.findings = findings


class ClaimItem(pytest.Item):
    """One claim: passes when proved or checked, fails per fail-on."""

    def __init__(self, *, site: ClaimSite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site = site

    @property
    def document(self) -> DocumentFile:
        assert isinstance(self.parent, DocumentFile)
        return self.parent

    def runtest(self) -> None:
        document = self.document
        file_report = document.file_report()
        if file_report.error:
            raise ClaimFailed([])  # the message comes from the file report
        fail_on = self.config.stash[_OPTIONS].fail_on
        findings = document.findings_for(self)
        failing = [finding for finding in findings if fails(finding, fail_on)]
        if failing:
            raise ClaimFailed(failing)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | Any:
        if isinstance(excinfo.value, ClaimFailed):
            file_report = self.document.file_report()
            if file_report.error:
                return f"{file_report.path}: error: {file_report.error}"
            return "\n\n".join(describe_finding(f) for f in excinfo.value.findings)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        claim = f": {self.site.text}" if self.site.text else ""
        return self.path, self.site.line - 1, f"{self.name}{claim}"


def describe_finding(finding: Finding) -> str:
    """Several lines: where, verdict and message, the step, both sides, the counterexample."""
    where = f"{finding.location.path}:{finding.location.line}:{finding.location.column}"
    lines = [f"{where}: {outcome_word(finding)}: {finding.message}"]
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
