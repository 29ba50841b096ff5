"""File names chosen by an attacker: not UTF-8, or shaped like GitHub workflow commands.

Every format must still be written (SARIF and JUnit stay valid, URIs percent-encode the
raw bytes), the text report must never start a line with something the Actions runner
executes as a command, and ``--format github`` must keep the exact path (escaped per the
workflow-command rules). Outputs are produced in a strict UTF-8 locale, where printing a
lone surrogate used to be a UnicodeEncodeError traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest

from layerlint.testing import write_project

VIOLATION = b"from fastapi import HTTPException\n\ndef g():\n    raise HTTPException(404)\n"
NOT_UTF8 = b"app/services/bad\xff\xfe.py"
COMMAND_NAMES = [b"::error file=x::boom.py", b"::warning::/x.py", b"##[error]y.py"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    write_project(root, {"app/__init__.py": "", "app/services/__init__.py": ""})
    for name in (NOT_UTF8, *COMMAND_NAMES):
        target = os.path.join(os.fsencode(root), name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(VIOLATION)
    return root


def check(root: Path, *args: str) -> bytes:
    """``layerlint check`` in a strict UTF-8 locale; exit 1 and a quiet stderr required."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-m", "layerlint.cli", "check", "--no-cache", *args],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr.decode(errors="replace")
    assert result.stderr == b""
    return result.stdout


def output_of(root: Path, fmt: str, to_file: bool) -> bytes:
    if not to_file:
        return check(root, "--format", fmt)
    target = root.parent / f"{root.name}-report.{fmt}"
    assert check(root, "--format", fmt, "-o", str(target)) == b""
    return target.read_bytes()


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
def test_sarif_percent_encodes_raw_bytes(project: Path, to_file: bool) -> None:
    document = json.loads(output_of(project, "sarif", to_file))
    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in document["runs"][0]["results"]
        for location in result["locations"]
    }
    assert all(uri.isascii() and " " not in uri for uri in uris)
    assert {unquote_to_bytes(uri) for uri in uris} == {NOT_UTF8, *COMMAND_NAMES}


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
def test_junit_stays_well_formed(project: Path, to_file: bool) -> None:
    data = output_of(project, "junit", to_file)
    data.decode("utf-8")  # strict: the document is UTF-8
    names = {case.get("name") for case in ET.fromstring(data).iter("testcase")}
    assert "app/services/bad\\xff\\xfe.py" in names
    assert "::error file=x::boom.py" in names


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
def test_text_never_starts_a_line_with_a_workflow_command(project: Path, to_file: bool) -> None:
    text = output_of(project, "text", to_file).decode("utf-8")
    assert not [line for line in text.splitlines() if line.lstrip().startswith(("::", "##["))]
    assert "./::error file=x::boom.py:4:25: LL201 " in text
    assert "./::warning::/x.py:4:25: LL201 " in text
    assert "./##[error]y.py:4:25: LL201 " in text
    assert "app/services/bad\\xff\\xfe.py:4:5: LL104 " in text


def unescape(value: str) -> str:
    for escape, char in (("%3A", ":"), ("%2C", ","), ("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        value = value.replace(escape, char)
    return value


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
def test_github_keeps_paths_exact(project: Path, to_file: bool) -> None:
    lines = output_of(project, "github", to_file).splitlines()
    assert lines and all(line.startswith(b"::error file=") for line in lines)
    files = set()
    for line in lines:
        properties = line[len(b"::error ") :].split(b"::", 1)[0]
        first = properties.split(b",", 1)[0]
        files.add(os.fsencode(unescape(os.fsdecode(first[len(b"file=") :]))))
    assert files == {NOT_UTF8, *COMMAND_NAMES}


def test_baseline_round_trips_names_that_are_not_utf8(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    command = [sys.executable, "-m", "layerlint.cli", "check", "--no-cache"]
    written = subprocess.run(
        [*command, "--write-baseline", str(target)],
        cwd=project,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert written.returncode == 0, written.stderr.decode(errors="replace")
    paths = {entry["path"] for entry in json.loads(target.read_bytes().decode("utf-8"))["entries"]}
    assert os.fsdecode(NOT_UTF8) in paths
    again = subprocess.run(
        [*command, "--baseline", str(target)],
        cwd=project,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stdout.decode(errors="replace")
    assert b"Traceback" not in again.stderr
