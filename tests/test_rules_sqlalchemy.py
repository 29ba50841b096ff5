"""Regression tests of the LL3xx rules beyond their own examples.

Most cases are minimal reproductions of corpus code where an earlier version of a rule
was wrong (see docs/precision/sqlalchemy.md); each asserts the exact (path, line) pairs.
"""

from __future__ import annotations

import libcst as cst
import pytest

from layerlint.rules.sqlalchemy.sql_string_formatting import dynamic_sql
from layerlint.testing import found, messages

ASYNC_DB = (
    "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
    "SessionLocal = async_sessionmaker(expire_on_commit=False)\n"
)
BASE = "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase):\n    pass\n"


# -- LL301 / LL302 ---------------------------------------------------------------------------


def test_ll301_annotated_tablename_and_imported_base() -> None:
    files = {
        "app/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
        "app/models/users.py": (
            "from sqlalchemy import Column, String\n"
            "from app.db import Base\n"
            "class User(Base):  # identity\n"
            "    __tablename__: str = 'user'\n"
            "    id = Column(String, primary_key=True)\n"
        ),
    }
    assert found(files, "LL301") == [("app/models/users.py", 5)]
    assert found(files, "LL302") == []


def test_ll301_only_on_a_column_line_and_ll302_on_an_unannotated_relationship() -> None:
    files = {
        "app/models/user.py": (
            "from sqlalchemy import Column, Integer\n"
            "from sqlalchemy.orm import DeclarativeBase, relationship\n"
            "class Base(DeclarativeBase):\n"
            "    pass\n"
            "class User(Base):\n"
            "    __tablename__ = 'user'\n"
            "    id = Column(Integer, primary_key=True)\n"
            "    items = relationship('Item')\n"
        )
    }
    assert found(files, "LL301") == [("app/models/user.py", 7)]
    assert found(files, "LL302") == [("app/models/user.py", 8)]


def test_ll301_plain_class_and_pydantic_model_are_not_models() -> None:
    files = {
        "app/schemas/user.py": (
            "from pydantic import BaseModel\n"
            "from sqlalchemy import Column, Integer\n"
            "class Holder:\n"
            "    id = Column(Integer)\n"
            "class UserOut(BaseModel):\n"
            "    __tablename__ = 'x'\n"
            "    id = Column(Integer)\n"
        )
    }
    assert found(files, "LL301") == []
    assert found(files, "LL302") == []


def test_ll302_mixin_with_mapped_column_is_mapped() -> None:
    files = {
        "app/models/mixins.py": (
            "from datetime import datetime\n"
            "from sqlalchemy import func\n"
            "from sqlalchemy.orm import Mapped, mapped_column\n"
            "class TimestampMixin:\n"
            "    created_at = mapped_column(server_default=func.now())\n"
            "    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())\n"
        )
    }
    assert found(files, "LL302") == [("app/models/mixins.py", 5)]


# -- LL303 -----------------------------------------------------------------------------------


