"""Strings that get parsed as code (string annotations), screened before they are.

``x: "((((...))))"`` is a short string whose parse crashes libCST's native parser just
as deeply nested code does. layerlint parses string annotations itself, and libCST's
scope analysis (used when ``--fix`` adds or removes imports) parses the strings in
annotations and in ``cast``/``TypeVar``/``NewType`` calls. The file screen sees such a
string as one token, so each one is measured on its own.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from layerlint import nesting
from layerlint.syntax_tree import iter_nodes

# Fewer characters cannot nest deeper than nesting.MAX_DEPTH (at most ~3 levels a character).
_SHORT = nesting.MAX_DEPTH // 4
# Calls whose string arguments libCST's scope analysis reads as type expressions.
_TYPING_CALLS = frozenset({"cast", "TypeVar", "NewType", "TypeAliasType", "ParamSpec"})
_STRINGS = (cst.SimpleString, cst.ConcatenatedString)


def too_deep(text: str) -> bool:
    """True when ``text`` is too deeply nested for libCST to parse safely."""
    if len(text) < _SHORT:
        return False
    return nesting.measure(text.encode("utf-8", "surrogatepass")) is not None


def parse_string_expression(text: str) -> cst.BaseExpression | None:
    """``text`` parsed as an expression; None if it is not one or is too deep to parse."""
    if too_deep(text):
        return None
    try:
        return cst.parse_expression(text)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None


def _value(node: cst.CSTNode) -> str | None:
    if not isinstance(node, _STRINGS):
        return None
    try:
        value = node.evaluated_value
    except Exception:  # a malformed literal is libCST's to report, not ours
        return None
    return value if isinstance(value, str) else None


class StringCodeScreen:
    """Walk handlers that remember the first string-as-code that is too deep to parse."""

    def __init__(self, qualified_name: Callable[[cst.BaseExpression], str | None]) -> None:
        self._qualified_name = qualified_name
        self.found: cst.CSTNode | None = None

    def _check(self, root: cst.CSTNode) -> None:
        if self.found is not None:
            return
        for node in iter_nodes(root, _STRINGS):
            text = _value(node)
            if text is not None and too_deep(text):
                self.found = node
                return

    def visit_annotation(self, node: cst.CSTNode) -> None:
        self._check(node)

    def visit_call(self, node: cst.CSTNode) -> None:
        if not isinstance(node, cst.Call) or not node.args:
            return
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else None
        name = func.value if isinstance(func, cst.Name) else name
        qualified = self._qualified_name(func)
        if name in _TYPING_CALLS or (qualified or "").rpartition(".")[2] in _TYPING_CALLS:
            for arg in node.args:
                self._check(arg.value)
