"""The base class of LL301 and LL302: both look at declarative class attributes."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.file_context import FileContext
from layerlint.rules.base import FileRule, OptionValue
from layerlint.rules.sqlalchemy._column_fix import FileFacts
from layerlint.rules.sqlalchemy._declarative_scan import (
    ClassRecord,
    DeclarativeScanner,
    MappedAttribute,
)
from layerlint.rules.sqlalchemy._support import ModuleNames, mentions

_DATACLASS_MAPPING = frozenset({"MappedAsDataclass", "mapped_as_dataclass"})


def _file_facts(module: cst.Module, ctx: FileContext) -> FileFacts:
    """What the LL301/LL302 fixes need to know about the file (names, local classes)."""
    return FileFacts(
        qualify=ctx.qualified_name,
        names=ModuleNames.of(module),
        local_classes=frozenset(
            stmt.name.value for stmt in module.body if isinstance(stmt, cst.ClassDef)
        ),
        # Under dataclass mapping an annotated ``mapped_column()`` becomes an
        # ``__init__`` parameter: annotating changes the constructor.
        dataclass_mapping=mentions(module, _DATACLASS_MAPPING),
    )


class _DeclarativeAttributeRule(FileRule):
    """Shared walk of LL301/LL302: collect class bodies, judge them at the end of the file."""

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._scanner = DeclarativeScanner()

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._scanner.start(node, ctx)

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        self._scanner.add(node, ctx)

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        records = list(self._scanner.declarative())
        self._scanner = DeclarativeScanner()
        if not any(record.attributes for record in records):
            return
        facts = _file_facts(node, ctx)
        classes = {record.node.name.value: record for record in records}
        for record in records:
            for attribute in record.attributes:
                self._check(attribute, record, classes, facts, ctx)

    def _check(
        self,
        attribute: MappedAttribute,
        record: ClassRecord,
        classes: Mapping[str, ClassRecord],
        facts: FileFacts,
        ctx: FileContext,
    ) -> None:
        raise NotImplementedError
