"""Every documented flag and [tool.derive] value either works or is refused in one line.

Refused means exit 2 and a single line on stderr that names the flag or the file and key,
never a traceback.  The values are the ones that slipped through before: ``--time-limit inf``
(accepted, and the symbolic proofs were silently skipped), ``nan``, ``1e309``, tiny limits
(a bare ``_Alarm`` traceback), ``--samples`` below the 32 points a ``checked`` verdict
promises, an empty ``fail-on`` (every run passed), and a ``--config`` file that does not exist
or is not TOML (silently ignored).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import derive.generate.derivation as derivation_module
from derive import cli
from derive.config import ConfigError, load_config

USAGE = 2
PROVED = "$$\n2x = x + x\n$$\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text(PROVED)


def derive(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``derive ARGS`` in this process: (exit code, stdout, stderr)."""
    try:
        code = cli.main(list(args))
    except SystemExit as stop:  # argparse refuses a flag this way
        code = stop.code if isinstance(stop.code, int) else USAGE
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_refused(result: tuple[int, str, str], *words: str) -> None:
    code, out, err = result
    assert code == USAGE, (code, out, err)
    assert err.count("\n") == 1 and err.startswith("derive"), err
    assert "error" in err and "Traceback" not in err
    for word in words:
        assert word in err, err


# ---- --time-limit ---------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["check", "build", "steps"])
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "0", "-0", "-1", "1e309", "1e-400",
                                   "abc", ""])
def test_time_limits_that_are_not_finite_positive_seconds_are_refused(
    capsys: pytest.CaptureFixture[str], command: str, value: str,
) -> None:
    target = {"check": "a.md", "build": "sigmoid", "steps": "x^2"}[command]
    assert_refused(derive(capsys, command, target, "--time-limit", value), "--time-limit")


def test_a_tiny_time_limit_ends_claims_unknown_not_in_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # measured before: --time-limit 1e-6 escaped as a bare _Alarm traceback (an alarm that
    # fired before the guarded call started)
    code, out, err = derive(capsys, "check", "--time-limit", "1e-9", "a.md")
    assert "1 unknown" in out and "time limit" in out
    assert code == 1 and "Traceback" not in err


def test_a_large_finite_time_limit_works(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = derive(capsys, "check", "--time-limit", "1e300", "a.md")
    assert "1 proved" in out and code == 0


# ---- --samples ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "-1", "31", "8", "1.5", "32.0", "abc", ""])
def test_samples_below_32_or_not_whole_are_refused(
    capsys: pytest.CaptureFixture[str], value: str,
) -> None:
    assert_refused(derive(capsys, "check", "--samples", value, "a.md"), "--samples")


@pytest.mark.parametrize("value", ["32", "64", "1000"])
def test_samples_of_32_or_more_are_accepted(value: str) -> None:
    args = cli.build_parser().parse_args(["check", "--samples", value, "a.md"])
    assert args.samples == int(value)


# ---- --fail-on ------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "word"), [
    ("", "names no verdict"), (",", "names no verdict"), (" , ", "names no verdict"),
    ("maybe", "'maybe'"), ("refuted,maybe", "'maybe'"), ("refuted;unknown", "'refuted;unknown'"),
])
def test_fail_on_values_that_name_no_known_verdict_are_refused(
    capsys: pytest.CaptureFixture[str], value: str, word: str,
) -> None:
    assert_refused(derive(capsys, "check", "--fail-on", value, "a.md"), word)


def test_fail_on_words_ignore_case_and_spaces(capsys: pytest.CaptureFixture[str]) -> None:
    (Path("wrong.md")).write_text("$$\n1+1 = 3\n$$\n")
    code, _, _ = derive(capsys, "check", "--fail-on", " Refuted ", "wrong.md")
    assert code == 1
    code, _, _ = derive(capsys, "check", "--fail-on", "unknown", "wrong.md")
    assert code == 0


def test_other_flag_mistakes_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert_refused(derive(capsys, "check", "--format", "html", "a.md"), "--format")
    assert_refused(derive(capsys, "check", "--imaginary-unit", "k", "a.md"), "--imaginary-unit")
    assert_refused(derive(capsys, "check", "--no-such-flag", "a.md"), "--no-such-flag")
    assert_refused(derive(capsys, "nonsense"), "nonsense")


# ---- [tool.derive] --------------------------------------------------------------------------

