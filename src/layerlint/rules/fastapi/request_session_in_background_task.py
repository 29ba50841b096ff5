"""LL204 ``request-session-in-background-task``: the request's session is handed to work that outlives the request."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import CallFact, Value
from layerlint.project import SESSION, FunctionRef, Project
from layerlint.rules._example_files import SESSION_DEPENDENCY
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.fastapi._support import SEED_AI1, routes


def mentions(value: Value, names: frozenset[str], depth: int = 0) -> str | None:
    """The name in ``names`` that ``value`` passes on as is (in lists and dicts too)."""
    if value.kind == "name" and len(value.dotted) == 1 and value.dotted[0] in names:
        return value.dotted[0]
    if depth < 3 and value.kind in ("list", "dict"):
        for element in (*value.elements, *(v for _, v in value.keywords)):
            found = mentions(element, names, depth + 1)
            if found is not None:
                return found
    return None


_QUEUE_METHODS = frozenset({"delay", "apply_async", "kiq", "enqueue", "enqueue_job"})


_TASK_SPAWNERS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})


_BACKGROUND_FILES: dict[str, str] = {
    "app/core/database.py": SESSION_DEPENDENCY,
    "app/tasks.py": (
        "async def send_email(*args: object) -> None:\n    pass\n"
        "async def reindex(*args: object) -> None:\n    pass\n"
    ),
}


class RequestSessionInBackgroundTask(ProjectRule):
    """The request's session is handed to work that outlives the request.

    **What it does:** in route handlers and dependencies, finds parameters holding a
    session (``db: AsyncSession = Depends(get_db)``, ``SessionDep`` aliases, factories
    returning a session) and flags calls that pass that parameter on to
    ``BackgroundTasks.add_task(...)``, ``BackgroundTask(...)``,
    ``asyncio.create_task(fn(db))``/``ensure_future``, ``threading.Thread(args=...)``
    or a task queue (``task.delay(db)``, ``.apply_async(args=[db])``, ``.kiq``,
    ``.enqueue``).

    **Why is this bad?** Background tasks run after the response is sent, when the
    dependency has already committed and closed the session: the task works on a closed
    (or concurrently used) session, and a task queue cannot even serialise it.

    **Example:** ``background_tasks.add_task(send_welcome_email, db, user.id)``

    **Use instead:** pass identifiers and let the task open its own session
    (``async with async_session_factory() as session: ...``).
    """

    code = "LL204"
    name = "request-session-in-background-task"
    message = (
        "request session `{name}` handed to {where}; pass ids and open a new session in the task"
    )
    seed = (
        f"{SEED_AI1}: for background tasks, create a new session — never reuse the request session"
    )
    example_path = "app/routes/users.py"
    _prelude = (
        "import asyncio\n"
        "from fastapi import APIRouter, BackgroundTasks, Depends\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from app.core.database import get_db\n"
        "from app.tasks import reindex, send_email\n"
        "router = APIRouter()\n"
    )
    valid = (
        Example(
            {
                **_BACKGROUND_FILES,
                "app/routes/users.py": _prelude + "@router.post('/')\n"
                "async def create(tasks: BackgroundTasks, db: AsyncSession = Depends(get_db)) -> None:\n"
                "    tasks.add_task(send_email, 'a@example.com', 1)\n"
                "    await asyncio.gather(reindex(db))\n"
                "    asyncio.create_task(reindex(1))\n",
            }
        ),
        Example(
            {
                **_BACKGROUND_FILES,
                "app/routes/users.py": _prelude + "async def job(db) -> None:\n"
                "    asyncio.create_task(reindex(db))\n"
                "@router.post('/')\n"
                "async def create(progress, db=Depends(get_db)) -> None:\n"
                "    progress.add_task(db)\n",
            }
        ),
    )
    invalid = (
        Example(
            {
                **_BACKGROUND_FILES,
                "app/routes/users.py": _prelude + "@router.post('/')\n"
                "async def create(background_tasks: BackgroundTasks, db: AsyncSession = Depends(get_db)) -> None:\n"
                "    background_tasks.add_task(send_email, db, 1)  # error\n"
                "    asyncio.create_task(reindex(session=db))  # error\n",
            }
        ),
        Example(
            {
                **_BACKGROUND_FILES,
                "app/routes/users.py": _prelude + "from typing import Annotated\n"
                "SessionDep = Annotated[AsyncSession, Depends(get_db)]\n"
                "@router.post('/')\n"
                "async def create(db: SessionDep) -> None:\n"
                "    reindex.delay(db)  # error\n"
                "    reindex.apply_async(args=[db, 1])  # error\n",
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        seen: set[str] = set()
        candidates = [route.ref for route in routes(project)]
        for name in sorted(project.dependency_functions):
            ref = project.lookup_function(name)
            if ref is not None:
                candidates.append(ref)
        for ref in candidates:
            if ref.qualified in seen:
                continue
            seen.add(ref.qualified)
            sessions = frozenset(
                p.name for p in ref.function.params if project.type_of(ref, (p.name,)) == SESSION
            )
            if not sessions:
                continue
            for call in ref.function.calls:
                found = self._handed_over(project, ref, call, sessions)
                if found is not None:
                    name, where = found
                    message = self.message.format(name=name, where=where)
                    yield Finding(ref.module.path, call.span, message)

    @staticmethod
    def _handed_over(
        project: Project, ref: FunctionRef, call: CallFact, sessions: frozenset[str]
    ) -> tuple[str, str] | None:
        callee = call.callee
        if callee[0] == "?":
            return None
        method = callee[-1]
        arguments = [*call.args, *(value for _, value in call.keywords)]
        if method == "add_task" and len(callee) > 1:
            receiver = project.type_of(ref, callee[:-1])
            if receiver is None or not receiver.endswith("BackgroundTasks"):
                return None
            where = "`BackgroundTasks.add_task()`"
        elif method in _QUEUE_METHODS and len(callee) > 1:
            where = f"task queue `.{method}()`"
        else:
            resolved = project.resolve_local_or_global(ref, callee)
            if resolved is None:
                return None
            if resolved in _TASK_SPAWNERS:
                where = f"`{resolved}()`"
                arguments = [
                    *arguments,
                    *(
                        inner
                        for arg in call.args[:1]
                        if arg.kind == "call"
                        for inner in arg.elements
                    ),
                    *(v for arg in call.args[:1] if arg.kind == "call" for _, v in arg.keywords),
                ]
            elif resolved == "threading.Thread" or (
                resolved.split(".", 1)[0] in ("starlette", "fastapi")
                and resolved.endswith(".BackgroundTask")
            ):
                where = f"`{resolved.rsplit('.', 1)[-1]}`"
            else:
                return None
        for argument in arguments:
            name = mentions(argument, sessions)
            if name is not None:
                return name, where
        return None
