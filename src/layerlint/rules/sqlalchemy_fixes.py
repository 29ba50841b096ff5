"""Autofixes for the SQLAlchemy 2.0 rules (LL301, LL302, LL304, LL306): the libCST rewrites.

Every builder returns a ``Fix`` or ``None``; ``None`` means the rewrite would have to
guess (a column type or a nullability the code does not state, a relationship whose
cardinality depends on foreign keys elsewhere), so the diagnostic stays for a human.

The one behaviour that matters most is nullability. ``Column(String)`` is nullable
unless it is a primary key (or has an ``Identity()``), while ``mapped_column()`` under
a ``Mapped[...]`` annotation takes it from the annotation: ``Mapped[str]`` means NOT
NULL. Every annotation written here therefore says ``X | None`` exactly when the
column was nullable, and an existing annotation is reused only when it agrees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from layerlint.expressions import dotted_name
from layerlint.rules.base import Fix
from layerlint.rules.sqlalchemy_support import (
    MAPPED_ANNOTATIONS,
    ClassRecord,
    MappedAttribute,
    keyword_arg,
    string_value,
)
from layerlint.string_code import parse_string_expression

Qualify = Callable[[cst.BaseExpression], str | None]
ImportItem = tuple[str, str | None]

_EMPTY = cst.Module(body=[])
# Modules with a member of the same name: ``import X`` and ``from X import X`` collide.
_MEMBER_NAMED = frozenset({"datetime"})


def code_of(node: cst.CSTNode) -> str:
    """The source text of one node."""
    return _EMPTY.code_for_node(node)


def _bool_literal(node: cst.BaseExpression) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def _comments(node: cst.CSTNode) -> list[str]:
    """Every comment inside ``node``, in order (to prove a rewrite lost none)."""
    found: list[str] = []
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Comment):
            found.append(current.value)
        stack.extend(reversed(current.children))
    return found


# -- module-level names -------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleNames:
    """What each module-level name is bound to.

    The value is the dotted target of an import (``datetime`` -> ``datetime.datetime``
    for ``from datetime import datetime``) or ``None`` for any other binding (a class,
    an assignment, an import under ``if TYPE_CHECKING:`` that does not exist at runtime).
    A rewrite may use a name that is bound to what it needs, or add an import for a name
    that is not bound at all, never rebind one.
    """

    bound: Mapping[str, str | None]

    @classmethod
    def of(cls, module: cst.Module) -> ModuleNames:
        bound: dict[str, str | None] = {}
        _scan_block(module.body, bound, runtime=True)
        return cls(bound)

    def target(self, name: str) -> str | None:
        return self.bound.get(name)

    def is_bound(self, name: str) -> bool:
        return name in self.bound

    def local_alias(self, name: str) -> bool:
        """Bound here by something other than an import (maybe a type alias)."""
        return name in self.bound and self.bound[name] is None

    def refer(
        self, module: str, name: str, prefer_from: bool = True, avoid: Collection[str] = ()
    ) -> tuple[str, ImportItem | None] | None:
        """How to write ``module.name`` here, and the import that needs adding (if any).

        Existing imports are reused (``dt.datetime`` after ``import datetime as dt``); a
        new import only binds a name that is free. For a module named like one of its
        members (``datetime``) only the preferred style is tried, so two fixes of one
        file can never add both ``import datetime`` and ``from datetime import datetime``.
        """
        qualified = f"{module}.{name}"
        for bound, target in sorted(self.bound.items()):
            if target == qualified and bound not in avoid:
                return bound, None
        for bound, target in sorted(self.bound.items()):
            if target == module and bound not in avoid:
                return f"{bound}.{name}", None
        styles = [prefer_from, not prefer_from]
        if module in _MEMBER_NAMED:
            styles = styles[:1]
        for from_style in styles:
            if from_style and not self.is_bound(name) and name not in avoid:
                return name, (module, name)
            if (
                not from_style
                and "." not in module
                and not self.is_bound(module)
                and module not in avoid
            ):
                return f"{module}.{name}", (module, None)
        return None

    def imports_from(self, module: str) -> bool:
        """The module already imports names out of ``module`` (``from module import x``)."""
        return any(
            target is not None and target.startswith(module + ".") for target in self.bound.values()
        )


def _is_type_checking(test: cst.BaseExpression) -> bool:
    dotted = dotted_name(test)
    return dotted is not None and dotted[-1] == "TYPE_CHECKING"


def _scan_block(body: Sequence[cst.CSTNode], bound: dict[str, str | None], runtime: bool) -> None:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                _scan_small(small, bound, runtime)
        elif isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            bound[stmt.name.value] = None
        elif isinstance(stmt, cst.If):
            inner_runtime = runtime and not _is_type_checking(stmt.test)
            _scan_block(stmt.body.body, bound, inner_runtime)
            orelse = stmt.orelse
            while orelse is not None:
                _scan_block(orelse.body.body, bound, runtime)
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        elif isinstance(stmt, cst.Try | cst.TryStar):
            _scan_block(stmt.body.body, bound, runtime)
            for handler in stmt.handlers:
                if handler.name is not None:
                    _bind_target(handler.name.name, bound)
                _scan_block(handler.body.body, bound, runtime)
            for extra in (stmt.orelse, stmt.finalbody):
                if extra is not None:
                    _scan_block(extra.body.body, bound, runtime)
        elif isinstance(stmt, cst.For | cst.While | cst.With):
            if isinstance(stmt, cst.For):
                _bind_target(stmt.target, bound)
            if isinstance(stmt, cst.With):
                for item in stmt.items:
                    if item.asname is not None:
                        _bind_target(item.asname.name, bound)
            _scan_block(stmt.body.body, bound, runtime)


def _scan_small(small: cst.BaseSmallStatement, bound: dict[str, str | None], runtime: bool) -> None:
    if isinstance(small, cst.Import):
        for alias in small.names:
            dotted = dotted_name(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound[alias.asname.name.value] = ".".join(dotted) if runtime else None
            else:
                bound[dotted[0]] = dotted[0] if runtime else None
    elif isinstance(small, cst.ImportFrom):
        if isinstance(small.names, cst.ImportStar):
            return
        module = dotted_name(small.module) if small.module is not None else None
        base = ".".join(module) if module is not None and not small.relative else None
        for alias in small.names:
            if not isinstance(alias.name, cst.Name):
                continue
            name = alias.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            else:
                local = name
            bound[local] = f"{base}.{name}" if base is not None and runtime else None
    elif isinstance(small, cst.Assign):
        for target in small.targets:
            _bind_target(target.target, bound)
    elif isinstance(small, cst.AnnAssign | cst.AugAssign):
        _bind_target(small.target, bound)


def _bind_target(node: cst.BaseExpression, bound: dict[str, str | None]) -> None:
    if isinstance(node, cst.Name):
        bound[node.value] = None
    elif isinstance(node, cst.Tuple | cst.List):
        for element in node.elements:
            _bind_target(element.value, bound)
    elif isinstance(node, cst.StarredElement):
        _bind_target(node.value, bound)


def class_body_names(node: cst.ClassDef) -> frozenset[str]:
    """Names a class body binds: an annotation inside the class must not use them.

    With a value, ``x: T = v`` assigns before it evaluates ``T``, so
    ``uuid: Mapped[uuid.UUID] = ...`` would read the class attribute, not the module.
    """
    names: set[str] = set()
    if isinstance(node.body, cst.IndentedBlock):
        bound: dict[str, str | None] = {}
        _scan_block(node.body.body, bound, runtime=False)
        names.update(bound)
    return frozenset(names)


# -- Python types of column types ---------------------------------------------------------------


@dataclass(frozen=True)
class PyType:
    """The Python type a column holds: ``module.name``, or ``code`` for an enum class."""

    module: str
    name: str
    code: str = ""


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
    return _bool_literal(arg.value)


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


# -- writing annotations ----------------------------------------------------------------------


@dataclass
class Spelling:
    """Annotation text being built, with the names it reads and the imports it needs."""

    names: ModuleNames
    avoid: Collection[str]
    imports: list[ImportItem]

    def refer(self, module: str, name: str, prefer_from: bool = True) -> str | None:
        found = self.names.refer(module, name, prefer_from, self.avoid)
        if found is None:
            return None
        text, needed = found
        if needed is not None and needed not in self.imports:
            self.imports.append(needed)
        return text

    def of(self, py: PyType) -> str | None:
        """The text of one Python type."""
        if py.module == "builtins":
            shadowed = py.name in self.avoid or self.names.is_bound(py.name)
            return None if shadowed else py.name
        if py.module == "":
            return None if py.code.split(".")[0] in self.avoid else py.code
        if py.module == "typing":
            return self.refer("typing", py.name)
        # ``datetime``/``uuid``/``decimal``: ``import datetime`` unless the module already
        # imports names out of it (``from datetime import date``), then that style.
        return self.refer(py.module, py.name, prefer_from=self.names.imports_from(py.module))

    def optional_head(self) -> str | None:
        """The module's own name for ``typing.Optional``, if it imports it."""
        heads = sorted(
            bound
            for bound, target in self.names.bound.items()
            if target == "typing.Optional" and bound not in self.avoid
        )
        return heads[0] if heads else None

    def optional(self, inner: str) -> str:
        """``Optional[X]`` where the module already imports ``Optional``, else ``X | None``."""
        head = self.optional_head()
        return f"{inner} | None" if head is None else f"{head}[{inner}]"

    def mapped(self, inner: str) -> str | None:
        head = self.refer("sqlalchemy.orm", "Mapped")
        return None if head is None else f"{head}[{inner}]"


