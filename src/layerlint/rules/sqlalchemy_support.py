"""Helpers of the LL3xx/LL6xx rules: SQLAlchemy names, declarative classes, SQL strings.

The judgement calls live here, in one place: which qualified names are SQLAlchemy's,
what local evidence makes a class declarative, which expressions build SQL text
dynamically, and which paths are migrations or tests. Rules stay small and read alike.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import libcst as cst

from layerlint.expressions import dotted_name
from layerlint.facts import Dotted, ModuleFacts
from layerlint.project import ORM_BASE_FACTORIES, ORM_BASES, PYDANTIC_BASES, Project
from layerlint.rules.base import FileContext
from layerlint.string_code import parse_string_expression

# -- qualified names -------------------------------------------------------------------------

COLUMN = frozenset(
    {
        "sqlalchemy.Column",
        "sqlalchemy.schema.Column",
        "sqlalchemy.sql.schema.Column",
        "sqlmodel.Column",
    }
)
MAPPED_COLUMN = frozenset(
    {"sqlalchemy.orm.mapped_column", "sqlalchemy.orm._orm_constructors.mapped_column"}
)
RELATIONSHIP = frozenset(
    {
        "sqlalchemy.orm.relationship",
        "sqlalchemy.orm.relation",
        "sqlalchemy.orm._orm_constructors.relationship",
    }
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
SQLMODEL_RELATIONSHIP = frozenset({"sqlmodel.Relationship", "sqlmodel.main.Relationship"})
SQLMODEL_FIELD = frozenset({"sqlmodel.Field", "sqlmodel.main.Field"})
DECLARATIVE_BASES = ORM_BASES | frozenset(
    {"sqlalchemy.orm.MappedAsDataclass", "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta"}
)
DECLARATIVE_FACTORIES = ORM_BASE_FACTORIES
SESSIONMAKERS = frozenset(
    {
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker",
    }
)
SYNC_SESSIONMAKERS = frozenset(
    {"sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"}
)
SYNC_SESSIONS = frozenset(
    {
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlmodel.Session",
        "sqlmodel.orm.session.Session",
    }
)
ASYNC_SESSIONS = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
SESSION_TYPES = (
    SYNC_SESSIONS
    | ASYNC_SESSIONS
    | frozenset(
        {
            "sqlalchemy.orm.scoped_session",
            "sqlalchemy.ext.asyncio.async_scoped_session",
            "sqlalchemy.engine.Connection",
            "sqlalchemy.ext.asyncio.AsyncConnection",
        }
    )
)
CREATE_ENGINE = frozenset(
    {"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlmodel.create_engine"}
)
TEXT = frozenset(
    {
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
        "sqlalchemy.sql.expression.text",
        "sqlmodel.text",
    }
)
METADATA = frozenset(
    {
        "sqlalchemy.MetaData",
        "sqlalchemy.schema.MetaData",
        "sqlalchemy.sql.schema.MetaData",
        "sqlmodel.MetaData",
    }
)
ASYNC_MODULES = ("sqlalchemy.ext.asyncio", "sqlmodel.ext.asyncio")
MAPPED_ANNOTATIONS = frozenset({"Mapped", "WriteOnlyMapped", "DynamicMapped"})
# Class-body names that only a mapped class (or a mapping mixin) declares.
DECLARATIVE_DUNDERS = frozenset(
    {"__tablename__", "__table_args__", "__mapper_args__", "__abstract__", "__table__"}
)


class ScopedContext(FileContext, Protocol):
    """The FileContext plus the scope information collect.py tracks during the walk."""

    @property
    def enclosing_function(self) -> cst.FunctionDef | None: ...

    @property
    def enclosing_class(self) -> cst.ClassDef | None: ...


def call_name(call: cst.Call) -> str | None:
    """The last segment of the callee (``sa.orm.relationship`` -> ``relationship``)."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    """The ``name=`` argument of a call, if passed."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star_kwargs(call: cst.Call) -> bool:
    """True when the call spreads ``**kwargs`` (any keyword may hide inside)."""
    return any(arg.star == "**" for arg in call.args)


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (no f-string)."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        try:
            value = node.evaluated_value
        except Exception:
            return None
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value
    return None


