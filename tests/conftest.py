"""Shared fixtures: temporary projects written from dicts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from layerlint.testing import write_project

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"

MakeProject = Callable[..., Path]


@pytest.fixture(autouse=True, scope="session")
def private_cache_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never touch the user's real cache key (subprocesses inherit the variable)."""
    import os

    os.environ["LAYERLINT_KEY_DIR"] = str(tmp_path_factory.mktemp("layerlint-key"))


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Write a project (path -> source) plus pyproject.toml; return its root."""

    def make(files: Mapping[str, str], config: str = "") -> Path:
        write_project(tmp_path, files, config)
        return tmp_path

    return make
