"""A checked repository is untrusted: nothing in it may run code, leak, or escape the root.

Each test plants what an attacker can commit (a pickle in the cache folder, a symlink to
``/proc/self/environ`` or out of the checkout, a symlinked cache folder) and shows that
every way of running layerlint treats it as inert data.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from layerlint.cache import CACHE_FILE, MAGIC, RESULTS_FILE
from layerlint.cache_key import MAC_SIZE
from layerlint.testing import write_project

SERVICE = "from fastapi import HTTPException\n\ndef f():\n    raise HTTPException(404)\n"
ROUTE = (
    "from fastapi import APIRouter\n"
    "router = APIRouter()\n"
    "@router.get('/x', status_code=200)\n"
    "def x() -> dict[str, str]:\n"
    "    return {}\n"
)
FILES = {
    "app/__init__.py": "",
    "app/services/__init__.py": "",
    "app/services/user_service.py": SERVICE,
    "app/routes/__init__.py": "",
    "app/routes/items.py": ROUTE,
}


class _RunsCommand:
    """Unpickling this object runs a shell command (what a committed cache could do)."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


def _hostile_payloads(marker: Path) -> list[bytes]:
    evil = pickle.dumps(_RunsCommand(f"touch {marker}"), protocol=2)
    return [
        evil,  # a bare pickle, as older layerlint versions wrote
        MAGIC + b"\0" * MAC_SIZE + evil,  # our header with a forged MAC
        MAGIC + os.urandom(MAC_SIZE) + evil,
    ]


def _layerlint(
    root: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layerlint.cli", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        input=stdin,
    )