def unwrap_annotation(node: cst.BaseExpression) -> cst.BaseExpression:
    """``Optional[X]``, ``X | None``, ``Annotated[X, ...]`` and ``"X"`` -> ``X``."""
    for _ in range(4):
        if isinstance(node, cst.SimpleString):
            text = string_value(node)
            if text is None:
                return node
            parsed = parse_string_expression(text)
            if parsed is None:
                return node
            node = parsed
            continue
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            if isinstance(node.right, cst.Name) and node.right.value == "None":
                node = node.left
                continue
            if isinstance(node.left, cst.Name) and node.left.value == "None":
                node = node.right
                continue
            return node
        if isinstance(node, cst.Subscript):
            base = dotted_name(node.value)
            first = node.slice[0].slice if node.slice else None
            if base and base[-1] in ("Optional", "Annotated") and isinstance(first, cst.Index):
                node = first.value
                continue
        return node
    return node


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


# -- paths and modules ----------------------------------------------------------------------

_TEST_FOLDERS = frozenset({"tests", "test", "testing"})
_MIGRATION_FOLDERS = frozenset({"alembic", "migrations", "_migrations"})


def is_test_path(path: str) -> bool:
    """Test modules set up sessions and engines however they like."""
    parts = path.replace("\\", "/").split("/")
    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    return (
        any(part in _TEST_FOLDERS for part in parts[:-1])
        or stem.startswith("test_")
        or stem.endswith("_test")
        or stem == "conftest"
    )


def is_migration_tooling_path(path: str) -> bool:
    """Alembic's ``env.py`` and everything under an ``alembic``/``migrations`` folder."""
    parts = path.replace("\\", "/").split("/")
    return any(part in _MIGRATION_FOLDERS for part in parts[:-1])


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


def uses_async_sqlalchemy(modules: Sequence[ModuleFacts]) -> bool:
    """The project imports ``sqlalchemy.ext.asyncio`` (or SQLModel's twin) for real."""
    for facts in modules:
        for imp in facts.imports:
            if not imp.type_only and imp.module.startswith(ASYNC_MODULES):
                return True
    return False


# -- declarative classes (file-local evidence) ------------------------------------------------


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
        for decorator in node.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            dotted = dotted_name(target)
            if dotted and dotted[-1] in ("mapped", "as_declarative", "mapped_as_dataclass"):
                evidence = True
        record = ClassRecord(node, tuple(local_bases), excluded, evidence)
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
        if kind != "column":
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


# -- SQL strings ------------------------------------------------------------------------------

KnownConstant = Callable[[str], bool]

_CONSTANT_NAME = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
_SQL_START = re.compile(
    r"^\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|TRUNCATE|GRANT|REVOKE|"
    r"PRAGMA|SET|SHOW|EXPLAIN|COPY|VACUUM|ANALYZE|LOCK|MERGE|COMMENT|DECLARE|CALL|"
    r"EXEC|EXECUTE|REFRESH|REINDEX|CLUSTER|UPSERT)\b",
    re.IGNORECASE,
)
_SAFE_CASTS = frozenset({"int", "float", "bool", "len"})
# Words after which a placeholder names a table, column, index... or a keyword (``BEGIN
# {mode}``), not a value: these positions cannot take bound parameters, and code, not
# users, fills them.
_IDENTIFIER_KEYWORDS = frozenset(
    {
        "TABLE",
        "FROM",
        "INTO",
        "UPDATE",
        "JOIN",
        "INDEX",
        "CONSTRAINT",
        "COLUMN",
        "VIEW",
        "SCHEMA",
        "SEQUENCE",
        "TRIGGER",
        "DATABASE",
        "TYPE",
        "EXISTS",
        "CONCURRENTLY",
        "TO",
        "TRUNCATE",
        "EXTENSION",
        "FUNCTION",
        "KEY",
        "SET",
        "NOTIFY",
        "LISTEN",
        "UNLISTEN",
        "SAVEPOINT",
        "BEGIN",
        "LEVEL",
    }
)
_PERCENT_MARKER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
_LAST_WORD = re.compile(r"([A-Za-z_]+)\s*$")
_BIND_NAME = re.compile(r"(?<![:\w]):\w*$")
_LIKE_TABLE = re.compile(r"\bTABLE\s+\S+\s+LIKE$", re.IGNORECASE)


