"""The Column-to-mapped_column rewrite LL301 and LL302 share."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from layerlint.expressions import bool_literal, dotted_name, keyword_arg, string_value
from layerlint.rules.base import Fix
from layerlint.rules.sqlalchemy._declarative_scan import (
    MAPPED_ANNOTATIONS,
    ClassRecord,
    MappedAttribute,
)
from layerlint.rules.sqlalchemy._support import (
    ImportItem,
    ModuleNames,
    PyType,
    Spelling,
    import_of,
    parse,
    scan_block,
)

Qualify = Callable[[cst.BaseExpression], str | None]


_EMPTY = cst.Module(body=[])


def code_of(node: cst.CSTNode) -> str:
    """The source text of one node."""
    return _EMPTY.code_for_node(node)


def class_body_names(node: cst.ClassDef) -> frozenset[str]:
    """Names a class body binds: an annotation inside the class must not use them.

    With a value, ``x: T = v`` assigns before it evaluates ``T``, so
    ``uuid: Mapped[uuid.UUID] = ...`` would read the class attribute, not the module.
    """
    names: set[str] = set()
    if isinstance(node.body, cst.IndentedBlock):
        bound: dict[str, str | None] = {}
        scan_block(node.body.body, bound, runtime=False)
        names.update(bound)
    return frozenset(names)


_ANY = PyType("typing", "Any")


_TYPE_MODULES = frozenset(
    {
        "sqlalchemy",
        "sqlalchemy.types",
        "sqlalchemy.sql.sqltypes",
        "sqlmodel",
        "sqlmodel.sql.sqltypes",
    }
)


_POSTGRES = "sqlalchemy.dialects.postgresql"


_SIMPLE_TYPES: Mapping[str, PyType] = {
    **{n: PyType("builtins", "int") for n in ("Integer", "BigInteger", "SmallInteger")},
    **{n: PyType("builtins", "int") for n in ("INTEGER", "BIGINT", "SMALLINT", "INT")},
    **{
        n: PyType("builtins", "str")
        for n in ("String", "Text", "Unicode", "UnicodeText", "VARCHAR", "NVARCHAR", "CHAR")
    },
    **{n: PyType("builtins", "str") for n in ("NCHAR", "TEXT", "CLOB")},
    **{n: PyType("builtins", "bool") for n in ("Boolean", "BOOLEAN")},
    **{n: PyType("datetime", "datetime") for n in ("DateTime", "DATETIME", "TIMESTAMP")},
    **{n: PyType("datetime", "date") for n in ("Date", "DATE")},
    **{n: PyType("datetime", "time") for n in ("Time", "TIME")},
    "Interval": PyType("datetime", "timedelta"),
    **{n: PyType("builtins", "bytes") for n in ("LargeBinary", "BLOB", "BINARY", "VARBINARY")},
    "JSON": _ANY,
}


# Float and Numeric return ``float`` or ``Decimal`` depending on ``asdecimal``.
_FLOATS = frozenset({"Float", "FLOAT", "REAL", "Double", "DOUBLE", "DOUBLE_PRECISION"})


_NUMERICS = frozenset({"Numeric", "NUMERIC", "DECIMAL"})


_UUIDS = frozenset({"Uuid", "UUID"})


_ENUMS = frozenset({"Enum"})


# PostgreSQL types whose Python type is the generic one (Oracle's ``DATE``, for one,
# holds a datetime: other dialects are not trusted).
_POSTGRES_TYPES: Mapping[str, PyType] = {
    "UUID": PyType("uuid", "UUID"),
    "JSON": _ANY,
    "JSONB": _ANY,
    "BYTEA": PyType("builtins", "bytes"),
    "TIMESTAMP": PyType("datetime", "datetime"),
    "DATE": PyType("datetime", "date"),
    "TIME": PyType("datetime", "time"),
    "INTERVAL": PyType("datetime", "timedelta"),
    "TEXT": PyType("builtins", "str"),
    "VARCHAR": PyType("builtins", "str"),
    "INTEGER": PyType("builtins", "int"),
    "BIGINT": PyType("builtins", "int"),
    "BOOLEAN": PyType("builtins", "bool"),
}


_CAP_WORDS = re.compile(r"_?[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*")


def _type_name(qualified: str | None) -> tuple[str, str] | None:
    """``(kind, name)``: ``("generic", "String")`` or ``("postgresql", "JSONB")``."""
    if qualified is None or "." not in qualified:
        return None
    module, name = qualified.rsplit(".", 1)
    if module in _TYPE_MODULES:
        return "generic", name
    if module == _POSTGRES or module.startswith(_POSTGRES + "."):
        return "postgresql", name
    return None


def _keyword_bool(call: cst.Call | None, name: str, default: bool) -> bool | None:
    """A literal boolean keyword of a type call; ``default`` when absent, None when unknown."""
    if call is None:
        return default
    arg = keyword_arg(call, name)
    if arg is None:
        return default
    return bool_literal(arg.value)


def python_type(
    node: cst.BaseExpression, qualify: Qualify, names: ModuleNames, local_classes: Collection[str]
) -> PyType | None:
    """The Python type of a SQLAlchemy type expression (``String(50)``, ``sa.Uuid``).

    None for anything not known for certain: custom ``TypeDecorator`` classes,
    ``with_variant()``, non-literal ``asdecimal``/``as_uuid``, other dialects.
    """
    call = node if isinstance(node, cst.Call) else None
    head = call.func if call is not None else node
    if call is not None and any(arg.star for arg in call.args):
        return None
    found = _type_name(qualify(head))
    if found is None:
        return None
    kind, name = found
    if kind == "postgresql" and name not in ("UUID",):
        return _POSTGRES_TYPES.get(name)
    if name in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[name]
    if name in _FLOATS or name in _NUMERICS:
        decimal = _keyword_bool(call, "asdecimal", name in _NUMERICS)
        if decimal is None:
            return None
        return PyType("decimal", "Decimal") if decimal else PyType("builtins", "float")
    if name in _UUIDS:
        as_uuid = _keyword_bool(call, "as_uuid", True)
        if as_uuid is None:
            return None
        return PyType("uuid", "UUID") if as_uuid else PyType("builtins", "str")
    if name in _ENUMS and call is not None:
        return _enum_type(call, names, local_classes)
    return None


def _enum_type(call: cst.Call, names: ModuleNames, local_classes: Collection[str]) -> PyType | None:
    """``Enum(Status)`` holds ``Status`` members; ``Enum("a", "b")`` holds strings."""
    positional = [arg.value for arg in call.args if arg.keyword is None]
    if not positional:
        return None
    if all(string_value(value) is not None for value in positional):
        return PyType("builtins", "str")
    if len(positional) != 1:
        return None
    dotted = dotted_name(positional[0])
    if dotted is None:
        return None
    if len(dotted) == 1 and dotted[0] in local_classes:
        is_class = True  # a class of this module
    else:
        # Imported: a CapWords name (``Status``, ``models.Status``), not a constant.
        is_class = names.target(dotted[0]) is not None and bool(_CAP_WORDS.fullmatch(dotted[-1]))
    return PyType("", dotted[-1], ".".join(dotted)) if is_class else None


_NOT_A_TYPE = frozenset(
    {
        "ClassVar",
        "Final",
        "Column",
        "InstrumentedAttribute",
        "ColumnProperty",
        "RelationshipProperty",
        "Relationship",
        "QueryableAttribute",
        "None",
    }
)


def _string_annotation(node: cst.BaseExpression) -> cst.BaseExpression | None:
    if isinstance(node, cst.SimpleString):
        text = string_value(node)
        return None if text is None else parse(text)
    return node


def _union_members(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        yield from _union_members(node.left)
        yield from _union_members(node.right)
    else:
        yield node


def _subscript_items(node: cst.Subscript) -> list[cst.BaseExpression]:
    return [element.slice.value for element in node.slice if isinstance(element.slice, cst.Index)]


def split_optional(
    node: cst.BaseExpression, names: ModuleNames
) -> tuple[cst.BaseExpression, bool] | None:
    """``(base type, allows None)`` of an annotation; None when it cannot be told.

    ``Optional[X]``, ``X | None``, ``Union[X, None]`` allow None; ``Annotated[X, ...]``
    and a quoted annotation are looked through. A name bound in this module by an
    assignment may be an alias of ``Optional[...]``: unknown.
    """
    for _ in range(4):
        parsed = _string_annotation(node)
        if parsed is None:
            return None
        node = parsed
        if isinstance(node, cst.Subscript):
            head = dotted_name(node.value)
            items = _subscript_items(node)
            if head is not None and head[-1] == "Annotated" and items:
                node = items[0]
                continue
            if head is not None and head[-1] == "Optional" and len(items) == 1:
                inner = split_optional(items[0], names)
                return None if inner is None else (inner[0], True)
            if head is not None and head[-1] == "Union":
                rest = [i for i in items if not (isinstance(i, cst.Name) and i.value == "None")]
                if len(rest) != 1:
                    return None
                inner = split_optional(rest[0], names)
                return None if inner is None else (inner[0], inner[1] or len(rest) < len(items))
        break
    members = list(_union_members(node))
    if len(members) > 1:
        rest = [m for m in members if not (isinstance(m, cst.Name) and m.value == "None")]
        if len(rest) != 1:
            return None
        inner = split_optional(rest[0], names)
        return None if inner is None else (inner[0], inner[1] or len(rest) < len(members))
    dotted = dotted_name(node.value if isinstance(node, cst.Subscript) else node)
    if dotted is None or dotted[-1] in _NOT_A_TYPE or dotted[-1] in MAPPED_ANNOTATIONS:
        return None
    if names.local_alias(dotted[0]):
        return None  # ``OptionalStr = Optional[str]`` cannot be told from a class here
    return node, False


def _resolved(node: cst.BaseExpression, names: ModuleNames) -> str | None:
    """The qualified name of an annotation's base type (``dt.date`` -> ``datetime.date``)."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    target = names.target(dotted[0])
    if names.is_bound(dotted[0]):
        return None if target is None else ".".join((target, *dotted[1:]))
    return "builtins." + ".".join(dotted)


