"""LL2xx: FastAPI routes and dependencies (see RULES.md).

Route-level rules are project rules: whether a function is a route, what its response
model is and whether a class is a Pydantic or ORM model is only known across files.
The four rules that need syntax the facts do not keep (literal status codes, whether a
return annotation is written, import aliases, ``if`` tests) are file rules with cheap,
local evidence: a route there is a ``@<name>.<verb>("/path")`` decorator in a module
that imports FastAPI or Starlette.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import cast

import libcst as cst

from layerlint.diagnostics import Span
from layerlint.expressions import dotted_name, literal_int
from layerlint.facts import CallFact, Dotted, ParamFact, Value
from layerlint.project import ROUTE_METHODS, SESSION, FunctionRef, Project, is_session_class
from layerlint.rules.base import Default as RuleDefault
from layerlint.rules.base import (
    Example,
    FileContext,
    FileRule,
    Finding,
    Fixability,
    OptionValue,
    ProjectRule,
    RuleOption,
)
from layerlint.rules.fastapi_fixes import (
    ModuleScopes,
    Scope,
    fastapi_import_fix,
    status_constant_fix,
)
from layerlint.rules.fastapi_support import (
    HTTP_STATUS_NAMES,
    NON_JSON_VERBS,
    RENAMED_STATUS_NAMES,
    WRITE_METHODS,
    ResponseType,
    Route,
    body_params,
    is_response_class,
    listed_dependencies,
    mentions,
    model_fields,
    param_dependency,
    render_type,
    response_type,
    routes,
    session_opening,
    status_code_literal,
    type_classes,
)

_SEED_AI1 = "ai1-skills (python-backend-expert)"
_SEED_BACKEND = "backend-fastapi-python"
_SEED_PRODUCTION = "fastapi-production"
_SEED_PATTERNS = "python-backend-patterns"

# Positional index of the status code in each class that takes one.
_STATUS_ARGUMENT = {
    "HTTPException": 0,
    "Response": 1,
    "JSONResponse": 1,
    "HTMLResponse": 1,
    "PlainTextResponse": 1,
    "RedirectResponse": 1,
    "StreamingResponse": 1,
    "FileResponse": 1,
    "ORJSONResponse": 1,
    "UJSONResponse": 1,
}
_STARLETTE_HTTP_EXCEPTION = "starlette.exceptions.HTTPException"


def _names(*names: str) -> OptionValue:
    """A list option as the configuration file gives it (RuleOption.validate wants a list)."""
    return cast(OptionValue, list(names))


def _span_line(span: Span) -> tuple[int, int]:
    return span.line, span.column


# -- LL201 ---------------------------------------------------------------------------------


class BareStatusCode(FileRule):
    """An integer literal used as an HTTP status code.

    **What it does:** flags integer literals passed as the status code of a route
    decorator (``@router.post(..., status_code=201)``), of ``HTTPException(...)`` and of
    FastAPI/Starlette responses (``JSONResponse``, ``Response``, ``RedirectResponse``...),
    positionally or as ``status_code=``. Names are resolved through the imports, so a
    ``Response`` from httpx or your own code is not checked; codes without a
    ``status.HTTP_*`` constant are left alone.

    **Why is this bad?** ``404`` says nothing to a reader who has not memorised the
    table, a typo (``430``) goes unnoticed, and searching for every "conflict" response
    is impossible. The named constants document intent and are checked by the type
    checker.

    **Example:** ``raise HTTPException(status_code=404, detail="User not found")``

    **Use instead:** ``raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, ...)``
    with ``from fastapi import status``.

    **Fix:** writes the constant, reusing the module's ``status`` import (or another name
    it imports ``status`` as) and adding ``from fastapi import status`` otherwise
    (``from starlette import status`` in a module that imports only Starlette). Where
    ``status`` already means something else (a parameter, a local variable, another
    import) it writes ``fastapi.status.HTTP_...`` with ``import fastapi``, and offers no
    fix if ``fastapi`` is taken too. 413, 414, 416 and 422 are renamed in newer Starlette
    versions, which warn on the old names that older ones alone know: unsafe fix.
    """

    code = "LL201"
    name = "bare-status-code"
    message = "bare status code; use a `status.HTTP_*` constant"
    seed = f"{_SEED_AI1}: use status.HTTP_* constants, not bare integers"
    fixable = Fixability.PARTIAL
    example_path = "app/routes/users.py"
    valid = (
        "from fastapi import APIRouter, HTTPException, status\n"
        "router = APIRouter()\n"
        "@router.post('/', status_code=status.HTTP_201_CREATED)\n"
        "async def create() -> dict:\n"
        "    raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail='taken')\n",
        "import httpx\n"
        "from app.http import Response\n"
        "def fake() -> httpx.Response:\n"
        "    Response(None, 200)\n"
        "    return httpx.Response(404)\n"
        "def mocked(m) -> None:\n"
        "    m.post('https://example.com', status_code=201)\n",
        "from fastapi import HTTPException\n"
        "from fastapi.responses import JSONResponse\n"
        "def custom(code: int) -> JSONResponse:\n"
        "    if code == 499:\n"
        "        raise HTTPException(499)\n"
        "    return JSONResponse({}, status_code=code)\n",
    )
    invalid = (
        "from fastapi import APIRouter, HTTPException\n"
        "router = APIRouter()\n"
        "@router.post('/', status_code=201)  # error\n"
        "async def create(user_id: int) -> dict:\n"
        "    if user_id < 0:\n"
        "        raise HTTPException(404, 'missing')  # error\n"
        "    raise HTTPException(\n"
        "        status_code=403,  # error\n"
        "        detail='no',\n"
        "    )\n",
        "from fastapi import Request\n"
        "from fastapi.responses import JSONResponse, RedirectResponse\n"
        "from starlette.responses import Response\n"
        "import fastapi\n"
        "async def handler(request: Request, exc: Exception) -> JSONResponse:\n"
        "    return JSONResponse({'detail': str(exc)}, 409)  # error\n"
        "def moved() -> RedirectResponse:\n"
        "    return RedirectResponse('/new', status_code=302)  # error\n"
        "def empty() -> Response:\n"
        "    return Response(status_code=204)  # error\n"
        "def boom() -> None:\n"
        "    raise fastapi.HTTPException(status_code=500)  # error\n",
        Example(
            {
                "app/routes/users.py": (
                    "from fastapi import APIRouter, HTTPException  # web layer\n"
                    "router = APIRouter()\n"
                    "@router.post('/', status_code=201)  # error\n"
                    "async def create(user_id: int) -> dict:\n"
                    "    raise HTTPException(\n"
                    "        status_code=403,  # error\n"
                    "        detail='no',\n"
                    "    )\n"
                )
            },
            fixed={
                "app/routes/users.py": (
                    "from fastapi import status, APIRouter, HTTPException  # web layer\n"
                    "router = APIRouter()\n"
                    "@router.post('/', status_code=status.HTTP_201_CREATED)  # error\n"
                    "async def create(user_id: int) -> dict:\n"
                    "    raise HTTPException(\n"
                    "        status_code=status.HTTP_403_FORBIDDEN,  # error\n"
                    "        detail='no',\n"
                    "    )\n"
                )
            },
        ),
        Example(
            {
                "app/routes/items.py": (
                    "from fastapi import APIRouter, HTTPException  # web layer\n"
                    "from fastapi.responses import JSONResponse\n"
                    "router = APIRouter()\n"
                    "@router.post(\n"
                    "    '/',\n"
                    "    status_code=201,  # error\n"
                    ")\n"
                    "async def create(item_id: int) -> JSONResponse:\n"
                    "    if item_id < 0:\n"
                    "        raise HTTPException(\n"
                    "            (  # error\n"
                    "                404  # not ours\n"
                    "            ),\n"
                    "            'missing',\n"
                    "        )\n"
                    "    return JSONResponse(\n"
                    "        {'id': item_id},\n"
                    "        status_code=  # a duplicate  # error\n"
                    "        409,\n"
                    "    )\n"
                )
            },
            fixed={
                "app/routes/items.py": (
                    "from fastapi import status, APIRouter, HTTPException  # web layer\n"
                    "from fastapi.responses import JSONResponse\n"
                    "router = APIRouter()\n"
                    "@router.post(\n"
                    "    '/',\n"
                    "    status_code=status.HTTP_201_CREATED,  # error\n"
                    ")\n"
                    "async def create(item_id: int) -> JSONResponse:\n"
                    "    if item_id < 0:\n"
                    "        raise HTTPException(\n"
                    "            (  # error\n"
                    "                status.HTTP_404_NOT_FOUND  # not ours\n"
                    "            ),\n"
                    "            'missing',\n"
                    "        )\n"
                    "    return JSONResponse(\n"
                    "        {'id': item_id},\n"
                    "        status_code=  # a duplicate  # error\n"
                    "        status.HTTP_409_CONFLICT,\n"
                    "    )\n"
                )
            },
        ),
        Example(
            {
                "app/routes/tickets.py": (
                    "from fastapi import HTTPException\n"
                    "def set_status(status: str) -> None:\n"
                    "    if status not in ('open', 'closed'):\n"
                    "        raise HTTPException(400, f'unknown status {status}')  # error\n"
                )
            },
            fixed={
                "app/routes/tickets.py": (
                    "from fastapi import HTTPException\n"
                    "import fastapi\n"
                    "\n"
                    "def set_status(status: str) -> None:\n"
                    "    if status not in ('open', 'closed'):\n"
                    "        raise HTTPException(fastapi.status.HTTP_400_BAD_REQUEST, f'unknown status {status}')  # error\n"
                )
            },
        ),
        Example(
            {
                "app/routes/forms.py": (
                    "from fastapi import HTTPException, status\n"
                    "def validate(ok: bool) -> None:\n"
                    "    if not ok:\n"
                    "        raise HTTPException(422)  # error\n"
                )
            },
            fixed={
                "app/routes/forms.py": (
                    "from fastapi import HTTPException, status\n"
                    "def validate(ok: bool) -> None:\n"
                    "    if not ok:\n"
                    "        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY)  # error\n"
                )
            },
            unsafe=True,
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._start()

    def _start(self) -> None:
        # Scopes entered so far (their bodies, or only their headers: see _chain).
        self._scopes: list[Scope] = []
        # Findings wait for the end of the module: whether ``status`` is free to use
        # depends on bindings that may come after them.
        self._pending: list[tuple[cst.Arg, cst.Integer, int, tuple[Scope, ...]]] = []
        self._packages: set[str] = set()

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Per-file state starts empty."""
        self._start()

    def visit_Import(self, node: cst.Import, ctx: FileContext) -> None:
        """Which framework the module uses decides where ``status`` is imported from."""
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is not None:
                self._packages.add(dotted[0])

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileContext) -> None:
        """Which framework the module uses decides where ``status`` is imported from."""
        if node.module is not None and not node.relative:
            dotted = dotted_name(node.module)
            if dotted is not None:
                self._packages.add(dotted[0])

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        """Route decorators: ``@<router>.<verb>(..., status_code=201)``."""
        for decorator in node.decorators:
            call = decorator.decorator
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value in ROUTE_METHODS
            ):
                self._check(_keyword_arg(call, "status_code"), ctx)
        self._scopes.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        """The function's scope ends."""
        self._scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        """A class body is a scope: ``status = ...`` there hides the module's ``status``."""
        self._scopes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        """The class's scope ends."""
        self._scopes.pop()

    def visit_Lambda(self, node: cst.Lambda, ctx: FileContext) -> None:
        """``lambda status: ...`` binds ``status`` too."""
        self._scopes.append(node)

    def leave_Lambda(self, node: cst.Lambda, ctx: FileContext) -> None:
        """The lambda's scope ends."""
        self._scopes.pop()

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        """``HTTPException``/responses (resolved to FastAPI or Starlette) and add_api_route."""
        func = node.func
        if isinstance(func, cst.Name):
            name = func.value
        elif isinstance(func, cst.Attribute):
            name = func.attr.value
        else:
            return
        if name == "add_api_route":
            self._check(_keyword_arg(node, "status_code"), ctx)
            return
        index = _STATUS_ARGUMENT.get(name)
        if index is None:
            return
        arg = _keyword_arg(node, "status_code") or _positional_arg(node, index)
        if arg is None or not isinstance(arg.value, cst.Integer):
            return
        qualified = ctx.qualified_name(func)
        if qualified is None or qualified.split(".", 1)[0] not in ("fastapi", "starlette"):
            return
        self._check(arg, ctx)

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Report, each finding with the spelling of ``status`` that is right where it is."""
        if not self._pending:
            return
        scopes = ModuleScopes(node)
        package = (
            "starlette"
            if "starlette" in self._packages and "fastapi" not in self._packages
            else "fastapi"
        )
        for arg, integer, value, chain in self._pending:
            constant = HTTP_STATUS_NAMES[value]
            safe = value not in RENAMED_STATUS_NAMES
            fix = status_constant_fix(integer, constant, chain, scopes, package, safe)
            ctx.report(arg, f"bare status code `{value}`; use `status.{constant}`", fix=fix)

    def _check(self, arg: cst.Arg | None, ctx: FileContext) -> None:
        if arg is None or not isinstance(arg.value, cst.Integer):
            return
        value = literal_int(arg.value)
        if value is None or value not in HTTP_STATUS_NAMES:
            return
        self._pending.append((arg, arg.value, value, self._chain(ctx)))

    def _chain(self, ctx: FileContext) -> tuple[Scope, ...]:
        """The scopes whose names are visible here, outermost first.

        The stack also holds the function being decorated (and any whose defaults are
        being read): those are cut off at the innermost scope whose body the walk is in.
        A class above that point is kept: either its body is being walked (classes nested
        in functions are not tracked by the context) or keeping it only costs a fix.
        """
        innermost = ctx.enclosing_class or ctx.enclosing_function
        cut = 0
        if innermost is not None:
            for index in range(len(self._scopes) - 1, -1, -1):
                if self._scopes[index] is innermost:
                    cut = index + 1
                    break
        above = (scope for scope in self._scopes[cut:] if not isinstance(scope, cst.FunctionDef))
        return (*self._scopes[:cut], *above)


def _keyword_arg(call: cst.Call, keyword: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    return None


def _positional_arg(call: cst.Call, index: int) -> cst.Arg | None:
    for position, arg in enumerate(call.args):
        if arg.keyword is not None or arg.star:
            return None
        if position == index:
            return arg
    return None


# -- LL202 ---------------------------------------------------------------------------------


class MissingResponseModel(FileRule):
    """A route with neither ``response_model=`` nor a return annotation.

    **What it does:** flags route handlers (functions decorated with
    ``@<router>.get/post/...("/path")`` in a module that imports FastAPI) that declare
    no response type. Routes with ``response_class=``, ``status_code=204``/``304``,
    routes whose every ``return`` builds a ``Response`` (``RedirectResponse(...)``,
    ``templates.TemplateResponse(...)``), websockets, ``HEAD``/``OPTIONS`` and routes
    hidden with ``include_in_schema=False`` are skipped. Reported at the ``def`` line.
    (A file rule: whether a return annotation is written at all is a syntactic fact.)

    **Why is this bad?** Without a response type FastAPI neither validates nor filters
    the response, and the OpenAPI schema says nothing about it: clients are generated
    with ``any`` and a field added to the ORM model leaks silently.

    **Example:** ``@router.get("/users/{user_id}")`` over ``async def get_user(user_id: int):``

    **Use instead:** ``@router.get("/users/{user_id}", response_model=UserResponse)`` or
    ``async def get_user(user_id: int) -> UserResponse:``.
    """

    code = "LL202"
    name = "missing-response-model"
    message = "route declares no response type; add `response_model=` or a return annotation"
    seed = f"{_SEED_AI1}: use response_model for automatic response serialization and OpenAPI docs"
    example_path = "app/routes/users.py"
    valid = (
        "from fastapi import APIRouter, status\n"
        "from fastapi.responses import HTMLResponse, RedirectResponse\n"
        "from app.schemas.user import UserResponse\n"
        "router = APIRouter()\n"
        "@router.get('/{user_id}', response_model=UserResponse)\n"
        "async def get_user(user_id: int):\n"
        "    return {'id': user_id}\n"
        "@router.get('/me')\n"
        "async def me() -> UserResponse | dict:\n"
        "    return UserResponse()\n"
        "@router.get('/page', response_class=HTMLResponse)\n"
        "async def page():\n"
        "    return '<html></html>'\n"
        "@router.delete('/{user_id}', status_code=status.HTTP_204_NO_CONTENT)\n"
        "async def delete_user(user_id: int):\n"
        "    pass\n"
        "@router.get('/old')\n"
        "async def old():\n"
        "    if router:\n"
        "        return RedirectResponse('/new')\n"
        "    return templates.TemplateResponse('x.html', {})\n"
        "@router.websocket('/ws')\n"
        "async def ws(socket):\n"
        "    pass\n"
        "@router.get('/hidden', include_in_schema=False)\n"
        "async def hidden():\n"
        "    return {}\n",
        "from app.routes.base import router\n"
        "@router.get('/x')\n"
        "def not_known_to_be_fastapi():\n"
        "    return {}\n",
    )
    invalid = (
        "from fastapi import APIRouter\n"
        "router = APIRouter(prefix='/users')\n"
        "@router.get('/')\n"
        "async def list_users():  # error\n"
        "    return []\n"
        "@router.post(\n"
        "    '/',\n"
        "    status_code=201,\n"
        ")\n"
        "async def create_user(data: dict):  # error\n"
        "    def inner():\n"
        "        return RedirectResponse('/')\n"
        "    return data\n",
        "from fastapi import Depends\n"
        "from fastapi.responses import RedirectResponse\n"
        "from app.api import api_router\n"
        "@api_router.api_route('/health', methods=['GET', 'HEAD'])\n"
        "def health(db=Depends()):  # error\n"
        "    if db:\n"
        "        return RedirectResponse('/')\n"
        "    return {'ok': True}\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._start()

    def _start(self) -> None:
        self._candidates: dict[int, tuple[cst.FunctionDef, list[cst.Return]]] = {}
        self._fastapi = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Per-file state starts empty."""
        self._start()

    def visit_Import(self, node: cst.Import, ctx: FileContext) -> None:
        """Evidence that the module is FastAPI code."""
        self._fastapi = self._fastapi or _imports_fastapi(node)

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileContext) -> None:
        """Evidence that the module is FastAPI code."""
        self._fastapi = self._fastapi or _imports_fastapi(node)

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        """An unannotated route whose decorator declares no response type either."""
        if node.returns is not None or not node.decorators:
            return
        for decorator in node.decorators:
            call = decorator.decorator
            if not (_is_route_decorator(call) and isinstance(call, cst.Call)):
                continue
            assert isinstance(call.func, cst.Attribute)
            if call.func.attr.value in NON_JSON_VERBS:
                return
            if any(
                _keyword_arg(call, keyword) is not None
                for keyword in ("response_model", "response_class")
            ):
                return
            hidden = _keyword_arg(call, "include_in_schema")
            if (
                hidden is not None
                and isinstance(hidden.value, cst.Name)
                and hidden.value.value == "False"
            ):
                return
            status_arg = _keyword_arg(call, "status_code")
            if status_arg is not None and _no_body_status(status_arg.value):
                return
            self._candidates[id(node)] = (node, [])
            return

    def visit_Return(self, node: cst.Return, ctx: FileContext) -> None:
        """Returned values of candidate routes (nested functions excluded)."""
        if not self._candidates or node.value is None:
            return
        fn: cst.FunctionDef | None = getattr(ctx, "enclosing_function", None)
        candidate = self._candidates.get(id(fn)) if fn is not None else None
        if candidate is not None:
            candidate[1].append(node)

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Report once the module is known to be FastAPI code."""
        if not self._fastapi:
            return
        for fn, returned in self._candidates.values():
            if returned and all(_builds_response(r.value, ctx) for r in returned):
                continue
            ctx.report(fn.name)


def _imports_fastapi(node: cst.Import | cst.ImportFrom) -> bool:
    if isinstance(node, cst.Import):
        return any(
            (dotted := dotted_name(alias.name)) is not None
            and dotted[0] in ("fastapi", "starlette")
            for alias in node.names
        )
    if node.module is None or node.relative:
        return False
    dotted = dotted_name(node.module)
    return dotted is not None and dotted[0] in ("fastapi", "starlette")


def _no_body_status(value: cst.BaseExpression) -> bool:
    """``204``/``304``, ``status.HTTP_204_NO_CONTENT``, ``HTTPStatus.NO_CONTENT``."""
    if isinstance(value, cst.Integer):
        return literal_int(value) in (204, 304)
    dotted = dotted_name(value)
    if dotted is None:
        return False
    last = dotted[-1]
    return last.startswith(("HTTP_204_", "HTTP_304_")) or last in ("NO_CONTENT", "NOT_MODIFIED")


def _builds_response(value: cst.BaseExpression | None, ctx: FileContext) -> bool:
    """``return JSONResponse(...)``-style returns: a FastAPI/Starlette response object."""
    if not isinstance(value, cst.Call):
        return False
    dotted = dotted_name(value.func)
    if dotted is None:
        return False
    if dotted[-1] == "TemplateResponse":
        return True
    return is_response_class(ctx.qualified_name(value.func))


# -- LL203 ---------------------------------------------------------------------------------


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
    seed = f"{_SEED_AI1}: one session per request via Depends(get_async_session)"
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


# -- LL204 ---------------------------------------------------------------------------------

_QUEUE_METHODS = frozenset({"delay", "apply_async", "kiq", "enqueue", "enqueue_job"})
_TASK_SPAWNERS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})


_BACKGROUND_FILES: dict[str, str] = {
    "app/core/database.py": (
        "from collections.abc import AsyncGenerator\n"
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
        "factory = async_sessionmaker()\n"
        "async def get_db() -> AsyncGenerator[AsyncSession, None]:\n"
        "    async with factory() as session:\n"
        "        yield session\n"
    ),
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
        f"{_SEED_AI1}: for background tasks, create a new session — never reuse the request session"
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


# -- LL206 ---------------------------------------------------------------------------------


class StarletteHttpException(FileRule):
    """``HTTPException`` imported from Starlette and raised in application code.

    **What it does:** flags ``from starlette.exceptions import HTTPException`` (at the
    import) when the module raises or constructs that class. Importing it to register
    a handler (``@app.exception_handler(StarletteHTTPException)``, ``add_exception_handler``,
    an ``exception_handlers={...}`` mapping) is the documented FastAPI pattern: a module
    that does so is not flagged, nor is one that only catches it
    (``except StarletteHTTPException``).

    **Why is this bad?** Starlette's ``HTTPException`` is the parent of FastAPI's, not
    the same class: handlers registered for ``fastapi.HTTPException`` miss it, and it
    has no ``headers`` support in older Starlette versions.

    **Example:** ``from starlette.exceptions import HTTPException`` then
    ``raise HTTPException(status_code=403)``.

    **Use instead:** ``from fastapi import HTTPException``.

    **Fix:** imports the name from ``fastapi`` (keeping an ``as`` alias), merging it into
    an existing ``from fastapi import`` line or splitting it out of a longer Starlette
    import. No fix when the module also catches or tests for the class (``except``,
    ``isinstance``: the narrower FastAPI class would miss Starlette's own exceptions),
    or when a renamed name would need a new line of its own.
    """

    code = "LL206"
    name = "starlette-http-exception"
    message = "`HTTPException` imported from starlette; import it from `fastapi`"
    seed = f"{_SEED_BACKEND}: HTTPException from FastAPI and from Starlette are different classes"
    fixable = Fixability.PARTIAL
    example_path = "app/routes/users.py"
    valid = (
        "from fastapi import HTTPException, status\n"
        "def check(ok: bool) -> None:\n"
        "    if not ok:\n"
        "        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN)\n",
        "from fastapi import FastAPI, Request\n"
        "from fastapi.responses import JSONResponse\n"
        "from starlette.exceptions import HTTPException as StarletteHTTPException\n"
        "app = FastAPI()\n"
        "@app.exception_handler(StarletteHTTPException)\n"
        "async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:\n"
        "    return JSONResponse({'detail': exc.detail}, status_code=exc.status_code)\n"
        "def call(fn) -> None:\n"
        "    try:\n"
        "        fn()\n"
        "    except StarletteHTTPException:\n"
        "        raise\n",
        Example(
            {
                "app/main.py": (
                    "from fastapi import FastAPI, HTTPException, Request\n"
                    "from starlette.exceptions import HTTPException as StarletteHTTPException\n"
                    "async def http_error(request: Request, exc: StarletteHTTPException) -> None:\n"
                    "    raise StarletteHTTPException(exc.status_code, 'wrapped')\n"
                    "app = FastAPI(exception_handlers={StarletteHTTPException: http_error})\n"
                    "@app.get('/items/{item_id}')\n"
                    "async def read_item(item_id: int) -> dict:\n"
                    "    if item_id == 3:\n"
                    "        raise HTTPException(status_code=418, detail='Nope!')\n"
                    "    return {}\n"
                )
            }
        ),
    )
    invalid = (
        "from starlette.exceptions import HTTPException  # error\n"
        "def check(ok: bool) -> None:\n"
        "    if not ok:\n"
        "        raise HTTPException(status_code=403)\n",
        "from fastapi import status\n"
        "from starlette.exceptions import (\n"
        "    HTTPException as StarletteHTTPException,  # error\n"
        ")\n"
        "def check(ok: bool) -> None:\n"
        "    error = StarletteHTTPException(status.HTTP_403_FORBIDDEN)\n"
        "    if not ok:\n"
        "        raise error\n",
        Example(
            {
                "app/routes/users.py": (
                    "from starlette.exceptions import (\n"
                    "    HTTPException as StarletteHTTPException,  # error\n"
                    ")\n"
                    "def check(ok: bool) -> None:\n"
                    "    if not ok:\n"
                    "        raise StarletteHTTPException(status_code=418)\n"
                )
            },
            fixed={
                "app/routes/users.py": (
                    "from fastapi import (\n"
                    "    HTTPException as StarletteHTTPException,  # error\n"
                    ")\n"
                    "def check(ok: bool) -> None:\n"
                    "    if not ok:\n"
                    "        raise StarletteHTTPException(status_code=418)\n"
                )
            },
        ),
        Example(
            {
                "app/routes/items.py": (
                    "from starlette.exceptions import WebSocketException, HTTPException  # error\n"
                    "def check(ok: bool) -> None:\n"
                    "    if not ok:\n"
                    "        raise WebSocketException(1008)\n"
                    "    raise HTTPException(status_code=418)\n"
                )
            },
            fixed={
                "app/routes/items.py": (
                    "from starlette.exceptions import WebSocketException  # error\n"
                    "from fastapi import HTTPException\n"
                    "\n"
                    "def check(ok: bool) -> None:\n"
                    "    if not ok:\n"
                    "        raise WebSocketException(1008)\n"
                    "    raise HTTPException(status_code=418)\n"
                )
            },
        ),
        Example(
            {
                "app/routes/items.py": (
                    "from fastapi import (  # the web layer\n"
                    "    APIRouter,\n"
                    "    Depends,  # injected\n"
                    ")\n"
                    "from starlette.exceptions import (\n"
                    "    WebSocketException,  # sockets\n"
                    "    HTTPException as StarletteHTTPException,  # error\n"
                    ")\n"
                    "router = APIRouter()\n"
                    "@router.get('/{item_id}')\n"
                    "async def read(item_id: int, db=Depends()) -> dict:\n"
                    "    if item_id < 0:\n"
                    "        raise WebSocketException(1008)\n"
                    "    raise StarletteHTTPException(\n"
                    "        404,  # not ours\n"
                    "        'missing',\n"
                    "    )\n"
                )
            },
            fixed={
                "app/routes/items.py": (
                    "from fastapi import (  # the web layer\n"
                    "    APIRouter,\n"
                    "    Depends,  # injected\n"
                    "    HTTPException as StarletteHTTPException,\n"
                    ")\n"
                    "from starlette.exceptions import (\n"
                    "    WebSocketException,  # sockets\n"
                    "    # error\n"
                    ")\n"
                    "router = APIRouter()\n"
                    "@router.get('/{item_id}')\n"
                    "async def read(item_id: int, db=Depends()) -> dict:\n"
                    "    if item_id < 0:\n"
                    "        raise WebSocketException(1008)\n"
                    "    raise StarletteHTTPException(\n"
                    "        404,  # not ours\n"
                    "        'missing',\n"
                    "    )\n"
                )
            },
        ),
        Example(
            {
                "app/routes/orders.py": (
                    "from fastapi import APIRouter\n"
                    "from starlette.exceptions import HTTPException\n"
                    "from starlette.exceptions import HTTPException as Conflict  # error\n"
                    "router = APIRouter()\n"
                    "def check(ok: bool) -> None:\n"
                    "    try:\n"
                    "        raise Conflict(409)\n"
                    "    except HTTPException:  # any Starlette HTTP error, not only ours\n"
                    "        pass\n"
                )
            },
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._reset()

    def _reset(self) -> None:
        self._aliases: list[tuple[cst.ImportFrom, cst.ImportAlias, str]] = []
        self._bound: set[str] = set()
        # Names raised or constructed, and the other spellings (``starlette.exceptions.X``).
        self._raised: set[str] = set()
        self._qualified_uses: list[cst.CSTNode] = []
        self._handled = False
        self._tested = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Per-file state starts empty."""
        self._reset()

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileContext) -> None:
        """Remember ``from starlette.exceptions import HTTPException [as X]``."""
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        if dotted_name(node.module) != ("starlette", "exceptions"):
            return
        for alias in node.names:
            if isinstance(alias.name, cst.Name) and alias.name.value == "HTTPException":
                bound = alias.asname.name if alias.asname is not None else alias.name
                if isinstance(bound, cst.Name):
                    self._aliases.append((node, alias, bound.value))
                    self._bound.add(bound.value)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        """Construction of the class, a type test on it, or its registration as handled."""
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in (
            "exception_handler",
            "add_exception_handler",
        ):
            if node.args and self._is_starlette(node.args[0].value, ctx):
                self._handled = True
            return
        if isinstance(func, cst.Name) and func.value in ("isinstance", "issubclass"):
            if len(node.args) > 1 and self._mentions_starlette(node.args[1].value, ctx):
                self._tested = True
            return
        if self._is_starlette(func, ctx):
            self._use(func, node)

    def visit_Raise(self, node: cst.Raise, ctx: FileContext) -> None:
        """``raise StarletteHTTPException`` without a call."""
        if node.exc is not None and self._is_starlette(node.exc, ctx):
            self._use(node.exc, node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler, ctx: FileContext) -> None:
        """``except StarletteHTTPException``: the module relies on the exact class."""
        if node.type is not None and self._mentions_starlette(node.type, ctx):
            self._tested = True

    def visit_Dict(self, node: cst.Dict, ctx: FileContext) -> None:
        """``exception_handlers={StarletteHTTPException: handler}`` registers a handler."""
        for element in node.elements:
            if isinstance(element, cst.DictElement) and self._is_starlette(element.key, ctx):
                self._handled = True

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Report once the whole module has shown how the class is used."""
        if self._handled:
            return
        for used in self._qualified_uses:
            ctx.report(used)
        taken: set[int] = set()
        for statement, alias, bound in self._aliases:
            if bound not in self._raised:
                continue  # imported to catch it or to annotate with it
            fix = None if self._tested else fastapi_import_fix(node, statement, alias, taken)
            ctx.report(alias, fix=fix)

    def _use(self, expr: cst.BaseExpression, node: cst.CSTNode) -> None:
        if isinstance(expr, cst.Name):
            self._raised.add(expr.value)
        else:
            self._qualified_uses.append(node)

    def _mentions_starlette(self, expr: cst.BaseExpression, ctx: FileContext) -> bool:
        """The class itself or a tuple of classes holding it."""
        if isinstance(expr, cst.Tuple):
            return any(self._is_starlette(element.value, ctx) for element in expr.elements)
        return self._is_starlette(expr, ctx)

    def _is_starlette(self, expr: cst.BaseExpression, ctx: FileContext) -> bool:
        if isinstance(expr, cst.Name):
            if expr.value not in self._bound:
                return False
        elif not (isinstance(expr, cst.Attribute) and expr.attr.value == "HTTPException"):
            return False
        return ctx.qualified_name(expr) == _STARLETTE_HTTP_EXCEPTION


# -- LL207 ---------------------------------------------------------------------------------


class SharedRequestResponseSchema(ProjectRule):
    """The same schema class is a route's request body and its response model.

    **What it does:** compares the Pydantic models a route receives as its body with
    its response type (``response_model=``, else the return annotation), resolving the
    classes across files; ``list[X]`` bodies are compared with ``list[X]`` responses.

    **Why is this bad?** Requests and responses differ: the request must not accept
    ``id``, timestamps or ``is_admin``; the response must not echo a ``password``. One
    shared class makes every future field either writable by clients or visible to
    them.

    **Example:** ``@router.put("/{id}", response_model=Item)`` over
    ``def update(id: int, item: Item)``

    **Use instead:** separate ``ItemCreate``/``ItemUpdate`` and ``ItemResponse`` schemas
    (they can share an ``ItemBase``).
    """

    code = "LL207"
    name = "shared-request-response-schema"
    message = "`{schema}` is both the request body (`{param}`) and the response model; use separate schemas"
    seed = f"{_SEED_PATTERNS}: separate request and response schemas; {_SEED_AI1} (UserCreate/UserResponse)"
    example_path = "app/routes/items.py"
    _schemas = (
        "from pydantic import BaseModel\n"
        "class ItemBase(BaseModel):\n"
        "    name: str\n"
        "class ItemCreate(ItemBase):\n"
        "    pass\n"
        "class Item(ItemBase):\n"
        "    id: int\n"
    )
    valid = (
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.schemas.item import Item, ItemCreate\n"
                    "router = APIRouter()\n"
                    "@router.post('/', response_model=Item)\n"
                    "async def create(data: ItemCreate) -> Item:\n"
                    "    return Item(id=1, name=data.name)\n"
                    "@router.get('/', response_model=list[Item])\n"
                    "async def search(query: Item = Depends()) -> list[Item]:\n"
                    "    return []\n"
                    "@router.post('/bulk', response_model=list[Item])\n"
                    "async def bulk(items: list[ItemCreate]):\n"
                    "    return []\n"
                ),
            }
        ),
        Example(
            {
                "app/models/item.py": (
                    "from sqlmodel import SQLModel, Field\n"
                    "class Item(SQLModel, table=True):\n"
                    "    id: int = Field(primary_key=True)\n"
                ),
                "app/routes/items.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models.item import Item\n"
                    "router = APIRouter()\n"
                    "@router.post('/')\n"
                    "async def create(item: Item) -> Item:\n"
                    "    return item\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas import item as schemas\n"
                    "router = APIRouter()\n"
                    "@router.put('/{item_id}', response_model=schemas.Item)  # error\n"
                    "async def update(item_id: int, item: schemas.Item):\n"
                    "    return item\n"
                    "@router.post('/')\n"
                    "async def create(  # error\n"
                    "    item: schemas.ItemCreate,\n"
                    ") -> schemas.ItemCreate:\n"
                    "    return item\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from typing import List\n"
                    "from fastapi import APIRouter\n"
                    "from app.schemas.item import Item\n"
                    "router = APIRouter()\n"
                    "@router.post('/bulk', response_model=List[Item])  # error\n"
                    "async def bulk(items: List[Item]):\n"
                    "    return items\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for route in routes(project):
            declared = response_type(project, route)
            if declared is None:
                continue
            returned = set(type_classes(project, declared.module, declared.value))
            for param, model, _ in body_params(project, route.ref):
                if model in returned:
                    message = self.message.format(schema=model.rsplit(".", 1)[-1], param=param.name)
                    yield _response_finding(route, declared, message)
                    break


def _response_finding(route: Route, declared: ResponseType, message: str) -> Finding:
    """At the decorator for a ``response_model=`` finding, at the ``def`` for an annotation."""
    if declared.source == "response_model":
        path, span = route.options_location
        return Finding(path, span, message)
    return Finding(route.ref.module.path, route.def_span, message)


# -- LL208 ---------------------------------------------------------------------------------

_OAUTH_TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "id_token"})
_SECRET_TYPES = frozenset({"SecretStr", "SecretBytes"})
_VALIDATE_METHODS = frozenset(
    {"model_validate", "model_construct", "from_orm", "parse_obj", "construct"}
)
# ``*_token`` fields that are handed to clients by design, not credentials.
_PUBLIC_TOKEN_QUALIFIERS = frozenset(
    {
        "continuation",
        "next",
        "prev",
        "previous",
        "page",
        "next_page",
        "prev_page",
        "previous_page",
        "cursor",
        "resume",
        "sync",
        "pagination",
        "csrf",
    }
)
_REDACTING_WORDS = ("redact", "mask", "hide", "hidden", "obfuscate", "censor")


def _is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered in ("password", "hashed_password", "api_key")
        or lowered.endswith("_token")
        or lowered.startswith("secret")
    )


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _issued_by_design(field: str, model: str, route: Route) -> bool:
    """A token/key the response exists to hand out (``ApiKeyOut.api_key`` from ``POST /api_key``).

    True when the model's name or the route's name/path is about the secret itself:
    it contains the field's last word (``token``, ``key``, ``secret``) or its qualifier
    (``challenge`` of ``challenge_token``). Passwords never qualify.
    """
    words = field.lower().split("_")
    last, qualifier = words[-1], "".join(words[:-1])
    if last == "password" or (words[0] == "hashed"):
        return False
    model_name = _alnum(model.rsplit(".", 1)[-1])
    if last in model_name or (len(qualifier) >= 3 and qualifier in model_name):
        return True
    route_words = {
        word
        for text in (route.ref.function.name, route.path or "")
        for word in "".join(ch if ch.isalnum() else " " for ch in text.lower()).split()
    }
    return last in route_words or _alnum(field) in route_words


def _serialisation_hooks(project: Project, model: str) -> tuple[bool, frozenset[str]]:
    """(has a ``model_serializer``, fields with a ``field_serializer`` or redacting validator)."""
    custom = False
    fields: set[str] = set()
    seen: set[str] = set()
    stack = [model]
    while stack and len(seen) < 32:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        ref = project.lookup_class(current)
        if ref is None:
            continue
        stack.extend(project.base_names(ref))
        for method in ref.cls.methods:
            fn = ref.module.function(f"{ref.cls.name}.{method}")
            if fn is None:
                continue
            for decorator in fn.decorators:
                name = decorator.dotted[-1] if decorator.dotted else ""
                if name == "model_serializer":
                    custom = True
                elif name == "field_serializer" or (
                    name in ("field_validator", "validator")
                    and any(word in method.lower() for word in _REDACTING_WORDS)
                ):
                    fields.update(
                        str(arg.literal) for arg in decorator.elements if arg.kind == "str"
                    )
    return custom, frozenset(fields)


class SecretInResponseModel(ProjectRule):
    """A response model has a field named like a secret.

    **What it does:** looks at the fields (inherited ones included, across files) of
    the response model of each route (``response_model=``, else the return annotation,
    else a schema the route returns) and flags fields named ``password``,
    ``hashed_password``, ``api_key``, ``secret*`` or ``*_token``. Not flagged: fields
    excluded from serialisation (``Field(exclude=True)``, ``response_model_exclude=``),
    typed ``SecretStr``, masked by a ``field_serializer`` or a ``redact_*``/``mask_*``
    validator (or a model with a ``model_serializer``); pagination and CSRF tokens
    (``next_page_token``, ``continuation_token``, ``csrf_token``); and tokens or keys
    the route exists to hand out: an OAuth2 token response (``token_type``), a model or
    route named for the secret (``ApiKeyOut.api_key`` from ``POST /api-keys``,
    ``LoginResponse.access_token`` from ``create_token``). Passwords are always flagged.

    **Why is this bad?** Whatever the response model declares is sent to the client:
    a ``UserInDB`` response leaks password hashes and reset tokens to every caller.

    **Example:** ``@router.get("/me", response_model=UserInDB)`` where ``UserInDB`` has
    ``hashed_password``.

    **Use instead:** a ``UserResponse`` schema without secrets; keep ``UserInDB`` for
    internal use.
    """

    code = "LL208"
    name = "secret-in-response-model"
    message = "response model `{model}` exposes `{field}`; use a response schema without secrets"
    seed = f"{_SEED_PATTERNS}: InDB schema is internal with secrets; Response schema for the API"
    example_path = "app/routes/users.py"
    _schemas = (
        "from pydantic import BaseModel, Field, SecretStr\n"
        "class UserBase(BaseModel):\n"
        "    email: str\n"
        "class UserResponse(UserBase):\n"
        "    id: int\n"
        "class UserInDB(UserResponse):\n"
        "    hashed_password: str\n"
        "class Token(BaseModel):\n"
        "    access_token: str\n"
        "    token_type: str = 'bearer'\n"
        "class ApiKeyOut(BaseModel):\n"
        "    api_key: str\n"
        "    reset_token: str = Field(exclude=True)\n"
        "class Settings(BaseModel):\n"
        "    secret_key: SecretStr\n"
        "class Profile(UserResponse):\n"
        "    github_token: str\n"
        "class Page(BaseModel):\n"
        "    items: list[UserResponse]\n"
        "    next_page_token: str | None = None\n"
        "class ConnectionOut(BaseModel):\n"
        "    password: str\n"
        "    @field_serializer('password')\n"
        "    def hide(self, value: str) -> str:\n"
        "        return '***'\n"
    )
    valid = (
        Example(
            {
                "app/schemas/user.py": "from pydantic import field_serializer\n" + _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import ApiKeyOut, ConnectionOut, Page, Settings, Token, UserInDB, UserResponse\n"
                    "router = APIRouter()\n"
                    "@router.post('/api-keys')\n"
                    "async def create_api_key() -> ApiKeyOut:\n"
                    "    return ApiKeyOut(api_key='k', reset_token='t')\n"
                    "@router.get('/users', response_model=Page)\n"
                    "async def users():\n"
                    "    return {}\n"
                    "@router.get('/connections/{name}')\n"
                    "async def connection(name: str) -> ConnectionOut:\n"
                    "    return ConnectionOut(password='x')\n"
                    "@router.get('/me', response_model=UserResponse)\n"
                    "async def me() -> UserInDB:\n"
                    "    return UserInDB(id=1, email='a', hashed_password='x')\n"
                    "@router.post('/login')\n"
                    "async def login() -> Token:\n"
                    "    return Token(access_token='t')\n"
                    "@router.get('/settings')\n"
                    "async def settings() -> Settings:\n"
                    "    return Settings(secret_key='x')\n"
                    "@router.get('/key', response_model=ApiKeyOut, response_model_exclude={'api_key'})\n"
                    "async def key():\n"
                    "    return {}\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/user.py": ("class UserInDB:\n    password: str\n"),
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import UserInDB\n"
                    "router = APIRouter()\n"
                    "@router.get('/me')\n"
                    "async def me() -> UserInDB:\n"
                    "    return UserInDB()\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/schemas/user.py": "from pydantic import field_serializer\n" + _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import Profile, UserInDB\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}', response_model=list[UserInDB])  # error\n"
                    "async def get_user(user_id: int):\n"
                    "    return []\n"
                    "@router.get('/me')\n"
                    "async def me() -> Profile:  # error\n"
                    "    return Profile(id=1, email='e', github_token='t')\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/user.py": "from pydantic import field_serializer\n" + _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import UserInDB\n"
                    "router = APIRouter()\n"
                    "@router.get('/raw')\n"
                    "async def raw():\n"
                    "    return UserInDB.model_validate({})  # error\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for route in routes(project):
            if not route.documents_json:
                continue
            excluded = _excluded_fields(route.keyword("response_model_exclude"))
            declared = response_type(project, route)
            if declared is not None:
                for model in type_classes(project, declared.module, declared.value):
                    secret = self._secret_field(project, route, model, excluded)
                    if secret is not None:
                        message = self.message.format(model=model.rsplit(".", 1)[-1], field=secret)
                        yield _response_finding(route, declared, message)
                        break
                continue
            if (
                route.keyword("response_model") is not None
                or route.keyword("response_class") is not None
                or route.ref.function.returns is not None
            ):
                continue
            for returned in route.ref.function.returns_values:
                built = _returned_schema(project, route.ref, returned.value)
                if built is None:
                    continue
                secret = self._secret_field(project, route, built, excluded)
                if secret is not None:
                    message = self.message.format(model=built.rsplit(".", 1)[-1], field=secret)
                    yield Finding(route.ref.module.path, returned.span, message)

    @staticmethod
    def _secret_field(
        project: Project, route: Route, model: str, excluded: frozenset[str]
    ) -> str | None:
        if not project.is_pydantic_model(model):
            return None
        fields = model_fields(project, model)
        candidates = [name for name in fields if _is_secret_name(name) and name not in excluded]
        if not candidates:
            return None
        custom, masked = _serialisation_hooks(project, model)
        if custom:
            return None
        oauth_response = "token_type" in fields
        for name in candidates:
            _, value, annotation = fields[name]
            lowered = name.lower()
            if name in masked or (oauth_response and lowered in _OAUTH_TOKEN_FIELDS):
                continue
            if lowered.endswith("_token") and lowered[: -len("_token")] in _PUBLIC_TOKEN_QUALIFIERS:
                continue
            if annotation is not None and annotation[-1] in _SECRET_TYPES:
                continue
            if value is not None and value.kind == "call" and value.dotted[-1:] == ("Field",):
                exclude = value.keyword("exclude")
                if exclude is not None and exclude.kind == "bool" and exclude.literal is True:
                    continue
            if _issued_by_design(name, model, route):
                continue
            return name
        return None


def _excluded_fields(value: Value | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    if value.kind == "list":
        return frozenset(str(el.literal) for el in value.elements if el.kind == "str")
    if value.kind == "dict":
        return frozenset(key for key, _ in value.keywords)
    return frozenset()


def _returned_schema(project: Project, ref: FunctionRef, value: Value) -> str | None:
    """The Pydantic class a ``return`` builds: ``Model(...)`` or ``Model.model_validate(...)``."""
    if value.kind != "call" or not value.dotted or value.dotted[0] == "?":
        return None
    dotted = value.dotted
    if len(dotted) > 1 and dotted[-1] in _VALIDATE_METHODS:
        dotted = dotted[:-1]
    resolved = project.resolve_local_or_global(ref, dotted)
    if resolved is not None and project.lookup_class(resolved) is not None:
        return resolved
    return None


# -- LL209 ---------------------------------------------------------------------------------

_AUTH_PATTERNS = ("current_user", "require_", "auth", "admin", "superuser")
# Words (prefixes) of a path or handler name that mark an authentication-flow route.
_PUBLIC_WORDS = (
    "login",
    "logout",
    "signin",
    "signout",
    "signup",
    "register",
    "forgot",
    "reset",
    "verif",
    "callback",
    "webhook",
    "oauth",
    "token",
    "ldap",
    "sso",
    "saml",
    "oidc",
    "openid",
    "mfa",
    "otp",
    "totp",
    "2fa",
    "captcha",
)
# The same words written in two parts (``sign_in``, ``/log-out``).
_PUBLIC_COMPOUNDS = ("signin", "signout", "signup", "login", "logout")


class UnauthenticatedWriteRoute(ProjectRule):
    """A POST/PUT/PATCH/DELETE route without an authentication dependency.

    **What it does:** flags write routes none of whose dependencies authenticate: not
    the route's parameters, not its decorator's ``dependencies=[...]``, not the
    ``dependencies`` of its ``APIRouter(...)``, of the ``include_router(...)`` calls that
    mount it or of the app. A dependency authenticates when its name is listed in
    ``auth-dependencies``; by default, when it looks like the project's
    ``get_current_user``-style dependencies (its name contains ``current_user``,
    ``require_``, ``auth``, ``admin`` or ``superuser``), is a ``fastapi.security``
    scheme, or depends on such a dependency itself. Without that option the rule stays
    silent in projects where no route uses such a dependency. Routes that authenticate
    the caller (a path or handler name with login/logout/signin/signup/register, token,
    reset/forgot/verify, OAuth/SSO/LDAP/SAML/OIDC, MFA/OTP, callback, webhook) are
    skipped, and dependencies it cannot read count as authentication.

    **Why is this bad?** A write route that forgot its ``Depends(get_current_user)`` is
    open to anyone who can reach the API.

    **Example:** ``@router.delete("/{item_id}")`` over ``async def delete_item(item_id: int,
    db: AsyncSession = Depends(get_db))``

    **Use instead:** add ``current_user: User = Depends(get_current_user)`` (or
    ``dependencies=[Depends(require_admin)]`` on the route or router).
    """

    code = "LL209"
    name = "unauthenticated-write-route"
    message = "{method} route has no authentication dependency; add `Depends(get_current_user)` or a router-level one"
    seed = f"{_SEED_BACKEND}: dependencies chain get_current_user -> require_auth -> require_admin"
    default = RuleDefault.OPT_IN
    options_spec = (
        RuleOption(
            "auth-dependencies",
            (),
            "names of the dependencies that authenticate; empty: detect `get_current_user`-style ones",
        ),
    )
    example_path = "app/routes/items.py"
    _auth = (
        "from fastapi import Depends\n"
        "from fastapi.security import OAuth2PasswordBearer\n"
        "oauth2_scheme = OAuth2PasswordBearer(tokenUrl='/login')\n"
        "def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:\n"
        "    return {}\n"
        "def get_verified_user(user: dict = Depends(get_current_user)) -> dict:\n"
        "    return user\n"
        "def check_key(x_key: str = '') -> str:\n"
        "    return x_key\n"
    )
    valid = (
        Example(
            {
                "app/dependencies/auth.py": _auth,
                "app/routes/items.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.dependencies.auth import get_current_user, get_verified_user, oauth2_scheme\n"
                    "router = APIRouter()\n"
                    "@router.post('/')\n"
                    "def create(user: dict = Depends(get_verified_user)) -> None:\n"
                    "    pass\n"
                    "@router.delete('/{item_id}', dependencies=[Depends(get_current_user)])\n"
                    "def delete(item_id: int) -> None:\n"
                    "    pass\n"
                    "@router.get('/')\n"
                    "def public() -> list:\n"
                    "    return []\n"
                    "@router.post('/login')\n"
                    "def login() -> None:\n"
                    "    pass\n"
                ),
                "app/routes/admin.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.dependencies.auth import get_current_user\n"
                    "router = APIRouter(dependencies=[Depends(get_current_user)])\n"
                    "@router.put('/settings')\n"
                    "def update() -> None:\n"
                    "    pass\n"
                ),
                "app/routes/keys.py": (
                    "from fastapi import APIRouter\n"
                    "router = APIRouter()\n"
                    "@router.patch('/keys')\n"
                    "def rotate() -> None:\n"
                    "    pass\n"
                ),
                "app/main.py": (
                    "from fastapi import Depends, FastAPI\n"
                    "from app.dependencies.auth import check_key\n"
                    "from app.routes import keys\n"
                    "app = FastAPI()\n"
                    "app.include_router(keys.router, dependencies=[Depends(check_key)])\n"
                ),
            },
            options={"auth-dependencies": _names("get_current_user", "check_key")},
        ),
        Example(
            {
                "app/routes/items.py": (
                    "from fastapi import APIRouter\n"
                    "router = APIRouter()\n"
                    "@router.post('/')\n"
                    "def create() -> None:\n"
                    "    pass\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/dependencies/auth.py": _auth,
                "app/routes/items.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.dependencies.auth import check_key, get_current_user\n"
                    "router = APIRouter()\n"
                    "@router.get('/')\n"
                    "def read(user: dict = Depends(get_current_user)) -> list:\n"
                    "    return []\n"
                    "@router.post('/')\n"
                    "def create(key: str = Depends(check_key)) -> None:  # error\n"
                    "    pass\n"
                    "@router.api_route('/{item_id}', methods=['DELETE'])\n"
                    "def delete(item_id: int) -> None:  # error\n"
                    "    pass\n"
                ),
            }
        ),
        Example(
            {
                "app/dependencies/auth.py": _auth,
                "app/routes/items.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.dependencies.auth import check_key\n"
                    "router = APIRouter()\n"
                    "@router.put('/{item_id}')\n"
                    "def update(item_id: int, key: str = Depends(check_key)) -> None:\n"
                    "    pass\n"
                    "@router.patch('/{item_id}')\n"
                    "def patch(item_id: int) -> None:  # error\n"
                    "    pass\n"
                ),
            },
            options={"auth-dependencies": _names("check_key")},
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        option = self.options["auth-dependencies"]
        configured = tuple(option) if isinstance(option, tuple) else ()
        index = _AuthIndex(project, frozenset(configured))
        verdicts = [(route, index.route_authenticated(route)) for route in routes(project)]
        if not configured and not any(ok for _, ok in verdicts):
            return
        for route, ok in verdicts:
            writes = route.methods & WRITE_METHODS
            if ok or not writes or _public_route(route):
                continue
            message = self.message.format(method="/".join(sorted(writes)))
            yield Finding(route.ref.module.path, route.ref.function.span, message)


def _public_route(route: Route) -> bool:
    """Routes whose job is to authenticate the caller (login, register, webhooks...)."""
    text = f"{route.path or ''} {route.ref.function.name}".lower()
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    if any(word.startswith(_PUBLIC_WORDS) for word in words):
        return True
    compact = "".join(ch for ch in text if ch.isalnum())
    return any(compound in compact for compound in _PUBLIC_COMPOUNDS)


class _AuthIndex:
    """Answers "is this dependency (chain) authentication?" for LL209."""

    def __init__(self, project: Project, configured: frozenset[str]) -> None:
        self.project = project
        self.configured = configured
        self._memo: dict[tuple[str, Dotted], bool] = {}
        self._inclusions = self._collect_inclusions()

    def route_authenticated(self, route: Route) -> bool:
        """True when a parameter, the decorator or the router chain authenticates."""
        module = route.ref.module.module
        for param in route.ref.function.params:
            dependency = param_dependency(self.project, module, param)
            if dependency is not None and self.is_auth(*dependency):
                return True
        for target in listed_dependencies(route.keyword("dependencies")):
            if self.is_auth(route.module.module, target):
                return True
        if route.router[:1] in (("self",), ("cls",)):
            return True  # a router built at run time: its dependencies are unknown
        router = self.project.resolve_canonical(route.module.module, route.router)
        if router is None:
            return True
        return self._router_authenticated(router, 0)

    def _router_authenticated(self, router: str, depth: int) -> bool:
        if depth > 6:
            return True
        assigned = self.project.module_assignment(router)
        if assigned is None:
            return True  # not a module-level router: cannot tell
        owner, value = assigned
        for target in listed_dependencies(value.keyword("dependencies")):
            if self.is_auth(owner.module, target):
                return True
        for parent, module, dependencies in self._inclusions.get(router, ()):
            if any(self.is_auth(module, target) for target in dependencies):
                return True
            if parent is not None and self._router_authenticated(parent, depth + 1):
                return True
        return False

    def _collect_inclusions(self) -> dict[str, list[tuple[str | None, str, list[Dotted]]]]:
        """Router -> (parent router, module, dependencies) for each ``include_router``."""
        found: dict[str, list[tuple[str | None, str, list[Dotted]]]] = {}
        for facts in self.project.modules.values():
            calls = [*facts.calls, *(c for fn in facts.functions for c in fn.calls)]
            for call in calls:
                if call.callee[-1] != "include_router" or not call.args:
                    continue
                child = call.args[0]
                if child.kind != "name":
                    continue
                router = self.project.resolve_canonical(facts.module, child.dotted)
                if router is None:
                    continue
                parent = (
                    self.project.resolve_canonical(facts.module, call.callee[:-1])
                    if len(call.callee) > 1 and call.callee[0] not in ("self", "?")
                    else None
                )
                dependencies = listed_dependencies(call.keyword("dependencies"))
                found.setdefault(router, []).append((parent, facts.module, dependencies))
        return found

    def is_auth(self, module: str, target: Dotted, depth: int = 0) -> bool:
        """True when the dependency ``target`` (as written in ``module``) authenticates."""
        if target == ("?",):
            return True
        key = (module, target)
        memo = self._memo.get(key)
        if memo is not None:
            return memo
        self._memo[key] = False  # cycles end here
        result = self._is_auth(module, target, depth)
        self._memo[key] = result
        return result

    def _is_auth(self, module: str, target: Dotted, depth: int) -> bool:
        callee = target[1:] if target[0] == "()" else target
        if not callee:
            return False
        resolved = self.project.resolve_canonical(module, callee)
        names = {callee[-1], ".".join(callee)}
        if resolved is not None:
            names |= {resolved, resolved.rsplit(".", 1)[-1]}
        if self.configured:
            if names & self.configured:
                return True
        else:
            short = {callee[-1].lower(), (resolved or "").rsplit(".", 1)[-1].lower()}
            if any(p in name for name in short for p in _AUTH_PATTERNS):
                return True
        if resolved is None:
            return False
        if resolved.startswith("fastapi.security."):
            return True
        assigned = self.project.module_assignment(resolved)
        if assigned is not None:
            owner, value = assigned
            if value.kind == "call":
                constructor = self.project.resolve_canonical(owner.module, value.dotted)
                if constructor is not None and constructor.startswith("fastapi.security."):
                    return True
        if depth > 4:
            return False
        return any(
            self._params_authenticate(ref, depth) for ref in self._dependency_functions(resolved)
        )

    def _dependency_functions(self, resolved: str) -> list[FunctionRef]:
        """The function itself, a class's ``__init__``, and a factory's inner functions."""
        found: list[FunctionRef] = []
        ref = self.project.lookup_function(resolved)
        if ref is None:
            ref = self.project.lookup_function(f"{resolved}.__init__")
        if ref is None:
            return found
        found.append(ref)
        for nested in ref.function.nested:
            inner = ref.module.function(f"{ref.function.qualname}.<locals>.{nested}")
            if inner is not None:
                found.append(FunctionRef(ref.module, inner))
        return found

    def _params_authenticate(self, ref: FunctionRef, depth: int) -> bool:
        for param in ref.function.params:
            dependency = param_dependency(self.project, ref.module.module, param)
            if dependency is not None and self.is_auth(*dependency, depth=depth + 1):
                return True
        return False


# -- LL210 ---------------------------------------------------------------------------------

_BOUND_CALLS = frozenset({"Body", "Field", "Query", "Form", "MaxLen", "Len", "conlist"})


class UnboundedBulkBody(ProjectRule):
    """A route body typed ``list[Schema]`` without a maximum length.

    **What it does:** flags request-body parameters typed ``list[X]``/``List[X]``/
    ``Sequence[X]`` of a Pydantic model with no ``max_length``: neither
    ``Annotated[list[X], Field(max_length=...)]`` (or ``Body(max_length=...)``,
    ``annotated_types.MaxLen``) nor ``= Body(..., max_length=...)``. Methods of classes
    are skipped (their parameters' defaults are not visible to the project pass).

    **Why is this bad?** An unbounded list lets one request insert a million rows,
    hold a transaction open for minutes and exhaust memory validating the payload.

    **Example:** ``async def create_bulk(items: list[ItemCreate]):``

    **Use instead:** ``items: Annotated[list[ItemCreate], Field(max_length=100)]``.
    """

    code = "LL210"
    name = "unbounded-bulk-body"
    message = "request body `{param}` is a list of `{schema}` without a maximum length; add `Field(max_length=...)`"
    seed = f"{_SEED_PRODUCTION}: bulk operations ('Maximum 100 schedules per request')"
    default = RuleDefault.OPT_IN
    example_path = "app/routes/items.py"
    _schemas = "from pydantic import BaseModel\nclass ItemCreate(BaseModel):\n    name: str\n"
    valid = (
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from typing import Annotated\n"
                    "from fastapi import APIRouter, Body\n"
                    "from pydantic import Field\n"
                    "from app.schemas.item import ItemCreate\n"
                    "router = APIRouter()\n"
                    "@router.post('/bulk')\n"
                    "async def bulk(items: Annotated[list[ItemCreate], Field(max_length=100)]) -> None:\n"
                    "    pass\n"
                    "@router.post('/bulk2')\n"
                    "async def bulk2(\n"
                    "    items: list[ItemCreate] = Body(..., max_length=50),\n"
                    "    dry_run: bool = False,\n"
                    ") -> None:\n"
                    "    pass\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.item import ItemCreate\n"
                    "router = APIRouter()\n"
                    "@router.post('/ids')\n"
                    "async def by_ids(ids: list[int]) -> None:\n"
                    "    pass\n"
                    "@router.post('/one')\n"
                    "async def one(item: ItemCreate) -> None:\n"
                    "    pass\n"
                    "def helper(items: list[ItemCreate]) -> None:\n"
                    "    pass\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from typing import List\n"
                    "from fastapi import APIRouter, Body\n"
                    "from app.schemas.item import ItemCreate\n"
                    "router = APIRouter()\n"
                    "@router.post('/bulk')\n"
                    "async def bulk(items: list[ItemCreate]) -> None:  # error\n"
                    "    pass\n"
                    "@router.put('/bulk')\n"
                    "async def replace(\n"
                    "    items: List[ItemCreate] = Body(..., embed=True),  # error\n"
                    "    limit: int = Body(10, max_length=3),\n"
                    ") -> None:\n"
                    "    pass\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from collections.abc import Sequence\n"
                    "from fastapi import APIRouter\n"
                    "from app.schemas import item\n"
                    "router = APIRouter()\n"
                    "@router.patch('/bulk')\n"
                    "async def bulk(dry_run: bool, items: Sequence[item.ItemCreate]) -> None:  # error\n"
                    "    return None\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        seen: set[str] = set()
        for route in routes(project):
            ref = route.ref
            if ref.qualified in seen or ref.function.class_name is not None:
                continue
            seen.add(ref.qualified)
            for param, model, is_list in body_params(project, ref):
                if not is_list or param.span is None:
                    continue
                if _has_length_bound(project, ref, param):
                    continue
                message = self.message.format(param=param.name, schema=model.rsplit(".", 1)[-1])
                yield Finding(ref.module.path, param.span, message)


def _has_length_bound(project: Project, ref: FunctionRef, param: ParamFact) -> bool:
    """Is there a ``max_length`` call in the parameter's annotation or default?

    Calls written in a signature belong to the enclosing scope's facts (the module, or
    the function a route is nested in); the ones between this parameter and the next
    (or the body) are this parameter's.
    """
    fn = ref.function
    if "<locals>" in fn.qualname:
        outer = ref.module.function(fn.qualname.rsplit(".<locals>.", 1)[0])
        if outer is None:
            return True
        calls = outer.calls
    else:
        calls = ref.module.calls
    assert param.span is not None
    start = _span_line(param.span)
    params = [p for p in fn.params if p.span is not None]
    position = next(i for i, p in enumerate(params) if p is param)
    if position + 1 < len(params):
        next_span = params[position + 1].span
        assert next_span is not None
        end = _span_line(next_span)
    else:
        body = [c.span for c in fn.calls] + [r.span for r in fn.raises]
        body += [r.span for r in fn.returns_values]
        end = min((_span_line(s) for s in body), default=(param.span.line + 1, 0))
    for call in calls:
        here = _span_line(call.span)
        if not (start <= here < end) or call.callee[-1] not in _BOUND_CALLS:
            continue
        if call.callee[-1] == "MaxLen":
            return True
        if call.keyword("max_length") is not None or call.keyword("max_items") is not None:
            return True
        if call.callee[-1] == "Len" and len(call.args) >= 2:
            return True
    return False


# -- LL211 ---------------------------------------------------------------------------------

_ROLE_FLAGS = frozenset({"is_superuser", "is_admin", "is_staff", "is_super_admin", "is_owner"})
_ROLE_ATTRIBUTES = frozenset({"role", "roles", "user_role", "user_roles"})
_ROLE_METHODS = frozenset({"has_role", "has_roles", "has_any_role"})
_INJECTORS = frozenset({"Depends", "Security"})


class InlineRoleCheck(FileRule):
    """A route handler checks the caller's role or superuser status itself.

    **What it does:** flags, directly inside route handlers (functions decorated with
    ``@<router>.get/post/...("/path")`` in a module that imports FastAPI), an ``if``
    that raises when a role test on the *caller* fails: ``if user.role != "admin":
    raise``, ``if not current_user.is_superuser: raise``, ``if "admin" not in
    user.roles``, ``if not user.has_role("editor")``. The caller is a parameter injected
    with ``Depends``/``Security`` (or an ``Annotated`` ``CurrentUser``-style alias).
    Left alone: tests mixing a role with anything else (``item.owner_id != user.id``)
    and checks nested in another condition or loop, which are resource-level rules;
    role checks on other objects (the user being deleted, a database replica); and
    dependency functions such as ``require_admin``, which is where such checks belong.

    **Why is this bad?** Authorisation copied into every handler is forgotten in one of
    them; a dependency is written, reviewed and tested once, and shows in the route's
    signature (and in OpenAPI).

    **Example:** ``if not current_user.is_superuser: raise HTTPException(403)`` at the
    start of a route.

    **Use instead:** ``current_user: User = Depends(require_admin)`` (or
    ``dependencies=[Depends(require_admin)]``).
    """

    code = "LL211"
    name = "inline-role-check"
    message = "route checks the caller's role itself; use a `require_admin`-style dependency"
    seed = f"{_SEED_BACKEND}: get_current_user -> require_auth -> require_admin; {_SEED_AI1} (require_admin)"
    example_path = "app/routes/users.py"
    valid = (
        "from fastapi import APIRouter, Depends, HTTPException\n"
        "from app.dependencies.auth import get_current_user\n"
        "router = APIRouter()\n"
        "async def require_admin(user=Depends(get_current_user)):\n"
        "    if user.role != 'admin':\n"
        "        raise HTTPException(status_code=403, detail='Admin required')\n"
        "    return user\n"
        "@router.delete('/{item_id}')\n"
        "async def delete(item_id: int, item, current_user=Depends(get_current_user)) -> None:\n"
        "    if not current_user.is_superuser and item.owner_id != current_user.id:\n"
        "        raise HTTPException(status_code=403)\n"
        "    if current_user.role == 'admin':\n"
        "        item = None\n"
        "    if item is None:\n"
        "        if current_user.role != 'admin':\n"
        "            raise HTTPException(status_code=403)\n"
        "    def check() -> None:\n"
        "        if not current_user.is_superuser:\n"
        "            raise HTTPException(status_code=403)\n",
        "from fastapi import APIRouter, Depends, HTTPException\n"
        "from app.services import users\n"
        "router = APIRouter()\n"
        "@router.delete('/users/{user_id}')\n"
        "async def delete_user(user_id: str, replica=Depends(users.primary)) -> None:\n"
        "    user = await users.get(user_id)\n"
        "    if user.role == 'admin':\n"
        "        raise HTTPException(403, 'cannot delete an admin')\n"
        "    if replica.role != 'primary':\n"
        "        raise HTTPException(409)\n"
        "def helper(user=Depends(users.current)) -> None:\n"
        "    if not user.is_superuser:\n"
        "        raise HTTPException(403)\n",
    )
    invalid = (
        "from fastapi import APIRouter, Depends, HTTPException, status\n"
        "from app.dependencies.auth import get_current_user\n"
        "router = APIRouter()\n"
        "@router.get('/admin/stats')\n"
        "async def stats(user=Depends(get_current_user)) -> dict:\n"
        "    if user.role != 'admin':  # error\n"
        "        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN)\n"
        "    return {}\n"
        "@router.post('/users')\n"
        "async def create(current_user=Depends(get_current_user)) -> None:\n"
        "    try:\n"
        "        if not current_user.is_superuser:  # error\n"
        "            raise HTTPException(status_code=403, detail='Not enough privileges')\n"
        "    finally:\n"
        "        pass\n",
        "from typing import Annotated\n"
        "from fastapi import Depends, HTTPException\n"
        "from app.dependencies.auth import CurrentUser, get_me\n"
        "from app.routes import router\n"
        "@router.put('/settings')\n"
        "def update(me: Annotated[object, Depends(get_me)], current_user: CurrentUser) -> None:\n"
        "    if me is None:\n"
        "        raise HTTPException(401)\n"
        "    elif 'admin' not in me.user.roles or not me.has_role('owner'):  # error\n"
        "        raise HTTPException(403)\n"
        "    if current_user.role.value not in ('admin', 'owner'):  # error\n"
        "        raise HTTPException(403)\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._start()

    def _start(self) -> None:
        self._routes: dict[int, tuple[frozenset[str], int]] = {}
        self._conditional: set[int] = set()
        self._depth = 0
        self._elif_guarded: dict[int, bool] = {}
        self._found: list[cst.If] = []
        self._fastapi = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Per-file state starts empty."""
        self._start()

    def visit_Import(self, node: cst.Import, ctx: FileContext) -> None:
        """Evidence that the module is FastAPI code."""
        self._fastapi = self._fastapi or _imports_fastapi(node)

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileContext) -> None:
        """Evidence that the module is FastAPI code."""
        self._fastapi = self._fastapi or _imports_fastapi(node)

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        """Remember route handlers (``@<name>.<verb>("/path")``) and their injected params."""
        if node.decorators and any(_is_route_decorator(d.decorator) for d in node.decorators):
            self._routes[id(node)] = (_injected_params(node.params), self._depth)

    # Bodies of compound statements make what they contain conditional.
    def visit_For(self, node: cst.For, ctx: FileContext) -> None:
        """Loop bodies are conditional."""
        self._conditional.add(id(node.body))

    def visit_While(self, node: cst.While, ctx: FileContext) -> None:
        """Loop bodies are conditional."""
        self._conditional.add(id(node.body))

    def visit_Else(self, node: cst.Else, ctx: FileContext) -> None:
        """``else:`` bodies are conditional."""
        self._conditional.add(id(node.body))

    def visit_ExceptHandler(self, node: cst.ExceptHandler, ctx: FileContext) -> None:
        """``except`` bodies are conditional."""
        self._conditional.add(id(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock, ctx: FileContext) -> None:
        """Entering a conditional body."""
        if id(node) in self._conditional:
            self._depth += 1

    def leave_IndentedBlock(self, node: cst.IndentedBlock, ctx: FileContext) -> None:
        """Leaving a conditional body."""
        if id(node) in self._conditional:
            self._depth -= 1

    def visit_If(self, node: cst.If, ctx: FileContext) -> None:
        """A guard (body raises) whose test is only about the caller's role, in a route."""
        self._conditional.add(id(node.body))
        if isinstance(node.orelse, cst.If):
            self._elif_guarded[id(node.orelse)] = _exits(node.body)
        if not self._routes:
            return
        fn: cst.FunctionDef | None = getattr(ctx, "enclosing_function", None)
        route = self._routes.get(id(fn)) if fn is not None else None
        if route is None:
            return
        injected, base_depth = route
        if self._depth > base_depth or not self._elif_guarded.get(id(node), True):
            return
        if injected and _raises(node.body) and _is_role_test(node.test, injected):
            self._found.append(node)

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Report when the module turned out to be FastAPI code."""
        if self._fastapi:
            for found in self._found:
                ctx.report(found.test)


def _is_route_decorator(expr: cst.BaseExpression) -> bool:
    """``@<dotted>.<verb>("/path", ...)`` or ``@<dotted>.<verb>(path=...)``."""
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)):
        return False
    if expr.func.attr.value not in ROUTE_METHODS or dotted_name(expr.func.value) is None:
        return False
    first = expr.args[0] if expr.args else None
    if first is not None and first.keyword is None:
        return isinstance(
            first.value, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString
        )
    return _keyword_arg(expr, "path") is not None


def _injected_params(params: cst.Parameters) -> frozenset[str]:
    """Parameters FastAPI fills from a dependency: the request's caller lives there."""
    names: set[str] = set()
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        default = param.default
        if isinstance(default, cst.Call) and _callee_name(default) in _INJECTORS:
            names.add(param.name.value)
            continue
        annotation = param.annotation.annotation if param.annotation is not None else None
        if isinstance(annotation, cst.Subscript):
            base = dotted_name(annotation.value)
            if (
                base
                and base[-1] == "Annotated"
                and any(
                    isinstance(el.slice, cst.Index)
                    and isinstance(el.slice.value, cst.Call)
                    and _callee_name(el.slice.value) in _INJECTORS
                    for el in annotation.slice[1:]
                )
            ):
                names.add(param.name.value)
        elif annotation is not None and default is None:
            dotted = dotted_name(annotation)
            if dotted and any(word in dotted[-1] for word in ("Current", "Auth", "Admin")):
                names.add(param.name.value)  # ``current_user: CurrentUser`` aliases
    return frozenset(names)


def _callee_name(call: cst.Call) -> str | None:
    dotted = dotted_name(call.func)
    return dotted[-1] if dotted else None


def _statements(body: cst.BaseSuite) -> list[cst.BaseSmallStatement]:
    statements: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.IndentedBlock):
        for stmt in body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                statements.extend(stmt.body)
    elif isinstance(body, cst.SimpleStatementSuite):
        statements.extend(body.body)
    return statements


