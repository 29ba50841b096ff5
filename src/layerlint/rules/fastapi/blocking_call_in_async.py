"""LL205 ``blocking-call-in-async``: a blocking call inside ``async def``."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import dotted_name
from layerlint.file_context import FileContext
from layerlint.rules._common import SYNC_SESSIONS, is_test_path
from layerlint.rules.base import Example, FileRule, OptionValue
from layerlint.rules.fastapi._blocking_through_calls import BlockingCallThroughHelpers
from layerlint.rules.fastapi._support import REQUEST_LAYERS, SESSION_IO

_BLOCKING_FUNCTIONS = frozenset(
    {
        "time.sleep",
        "urllib.request.urlopen",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "os.system",
        "builtins.open",
    }
)


_BLOCKING_MODULES = ("requests.",)


class BlockingCallInAsync(FileRule):
    """A blocking call inside ``async def``.

    **What it does:** flags, directly inside an ``async def``, calls that block the
    thread: ``time.sleep``, ``requests.*``, ``urllib.request.urlopen``,
    ``subprocess.run``/``call``/``check_output``, ``os.system``, the built-in ``open()``,
    and I/O methods of a synchronous SQLAlchemy/SQLModel ``Session`` parameter. It also
    flags a call from ``async def`` to a plain ``def`` of the project (a repository
    method, a helper) that runs a session query itself or one call further down
    (``session.execute()`` whose result it uses, or ``session.query()``). Calls in
    a nested ``def`` or ``lambda`` (as handed to ``run_in_executor``/``to_thread``),
    test files, and code outside the request-serving layers (routes, controllers,
    dependencies, services, repositories: an async CLI command may block) are left alone.

    **Why is this bad?** An ``async def`` endpoint runs on the event loop; while it
    blocks, every other request on that worker waits.

    **Example:** ``time.sleep(1)`` or ``requests.get(url)`` in an ``async def`` route.

    **Use instead:** ``await asyncio.sleep(1)``, an async client (``httpx.AsyncClient``),
    ``await run_in_threadpool(fn)``, or declare the endpoint with plain ``def``.
    """

    code = "LL205"
    name = "blocking-call-in-async"
    project_half = BlockingCallThroughHelpers
    message = (
        "blocking call `{call}` inside `async def`; await an async equivalent or run it in a thread"
    )
    seed = "backend-fastapi-python: async def endpoints block the event loop if you call sync I/O inside them"
    example_path = "app/routes/users.py"
    valid = (
        "import asyncio\nimport time\n\nasync def wait() -> None:\n    await asyncio.sleep(1)\n\ndef sync_wait() -> None:\n    time.sleep(1)\n",
        "import asyncio\nimport time\n\nasync def offload() -> None:\n"
        "    await asyncio.to_thread(time.sleep, 1)\n"
        "    await asyncio.get_running_loop().run_in_executor(None, lambda: time.sleep(1))\n",
        "import aiofiles\nimport httpx\n\nasync def read(url: str) -> bytes:\n"
        "    async with httpx.AsyncClient() as client:\n        response = await client.get(url)\n"
        "    async with aiofiles.open('x') as handle:\n        await handle.read()\n    return response.content\n",
        "from sqlalchemy.ext.asyncio import AsyncSession\n\nasync def load(session: AsyncSession) -> None:\n    await session.execute('select 1')\n",
        Example(
            {
                "app/repositories/items.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "from sqlalchemy.orm import Session\n"
                    "def names_query(session: AsyncSession):\n"
                    "    return session.execute('select name from item')\n"
                    "def names(session: Session) -> list[str]:\n"
                    "    return [row.name for row in session.execute('select name from item')]\n"
                ),
                "app/routes/items.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from fastapi.concurrency import run_in_threadpool\n"
                    "from sqlalchemy.orm import Session\n"
                    "from app.repositories.items import names, names_query\n"
                    "router = APIRouter()\n"
                    "@router.get('/items')\n"
                    "async def items(session: Session = Depends()) -> list[str]:\n"
                    "    await names_query(session)\n"
                    "    return await run_in_threadpool(names, session)\n"
                ),
            }
        ),
    )
    invalid = (
        "import time\nimport requests\n\nasync def slow(url: str) -> None:\n"
        "    time.sleep(1)  # error\n    requests.get(url, timeout=5)  # error\n",
        "import subprocess\nfrom sqlalchemy.orm import Session\n\nasync def sync_db(db: Session) -> None:\n"
        "    db.execute('select 1')  # error\n    with open('report.txt') as handle:  # error\n        handle.read()\n"
        "    subprocess.run(['ls'])  # error\n",
        Example(
            {
                "app/services/mail.py": "from time import sleep as pause\n\nasync def retry() -> None:\n    pause(0.5)  # error\n"
            }
        ),
        Example(
            {
                "app/repositories/items.py": (
                    "from sqlalchemy.orm import Session\n"
                    "class ItemRepository:\n"
                    "    def __init__(self, session: Session) -> None:\n"
                    "        self.session = session\n"
                    "    def names(self) -> list[str]:\n"
                    "        rows = self.session.execute('select name from item')\n"
                    "        return [row.name for row in rows]\n"
                ),
                "app/routes/items.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from sqlalchemy.orm import Session\n"
                    "from app.repositories.items import ItemRepository\n"
                    "router = APIRouter()\n"
                    "def count(session: Session) -> int:\n"
                    "    repo = ItemRepository(session)\n"
                    "    return len(repo.names())\n"
                    "@router.get('/items')\n"
                    "async def items(repo: ItemRepository = Depends()) -> list[str]:\n"
                    "    return repo.names()  # error\n"
                    "@router.get('/count')\n"
                    "async def total(session: Session = Depends()) -> int:\n"
                    "    return count(session)  # error\n"
                ),
            }
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._lambda_depth = 0
        self._awaited: set[int] = set()

    def visit_Await(self, node: cst.Await, ctx: FileContext) -> None:
        self._awaited.add(id(node.expression))

    def visit_Lambda(self, node: cst.Lambda, ctx: FileContext) -> None:
        self._lambda_depth += 1

    def leave_Lambda(self, node: cst.Lambda, ctx: FileContext) -> None:
        self._lambda_depth -= 1

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if self._lambda_depth:
            return
        function = ctx.enclosing_function
        if function is None or function.asynchronous is None:
            return
        if ctx.layer not in REQUEST_LAYERS or is_test_path(ctx.path):
            return
        if id(node) in self._awaited:
            return  # an awaited call is asynchronous whatever its receiver looks like
        described = self._blocking(node, function, ctx)
        if described is not None:
            ctx.report(node, self.message.format(call=described))

    @staticmethod
    def _blocking(node: cst.Call, function: cst.FunctionDef, ctx: FileContext) -> str | None:
        dotted = dotted_name(node.func)
        if dotted is None:
            return None
        if dotted == ("open",):
            return (
                "open()"
                if ctx.qualified_name(node.func) is None and not _defines(function, "open")
                else None
            )
        qualified = ctx.qualified_name(node.func)
        if qualified is not None:
            if qualified in _BLOCKING_FUNCTIONS or qualified.startswith(_BLOCKING_MODULES):
                return ".".join(dotted) + "()"
            return None
        if len(dotted) == 2 and dotted[1] in SESSION_IO:
            annotation = _param_annotation(function, dotted[0])
            if annotation is not None and ctx.qualified_name(annotation) in SYNC_SESSIONS:
                return ".".join(dotted) + "()"
        return None


def _defines(function: cst.FunctionDef, name: str) -> bool:
    params = function.params
    return any(
        p.name.value == name
        for p in (*params.params, *params.kwonly_params, *params.posonly_params)
    )


def _param_annotation(function: cst.FunctionDef, name: str) -> cst.BaseExpression | None:
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.name.value == name and param.annotation is not None:
            return param.annotation.annotation
    return None