def _parse(text: str) -> cst.BaseExpression | None:
    return parse_string_expression(text)


# -- reading annotations -----------------------------------------------------------------------

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
        return None if text is None else _parse(text)
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


# -- LL301 / LL302: columns ---------------------------------------------------------------------

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
        return _bool_literal(explicit.value)
    pk_arg = keyword_arg(call, "primary_key")
    primary = False if pk_arg is None else _bool_literal(pk_arg.value)
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
        parsed = None if text is None else _parse(text)
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
    head_node = None if head is None else _parse(head)
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
        func_node = None if func is None else _parse(func)
        if func_node is None:
            return None
        value = attribute.call.with_changes(func=func_node)
        removes.extend(_import_of(attribute.call.func, facts.names))
    if not changed:
        # Already ``Mapped[...]``: only the callee changes.
        if value is attribute.call:
            return None
        return Fix(((attribute.call, value),), tuple(imports), tuple(removes))
    new = _annotated_statement(statement, attribute.target, annotation, value)
    return Fix(((statement, new),), tuple(imports), tuple(removes))


def _import_of(func: cst.BaseExpression, names: ModuleNames) -> list[ImportItem]:
    """``from m import name`` that bound ``func`` (to prune once unused); none if aliased."""
    if not isinstance(func, cst.Name):
        return []
    target = names.target(func.value)
    if target is None or "." not in target:
        return []
    module, name = target.rsplit(".", 1)
    return [(module, name)] if name == func.value else []


