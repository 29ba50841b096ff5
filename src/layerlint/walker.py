"""The one pre-order walk of the per-file pass, with enter/leave dispatch by node type.

Fact collection and every file rule register handlers for the node types they care
about; the walk visits each node once and calls them (children come from syntax_tree).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import libcst as cst

from layerlint.syntax_tree import children

Handler = Callable[[cst.CSTNode], None]


def walk(
    root: cst.CSTNode,
    enter: Mapping[type[cst.CSTNode], Sequence[Handler]],
    leave: Mapping[type[cst.CSTNode], Sequence[Handler]],
) -> None:
    """Call ``enter`` handlers before and ``leave`` handlers after each node's children."""
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    pop = stack.pop
    push = stack.append
    while stack:
        node, leaving = pop()
        cls = type(node)
        if leaving:
            for handler in leave[cls]:
                handler(node)
            continue
        handlers = enter.get(cls)
        if handlers:
            for handler in handlers:
                handler(node)
        if cls in leave:
            push((node, True))
        kids = children(node)
        kids.reverse()
        stack.extend((kid, False) for kid in kids)
