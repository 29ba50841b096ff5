"""Predicates several rule families share, so that they give one answer."""

from __future__ import annotations

import libcst as cst

from layerlint.facts import ModuleFacts


def assigns_revision(facts: ModuleFacts) -> bool:
    """A module that assigns both ``revision`` and ``down_revision`` is an Alembic revision."""
    names = {name for name, _ in facts.assignments}
    return "revision" in names and "down_revision" in names


def is_migration_module(layer: str | None, facts: ModuleFacts) -> bool:
    return layer == "migrations" or assigns_revision(facts)


def module_assigns_revision(module: cst.Module) -> bool:
    """The file-rule twin of :func:`assigns_revision` (top-level statements only)."""
    names: set[str] = set()
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        names.add(target.target.value)
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                names.add(small.target.value)
    return "revision" in names and "down_revision" in names
