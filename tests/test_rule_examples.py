"""Every rule's own valid/invalid examples, run through the real engine.

Invalid examples mark each expected line with ``# error`` (or ``# error: LLxxx`` for
another rule); the rule must report exactly those lines. Valid examples must be silent.
"""

from __future__ import annotations

import pytest

from layerlint.rules import all_rules
from layerlint.rules.base import BuiltinRule, Example, Rule
from layerlint.testing import lint_files

CASES = [
    pytest.param(rule, kind, index, example, id=f"{code}-{kind}-{index}")
    for code, rule in all_rules().items()
    for kind in ("invalid", "valid")
    for index, example in enumerate(rule.examples(kind))
]


def _selection(rule: type[Rule]) -> tuple[str, ...]:
    # LL002 judges other rules' suppressions, so those rules must run too.
    return ("LL", rule.code) if rule.code == "LL002" else (rule.code,)


@pytest.mark.parametrize(("rule", "kind", "index", "example"), CASES)
def test_rule_example(rule: type[Rule], kind: str, index: int, example: Example) -> None:
    config = {"rules": {rule.code: dict(example.options)}} if example.options else None
    diagnostics = lint_files(example.files, select=_selection(rule), config_table=config)
    found = sorted((d.path, d.span.line) for d in diagnostics if d.code == rule.code)
    expected = sorted(
        (path, line) for path, lines in example.expected_lines(rule.code).items() for line in lines
    )
    assert [d for d in diagnostics if d.code == "LL000"] == []
    if kind == "valid":
        assert found == [], f"{rule.code} fired on valid code"
    else:
        assert expected, "an invalid example must mark at least one line with '# error'"
        assert found == expected


def test_every_rule_has_examples() -> None:
    for code, rule in all_rules().items():
        if code == "LL000":
            continue
        assert rule.examples("invalid"), f"{code} has no invalid example"
        assert rule.examples("valid"), f"{code} has no valid example"
        assert rule.documentation(), f"{code} has no documentation"
        assert rule.seed, f"{code} names no seed"


def test_builtin_rules_are_not_checks() -> None:
    assert all(issubclass(all_rules()[c], BuiltinRule) for c in ("LL000", "LL001", "LL002"))