def mapped_inner(annotation: cst.Annotation) -> cst.BaseExpression | None:
    """``X`` of an existing ``Mapped[X]`` annotation (quoted or not)."""
    node = _string_annotation(annotation.annotation)
    if not isinstance(node, cst.Subscript):
        return None
    head = dotted_name(node.value)
    items = _subscript_items(node)
    if head is None or head[-1] != "Mapped" or len(items) != 1:
        return None
    return items[0]


# ``Column()`` keywords ``mapped_column()`` does not take.
_COLUMN_ONLY = frozenset({"insert_sentinel", "_omit_from_statements", "_proxies"})


@dataclass(frozen=True)
class FileFacts:
    """What the column fixes need to know about the file and the class."""

    qualify: Qualify
    names: ModuleNames
    local_classes: frozenset[str]
    dataclass_mapping: bool


def _identity(value: cst.BaseExpression, qualify: Qualify) -> bool:
    if not isinstance(value, cst.Call):
        return False
    qualified = qualify(value.func)
    return qualified is not None and qualified.rsplit(".", 1)[-1] == "Identity"


def primary_key_names(record: ClassRecord) -> frozenset[str]:
    """Column names listed in a ``PrimaryKeyConstraint`` of ``__table_args__``."""
    found: set[str] = set()
    if not isinstance(record.node.body, cst.IndentedBlock):
        return frozenset()
    for stmt in record.node.body.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.Assign | cst.AnnAssign) or small.value is None:
                continue
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
            )
            if not any(isinstance(t, cst.Name) and t.value == "__table_args__" for t in targets):
                continue
            stack: list[cst.CSTNode] = [small.value]
            while stack:
                current = stack.pop()
                if isinstance(current, cst.Call) and (
                    (d := dotted_name(current.func)) is not None and d[-1] == "PrimaryKeyConstraint"
                ):
                    for arg in current.args:
                        text = string_value(arg.value) if arg.keyword is None else None
                        if text is not None:
                            found.add(text)
                stack.extend(current.children)
    return frozenset(found)


