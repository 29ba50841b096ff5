"""Baselines end to end: write, re-run, survive line shifts, catch new findings, go stale."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from layerlint import testing

SERVICE_PATH = "app/services/user_service.py"
SERVICE = """\
from fastapi import HTTPException


def get_user(user):
    if user is None:
        raise HTTPException(status_code=404)
    return user


def delete_user(user):
    if user is None:
        raise HTTPException(status_code=404)
    return None
"""
NEW_VIOLATION = """

def update_user(user):
    raise HTTPException(status_code=409)
"""
RAISE_404 = "        raise HTTPException(status_code=404)\n"
# The rules these tests are about, so that rules added later cannot change the counts.
CONFIG = '\n[tool.layerlint]\nselect = ["LL104", "LL106"]\n'


def layerlint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command line in ``root``."""
    return subprocess.run(
        [sys.executable, "-m", "layerlint.cli", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def findings(result: subprocess.CompletedProcess[str]) -> list[tuple[str, int, str]]:
    """(path, line, code) of a ``--format json`` run."""
    return [(d["path"], d["line"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A service with three findings (an import and two identical raises) and a baseline."""
    files = {"app/__init__.py": "", "app/services/__init__.py": "", SERVICE_PATH: SERVICE}
    testing.write_project(tmp_path, files, CONFIG)
    first = layerlint(tmp_path, "check", "--format", "json")
    assert first.returncode == 1 and len(findings(first)) == 3, first.stdout + first.stderr
    written = layerlint(tmp_path, "check", "--write-baseline", "baseline.json")
    assert written.returncode == 0, written.stderr
    assert "wrote 3 baseline entries to baseline.json" in written.stderr
    return tmp_path


def edit_service(root: Path, old: str, new: str, count: int = 1) -> None:
    path = root / SERVICE_PATH
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, count))


def test_baseline_file_is_versioned_and_has_no_line_numbers(project: Path) -> None:
    document = json.loads((project / "baseline.json").read_text())
    assert document["version"] == 1
    entries = document["entries"]
    assert [(e["code"], e["occurrence"]) for e in entries] == [
        ("LL104", 0),
        ("LL104", 1),
        ("LL106", 0),
    ]
    assert {e["line_text"] for e in entries if e["code"] == "LL104"} == {
        "raise HTTPException(status_code=404)"
    }
    assert all("line" not in e and e["path"] == SERVICE_PATH for e in entries)


def test_rerun_with_baseline_passes(project: Path) -> None:
    result = layerlint(project, "check", "--baseline", "baseline.json", "--format", "json")
    assert result.returncode == 0, result.stdout
    assert findings(result) == [] and result.stderr == ""


def test_baseline_survives_line_shifts_and_reindenting(project: Path) -> None:
    (project / SERVICE_PATH).write_text("\n\n\n" + (project / SERVICE_PATH).read_text())
    edit_service(project, RAISE_404, "        raise   HTTPException(status_code=404)\n")
    result = layerlint(project, "check", "--baseline", "baseline.json")
    assert result.returncode == 0, result.stdout
    assert result.stderr == ""


def test_only_the_new_finding_fails_the_run(project: Path) -> None:
    (project / SERVICE_PATH).write_text(
        "\n\n" + (project / SERVICE_PATH).read_text() + NEW_VIOLATION
    )
    result = layerlint(project, "check", "--baseline", "baseline.json", "--format", "json")
    assert result.returncode == 1
    assert findings(result) == [(SERVICE_PATH, 19, "LL104")]


def test_a_third_identical_finding_is_new(project: Path) -> None:
    edit_service(project, "    return None\n", RAISE_404 + "    return None\n")
    result = layerlint(project, "check", "--baseline", "baseline.json", "--format", "json")
    assert result.returncode == 1
    assert [code for _, _, code in findings(result)] == ["LL104"]


def test_fixed_findings_leave_stale_entries(project: Path) -> None:
    edit_service(project, RAISE_404, "        return None\n")
    result = layerlint(project, "check", "--baseline", "baseline.json", "--format", "json")
    assert result.returncode == 0
    assert result.stderr == (
        "layerlint: 1 baseline entry no longer matches; run --write-baseline to shrink it\n"
    )
    rewritten = layerlint(project, "check", "--write-baseline", "baseline.json")
    assert "wrote 2 baseline entries" in rewritten.stderr
    again = layerlint(project, "check", "--baseline", "baseline.json")
    assert again.returncode == 0 and again.stderr == ""


def test_partial_runs_do_not_call_entries_stale(project: Path) -> None:
    (project / "app/other.py").write_text("X = 1\n")
    only_other = layerlint(project, "check", "app/other.py", "--baseline", "baseline.json")
    assert only_other.returncode == 0 and only_other.stderr == ""
    narrow = layerlint(project, "check", "--select", "LL106", "--baseline", "baseline.json")
    assert narrow.returncode == 0 and narrow.stderr == ""


def test_configured_baseline_is_relative_to_the_project_root(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'baseline = "baseline.json"\n')
    from_root = layerlint(project, "check")
    assert from_root.returncode == 0, from_root.stdout + from_root.stderr
    from_subfolder = layerlint(project / "app" / "services", "check")
    assert from_subfolder.returncode == 0, from_subfolder.stdout + from_subfolder.stderr
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LL", "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert flake8.returncode == 0 and flake8.stdout == "", flake8.stdout


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot read baseline"),
        ("{not json", "invalid JSON"),
        ('{"version": 99, "entries": []}', "unsupported baseline version 99"),
        ('{"entries": []}', "no version field"),
        (
            '{"version": 1, "entries": [{"code": "LL104"}]}',
            "baseline entry 0: 'path' must be a string",
        ),
    ],
)
def test_bad_baseline_is_a_usage_error(project: Path, content: str | None, problem: str) -> None:
    if content is not None:
        (project / "bad.json").write_text(content)
    result = layerlint(project, "check", "--baseline", "bad.json")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("layerlint: error: bad.json: "), result.stderr
    assert problem in lines[0]
    assert result.stdout == ""
