"""A run that says it checked, checked; fixes never lose data; workers never linger.

Covers what a user (or pre-commit, or an editor through flake8) can hand layerlint:
paths that select nothing, several projects in one call, a configuration file in a
sibling folder, unsaved buffers, files that change or cannot be written while fixing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from layerlint.config import parse_config
from layerlint.engine import RunOptions, run
from layerlint.testing import write_project

SERVICE = "from fastapi import HTTPException\n\ndef f():\n    raise HTTPException(404)\n"
ROUTE = (
    "from fastapi import APIRouter\n"
    "router = APIRouter()\n"
    "@router.get('/x', status_code=200)\n"
    "def x() -> dict[str, str]:\n"
    "    return {}\n"
)


def _project(root: Path, files: Mapping[str, str], config: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    write_project(root, files, config)
    return root


def _layerlint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layerlint.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _json_findings(result: subprocess.CompletedProcess[str]) -> set[tuple[str, int, str]]:
    return {(d["path"], d["line"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]}


# --- a run that checks nothing says so -------------------------------------------------


def test_paths_without_python_files_are_a_usage_error(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", {"app/services/user_service.py": SERVICE})
    (root / "docs").mkdir()
    (root / "docs" / "README.md").write_text("# docs\n")
    for args in (("docs",), ("docs/README.md",)):
        result = _layerlint(root, "check", *args)
        assert result.returncode == 2, result.stdout
        assert result.stderr == f"layerlint: error: no Python files to check in: {args[0]}\n"
        assert "All checks passed" not in result.stdout


def test_a_missing_path_is_named(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", {"app/services/user_service.py": SERVICE})
    result = _layerlint(root, "check", "app/services/gone.py")
    assert result.returncode == 2
    assert "app/services/gone.py: no such file or directory" in result.stderr


def test_an_excluded_file_named_explicitly_is_reported_as_excluded(tmp_path: Path) -> None:
    root = _project(
        tmp_path / "p",
        {"app/services/user_service.py": SERVICE, "scripts/once.py": SERVICE},
        config='[tool.layerlint]\nexclude = ["scripts/**"]\n',
    )
    result = _layerlint(root, "check", "scripts/once.py")
    assert result.returncode == 0
    assert "scripts/once.py: excluded by the configuration; not checked" in result.stderr


def test_a_file_named_explicitly_is_checked_inside_a_skipped_folder(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", {"build/services/user_service.py": SERVICE})
    assert _layerlint(root, "check").returncode == 2  # the walk alone skips build output
    result = _layerlint(root, "check", "--format", "json", "build/services/user_service.py")
    assert result.returncode == 1, result.stderr
    assert ("build/services/user_service.py", 4, "LL104") in _json_findings(result)


def test_config_in_a_sibling_folder_chooses_settings_not_files(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", {"app/services/user_service.py": SERVICE})
    (root / "pyproject.toml").unlink()
    settings = tmp_path / "settings"
    settings.mkdir()
    (settings / "layerlint.toml").write_text('[tool.layerlint]\nignore = ["LL106"]\n')
    result = _layerlint(
        root, "check", "--format", "json", "--config", "../settings/layerlint.toml", "app"
    )
    assert result.returncode == 1, result.stderr
    found = _json_findings(result)
    assert ("app/services/user_service.py", 4, "LL104") in found
    assert not any(code == "LL106" for _, _, code in found)


def test_paths_from_two_projects_are_each_checked_in_their_own_project(tmp_path: Path) -> None:
    """A monorepo call from pre-commit: both projects have an ``app`` package."""
    _project(tmp_path / "billing", {"app/services/pay_service.py": SERVICE})
    _project(
        tmp_path / "shop",
        {"app/services/cart_service.py": SERVICE},
        config='[tool.layerlint]\nignore = ["LL104"]\n',
    )
    result = _layerlint(
        tmp_path,
        "check",
        "--format",
        "json",
        "billing/app/services/pay_service.py",
        "shop/app/services/cart_service.py",
    )
    assert result.returncode == 1, result.stderr
    found = _json_findings(result)
    assert ("billing/app/services/pay_service.py", 4, "LL104") in found
    assert ("shop/app/services/cart_service.py", 1, "LL106") in found
    assert ("shop/app/services/cart_service.py", 4, "LL104") not in found  # its own config
    assert json.loads(result.stdout)["summary"]["files"] == 2


# --- fixes never lose data -------------------------------------------------------------


def _fix(root: Path) -> subprocess.CompletedProcess[str]:
    return _layerlint(root, "check", "--fix")


def test_fix_keeps_hard_links_and_mode(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", {"app/routes/items.py": ROUTE})
    path = root / "app" / "routes" / "items.py"
    os.chmod(path, 0o640)
    twin = tmp_path / "twin.py"
    os.link(path, twin)
    _fix(root)
    assert "status.HTTP_200_OK" in twin.read_text()
    assert os.stat(path).st_ino == os.stat(twin).st_ino
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_read_only_file_is_reported_and_the_others_are_fixed(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", {"app/routes/items.py": ROUTE, "app/routes/orders.py": ROUTE})
    locked = root / "app" / "routes" / "orders.py"
    os.chmod(locked, 0o444)
    result = _fix(root)
    assert locked.read_text() == ROUTE
    assert "app/routes/orders.py: not fixed: the file is read-only" in result.stderr
    assert "status.HTTP_200_OK" in (root / "app" / "routes" / "items.py").read_text()
    assert "Traceback" not in result.stderr


def test_fix_never_overwrites_an_edit_saved_while_it_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import layerlint.fix_run as autofix_module
    from layerlint.fix_run import autofix

    root = _project(tmp_path / "p", {"app/routes/items.py": ROUTE})
    path = root / "app" / "routes" / "items.py"
    users_edit = ROUTE + "# saved by the user while layerlint ran\n"
    original_fix_source = autofix_module.fix_source

    def fix_then_user_saves(*args: object, **kwargs: object) -> object:
        outcome = original_fix_source(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(users_edit)
        return outcome

    monkeypatch.setattr(autofix_module, "fix_source", fix_then_user_saves)
    config = parse_config({}, root.resolve())
    report = autofix(config, RunOptions(jobs=1, use_cache=False), unsafe=False, write=True)
    assert path.read_text() == users_edit
    (outcome,) = report.files
    assert outcome.problem == "not fixed: the file changed while layerlint was running"


@pytest.mark.parametrize(
    "text",
    [
        ROUTE.replace("\n", "\r"),  # CR-only endings: the parser would drop the last one
    ],
)
def test_files_the_parser_cannot_reproduce_are_not_fixed(tmp_path: Path, text: str) -> None:
    root = _project(tmp_path / "p", {"app/routes/__init__.py": ""})
    path = root / "app" / "routes" / "items.py"
    path.write_bytes(text.encode())
    result = _fix(root)
    assert path.read_bytes() == text.encode()
    assert "not fixed: the parser does not reproduce this file byte for byte" in result.stderr


def test_fix_keeps_trailing_blank_lines_and_crlf(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", {"app/routes/__init__.py": ""})
    path = root / "app" / "routes" / "items.py"
    path.write_bytes((ROUTE + "\n\n\n").replace("\n", "\r\n").encode())
    _fix(root)
    fixed = path.read_bytes()
    assert b"status.HTTP_200_OK" in fixed
    assert fixed.endswith(b"return {}\r\n\r\n\r\n\r\n")
    assert b"\n" not in fixed.replace(b"\r\n", b"")


# --- workers ---------------------------------------------------------------------------


def _many_files(count: int, lines: int) -> dict[str, str]:
    body = "".join(f"def f{i}(x):\n    return [x + {i} for _ in range(3)]\n" for i in range(lines))
    files = {f"app/mod_{n}.py": body for n in range(count)}
    files["app/services/user_service.py"] = SERVICE
    return files


def test_a_crashing_worker_is_one_ll000_and_the_rest_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import layerlint.workers as workers

    root = _project(tmp_path / "p", {**_many_files(30, 2), "app/boom.py": "x = 1\n"})
    original = workers.collect

    def collect_or_die(info, source, rules):  # type: ignore[no-untyped-def]
        if info.path == "app/boom.py":
            import faulthandler

            faulthandler.disable()  # a crash like a native parser's, without the dump
            os.kill(os.getpid(), signal.SIGSEGV)
        return original(info, source, rules)

    monkeypatch.setattr(workers, "collect", collect_or_die)
    result = run(parse_config({}, root.resolve()), RunOptions(jobs=2, use_cache=False))
    found = {(d.path, d.code) for d in result.diagnostics}
    assert ("app/boom.py", "LL000") in found
    assert ("app/services/user_service.py", "LL104") in found
    assert result.files_checked == 32
    assert [d.path for d in result.diagnostics if d.code == "LL000"] == ["app/boom.py"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", _many_files(60, 400))
    parent = subprocess.Popen(
        [sys.executable, "-m", "layerlint.cli", "check", "--no-cache", "--jobs", "2"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: list[int] = []
    deadline = time.monotonic() + 60
    while not children and time.monotonic() < deadline and parent.poll() is None:
        children = _children_of(parent.pid)
        time.sleep(0.05)
    assert children, "no worker process was seen"
    time.sleep(0.3)  # let the workers arm their parent-death signal
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)], "orphaned workers left running"


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- flake8 on stdin -------------------------------------------------------------------


def test_flake8_on_stdin_checks_the_buffer_not_the_file(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", {"app/services/user_service.py": "def f():\n    return 1\n"})

    def flake8(name: str, buffer: str) -> list[str]:
        result = subprocess.run(
            [sys.executable, "-m", "flake8", "--select", "LL", "--stdin-display-name", name, "-"],
            cwd=root,
            input=buffer,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return [line.split(": ", 1)[0] for line in result.stdout.splitlines()]

    assert flake8("app/services/user_service.py", SERVICE) == [
        "app/services/user_service.py:1:21",
        "app/services/user_service.py:4:5",
    ]
    # The clean file on disk stays clean, and a new unsaved file is checked as well.
    assert flake8("app/services/user_service.py", "def f():\n    return 1\n") == []
    assert flake8("app/services/new_service.py", SERVICE)[1] == "app/services/new_service.py:4:5"
