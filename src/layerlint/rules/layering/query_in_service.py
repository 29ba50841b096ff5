"""LL107 ``query-in-service``: a service runs queries itself although the project has a repositories layer."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.project import Project
from layerlint.rules._common import is_session
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.layering._support import QUERY_METHODS, app


class QueryInService(ProjectRule):
    """A service runs queries itself although the project has a repositories layer.

    **What it does:** flags session query calls (``execute``, ``scalars``, ``scalar``,
    ``query``, ``exec``...) and ``text()`` in the service layer, but only when the
    project has a repositories layer; projects whose services own data access (no
    repositories layer) are left alone.

    **Why is this bad?** When repositories exist, a query in a service is a second,
    untested path to the database that the repository's rules do not cover.

    **Example:** ``await self.session.execute(select(User))`` in ``UserService``.

    **Use instead:** add a repository method and call it.
    """

    code = "LL107"
    name = "query-in-service"
    message = "service runs `{call}` itself; the project has a repositories layer, use it"
    seed = "ai1-skills: services call repositories for data access, never run raw queries"
    valid = (
        Example(
            {
                "app/services/user_service.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "async def get(db: AsyncSession) -> None:\n"
                    "    await db.execute('select 1')\n"
                )
            }
        ),
        app(
            app__services__user_service=(
                "from sqlalchemy.ext.asyncio import AsyncSession\n"
                "from app.repositories.user_repo import UserRepository\n"
                "class UserService:\n"
                "    def __init__(self, session: AsyncSession) -> None:\n"
                "        self.repo = UserRepository(session)\n"
                "        self.session = session\n"
                "    async def get(self, user_id: int) -> None:\n"
                "        await self.session.commit()\n"
                "        return await self.repo.get_by_id(user_id)\n"
            ),
        ),
    )
    invalid = (
        app(
            app__services__user_service=(
                "from sqlalchemy import select, text\n"
                "from sqlalchemy.ext.asyncio import AsyncSession\n"
                "class UserService:\n"
                "    def __init__(self, session: AsyncSession) -> None:\n"
                "        self.session = session\n"
                "    async def count(self) -> int:\n"
                "        result = await self.session.execute(text('select count(*) from users'))  # error\n"
                "        return result.scalar_one()\n"
            ),
        ),
        app(
            app__services__user_service=(
                "from sqlmodel import Session, select\n"
                "def names(db: Session) -> list:\n"
                "    return list(db.exec(select(1)))  # error\n"
            ),
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        if not project.has_layer("repositories"):
            return
        for ref in project.functions_in_layer("services"):
            for call in ref.function.calls:
                callee = call.callee
                if (
                    len(callee) >= 2
                    and callee[-1] in QUERY_METHODS
                    and is_session(project, ref, callee[:-1])
                ):
                    yield Finding(
                        ref.module.path,
                        call.span,
                        self.message.format(call=".".join(callee) + "()"),
                    )
