"""LL3xx: SQLAlchemy 2.0 rules (see RULES.md).

Rules about one expression or one class body (``Column(...)``, ``declarative_base()``,
``sessionmaker(...)``, a timestamp default, SQL text, ``add()`` in a loop, ``MetaData()``)
are file rules working from local evidence: names resolved through the file's imports
and what the class body itself declares. Rules that need the whole project (is this
receiver a session? is this project async? is this class an ORM model through another
file?) are project rules over the facts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import libcst as cst

from layerlint.diagnostics import Span
from layerlint.expressions import dotted_name
from layerlint.facts import CallFact, ClassFact, Dotted, ModuleFacts, Value
from layerlint.project import ORM_BASES, SESSION, FunctionRef, Project
from layerlint.rules.base import (
    Default,
    Example,
    FileContext,
    FileRule,
    Finding,
    Fix,
    Fixability,
    OptionValue,
    ProjectRule,
    RuleOption,
)
from layerlint.rules.sqlalchemy_fixes import (
    FileFacts,
    ModuleNames,
    column_fix,
    declarative_base_fix,
    expire_on_commit_fix,
    relationship_fix,
)
from layerlint.rules.sqlalchemy_support import (
    ASYNC_SESSIONS,
    COLUMN,
    CREATE_ENGINE,
    DECLARATIVE_BASES,
    DECLARATIVE_FACTORIES,
    MAPPED_COLUMN,
    METADATA,
    RELATIONSHIP,
    SESSION_TYPES,
    SESSIONMAKERS,
    SQLMODEL_FIELD,
    SQLMODEL_RELATIONSHIP,
    SYNC_SESSIONMAKERS,
    SYNC_SESSIONS,
    TEXT,
    ClassRecord,
    DeclarativeScanner,
    KnownConstant,
    MappedAttribute,
    ScopedContext,
    call_name,
    dynamic_sql,
    has_star_kwargs,
    is_async_codebase,
    is_constant,
    is_mapped_annotation,
    is_migration_module,
    is_migration_tooling_path,
    is_test_path,
    keyword_arg,
    looks_like_sql,
    module_assigns_revision,
    sql_text,
    unwrap_annotation,
    value_position,
)
from layerlint.walker import iter_nodes

_SEED_AI1 = "ai1-skills: SQLAlchemy 2.0 model pattern (Mapped[...] + mapped_column())"


def _is_session(project: Project, ref: FunctionRef, receiver: Dotted) -> bool:
    """The receiver's inferred type is a SQLAlchemy/SQLModel session (or connection)."""
    if not receiver or receiver[0] == "?":
        return False
    return project.type_of(ref, receiver) == SESSION


def _before(first: Span, second: Span) -> bool:
    return (first.line, first.column) < (second.line, second.column)


# -- LL301 / LL302 ------------------------------------------------------------------------------


_DATACLASS_MAPPING = frozenset({"MappedAsDataclass", "mapped_as_dataclass"})


def _mentions(node: cst.CSTNode, names: frozenset[str]) -> bool:
    """``node`` uses one of ``names`` (as a name or an attribute)."""
    return any(isinstance(n, cst.Name) and n.value in names for n in iter_nodes(node, (cst.Name,)))


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
        dataclass_mapping=_mentions(module, _DATACLASS_MAPPING),
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


