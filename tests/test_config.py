"""Every invalid configuration exits 2 with one line naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import MakeProject
from tests.test_cli import invoke

from layerlint.config import load_config


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("selct = ['LL']", "[tool.layerlint] selct: unknown key"),
        ("select = 'LL1'", "[tool.layerlint] select: expected a list of strings"),
        ("select = ['LL9']", "[tool.layerlint] select: unknown rule code or prefix 'LL9'"),
        ("ignore = ['E501']", "[tool.layerlint] ignore: unknown rule code or prefix 'E501'"),
        ("exclude = ['[abc']", "[tool.layerlint] exclude: bad glob pattern"),
        ("per-file-ignores = { 'tests/**' = ['XX1'] }", "per-file-ignores.'tests/**'"),
        ("baseline = 3", "[tool.layerlint] baseline: expected a string"),
        (
            "[tool.layerlint.contract]\nroutes = ['servces']",
            "contract.routes: unknown layer 'servces'",
        ),
        ("[tool.layerlint.rules.LL999]\nx = 1", "rules.LL999: unknown rule code"),
        ("[tool.layerlint.rules.LL104]\nx = 1", "rules.LL104.x: unknown option"),
        ("select = [", "invalid TOML"),
    ],
)
def test_bad_config_exits_two(make_project: MakeProject, table: str, expected: str) -> None:
    header = "" if table.startswith("[tool") else "[tool.layerlint]\n"
    root = make_project({"app/x.py": "x = 1\n"}, config=header + table + "\n")
    code, _, err = invoke(root, "check", "--no-cache")
    assert code == 2
    assert expected in err
    assert "pyproject.toml" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_custom_layers_and_contract(make_project: MakeProject) -> None:
    root = make_project(
        {
            "app/domain/logic.py": "from app.web import pages\n",
            "app/web/pages.py": "x = 1\n",
        },
        config=(
            "[tool.layerlint.layers]\nroutes = ['app.web']\ndomain = ['app.domain']\n"
            "[tool.layerlint.contract]\ndomain = ['core']\n"
        ),
    )
    code, out, _ = invoke(root, "check", "--no-cache")
    assert code == 1
    assert (
        "app/domain/logic.py:1:21: LL101 domain layer may not import from the routes layer" in out
    )


def test_nearest_pyproject_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.layerlint]\nignore = ['LL104']\n")
    inner = tmp_path / "pkg"
    inner.mkdir()
    config = load_config(inner)
    assert config.root == tmp_path.resolve()
    assert config.ignore == ("LL104",)


def test_no_pyproject_uses_start_directory(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.root == tmp_path.resolve()
    assert config.config_file is None
