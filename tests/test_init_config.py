"""``layerlint init`` end to end: the block it appends loads, changes nothing else, and
pins the layout auto-detection found (module names and findings stay the same)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from layerlint.config import load_config
from layerlint.discovery import discover

EXISTING = b"""# my project
[project]
name = "shop"   # keep this comment
version = "1.0"

[tool.ruff]
line-length = 99
"""

LAYERED = {  # the ai1-skills seed layout: app/{core,models,schemas,repositories,services,api}
    "app/__init__.py": "",
    "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    "app/core/__init__.py": "",
    "app/core/config.py": "DEBUG = False\n",
    "app/core/database.py": "URL = 'sqlite://'\n",
    "app/models/__init__.py": "",
    "app/models/user.py": "class User:\n    pass\n",
    "app/schemas/__init__.py": "",
    "app/schemas/user.py": "class UserOut:\n    pass\n",
    "app/repositories/__init__.py": "",
    "app/repositories/user_repo.py": (
        "from app.models.user import User\n\n\nclass UserRepository:\n    model = User\n"
    ),
    "app/services/__init__.py": "",
    "app/services/user_service.py": (
        "from fastapi import HTTPException\n\n\ndef get(user):\n"
        "    if user is None:\n        raise HTTPException(status_code=404)\n    return user\n"
    ),
    "app/api/__init__.py": "",
    "app/api/routes/__init__.py": "",
    "app/api/routes/users.py": (
        "from app.repositories.user_repo import UserRepository\n\nREPO = UserRepository\n"
    ),
    "tests/test_users.py": "def test_nothing():\n    pass\n",
}

BY_FEATURE = {  # the package-by-feature layout: src/<feature>/{router,service,models,...}.py
    "src/auth/__init__.py": "",
    "src/auth/router.py": "from src.auth import service\n",
    "src/auth/service.py": "from src.auth.models import Account\n",
    "src/auth/models.py": "class Account:\n    pass\n",
    "src/auth/schemas.py": "class AccountOut:\n    pass\n",
    "src/posts/__init__.py": "",
    "src/posts/router.py": "from src.posts.dependencies import valid_post\n",
    "src/posts/dependencies.py": "def valid_post():\n    return None\n",
    "src/config.py": "DEBUG = False\n",
    "src/main.py": "APP = None\n",
}


def write(root: Path, files: Mapping[str, str]) -> Path:
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root


def layerlint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command line, run in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "layerlint.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def modules(root: Path, src: tuple[str, ...] = ()) -> dict[str, str]:
    return {f.relative: f.module for f in discover(root, src, ())}


def findings(root: Path) -> set[tuple[str, int, str]]:
    result = layerlint(root, "check", "--format", "json", "--no-cache")
    assert result.returncode in (0, 1), result.stderr
    return {(d["path"], d["line"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]}


@pytest.mark.parametrize(
    ("files", "src"),
    [
        (LAYERED, ("app",)),
        (BY_FEATURE, ("src",)),
        ({**BY_FEATURE, "tests/test_auth.py": "X = 1\n"}, (".", "src")),
    ],
)
def test_init_appends_a_block_that_loads(
    tmp_path: Path, files: Mapping[str, str], src: tuple[str, ...]
) -> None:
    root = write(tmp_path, files)
    (root / "pyproject.toml").write_bytes(EXISTING)
    before_modules, before_findings = modules(root), findings(root)

    result = layerlint(root, "init")

    assert result.returncode == 0, result.stderr
    written = (root / "pyproject.toml").read_bytes()
    assert written.startswith(EXISTING)
    assert written[len(EXISTING) :].decode() == "\n" + result.stdout
    assert result.stdout.startswith("[tool.layerlint]\n")
    config = load_config(root)
    assert config.config_file == root / "pyproject.toml"
    assert config.src == src
    # Pinning the detected roots changes neither module names nor findings.
    assert modules(root, config.src) == before_modules
    assert findings(root) == before_findings


def test_init_summarises_the_layers(tmp_path: Path) -> None:
    root = write(tmp_path, LAYERED)
    block = layerlint(root, "init").stdout
    counts = ("routes: 3 modules", "services: 2 modules", "core: 3 modules", "no layer: 3 modules")
    for line in counts:
        assert f"#   {line}\n" in block, block
    assert "#   package roots: app\n" in block
    assert '# routes = ["app.api"]' in block
    assert "# [tool.layerlint.contract]" in block


def test_init_in_a_feature_layout_names_feature_modules(tmp_path: Path) -> None:
    root = write(tmp_path, BY_FEATURE)
    block = layerlint(root, "init").stdout
    assert '# routes = ["auth.router", "posts.router"]' in block
    assert "#   routes: 2 modules\n" in block


def test_init_creates_pyproject_with_path_option(tmp_path: Path) -> None:
    project = write(tmp_path / "backend", LAYERED)
    result = layerlint(tmp_path, "init", "--path", "backend")
    assert result.returncode == 0, result.stderr
    assert (project / "pyproject.toml").read_text() == result.stdout
    assert load_config(project).src == ("app",)


@pytest.mark.parametrize(
    "existing",
    [
        EXISTING + b'\n[tool.layerlint]\nselect = ["LL1"]\n',
        EXISTING + b'\n[tool.layerlint.layers]\nservices = ["app.services"]\n',
    ],
)
def test_init_refuses_when_layerlint_is_configured(tmp_path: Path, existing: bytes) -> None:
    root = write(tmp_path, LAYERED)
    (root / "pyproject.toml").write_bytes(existing)
    result = layerlint(root, "init")
    assert result.returncode == 2
    assert (
        result.stderr
        == "layerlint: error: pyproject.toml: [tool.layerlint] already exists; edit it instead\n"
    )
    assert (root / "pyproject.toml").read_bytes() == existing


def test_init_refuses_invalid_toml(tmp_path: Path) -> None:
    root = write(tmp_path, LAYERED)
    (root / "pyproject.toml").write_bytes(b"[project\n")
    result = layerlint(root, "init")
    assert result.returncode == 2 and "not valid TOML" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert (root / "pyproject.toml").read_bytes() == b"[project\n"


@pytest.mark.parametrize("existing", [b'[project]\nname = "x"', b'[project]\r\nname = "x"\r\n'])
def test_init_keeps_odd_files_intact(tmp_path: Path, existing: bytes) -> None:
    root = write(tmp_path, LAYERED)
    (root / "pyproject.toml").write_bytes(existing)
    assert layerlint(root, "init").returncode == 0
    written = (root / "pyproject.toml").read_bytes()
    assert written.startswith(existing)
    assert load_config(root).src == ("app",)
    if b"\r\n" in existing:
        assert b"\n" not in written.replace(b"\r\n", b"")
