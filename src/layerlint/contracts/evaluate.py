"""Which contracts the project's imports break, and which exceptions were needed.

Evaluated once per project (several rules ask): each violation carries the chain of
imports that breaks the contract, starting at the import a user can change.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from layerlint.contracts.imports import Edge, ImportGraph, render_chain
from layerlint.contracts.model import (
    FORBIDDEN,
    INDEPENDENCE,
    INTERFACE,
    ContractSpec,
    ImportException,
    module_matches,
)
from layerlint.project import Project


@dataclass(frozen=True)
class Violation:
    """An import chain (first edge: the import in the offending file) breaking a contract."""

    contract: ContractSpec
    chain: tuple[Edge, ...]
    problem: str

    @property
    def message(self) -> str:
        return f"contract {self.contract.name!r}: {self.problem}: {render_chain(self.chain)}"


@dataclass(frozen=True)
class Evaluation:
    """Every violation, and every import exception that matched an import of the project."""

    violations: tuple[Violation, ...]
    used_exceptions: frozenset[ImportException]
    graph: ImportGraph


_MEMO: weakref.WeakKeyDictionary[Project, Evaluation] = weakref.WeakKeyDictionary()


def evaluate(project: Project) -> Evaluation:
    """The contracts of ``project.architecture`` checked against its imports (memoised)."""
    memo = _MEMO.get(project)
    if memo is None:
        memo = _MEMO[project] = _evaluate(project)
    return memo


def _evaluate(project: Project) -> Evaluation:
    if not project.architecture.contracts and not project.architecture.layer_exceptions:
        return Evaluation((), frozenset(), ImportGraph(()))
    graph = ImportGraph.of(project)
    violations: list[Violation] = []
    used: set[ImportException] = set()
    architecture = project.architecture
    for contract in architecture.contracts:
        for edge in graph.edges:
            exception = contract.ignored(edge.importer, edge.imported)
            if exception is not None:
                used.add(exception)
        if contract.kind == INDEPENDENCE:
            violations.extend(_independence(contract, graph))
        elif contract.kind == FORBIDDEN:
            violations.extend(_forbidden(contract, graph))
        elif contract.kind == INTERFACE:
            violations.extend(_interface(contract, graph, project))
    for edge in graph.edges:
        exception = architecture.layer_exception(edge.importer, edge.imported)
        if exception is None and not edge.external:
            canonical = project.module_of_target(
                f"{edge.imported}.{edge.name}" if edge.name else edge.imported
            )
            if canonical is not None:
                exception = architecture.layer_exception(edge.importer, canonical)
        if exception is not None:
            used.add(exception)
    return Evaluation(tuple(violations), frozenset(used), graph)


def _shown(module: str, pattern: str) -> str:
    """The module a pattern names on the way to ``module`` (``dispatch.*.models`` ->
    ``dispatch.auth.models``), so a message names real modules."""
    if not any(ch in pattern for ch in "*?"):
        return pattern
    parts = module.split(".")
    for cut in range(1, len(parts) + 1):
        prefix = ".".join(parts[:cut])
        if module_matches(prefix, pattern):
            return prefix
    return pattern


def _member(module: str, patterns: tuple[str, ...]) -> str | None:
    """The first pattern naming ``module`` (the package it belongs to in the contract)."""
    for pattern in patterns:
        if module_matches(module, pattern):
            return pattern
    return None


def _independence(contract: ContractSpec, graph: ImportGraph) -> Iterator[Violation]:
    """Each import in a listed package that starts a chain into another listed package."""
    tails: dict[tuple[int, str, str], list[Edge] | None] = {}
    for edge in graph.edges:
        source = _member(edge.importer, contract.modules)
        if source is None or contract.ignored(edge.importer, edge.imported):
            continue
        for target in contract.modules:
            if target == source or module_matches(edge.importer, target):
                continue
            chain = _chain(contract, graph, edge, target, contract.modules, tails)
            if chain is not None:
                yield Violation(contract, tuple(chain), f"{source} must not depend on {target}")


def _forbidden(contract: ContractSpec, graph: ImportGraph) -> Iterator[Violation]:
    """Each import in a source module that starts a chain into a forbidden module."""
    tails: dict[tuple[int, str, str], list[Edge] | None] = {}
    for edge in graph.edges:
        source = _member(edge.importer, contract.modules)
        if source is None or contract.ignored(edge.importer, edge.imported):
            continue
        for target in contract.forbidden:
            if module_matches(edge.importer, target):
                continue
            chain = _chain(contract, graph, edge, target, contract.modules, tails)
            if chain is not None:
                problem = f"{_shown(edge.importer, source)} must not import {target}"
                yield Violation(contract, tuple(chain), problem)


def _chain(
    contract: ContractSpec,
    graph: ImportGraph,
    start: Edge,
    target: str,
    avoid: tuple[str, ...],
    tails: dict[tuple[int, str, str], list[Edge] | None],
) -> list[Edge] | None:
    """The shortest chain from ``start`` into ``target``.

    Chains through another module of the contract's own list are that module's
    violation, reported at its own import, so they are not followed here.
    """
    if module_matches(start.imported, target):
        return [start]
    if not contract.indirect or _member(start.imported, avoid) is not None:
        return None
    key = (id(contract), start.imported, target)
    if key not in tails:
        tails[key] = graph.shortest_chain(
            start.imported,
            is_goal=lambda module: module_matches(module, target),
            may_pass=lambda module: _member(module, avoid) is None,
            allowed=lambda edge: contract.ignored(edge.importer, edge.imported) is None,
        )
    tail = tails[key]
    return None if tail is None else [start, *tail]


def _interface(contract: ContractSpec, graph: ImportGraph, project: Project) -> Iterator[Violation]:
    """Imports from outside a package that bypass the names its interface exports."""
    for edge in graph.edges:
        if edge.external or contract.ignored(edge.importer, edge.imported):
            continue
        package = _member(edge.imported, contract.modules)
        if package is None or module_matches(edge.importer, package):
            continue
        interface = _interface_modules(contract, package, edge.imported)
        if edge.imported not in interface and not _exported_submodule(project, edge, interface):
            shown = ", ".join(sorted(interface))
            yield Violation(
                contract,
                (edge,),
                f"{edge.imported} is internal to {package}; import what it exports from {shown}",
            )
        elif edge.name is not None and edge.name not in exported_names(project, edge.imported):
            yield Violation(
                contract,
                (edge,),
                f"{edge.name!r} is not exported by {edge.imported}, the interface of {package}",
            )


def _exported_submodule(project: Project, edge: Edge, interface: frozenset[str]) -> bool:
    """``from app.billing import events`` where the interface exports ``events`` itself."""
    return (
        edge.written in interface
        and edge.written_name is not None
        and edge.written_name in exported_names(project, edge.written)
    )


def _interface_modules(contract: ContractSpec, package: str, imported: str) -> frozenset[str]:
    """The package itself (its ``__init__``) and the declared interface modules inside it.

    With a glob pattern the package is the module the pattern matched.
    """
    parts = imported.split(".")
    for cut in range(1, len(parts) + 1):
        candidate = ".".join(parts[:cut])
        if _member(candidate, contract.modules) == package:
            root = candidate
            break
    else:
        root = package
    return frozenset({root, *(m for m in contract.expose if module_matches(m, root))})


def exported_names(project: Project, module: str) -> frozenset[str]:
    """``__all__`` when the module defines it as a literal, else its public top-level names."""
    facts = project.modules.get(module)
    if facts is None:
        return frozenset()
    for var, value in facts.assignments:
        if var == "__all__" and value.kind == "list":
            return frozenset(str(e.literal) for e in value.elements if e.kind == "str")
    names = {imp.alias for imp in facts.imports if not imp.local}
    names |= {cls.name for cls in facts.classes}
    names |= {
        fn.name for fn in facts.functions if fn.class_name is None and "<locals>" not in fn.qualname
    }
    names |= {var for var, _ in facts.assignments}
    return frozenset(name for name in names if not name.startswith("_"))
