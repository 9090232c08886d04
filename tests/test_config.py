"""[tool.derive] in pyproject.toml, and command-line flags over it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from derive.config import Config, ConfigError, load_config, merge

TABLE = r"""
[project]
name = "example"

[tool.derive]
paths = ["docs", "README.md"]
exclude = ["docs/drafts/**"]
time-limit = 2.5
samples = 64
fail-on = "refuted, error"
definitions = ['\sigma(x) = \frac{1}{1+e^{-x}}']
"""


def write_pyproject(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_the_nearest_table_from_a_subfolder(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject = write_pyproject(tmp_path, TABLE)
    nested = tmp_path / "docs" / "deep"
    nested.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    config = load_config(nested)
    assert config.source == pyproject
    assert config.paths == ("docs", "README.md")
    assert config.exclude == ("docs/drafts/**",)
    assert config.time_limit == 2.5
    assert config.samples == 64
    assert set(config.fail_on) == {"refuted", "error"}
    assert config.definitions == (r"\sigma(x) = \frac{1}{1+e^{-x}}",)


def test_paths_are_given_relative_to_the_current_folder(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write_pyproject(tmp_path, TABLE)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    config = load_config(Path.cwd())
    assert config.paths == (str(Path("..") / "docs"), str(Path("..") / "README.md"))


def test_a_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    write_pyproject(tmp_path, TABLE)
    inner = write_pyproject(tmp_path / "pkg", "[project]\nname = 'inner'\n")
    config = load_config(inner.parent)
    assert config.source == tmp_path / "pyproject.toml"


def test_defaults_without_any_pyproject(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    if config.source is not None:  # a pyproject.toml above the temporary folder
        pytest.skip(f"found {config.source} above {tmp_path}")
    assert config == Config()
    assert set(config.fail_on) == {"refuted", "unknown", "error"}


def test_fail_on_as_a_list(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.derive]\nfail-on = ["unknown", "warning"]\n')
    assert set(load_config(tmp_path).fail_on) == {"unknown", "warning"}


@pytest.mark.parametrize(("body", "message"), [
    ("pathz = ['docs']", "unknown key 'pathz'"),
    ("fail-on = 'refuted,maybe'", "'maybe'"),
    ("fail-on = 3", "fail-on"),
    ("samples = 0", "samples must be a positive int"),
    ("samples = 2.5", "samples must be a positive int"),
    ("time-limit = -1", "time-limit must be a positive float"),
    ("time-limit = true", "time-limit"),
    ("exclude = [1, 2]", "exclude must be a list of strings"),
])
def test_bad_values_are_reported_with_the_file(tmp_path: Path, body: str, message: str) -> None:
    pyproject = write_pyproject(tmp_path, f"[tool.derive]\n{body}\n")
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(tmp_path)
    assert str(pyproject) in str(caught.value)


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    write_pyproject(tmp_path, "[tool.derive\npaths = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(tmp_path)


def test_command_line_flags_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_pyproject(tmp_path, TABLE)
    monkeypatch.chdir(tmp_path)
    config = load_config(tmp_path)
    args = argparse.Namespace(paths=["other.md"], time_limit=9.0, samples=None,
                              fail_on="unknown", exclude=["*.tex"], define=[r"f(x) = x"])
    merged = merge(config, args)
    assert merged.paths == ("other.md",)
    assert merged.time_limit == 9.0
    assert merged.samples == 64  # not given on the command line: the file's value stays
    assert merged.fail_on == ("unknown",)
    assert merged.exclude == ("docs/drafts/**", "*.tex")
    assert merged.definitions == (r"\sigma(x) = \frac{1}{1+e^{-x}}", "f(x) = x")


def test_merge_without_flags_keeps_the_file(tmp_path: Path) -> None:
    write_pyproject(tmp_path, TABLE)
    config = load_config(tmp_path)
    assert merge(config, {}) == config
    assert merge(config, {"paths": [], "fail_on": None}) == config
    with pytest.raises(ValueError, match="bogus"):
        merge(config, {"fail_on": "bogus"})
