"""LL103 ``database-access-in-route``: a route handler runs queries or unit-of-work calls itself."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import CallFact
from layerlint.project import FunctionRef, Project
from layerlint.rules._common import is_session
from layerlint.rules._example_files import SESSION_DEPENDENCY
from layerlint.rules.base import Finding, ProjectRule
from layerlint.rules.layering._support import QUERY_METHODS, app

_UNIT_OF_WORK_METHODS = frozenset(
    {"add", "add_all", "delete", "flush", "commit", "get", "merge", "refresh"}
)


class DatabaseAccessInRoute(ProjectRule):
    """A route handler runs queries or unit-of-work calls itself.

    **What it does:** flags, in functions of the routes layer, calls on a SQLAlchemy
    session (``execute``, ``scalars``, ``get``, ``add``, ``delete``, ``flush``,
    ``commit``, ``query``...), once per call. A session is recognised by its type: a
    ``Session``/``AsyncSession`` annotation, a ``Depends`` factory returning one, or a
    ``sessionmaker`` call. Building a statement (``select()``, ``insert()``, ``text()``)
    touches no database and is not reported by itself; the session call that runs it is.

    In a project without a repositories layer the advice names the services layer; a
    project with neither (everything in feature modules) keeps data access in its
    routes by design and is not reported.

    **Why is this bad?** Queries in routes bypass the repository (and its tests), spread
    SQL over the HTTP layer and make transactions hard to reason about.

    **Example:** ``result = await session.execute(select(User))`` in a route.

    **Use instead:** move the query into a repository method and call it from a service.
    """

    code = "LL103"
    name = "database-access-in-route"
    message = "route runs `{call}` itself; move database access to a repository"
    no_repositories_message = "route runs `{call}` itself; move database access to a service"
    seed = "ai1-skills: repositories encapsulate all database access"
    valid = (
        app(
            app__routes__users=(
                "from fastapi import APIRouter, Depends\n"
                "import httpx\n"
                "router = APIRouter()\n"
                "@router.get('/')\n"
                "async def proxy(client: httpx.AsyncClient) -> dict:\n"
                "    response = await client.get('/x')\n"
                "    return response.json()\n"
            ),
        ),
    )
    invalid = (
        app(
            app__core__database=SESSION_DEPENDENCY,
            app__routes__users=(
                "from fastapi import APIRouter, Depends\n"
                "from sqlalchemy import select\n"
                "from app.core.database import get_db\n"
                "from app.models.user import User\n"
                "router = APIRouter()\n"
                "@router.get('/')\n"
                "async def list_users(db=Depends(get_db)) -> list:\n"
                "    result = await db.execute(select(User))  # error\n"
                "    return list(result.scalars())\n"
                "@router.post('/')\n"
                "async def create(db: 'AsyncSession') -> None:\n"
                "    pass\n"
            ),
        ),
        app(
            app__routes__users=(
                "from fastapi import APIRouter\n"
                "from sqlalchemy.orm import Session\n"
                "router = APIRouter()\n"
                "@router.post('/')\n"
                "def create(session: Session) -> None:\n"
                "    session.add(object())  # error\n"
                "    session.commit()  # error\n"
            ),
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        message = self._message_for(project)
        if message is None:
            return
        for ref in project.route_code:
            if project.layer_of(ref.module.module) != "routes":
                continue
            reported: set[tuple[int, int]] = set()
            for call in ref.function.calls:
                described = self._database_call(project, ref, call)
                if described is None:
                    continue
                key = (call.span.line, call.span.column)
                if key in reported:
                    continue
                reported.add(key)
                yield Finding(ref.module.path, call.span, message.format(call=described))

    def _message_for(self, project: Project) -> str | None:
        """The advice must name a layer the project has; with neither repositories nor
        services, data access in routes is the project's design and is not reported."""
        if project.has_layer("repositories"):
            return self.message
        if project.has_layer("services") or project.has_layer("controllers"):
            return self.no_repositories_message
        return None

    @staticmethod
    def _database_call(project: Project, ref: FunctionRef, call: CallFact) -> str | None:
        callee = call.callee
        if (
            len(callee) >= 2
            and callee[-1] in QUERY_METHODS | _UNIT_OF_WORK_METHODS
            and is_session(project, ref, callee[:-1])
        ):
            return ".".join(callee) + "()"
        return None

