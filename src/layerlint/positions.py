"""Source positions for just the nodes that need them.

libCST's PositionProvider records a range for every node of a module, which costs about
three times the parse. Here one code-generation pass records ranges only for the requested
nodes and stops as soon as the last of them is closed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

from layerlint.diagnostics import Span

_NEWLINE = re.compile(r"\r\n?|\n")


class _AllFound(Exception):
    """Raised inside code generation once every requested node has a range."""


@dataclass
class _TargetedPositionState(CodegenState):
    targets: frozenset[int] = frozenset()
    found: dict[int, Span] = field(default_factory=dict)
    line: int = 1
    column: int = 0

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.column += len(token)

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            parts = _NEWLINE.split(value)
            self.line += len(parts) - 1
            self.column = len(parts[-1])
        else:
            self.column += len(value)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        if id(node) not in self.targets:
            yield
            return
        start = (self.line, self.column)
        yield
        self.found[id(node)] = Span(start[0], start[1] + 1, self.line, self.column + 1)
        if len(self.found) == len(self.targets):
            raise _AllFound


def node_spans(module: cst.Module, nodes: Collection[cst.CSTNode]) -> dict[int, Span]:
    """Map ``id(node)`` to its span (1-based line and column) for each requested node.

    Ranges follow PositionProvider's syntactic rules (no surrounding whitespace). Nodes
    libCST does not record positions for (whitespace, tokens) are absent from the result.
    """
    if not nodes:
        return {}
    state = _TargetedPositionState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        targets=frozenset(id(n) for n in nodes),
    )
    try:
        module._codegen(state)
    except _AllFound:
        pass
    return state.found