@dataclass(frozen=True)
class ColumnCall:
    """What a ``Column(...)``/``mapped_column(...)`` call says about its column."""

    python: PyType | None
    nullable: bool | None  # None: not known for certain


def read_column(
    attribute: MappedAttribute, facts: FileFacts, pk_names: Collection[str]
) -> ColumnCall | None:
    """The column's Python type and nullability; None when the call hides arguments."""
    call = attribute.call
    if any(arg.star for arg in call.args):
        return None
    if any(arg.keyword is not None and arg.keyword.value in _COLUMN_ONLY for arg in call.args):
        return None
    positional = [arg.value for arg in call.args if arg.keyword is None]
    column_name = attribute.name
    if positional and string_value(positional[0]) is not None:
        column_name = string_value(positional[0]) or column_name
        positional = positional[1:]
    name_arg = keyword_arg(call, "name")
    if name_arg is not None:
        column_name = string_value(name_arg.value) or column_name
    type_arg = keyword_arg(call, "type_")
    type_node = type_arg.value if type_arg is not None else (positional[0] if positional else None)
    python = (
        python_type(type_node, facts.qualify, facts.names, facts.local_classes)
        if type_node is not None
        else None
    )
    return ColumnCall(python, _nullable(call, positional, column_name, pk_names, facts.qualify))


def _nullable(
    call: cst.Call,
    positional: Sequence[cst.BaseExpression],
    column_name: str,
    pk_names: Collection[str],
    qualify: Qualify,
) -> bool | None:
    """``Column``'s own rule: nullable unless a primary key or an ``Identity()`` column."""
    explicit = keyword_arg(call, "nullable")
    if explicit is not None:
        return bool_literal(explicit.value)
    pk_arg = keyword_arg(call, "primary_key")
    primary = False if pk_arg is None else bool_literal(pk_arg.value)
    if primary is None:
        return None
    if primary or column_name in pk_names:
        return False
    return not any(_identity(value, qualify) for value in positional)