def _pyproject(body: str) -> Path:
    path = Path("pyproject.toml")
    path.write_text(f"[tool.derive]\n{body}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "words"), [
    ("fail-on = []", ["fail-on names no verdict"]),
    ("fail-on = ''", ["fail-on names no verdict"]),
    ("fail-on = [1]", ["fail-on must be a string or a list of strings"]),
    ("fail-on = ['refuted', 'sometimes']", ["'sometimes'"]),
    ("time-limit = inf", ["time-limit must be a positive float", "inf"]),
    ("time-limit = nan", ["time-limit must be a positive float", "nan"]),
    ("time-limit = 0", ["time-limit must be a positive float"]),
    ("time-limit = -1.5", ["time-limit must be a positive float"]),
    ("time-limit = '5'", ["time-limit must be a positive float", "'5'"]),
    ("time-limit = true", ["time-limit must be a positive float"]),
    ("samples = 8", ["samples must be a positive int of at least 32"]),
    ("samples = 0", ["samples must be a positive int"]),
    ("samples = 40.0", ["samples must be a positive int"]),
    ("samples = '64'", ["samples must be a positive int"]),
    ("paths = 3", ["paths must be a list of strings"]),
    ("exclude = [1]", ["exclude must be a list of strings"]),
    ("definitions = [true]", ["definitions must be a list of strings"]),
    ("macros = 3", ["macros must be a table"]),
    ("imaginary-unit = 'k'", ["imaginary-unit"]),
    ("time_limit = 5", ["unknown key 'time_limit'"]),
])
def test_bad_config_values_are_refused_with_the_file_and_key(
    capsys: pytest.CaptureFixture[str], body: str, words: list[str],
) -> None:
    path = _pyproject(body)
    with pytest.raises(ConfigError) as caught:
        load_config(Path.cwd())
    assert str(path.resolve()) in str(caught.value)
    assert_refused(derive(capsys, "check", "a.md"), *words)


def test_a_table_that_is_not_a_table_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    Path("pyproject.toml").write_text("[tool]\nderive = 3\n")
    assert_refused(derive(capsys, "check", "a.md"), "[tool.derive] must be a table")


def test_a_pyproject_that_is_not_utf8_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    Path("pyproject.toml").write_bytes(b"[tool.derive]\nsamples = 64 # \xff\n")
    assert_refused(derive(capsys, "check", "a.md"), "pyproject.toml", "cannot decode as UTF-8")


def test_good_config_values_apply(capsys: pytest.CaptureFixture[str]) -> None:
    Path("wrong.md").write_text("$$\n1+1 = 3\n$$\n")
    _pyproject("fail-on = ['unknown']\nsamples = 64\ntime-limit = 7\npaths = ['wrong.md']")
    config = load_config(Path.cwd())
    assert (config.fail_on, config.samples, config.time_limit) == (("unknown",), 64, 7.0)
    code, out, _ = derive(capsys, "check")
    assert "1 refuted" in out and code == 0  # refuted does not fail under fail-on = unknown


# ---- --config -------------------------------------------------------------------------------

def test_config_names_exactly_the_file_it_reads(capsys: pytest.CaptureFixture[str]) -> None:
    Path("settings").mkdir()
    Path("settings/docs").mkdir()
    Path("settings/docs/wrong.md").write_text("$$\n1+1 = 3\n$$\n")
    Path("settings/derive.toml").write_text(
        "[tool.derive]\npaths = ['docs']\nfail-on = 'unknown'\n")
    code, out, _ = derive(capsys, "check", "--config", "settings/derive.toml")
    # paths are relative to the file's folder; its fail-on applies
    assert os.path.join("settings", "docs", "wrong.md") in out and "1 refuted" in out
    assert code == 0


@pytest.mark.parametrize(("make", "words"), [
    (None, ["nope.toml: no such file or folder"]),
    ("folder", ["cfg: cannot read file: a folder, not a regular file"]),
    ("not toml", ["cfg: invalid TOML"]),
    ("no table", ["cfg: no [tool.derive] table"]),
    ("binary", ["cfg: cannot decode as UTF-8"]),
])
def test_a_config_file_that_cannot_be_used_is_refused(
    capsys: pytest.CaptureFixture[str], make: str | None, words: list[str],
) -> None:
    name = "nope.toml" if make is None else "cfg"
    if make == "folder":
        Path(name).mkdir()
    elif make == "not toml":
        Path(name).write_text("# a title\n$$ x = 1 $$\n")
    elif make == "no table":
        Path(name).write_text("[project]\nname = 'x'\n")
    elif make == "binary":
        Path(name).write_bytes(b"\x00\x01\x02\xff")
    assert_refused(derive(capsys, "check", "--config", name, "a.md"), *words)


def test_a_config_fifo_is_never_opened(tmp_path: Path) -> None:
    os.mkfifo("pipe.toml")
    result = subprocess.run(
        [sys.executable, "-m", "derive", "check", "--config", "pipe.toml", "a.md"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == USAGE
    assert result.stderr == ("derive check: error: pipe.toml: cannot read file: a FIFO, "
                             "not a regular file\n")


# ---- derive build -o ------------------------------------------------------------------------

@pytest.mark.parametrize(("output", "words"), [
    ("a.md", ["-o a.md: not a folder"]),
    ("a.md/sub", ["-o a.md/sub: a.md is not a folder"]),
])
def test_an_output_folder_that_cannot_be_one_is_refused_before_building(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, output: str,
    words: list[str],
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("built before the output folder was checked")

    monkeypatch.setattr(derivation_module, "build_derivation", never)
    assert_refused(derive(capsys, "build", "sigmoid", "-o", output), *words)
