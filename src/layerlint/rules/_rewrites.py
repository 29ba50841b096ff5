"""Building blocks for fixes that several rule families share."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst


class Reindent(cst.CSTTransformer):
    """Rewrite the indentation of an expression's continuation lines with ``change``.

    A value moved into a deeper block needs more indentation, one moved out of a call's
    arguments needs less; libCST keeps continuation-line indentation as literal text, so
    the move has to rewrite it. ``blank_lines``: whether indented lines without a comment
    change too (a fix that copies comments only needs the commented ones).
    """

    def __init__(self, change: Callable[[str], str], *, blank_lines: bool) -> None:
        super().__init__()
        self._change = change
        self._blank_lines = blank_lines

    def leave_ParenthesizedWhitespace(
        self, original_node: cst.ParenthesizedWhitespace, updated_node: cst.ParenthesizedWhitespace
    ) -> cst.ParenthesizedWhitespace:
        if not updated_node.indent:
            return updated_node
        return updated_node.with_changes(
            last_line=cst.SimpleWhitespace(self._change(updated_node.last_line.value))
        )

    def leave_EmptyLine(
        self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine
    ) -> cst.EmptyLine:
        if not updated_node.indent or (updated_node.comment is None and not self._blank_lines):
            return updated_node
        return updated_node.with_changes(
            whitespace=cst.SimpleWhitespace(self._change(updated_node.whitespace.value))
        )


def indented_by(extra: str) -> Reindent:
    """Continuation lines (and commented lines) ``extra`` deeper."""
    return Reindent(lambda text: extra + text, blank_lines=False)


def dedented_by(prefix: str) -> Reindent:
    """Continuation lines (and every indented line) with ``prefix`` taken off."""
    return Reindent(
        lambda text: text[len(prefix) :] if text.startswith(prefix) else text, blank_lines=True
    )
