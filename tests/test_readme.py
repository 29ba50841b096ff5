"""The README's rule table is the output of `layerlint rules --format markdown`."""

from __future__ import annotations

import os
import re

from tests.conftest import REPO

from layerlint.docs import rules_table

START, END = "<!-- rules-table:start -->", "<!-- rules-table:end -->"


def test_readme_rule_table_is_current() -> None:
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    current = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.S)
    assert current is not None, "README lacks the rules-table markers"
    table = rules_table(markdown=True) + "\n"
    if os.environ.get("LAYERLINT_UPDATE_README") and current.group(1) != table:
        readme.write_text(
            text.replace(current.group(0), f"{START}\n{table}{END}"), encoding="utf-8"
        )
        return
    assert current.group(1) == table, (
        "run: LAYERLINT_UPDATE_README=1 python -m pytest tests/test_readme.py"
    )


def test_readme_quick_start_matches_ci() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "layerlint check fixtures/example" in text
    assert "python -m pytest" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[dev]' && python -m pytest" in text


def test_rules_page_is_current() -> None:
    from layerlint.docs import rules_page

    page = REPO / "docs" / "rules.md"
    expected = rules_page()
    if os.environ.get("LAYERLINT_UPDATE_README"):
        page.write_text(expected, encoding="utf-8")
    assert page.read_text(encoding="utf-8") == expected, (
        "run: LAYERLINT_UPDATE_README=1 python -m pytest tests/test_readme.py"
    )