def test_ll303_module_level_query_is_reported() -> None:
    files = {
        "app/models/user.py": (
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
            "class Base(DeclarativeBase):\n"
            "    pass\n"
            "class User(Base):\n"
            "    __tablename__ = 'users'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        ),
        "scripts/report.py": (
            "from sqlalchemy import create_engine\n"
            "from sqlalchemy.orm import Session\n"
            "from app.models.user import User\n"
            "session = Session(create_engine('sqlite://'))\n"
            "admins = session.query(User).filter(User.id < 10).all()\n"
            "count = session.query(User.id).count()\n"
        ),
    }
    assert found(files, "LL303") == [("scripts/report.py", 5), ("scripts/report.py", 6)]


def test_ll303_unknown_receiver_and_sqlmodel_session() -> None:
    files = {
        "app/services/search.py": (
            "from sqlmodel import Session\n"
            "def find(db, term):\n"
            "    return db.query(term)\n"
            "def legacy(session: Session):\n"
            "    return session.query(int).all()\n"
        )
    }
    assert found(files, "LL303") == [("app/services/search.py", 5)]


def test_ll303_scoped_session_registry() -> None:
    files = {
        "app/internal/db.py": (
            "from sqlalchemy.orm import scoped_session, sessionmaker\n"
            "SessionLocal = sessionmaker(expire_on_commit=False)\n"
            "ScopedSession = scoped_session(SessionLocal)\n"
        ),
        "app/vector/pg.py": (
            "from sqlalchemy.orm import scoped_session\n"
            "from app.internal.db import ScopedSession, SessionLocal\n"
            "class Client:\n"
            "    def __init__(self, own: bool) -> None:\n"
            "        if own:\n"
            "            self.session = scoped_session(SessionLocal)\n"
            "        else:\n"
            "            self.session = ScopedSession\n"
            "        self.index = object()\n"
            "    def get(self, item):\n"
            "        self.index.query(item)\n"
            "        ScopedSession.query(item).count()\n"
            "        return self.session.query(item).first()\n"
        ),
    }
    assert found(files, "LL303") == [("app/vector/pg.py", 12), ("app/vector/pg.py", 13)]


# -- LL305 -----------------------------------------------------------------------------------

_LAZY_MODEL = BASE + (
    "from sqlalchemy.orm import relationship\n"
    "class Dag(Base):\n"
    "    __tablename__ = 'dag'\n"
    "    runs = relationship('Run')\n"
)


def test_ll305_sync_codebase_with_an_async_corner_is_not_async() -> None:
    sync_functions = "".join(f"def f{i}(session: Session) -> None:\n    pass\n" for i in range(3))
    files = {
        "app/settings.py": ASYNC_DB,
        "app/api/db.py": (
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "async def get(session: AsyncSession) -> None:\n"
            "    pass\n"
        ),
        "app/jobs.py": "from sqlalchemy.orm import Session\n" + sync_functions,
        "app/models/dag.py": _LAZY_MODEL,
    }
    assert found(files, "LL305") == []
    assert found(files, "LL312") == []


def test_ll305_async_codebase_and_unknown_lazy_values() -> None:
    files = {
        "app/core/database.py": ASYNC_DB,
        "app/models/dag.py": _LAZY_MODEL
        + (
            "LOADING = 'selectin'\n"
            "class Task(Base):\n"
            "    __tablename__ = 'task'\n"
            "    dag = relationship('Dag', lazy=LOADING)\n"
            "    run = relationship('Run', lazy='dynamic')\n"
        ),
        "app/models/hero.py": (
            "from sqlmodel import Relationship, SQLModel\n"
            "OPTIONS = {'lazy': 'selectin'}\n"
            "class Team(SQLModel, table=True):\n"
            "    heroes: list['Hero'] = Relationship(sa_relationship_kwargs=OPTIONS)\n"
        ),
    }
    # Unannotated relationships are reported at their class (no span for class attributes).
    assert found(files, "LL305") == [("app/models/dag.py", 5), ("app/models/dag.py", 9)]


def test_ll305_explicit_mode_flags_eager_strategies() -> None:
    files = {
        "app/core/database.py": ASYNC_DB,
        "app/models/user.py": BASE
        + (
            "from sqlalchemy.orm import Mapped, relationship\n"
            "class User(Base):\n"
            "    __tablename__ = 'users'\n"
            "    posts: Mapped[list['Post']] = relationship(lazy='joined')\n"
            "    audit: Mapped['Audit'] = relationship(lazy='noload')\n"
            "    events: Mapped['Event'] = relationship(lazy='write_only')\n"
        ),
    }
    assert found(files, "LL305", {"relationship-loading": "explicit"}) == [
        ("app/models/user.py", 7)
    ]
    assert found(files, "LL305") == []


# -- LL306 -----------------------------------------------------------------------------------


def test_ll306_migration_session_is_not_the_apps() -> None:
    files = {
        "migrations/versions/0015_update_kwargs.py": (
            "import sqlalchemy as sa\n"
            "from alembic import op\n"
            "revision = '0015'\n"
            "down_revision = '0014'\n"
            "def get_session() -> sa.orm.Session:\n"
            "    sessionmaker = sa.orm.sessionmaker()\n"
            "    return sessionmaker(bind=op.get_bind())\n"
        ),
        "app/core/database.py": (
            "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
            "SessionLocal = async_sessionmaker(autoflush=False)\n"
        ),
    }
    assert found(files, "LL306") == [("app/core/database.py", 2)]


# -- LL307 -----------------------------------------------------------------------------------


def test_ll307_commit_counts_as_flush_and_other_returns_are_fine() -> None:
    files = {
        "app/repositories/user_repo.py": (
            "from sqlmodel import Session\n"
            "def create(session: Session, user):\n"
            "    session.add(user)\n"
            "    session.commit()\n"
            "    session.refresh(user)\n"
            "    return user\n"
            "def stage(session: Session, user):\n"
            "    session.add(user)\n"
            "    return None\n"
            "def other(session: Session, user, copy):\n"
            "    session.add(user)\n"
            "    return copy\n"
        )
    }
    assert found(files, "LL307") == []


# -- LL308 -----------------------------------------------------------------------------------


def test_ll308_python_default_next_to_server_default_is_deliberate() -> None:
    files = {
        "app/models/base.py": (
            "import sqlalchemy as sa\n"
            "from sqlalchemy import FetchedValue\n"
            "from sqlalchemy.orm import mapped_column\n"
            "from app.types import now\n"
            "class Stamped:\n"
            "    created = mapped_column(\n"
            "        server_default=sa.func.now(), default=lambda: now('UTC')\n"
            "    )\n"
            "    updated = mapped_column(\n"
            "        server_default=sa.func.now(),\n"
            "        default=lambda: now('UTC'),\n"
            "        onupdate=sa.func.now(),\n"
            "        server_onupdate=FetchedValue(),\n"
            "    )\n"
        )
    }
    assert found(files, "LL308") == []


def test_ll308_import_time_default_is_reported_even_with_server_default() -> None:
    files = {
        "app/models.py": (
            "from datetime import UTC, datetime\n"
            "from sqlalchemy import DateTime, text\n"
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
            "class Base(DeclarativeBase): pass\n"
            "class Token(Base):\n"
            "    __tablename__ = 'token'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
            "    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now(UTC),"
            " server_default=text('now()'))\n"
            "    seen_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now,"
            " server_default=text('now()'))\n"
        )
    }
    assert found(files, "LL308") == [("app/models.py", 8)]
    assert "remove it and keep `server_default=`" in messages(files, "LL308")[0]


def test_ll308_project_utcnow_helper_and_migrations() -> None:
    files = {
        "app/models/asset.py": (
            "from datetime import datetime\n"
            "from sqlalchemy.orm import Mapped, mapped_column\n"
            "from app.utils import timezone\n"
            "class Asset:\n"
            "    created_at: Mapped[datetime] = mapped_column(default=timezone.utcnow)\n"
            "    updated_at: Mapped[datetime] = mapped_column(\n"
            "        default=timezone.utcnow, onupdate=timezone.utcnow\n"
            "    )\n"
        ),
        "app/migrations/versions/0003_add_created.py": (
            "import sqlalchemy as sa\n"
            "from alembic import op\n"
            "from app.utils import timezone\n"
            "revision = '0003'\n"
            "down_revision = '0002'\n"
            "def upgrade() -> None:\n"
            "    column = sa.Column('created_at', sa.DateTime, default=timezone.utcnow)\n"
            "    op.add_column('t', column)\n"
        ),
    }
    assert found(files, "LL308") == []
    assert found(files, "LL308", {"callable-defaults": True}) == [
        ("app/models/asset.py", 5),
        ("app/models/asset.py", 7),
        ("app/models/asset.py", 7),
    ]
    files["app/models/asset.py"] = files["app/models/asset.py"].replace(
        "onupdate=timezone.utcnow\n", "onupdate=timezone.utcnow()\n"
    )
    assert found(files, "LL308") == [("app/models/asset.py", 7)]
    assert any("use `onupdate=func.now()`" in m for m in messages(files, "LL308"))


# -- LL309 -----------------------------------------------------------------------------------


def test_ll309_declarative_root_with_columns_is_not_a_table() -> None:
    files = {
        "app/models/orm.py": (
            "import datetime\n"
            "from sqlalchemy import func\n"
            "from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column\n"
            "class Base(DeclarativeBase):\n"
            "    @declared_attr.directive\n"
            "    def __tablename__(cls) -> str:\n"
            "        return cls.__name__.lower()\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
            "    created: Mapped[datetime.datetime] = mapped_column(server_default=func.now())\n"
            "    updated: Mapped[datetime.datetime] = mapped_column(server_default=func.now())\n"
            "class Flow(Base):\n"
            "    name: Mapped[str]\n"
            "class FlowRunHistory(DeclarativeBase):\n"
            "    pass\n"
            "class History(FlowRunHistory):\n"
            "    __tablename__ = 'history'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
            "    created_at: Mapped[datetime.datetime] = mapped_column(server_default=func.now())\n"
        )
    }
    assert found(files, "LL309") == [("app/models/orm.py", 15)]


# -- LL310 -----------------------------------------------------------------------------------


def _dynamic(source: str) -> str | None:
    return dynamic_sql(cst.parse_expression(source))


@pytest.mark.parametrize(
    "source",
    [
        "f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}'",
        "f'CREATE INDEX IF NOT EXISTS idx_wallets_{index} ON wallets (\"{index}\")'",
        "f'DROP TABLE IF EXISTS _alembic_tmp_{table_name}'",
        "f'-- TODO: rows moved to {table}.'",
        "f'SELECT 1 FROM t WHERE tag.value = :tag_id_{i}'",
        "f'CREATE TABLE {target} LIKE {source}'",
        "f'BEGIN {mode}'",
        "f'SELECT {alias}.* FROM t'",
        "f'SELECT * FROM t WHERE a = {conn.dialect.name}'",
        "f'UPDATE t SET x = {db.timestamp_placeholder(\"now\")}'",
        "f'SELECT * FROM t LIMIT {int(limit)}'",
        "'(' + ' OR '.join(f'EXISTS (SELECT 1 FROM {s} WHERE v LIKE :{k})' for s in src) + ')'",
        "'SELECT * FROM t WHERE id IN (%s)' % ', '.join([f':id_{i}' for i in range(n)])",
    ],
)
def test_ll310_sql_that_only_formats_identifiers_or_bind_names(source: str) -> None:
    assert _dynamic(source) is None


@pytest.mark.parametrize(
    "source",
    [
        "f\"NOTIFY {CHANNEL}, '{payload}'\"",
        "f\"PRAGMA key = '{password}'\"",
        "f\"SELECT * FROM t WHERE JSON_VALUE(m, '$.{key}') = :v\"",
        "'SELECT * FROM t ORDER BY ' + order",
        "f'SELECT * FROM t WHERE {where}'",
        "'SELECT * FROM t WHERE id IN (%s)' % ', '.join(f\"'{v}'\" for v in values)",
    ],
)
def test_ll310_sql_that_formats_values(source: str) -> None:
    assert _dynamic(source) is not None


def test_ll310_constants_through_locals_loops_and_helpers() -> None:
    files = {
        "app/migrations_core.py": (
            "from sqlalchemy import text\n"
            "INDEXES = ['id', 'user']\n"
            "async def m040(db) -> None:\n"
            "    indexes = ['id', 'user']\n"
            "    for index in indexes:\n"
            "        await db.execute(f'CREATE INDEX i ON wallets (lower({index}))')\n"
            "    await db.execute(f'DELETE FROM audit WHERE delete_at < {db.timestamp_now}')\n"
            "    tsph = db.timestamp_placeholder('created_at')\n"
            "    await db.execute(f'UPDATE p SET created_at = {tsph} WHERE id = :id')\n"
            "def archive(conn, dialect: str) -> None:\n"
            "    templates = {'postgresql': 'value::text LIKE :p', 'sqlite': 'value LIKE :p'}\n"
            "    condition = templates.get(dialect)\n"
            "    conn.execute(text(f'DELETE FROM xcom WHERE value IS NOT NULL AND {condition}'))\n"
            "def participants(session, ids) -> None:\n"
            "    def author(path):\n"
            "        return f\"json_extract(message, '{path}')\"\n"
            "    author_id = f\"COALESCE({author('$.user_id')}, owner_id)\"\n"
            "    session.execute(text(f'SELECT {author_id} AS author FROM m WHERE id IN :ids'))\n"
            "def search(conn, term: str) -> None:\n"
            "    conn.execute(text(f\"SELECT * FROM t WHERE name = '{term}'\"))\n"
        )
    }
    assert found(files, "LL310") == [("app/migrations_core.py", 20)]


def test_ll310_variable_built_then_executed() -> None:
    files = {
        "app/repositories/docs.py": (
            "def delete(cursor, ids, filters) -> None:\n"
            "    query = 'DELETE FROM chunk WHERE collection = :c'\n"
            "    placeholders = ','.join([f':id_{i}' for i in range(len(ids))])\n"
            "    query += f' AND id IN ({placeholders})'\n"
            "    cursor.execute(query, {})\n"
            "    sql = 'DELETE FROM chunk WHERE 1 = 1'\n"
            "    for key in filters:\n"
            "        sql += f\" AND JSON_VALUE(m, '$.{key}') = :v\"\n"
            "    cursor.execute(sql, {})\n"
        )
    }
    assert found(files, "LL310") == [("app/repositories/docs.py", 9)]


def test_ll310_lists_are_only_as_constant_as_what_is_appended() -> None:
    files = {
        "app/repositories/chunks.py": (
            "def delete(cur, ids, build) -> None:\n"
            "    where = ['collection_name = ?']\n"
            "    ph = ', '.join(['?'] * len(ids))\n"
            "    where.append(f'id IN ({ph})')\n"
            "    cur.execute('DELETE FROM chunk WHERE ' + ' AND '.join(where), [])\n"
            "    where.append(build())\n"
            "    cur.execute('DELETE FROM chunk WHERE ' + ' AND '.join(where), [])\n"
        )
    }
    assert found(files, "LL310") == [("app/repositories/chunks.py", 7)]


# -- LL311 -----------------------------------------------------------------------------------


def test_ll311_commit_per_item_is_deliberate_flush_per_item_is_not() -> None:
    files = {
        "app/models/groups.py": (
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "async def sync_groups(db: AsyncSession, groups) -> None:\n"
            "    for group in groups:\n"
            "        try:\n"
            "            db.add(Group(**group))\n"
            "            await db.commit()\n"
            "        except Exception:\n"
            "            await db.rollback()\n"
            "async def memories(db: AsyncSession, items) -> None:\n"
            "    for item in items:\n"
            "        memory = Memory(**item)\n"
            "        db.add(memory)\n"
            "        await db.flush()\n"
        )
    }
    assert found(files, "LL311") == [("app/models/groups.py", 13)]


def test_ll311_add_in_loop_then_one_commit_is_the_unit_of_work() -> None:
    files = {
        "app/services/seed.py": (
            "from sqlalchemy.orm import Session\n"
            "from app.models import Tag\n"
            "def seed(session: Session, names: list[str]) -> list[Tag]:\n"
            "    tags = []\n"
            "    for name in names:\n"
            "        tag = Tag(name=name)\n"
            "        session.add(tag)\n"
            "        tags.append(tag)\n"
            "    session.commit()\n"
            "    return tags\n"
        )
    }
    assert found(files, "LL311") == []


def test_ll311_nested_function_in_loop_is_not_in_the_loop() -> None:
    files = {
        "app/services/jobs.py": (
            "from sqlalchemy.orm import Session\n"
            "def schedule(items, session: Session) -> None:\n"
            "    for item in items:\n"
            "        def later(s: Session = session) -> None:\n"
            "            s.add(Item(item))\n"
            "        later()\n"
        )
    }
    assert found(files, "LL311") == []


# -- LL312 -----------------------------------------------------------------------------------


def test_ll312_legacy_async_engine_wrapper_is_async() -> None:
    files = {
        "app/core/database.py": (
            "from sqlalchemy import create_engine\n"
            "from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession\n"
            "engine = AsyncEngine(create_engine('postgresql+asyncpg://x'))\n"
            "async def get(session: AsyncSession) -> None:\n"
            "    pass\n"
        ),
        "app/scripts/report.py": (
            "from sqlalchemy import create_engine\n"
            "def main() -> None:\n"
            "    create_engine('postgresql://x')\n"
        ),
    }
    assert found(files, "LL312") == [("app/scripts/report.py", 3)]


# -- LL313 -----------------------------------------------------------------------------------


def test_ll313_registry_and_metadata_names_count_as_configured() -> None:
    files = {
        "app/models/base.py": (
            "from sqlalchemy import MetaData\n"
            "from sqlalchemy.orm import DeclarativeBase, declarative_base, registry\n"
            "NAMING = {'pk': 'pk_%(table_name)s'}\n"
            "metadata_obj = MetaData(naming_convention=NAMING)\n"
            "class Base(DeclarativeBase):\n"
            "    registry = registry(metadata=metadata_obj)\n"
            "class Other(DeclarativeBase):\n"
            "    metadata = metadata_obj\n"
            "Legacy = declarative_base(metadata=metadata_obj)\n"
        )
    }
    assert found(files, "LL313") == []
