"""LL305 ``implicit-lazy-load``: a ``relationship()`` that loads lazily on attribute access, in an async codebase."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import ClassFact, ModuleFacts, Value
from layerlint.project import Project
from layerlint.rules.base import Example, Finding, ProjectRule, RuleOption
from layerlint.rules.sqlalchemy._support import RELATIONSHIP, is_async_codebase

SQLMODEL_RELATIONSHIP = frozenset({"sqlmodel.Relationship", "sqlmodel.main.Relationship"})


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
