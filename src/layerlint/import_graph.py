"""Module-level import graph and the cycles that cross layers (Tarjan's SCC)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from layerlint.diagnostics import Span
from layerlint.layers import layer_rank
from layerlint.project import Project


@dataclass(frozen=True, slots=True)
class ImportEdge:
    """``importer`` imports ``imported`` at ``span`` of ``path``."""

    importer: str
    imported: str
    path: str
    span: Span


@dataclass(frozen=True, slots=True)
class CycleEdge:
    """The import that closes a cross-layer cycle, with the cycle spelled out."""

    path: str
    span: Span
    description: str


def import_edges(
    project: Project, include_type_only: bool = False, include_local: bool = True
) -> list[ImportEdge]:
    """Edges between project modules (first import of each pair; re-exports followed)."""
    edges: dict[tuple[str, str], ImportEdge] = {}
    for facts in project.modules.values():
        for imp in facts.imports:
            if (imp.type_only and not include_type_only) or (imp.local and not include_local):
                continue
            target = project.module_of_target(imp.target)
            if target is None or target == facts.module:
                continue
            edges.setdefault(
                (facts.module, target), ImportEdge(facts.module, target, facts.path, imp.span)
            )
    return list(edges.values())


def strongly_connected(nodes: list[str], successors: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (deep graphs must not hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child_index = work.pop()
            if child_index == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = successors.get(node, [])
            if child_index < len(children):
                work.append((node, child_index + 1))
                child = children[child_index]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def import_cycles(project: Project) -> Iterator[CycleEdge]:
    """For each cycle spanning several layers, the upward imports that close it.

    Function-local imports are left out: they run after every module has loaded, which
    is exactly how code breaks an import cycle (LL101 still judges their direction).
    """
    edges = import_edges(project, include_local=False)
    successors: dict[str, list[str]] = {}
    for edge in edges:
        successors.setdefault(edge.importer, []).append(edge.imported)
    for component in strongly_connected(sorted(successors), successors):
        members = set(component)
        layers = {project.layer_of(m) for m in members} - {None}
        if len(component) < 2 or len(layers) < 2:
            continue
        for edge in edges:
            if edge.importer not in members or edge.imported not in members:
                continue
            low, high = project.layer_of(edge.importer), project.layer_of(edge.imported)
            if low is None or high is None or layer_rank(low) <= layer_rank(high):
                continue
            path = _path_back(edge.imported, edge.importer, successors, members)
            chain = " -> ".join([edge.importer, *path])
            yield CycleEdge(edge.path, edge.span, f"{low} -> {high} -> {low} ({chain})")


def _path_back(
    start: str, goal: str, successors: dict[str, list[str]], members: set[str]
) -> list[str]:
    """Shortest module path from ``start`` back to ``goal`` inside one component."""
    previous: dict[str, str | None] = {start: None}
    queue = [start]
    for node in queue:
        if node == goal:
            break
        for nxt in successors.get(node, []):
            if nxt in members and nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    path: list[str] = []
    step: str | None = goal if goal in previous else None
    while step is not None:
        path.append(step)
        step = previous[step]
    path.reverse()
    return path or [start, goal]