def _never(name: str) -> bool:
    return False


def is_constant(node: cst.BaseExpression, known: KnownConstant = _never) -> bool:
    """True when ``node`` cannot carry outside input into SQL text.

    Literals and collections of them, ``ALL_CAPS`` names, names ``known`` to hold only
    constants (and their attributes, items and method results), ``Model.__tablename__``,
    ``int(...)``-style casts, compiled SQLAlchemy constructs (``expr.compile()``),
    identifier quoting (``preparer.quote(name)``) and anything read from a dialect.
    """
    if isinstance(node, cst.SimpleString | cst.Integer | cst.Float):
        return True
    if isinstance(node, cst.ConcatenatedString):
        # Implicit concatenation nests to the right; walk it in a loop (generated
        # files such as pydoc_data/topics.py chain thousands of literals).
        current: cst.BaseExpression = node
        while isinstance(current, cst.ConcatenatedString):
            if not is_constant(current.left, known):
                return False
            current = current.right
        return is_constant(current, known)
    if isinstance(node, cst.FormattedString):
        return all(
            is_constant(part.expression, known)
            for part in node.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if isinstance(node, cst.Name):
        return (
            bool(_CONSTANT_NAME.match(node.value))
            or node.value in ("True", "False", "None")
            or known(node.value)
        )
    if isinstance(node, cst.Attribute):
        dotted = dotted_name(node)
        if dotted is None:
            return is_constant(node.value, known)
        return (
            bool(_CONSTANT_NAME.match(dotted[-1]))
            or dotted[-1] == "__tablename__"
            or "__table__" in dotted
            or "dialect" in dotted
            or known(dotted[0])
        )
    if isinstance(node, cst.Subscript):
        return is_constant(node.value, known)
    if isinstance(node, cst.Call):
        return _constant_call(node, known)
    if isinstance(node, cst.BinaryOperation):
        return is_constant(node.left, known) and is_constant(node.right, known)
    if isinstance(node, cst.Tuple | cst.List | cst.Set):
        return all(
            isinstance(el, cst.Element) and is_constant(el.value, known) for el in node.elements
        )
    if isinstance(node, cst.Dict):
        return all(
            isinstance(el, cst.DictElement)
            and is_constant(el.key, known)
            and is_constant(el.value, known)
            for el in node.elements
        )
    return False


_SAFE_METHODS = frozenset({"compile", "quote", "quote_identifier", "quote_schema"})


def _constant_call(node: cst.Call, known: KnownConstant) -> bool:
    func = node.func
    args = [arg.value for arg in node.args]
    if isinstance(func, cst.Name):
        if func.value == "str" and len(args) == 1:
            return is_constant(args[0], known)
        if func.value in _SAFE_CASTS:
            return True
        # A helper of this file (``known`` as ``name()``) given only constants.
        return known(func.value + "()") and all(is_constant(a, known) for a in args)
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        if method in _SAFE_METHODS or "placeholder" in method or "bindparam" in method:
            return True
        if method == "join" and len(args) == 1 and is_constant(func.value, known):
            return _safe_sql_items(args[0], known)
        if method == "get" and args and is_constant(func.value, known):
            # A lookup in a constant mapping yields one of its values, whatever the key.
            return len(args) < 2 or is_constant(args[1], known)
        return is_constant(func.value, known) and all(is_constant(a, known) for a in args)
    return False


def _safe_sql_items(node: cst.BaseExpression, known: KnownConstant) -> bool:
    """``sep.join(...)`` of constants, or of SQL fragments with no value hole:
    ``" OR ".join(f"x LIKE :{key}" for ...)`` builds SQL, not values."""
    if is_constant(node, known):
        return True
    if isinstance(node, cst.GeneratorExp | cst.ListComp):
        element = node.elt
        return _pieces(element, known) is not None and dynamic_sql(element, known) is None
    return False


@dataclass(frozen=True)
class _Piece:
    """Literal SQL text, or a hole filled at runtime (``text`` None) and how."""

    text: str | None
    how: str = ""


def _hole_or_text(node: cst.BaseExpression, how: str, known: KnownConstant) -> _Piece:
    return _Piece("X") if is_constant(node, known) else _Piece(None, how)


def _pieces(node: cst.BaseExpression, known: KnownConstant) -> list[_Piece] | None:
    """A string expression as literal text and holes; None if it is not one."""
    if isinstance(node, cst.SimpleString):
        text = string_value(node)
        return [_Piece(text)] if text is not None else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = _pieces(node.left, known), _pieces(node.right, known)
        return left + right if left is not None and right is not None else None
    if isinstance(node, cst.FormattedString):
        pieces: list[_Piece] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(_Piece(part.value))
            elif isinstance(part, cst.FormattedStringExpression):
                inner = (
                    _pieces(part.expression, known)
                    if isinstance(part.expression, cst.FormattedString | cst.BinaryOperation)
                    else None
                )
                if inner is not None:
                    pieces.extend(inner)  # a nested string expression: its own pieces
                else:
                    pieces.append(_hole_or_text(part.expression, "an f-string", known))
        return pieces
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Add):
            left, right = _pieces(node.left, known), _pieces(node.right, known)
            if left is None and right is None:
                return None
            how = "`+` concatenation"
            return (left if left is not None else [_hole_or_text(node.left, how, known)]) + (
                right if right is not None else [_hole_or_text(node.right, how, known)]
            )
        if isinstance(node.operator, cst.Modulo):
            template = string_value(node.left)
            return None if template is None else _percent_pieces(template, node.right, known)
        return None
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
    ):
        template = string_value(node.func.value)
        return None if template is None else _format_pieces(template, node, known)
    return None


