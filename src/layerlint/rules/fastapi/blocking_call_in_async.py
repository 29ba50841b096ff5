"""LL205 ``blocking-call-in-async``: a blocking call inside ``async def``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import libcst as cst

from layerlint.expressions import dotted_name
from layerlint.file_context import FileContext
from layerlint.rules._common import SYNC_SESSIONS, is_test_path
from layerlint.rules.base import Example, FileRule, OptionValue
from layerlint.rules.fastapi._blocking_calls import (
    BLOCKING_BUILTINS,
    BLOCKING_FUNCTIONS,
    BLOCKING_METHODS,
    Scope,
    bound_names,
    name_types,
    receiver_class,
)
from layerlint.rules.fastapi._blocking_through_calls import BlockingCallThroughHelpers
from layerlint.rules.fastapi._support import REQUEST_LAYERS, SESSION_IO


class BlockingCallInAsync(FileRule):
    """A blocking call inside ``async def``.

    **What it does:** flags, directly inside an ``async def``, calls that block the
    thread: ``time.sleep``; HTTP requests with ``requests.get``/``post``/...,
    ``httpx.get``/``post``/..., ``urllib3.request`` and ``urllib.request.urlopen``;
    processes (``subprocess.run``/``call``/``check_call``/``check_output``/``getoutput``/
    ``Popen``, ``os.system``/``popen``/``spawn*``/``posix_spawn``/``wait*``); files (the
    built-in ``open()``, ``io.open``/``open_code``); ``input()``; and the I/O methods of
    values whose type the code states: a synchronous ``httpx.Client``,
    ``requests.Session`` or ``urllib3.PoolManager`` (``client.get(...)``), a
    ``pathlib.Path`` (``open``/``read_text``/``write_text``/``read_bytes``/
    ``write_bytes``/``touch``) and a synchronous SQLAlchemy/SQLModel ``Session``
    parameter. Building a value is not I/O: ``requests.Session()``,
    ``requests.Request()`` and exception classes are not reported, nor is a function of
    your own that happens to be called ``open``. It also
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
        "import requests\n\ndef open(name: str) -> str:\n    return name\n\n"
        "async def build(url: str) -> requests.Request:\n"
        "    open('report')\n"
        "    session = requests.Session()\n"
        "    if not url:\n"
        "        raise requests.exceptions.RequestException('no url')\n"
        "    return requests.Request('GET', url)\n",
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
        "from pathlib import Path\nimport httpx\n\n"
        "async def export(client: httpx.Client | None, target: Path) -> None:\n"
        "    client.post('/export')  # error\n"
        "    target.write_text('done')  # error\n"
        "    with httpx.Client() as sync_client:\n"
        "        sync_client.get('/status')  # error\n"
        "    Path('log.txt').read_text()  # error\n",
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
        self._chain: list[Scope] = []
        self._bound: dict[int, frozenset[str]] = {}
        self._types: dict[int, dict[str, str]] = {}

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._chain = [node]
        self._bound = {}
        self._types = {}
        self._awaited = set()

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        self._chain.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        if self._chain and self._chain[-1] is node:
            self._chain.pop()

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

    def _blocking(self, node: cst.Call, function: cst.FunctionDef, ctx: FileContext) -> str | None:
        dotted = dotted_name(node.func)
        qualified = ctx.qualified_name(node.func)
        if dotted is not None and len(dotted) == 1 and dotted[0] in BLOCKING_BUILTINS:
            return dotted[0] + "()" if qualified is None and not self._is_bound(dotted[0]) else None
        if qualified is not None:
            return ".".join(dotted or ()) + "()" if qualified in BLOCKING_FUNCTIONS else None
        if not isinstance(node.func, cst.Attribute):
            return None
        method = node.func.attr.value
        receiver = node.func.value
        kind = receiver_class(
            receiver, self._chain, ctx.qualified_name, self._types_of(ctx), self._bound_of
        )
        if kind is not None and method in BLOCKING_METHODS[kind]:
            if dotted is not None:
                return ".".join(dotted) + "()"
            return f"{kind.rsplit('.', 1)[-1]}(...).{method}()"
        if dotted is not None and len(dotted) == 2 and method in SESSION_IO:
            annotation = _param_annotation(function, dotted[0])
            if annotation is not None and ctx.qualified_name(annotation) in SYNC_SESSIONS:
                return ".".join(dotted) + "()"
        return None

    def _is_bound(self, name: str) -> bool:
        return any(name in self._bound_of(scope) for scope in self._chain)

    def _bound_of(self, scope: Scope) -> frozenset[str]:
        found = self._bound.get(id(scope))
        if found is None:
            found = self._bound[id(scope)] = bound_names(scope)
        return found

    def _types_of(self, ctx: FileContext) -> Callable[[Scope], dict[str, str]]:
        def types(scope: Scope) -> dict[str, str]:
            found = self._types.get(id(scope))
            if found is None:
                found = self._types[id(scope)] = name_types(scope, ctx.qualified_name)
            return found

        return types


def _param_annotation(function: cst.FunctionDef, name: str) -> cst.BaseExpression | None:
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.name.value == name and param.annotation is not None:
            return param.annotation.annotation
    return None
