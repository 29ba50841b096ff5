"""What a file rule sees of the module it is looking at, and how it reports.

``FileInput`` is the engine's description of one file; ``FileContext`` is the one object
every file-rule callback receives: the module's identity, names resolved through its
imports, the enclosing function or class, and ``report()``. The walk keeps it current.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from layerlint.diagnostics import Diagnostic
from layerlint.expressions import dotted_name
from layerlint.rules.base import Fix


@dataclass(frozen=True)
class FileInput:
    """What the per-file pass needs to know about one file."""

    path: str
    module: str
    is_package: bool
    layer: str | None


class FileContext:
    """What a file-rule callback may ask about the module, and where it reports.

    Rules read the properties and call ``qualified_name`` and ``report``; the other
    attributes are the walk's bookkeeping (scopes, the rule being called, what was
    reported, rules that crashed), kept up to date by collect.py and the fact collector.
    """

    def __init__(self, info: FileInput, aliases: dict[str, str]) -> None:
        self._info = info
        self._aliases = aliases
        self.reports: list[tuple[str, cst.CSTNode, str]] = []
        self.fixes: dict[int, Fix] = {}
        self.failures: list[Diagnostic] = []
        self.current_code = ""
        self.scopes: list[cst.CSTNode] = []
        self.type_checking_depth = 0

    @property
    def module(self) -> str:
        return self._info.module

    @property
    def layer(self) -> str | None:
        return self._info.layer

    @property
    def path(self) -> str:
        return self._info.path

    @property
    def enclosing_function(self) -> cst.FunctionDef | None:
        """The innermost function whose body is being walked."""
        for scope in reversed(self.scopes):
            if isinstance(scope, cst.FunctionDef):
                return scope
        return None

    @property
    def enclosing_class(self) -> cst.ClassDef | None:
        """The class whose body is being walked directly (not inside a method)."""
        if self.scopes and isinstance(self.scopes[-1], cst.ClassDef):
            return self.scopes[-1]
        return None

    @property
    def in_type_checking(self) -> bool:
        return self.type_checking_depth > 0

    def add_alias(self, name: str, target: str) -> None:
        """Record that ``name`` now refers to ``target`` (an import)."""
        self._aliases[name] = target

    def qualified_name(self, node: cst.BaseExpression) -> str | None:
        """``Column`` -> ``sqlalchemy.Column`` via this module's imports; None if unknown."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        target = self._aliases.get(dotted[0])
        if target is None:
            return None
        return ".".join((target, *dotted[1:]))

    def report(self, node: cst.CSTNode, message: str | None = None, fix: Fix | None = None) -> None:
        if fix is not None:
            self.fixes[len(self.reports)] = fix
        self.reports.append((self.current_code, node, message or ""))
