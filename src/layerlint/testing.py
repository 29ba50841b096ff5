"""Helpers for testing rules: lint a small in-memory project through the real engine."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from layerlint.config import parse_config
from layerlint.diagnostics import Diagnostic
from layerlint.engine import RunOptions, run
from layerlint.fix_run import autofix
from layerlint.project import Project


def write_project(root: Path, files: Mapping[str, str], config: str = "") -> None:
    """Write ``files`` (path -> source) and a pyproject.toml under ``root``."""
    (root / "pyproject.toml").write_text("[project]\nname = 'example'\n" + config)
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


def project_from(files: Mapping[str, str]) -> Project:
    """The Project graph of an in-memory project (for tests of the graph itself)."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        write_project(root, files)
        result = run(
            parse_config({}, root),
            RunOptions(use_cache=False, jobs=1, select=("LL1",)),
            need_project=True,
        )
        assert result.project is not None
        return result.project


def lint_files(
    files: Mapping[str, str],
    select: tuple[str, ...] | None = None,
    config_table: Mapping[str, object] | None = None,
) -> list[Diagnostic]:
    """Diagnostics for an in-memory project (no cache, one process)."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        write_project(root, files)
        config = parse_config(dict(config_table or {}), root)
        result = run(config, RunOptions(select=select, use_cache=False, jobs=1))
        return result.diagnostics


def found(
    files: Mapping[str, str], code: str, options: Mapping[str, object] | None = None
) -> list[tuple[str, int]]:
    """Sorted ``(path, line)`` of ``code``'s diagnostics, with ``options`` for the rule.

    Fails when any rule crashed (LL000): a regression test must not pass on a crash.
    """
    table = {"rules": {code: dict(options)}} if options else None
    diagnostics = lint_files(files, select=(code,), config_table=table)
    crashes = [d for d in diagnostics if d.code == "LL000"]
    assert crashes == [], crashes
    return sorted((d.path, d.span.line) for d in diagnostics if d.code == code)


def fix_files(
    files: Mapping[str, str],
    select: tuple[str, ...],
    options: Mapping[str, object] | None = None,
    unsafe: bool = False,
) -> tuple[dict[str, str], dict[str, str], int]:
    """Run ``--fix`` twice on an in-memory project: (after first, after second, fixed count)."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        write_project(root, files)
        table = {"rules": {select[0]: dict(options)}} if options else {}
        config = parse_config(table, root)
        run_options = RunOptions(select=select, use_cache=False, jobs=1)
        first = autofix(config, run_options, unsafe=unsafe, write=True)
        after_first = {path: (root / path).read_text() for path in files}
        autofix(config, run_options, unsafe=unsafe, write=True)
        after_second = {path: (root / path).read_text() for path in files}
        return after_first, after_second, first.fixed


def checked_fix(
    files: Mapping[str, str], *codes: str, unsafe: bool = False
) -> tuple[dict[str, str], int]:
    """``--fix`` output (path -> source) and the fix count; fails unless it compiles and
    a second ``--fix`` changes nothing."""
    first, second, count = fix_files(files, codes, unsafe=unsafe)
    assert second == first, "a second --fix changed the result again"
    for path, text in first.items():
        compile(text, path, "exec")
    return first, count


def messages(files: Mapping[str, str], code: str) -> list[str]:
    """The messages of ``code``'s diagnostics, in report order."""
    return [d.message for d in lint_files(files, select=(code,)) if d.code == code]


def offers_fix(files: Mapping[str, str], code: str) -> list[bool]:
    """Per diagnostic of ``code``: is a fix offered?"""
    return [d.fixable for d in lint_files(files, select=(code,)) if d.code == code]
