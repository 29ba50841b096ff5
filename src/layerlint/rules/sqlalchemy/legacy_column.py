"""LL301 ``legacy-column``: ``Column(...)`` as an attribute of a declarative model class."""

from __future__ import annotations

from collections.abc import Mapping

from layerlint.file_context import FileContext
from layerlint.rules._example_files import USER_MODEL
from layerlint.rules.base import Example, Fixability
from layerlint.rules.sqlalchemy._column_fix import FileFacts, column_fix
from layerlint.rules.sqlalchemy._declarative_attribute_rule import _DeclarativeAttributeRule
from layerlint.rules.sqlalchemy._declarative_scan import ClassRecord, MappedAttribute
from layerlint.rules.sqlalchemy._support import SEED_AI1


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
    skips_migrations = True
    name = "legacy-column"
    message = (
        "`Column()` as a model attribute; use `mapped_column()` with a `Mapped[...]` annotation"
    )
    seed = SEED_AI1 + ": use mapped_column() instead of Column()"
    fixable = Fixability.PARTIAL
    example_path = "app/models/user.py"
    valid = (
        "from sqlalchemy import String\n"
        + USER_MODEL
        + "    email: Mapped[str] = mapped_column(String(255), unique=True)\n",
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
                    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
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