def _percent_pieces(
    template: str, values: cst.BaseExpression, known: KnownConstant
) -> list[_Piece]:
    how = "`%` formatting"
    elements = (
        [el.value for el in values.elements if isinstance(el, cst.Element)]
        if isinstance(values, cst.Tuple)
        else None
    )
    pieces: list[_Piece] = []
    position = 0
    for index, marker in enumerate(_PERCENT_MARKER.finditer(template)):
        pieces.append(_Piece(template[position : marker.start()]))
        value = elements[index] if elements is not None and index < len(elements) else values
        pieces.append(_hole_or_text(value, how, known))
        position = marker.end()
    pieces.append(_Piece(template[position:]))
    return pieces


def _format_pieces(template: str, call: cst.Call, known: KnownConstant) -> list[_Piece]:
    how = "`.format()`"
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    spread = any(arg.star for arg in call.args)
    pieces: list[_Piece] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return [_Piece(None, how)]
    for literal, field_name, _, _ in parsed:
        pieces.append(_Piece(literal))
        if field_name is None:
            continue
        head = re.split(r"[.\[]", field_name, maxsplit=1)[0]
        value: cst.BaseExpression | None = None
        if head == "":
            value = positional[auto] if auto < len(positional) else None
            auto += 1
        elif head.isdigit():
            value = positional[int(head)] if int(head) < len(positional) else None
        else:
            value = keywords.get(head)
        if value is None:
            pieces.append(_Piece(None, how) if spread or head else _Piece("X"))
        else:
            pieces.append(_hole_or_text(value, how, known))
    return pieces


def _value_position(before: str, after: str) -> bool:
    """A hole where a value goes (``= {x}``, ``'{x}'``), not an identifier or a comment."""
    if "--" in before.rsplit("\n", 1)[-1]:
        return False  # inside a SQL comment
    if before.count("'") % 2 == 1:
        return True  # inside a quoted SQL string literal
    if _BIND_NAME.search(before):
        return False  # part of a bound parameter's name: ``:tag_{i}``
    if before[-1:].isalnum() or before[-1:] == "_":
        return False  # glued to a name: ``idx_{column}``, ``_tmp_{table}``
    stripped = before.rstrip()
    if _LIKE_TABLE.search(stripped):
        return False  # ``CREATE TABLE x LIKE {other}`` names a table
    if stripped.endswith((".", '"', "`", "[")) or after.startswith((".", '"', "`", "]")):
        return False
    word = _LAST_WORD.search(stripped)
    return not (word is not None and word.group(1).upper() in _IDENTIFIER_KEYWORDS)