def _raises(body: cst.BaseSuite) -> bool:
    return any(isinstance(stmt, cst.Raise) for stmt in _statements(body))


def _exits(body: cst.BaseSuite) -> bool:
    return any(isinstance(stmt, cst.Raise | cst.Return) for stmt in _statements(body))


def _is_role_test(test: cst.BaseExpression, caller: frozenset[str]) -> bool:
    """Every operand of the test is a role/superuser predicate on the caller."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _is_role_test(test.expression, caller)
    if isinstance(test, cst.BooleanOperation):
        return _is_role_test(test.left, caller) and _is_role_test(test.right, caller)
    if isinstance(test, cst.Attribute):
        return _role_attribute(test, caller)
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute):
        method = test.func.attr.value
        receiver = dotted_name(test.func.value)
        return (
            (method in _ROLE_METHODS or method in _ROLE_FLAGS)
            and receiver is not None
            and receiver[0] in caller
            and _user_like_name(receiver[-1])
        )
    if isinstance(test, cst.Comparison):
        operands = [test.left, *(target.comparator for target in test.comparisons)]
        return any(_role_attribute(operand, caller) for operand in operands) and all(
            _role_attribute(operand, caller) or _role_constant(operand) for operand in operands
        )
    return False


def _role_attribute(node: cst.BaseExpression, caller: frozenset[str]) -> bool:
    """``user.role``, ``user.role.value``, ``current_user.roles``, ``user.is_superuser``."""
    dotted = dotted_name(node)
    if dotted is None or len(dotted) < 2 or dotted[0] not in caller:
        return False
    if dotted[-1] in _ROLE_FLAGS:
        return True
    if dotted[-1] in ("value", "name") and len(dotted) >= 3:
        dotted = dotted[:-1]
    return dotted[-1] in _ROLE_ATTRIBUTES and _user_like_name(dotted[-2])


def _role_constant(node: cst.BaseExpression) -> bool:
    """A role value: a string, an enum member (``Role.ADMIN``), a collection of those, a bool."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None") or node.value.isupper()
    if isinstance(node, cst.Attribute):
        return dotted_name(node) is not None
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        return all(isinstance(el, cst.Element) and _role_constant(el.value) for el in node.elements)
    return False


