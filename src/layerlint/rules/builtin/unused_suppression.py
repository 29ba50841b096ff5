"""LL002 ``unused-suppression``: a suppression comment that suppresses nothing."""

from __future__ import annotations

from layerlint.rules.base import BuiltinRule, Default, Example


class UnusedSuppressionRule(BuiltinRule):
    """A suppression comment that suppresses nothing.

    **What it does:** reports a ``# noqa: LLxxx`` or ``# layerlint: ignore[LLxxx]`` whose
    codes match no diagnostic on its line.

    **Why is this bad?** Stale suppressions hide future regressions on that line and
    make readers believe a problem exists where none does.

    **Example:** ``x = 1  # noqa: LL104`` where the line raises nothing.

    **Use instead:** delete the comment (or the codes that no longer apply).
    """

    code = "LL002"
    name = "unused-suppression"
    message = "suppression comment matches no diagnostic; remove it"
    seed = "layerlint itself"
    default = Default.OPT_IN
    example_path = "app/services/user_service.py"
    invalid = (
        Example(
            {
                "app/services/user_service.py": "def total(a: int, b: int) -> int:\n"
                "    return a + b  # noqa: LL104  # error\n"
            }
        ),
    )
    valid = (
        Example(
            {"app/services/user_service.py": "from fastapi import HTTPException  # noqa: LL106\n"}
        ),
    )
