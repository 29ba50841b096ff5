"""LL203 ``session-not-injected``: a route or dependency opens its own database session."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import CallFact
from layerlint.project import SESSION, FunctionRef, Project, is_session_class
from layerlint.rules._common import SESSION_MAKERS
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.fastapi._support import SEED_AI1, routes


def session_opening(project: Project, ref: FunctionRef, call: CallFact) -> str | None:
    """Describe ``call`` when it opens a new session, else None.

    Recognised: ``Session(...)``/``AsyncSession(...)`` from SQLAlchemy or SQLModel, and
    calls of (or ``.begin()`` on) a module-level ``sessionmaker``/``async_sessionmaker``.
    """
    callee = call.callee
    if callee[0] == "?":
        return None
    resolved = project.resolve_local_or_global(ref, callee)
    if resolved is not None and is_session_class(resolved):
        if resolved.rsplit(".", 1)[-1] in ("Session", "AsyncSession"):
            return ".".join(callee) + "()"
        return None
    factory = callee[:-1] if callee[-1] == "begin" and len(callee) > 1 else callee
    resolved = project.resolve_local_or_global(ref, factory)
    if resolved is not None and is_session_maker(project, resolved):
        return ".".join(callee) + "()"
    return None


def is_session_maker(project: Project, qualified: str) -> bool:
    """True when ``qualified`` is a module-level ``sessionmaker(...)`` assignment."""
    return project.factory_of(qualified) in SESSION_MAKERS


class SessionNotInjected(ProjectRule):
    """A route or dependency opens its own database session.

    **What it does:** flags, inside route handlers and functions used with
    ``Depends(...)``, calls that create a session: ``Session(engine)`` /
    ``AsyncSession(engine)`` from SQLAlchemy or SQLModel, and calls of a module-level
    ``sessionmaker``/``async_sessionmaker`` (``SessionLocal()``,
    ``async_session_factory()``, ``factory.begin()``). The session dependency itself
    (a dependency returning or yielding a session, such as ``get_db``) and background
    jobs, which must open their own session, are not flagged.

    **Why is this bad?** A session opened by hand escapes the request's unit of work: it
    is not rolled back with it, not closed on errors, and cannot be replaced by a test
    session through ``app.dependency_overrides``.

    **Example:** ``db = SessionLocal()`` at the start of a route handler.

    **Use instead:** ``db: AsyncSession = Depends(get_db)`` (one session per request,
    committed or rolled back by the dependency).
    """

    code = "LL203"
    name = "session-not-injected"
    message = "{what} opens its own session with `{call}`; inject it with `Depends(get_db)`"
    seed = f"{SEED_AI1}: one session per request via Depends(get_async_session)"
    example_path = "app/routes/users.py"
    _database = (
        "from collections.abc import AsyncGenerator\n"
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine\n"
        "engine = create_async_engine('sqlite+aiosqlite://')\n"
        "async_session_factory = async_sessionmaker(engine, expire_on_commit=False)\n"
        "async def get_db() -> AsyncGenerator[AsyncSession, None]:\n"
        "    async with async_session_factory() as session:\n"
        "        yield session\n"
        "def get_session():\n"
        "    session = async_session_factory()\n"
        "    try:\n"
        "        yield session\n"
        "    finally:\n"
        "        session.close()\n"
    )
    valid = (
        Example(
            {
                "app/core/database.py": _database,
                "app/routes/users.py": (
                    "from fastapi import APIRouter, BackgroundTasks, Depends\n"
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "from app.core.database import async_session_factory, get_db, get_session\n"
                    "router = APIRouter()\n"
                    "async def background_job(user_id: int) -> None:\n"
                    "    async with async_session_factory() as session:\n"
                    "        async with session.begin():\n"
                    "            pass\n"
                    "@router.post('/')\n"
                    "async def create(tasks: BackgroundTasks, db: AsyncSession = Depends(get_db), other=Depends(get_session)) -> None:\n"
                    "    tasks.add_task(background_job, 1)\n"
                ),
            }
        ),
        Example(
            {
                "app/core/database.py": "def SessionLocal():\n    return object()\n",
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.core.database import SessionLocal\n"
                    "router = APIRouter()\n"
                    "@router.get('/')\n"
                    "def read() -> None:\n"
                    "    SessionLocal()\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/core/database.py": _database,
                "app/routes/users.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "from app.core import database\n"
                    "from app.core.database import async_session_factory, engine\n"
                    "router = APIRouter()\n"
                    "@router.get('/')\n"
                    "async def list_users() -> list:\n"
                    "    async with async_session_factory() as session:  # error\n"
                    "        return []\n"
                    "@router.post('/')\n"
                    "async def create() -> None:\n"
                    "    session = AsyncSession(engine)  # error\n"
                    "    async with database.async_session_factory.begin() as other:  # error\n"
                    "        pass\n"
                ),
            }
        ),
        Example(
            {
                "app/db/session.py": (
                    "from sqlalchemy import create_engine\n"
                    "from sqlalchemy.orm import sessionmaker\n"
                    "SessionLocal = sessionmaker(bind=create_engine('sqlite://'))\n"
                ),
                "app/dependencies/auth.py": (
                    "from fastapi import Depends\n"
                    "from app.db.session import SessionLocal\n"
                    "def get_current_user(token: str = '') -> dict:\n"
                    "    db = SessionLocal()  # error\n"
                    "    return {'token': token}\n"
                ),
                "app/routes/users.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.dependencies.auth import get_current_user\n"
                    "router = APIRouter()\n"
                    "@router.get('/me')\n"
                    "def me(user: dict = Depends(get_current_user)) -> dict:\n"
                    "    return user\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        checked: set[str] = set()
        providers = _session_provider_targets(project)
        for route in routes(project):
            if route.ref.qualified in checked:
                continue
            checked.add(route.ref.qualified)
            yield from self._check_function(project, route.ref, "route")
        for name in sorted(project.dependency_functions):
            ref = project.lookup_function(name)
            if ref is None or ref.qualified in checked:
                continue
            checked.add(ref.qualified)
            if name in providers or _provides_session(project, ref):
                continue
            yield from self._check_function(project, ref, "dependency")

    def _check_function(self, project: Project, ref: FunctionRef, what: str) -> Iterator[Finding]:
        for call in ref.function.calls:
            described = session_opening(project, ref, call)
            if described is not None:
                message = self.message.format(what=what, call=described)
                yield Finding(ref.module.path, call.span, message)


_SESSION_WORDS = frozenset({"db", "session", "sessions", "database", "uow", "transaction", "tx"})


def _session_provider_targets(project: Project) -> frozenset[str]:
    """Dependencies injected into a parameter annotated with a session type."""
    found: set[str] = set()
    for facts in project.modules.values():
        for fn in facts.functions:
            for param in fn.params:
                if param.depends is None or param.depends[0] == "()" or param.annotation is None:
                    continue
                annotation = project.resolve_canonical(facts.module, param.annotation)
                if is_session_class(annotation):
                    target = project.resolve_canonical(facts.module, param.depends)
                    if target is not None:
                        found.add(target)
    return frozenset(found)


def _provides_session(project: Project, ref: FunctionRef) -> bool:
    """The session dependency itself: named for it, or returning/yielding a session."""
    fn = ref.function
    words = set(fn.name.lower().split("_"))
    if words & _SESSION_WORDS:
        return True
    if fn.returns is not None and is_session_class(
        project.resolve_canonical(ref.module.module, fn.returns)
    ):
        return True
    for returned in fn.returns_values:
        value = returned.value
        if value.kind == "name" and project.type_of(ref, value.dotted) == SESSION:
            return True
        if value.kind == "call":
            call = CallFact(value.dotted, returned.span, value.elements, value.keywords)
            if session_opening(project, ref, call) is not None:
                return True
    return False