def _user_like_name(name: str) -> bool:
    lowered = name.lower()
    return any(
        word in lowered
        for word in ("user", "account", "member", "principal", "actor", "identity", "caller")
    ) or lowered in ("me", "current", "requester", "auth")


# -- LL212 ---------------------------------------------------------------------------------


_TABLE_MODELS: dict[str, str] = {
    "app/models/hero.py": (
        "from sqlmodel import Field, SQLModel\n"
        "class HeroBase(SQLModel):\n"
        "    name: str\n"
        "class Hero(HeroBase, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "class HeroPublic(HeroBase):\n"
        "    id: int\n"
    ),
    "app/models/user.py": (
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    ),
}


class TableModelAsResponse(ProjectRule):
    """An ORM model (or SQLModel ``table=True`` class) used as a route's response model.

    **What it does:** resolves the response type of each route (``response_model=``,
    else the return annotation; generics such as ``list[Hero]`` unwrapped) across files
    and flags it when it is a declarative SQLAlchemy model or a SQLModel class with
    ``table=True`` (directly or inherited).

    **Why is this bad?** The table class is the database schema: every column added
    later (password hashes, internal flags) becomes part of the public API, lazy
    relationships load (or fail) during serialisation, and the API cannot evolve
    without a migration.

    **Example:** ``@router.get("/heroes/{id}", response_model=Hero)`` where ``class
    Hero(SQLModel, table=True)``.

    **Use instead:** a ``HeroPublic(HeroBase)`` response schema (``table`` not set).
    """

    code = "LL212"
    name = "table-model-as-response"
    message = "response model `{model}` is an ORM table model; return a response schema"
    seed = f"{_SEED_BACKEND}: use a separate response schema; SQLModel table models are not API schemas"
    example_path = "app/routes/heroes.py"
    valid = (
        Example(
            {
                **_TABLE_MODELS,
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models.hero import Hero, HeroBase, HeroPublic\n"
                    "router = APIRouter()\n"
                    "@router.get('/{hero_id}', response_model=HeroPublic)\n"
                    "async def get_hero(hero_id: int) -> Hero:\n"
                    "    return Hero(id=hero_id, name='x')\n"
                    "@router.get('/', response_model=list[HeroPublic])\n"
                    "async def list_heroes() -> list:\n"
                    "    return []\n"
                    "@router.post('/')\n"
                    "async def create(hero: HeroBase) -> HeroBase:\n"
                    "    return hero\n"
                ),
            }
        ),
        Example(
            {
                **_TABLE_MODELS,
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models.user import Base, User\n"
                    "router = APIRouter()\n"
                    "@router.get('/', response_model=None)\n"
                    "async def raw() -> User:\n"
                    "    return User()\n"
                    "def helper() -> User:\n"
                    "    return User()\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                **_TABLE_MODELS,
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models.hero import Hero\n"
                    "router = APIRouter()\n"
                    "@router.get('/{hero_id}', response_model=Hero)  # error\n"
                    "async def get_hero(hero_id: int):\n"
                    "    return None\n"
                    "@router.get('/', response_model=list[Hero])  # error\n"
                    "async def list_heroes():\n"
                    "    return []\n"
                ),
            }
        ),
        Example(
            {
                **_TABLE_MODELS,
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models import user as models\n"
                    "router = APIRouter()\n"
                    "@router.get('/me')\n"
                    "async def me() -> models.User:  # error\n"
                    "    return models.User()\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for route in routes(project):
            declared = response_type(project, route)
            if declared is None:
                continue
            for model in type_classes(project, declared.module, declared.value):
                if project.is_orm_model(model):
                    message = self.message.format(model=model.rsplit(".", 1)[-1])
                    yield _response_finding(route, declared, message)
                    break


# -- LL213 ---------------------------------------------------------------------------------


class MissingResponseWrapper(ProjectRule):
    """A response model not wrapped in the project's generic response envelope.

    **What it does:** for projects that answer every request with one envelope
    (option ``response-wrapper``, default ``ApiResponse``), flags routes whose response
    model (``response_model=``, else the return annotation) is not ``ApiResponse[...]``
    or a subclass of it. Routes returning ``Response`` objects, ``204`` routes and routes
    without a response type (see LL202) are skipped, as are project classes whose bases
    cannot be read (``class UserList(ApiResponse[list[User]])``).

    **Why is this bad?** Clients of an API with an envelope parse ``data``/``error``/
    ``code`` uniformly; one bare response breaks the generated client and the frontend's
    error handling.

    **Example:** ``@router.get("/users/{id}", response_model=UserResponse)``

    **Use instead:** ``@router.get("/users/{id}", response_model=ApiResponse[UserResponse])``
    """

    code = "LL213"
    name = "missing-response-wrapper"
    message = "response model `{model}` is not wrapped in `{wrapper}[...]`"
    seed = f"{_SEED_BACKEND}: generic response wrapper — always use ApiResponse[T]"
    default = RuleDefault.OPT_IN
    options_spec = (
        RuleOption(
            "response-wrapper", "ApiResponse", "name of the generic response envelope class"
        ),
    )
    example_path = "app/routes/users.py"
    _schemas = (
        "from typing import Generic, TypeVar\n"
        "from pydantic import BaseModel\n"
        "T = TypeVar('T')\n"
        "class ApiResponse(BaseModel, Generic[T]):\n"
        "    data: T | None = None\n"
        "class Envelope(BaseModel, Generic[T]):\n"
        "    data: T | None = None\n"
        "class UserResponse(BaseModel):\n"
        "    id: int\n"
        "class UserPage(ApiResponse):\n"
        "    pass\n"
        "class UserList(ApiResponse[list[UserResponse]]):\n"
        "    pass\n"
    )
    valid = (
        Example(
            {
                "app/schemas/user.py": _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter, status\n"
                    "from fastapi.responses import FileResponse\n"
                    "from app.schemas.user import ApiResponse, UserList, UserPage, UserResponse\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}', response_model=ApiResponse[UserResponse])\n"
                    "async def get_user(user_id: int):\n"
                    "    return {}\n"
                    "@router.get('/me')\n"
                    "async def me() -> ApiResponse[UserResponse]:\n"
                    "    return ApiResponse()\n"
                    "@router.get('/', response_model=UserPage)\n"
                    "async def page():\n"
                    "    return {}\n"
                    "@router.get('/all', response_model=UserList)\n"
                    "async def all_users():\n"
                    "    return {}\n"
                    "@router.get('/avatar')\n"
                    "async def avatar() -> FileResponse:\n"
                    "    return FileResponse('a.png')\n"
                    "@router.delete('/{user_id}', status_code=status.HTTP_204_NO_CONTENT)\n"
                    "async def delete(user_id: int) -> None:\n"
                    "    pass\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/user.py": _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas import user as s\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}', response_model=s.Envelope[s.UserResponse])\n"
                    "async def get_user(user_id: int):\n"
                    "    return {}\n"
                ),
            },
            options={"response-wrapper": "Envelope"},
        ),
    )
    invalid = (
        Example(
            {
                "app/schemas/user.py": _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import UserResponse\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}', response_model=UserResponse)  # error\n"
                    "async def get_user(user_id: int):\n"
                    "    return {}\n"
                    "@router.get('/')\n"
                    "async def list_users() -> list[UserResponse]:  # error\n"
                    "    return []\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/user.py": _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import ApiResponse, UserResponse\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}', response_model=ApiResponse[UserResponse])  # error\n"
                    "async def get_user(user_id: int):\n"
                    "    return {}\n"
                ),
            },
            options={"response-wrapper": "Envelope"},
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        wrapper = str(self.options["response-wrapper"])
        short = wrapper.rsplit(".", 1)[-1]
        for route in routes(project):
            if not route.documents_json:
                continue
            if status_code_literal(route.keyword("status_code")) in (204, 304):
                continue
            if (
                route.keyword("response_class") is not None
                and route.keyword("response_model") is None
            ):
                continue
            declared = response_type(project, route)
            if declared is None:
                continue
            if self._wrapped(project, declared.module, declared.value, wrapper, short):
                continue
            message = self.message.format(model=render_type(declared.value), wrapper=short)
            yield _response_finding(route, declared, message)

    @staticmethod
    def _wrapped(project: Project, module: str, value: Value, wrapper: str, short: str) -> bool:
        if not value.dotted:
            return True
        if value.dotted[-1] == short:
            return True
        resolved = project.resolve_canonical(module, value.dotted)
        if resolved is None:
            return False
        if resolved == wrapper:
            return True
        ref = project.lookup_class(resolved)
        if ref is not None and not ref.cls.bases:
            return True  # bases we cannot read (``Wrapper[...]``): stay silent
        return any(name.rsplit(".", 1)[-1] == short for name in project.ancestry(resolved))


__all__ = [
    "BareStatusCode",
    "InlineRoleCheck",
    "MissingResponseModel",
    "MissingResponseWrapper",
    "RequestSessionInBackgroundTask",
    "SecretInResponseModel",
    "SessionNotInjected",
    "SharedRequestResponseSchema",
    "StarletteHttpException",
    "TableModelAsResponse",
    "UnauthenticatedWriteRoute",
    "UnboundedBulkBody",
]
