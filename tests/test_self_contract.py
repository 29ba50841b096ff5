"""layerlint checks its own layering (layerlint-self.toml), and the check has teeth."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.test_cli import invoke

REPO = Path(__file__).resolve().parent.parent
SELF_CONFIG = "layerlint-self.toml"


def check_self(root: Path) -> tuple[int, list[dict[str, object]]]:
    """Exit code and diagnostics of ``layerlint check --config layerlint-self.toml src``."""
    code, out, _ = invoke(
        root, "check", "--no-cache", "--config", SELF_CONFIG, "--format", "json", "src"
    )
    return code, json.loads(out)["diagnostics"]


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """A copy of src/layerlint and the self-contract, to break on purpose."""
    shutil.copytree(
        REPO / "src" / "layerlint",
        tmp_path / "src" / "layerlint",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPO / SELF_CONFIG, tmp_path / SELF_CONFIG)
    return tmp_path


def add_import(root: Path, module: str, statement: str) -> tuple[str, int]:
    """Append ``statement`` to ``module`` (under src/layerlint): its reported path and line."""
    path = root / "src" / "layerlint" / module
    source = path.read_text()
    path.write_text(source + statement + "\n")
    return f"src/layerlint/{module}", source.count("\n") + 1


def test_layerlint_keeps_its_own_layer_contract() -> None:
    code, diagnostics = check_self(REPO)
    assert diagnostics == []
    assert code == 0


# One forbidden import per boundary the contract guards (one run checks them all: a
# self-check parses every module of layerlint).
FORBIDDEN = (
    # a rule reaching into the engine
    ("rules/fastapi/bare_status_code.py", "from layerlint.engine import run"),
    # a reporter reading rule classes instead of rule metadata
    ("report/text.py", "from layerlint.rules.base import Rule"),
    # the rule API depending on the rules built on it
    ("file_context.py", "from layerlint.rules._common import is_test_path"),
    # plain data depending on the project graph
    ("facts.py", "from layerlint.project import Project"),
)


def test_a_forbidden_import_fails_the_self_check(source_copy: Path) -> None:
    expected = [add_import(source_copy, module, statement) for module, statement in FORBIDDEN]
    code, diagnostics = check_self(source_copy)
    assert code == 1
    assert sorted((d["code"], d["path"], d["line"]) for d in diagnostics) == sorted(
        ("LL101", path, line) for path, line in expected
    )


def test_a_bare_check_at_the_repository_root_still_uses_the_default_layers() -> None:
    """The self-contract is opt-in (--config): pyproject.toml has no [tool.layerlint]."""
    assert "[tool.layerlint" not in (REPO / "pyproject.toml").read_text()