# -- LL302: relationships -----------------------------------------------------------------------

_COLLECTIONS = frozenset({"list", "List", "set", "Set", "Sequence", "MutableSequence"})


def _relationship_target(call: cst.Call) -> cst.BaseExpression | None:
    """The related class argument: ``"Post"`` or ``Post`` (not a module path or lambda)."""
    positional = [arg.value for arg in call.args if arg.keyword is None]
    keyword = keyword_arg(call, "argument")
    node = positional[0] if positional else (keyword.value if keyword is not None else None)
    if isinstance(node, cst.SimpleString):
        text = string_value(node)
        return node if text is not None and text.isidentifier() and len(node.quote) == 1 else None
    if isinstance(node, cst.Name):
        return node
    return None


def _target_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.SimpleString):
        return string_value(node) or ""
    return node.value if isinstance(node, cst.Name) else ""


def _collection_of(annotation: cst.Annotation | None) -> str | None:
    """For a collection annotation (``Mapped[list["Post"]]``, ``WriteOnlyMapped[Post]``)
    the element class name (``""`` when not a plain name); None for anything else."""
    if annotation is None:
        return None
    node = _string_annotation(annotation.annotation)
    if not isinstance(node, cst.Subscript):
        return None
    head = dotted_name(node.value)
    items = _subscript_items(node)
    if head is None or len(items) != 1:
        return None
    element: cst.BaseExpression | None = items[0]
    if head[-1] == "Mapped":
        inner = _string_annotation(items[0])
        if not isinstance(inner, cst.Subscript):
            return None
        collection = dotted_name(inner.value)
        inner_items = _subscript_items(inner)
        if collection is None or collection[-1] not in _COLLECTIONS or len(inner_items) != 1:
            return None
        element = inner_items[0]
    elif head[-1] not in ("WriteOnlyMapped", "DynamicMapped"):
        return None
    element = _string_annotation(element) if element is not None else None
    return element.value if isinstance(element, cst.Name) else ""


