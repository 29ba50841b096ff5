"""LL001 ``syntax-error``: a file that cannot be parsed."""

from __future__ import annotations

from layerlint.rules.base import BuiltinRule


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
