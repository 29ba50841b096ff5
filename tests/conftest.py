"""Shared fixtures: temporary projects written from dicts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from layerlint.testing import write_project

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"

MakeProject = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Write a project (path -> source) plus pyproject.toml; return its root."""

    def make(files: Mapping[str, str], config: str = "") -> Path:
        write_project(tmp_path, files, config)
        return tmp_path

    return make
