"""Every fixable rule's before/after examples, through the real ``--fix`` pipeline.

Each fixed file must equal the example's expected source (comments and formatting
kept), compile, and a second ``--fix`` must change nothing.
"""

from __future__ import annotations

import pytest

from layerlint.rules import all_rules
from layerlint.rules.base import Example, Fixability, Rule
from layerlint.testing import fix_files

CASES = [
    pytest.param(rule, example, id=f"{code}-{index}")
    for code, rule in all_rules().items()
    for index, example in enumerate(rule.examples("invalid"))
    if example.fixed
]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_fix_example(rule: type[Rule], example: Example) -> None:
    first, second, fixed = fix_files(
        example.files, (rule.code,), example.options or None, unsafe=example.unsafe
    )
    for path, expected in example.fixed.items():
        assert first[path] == expected
        compile(first[path], path, "exec")
    assert second == first, "a second --fix changed the file again"
    assert fixed >= 1


def test_every_fixable_rule_has_a_fix_example() -> None:
    missing = [
        code
        for code, rule in all_rules().items()
        if rule.fixable is not Fixability.NONE
        and not any(e.fixed for e in rule.examples("invalid"))
    ]
    assert not missing, f"fixable rules without a before/after example: {missing}"