def _keyword_literal(call: cst.Call, name: str) -> tuple[bool, bool | None]:
    """``(present, literal bool or None)`` for a keyword of ``call``."""
    arg = keyword_arg(call, name)
    return (False, None) if arg is None else (True, _bool_literal(arg.value))


def relationship_cardinality(
    attribute: MappedAttribute, record: ClassRecord, classes: Mapping[str, ClassRecord]
) -> str | None:
    """``"list"`` or ``"scalar"`` when the code states it; None when it depends on keys.

    ``uselist=`` says it; ``secondary=`` is many-to-many (a list); ``back_populates=``
    naming a collection of the other class (annotated ``Mapped[list[...]]`` or
    ``uselist=True``, without ``secondary``) makes this side its many-to-one.
    """
    call = attribute.call
    if any(arg.star for arg in call.args):
        return None
    lazy = keyword_arg(call, "lazy")
    if lazy is not None and string_value(lazy.value) in (None, "dynamic", "write_only"):
        return None
    collection_class = keyword_arg(call, "collection_class")
    if collection_class is not None and not (
        isinstance(collection_class.value, cst.Name) and collection_class.value.value == "list"
    ):
        return None
    present, uselist = _keyword_literal(call, "uselist")
    if present:
        return None if uselist is None else ("list" if uselist else "scalar")
    if keyword_arg(call, "secondary") is not None:
        return "list"
    back = keyword_arg(call, "back_populates")
    target = _relationship_target(call)
    other_name = string_value(back.value) if back is not None else None
    if other_name is None or target is None:
        return None
    other = classes.get(_target_name(target))
    if other is None:
        return None
    for candidate in other.attributes:
        if candidate.name != other_name or candidate.kind != "relationship":
            continue
        other_call = candidate.call
        element = _collection_of(candidate.annotation)
        other_target = _relationship_target(other_call)
        pointed = _target_name(other_target) if other_target is not None else element
        if pointed != record.node.name.value or keyword_arg(other_call, "secondary") is not None:
            return None
        present, other_uselist = _keyword_literal(other_call, "uselist")
        if (present and other_uselist) or (not present and element is not None):
            return "scalar"
        return None
    return None


def relationship_fix(
    attribute: MappedAttribute,
    record: ClassRecord,
    classes: Mapping[str, ClassRecord],
    facts: FileFacts,
) -> Fix | None:
    """LL302: ``posts = relationship("Post", uselist=True)`` gets ``Mapped[list["Post"]]``.

    A scalar side gets ``Mapped["Post | None"]`` (``Mapped[Optional["Post"]]`` where
    the module imports ``Optional``): it may be unset, and SQLAlchemy does not read
    nullability from a relationship's annotation.
    """
    statement = _fixable_statement(attribute)
    if statement is None or attribute.annotation is not None or facts.dataclass_mapping:
        return None
    cardinality = relationship_cardinality(attribute, record, classes)
    target = _relationship_target(attribute.call)
    if cardinality is None or target is None:
        return None
    imports: list[ImportItem] = []
    spelling = Spelling(facts.names, class_body_names(record.node), imports)
    target_code = code_of(target)
    inner: str | None
    if cardinality == "list":
        inner = None if "list" in spelling.avoid else f"list[{target_code}]"
    elif isinstance(target, cst.SimpleString) and spelling.optional_head() is None:
        # ``"Post" | None`` fails at runtime: the whole union goes inside the quotes.
        inner = f"{target.quote}{_target_name(target)} | None{target.quote}"
    elif isinstance(target, cst.SimpleString):
        inner = spelling.optional(target_code)
    else:
        if target_code in spelling.avoid:
            return None
        inner = spelling.optional(target_code)
    text = None if inner is None else spelling.mapped(inner)
    annotation = None if text is None else _parse(text)
    if annotation is None:
        return None
    new = _annotated_statement(statement, attribute.target, annotation, attribute.call)
    return Fix(((statement, new),), tuple(imports))