class LegacyColumn(_DeclarativeAttributeRule):
    """``Column(...)`` as an attribute of a declarative model class.

    **What it does:** flags ``name = Column(...)`` (also ``sa.Column``, annotated or
    not) directly in the body of a declarative class: a class that declares
    ``__tablename__``/``__mapper_args__``, derives from ``DeclarativeBase`` or a
    ``declarative_base()`` result, or is a mixin of one. ``Column`` inside a Core
    ``Table(...)``, in ``__table_args__``, or in a SQLModel ``Field(sa_column=...)`` is
    not an ORM attribute and is left alone.

    **Why is this bad?** ``Column`` on a mapped class is the 1.x declarative style: the
    attribute's Python type is unknown to type checkers and to SQLAlchemy, and the
    column cannot take part in the typed ``Mapped[...]`` configuration of 2.0.

    **Example:** ``email = Column(String(255), unique=True)`` in ``class User(Base)``.

    **Use instead:** ``email: Mapped[str] = mapped_column(String(255), unique=True)``.
    """

    code = "LL301"
    name = "legacy-column"
    message = (
        "`Column()` as a model attribute; use `mapped_column()` with a `Mapped[...]` annotation"
    )
    seed = _SEED_AI1 + ": use mapped_column() instead of Column()"
    fixable = Fixability.PARTIAL
    example_path = "app/models/user.py"
    valid = (
        "from sqlalchemy import String\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    email: Mapped[str] = mapped_column(String(255), unique=True)\n",
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData()\n"
        "users = sa.Table(\n"
        "    'users',\n"
        "    metadata,\n"
        "    sa.Column('id', sa.Integer, primary_key=True),\n"
        ")\n"
        "class Registry:\n"
        "    table = sa.Table('t', metadata, sa.Column('id', sa.Integer))\n",
        "from sqlmodel import Column, DateTime, Field, SQLModel\n"
        "class Hero(SQLModel, table=True):\n"
        "    __tablename__ = 'heroes'\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    created: str = Field(sa_column=Column(DateTime))\n",
        "from sqlalchemy import Column, Integer, UniqueConstraint\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class Item(Base):\n"
        "    __tablename__ = 'items'\n"
        "    __table_args__ = (UniqueConstraint('a'), {'info': {'c': Column(Integer)}})\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n",
        "from app.db import Column\n"
        "class User:\n"
        "    __tablename__ = 'users'\n"
        "    id = Column(int)\n",
    )
    invalid = (
        "from sqlalchemy import Column, Integer, String\n"
        "from sqlalchemy.orm import declarative_base\n"
        "Base = declarative_base()\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id = Column(Integer, primary_key=True)  # error\n"
        "    email: str = Column(String(255))  # error\n",
        "import sqlalchemy as sa\n"
        "from sqlalchemy.orm import DeclarativeBase\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class TimestampMixin:\n"
        "    created_at = sa.Column(sa.DateTime)  # error\n"
        "class Post(TimestampMixin, Base):\n"
        "    id = sa.Column(sa.Integer, primary_key=True)  # error\n",
        Example(
            {
                "app/models/base.py": (
                    "from sqlalchemy.orm import DeclarativeBase\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                ),
                "app/models/user.py": (
                    "from sqlalchemy import Column, Integer\n"
                    "from app.models.base import Base\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id = Column(Integer, primary_key=True)  # error\n"
                ),
            }
        ),
        Example(
            {
                "app/models/user.py": (
                    "import datetime\n"
                    "from sqlalchemy import Column, DateTime, Integer, String\n"
                    "from sqlalchemy.orm import DeclarativeBase\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id = Column(Integer, primary_key=True)  # error\n"
                    "    name = Column(  # error\n"
                    "        String(50),  # shown in the UI\n"
                    "        nullable=False,\n"
                    "    )\n"
                    "    created = Column(DateTime)  # error\n"
                )
            },
            fixed={
                "app/models/user.py": (
                    "import datetime\n"
                    "from sqlalchemy import DateTime, Integer, String\n"
                    "from sqlalchemy.orm import Mapped, mapped_column, DeclarativeBase\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # error\n"
                    "    name: Mapped[str] = mapped_column(  # error\n"
                    "        String(50),  # shown in the UI\n"
                    "        nullable=False,\n"
                    "    )\n"
                    "    created: Mapped[datetime.datetime | None] = mapped_column(DateTime)  # error\n"
                )
            },
        ),
    )

    def _check(
        self,
        attribute: MappedAttribute,
        record: ClassRecord,
        classes: Mapping[str, ClassRecord],
        facts: FileFacts,
        ctx: FileContext,
    ) -> None:
        if attribute.kind == "column":
            ctx.report(attribute.call, fix=column_fix(attribute, record, facts, convert=True))


class MissingMappedAnnotation(_DeclarativeAttributeRule):
    """A mapped attribute without a ``Mapped[...]`` annotation.

    **What it does:** flags attributes of a declarative class assigned a
    ``mapped_column()``, ``relationship()``, ``Column()``, ``column_property()``,
    ``composite()``, ``synonym()`` or ``deferred()`` whose annotation is missing or is
    not ``Mapped[...]`` (``WriteOnlyMapped``/``DynamicMapped`` count as mapped).

    **Why is this bad?** Without ``Mapped[...]`` type checkers see ``Column[Any]`` or
    ``RelationshipProperty`` instead of ``str`` or ``list[Post]``, and SQLAlchemy 2.0
    cannot derive nullability and the Python type from the annotation.

    **Example:** ``posts = relationship("Post", back_populates="author")``.

    **Use instead:** ``posts: Mapped[list["Post"]] = relationship(back_populates="author")``.
    """

    code = "LL302"
    name = "missing-mapped-annotation"
    message = "mapped attribute `{name}` has no `Mapped[...]` annotation"
    seed = _SEED_AI1 + ": Mapped[type] annotations (SQLAlchemy 2.0 style)"
    fixable = Fixability.PARTIAL
    example_path = "app/models/user.py"
    valid = (
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column, relationship\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    posts: Mapped[list['Post']] = relationship(back_populates='author')\n"
        "    events: WriteOnlyMapped['Event'] = relationship()\n"
        "    team: 'Mapped[Team]' = relationship()\n",
        "from sqlmodel import Field, Relationship, SQLModel\n"
        "from sqlalchemy.orm import relationship\n"
        "class Team(SQLModel, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    heroes: list['Hero'] = Relationship(sa_relationship=relationship(lazy='selectin'))\n",
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData()\n"
        "class Tables:\n"
        "    users = sa.Table('users', metadata, sa.Column('id', sa.Integer))\n",
    )
    invalid = (
        "from sqlalchemy import ForeignKey, Integer\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class Post(Base):\n"
        "    __tablename__ = 'posts'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    author_id = mapped_column(ForeignKey('users.id'))  # error\n"
        "    author = relationship('User', back_populates='posts')  # error\n"
        "    score: int = mapped_column(Integer)  # error\n",
        "import sqlalchemy as sa\n"
        "from sqlalchemy import orm\n"
        "Base = orm.declarative_base()\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id = sa.Column(sa.Integer, primary_key=True)  # error\n"
        "    name = orm.column_property(sa.func.lower('x'))  # error\n",
        Example(
            {
                "app/models/user.py": (
                    "from sqlalchemy import ForeignKey, Integer\n"
                    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                    "    posts: Mapped[list['Post']] = relationship(back_populates='author')\n"
                    "    karma = mapped_column(  # error\n"
                    "        Integer,  # never negative\n"
                    "        default=0,\n"
                    "        nullable=False,\n"
                    "    )\n"
                    "    profile = relationship('Profile', uselist=False)  # error\n"
                    "class Post(Base):\n"
                    "    __tablename__ = 'posts'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                    "    author_id = mapped_column(ForeignKey('users.id'))  # error\n"
                    "    author = relationship(  # error\n"
                    "        'User',\n"
                    "        back_populates='posts',\n"
                    "    )\n"
                )
            },
            fixed={
                "app/models/user.py": (
                    "from sqlalchemy import ForeignKey, Integer\n"
                    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                    "    posts: Mapped[list['Post']] = relationship(back_populates='author')\n"
                    "    karma: Mapped[int] = mapped_column(  # error\n"
                    "        Integer,  # never negative\n"
                    "        default=0,\n"
                    "        nullable=False,\n"
                    "    )\n"
                    "    profile: Mapped['Profile | None'] = relationship('Profile', uselist=False)  # error\n"
                    "class Post(Base):\n"
                    "    __tablename__ = 'posts'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                    "    author_id = mapped_column(ForeignKey('users.id'))  # error\n"
                    "    author: Mapped['User | None'] = relationship(  # error\n"
                    "        'User',\n"
                    "        back_populates='posts',\n"
                    "    )\n"
                )
            },
        ),
    )

    def _check(
        self,
        attribute: MappedAttribute,
        record: ClassRecord,
        classes: Mapping[str, ClassRecord],
        facts: FileFacts,
        ctx: FileContext,
    ) -> None:
        if is_mapped_annotation(attribute.annotation):
            return
        fix = None
        if attribute.kind in ("column", "mapped_column"):
            fix = column_fix(attribute, record, facts, convert=False)
        elif attribute.kind == "relationship":
            fix = relationship_fix(attribute, record, classes, facts)
        ctx.report(attribute.target, self.message.format(name=attribute.name), fix=fix)


# -- LL303 ----------------------------------------------------------------------------------------

_QUERY_CLASSES = frozenset({"sqlalchemy.orm.Query", "sqlalchemy.orm.query.Query"})


class LegacyQueryApi(ProjectRule):
    """``session.query(...)``, ``Model.query`` or the legacy ``Query`` class.

    **What it does:** flags ``.query(...)`` called with an ORM model (or one of its
    columns) as first argument, or on a value known to be a SQLAlchemy or SQLModel
    session (annotation, ``Depends`` factory, ``sessionmaker`` instance,
    ``with Session(...) as s``, ``self.session``, a ``scoped_session`` registry),
    ``Model.query...`` on an ORM model
    class (Flask-SQLAlchemy style), and imports of ``sqlalchemy.orm.Query``. A
    ``.query()`` on anything else (an HTTP client, a search index) is not flagged.

    **Why is this bad?** ``Query`` is the 1.x API, "legacy" in 2.0: it does not work
    with ``AsyncSession`` at all, and mixing it with ``select()`` splits the codebase in
    two query styles.

    **Example:** ``db.query(User).filter(User.id == user_id).first()``.

    **Use instead:** ``db.scalars(select(User).where(User.id == user_id)).first()``
    (``await session.scalars(...)`` with ``AsyncSession``).
    """

    code = "LL303"
    name = "legacy-query-api"
    message = "{what}: legacy Query API; use `select()` with `session.execute()`/`scalars()`"
    seed = "python-backend-patterns: prefer select() statements (SQLAlchemy 2.0 style)"
    example_path = "app/repositories/user_repo.py"
    valid = (
        "from sqlalchemy import select\n"
        "from sqlalchemy.orm import Session\n"
        "def get(db: Session, user_id: int):\n"
        "    return db.scalars(select(1)).first()\n",
        "import httpx\n"
        "def search(index, client: httpx.Client, term: str):\n"
        "    index.query(term)\n"
        "    return client.query(term)\n",
        "class Finder:\n    query = None\ndef f():\n    return Finder.query.get(1)\n",
    )
    invalid = (
        "from sqlalchemy.orm import Session\n"
        "def get(db: Session, user_id: int):\n"
        "    return db.query(int).filter(True).first()  # error\n",
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy.orm import sessionmaker\n"
                    "SessionLocal = sessionmaker(expire_on_commit=False)\n"
                    "def get_db():\n"
                    "    db = SessionLocal()\n"
                    "    try:\n"
                    "        yield db\n"
                    "    finally:\n"
                    "        db.close()\n"
                ),
                "app/models/user.py": (
                    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                ),
                "app/repositories/user_repo.py": (
                    "from sqlalchemy.orm import Query  # error\n"
                    "from app.core.database import SessionLocal\n"
                    "from app.models.user import User\n"
                    "class UserRepository:\n"
                    "    def __init__(self) -> None:\n"
                    "        self.session = SessionLocal()\n"
                    "    def all(self) -> Query:\n"
                    "        return self.session.query(User)  # error\n"
                    "    def first(self):\n"
                    "        return User.query.filter_by(id=1).first()  # error\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            for imp in facts.imports:
                if imp.target in _QUERY_CLASSES:
                    yield Finding(
                        facts.path, imp.span, self.message.format(what="`Query` imported")
                    )
            for fn in facts.functions:
                ref = FunctionRef(facts, fn)
                for call in fn.calls:
                    what = self._legacy_call(project, ref, call)
                    if what is not None:
                        yield Finding(facts.path, call.span, self.message.format(what=what))

    @staticmethod
    def _legacy_call(project: Project, ref: FunctionRef, call: CallFact) -> str | None:
        callee = call.callee
        if "query" not in callee[1:]:
            return None
        if callee[-1] == "query" and (
            _is_session(project, ref, callee[:-1])
            or _scoped_receiver(project, ref, callee[:-1])
            or _queries_a_model(project, ref, call)
        ):
            return f"`{'.'.join(callee)}()`"
        index = callee.index("query", 1)
        if index < len(callee) - 1 and callee[0] != "?":
            model = project.resolve_local_or_global(ref, callee[:index])
            if project.is_orm_model(model):
                return f"`{'.'.join(callee[: index + 1])}`"
        return None


_SCOPED_SESSIONS = frozenset(
    {
        "sqlalchemy.orm.scoped_session",
        "sqlalchemy.orm.scoping.scoped_session",
        "sqlalchemy.ext.asyncio.async_scoped_session",
    }
)


def _queries_a_model(project: Project, ref: FunctionRef, call: CallFact) -> bool:
    """``x.query(User)`` / ``x.query(User.id)``: only a Query takes ORM entities, so the
    receiver is a session even when its type is unknown (``run_sync(lambda s: ...)``)."""
    if not call.args or call.args[0].kind != "name":
        return False
    dotted = call.args[0].dotted
    for cut in (len(dotted), len(dotted) - 1):
        if cut >= 1 and project.is_orm_model(project.resolve_local_or_global(ref, dotted[:cut])):
            return True
    return False


def _scoped_value(project: Project, module: str, value: Value, depth: int = 0) -> bool:
    """``scoped_session(factory)``, directly or through a module-level name."""
    if depth > 3 or not value.dotted:
        return False
    resolved = project.resolve_canonical(module, value.dotted)
    if value.kind == "call":
        return resolved in _SCOPED_SESSIONS
    if value.kind == "name" and resolved is not None:
        assigned = project.module_assignment(resolved)
        return assigned is not None and _scoped_value(
            project, assigned[0].module, assigned[1], depth + 1
        )
    return False


def _scoped_receiver(project: Project, ref: FunctionRef, receiver: Dotted) -> bool:
    """A ``scoped_session`` registry (it proxies ``Session.query``): every assignment of
    ``self.x`` in the class, or of the local/global name, is one."""
    fn = ref.function
    values: list[Value] = []
    if len(receiver) == 2 and receiver[0] == "self" and fn.class_name is not None:
        values = [
            value
            for other in ref.module.functions
            if other.class_name == fn.class_name
            for name, value in other.self_attributes
            if name == receiver[1]
        ]
    elif len(receiver) == 1 and receiver[0] not in {p.name for p in fn.params}:
        values = [value for name, value in fn.locals if name == receiver[0]]
        if not values:
            values = [Value("name", receiver)]
    return bool(values) and all(_scoped_value(project, ref.module.module, v) for v in values)


# -- LL304 ----------------------------------------------------------------------------------------


class LegacyDeclarativeBase(FileRule):
    """``declarative_base()`` instead of a ``DeclarativeBase`` subclass.

    **What it does:** flags calls of ``sqlalchemy.orm.declarative_base()`` (and the
    older ``sqlalchemy.ext.declarative.declarative_base()``), resolved through imports.

    **Why is this bad?** The function returns a class built at runtime, so type
    checkers know nothing about it or the models deriving from it; ``Mapped[...]``
    typing and ``type_annotation_map`` need the 2.0 ``DeclarativeBase``.

    **Example:** ``Base = declarative_base()``.

    **Use instead:** ``class Base(DeclarativeBase): pass``.
    """

    code = "LL304"
    name = "legacy-declarative-base"
    message = "`declarative_base()` is the 1.x API; use `class Base(DeclarativeBase): ...`"
    seed = _SEED_AI1 + ": class Base(DeclarativeBase)"
    fixable = Fixability.PARTIAL
    example_path = "app/models/base.py"
    valid = (
        "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase):\n    pass\n",
        "from app.db.helpers import declarative_base\nBase = declarative_base()\n",
    )
    invalid = (
        "from sqlalchemy.orm import declarative_base\nBase = declarative_base()  # error\n",
        "import sqlalchemy.ext.declarative as decl\n"
        "from sqlalchemy import MetaData\n"
        "Base = decl.declarative_base(metadata=MetaData())  # error\n",
        Example(
            {
                "app/models/base.py": (
                    "from sqlalchemy import MetaData\n"
                    "from sqlalchemy.orm import declarative_base\n"
                    "\n"
                    "# every model derives from Base\n"
                    "Base = declarative_base(  # error\n"
                    "    metadata=MetaData(\n"
                    "        schema='app',  # one schema per service\n"
                    "    ),\n"
                    ")\n"
                )
            },
            fixed={
                "app/models/base.py": (
                    "from sqlalchemy import MetaData\n"
                    "from sqlalchemy.orm import DeclarativeBase\n"
                    "\n"
                    "# every model derives from Base\n"
                    "class Base(DeclarativeBase):  # error\n"
                    "    metadata = MetaData(\n"
                    "        schema='app',  # one schema per service\n"
                    "    )\n"
                )
            },
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._module: cst.Module | None = None
        self._names: ModuleNames | None = None
        self._lines: dict[int, cst.SimpleStatementLine] = {}

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._module = node
        self._names = None
        self._lines = {}

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine, ctx: FileContext) -> None:
        # ``Base = declarative_base()``: remember the line the call is the value of.
        for small in node.body:
            if isinstance(small, cst.Assign | cst.AnnAssign) and isinstance(small.value, cst.Call):
                self._lines[id(small.value)] = node

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if call_name(node) != "declarative_base":
            return
        if ctx.qualified_name(node.func) in DECLARATIVE_FACTORIES:
            ctx.report(node, fix=self._fix(node))

    def _fix(self, node: cst.Call) -> Fix | None:
        """The class rewrite, when the call is the whole value of a one-name assignment."""
        line = self._lines.get(id(node))
        if line is None or self._module is None:
            return None
        if self._names is None:
            self._names = ModuleNames.of(self._module)
        legacy_meta = _mentions(self._module, frozenset({"DeclarativeMeta"}))
        return declarative_base_fix(line, node, self._names, legacy_meta)


# -- LL305 ----------------------------------------------------------------------------------------

_STRATEGIES = frozenset(
    {
        "select",
        "joined",
        "subquery",
        "selectin",
        "raise",
        "raise_on_sql",
        "noload",
        "immediate",
        "write_only",
        "dynamic",
    }
)
_SELECTIN_OK = frozenset(
    {"selectin", "joined", "subquery", "immediate", "raise", "raise_on_sql", "noload", "write_only"}
)
_EXPLICIT_OK = frozenset({"raise", "raise_on_sql", "noload", "write_only"})


def _lazy_strategy(value: Value | None) -> str | None:
    """The loading strategy a ``lazy=`` value names; None when it is not a literal."""
    if value is None:
        return "select"
    if value.kind == "str" and isinstance(value.literal, str):
        return value.literal if value.literal in _STRATEGIES else None
    if value.kind == "bool":
        return "select" if value.literal else "joined"
    if value.kind == "none":
        return "noload"
    return None


class ImplicitLazyLoad(ProjectRule):
    """A ``relationship()`` that loads lazily on attribute access, in an async codebase.

    **What it does:** in an async codebase (one that imports ``sqlalchemy.ext.asyncio``
    or SQLModel's async session, and whose session-typed parameters are at least as
    often ``AsyncSession`` as sync ``Session``), flags ``relationship()`` attributes (and SQLModel
    ``Relationship()`` without ``sa_relationship_kwargs={"lazy": ...}``) whose loading
    strategy is implicit. With ``relationship-loading = "selectin"`` (default) an
    omitted ``lazy=`` or ``lazy="select"`` is flagged; ``"selectin"``, ``"joined"``,
    ``"raise"``, ``"noload"``, ``"write_only"``... are fine. With ``"explicit"`` only
    ``"raise"``/``"raise_on_sql"``/``"noload"``/``"write_only"`` are fine: loading
    belongs in the query (``selectinload()``). An annotated relationship is reported at
    its line; unannotated ones (``posts = relationship(...)``) at their class, one
    diagnostic naming them all.

    **Why is this bad?** Touching a lazy relationship outside an awaited load raises
    ``MissingGreenlet`` under ``AsyncSession`` (or silently runs N+1 queries).

    **Example:** ``posts: Mapped[list[Post]] = relationship(back_populates="author")``.

    **Use instead:** ``relationship(back_populates="author", lazy="selectin")`` or
    ``lazy="raise"`` plus ``.options(selectinload(User.posts))`` in the repository.
    """

    code = "LL305"
    name = "implicit-lazy-load"
    message = "relationship `{name}` {problem} in an async codebase; {fix}"
    seed = (
        'ai1-skills: lazy="selectin" on relationships for async compatibility; '
        "backend-fastapi-python: use explicit selectinload() in queries instead"
    )
    options_spec = (
        RuleOption(
            "relationship-loading",
            "selectin",
            "`selectin`: require an eager or raising `lazy=` on every relationship; "
            '`explicit`: require `lazy="raise"`/`"noload"` and load in queries',
            choices=("selectin", "explicit"),
        ),
    )
    example_path = "app/models/user.py"
    _ASYNC_DB = (
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
        "SessionLocal = async_sessionmaker(expire_on_commit=False)\n"
    )
    _MODELS_HEAD = (
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
    )
    valid = (
        Example(
            {
                "app/core/database.py": _ASYNC_DB,
                "app/models/user.py": _MODELS_HEAD + "class User(Base):\n"
                "    __tablename__ = 'users'\n"
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    posts: Mapped[list['Post']] = relationship(back_populates='author', lazy='selectin')\n"
                "    team: Mapped['Team'] = relationship(lazy='joined')\n"
                "    audit = relationship('Audit', lazy='raise')\n",
            }
        ),
        Example(
            {
                "app/models/user.py": _MODELS_HEAD + "class User(Base):\n"
                "    __tablename__ = 'users'\n"
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    posts: Mapped[list['Post']] = relationship(back_populates='author')\n",
            }
        ),
        Example(
            {
                "app/core/database.py": _ASYNC_DB,
                "app/models/hero.py": (
                    "from sqlmodel import Field, Relationship, SQLModel\n"
                    "class Team(SQLModel, table=True):\n"
                    "    id: int | None = Field(default=None, primary_key=True)\n"
                    "    heroes: list['Hero'] = Relationship(\n"
                    "        back_populates='team', sa_relationship_kwargs={'lazy': 'selectin'}\n"
                    "    )\n"
                ),
            }
        ),
        Example(
            {
                "app/core/database.py": _ASYNC_DB,
                "app/models/user.py": _MODELS_HEAD + "class User(Base):\n"
                "    __tablename__ = 'users'\n"
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    posts: Mapped[list['Post']] = relationship(lazy='raise')\n",
            },
            options={"relationship-loading": "explicit"},
        ),
    )
    invalid = (
        Example(
            {
                "app/core/database.py": _ASYNC_DB,
                "app/models/user.py": _MODELS_HEAD + "class User(Base):\n"
                "    __tablename__ = 'users'\n"
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    posts: Mapped[list['Post']] = relationship(back_populates='author')  # error\n"
                "    team: Mapped['Team'] = relationship(lazy='select')  # error\n",
            }
        ),
        Example(
            {
                "app/core/database.py": _ASYNC_DB,
                "app/models/user.py": _MODELS_HEAD + "class User(Base):\n"
                "    __tablename__ = 'users'\n"
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    posts: Mapped[list['Post']] = relationship(lazy='selectin')  # error\n"
                "    audit: Mapped['Audit'] = relationship(lazy='raise')\n",
            },
            options={"relationship-loading": "explicit"},
        ),
        Example(
            {
                "app/core/database.py": _ASYNC_DB,
                "app/models/hero.py": (
                    "from sqlmodel import Field, Relationship, SQLModel\n"
                    "class Team(SQLModel, table=True):\n"
                    "    id: int | None = Field(default=None, primary_key=True)\n"
                    "    heroes: list['Hero'] = Relationship(back_populates='team')  # error\n"
                ),
                "app/models/base.py": (
                    "from sqlalchemy.orm import DeclarativeBase\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                ),
                "app/models/audit.py": (
                    "from sqlalchemy import orm\n"
                    "from app.models.base import Base\n"
                    "class Audit(Base):  # error\n"
                    "    __tablename__ = 'audits'\n"
                    "    user = orm.relationship('User')\n"
                    "    team = orm.relationship('Team', lazy=True)\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        if not is_async_codebase(project):
            return
        allowed = (
            _EXPLICIT_OK if self.options["relationship-loading"] == "explicit" else _SELECTIN_OK
        )
        for facts in project.modules.values():
            for cls in facts.classes:
                yield from self._check_class(project, facts, cls, allowed)

    def _check_class(
        self, project: Project, facts: ModuleFacts, cls: ClassFact, allowed: frozenset[str]
    ) -> Iterator[Finding]:
        unannotated: list[tuple[str, str]] = []
        for field in cls.fields:
            if field.value is None or field.value.kind != "call":
                continue
            strategy = self._strategy(project, facts.module, field.value)
            if strategy is not None and strategy not in allowed:
                yield Finding(facts.path, field.span, self._message(field.name, strategy))
        for name, value in cls.attributes:
            if value.kind != "call":
                continue
            strategy = self._strategy(project, facts.module, value)
            if strategy is not None and strategy not in allowed:
                unannotated.append((name, strategy))
        if len(unannotated) == 1:
            name, strategy = unannotated[0]
            yield Finding(facts.path, cls.span, self._message(name, strategy))
        elif unannotated:
            names = ", ".join(f"`{name}`" for name, _ in unannotated)
            message = (
                f"relationships {names} of `{cls.name}` load implicitly in an async codebase; "
                + self._fix()
            )
            yield Finding(facts.path, cls.span, message)

    def _strategy(self, project: Project, module: str, value: Value) -> str | None:
        """The effective strategy of a relationship() value; None if not one / unknown."""
        if not value.dotted or value.dotted[-1] not in ("relationship", "relation", "Relationship"):
            return None
        resolved = project.resolve_canonical(module, value.dotted)
        if resolved in RELATIONSHIP:
            return _lazy_strategy(value.keyword("lazy"))
        if resolved in SQLMODEL_RELATIONSHIP:
            inner = value.keyword("sa_relationship")
            if inner is not None:
                return self._strategy(project, module, inner) if inner.kind == "call" else None
            kwargs = value.keyword("sa_relationship_kwargs")
            if kwargs is None:
                return "select"
            if kwargs.kind != "dict":
                return None
            return _lazy_strategy(kwargs.keyword("lazy"))
        return None

    def _fix(self) -> str:
        if self.options["relationship-loading"] == "explicit":
            return 'set `lazy="raise"` and load it with `selectinload()` in the query'
        return 'set `lazy="selectin"` (or `"joined"`/`"raise"`)'

    def _message(self, name: str, strategy: str) -> str:
        problem = (
            "loads lazily on attribute access"
            if strategy == "select"
            else f'uses `lazy="{strategy}"`'
        )
        return self.message.format(name=name, problem=problem, fix=self._fix())


# -- LL306 ----------------------------------------------------------------------------------------


class ExpireOnCommit(FileRule):
    """``sessionmaker``/``async_sessionmaker`` without ``expire_on_commit=False``.

    **What it does:** flags session factories (resolved to SQLAlchemy) created without
    ``expire_on_commit=False`` or with ``expire_on_commit=True``. Factories configured
    later with ``.configure(expire_on_commit=...)`` in the same file, or built from
    ``**kwargs``, are left alone, as are throwaway sessions in Alembic migrations.

    **Why is this bad?** After ``commit()`` every loaded object is expired; reading an
    attribute afterwards (building the response) reloads it, which under
    ``AsyncSession`` raises ``MissingGreenlet`` and in sync code issues surprise queries
    or ``DetachedInstanceError``.

    **Example:** ``async_session = async_sessionmaker(engine)``.

    **Use instead:** ``async_sessionmaker(engine, expire_on_commit=False)``.
    """

    code = "LL306"
    name = "expire-on-commit"
    message = "session factory without `expire_on_commit=False`; objects expire after commit"
    seed = "ai1-skills: expire_on_commit=False prevents detached instance errors after commit"
    fixable = Fixability.SAFE
    example_path = "app/core/database.py"
    valid = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "engine = create_async_engine('sqlite+aiosqlite://')\n"
        "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n",
        "from sqlalchemy.orm import sessionmaker\n"
        "SessionLocal = sessionmaker()\n"
        "SessionLocal.configure(expire_on_commit=False)\n",
        "from sqlalchemy.orm import sessionmaker\n"
        "def make(**options):\n"
        "    return sessionmaker(**options)\n",
        "from app.factories import sessionmaker\nSessionLocal = sessionmaker()\n",
    )
    invalid = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "engine = create_async_engine('sqlite+aiosqlite://')\n"
        "SessionLocal = async_sessionmaker(engine)  # error\n",
        "import sqlalchemy.orm as orm\n"
        "SessionLocal = orm.sessionmaker(\n"
        "    autoflush=False,\n"
        "    expire_on_commit=True,  # error\n"
        ")\n",
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    "engine = create_async_engine('sqlite+aiosqlite://')\n"
                    "SessionLocal = async_sessionmaker(  # error\n"
                    "    engine,\n"
                    "    autoflush=False,  # flush explicitly in repositories\n"
                    ")\n"
                )
            },
            fixed={
                "app/core/database.py": (
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    "engine = create_async_engine('sqlite+aiosqlite://')\n"
                    "SessionLocal = async_sessionmaker(  # error\n"
                    "    engine,\n"
                    "    autoflush=False,  # flush explicitly in repositories\n"
                    "    expire_on_commit=False,\n"
                    ")\n"
                )
            },
        ),
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy.orm import sessionmaker\n"
                    "SessionLocal = sessionmaker(autoflush=False, expire_on_commit=True)  # error\n"
                )
            },
            fixed={
                "app/core/database.py": (
                    "from sqlalchemy.orm import sessionmaker\n"
                    "SessionLocal = sessionmaker(autoflush=False, expire_on_commit=False)  # error\n"
                )
            },
            unsafe=True,
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._pending: list[cst.CSTNode] = []
        self._configured = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._pending = []
        # A migration's throwaway session on the migration connection is not the app's.
        self._configured = (
            ctx.layer == "migrations"
            or is_migration_tooling_path(ctx.path)
            or module_assigns_revision(node)
        )

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        name = call_name(node)
        if name == "configure":
            if keyword_arg(node, "expire_on_commit") is not None or has_star_kwargs(node):
                self._configured = True
            return
        if name not in ("sessionmaker", "async_sessionmaker"):
            return
        if ctx.qualified_name(node.func) not in SESSIONMAKERS or has_star_kwargs(node):
            return
        arg = keyword_arg(node, "expire_on_commit")
        if arg is None:
            self._pending.append(node)
        elif isinstance(arg.value, cst.Name) and arg.value.value == "True":
            self._pending.append(arg)

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        if not self._configured:
            for pending in self._pending:
                ctx.report(pending, fix=expire_on_commit_fix(pending))
        self._pending = []


# -- LL307 ----------------------------------------------------------------------------------------


class AddWithoutFlush(ProjectRule):
    """A repository ``add()``s an object and returns it without ``flush()``.

    **What it does:** in repository functions (the repositories layer, or methods of
    ``*Repository`` classes) flags ``session.add(obj)`` on a known session followed by
    ``return obj`` with no ``flush()`` (or ``commit()``) in between. Functions that hand
    the object to another method of the same class after ``add()`` are left alone (it
    may flush there).

    **Why is this bad?** Until the flush the row does not exist: the returned object
    has no primary key, no server defaults (``created_at``), and constraint violations
    surface later, far from the code that caused them.

    **Example:** ``self._session.add(user); return user``.

    **Use instead:** ``self._session.add(user); await self._session.flush();
    await self._session.refresh(user); return user``.
    """

    code = "LL307"
    name = "add-without-flush"
    message = "`{call}` then `return {obj}` without `flush()`; flush (and refresh) to get generated fields"
    seed = "ai1-skills: always flush() + refresh() after add() to get generated fields"
    example_path = "app/repositories/user_repo.py"
    valid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "class UserRepository:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self._session = session\n"
        "    async def create(self, user):\n"
        "        self._session.add(user)\n"
        "        await self._session.flush()\n"
        "        await self._session.refresh(user)\n"
        "        return user\n"
        "    async def stage(self, user) -> None:\n"
        "        self._session.add(user)\n",
        "class Registry:\n"
        "    def __init__(self) -> None:\n"
        "        self.items = set()\n"
        "    def create(self, item):\n"
        "        self.items.add(item)\n"
        "        return item\n",
        "from sqlalchemy.orm import Session\n"
        "class UserRepository:\n"
        "    def __init__(self, session: Session) -> None:\n"
        "        self.session = session\n"
        "    def create(self, user):\n"
        "        self.session.add(user)\n"
        "        self._save()\n"
        "        return user\n"
        "    def _save(self) -> None:\n"
        "        self.session.flush()\n",
    )
    invalid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "class UserRepository:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self._session = session\n"
        "    async def create(self, user):\n"
        "        self._session.add(user)  # error\n"
        "        return user\n",
        Example(
            {
                "app/crud/items.py": (
                    "from sqlalchemy.orm import Session\n"
                    "def create_item(db: Session, item):\n"
                    "    db.add(item)  # error\n"
                    "    return item\n"
                    "def save(db: Session) -> None:\n"
                    "    db.flush()\n"
                )
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            in_layer = project.layer_of(facts.module) == "repositories"
            for fn in facts.functions:
                if not in_layer and not (
                    fn.class_name is not None
                    and project.is_repository_class(f"{facts.module}.{fn.class_name}")
                ):
                    continue
                yield from self._check_function(project, FunctionRef(facts, fn))

    def _check_function(self, project: Project, ref: FunctionRef) -> Iterator[Finding]:
        fn = ref.function
        for call in fn.calls:
            callee = call.callee
            if len(callee) < 2 or callee[-1] != "add" or len(call.args) != 1:
                continue
            obj = call.args[0]
            if obj.kind != "name" or len(obj.dotted) != 1:
                continue
            if not _is_session(project, ref, callee[:-1]):
                continue
            returned = [
                r
                for r in fn.returns_values
                if r.value.kind == "name"
                and r.value.dotted == obj.dotted
                and _before(call.span, r.span)
            ]
            if not returned:
                continue
            first_return = min(returned, key=lambda r: (r.span.line, r.span.column))
            if self._flushed_between(fn.class_name, fn.calls, call.span, first_return.span, ref):
                continue
            yield Finding(
                ref.module.path,
                call.span,
                self.message.format(
                    call=".".join(callee) + f"({obj.dotted[0]})", obj=obj.dotted[0]
                ),
            )

    @staticmethod
    def _flushed_between(
        class_name: str | None,
        calls: tuple[CallFact, ...],
        start: Span,
        end: Span,
        ref: FunctionRef,
    ) -> bool:
        methods = set()
        if class_name is not None:
            methods = {f.name for f in ref.module.functions if f.class_name == class_name}
        for other in calls:
            if not (_before(start, other.span) and _before(other.span, end)):
                continue
            callee = other.callee
            if callee[-1] in ("flush", "commit"):
                return True
            if len(callee) == 2 and callee[0] == "self" and callee[1] in methods:
                return True
        return False


# -- LL308 ----------------------------------------------------------------------------------------

_NOW_FUNCTIONS = frozenset(
    {
        "datetime.datetime.utcnow",
        "datetime.datetime.now",
        "datetime.datetime.today",
        "pendulum.now",
        "pendulum.today",
        "arrow.utcnow",
        "arrow.now",
    }
)
_NOW_NAMES = frozenset({"utcnow", "utc_now", "now_utc"})
_DEFAULT_KEYWORDS = frozenset({"default", "onupdate", "default_factory"})


def _now_function(node: cst.BaseExpression, ctx: FileContext) -> str | None:
    """``datetime.utcnow``-like callables (stdlib, pendulum, a project ``utcnow``)."""
    qualified = ctx.qualified_name(node)
    if qualified is not None:
        if qualified.startswith("sqlalchemy"):
            return None
        parts = qualified.split(".")
        if qualified in _NOW_FUNCTIONS or parts[-1] in _NOW_NAMES:
            return qualified
        if parts[-1] == "now" and len(parts) > 1 and "time" in parts[-2]:
            return qualified
        return None
    if isinstance(node, cst.Name) and node.value in _NOW_NAMES:
        return node.value
    return None


def _python_timestamp(node: cst.BaseExpression, ctx: FileContext) -> str | None:
    """What makes a ``default=`` value a Python-side timestamp, or None."""
    if isinstance(node, cst.Name | cst.Attribute):
        return _now_function(node, ctx)
    if isinstance(node, cst.Lambda):
        body = node.body
        while (
            isinstance(body, cst.Call)
            and isinstance(body.func, cst.Attribute)
            and isinstance(body.func.value, cst.Call)
        ):
            body = body.func.value
        if isinstance(body, cst.Call):
            found = _now_function(body.func, ctx)
            return f"lambda: {found}()" if found else None
        return None
    if isinstance(node, cst.Call):
        if ctx.qualified_name(node.func) == "functools.partial" and node.args:
            found = _now_function(node.args[0].value, ctx)
            return f"partial({found})" if found else None
        inner: cst.BaseExpression = node
        while (
            isinstance(inner, cst.Call)
            and isinstance(inner.func, cst.Attribute)
            and isinstance(inner.func.value, cst.Call)
        ):
            inner = inner.func.value
        if isinstance(inner, cst.Call):
            found = _now_function(inner.func, ctx)
            return f"{found}() (evaluated once, at import)" if found else None
    return None


class PythonSideTimestamp(FileRule):
    """A timestamp column whose default is computed in Python.

    **What it does:** flags ``default=``/``onupdate=`` (and ``default_factory=``) of
    ``Column()``/``mapped_column()``, and ``default_factory=`` of a SQLModel ``Field()``
    in a ``table=True`` model, when the value is ``datetime.utcnow``/``datetime.now``
    (or ``pendulum.now``, a project's ``utcnow`` helper), a lambda or ``partial`` calling
    one, or such a call evaluated once at import time. A Python default next to its
    server-side counterpart (``server_default=``/``server_onupdate=``) is a deliberate
    complement and is not flagged; neither are columns in Alembic migrations.

    **Why is this bad?** The timestamp comes from each application server's clock and
    only for rows written through the ORM: raw SQL, bulk updates and other services get
    no value, and ``utcnow()`` produces naive datetimes.

    **Example:** ``created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)``.

    **Use instead:** ``mapped_column(server_default=func.now())`` (and
    ``onupdate=func.now()`` / ``server_onupdate`` for ``updated_at``).
    """

    code = "LL308"
    name = "python-side-timestamp"
    message = "`{keyword}={value}` computes the timestamp in Python{note}; use `{fix}`"
    seed = _SEED_AI1 + ": server_default for database-generated defaults"
    example_path = "app/models/user.py"
    valid = (
        "from datetime import datetime\n"
        "from sqlalchemy import DateTime, func\n"
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "class Stamped:\n"
        "    created_at: Mapped[datetime] = mapped_column(server_default=func.now())\n"
        "    updated_at: Mapped[datetime] = mapped_column(\n"
        "        server_default=func.now(), onupdate=func.now()\n"
        "    )\n",
        "from datetime import datetime\n"
        "from pydantic import BaseModel, Field\n"
        "from sqlmodel import Field as SQLField, SQLModel\n"
        "class EventIn(BaseModel):\n"
        "    at: datetime = Field(default_factory=datetime.utcnow)\n"
        "class HeroCreate(SQLModel):\n"
        "    at: datetime = SQLField(default_factory=datetime.utcnow)\n",
        "from app.columns import Column\n"
        "from datetime import datetime\n"
        "class Log:\n"
        "    at = Column(default=datetime.utcnow)\n",
    )
    invalid = (
        "import datetime as dt\n"
        "from sqlalchemy import Column, DateTime\n"
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "class User:\n"
        "    created_at = Column(DateTime, default=dt.datetime.utcnow)  # error\n"
        "    updated_at: Mapped[dt.datetime] = mapped_column(\n"
        "        default=lambda: dt.datetime.now(dt.timezone.utc),  # error\n"
        "        onupdate=dt.datetime.utcnow,  # error\n"
        "    )\n",
        "from datetime import datetime\n"
        "from sqlmodel import Field, SQLModel\n"
        "class Hero(SQLModel, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    created_at: datetime = Field(default_factory=datetime.utcnow)  # error\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._skip_file = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        # In a migration ``default=`` is never emitted as DDL; the model is what to fix.
        self._skip_file = (
            ctx.layer == "migrations"
            or is_migration_tooling_path(ctx.path)
            or module_assigns_revision(node)
        )

    def visit_Call(self, node: cst.Call, ctx: ScopedContext) -> None:
        if self._skip_file:
            return
        keywords = [
            arg
            for arg in node.args
            if arg.keyword is not None and arg.keyword.value in _DEFAULT_KEYWORDS
        ]
        if not keywords:
            return
        name = call_name(node)
        if name in ("Column", "mapped_column"):
            qualified = ctx.qualified_name(node.func)
            if qualified not in COLUMN and qualified not in MAPPED_COLUMN:
                return
        elif name == "Field":
            if ctx.qualified_name(node.func) not in SQLMODEL_FIELD or not _is_table_class(
                ctx.enclosing_class
            ):
                return
            keywords = [
                arg
                for arg in keywords
                if arg.keyword is not None and arg.keyword.value == "default_factory"
            ]
        else:
            return
        for arg in keywords:
            if arg.keyword is None:
                continue
            # A server-side counterpart covers raw SQL; the Python one only saves a refetch.
            counterpart = "server_onupdate" if arg.keyword.value == "onupdate" else "server_default"
            if keyword_arg(node, counterpart) is not None:
                continue
            found = _python_timestamp(arg.value, ctx)
            if found is None:
                continue
            written = cst.Module(body=[]).code_for_node(arg.value)
            if len(written) > 40:
                written = written[:37] + "..."
            keyword = arg.keyword.value
            note = " once, at import time" if found.endswith("(evaluated once, at import)") else ""
            fix = "onupdate=func.now()" if keyword == "onupdate" else "server_default=func.now()"
            ctx.report(arg, self.message.format(keyword=keyword, value=written, note=note, fix=fix))


def _is_table_class(node: cst.ClassDef | None) -> bool:
    if node is None:
        return False
    for kw in node.keywords:
        if kw.keyword is not None and kw.keyword.value == "table":
            return isinstance(kw.value, cst.Name) and kw.value.value == "True"
    return False


# -- LL309 ----------------------------------------------------------------------------------------

# The seed's names first; the usual spellings of the same two columns count too (a
# model with ``created``/``updated`` has its timestamps, just named differently).
_TIMESTAMPS: dict[str, frozenset[str]] = {
    "created_at": frozenset(
        {
            "created_at",
            "created",
            "created_on",
            "created_time",
            "creation_time",
            "creation_date",
            "date_created",
            "inserted_at",
        }
    ),
    "updated_at": frozenset(
        {
            "updated_at",
            "updated",
            "updated_on",
            "updated_time",
            "modified_at",
            "modified",
            "modified_on",
            "last_modified",
            "last_modified_at",
            "date_updated",
            "date_modified",
        }
    ),
}


class MissingTimestamps(ProjectRule):
    """A table model without ``created_at`` and ``updated_at``.

    **What it does:** flags ORM table classes (declarative classes with
    ``__tablename__`` or ``Mapped`` columns, SQLModel ``table=True`` models) that
    declare neither themselves nor through a mixin or base class a ``created_at`` and
    an ``updated_at`` attribute (the usual other spellings, ``created``/``updated``,
    ``created_on``/``modified_at``..., count). The declarative base itself, abstract
    classes, classes mapped to a Core ``__table__`` and subclasses of another mapped
    class are skipped.

    **Why is this bad?** Without timestamps there is no cheap answer to "when did this
    change?": debugging, incremental syncs and audits all need them, and adding them
    later leaves old rows empty.

    **Example:** ``class Tag(Base): __tablename__ = "tags"; id: Mapped[int] = ...``.

    **Use instead:** a ``TimestampMixin`` with ``created_at``/``updated_at``
    (``server_default=func.now()``) that every model inherits.
    """

    code = "LL309"
    name = "missing-timestamps"
    message = "table model `{model}` has no {missing}; add `created_at`/`updated_at` (e.g. a mixin)"
    seed = _SEED_AI1 + ": always include created_at and updated_at timestamps"
    default = Default.OPT_IN
    example_path = "app/models/tag.py"
    _HEAD = (
        "from datetime import datetime\n"
        "from sqlalchemy import func\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
    )
    valid = (
        _HEAD + "class TimestampMixin:\n"
        "    created_at: Mapped[datetime] = mapped_column(server_default=func.now())\n"
        "    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())\n"
        "class Tag(TimestampMixin, Base):\n"
        "    __tablename__ = 'tags'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "class SpecialTag(Tag):\n"
        "    __mapper_args__ = {'polymorphic_identity': 'special'}\n"
        "    kind: Mapped[str] = mapped_column(default='x')\n",
        _HEAD + "class Abstract(Base):\n"
        "    __abstract__ = True\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "class TagSchema:\n"
        "    id: int\n",
    )
    invalid = (
        _HEAD + "class Tag(Base):  # error\n"
        "    __tablename__ = 'tags'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "class Note(Base):  # error\n"
        "    __tablename__ = 'notes'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    created_at: Mapped[datetime] = mapped_column(server_default=func.now())\n",
        Example(
            {
                "app/models/hero.py": (
                    "from sqlmodel import Field, SQLModel\n"
                    "class HeroBase(SQLModel):\n"
                    "    name: str\n"
                    "class Hero(HeroBase, table=True):  # error\n"
                    "    id: int | None = Field(default=None, primary_key=True)\n"
                )
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            for cls in facts.classes:
                qualified = f"{facts.module}.{cls.name}"
                if not project.is_orm_model(qualified) or self._skipped(project, qualified, cls):
                    continue
                present = self._names(project, qualified)
                missing = [name for name, accepted in _TIMESTAMPS.items() if not accepted & present]
                if missing:
                    text = " or ".join(f"`{name}`" for name in missing)
                    yield Finding(
                        facts.path, cls.span, self.message.format(model=cls.name, missing=text)
                    )

    @classmethod
    def _skipped(cls, project: Project, qualified: str, fact: ClassFact) -> bool:
        if not cls._is_table(project, qualified, fact):
            return True
        for ancestor in project.ancestry(qualified):
            if ancestor == qualified or not project.is_orm_model(ancestor):
                continue
            ref = project.lookup_class(ancestor)
            if ref is not None and cls._is_table(project, ancestor, ref.cls):
                return True  # inheritance: the parent's table holds the timestamps
        return False

    @staticmethod
    def _is_table(project: Project, qualified: str, fact: ClassFact) -> bool:
        """Not a declarative root (``class Base(DeclarativeBase)``), abstract or Core-mapped."""
        for name, value in fact.attributes:
            if name == "__table__":
                return False
            if name == "__abstract__" and value.kind == "bool" and value.literal:
                return False
        ref = project.lookup_class(qualified)
        return ref is None or not any(base in ORM_BASES for base in project.base_names(ref))

    @staticmethod
    def _names(project: Project, qualified: str) -> set[str]:
        names: set[str] = set()
        for ancestor in project.ancestry(qualified):
            ref = project.lookup_class(ancestor)
            if ref is None:
                continue
            names.update(f.name for f in ref.cls.fields)
            names.update(name for name, _ in ref.cls.attributes)
            names.update(ref.cls.methods)
        return names


# -- LL310 ----------------------------------------------------------------------------------------

_EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql"})
_MUTATORS = frozenset({"append", "extend", "insert", "update", "add", "setdefault"})


class SqlStringFormatting(FileRule):
    """SQL text built with an f-string, ``%``, ``+`` or ``.format()``.

    **What it does:** flags the SQL argument of ``text()``, ``.execute()``,
    ``.exec_driver_sql()`` and Alembic's ``op.execute()`` when it is an f-string with
    placeholders, a ``%``/``.format()`` formatting or a ``+`` concatenation with
    non-constant parts, directly or through a local variable assigned earlier in the
    same function. Literal-only concatenations, f-strings without placeholders,
    ``ALL_CAPS`` constants, ``Model.__tablename__``, ``int(...)`` casts and bound
    parameters (``text("... :id")``) are fine, and so are local variables that only
    ever hold constants (``for table in ("a", "b")``). Placeholders in identifier
    position (``ALTER TABLE {table}``, ``"{schema}".x``) cannot be bound parameters and
    are not flagged, nor are bound-parameter names (``:id_{i}``), text inside a ``--``
    comment, helpers of the same file called with constants, and SQL fragments provided
    by the executing connection (``db.execute(f"... {db.timestamp_now}")``). For
    ``.execute()`` on an unknown receiver the string must start like a SQL statement.

    **Why is this bad?** Values formatted into SQL are an injection hole and defeat
    the statement cache; quoting by hand is always wrong for some input.

    **Example:** ``session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))``.

    **Use instead:** ``session.execute(text("SELECT * FROM users WHERE name = :name"),
    {"name": name})`` or a ``select()``.
    """

    code = "LL310"
    name = "sql-string-formatting"
    message = "SQL built with {how} passed to `{callee}()`; use bound parameters (`:name`)"
    seed = "python-backend-patterns: parameterized queries, never string formatting in SQL"
    example_path = "app/repositories/user_repo.py"
    valid = (
        "from sqlalchemy import text\n"
        "TABLE = 'users'\n"
        "async def find(session, name: str):\n"
        "    await session.execute(text('SELECT * FROM users WHERE name = :name'), {'name': name})\n"
        "    await session.execute(text(f'SELECT count(*) FROM {TABLE}'))\n"
        "    await session.execute(text('SELECT 1 ' + 'FROM users'))\n"
        "    await session.execute(text(f'SELECT 1'))\n"
        "    await session.execute(text(f'SELECT * FROM t LIMIT {int(limit)}'))\n",
        "import subprocess\n"
        "def run(executor, name: str):\n"
        "    executor.execute(f'job {name}')\n"
        "    executor.execute('echo %s' % name)\n",
        "from app.sql import text\ndef q(name):\n    return text(f'hello {name}')\n",
        Example(
            {
                "alembic/versions/0003_constraints.py": (
                    "from alembic import op\n"
                    "revision = '0003'\n"
                    "down_revision = '0002'\n"
                    "def upgrade() -> None:\n"
                    "    for table in ('a', 'b'):\n"
                    "        op.execute(f'UPDATE {table} SET flag = 1')\n"
                    "def downgrade(table: str, name: str) -> None:\n"
                    "    op.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}')\n"
                    "    op.execute(f'ALTER TABLE \"{table}\" RENAME TO {name}')\n"
                    "    op.execute(f'-- rows moved to {name}')\n"
                )
            }
        ),
    )
    invalid = (
        "from sqlalchemy import text\n"
        "async def find(session, name: str, order: str):\n"
        "    await session.execute(text(f\"SELECT * FROM users WHERE name = '{name}'\"))  # error\n"
        "    await session.execute(text('SELECT * FROM users ORDER BY ' + order))  # error\n"
        "    await session.execute(text('SELECT * FROM users WHERE name = %s' % name))  # error\n"
        "    await session.execute(text('DELETE FROM users WHERE name = {}'.format(order)))  # error\n",
        "import sqlalchemy as sa\n"
        "def purge(conn, table: str, days: str):\n"
        "    sql = f'DELETE FROM {table} WHERE age > {days}'\n"
        "    conn.execute(sa.text(sql))  # error\n"
        "    cursor = conn.connection.cursor()\n"
        "    cursor.execute(f\"SELECT * FROM {table} WHERE day = '{days}'\")  # error\n"
        "    conn.exec_driver_sql('DELETE FROM logs WHERE day < ' + days)  # error\n"
        "    query = 'SELECT * FROM logs WHERE 1 = 1'\n"
        "    query += ' AND day = ' + days\n"
        "    conn.execute(sa.text(query))  # error\n",
        Example(
            {
                "alembic/versions/0002_backfill.py": (
                    "from alembic import op\n"
                    "revision = '0002'\n"
                    "down_revision = '0001'\n"
                    "import sqlalchemy as sa\n"
                    "def upgrade() -> None:\n"
                    "    conn = op.get_bind()\n"
                    "    for row in conn.execute(sa.text('SELECT id, name FROM t')):\n"
                    "        op.execute(f\"UPDATE t SET slug = '{row.name}' WHERE id = {row.id}\")  # error\n"
                    "def downgrade() -> None:\n"
                    "    op.execute('UPDATE t SET slug = NULL')\n"
                )
            }
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        # (function id or 0, variable) -> (how its SQL was built, its text so far);
        # how is "" while the SQL is constant, and the variable is absent when not SQL.
        self._built: dict[tuple[int, str], tuple[str, str]] = {}
        # (function id or 0, variable) -> True while every binding seen holds a constant.
        self._constants: dict[tuple[int, str], bool] = {}

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._built = {}
        self._constants = {}

    @staticmethod
    def _scope(ctx: ScopedContext) -> int:
        function = ctx.enclosing_function
        return id(function) if function is not None else 0

    def _known(self, scope: int) -> KnownConstant:
        def known(name: str) -> bool:
            local = self._constants.get((scope, name))
            if local is not None:
                return local
            return scope != 0 and self._constants.get((0, name), False)

        return known

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: ScopedContext) -> None:
        """Parameters hold whatever the caller passes: never constants. The function
        itself is a helper of this file: given constants, it builds constant SQL."""
        for param in _params(node):
            self._constants[(id(node), param.name.value)] = False
        self._constants[(self._scope(ctx), node.name.value + "()")] = True

    def _bind_constant(self, scope: int, name: str, constant: bool) -> None:
        self._constants[(scope, name)] = self._constants.get((scope, name), True) and constant

    def visit_Assign(self, node: cst.Assign, ctx: ScopedContext) -> None:
        scope = self._scope(ctx)
        known = self._known(scope)
        constant = is_constant(node.value, known)
        sql: tuple[str, str] | None = None
        if scope != 0 and looks_like_sql(node.value):
            sql = (dynamic_sql(node.value, known) or "", sql_text(node.value, known) or "")
        for target in node.targets:
            if not isinstance(target.target, cst.Name):
                continue
            name = target.target.value
            self._bind_constant(scope, name, constant)
            if sql is not None:
                self._built[(scope, name)] = sql
            else:
                self._built.pop((scope, name), None)

    def visit_For(self, node: cst.For, ctx: ScopedContext) -> None:
        """``for table in ("a", "b"):`` binds constants; any other loop variable is not."""
        scope = self._scope(ctx)
        constant = isinstance(node.iter, cst.Tuple | cst.List | cst.Set | cst.Name) and is_constant(
            node.iter, self._known(scope)
        )
        targets = node.target.elements if isinstance(node.target, cst.Tuple) else [node.target]
        for target in targets:
            value = target.value if isinstance(target, cst.Element) else target
            if isinstance(value, cst.Name):
                self._bind_constant(scope, value.value, constant)

    def visit_AugAssign(self, node: cst.AugAssign, ctx: ScopedContext) -> None:
        if not isinstance(node.target, cst.Name):
            return
        scope = self._scope(ctx)
        key = (scope, node.target.value)
        known = self._known(scope)
        self._bind_constant(scope, node.target.value, is_constant(node.value, known))
        built = self._built.get(key)
        if built is None or not isinstance(node.operator, cst.AddAssign):
            return
        how, text = built
        appended = sql_text(node.value, known)
        if appended is not None:
            how = how or dynamic_sql(node.value, known, prefix=text) or ""
            self._built[key] = (how, text + appended)
        elif is_constant(node.value, known):
            self._built[key] = (how, text + "X")
        else:
            if not how and value_position(text):
                how = "`+=` concatenation"
            self._built[key] = (how, text + "X")

    def visit_Call(self, node: cst.Call, ctx: ScopedContext) -> None:
        name = call_name(node)
        if name in _MUTATORS:
            self._mutated(node, ctx)
            return
        if (name != "text" and name not in _EXECUTE_METHODS) or not node.args:
            return
        first = node.args[0]
        if first.keyword is not None or first.star:
            return
        sql = first.value
        if name == "text":
            if ctx.qualified_name(node.func) not in TEXT:
                return
            trusted_sql = True
        else:
            if not isinstance(node.func, cst.Attribute):
                return
            trusted_sql = name == "exec_driver_sql" or ctx.qualified_name(node.func) in (
                "alembic.op.execute",
            )
        trusted = _names_in(node.func.value) if isinstance(node.func, cst.Attribute) else set()
        how = self._how(sql, ctx, trusted_sql, trusted)
        if how is not None:
            callee = ".".join(dotted_name(node.func) or ("?", name))
            ctx.report(sql, self.message.format(how=how, callee=callee))

    def _mutated(self, node: cst.Call, ctx: ScopedContext) -> None:
        """``where.append(fragment)``: the list is only as constant as what goes in."""
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            scope = self._scope(ctx)
            known = self._known(scope)
            constant = all(is_constant(arg.value, known) for arg in node.args)
            self._bind_constant(scope, func.value.value, constant)

    def _how(
        self, sql: cst.BaseExpression, ctx: ScopedContext, trusted_sql: bool, trusted: set[str]
    ) -> str | None:
        """How ``sql`` was built; names in ``trusted`` (the executing connection or
        database object: ``db.execute(f"... {db.timestamp_now}")``) provide SQL."""
        scope = self._scope(ctx)
        if isinstance(sql, cst.Name):
            built = self._built.get((scope, sql.value))
            return f"{built[0]} (via `{sql.value}`)" if built is not None and built[0] else None
        known = self._known(scope)
        how = dynamic_sql(sql, lambda name: name in trusted or known(name))
        if how is None:
            return None
        if not trusted_sql and not looks_like_sql(sql):
            return None
        return how


def _names_in(node: cst.BaseExpression) -> set[str]:
    """The plain names an expression is built from (``(conn or db)`` -> conn, db)."""
    return {n.value for n in iter_nodes(node, (cst.Name,)) if isinstance(n, cst.Name)}


# -- LL311 ----------------------------------------------------------------------------------------

_SESSION_NAMES = frozenset({"session", "db_session", "async_session", "dbsession", "sess"})
_SESSION_ANNOTATION_NAMES = frozenset(
    {"Session", "AsyncSession", "SessionDep", "AsyncSessionDep", "DBSession", "DbSession"}
)
_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class AddInLoop(FileRule):
    """``session.add()`` inside a loop.

    **What it does:** flags ``add()`` calls inside a ``for``/``while`` loop or a
    comprehension when the receiver is a SQLAlchemy session by local evidence: a
    parameter annotated ``Session``/``AsyncSession`` (or ``SessionDep``), a name bound
    by ``with Session(...) as s`` / ``s = SessionLocal()``, ``self.x`` set from such a
    value in ``__init__``, or a receiver named ``session``/``*_session`` in a module
    that imports SQLAlchemy or SQLModel; and the added object is new: built in the call
    (``add(Item(...))``) or bound from a constructor call in the function. Re-adding an
    object loaded elsewhere inserts nothing and is not flagged; ``set.add()`` and friends
    are never flagged.

    **Why is this bad?** One ``add()`` per item builds the unit of work one object at
    a time; for bulk data that is slow, and it hides that the operation is a bulk
    insert. (A loop that commits every item on its own, for error isolation, is a
    deliberate choice and is not flagged.)

    **Example:** ``for item in items: session.add(Item(**item))``.

    **Use instead:** ``session.add_all([Item(**item) for item in items])`` or
    ``await session.execute(insert(Item), items)``.
    """

    code = "LL311"
    name = "add-in-loop"
    message = "`{call}()` inside a loop; use `add_all([...])` or `insert().values([...])`"
    seed = "python-backend-patterns: bulk operations instead of per-row adds"
    example_path = "app/repositories/item_repo.py"
    valid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "async def create_all(session: AsyncSession, items: list) -> None:\n"
        "    session.add_all([dict(i) for i in items])\n"
        "    seen = set()\n"
        "    for item in items:\n"
        "        seen.add(item)\n",
        "def collect(tags, items):\n"
        "    for item in items:\n"
        "        tags.add(item)\n"
        "    return [tags.add(i) for i in items]\n",
        "import requests\n"
        "def f(items):\n"
        "    session = object()\n"
        "    for item in items:\n"
        "        session.add(Item(item))\n",
        "from sqlalchemy.orm import Session\n"
        "def requeue(session: Session, callbacks) -> None:\n"
        "    for callback in callbacks:\n"
        "        callback.state = 'queued'\n"
        "        session.add(callback)\n",
    )
    invalid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from app.models.item import Item\n"
        "async def create_all(session: AsyncSession, items: list) -> None:\n"
        "    for data in items:\n"
        "        item = Item(**data)\n"
        "        session.add(item)  # error\n"
        "    [session.add(Item(**i)) for i in items]  # error\n",
        "from sqlalchemy.orm import Session\n"
        "from app import models\n"
        "from app.core.database import SessionLocal\n"
        "from app.models.item import Item\n"
        "class ItemRepository:\n"
        "    def __init__(self, db: Session) -> None:\n"
        "        self.db = db\n"
        "    def save(self, items) -> None:\n"
        "        while items:\n"
        "            self.db.add(Item(name=items.pop()))  # error\n"
        "def import_rows(rows) -> None:\n"
        "    with SessionLocal() as db:\n"
        "        for row in rows:\n"
        "            db.add(models.Row.from_dict(row))  # error\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._reset()

    def _reset(self) -> None:
        # Per function scope, the loops (innermost last) around the current node.
        self._loops: list[list[cst.CSTNode]] = [[]]
        self._classes: list[set[str]] = []
        self._bound: set[tuple[int, str]] = set()
        self._constructed: set[tuple[int, str]] = set()
        self._sqlalchemy_file = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._reset()
        for stmt in node.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import | cst.ImportFrom) and _imports_sqlalchemy(
                        small
                    ):
                        self._sqlalchemy_file = True

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        self._classes.append(_session_attributes(node, ctx))

    def leave_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        if self._classes:
            self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        self._loops.append([])

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        if len(self._loops) > 1:
            self._loops.pop()

    def _enter_loop(self, node: cst.CSTNode) -> None:
        self._loops[-1].append(node)

    def _leave_loop(self) -> None:
        if self._loops[-1]:
            self._loops[-1].pop()

    def visit_For(self, node: cst.For, ctx: FileContext) -> None:
        self._enter_loop(node)

    def leave_For(self, node: cst.For, ctx: FileContext) -> None:
        self._leave_loop()

    def visit_While(self, node: cst.While, ctx: FileContext) -> None:
        self._enter_loop(node)

    def leave_While(self, node: cst.While, ctx: FileContext) -> None:
        self._leave_loop()

    def visit_ListComp(self, node: cst.ListComp, ctx: FileContext) -> None:
        self._enter_loop(node)

    def leave_ListComp(self, node: cst.ListComp, ctx: FileContext) -> None:
        self._leave_loop()

    def visit_SetComp(self, node: cst.SetComp, ctx: FileContext) -> None:
        self._enter_loop(node)

    def leave_SetComp(self, node: cst.SetComp, ctx: FileContext) -> None:
        self._leave_loop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp, ctx: FileContext) -> None:
        self._enter_loop(node)

    def leave_GeneratorExp(self, node: cst.GeneratorExp, ctx: FileContext) -> None:
        self._leave_loop()

    def visit_WithItem(self, node: cst.WithItem, ctx: ScopedContext) -> None:
        function = ctx.enclosing_function
        if function is None or node.asname is None or not isinstance(node.asname.name, cst.Name):
            return
        if isinstance(node.item, cst.Call) and _session_call(node.item, ctx):
            self._bound.add((id(function), node.asname.name.value))

    def visit_Assign(self, node: cst.Assign, ctx: ScopedContext) -> None:
        function = ctx.enclosing_function
        if function is None:
            return
        names = [t.target.value for t in node.targets if isinstance(t.target, cst.Name)]
        for name in names:
            self._constructed.discard((id(function), name))
        if not isinstance(node.value, cst.Call):
            return
        if _session_call(node.value, ctx):
            self._bound.update((id(function), name) for name in names)
        elif _constructs(node.value):
            self._constructed.update((id(function), name) for name in names)

    def visit_Call(self, node: cst.Call, ctx: ScopedContext) -> None:
        if not self._loops[-1]:
            return
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "add" or not node.args:
            return
        if (
            self._new_object(node.args[0].value, ctx)
            and self._is_session(func.value, ctx)
            and not _commits_per_item(self._loops[-1][-1])
        ):
            callee = ".".join(dotted_name(func) or ("?", "add"))
            ctx.report(node, self.message.format(call=callee))

    def _new_object(self, value: cst.BaseExpression, ctx: ScopedContext) -> bool:
        """``add(Model(...))`` or ``add(x)`` with ``x = Model(...)``: a row to insert.
        Re-adding an object loaded elsewhere (a loop over query results) inserts nothing."""
        if isinstance(value, cst.Call):
            return _constructs(value)
        function = ctx.enclosing_function
        return (
            isinstance(value, cst.Name)
            and function is not None
            and (id(function), value.value) in self._constructed
        )

    def _is_session(self, receiver: cst.BaseExpression, ctx: ScopedContext) -> bool:
        function = ctx.enclosing_function
        if isinstance(receiver, cst.Name):
            name = receiver.value
            if function is not None:
                if (id(function), name) in self._bound:
                    return True
                for param in _params(function):
                    if param.name.value == name:
                        return _session_annotation(param.annotation, ctx) or self._named_session(
                            name
                        )
            return self._named_session(name)
        if isinstance(receiver, cst.Attribute):
            dotted = dotted_name(receiver)
            if dotted is None:
                return False
            if (
                len(dotted) == 2
                and dotted[0] == "self"
                and self._classes
                and dotted[1] in self._classes[-1]
            ):
                return True
            return self._named_session(dotted[-1].lstrip("_"))
        return False

    def _named_session(self, name: str) -> bool:
        return self._sqlalchemy_file and (name in _SESSION_NAMES or name.endswith("_session"))


def _constructs(call: cst.Call) -> bool:
    """``Model(...)`` or ``Model.from_x(...)``: a class (CapWords) builds a new object."""
    dotted = dotted_name(call.func)
    if dotted is None:
        return False
    if dotted[-1][:1].isupper():
        return True
    return len(dotted) >= 2 and dotted[-2][:1].isupper()


def _commits_per_item(loop: cst.CSTNode) -> bool:
    """The loop commits each item on its own (error isolation): ``add_all`` would change
    the transaction semantics, so the per-item ``add()`` is deliberate."""
    return any(
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "commit"
        for call in iter_nodes(loop, (cst.Call,))
    )


def _imports_sqlalchemy(node: cst.Import | cst.ImportFrom) -> bool:
    if isinstance(node, cst.Import):
        names = [dotted_name(alias.name) for alias in node.names]
        return any(d is not None and d[0] in ("sqlalchemy", "sqlmodel") for d in names)
    if node.relative or node.module is None:
        return False
    dotted = dotted_name(node.module)
    return dotted is not None and dotted[0] in ("sqlalchemy", "sqlmodel")


def _params(function: cst.FunctionDef) -> list[cst.Param]:
    params = function.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]


def _session_annotation(annotation: cst.Annotation | None, ctx: FileContext) -> bool:
    if annotation is None:
        return False
    node = unwrap_annotation(annotation.annotation)
    dotted = dotted_name(node)
    if dotted is None:
        return False
    qualified = ctx.qualified_name(node)
    if qualified is not None and qualified in SESSION_TYPES:
        return True
    if qualified is not None and qualified.split(".")[0] in ("requests", "aiohttp", "httpx"):
        return False
    return dotted[-1] in _SESSION_ANNOTATION_NAMES or dotted[-1].endswith("SessionDep")


def _session_call(call: cst.Call, ctx: FileContext) -> bool:
    """A call that returns a SQLAlchemy session: ``Session(engine)``, ``SessionLocal()``..."""
    qualified = ctx.qualified_name(call.func)
    if qualified is not None:
        if qualified in SESSION_TYPES:
            return True
        if qualified.split(".")[0] in ("requests", "aiohttp", "httpx", "sqlalchemy", "sqlmodel"):
            return False
    dotted = dotted_name(call.func)
    if dotted is None:
        return False
    last = dotted[-1].lower()
    return "session" in last and "client" not in last


def _session_attributes(node: cst.ClassDef, ctx: FileContext) -> set[str]:
    """``self.x`` names a class sets to a session (class annotations or ``__init__``)."""
    found: set[str] = set()
    if not isinstance(node.body, cst.IndentedBlock):
        return found
    for stmt in node.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if (
                    isinstance(small, cst.AnnAssign)
                    and isinstance(small.target, cst.Name)
                    and _session_annotation(small.annotation, ctx)
                ):
                    found.add(small.target.value)
        elif isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__init__":
            sessions = {
                p.name.value for p in _params(stmt) if _session_annotation(p.annotation, ctx)
            }
            if not isinstance(stmt.body, cst.IndentedBlock):
                continue
            for line in stmt.body.body:
                if not isinstance(line, cst.SimpleStatementLine):
                    continue
                for small in line.body:
                    _init_assignment(small, sessions, found, ctx)
    return found


def _init_assignment(
    small: cst.BaseSmallStatement, sessions: set[str], found: set[str], ctx: FileContext
) -> None:
    if isinstance(small, cst.Assign):
        targets = [t.target for t in small.targets]
        value: cst.BaseExpression | None = small.value
        annotated = False
    elif isinstance(small, cst.AnnAssign):
        targets = [small.target]
        value = small.value
        annotated = _session_annotation(small.annotation, ctx)
    else:
        return
    is_session = annotated or (
        (isinstance(value, cst.Name) and value.value in sessions)
        or (isinstance(value, cst.Call) and _session_call(value, ctx))
    )
    if not is_session:
        return
    for target in targets:
        dotted = dotted_name(target)
        if dotted is not None and len(dotted) == 2 and dotted[0] == "self":
            found.add(dotted[1])


# -- LL312 ----------------------------------------------------------------------------------------


class SyncSessionInAsyncApp(ProjectRule):
    """A sync ``Session``/``sessionmaker``/``create_engine`` in a project that uses ``AsyncSession``.

    **What it does:** when the project uses ``AsyncSession`` (imports
    ``sqlalchemy.ext.asyncio`` or SQLModel's async session outside ``TYPE_CHECKING``, and
    its session-typed parameters are at least as often async as sync: a sync
    application with an async corner is not flagged), flags application code that
    creates the sync machinery: ``create_engine()``, ``sessionmaker()`` (unless
    ``class_=AsyncSession``) and ``Session(...)``. Migrations (Alembic revisions and
    ``env.py``) and tests are excluded; a ``create_engine`` wrapped in
    ``AsyncEngine(...)`` is async.

    **Why is this bad?** Two engines mean two connection pools and two transaction
    worlds; sync session calls reached from ``async def`` block the event loop.

    **Example:** ``engine = create_engine(settings.DATABASE_URL)`` next to
    ``create_async_engine(...)``.

    **Use instead:** one ``create_async_engine`` + ``async_sessionmaker``; for sync-only
    libraries use ``await session.run_sync(fn)``.
    """

    code = "LL312"
    name = "sync-session-in-async-app"
    message = "sync `{what}` in a project that uses AsyncSession; use the async engine/session"
    seed = "fastapi-production: async SQLAlchemy sessions throughout"
    _ASYNC_DB = (
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine\n"
        "engine = create_async_engine('postgresql+asyncpg://x')\n"
        "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
    )
    valid = (
        Example(
            {
                "app/core/database.py": _ASYNC_DB,
                "alembic/env.py": (
                    "from sqlalchemy import create_engine\n"
                    "def run() -> None:\n"
                    "    create_engine('postgresql://x')\n"
                ),
                "tests/conftest.py": (
                    "from sqlalchemy.orm import Session, sessionmaker\n"
                    "TestSession = sessionmaker()\n"
                ),
                "app/core/legacy.py": (
                    "from sqlalchemy.orm import sessionmaker\n"
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "AsyncLocal = sessionmaker(class_=AsyncSession, expire_on_commit=False)\n"
                ),
            }
        ),
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy import create_engine\n"
                    "from sqlalchemy.orm import sessionmaker\n"
                    "engine = create_engine('postgresql://x')\n"
                    "SessionLocal = sessionmaker(engine, expire_on_commit=False)\n"
                )
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/core/database.py": _ASYNC_DB,
                "app/core/sync_db.py": (
                    "from sqlalchemy import create_engine\n"
                    "from sqlalchemy.orm import Session, sessionmaker\n"
                    "engine = create_engine('postgresql://x')  # error\n"
                    "SyncSession = sessionmaker(engine, expire_on_commit=False)  # error\n"
                    "def report() -> None:\n"
                    "    with Session(engine) as session:  # error\n"
                    "        session.commit()\n"
                ),
            }
        ),
        Example(
            {
                "app/core/database.py": _ASYNC_DB,
                "app/workers/cleanup.py": (
                    "import sqlmodel\n"
                    "def run() -> None:\n"
                    "    engine = sqlmodel.create_engine('sqlite://')  # error\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        if not is_async_codebase(project):
            return
        for facts in project.modules.values():
            layer = project.layer_of(facts.module)
            if (
                is_migration_module(layer, facts)
                or is_migration_tooling_path(facts.path)
                or is_test_path(facts.path)
            ):
                continue
            for call, resolved in self._calls(project, facts):
                what = self._sync_machinery(project, facts, call, resolved)
                if what is not None:
                    yield Finding(facts.path, call.span, self.message.format(what=what))

    @staticmethod
    def _calls(project: Project, facts: ModuleFacts) -> Iterator[tuple[CallFact, str | None]]:
        for call in facts.calls:
            if call.callee[0] != "?":
                yield call, project.resolve_canonical(facts.module, call.callee)
        for fn in facts.functions:
            ref = FunctionRef(facts, fn)
            for call in fn.calls:
                if call.callee[0] != "?":
                    yield call, project.resolve_local_or_global(ref, call.callee)

    @staticmethod
    def _sync_machinery(
        project: Project, facts: ModuleFacts, call: CallFact, resolved: str | None
    ) -> str | None:
        if resolved is None:
            return None
        if resolved in CREATE_ENGINE:
            if _inside_async_engine(project, facts, call):
                return None
            return "create_engine()"
        if resolved in SYNC_SESSIONMAKERS:
            class_ = call.keyword("class_")
            if class_ is not None:
                if class_.kind != "name":
                    return None
                target = project.resolve_canonical(facts.module, class_.dotted)
                if target in ASYNC_SESSIONS or class_.dotted[-1] == "AsyncSession":
                    return None
            return "sessionmaker()"
        if resolved in SYNC_SESSIONS:
            return "Session()"
        return None


def _inside_async_engine(project: Project, facts: ModuleFacts, call: CallFact) -> bool:
    """``AsyncEngine(create_engine(...))``: the 1.4 way to build an async engine."""
    candidates = list(facts.calls)
    for fn in facts.functions:
        candidates.extend(fn.calls)
    for outer in candidates:
        if outer.callee[-1] != "AsyncEngine" or outer is call:
            continue
        if outer.span.line <= call.span.line <= outer.span.end_line and any(
            arg.kind == "call" and arg.dotted and arg.dotted[-1] == "create_engine"
            for arg in outer.args
        ):
            return True
    return False


# -- LL313 ----------------------------------------------------------------------------------------


class MissingNamingConvention(FileRule):
    """``MetaData()``/``DeclarativeBase`` metadata without a ``naming_convention``.

    **What it does:** flags module- and class-level ``MetaData(...)`` calls without
    ``naming_convention=``, ``declarative_base()`` without ``metadata=``, and
    ``class Base(DeclarativeBase)`` bodies that set no ``metadata``/``registry``.
    ``MetaData()`` inside functions (reflection) and in migrations or tests is not
    flagged.

    **Why is this bad?** Without a naming convention constraints and indexes get
    database-generated names, so Alembic cannot drop or alter them reliably and
    autogenerate produces different migrations on different databases.

    **Example:** ``metadata = MetaData()``.

    **Use instead:** ``MetaData(naming_convention={"ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s", "fk": ..., "pk": "pk_%(table_name)s"})``.
    """

    code = "LL313"
    name = "missing-naming-convention"
    message = "{what} without a `naming_convention`; constraint names will be unpredictable"
    seed = "ai1-skills: alembic/env.py naming_convention"
    default = Default.OPT_IN
    example_path = "app/models/base.py"
    valid = (
        "from sqlalchemy import MetaData\n"
        "from sqlalchemy.orm import DeclarativeBase\n"
        "NAMING = {'pk': 'pk_%(table_name)s'}\n"
        "class Base(DeclarativeBase):\n"
        "    metadata = MetaData(naming_convention=NAMING)\n",
        "from sqlalchemy import MetaData\n"
        "def reflect(engine):\n"
        "    meta = MetaData()\n"
        "    meta.reflect(bind=engine)\n"
        "    return meta\n",
        Example(
            {
                "alembic/versions/0001_init.py": (
                    "import sqlalchemy as sa\n"
                    "revision = '0001'\n"
                    "down_revision = None\n"
                    "meta = sa.MetaData()\n"
                    "def upgrade() -> None:\n"
                    "    pass\n"
                )
            }
        ),
    )
    invalid = (
        "from sqlalchemy import MetaData\n"
        "from sqlalchemy.orm import DeclarativeBase, declarative_base\n"
        "metadata = MetaData(schema='app')  # error\n"
        "class Base(DeclarativeBase):  # error\n"
        "    pass\n"
        "Legacy = declarative_base()  # error\n",
        "import sqlalchemy as sa\n"
        "from sqlalchemy import orm\n"
        "class Base(orm.DeclarativeBase):\n"
        "    metadata = sa.MetaData()  # error\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._skip_file = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._skip_file = (
            ctx.layer == "migrations"
            or is_test_path(ctx.path)
            or is_migration_tooling_path(ctx.path)
            or module_assigns_revision(node)
        )

    def visit_Call(self, node: cst.Call, ctx: ScopedContext) -> None:
        if self._skip_file or ctx.enclosing_function is not None:
            return
        name = call_name(node)
        if name == "MetaData":
            if ctx.qualified_name(node.func) not in METADATA:
                return
            if keyword_arg(node, "naming_convention") is None and not has_star_kwargs(node):
                ctx.report(node, self.message.format(what="`MetaData()`"))
        elif name == "declarative_base":
            if ctx.qualified_name(node.func) not in DECLARATIVE_FACTORIES:
                return
            if keyword_arg(node, "metadata") is None and not has_star_kwargs(node):
                ctx.report(node, self.message.format(what="`declarative_base()` metadata"))

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        if self._skip_file:
            return
        if not any(
            ctx.qualified_name(base.value)
            in DECLARATIVE_BASES - {"sqlalchemy.orm.MappedAsDataclass"}
            for base in node.bases
        ):
            return
        if isinstance(node.body, cst.IndentedBlock):
            for stmt in node.body.body:
                if not isinstance(stmt, cst.SimpleStatementLine):
                    continue
                for small in stmt.body:
                    targets: list[cst.BaseExpression] = []
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                    elif isinstance(small, cst.AnnAssign):
                        targets = [small.target]
                    if any(
                        isinstance(t, cst.Name) and t.value in ("metadata", "registry")
                        for t in targets
                    ):
                        return
        ctx.report(node.name, self.message.format(what=f"`{node.name.value}` metadata"))


__all__ = [
    "AddInLoop",
    "AddWithoutFlush",
    "ExpireOnCommit",
    "ImplicitLazyLoad",
    "LegacyColumn",
    "LegacyDeclarativeBase",
    "LegacyQueryApi",
    "MissingMappedAnnotation",
    "MissingNamingConvention",
    "MissingTimestamps",
    "PythonSideTimestamp",
    "SqlStringFormatting",
    "SyncSessionInAsyncApp",
]
