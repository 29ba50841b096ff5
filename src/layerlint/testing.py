"""Helpers for testing rules: lint a small in-memory project through the real engine.

Public for plugin authors: :func:`example_cases` and :func:`assert_example` run a rule's
``valid``/``invalid`` examples the way layerlint's own rules are tested, and
:func:`lint_files` / :func:`found` lint any small project.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from layerlint.config import Config, parse_config
from layerlint.diagnostics import Diagnostic
from layerlint.engine import RunOptions, run
from layerlint.fix_run import autofix
from layerlint.project import Project
from layerlint.rules.base import Example, Rule


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
        config = _example_config(root, files, config_table)
        result = run(config, RunOptions(select=select, use_cache=False, jobs=1))
        return result.diagnostics


def _example_config(
    root: Path, files: Mapping[str, str], overrides: Mapping[str, object] | None
) -> Config:
    """The example's own ``pyproject.toml`` settings (if it has one) with ``overrides`` on top."""
    table: dict[str, object] = {}
    path = None
    if "pyproject.toml" in files:
        path = root / "pyproject.toml"
        document = _toml(files["pyproject.toml"])
        table.update(document.get("tool", {}).get("layerlint", {}))
    table.update(overrides or {})
    return parse_config(table, root, path)


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


def example_failures(rule: type[Rule], kind: str, example: Example) -> list[str]:
    """What is wrong with one of ``rule``'s examples (empty: the rule behaves as shown).

    Invalid examples must be reported on exactly the lines marked ``# error``; valid
    examples must be silent; no rule may crash.
    """
    from layerlint.plugins import registered

    config = {"rules": {rule.code: dict(example.options)}} if example.options else None
    with registered([rule] if not _is_builtin(rule) else []):
        diagnostics = lint_files(example.files, select=(rule.code,), config_table=config)
    problems = [f"crash: {d.path}: {d.message}" for d in diagnostics if d.code == "LL000"]
    found = sorted((d.path, d.span.line) for d in diagnostics if d.code == rule.code)
    expected = sorted(
        (path, line) for path, lines in example.expected_lines(rule.code).items() for line in lines
    )
    if kind == "invalid" and not expected:
        problems.append("an invalid example must mark at least one line with '# error'")
    if found != expected:
        problems.append(f"{rule.code} reported {found}, the example marks {expected}")
    return problems


def _is_builtin(rule: type[Rule]) -> bool:
    from layerlint.rules import builtin_rules

    return builtin_rules().get(rule.code) is rule


def example_cases(*rules: type[Rule]) -> list[Any]:
    """``pytest.param(rule, kind, example)`` for every example of ``rules``.

    Use with :func:`assert_example`::

        @pytest.mark.parametrize(("rule", "kind", "example"), example_cases(MyRule))
        def test_examples(rule, kind, example):
            assert_example(rule, kind, example)
    """
    import pytest

    return [
        pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{index}")
        for rule in rules
        for kind in ("invalid", "valid")
        for index, example in enumerate(rule.examples(kind))
    ]


def assert_example(rule: type[Rule], kind: str, example: Example) -> None:
    """Fail (with every problem listed) unless ``rule`` behaves as ``example`` shows."""
    problems = example_failures(rule, kind, example)
    assert not problems, "; ".join(problems)


def assert_examples(rule: type[Rule]) -> None:
    """Every valid and invalid example of ``rule`` at once (one test for the whole rule)."""
    for kind in ("invalid", "valid"):
        for example in rule.examples(kind):
            assert_example(rule, kind, example)


def _toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib.loads(text)