# -- LL304: declarative_base() -> class Base(DeclarativeBase) ----------------------------------

# ``declarative_base()`` arguments that are class attributes of a ``DeclarativeBase``.
_BASE_ATTRIBUTES = frozenset({"metadata", "type_annotation_map"})


def _separator(arg: cst.Arg) -> cst.BaseParenthesizableWhitespace:
    if isinstance(arg.comma, cst.Comma):
        return arg.comma.whitespace_after
    return arg.whitespace_after_arg


def _lines_of(
    ws: cst.BaseParenthesizableWhitespace,
) -> tuple[cst.Comment | None, list[cst.EmptyLine]]:
    """The end-of-line comment and the own-line comments a separator holds."""
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return None, []
    lines = [
        line.with_changes(indent=True, whitespace=cst.SimpleWhitespace(""))
        for line in ws.empty_lines
        if line.comment is not None
    ]
    return ws.first_line.comment, lines


class _Dedent(cst.CSTTransformer):
    """Strip one argument indentation from the continuation lines of an expression.

    An argument value moved out of ``declarative_base(...)`` into a class body is one
    call level shallower; libCST adds the class body's indentation back itself.
    """

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self._prefix = prefix

    def _strip(self, text: str) -> str:
        return text[len(self._prefix) :] if text.startswith(self._prefix) else text

    def leave_ParenthesizedWhitespace(
        self, original_node: cst.ParenthesizedWhitespace, updated_node: cst.ParenthesizedWhitespace
    ) -> cst.ParenthesizedWhitespace:
        if not updated_node.indent:
            return updated_node
        return updated_node.with_changes(
            last_line=cst.SimpleWhitespace(self._strip(updated_node.last_line.value))
        )

    def leave_EmptyLine(
        self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine
    ) -> cst.EmptyLine:
        if not updated_node.indent:
            return updated_node
        return updated_node.with_changes(
            whitespace=cst.SimpleWhitespace(self._strip(updated_node.whitespace.value))
        )


def _dedented(value: cst.BaseExpression, indent: cst.SimpleWhitespace | None) -> cst.BaseExpression:
    if indent is None or not indent.value:
        return value
    result = value.visit(_Dedent(indent.value))
    return result if isinstance(result, cst.BaseExpression) else value


