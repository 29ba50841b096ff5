"""Rules the engine reports itself: unparsable files and unused suppressions."""

from __future__ import annotations

from layerlint.rules.base import BuiltinRule, Default, Example


class SyntaxErrorRule(BuiltinRule):
    """A file that cannot be parsed.

    **What it does:** reports a file libCST cannot parse (or decode), at the place the
    parser stopped. The rest of the run goes on without it.

    **Why is this bad?** Nothing else can be checked in that file, and the import and
    call graphs miss whatever it defines.

    **Example:** ``def broken(:``

    **Use instead:** fix the syntax (layerlint parses Python 3 syntax up to 3.13).
    """

    code = "LL001"
    name = "syntax-error"
    message = "cannot parse file"
    seed = "layerlint itself"
    invalid = ("def broken(:  # error\n    pass\n",)
    valid = ("def fine() -> None:\n    pass\n",)


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


class InternalErrorRule(BuiltinRule):
    """A rule crashed on this file (a bug in layerlint, not in your code).

    **What it does:** reports that one rule raised an exception on this file; that rule
    skipped the file and every other rule and file was still checked.

    **Why is this bad?** The file was not fully checked. The run exits with code 3 so CI
    shows that the result is incomplete.

    **Example:** any file that triggers a bug.

    **Use instead:** report it with the file (or a reduced version of it).
    """

    code = "LL000"
    name = "internal-error"
    message = "internal error"
    seed = "layerlint itself"
