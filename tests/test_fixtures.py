"""The bundled projects: the example reports exactly its ``# expect:`` annotations, the
clean project (full of traps) reports nothing, and each layout is detected as documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.conftest import FIXTURES

from layerlint.config import load_config
from layerlint.discovery import discover
from layerlint.engine import RunOptions, run
from layerlint.layers import LayerMap
from layerlint.rules import all_rules

_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>LL\d{3}(?:\s*,\s*LL\d{3})*)")


def expected_annotations(root: Path) -> set[tuple[str, int, str]]:
    """(path, line, code) for every ``# expect: LLxxx`` comment of a fixture project
    (in its Python files and, for findings about the configuration, its pyproject.toml)."""
    found: set[tuple[str, int, str]] = set()
    for path in [*sorted(root.rglob("*.py")), root / "pyproject.toml"]:
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = _EXPECT.search(line)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    found.add((relative, number, code))
    return found


def lint_fixture(root: Path) -> set[tuple[str, int, str]]:
    config = load_config(root)
    result = run(config, RunOptions(use_cache=False, jobs=1))
    assert result.internal_errors == 0
    return {(d.path, d.span.line, d.code) for d in result.diagnostics}


def test_example_reports_exactly_its_annotations() -> None:
    root = FIXTURES / "example"
    implemented = set(all_rules())
    expected = {item for item in expected_annotations(root) if item[2] in implemented}
    assert lint_fixture(root) == expected


def test_example_has_an_annotation_for_every_rule() -> None:
    codes = {code for _, _, code in expected_annotations(FIXTURES / "example")}
    missing = {c for c in all_rules() if c not in codes and c not in ("LL000", "LL001", "LL002")}
    assert not missing, f"rules without an example violation: {sorted(missing)}"


def test_clean_project_is_clean() -> None:
    assert lint_fixture(FIXTURES / "clean") == set()


LAYOUTS = (
    sorted(p.name for p in (FIXTURES / "layouts").iterdir() if p.is_dir())
    if (FIXTURES / "layouts").is_dir()
    else []
)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_detection(layout: str) -> None:
    base = FIXTURES / "layouts" / layout
    expected_file = next(base.rglob("expected_layers.json"))
    expected = json.loads(expected_file.read_text())
    config = load_config(next(base.rglob("pyproject.toml")).parent)
    files = discover(config.root, config.src, config.exclude)
    layer_map = LayerMap.for_files(config.layers, (f.relative for f in files))
    found = {f.module: layer_map.layer_of(f.module, f.relative) for f in files}
    assert {m: found.get(m, "<missing>") for m in expected} == expected
