"""The pytest plugin, driven by real pytest runs (pytester) on temporary documents."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

# Imported once here: pytester's in-process runs drop the modules they import, and
# importing SymPy afresh in one process for every run is slow and fragile.
import derive.check.checker  # noqa: F401

pytest_plugins = ["pytester"]

SIGMOID_DOC = r"""# Notes

$$
\frac{d}{dx}\left(x^2\right) = 2x
$$

A mistake:

$$
(x+1)^2 = x^2 + x + 1
$$

<!-- derive: skip -->
$$
a = b
$$
"""
# claims: line 4 holds, line 10 is refuted, the block at line 14 is skipped


def write(pytester: pytest.Pytester, name: str, text: str) -> None:
    path = pytester.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def test_plugin_import_does_not_import_sympy() -> None:
    code = "import sys, derive.pytest_plugin; print('sympy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_documents_are_ignored_without_opt_in(pytester: pytest.Pytester) -> None:
    write(pytester, "notes.md", SIGMOID_DOC)
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
    pytester.makeconftest(
        "import sys\n"
        "def pytest_sessionfinish(session):\n"
        "    print('SYMPY-LOADED', 'sympy' in sys.modules)\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*SYMPY-LOADED False*"])


def test_one_item_per_claim_with_outcomes(pytester: pytest.Pytester) -> None:
    write(pytester, "notes.md", SIGMOID_DOC)
    result = pytester.runpytest("--derive", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines([
        "*notes.md::L4 PASSED*",
        "*notes.md::L10 FAILED*",
        "*notes.md::L14 SKIPPED*derive: skip*",
    ])
    output = result.stdout.str()
    # the failure shows the step, both sides and the counterexample, and no traceback
    assert "notes.md:10:" in output and "refuted" in output
    assert "lhs:  (x+1)^2" in output and "rhs:  x^2 + x + 1" in output
    assert "counterexample: at x = " in output
    assert "Traceback" not in output and "def runtest" not in output


def test_items_report_the_real_line(pytester: pytest.Pytester) -> None:
    write(pytester, "notes.md", SIGMOID_DOC)
    items, _ = pytester.inline_genitems("--derive", "-p", "no:cacheprovider")
    lines = {item.name: item.location[1] + 1 for item in items}
    assert lines == {"L4": 4, "L10": 10, "L14": 14}
    assert "(x+1)^2 = x^2 + x + 1" in dict((i.name, i.location[2]) for i in items)["L10"]


def test_k_selects_claims_and_skips_their_work(pytester: pytest.Pytester) -> None:
    write(pytester, "notes.md", SIGMOID_DOC)
    pytester.makeconftest(
        "import derive.check.checker as checker\n"
        "VERIFIED = []\n"
        "_original = checker.check_claim\n"
        "def _counting(claim, settings, *args, **kwargs):\n"
        "    VERIFIED.append(claim.location.line)\n"
        "    return _original(claim, settings, *args, **kwargs)\n"
        "checker.check_claim = _counting\n"
        "def pytest_sessionfinish(session):\n"
        "    print('VERIFIED-LINES', VERIFIED)\n"
    )
    result = pytester.runpytest_subprocess("--derive", "-k", "L4", "-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, deselected=2)
    result.stdout.fnmatch_lines(["*VERIFIED-LINES [[]4[]]*"])


def test_unique_names_for_claims_on_one_line(pytester: pytest.Pytester) -> None:
    write(pytester, "chain.md", r"""
        $$
        (x+1)^2 = x^2 + 2x + 1 = 1 + 2x + x^2
        $$
    """)
    items, _ = pytester.inline_genitems("--derive", "-p", "no:cacheprovider")
    assert [item.name for item in items] == ["L2", "L2-2"]


def test_junitxml_contains_the_failing_claim(pytester: pytest.Pytester) -> None:
    write(pytester, "notes.md", SIGMOID_DOC)
    result = pytester.runpytest("--derive", "--junitxml=report.xml", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    root = ET.parse(pytester.path / "report.xml").getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    failure = cases["L10"].find("failure")
    assert failure is not None
    assert "refuted" in (failure.get("message") or "")
    assert "(x+1)^2" in (failure.text or "")
    assert cases["L4"].find("failure") is None


def test_derive_paths_ini_collects_only_those_documents(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntestpaths = tests\nderive_paths = docs\n")
    write(pytester, "tests/test_plain.py", "def test_ok():\n    pass\n")
    write(pytester, "docs/good.md", "$$\n(x+1)^2 = x^2 + 2x + 1\n$$\n")
    write(pytester, "other/bad.md", "$$\n(x+1)^2 = x^2 + 1\n$$\n")
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")  # from testpaths
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*docs/good.md::L2 PASSED*"])
    assert "bad.md" not in result.stdout.str()


def test_fail_on_from_pyproject(pytester: pytest.Pytester) -> None:
    write(pytester, "pyproject.toml", """
        [tool.derive]
        fail-on = "error"
    """)
    write(pytester, "notes.md", SIGMOID_DOC)
    result = pytester.runpytest("--derive", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, skipped=1)  # refuted does not fail under fail-on=error


def test_ini_fail_on_overrides_pyproject(pytester: pytest.Pytester) -> None:
    write(pytester, "pyproject.toml", """
        [tool.derive]
        fail-on = "error"

        [tool.pytest.ini_options]
        derive_fail_on = "refuted,error"
    """)
    write(pytester, "notes.md", SIGMOID_DOC)
    result = pytester.runpytest("--derive", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1, skipped=1)


# ---------------------------------------------------------------------------- directives


def test_assume_directive_markdown(pytester: pytest.Pytester) -> None:
    write(pytester, "assumed.md", r"""
        <!-- derive: assume x > 0 -->

        $$
        \sqrt{x^2} = x
        $$
    """)
    write(pytester, "unassumed.md", r"""
        $$
        \sqrt{x^2} = x
        $$
    """)
    result = pytester.runpytest("--derive", "-v", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*assumed.md::L4 PASSED*", "*unassumed.md::L2 FAILED*"])


def test_define_directive_and_configured_definitions(pytester: pytest.Pytester) -> None:
    write(pytester, "defined.md", r"""
        <!-- derive: define \sigma(x) = \frac{1}{1+e^{-x}} -->

        $$
        \sigma(0) = \frac{1}{2}
        $$
    """)
    write(pytester, "configured.md", r"""
        $$
        \sigma(0) = \frac{1}{3}
        $$
    """)
    write(pytester, "pyproject.toml", r"""
        [tool.derive]
        definitions = ['\sigma(x) = \frac{1}{1+e^{-x}}']
    """)
    result = pytester.runpytest("--derive", "-v", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*configured.md::L2 FAILED*", "*defined.md::L4 PASSED*"])
    assert "rhs = 0.3333" in result.stdout.str()


def test_rst_and_latex_directives(pytester: pytest.Pytester) -> None:
    write(pytester, "page.rst", r"""
        Title
        =====

        .. derive: assume x > 0

        .. math::

           \sqrt{x^2} = x

        .. derive: skip

        .. math::

           1 = 2
    """)
    write(pytester, "paper.tex", r"""
        \begin{equation}
        (x+1)^2 = x^2 + 2x + 1
        \end{equation}
        % derive: skip
        \begin{equation}
        1 = 2
        \end{equation}
    """)
    result = pytester.runpytest("--derive", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, skipped=2)


def test_skip_file_directive_collects_nothing(pytester: pytest.Pytester) -> None:
    write(pytester, "draft.md", "<!-- derive: skip-file -->\n\n$$\n1 = 2\n$$\n")
    result = pytester.runpytest("--derive", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
