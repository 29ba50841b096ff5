"""Source positions for just the nodes that need them.

libCST's PositionProvider records a range for every node of a module, which costs about
three times the parse. Here one code-generation pass records ranges only for the requested
nodes and stops as soon as the last of them is closed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from contextlib import AbstractContextManager, nullcontext, suppress
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

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> AbstractContextManager[None]:
        # Called for every node: non-targets get a shared no-op context manager rather
        # than a fresh generator-based one.
        if id(node) not in self.targets:
            return _NOTHING
        return _Recorder(self, id(node))


class _Recorder:
    """Records one target node's range between __enter__ and __exit__."""

    __slots__ = ("_key", "_start", "_state")

    def __init__(self, state: _TargetedPositionState, key: int) -> None:
        self._state = state
        self._key = key
        self._start = (0, 0)

    def __enter__(self) -> None:
        self._start = (self._state.line, self._state.column)

    def __exit__(self, kind: object, value: object, trace: object) -> None:
        if kind is not None:
            return
        state = self._state
        line, column = self._start
        state.found[self._key] = Span(line, column + 1, state.line, state.column + 1)
        if len(state.found) == len(state.targets):
            raise _AllFound


_NOTHING = nullcontext()


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
    with suppress(_AllFound):
        module._codegen(state)
    return state.found
