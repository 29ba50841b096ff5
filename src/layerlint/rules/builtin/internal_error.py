"""LL000 ``internal-error``: a rule crashed on this file (a bug in layerlint, not in your code)."""

from __future__ import annotations

from layerlint.rules.base import BuiltinRule


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
