"""LL312 ``sync-session-in-async-app``: a sync ``Session``/``sessionmaker``/``create_engine`` in a project that uses ``AsyncSession``."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import CallFact, ModuleFacts
from layerlint.project import FunctionRef, Project
from layerlint.rules._common import (
    ASYNC_SESSIONS,
    SYNC_SESSION_MAKERS,
    SYNC_SESSIONS,
    is_migration_module,
    is_migration_tooling_path,
    is_test_path,
)
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.sqlalchemy._support import is_async_codebase

CREATE_ENGINE = frozenset(
    {"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlmodel.create_engine"}
)


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
        if resolved in SYNC_SESSION_MAKERS:
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