def dynamic_sql(
    node: cst.BaseExpression, known: KnownConstant = _never, prefix: str = ""
) -> str | None:
    """How ``node`` formats a runtime value into SQL text, or None if it does not.

    Returns ``"an f-string"``, ``"`+` concatenation"``, ``"`%` formatting"`` or
    ``"`.format()`"`` for the first hole in a value position. Literal-only
    concatenations, f-strings without placeholders, constants, bound parameters
    (``":id"``), placeholders in identifier position (``ALTER TABLE {table}``) and
    placeholders inside ``--`` comments are not dynamic. ``prefix`` is SQL text that
    comes before ``node`` (``sql += f"..."``).
    """
    pieces = _pieces(node, known)
    if pieces is None:
        return None
    for index, piece in enumerate(pieces):
        if piece.text is not None:
            continue
        before = prefix + "".join(p.text if p.text is not None else "X" for p in pieces[:index])
        after = "".join(p.text if p.text is not None else "X" for p in pieces[index + 1 :])
        if _value_position(before, after):
            return piece.how
    return None


def sql_text(node: cst.BaseExpression, known: KnownConstant = _never) -> str | None:
    """The literal text of a string expression with ``X`` for each runtime hole."""
    pieces = _pieces(node, known)
    if pieces is None:
        return None
    return "".join(p.text if p.text is not None else "X" for p in pieces)


def value_position(before: str) -> bool:
    """A runtime value appended after ``before`` lands in a value position."""
    return _value_position(before, "")


def leading_text(node: cst.BaseExpression) -> str | None:
    """The literal text a string expression starts with (None when it starts dynamic)."""
    if isinstance(node, cst.SimpleString):
        return string_value(node)
    if isinstance(node, cst.ConcatenatedString):
        return leading_text(node.left)
    if isinstance(node, cst.FormattedString):
        first = node.parts[0] if node.parts else None
        return first.value if isinstance(first, cst.FormattedStringText) else None
    if isinstance(node, cst.BinaryOperation):
        return leading_text(node.left)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return leading_text(node.func.value)
    return None


def looks_like_sql(node: cst.BaseExpression) -> bool:
    """The expression's literal start is a SQL statement keyword."""
    text = leading_text(node)
    return text is not None and bool(_SQL_START.match(text))


# -- async codebases --------------------------------------------------------------------------


def _session_flavour(
    project: Project, module: str, annotation: Dotted, depth: int = 0
) -> str | None:
    """``"sync"``/``"async"`` for a session annotation (``SessionDep`` aliases followed)."""
    resolved = project.resolve_canonical(module, annotation)
    if resolved is None or depth > 3:
        return None
    if resolved in SYNC_SESSIONS:
        return "sync"
    if resolved in ASYNC_SESSIONS:
        return "async"
    assigned = project.module_assignment(resolved)
    if assigned is None:
        return None
    owner, value = assigned
    if value.kind == "subscript" and value.dotted[-1:] == ("Annotated",) and value.elements:
        first = value.elements[0]
        if first.kind == "name":
            return _session_flavour(project, owner.module, first.dotted, depth + 1)
    return None


def session_parameter_counts(project: Project) -> tuple[int, int]:
    """How many function parameters are typed as a sync and as an async session."""
    counts = {"sync": 0, "async": 0}
    for facts in project.modules.values():
        for fn in facts.functions:
            for param in fn.params:
                if param.annotation is None:
                    continue
                flavour = _session_flavour(project, facts.module, param.annotation)
                if flavour is not None:
                    counts[flavour] += 1
    return counts["sync"], counts["async"]


def is_async_codebase(project: Project) -> bool:
    """The project imports the asyncio extension and its typed sessions are mostly async.

    A sync application with a small async corner (a few ``AsyncSession`` endpoints next to
    hundreds of ``session: Session`` parameters) is not an async codebase: its models
    are loaded through sync sessions, where lazy loading and sync engines are the norm.
    """
    if not uses_async_sqlalchemy(list(project.modules.values())):
        return False
    sync, asynchronous = session_parameter_counts(project)
    return asynchronous >= sync