def _flake8(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LL", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _plant(folder: Path, payload: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in (CACHE_FILE, RESULTS_FILE):
        (folder / name).write_bytes(payload)


def _project(root: Path, files: Mapping[str, str] = FILES, config: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    write_project(root, files, config)
    return root


RUNS = [
    ("check",),
    ("check", "--jobs", "1"),
    ("check", "--fix"),
    ("check", "--diff"),
    ("graph", "."),
]


@pytest.mark.parametrize("payload_index", [0, 1, 2])
@pytest.mark.parametrize("args", RUNS, ids=[" ".join(a) for a in RUNS])
def test_planted_cache_pickle_never_runs(
    tmp_path: Path, args: tuple[str, ...], payload_index: int
) -> None:
    root = _project(tmp_path / "project")
    marker = tmp_path / "pwned"
    _plant(root / ".layerlint_cache", _hostile_payloads(marker)[payload_index])
    result = _layerlint(root, *args)
    assert not marker.exists(), "a committed cache file ran code"
    assert "Traceback" not in result.stderr
    if args[0] == "check" and "--diff" not in args:
        assert "LL104" in result.stdout  # the planted results were not believed either


def test_planted_pickle_in_a_configured_cache_dir_never_runs(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", config='[tool.layerlint]\ncache-dir = "var/cache"\n')
    marker = tmp_path / "pwned"
    for payload in _hostile_payloads(marker):
        _plant(root / "var" / "cache", payload)
        for args in (("check",), ("check", "--jobs", "1"), ("check", "--fix")):
            _layerlint(root, *args)
        _flake8(root)
        assert not marker.exists()


def test_planted_cache_pickle_never_runs_under_flake8(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    marker = tmp_path / "pwned"
    for payload in _hostile_payloads(marker):
        _plant(root / ".layerlint_cache", payload)
        result = _flake8(root)
        assert not marker.exists()
        assert "LL104" in result.stdout, result.stderr


def test_forged_results_cannot_claim_success(tmp_path: Path) -> None:
    """A planted, well-formed results file (no code in it) must not replace the analysis."""
    from layerlint.engine import RawResults

    root = _project(tmp_path / "project")
    forged = pickle.dumps(("any key", RawResults((), {})))
    _plant(root / ".layerlint_cache", MAGIC + b"\0" * MAC_SIZE + forged)
    result = _layerlint(root, "check", "--format", "sarif", "-o", "out.sarif")
    assert result.returncode == 1
    sarif = json.loads((root / "out.sarif").read_text())
    assert any(r["ruleId"] == "LL104" for r in sarif["runs"][0]["results"])


def test_cache_written_by_layerlint_is_reused(tmp_path: Path) -> None:
    """The MAC costs nothing in function: a second run still reads the cache."""
    from layerlint.cache import read_pickle
    from layerlint.cache_key import cache_key

    root = _project(tmp_path / "project")
    assert _layerlint(root, "check").returncode == 1
    stored = read_pickle(root / ".layerlint_cache" / RESULTS_FILE, cache_key(root.resolve()))
    assert isinstance(stored, tuple) and len(stored) == 2


def test_key_inside_the_checked_project_is_not_trusted(tmp_path: Path) -> None:
    """If the key folder lies inside the project, its author could have committed it."""
    from layerlint.cache_key import KEY_DIR_VARIABLE, cache_key

    root = _project(tmp_path / "project")
    inside = root / ".keys"
    inside.mkdir()
    (inside / "cache.key").write_bytes(b"k" * 32)
    os.chmod(inside / "cache.key", 0o600)
    previous = os.environ.get(KEY_DIR_VARIABLE)
    os.environ[KEY_DIR_VARIABLE] = str(inside)
    try:
        assert cache_key(root) != b"k" * 32
    finally:
        if previous is not None:
            os.environ[KEY_DIR_VARIABLE] = previous


def test_adding_a_router_changes_a_cached_service_like_a_cold_run(tmp_path: Path) -> None:
    """Per-file results depend on the file's layer, which depends on its neighbours."""
    files = {"shop/service.py": SERVICE}
    root = _project(tmp_path / "project", files)
    _layerlint(root, "check")
    (root / "shop" / "router.py").write_text(ROUTE)
    warm = _layerlint(root, "check", "--format", "json")
    cold = _layerlint(root, "check", "--format", "json", "--no-cache")
    assert json.loads(warm.stdout)["diagnostics"] == json.loads(cold.stdout)["diagnostics"]


# --- symlinks -------------------------------------------------------------------------


def test_symlink_to_proc_environ_is_not_read(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    os.symlink("/proc/self/environ", root / "app" / "env.py")
    secret = "LAYERLINT_TEST_SECRET_VALUE_1234"
    env = {**os.environ, "CI_SECRET": secret}
    result = subprocess.run(
        [sys.executable, "-m", "layerlint.cli", "check", "-v", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert secret not in result.stdout + result.stderr
    paths = {d["path"] for d in json.loads(result.stdout)["diagnostics"]}
    assert "app/env.py" not in paths
    assert "app/env.py: skipped: links outside the project" in result.stderr


def test_symlinked_folder_out_of_the_project_is_neither_read_nor_fixed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.py"
    original = "from fastapi import HTTPException\nraise HTTPException(404)\n"
    victim.write_text(original)
    root = _project(tmp_path / "project")
    os.symlink(outside, root / "app" / "linked")
    result = _layerlint(root, "check", "--fix", "--format", "json")
    assert victim.read_text() == original
    assert "app/linked" not in result.stdout


def test_fifo_and_device_named_py_are_skipped(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    os.mkfifo(root / "app" / "pipe.py")
    os.symlink("/dev/zero", root / "app" / "zero.py")
    result = _layerlint(root, "check", "--format", "json")
    assert result.returncode == 1, result.stderr
    paths = {d["path"] for d in json.loads(result.stdout)["diagnostics"]}
    assert not paths & {"app/pipe.py", "app/zero.py"}


def test_symlinked_file_inside_the_root_is_fixed_through_its_target(tmp_path: Path) -> None:
    files = {
        "app/routes/__init__.py": "",
        "app/routes/real.py": ROUTE,
    }
    root = _project(tmp_path / "project", files)
    os.symlink("real.py", root / "app" / "routes" / "alias.py")
    _layerlint(root, "check", "--fix")
    link = root / "app" / "routes" / "alias.py"
    assert link.is_symlink()
    assert "status.HTTP_200_OK" in (root / "app" / "routes" / "real.py").read_text()


@pytest.mark.parametrize("option", ["-o", "--write-baseline"])
def test_outputs_never_write_through_a_committed_symlinked_folder(
    tmp_path: Path, option: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = _project(tmp_path / "project")
    os.symlink(outside, root / "reports")
    result = _layerlint(root, "check", option, "reports/out.txt")
    assert result.returncode == 2
    assert "symlink" in result.stderr and "Traceback" not in result.stderr
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("option", ["-o", "--write-baseline"])
def test_output_file_that_is_a_committed_symlink_is_replaced_not_followed(
    tmp_path: Path, option: str
) -> None:
    target = tmp_path / "setup.py"
    target.write_text("# precious\n")
    root = _project(tmp_path / "project")
    os.symlink(target, root / "report.txt")
    _layerlint(root, "check", option, "report.txt")
    assert target.read_text() == "# precious\n"
    assert not (root / "report.txt").is_symlink()
    assert (root / "report.txt").stat().st_size > 0


# --- cache location -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "  ", "/tmp/elsewhere", "../outside", "x/../.."])
def test_cache_dir_outside_the_project_is_a_config_error(tmp_path: Path, value: str) -> None:
    root = _project(tmp_path / "project", config=f"[tool.layerlint]\ncache-dir = {value!r}\n")
    result = _layerlint(root, "check")
    assert result.returncode == 2
    assert "cache-dir" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_symlinked_cache_folder_is_not_used(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = _project(tmp_path / "project")
    os.symlink(elsewhere, root / ".layerlint_cache")
    result = _layerlint(root, "check")
    assert result.returncode == 1
    assert list(elsewhere.iterdir()) == []
    assert "cache not used" in result.stderr


def test_symlinked_gitignore_in_the_cache_folder_is_not_followed(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    (root / ".layerlint_cache").mkdir()
    victim = tmp_path / "created-elsewhere"
    os.symlink(victim, root / ".layerlint_cache" / ".gitignore")
    _layerlint(root, "check")
    assert not victim.exists()
