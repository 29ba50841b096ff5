"""Reads declarative model classes for LL301 and LL302: mapped attributes, bases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from layerlint.expressions import dotted_name, string_value
from layerlint.file_context import FileContext
from layerlint.project import DECLARATIVE_DUNDERS, PYDANTIC_BASES
from layerlint.project import MAPPED_ANNOTATIONS as MAPPED_ANNOTATIONS
from layerlint.rules.sqlalchemy._support import (
    COLUMN,
    DECLARATIVE_BASES,
    DECLARATIVE_FACTORIES,
    MAPPED_COLUMN,
    RELATIONSHIP,
    call_name,
)

OTHER_MAPPED = frozenset(
    {
        "sqlalchemy.orm.column_property",
        "sqlalchemy.orm.composite",
        "sqlalchemy.orm.synonym",
        "sqlalchemy.orm.deferred",
        "sqlalchemy.orm.dynamic_loader",
        "sqlalchemy.orm.query_expression",
    }
)


def is_mapped_annotation(annotation: cst.Annotation | None) -> bool:
    """``Mapped[...]`` (also ``WriteOnlyMapped``/``DynamicMapped``, quoted or not)."""
    if annotation is None:
        return False
    node = annotation.annotation
    if isinstance(node, cst.SimpleString):
        text = string_value(node) or ""
        return text.split("[", 1)[0].rsplit(".", 1)[-1].strip() in MAPPED_ANNOTATIONS
    if isinstance(node, cst.Subscript):
        base = dotted_name(node.value)
        return base is not None and base[-1] in MAPPED_ANNOTATIONS
    dotted = dotted_name(node)
    return dotted is not None and dotted[-1] in MAPPED_ANNOTATIONS


@dataclass
class MappedAttribute:
    """``name = <call>`` / ``name: ann = <call>`` in a class body, with what the call is."""

    name: str
    target: cst.Name
    annotation: cst.Annotation | None
    call: cst.Call
    kind: str  # "column", "mapped_column", "relationship", "other"
    # The assignment itself, for fixes that add or change the annotation.
    statement: cst.Assign | cst.AnnAssign | None = None


@dataclass
class ClassRecord:
    """What one class body says about being a declarative (mapped) class."""

    node: cst.ClassDef
    local_bases: tuple[str, ...]
    excluded: bool
    evidence: bool
    attributes: list[MappedAttribute] = field(default_factory=list)
    # A base imported from another module: its ``__tablename__`` may come from there
    # (``@declared_attr``), so ``Column()`` attributes alone make the class mapped.
    imported_base: bool = False


def _mapped_kind(qualified: str | None) -> str | None:
    if qualified is None:
        return None
    if qualified in COLUMN:
        return "column"
    if qualified in MAPPED_COLUMN:
        return "mapped_column"
    if qualified in RELATIONSHIP:
        return "relationship"
    if qualified in OTHER_MAPPED:
        return "other"
    return None


_MAPPED_CALL_NAMES = frozenset(
    {
        "Column",
        "mapped_column",
        "relationship",
        "relation",
        "column_property",
        "composite",
        "synonym",
        "deferred",
        "dynamic_loader",
        "query_expression",
    }
)


class DeclarativeScanner:
    """Collects the classes of one file and decides, at the end, which are declarative.

    A class is declarative when its own body says so (``__tablename__``,
    ``__mapper_args__``, a ``Mapped[...]`` annotation, a ``mapped_column()`` or
    ``relationship()`` attribute, a ``@declared_attr``), when a base resolves to
    ``DeclarativeBase`` or to a ``declarative_base()`` result of this file, when a base is
    another declarative class of this file, or when it is a mixin that a declarative
    class of this file inherits. SQLModel and Pydantic classes never are.
    """

    def __init__(self) -> None:
        self.factories: set[str] = set()
        self.records: list[ClassRecord] = []

    def start(self, module: cst.Module, ctx: FileContext) -> None:
        """Reset for a new file; remember ``Base = declarative_base()`` style names."""
        self.factories = set()
        self.records = []
        for stmt in module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self._module_assignment(small, ctx)

    def _module_assignment(self, small: cst.BaseSmallStatement, ctx: FileContext) -> None:
        targets: list[cst.BaseExpression] = []
        value: cst.BaseExpression | None = None
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
            value = small.value
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            targets = [small.target]
            value = small.value
        if not isinstance(value, cst.Call):
            return
        name = call_name(value)
        factory = name == "generate_base" or (
            name == "declarative_base" and ctx.qualified_name(value.func) in DECLARATIVE_FACTORIES
        )
        if factory:
            self.factories.update(t.value for t in targets if isinstance(t, cst.Name))

    def add(self, node: cst.ClassDef, ctx: FileContext) -> None:
        """Record a class: its bases, its own evidence and its mapped-looking attributes."""
        excluded = any(
            kw.keyword is not None and kw.keyword.value == "table" for kw in node.keywords
        )
        evidence = False
        imported_base = False
        local_bases: list[str] = []
        for base in node.bases:
            dotted = dotted_name(base.value)
            if dotted is None:
                continue
            local_bases.append(".".join(dotted))
            qualified = ctx.qualified_name(base.value)
            if qualified is None:
                continue
            if qualified in DECLARATIVE_BASES:
                evidence = True
            elif qualified.startswith(("sqlmodel.", "pydantic")) or qualified in PYDANTIC_BASES:
                excluded = True
            else:
                imported_base = True
        for decorator in node.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            dotted = dotted_name(target)
            if dotted and dotted[-1] in ("mapped", "as_declarative", "mapped_as_dataclass"):
                evidence = True
        record = ClassRecord(node, tuple(local_bases), excluded, evidence)
        record.imported_base = imported_base
        if isinstance(node.body, cst.IndentedBlock):
            for stmt in node.body.body:
                self._class_statement(record, stmt, ctx)
        self.records.append(record)

    def _class_statement(
        self, record: ClassRecord, stmt: cst.BaseStatement, ctx: FileContext
    ) -> None:
        if isinstance(stmt, cst.FunctionDef):
            if stmt.name.value in DECLARATIVE_DUNDERS or any(
                (d := dotted_name(dec.decorator)) is not None and d[-1] == "declared_attr"
                for dec in stmt.decorators
            ):
                record.evidence = True
            return
        if not isinstance(stmt, cst.SimpleStatementLine):
            return
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                names = [t.target for t in small.targets if isinstance(t.target, cst.Name)]
                self._attribute(record, names, None, small.value, ctx, small)
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                if is_mapped_annotation(small.annotation):
                    record.evidence = True
                self._attribute(record, [small.target], small.annotation, small.value, ctx, small)

    def _attribute(
        self,
        record: ClassRecord,
        names: list[cst.Name],
        annotation: cst.Annotation | None,
        value: cst.BaseExpression | None,
        ctx: FileContext,
        statement: cst.Assign | cst.AnnAssign | None = None,
    ) -> None:
        if any(name.value in DECLARATIVE_DUNDERS for name in names):
            record.evidence = True
            return
        if not isinstance(value, cst.Call) or call_name(value) not in _MAPPED_CALL_NAMES:
            return
        kind = _mapped_kind(ctx.qualified_name(value.func))
        if kind is None:
            return
        if kind != "column" or record.imported_base:
            record.evidence = True
        for name in names:
            record.attributes.append(
                MappedAttribute(name.value, name, annotation, value, kind, statement)
            )

    def declarative(self) -> Iterator[ClassRecord]:
        """The recorded classes judged declarative, in source order."""
        chosen: set[int] = set()
        names: set[str] = set(self.factories)
        changed = True
        while changed:
            changed = False
            for index, record in enumerate(self.records):
                if index in chosen or record.excluded:
                    continue
                if record.evidence or any(base in names for base in record.local_bases):
                    chosen.add(index)
                    names.add(record.node.name.value)
                    changed = True
            # Mixins: a class of this file used as a base by a declarative class.
            for index in list(chosen):
                for base in self.records[index].local_bases:
                    for other, candidate in enumerate(self.records):
                        if (
                            other not in chosen
                            and not candidate.excluded
                            and candidate.node.name.value == base
                        ):
                            chosen.add(other)
                            names.add(base)
                            changed = True
        for index, record in enumerate(self.records):
            if index in chosen:
                yield record
