"""The layout docs/architecture.md promises: one rule per module, named after the rule."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from layerlint.rules import all_rules
from layerlint.rules.base import Rule

SOURCE = Path(__file__).resolve().parent.parent / "src" / "layerlint"
FAMILY_BY_HUNDREDS = {
    "0": "builtin",
    "1": "layering",
    "2": "fastapi",
    "3": "sqlalchemy",
    "4": "pydantic",
    "5": "services",
    "6": "alembic",
    "7": "security",
}
MAX_MODULE_LINES = 800


@pytest.mark.parametrize("code", list(all_rules()))
def test_each_rule_lives_in_a_module_named_after_it(code: str) -> None:
    rule = all_rules()[code]
    family = FAMILY_BY_HUNDREDS[code[2]]
    assert rule.__module__ == f"layerlint.rules.{family}.{rule.name.replace('-', '_')}"


@pytest.mark.parametrize("code", list(all_rules()))
def test_a_rule_module_holds_one_rule(code: str) -> None:
    module = importlib.import_module(all_rules()[code].__module__)
    defined_here = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Rule)
        and value.__module__ == module.__name__
        and getattr(value, "code", None)
    ]
    assert len(defined_here) == 1


def test_no_module_is_over_800_lines() -> None:
    long = {
        str(path.relative_to(SOURCE)): n
        for path in SOURCE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
