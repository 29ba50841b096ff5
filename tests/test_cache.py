"""The facts cache: warm runs parse nothing, corrupt caches are rebuilt, writes are atomic."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import MakeProject

import layerlint.engine as engine
from layerlint.cache import CACHE_FILE, RESULTS_FILE, FactsCache
from layerlint.cache_key import cache_key
from layerlint.config import parse_config
from layerlint.engine import RunOptions, run

FILES = {
    "app/services/user_service.py": "from fastapi import HTTPException\n\ndef f():\n    raise HTTPException(404)\n",
    "app/models/user.py": "class User:\n    pass\n",
}


def _run(root: Path) -> list[tuple[str, int]]:
    result = run(parse_config({}, root), RunOptions(jobs=1))
    return [(d.code, d.span.line) for d in result.diagnostics]


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    original = engine.collect

    def counting(info, source, rules):  # type: ignore[no-untyped-def]
        parsed.append(info.path)
        return original(info, source, rules)

    monkeypatch.setattr(engine, "collect", counting)
    return parsed


def test_warm_run_parses_nothing_and_change_parses_one(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(FILES)
    cold = _run(root)
    parsed = _count_parses(monkeypatch)
    assert _run(root) == cold
    assert parsed == []
    (root / "app/models/user.py").write_text("class User:\n    name = 'x'\n")
    assert _run(root) == cold
    assert parsed == ["app/models/user.py"]


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x05\x95truncated"])
def test_corrupt_cache_is_rebuilt(make_project: MakeProject, garbage: bytes) -> None:
    root = make_project(FILES)
    expected = _run(root)
    for name in (CACHE_FILE, RESULTS_FILE):
        (root / ".layerlint_cache" / name).write_bytes(garbage)
    assert _run(root) == expected
    analysis = parse_config({}, root).analysis_hash()
    cache = FactsCache.load(root / ".layerlint_cache", analysis, cache_key(root))
    assert set(cache.entries) == set(FILES)


def test_unwritable_cache_warns_once_and_runs(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(FILES)
    (root / ".layerlint_cache").write_text("a file where the folder should be")
    result = _run(root)
    assert ("LL104", 4) in result
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("layerlint: warning: cache not written (")


def test_config_change_invalidates(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(FILES)
    _run(root)
    parsed = _count_parses(monkeypatch)
    run(parse_config({"layers": {"services": ["app.models"]}}, root), RunOptions(jobs=1))
    assert sorted(parsed) == sorted(FILES)


def test_cache_write_leaves_no_temporary_files(make_project: MakeProject) -> None:
    root = make_project(FILES)
    _run(root)
    names = sorted(p.name for p in (root / ".layerlint_cache").iterdir())
    assert names == [".gitignore", CACHE_FILE, RESULTS_FILE]


def test_warm_unchanged_run_reuses_whole_results(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(FILES)
    expected = _run(root)
    parsed = _count_parses(monkeypatch)
    run(parse_config({"ignore": ["LL106"]}, root), RunOptions(jobs=1))
    assert parsed == []  # a new selection re-runs project rules on cached facts
    assert _run(root) == expected
    (root / ".layerlint_cache" / CACHE_FILE).write_bytes(b"facts are not even read")
    assert _run(root) == expected
    assert parsed == []
