"""A hostile pyproject.toml is one line and exit 2, in `check` and inside flake8.

NUL characters in path-valued keys used to escape as ``ValueError: embedded null byte``
from the OS layer, deeply nested TOML as tomllib's RecursionError, and ``--config
/dev/zero`` as an endless read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from layerlint.testing import write_project

DEEP = "[" * 10_000 + "]" * 10_000


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('src = ["a\\u0000b"]', "src"),
        ('exclude = ["a\\u0000b"]', "exclude"),
        ('extend-exclude = ["a\\u0000b"]', "extend-exclude"),
        ('cache-dir = "cache\\u0000x"', "cache-dir"),
        ('baseline = "base\\u0000line.json"', "baseline"),
        ('per-file-ignores = { "a\\u0000b" = ["LL104"] }', "per-file-ignores"),
        ('[tool.layerlint.layers]\nservices = ["app.a\\u0000b"]', "layers"),
        (f"src = {DEEP}", ""),
    ],
    ids=[
        "src",
        "exclude",
        "extend-exclude",
        "cache-dir",
        "baseline",
        "per-file-ignores",
        "layers",
        "deep-toml",
    ],
)
def test_hostile_config_is_one_line_exit_two(tmp_path: Path, table: str, key: str) -> None:
    header = "" if table.startswith("[tool") else "[tool.layerlint]\n"
    write_project(tmp_path, {"app/x.py": "x = 1\n"}, header + table + "\n")
    result = run([sys.executable, "-m", "layerlint.cli", "check", "--no-cache"], tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("layerlint: error: ") and "pyproject.toml" in line
    assert f"[tool.layerlint] {key}" in line if key else "nested too deeply" in line


@pytest.mark.parametrize("key", ["src", "deep"])
def test_hostile_config_inside_flake8_is_a_clean_ll000(tmp_path: Path, key: str) -> None:
    table = 'src = ["a\\u0000b"]' if key == "src" else f"src = {DEEP}"
    write_project(tmp_path, {"app/x.py": "x = 1\n"}, f"[tool.layerlint]\n{table}\n")
    result = run([sys.executable, "-m", "flake8", "--select", "LL", "."], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr == ""
    (line,) = result.stdout.splitlines()
    assert " LL000 layerlint cannot run: " in line and "pyproject.toml" in line


def test_config_that_never_ends_is_refused(tmp_path: Path) -> None:
    write_project(tmp_path, {"app/x.py": "x = 1\n"})
    args = [sys.executable, "-m", "layerlint.cli", "check", "--config", "/dev/zero"]
    result = run(args, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "layerlint: error: /dev/zero: file too large (over 4 MB)"
    ]


def test_init_refuses_deeply_nested_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[x]\ny = {DEEP}\n")
    result = run([sys.executable, "-m", "layerlint.cli", "init"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "layerlint: error: pyproject.toml: TOML nested too deeply, not touching it"
    ]