def _column_annotation(
    attribute: MappedAttribute, column: ColumnCall, spelling: Spelling, facts: FileFacts
) -> tuple[cst.BaseExpression, bool] | None:
    """The ``Mapped[...]`` annotation for a column attribute and whether it is new.

    With no annotation, it is written from the column type. An existing plain
    annotation (``email: str``) is wrapped only when it says what the column holds:
    the same nullability, and the same type when the type is known (any type for JSON
    or a custom type, whose values the code knows better). An existing ``Mapped[X]``
    is kept when its nullability agrees.
    """
    nullable = column.nullable
    if nullable is None:
        return None
    if attribute.annotation is None:
        if column.python is None:
            return None
        inner = spelling.of(column.python)
        if inner is None:
            return None
        text = spelling.mapped(spelling.optional(inner) if nullable else inner)
        parsed = None if text is None else parse(text)
        return None if parsed is None else (parsed, True)
    existing = mapped_inner(attribute.annotation)
    if existing is not None:
        split = split_optional(existing, facts.names)
        if split is None or split[1] != nullable:
            return None
        return attribute.annotation.annotation, False
    split = split_optional(attribute.annotation.annotation, facts.names)
    if split is None or split[1] != nullable:
        return None
    base, _ = split
    python = column.python
    if python is not None and python != _ANY:
        wanted = python.code if python.module == "" else f"{python.module}.{python.name}"
        resolved = code_of(base) if python.module == "" else _resolved(base, facts.names)
        if resolved != wanted:
            return None
    head = spelling.refer("sqlalchemy.orm", "Mapped")
    head_node = None if head is None else parse(head)
    if head_node is None:
        return None
    wrapped = cst.Subscript(
        value=head_node,
        slice=[cst.SubscriptElement(cst.Index(attribute.annotation.annotation))],
    )
    return wrapped, True


def _annotated_statement(
    statement: cst.Assign | cst.AnnAssign,
    target: cst.Name,
    annotation: cst.BaseExpression,
    value: cst.BaseExpression,
) -> cst.AnnAssign:
    """``target: annotation = value`` keeping the spacing around ``=`` and any ``;``."""
    if isinstance(statement, cst.AnnAssign):
        return statement.with_changes(
            annotation=statement.annotation.with_changes(annotation=annotation), value=value
        )
    assign_target = statement.targets[0]
    return cst.AnnAssign(
        target=target,
        annotation=cst.Annotation(
            annotation=annotation,
            whitespace_before_indicator=cst.SimpleWhitespace(""),
            whitespace_after_indicator=cst.SimpleWhitespace(" "),
        ),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=assign_target.whitespace_before_equal,
            whitespace_after=assign_target.whitespace_after_equal,
        ),
        semicolon=statement.semicolon,
    )


def _fixable_statement(attribute: MappedAttribute) -> cst.Assign | cst.AnnAssign | None:
    statement = attribute.statement
    if isinstance(statement, cst.Assign) and len(statement.targets) != 1:
        return None  # ``a = b = Column(...)``
    return statement


def column_fix(
    attribute: MappedAttribute, record: ClassRecord, facts: FileFacts, convert: bool
) -> Fix | None:
    """LL301 (``convert``: ``Column`` -> ``mapped_column`` too) and LL302 for columns.

    ``x = Column(Integer)`` becomes ``x: Mapped[int | None] = mapped_column(Integer)``
    (LL301) or ``x: Mapped[int | None] = Column(Integer)`` (LL302: SQLAlchemy 2.0 reads
    a ``Mapped`` annotation on a ``Column`` too; LL301 then finishes the job).
    """
    statement = _fixable_statement(attribute)
    if statement is None or facts.dataclass_mapping:
        return None
    column = read_column(attribute, facts, primary_key_names(record))
    if column is None:
        return None
    imports: list[ImportItem] = []
    spelling = Spelling(facts.names, class_body_names(record.node), imports)
    annotated = _column_annotation(attribute, column, spelling, facts)
    if annotated is None:
        return None
    annotation, changed = annotated
    value: cst.BaseExpression = attribute.call
    removes: list[ImportItem] = []
    if convert and attribute.kind == "column":
        func = spelling.refer("sqlalchemy.orm", "mapped_column")
        func_node = None if func is None else parse(func)
        if func_node is None:
            return None
        value = attribute.call.with_changes(func=func_node)
        removes.extend(import_of(attribute.call.func, facts.names))
    if not changed:
        # Already ``Mapped[...]``: only the callee changes.
        if value is attribute.call:
            return None
        return Fix(((attribute.call, value),), tuple(imports), tuple(removes))
    new = _annotated_statement(statement, attribute.target, annotation, value)
    return Fix(((statement, new),), tuple(imports), tuple(removes))
