"""The module import graph the contracts are checked on, third-party packages included.

An edge is one import statement's dependency: from the importing module to the module
it names (project modules as written, not through re-exports: a contract is about the
modules a file depends on). Imports of packages outside the project end in a leaf
named after the imported module (``sqlalchemy.orm``). ``TYPE_CHECKING``-only imports
are left out: they create no dependency at run time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from layerlint.diagnostics import Span
from layerlint.project import Project


@dataclass(frozen=True, slots=True)
class Edge:
    """``importer`` imports ``imported`` (``name`` from it, if any) at ``span`` of ``path``."""

    importer: str
    imported: str
    path: str
    span: Span
    name: str | None = None
    external: bool = False
    # The import as written: ``from written import written_name``.
    written: str = ""
    written_name: str | None = None


class ImportGraph:
    """Edges by importer, built once per project."""

    def __init__(self, edges: Iterable[Edge]) -> None:
        self.edges = list(edges)
        self.successors: dict[str, list[Edge]] = {}
        for edge in self.edges:
            self.successors.setdefault(edge.importer, []).append(edge)

    @classmethod
    def of(cls, project: Project) -> ImportGraph:
        return cls(_edges(project))

    @cached_property
    def modules(self) -> frozenset[str]:
        return frozenset(e.importer for e in self.edges) | frozenset(e.imported for e in self.edges)

    def shortest_chain(
        self,
        start: str,
        is_goal: Callable[[str], bool],
        may_pass: Callable[[str], bool],
        allowed: Callable[[Edge], bool],
    ) -> list[Edge] | None:
        """The shortest chain of edges from module ``start`` to a goal module.

        Chains only pass through modules ``may_pass`` accepts and use edges ``allowed``
        accepts (a contract's exceptions are not part of any chain).
        """
        previous: dict[str, Edge | None] = {start: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for edge in self.successors.get(node, ()):
                if edge.imported in previous or not allowed(edge):
                    continue
                previous[edge.imported] = edge
                if is_goal(edge.imported):
                    return _unwind(previous, edge)
                if may_pass(edge.imported):
                    queue.append(edge.imported)
        return None


def _unwind(previous: dict[str, Edge | None], last: Edge) -> list[Edge]:
    chain = [last]
    step = previous.get(last.importer)
    while step is not None:
        chain.append(step)
        step = previous.get(step.importer)
    chain.reverse()
    return chain


def _edges(project: Project) -> Iterable[Edge]:
    seen: set[tuple[str, str, int, str | None]] = set()
    for facts in project.modules.values():
        for imp in facts.imports:
            if imp.type_only:
                continue
            split = project.split_target(imp.target)
            if split is not None:
                imported, external = split[0], False
                name = split[1] or None
            else:
                imported, external, name = imp.module, True, imp.name
            if imported == facts.module:
                continue
            key = (facts.module, imported, imp.span.line, name)
            if key in seen:
                continue
            seen.add(key)
            yield Edge(
                facts.module, imported, facts.path, imp.span, name, external, imp.module, imp.name
            )


def render_chain(chain: Sequence[Edge]) -> str:
    """``a:3 -> b:7 -> c``: each module with the line of the import that leads on."""
    steps = [f"{edge.importer}:{edge.span.line}" for edge in chain]
    return " -> ".join([*steps, chain[-1].imported])