def declarative_base_fix(
    line: cst.SimpleStatementLine, call: cst.Call, names: ModuleNames, legacy_meta: bool
) -> Fix | None:
    """``Base = declarative_base(metadata=m)`` -> ``class Base(DeclarativeBase):`` with
    ``metadata = m``.

    Only ``metadata=`` and ``type_annotation_map=`` have a class-attribute twin; ``cls=``,
    ``constructor=``, ``metaclass=``... give no fix. Unsafe when the module mentions
    ``DeclarativeMeta``: the new class is not an instance of it.
    """
    if len(line.body) != 1:
        return None
    small = line.body[0]
    if isinstance(small, cst.Assign):
        if len(small.targets) != 1:
            return None
        target = small.targets[0].target
    elif isinstance(small, cst.AnnAssign):
        target = small.target
    else:
        return None
    if small.value is not call or not isinstance(target, cst.Name):
        return None
    if any(
        arg.star or arg.keyword is None or arg.keyword.value not in _BASE_ATTRIBUTES
        for arg in call.args
    ):
        return None
    imports: list[ImportItem] = []
    spelling = Spelling(names, (), imports)
    base_text = spelling.refer("sqlalchemy.orm", "DeclarativeBase")
    base = None if base_text is None else _parse(base_text)
    if base is None:
        return None
    body: list[cst.BaseStatement] = []
    header = line.trailing_whitespace
    comment, pending = _lines_of(call.whitespace_before_args)
    if comment is not None and header.comment is None:
        # A comment after ``declarative_base(`` stays on the first line (a suppression too).
        header = header.with_changes(whitespace=cst.SimpleWhitespace("  "), comment=comment)
    elif comment is not None:
        pending.insert(0, cst.EmptyLine(indent=True, comment=comment))
    indent = _indent_of(call)
    for arg in call.args:
        assert arg.keyword is not None
        comment, after = _lines_of(_separator(arg))
        value = _dedented(arg.value, indent)
        body.append(
            cst.SimpleStatementLine(
                body=[cst.Assign(targets=[cst.AssignTarget(arg.keyword)], value=value)],
                leading_lines=pending,
                trailing_whitespace=cst.TrailingWhitespace(
                    whitespace=cst.SimpleWhitespace("  " if comment is not None else ""),
                    comment=comment,
                ),
            )
        )
        pending = after
    if not body:
        body.append(cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=pending))
        pending = []
    new = cst.ClassDef(
        name=target,
        body=cst.IndentedBlock(body=body, header=header, footer=pending),
        bases=[cst.Arg(value=base)],
        leading_lines=line.leading_lines,
        lpar=cst.LeftParen(),
        rpar=cst.RightParen(),
    )
    if sorted(_comments(new)) != sorted(_comments(line)):
        return None  # a comment sat somewhere this rewrite has no place for
    removes = _import_of(call.func, names)
    return Fix(((line, new),), tuple(imports), tuple(removes), safe=not legacy_meta)


# -- LL306: expire_on_commit=False -------------------------------------------------------------


def _indent_of(call: cst.Call) -> cst.SimpleWhitespace | None:
    """The indentation of the arguments of a call written one argument per line."""
    opening = call.whitespace_before_args
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return opening.last_line
    for arg in call.args[:-1]:
        ws = _separator(arg)
        if isinstance(ws, cst.ParenthesizedWhitespace):
            return ws.last_line
    return None


def add_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call | None:
    """``call`` with ``keyword=value`` as its last argument, in the call's own layout.

    A call written one argument per line gets the new argument on a line of its own
    (comments stay on their lines, a trailing comma stays trailing); a one-line call
    gets ``, keyword=value`` before the ``)``.
    """
    new_arg = cst.Arg(
        value=value,
        keyword=cst.Name(keyword),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    args = list(call.args)
    if not args:
        if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
            return None
        return call.with_changes(args=[new_arg])
    last = args[-1]
    closing = _separator(last)
    indent = _indent_of(call)
    if isinstance(closing, cst.ParenthesizedWhitespace) and indent is not None:
        between: cst.BaseParenthesizableWhitespace = closing.with_changes(last_line=indent)
        after: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=[],
            indent=closing.indent,
            last_line=closing.last_line,
        )
    elif isinstance(closing, cst.ParenthesizedWhitespace):
        return None
    else:
        between, after = cst.SimpleWhitespace(" "), closing
    if isinstance(last.comma, cst.Comma):
        args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=between))
        args.append(new_arg.with_changes(comma=cst.Comma(whitespace_after=after)))
    else:
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=between),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
        args.append(new_arg.with_changes(whitespace_after_arg=after))
    return call.with_changes(args=args)


def expire_on_commit_fix(node: cst.CSTNode) -> Fix | None:
    """LL306: add ``expire_on_commit=False`` (safe) or turn an explicit ``True`` off.

    Turning off an explicit ``expire_on_commit=True`` overrides a decision in the code:
    unsafe.
    """
    if isinstance(node, cst.Arg):
        if _bool_literal(node.value) is not True:
            return None
        return Fix(((node.value, cst.Name("False")),), safe=False)
    if not isinstance(node, cst.Call):
        return None
    updated = add_keyword(node, "expire_on_commit", cst.Name("False"))
    return None if updated is None else Fix(((node, updated),))


__all__ = [
    "FileFacts",
    "ModuleNames",
    "add_keyword",
    "column_fix",
    "declarative_base_fix",
    "expire_on_commit_fix",
    "relationship_fix",
]
