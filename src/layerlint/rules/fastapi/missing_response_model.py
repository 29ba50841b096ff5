"""LL202 ``missing-response-model``: a route with neither ``response_model=`` nor a return annotation."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import dotted_name, keyword_arg, literal_int
from layerlint.file_context import FileContext
from layerlint.rules.base import OptionValue
from layerlint.rules.fastapi._support import (
    NON_JSON_VERBS,
    SEED_AI1,
    FastApiModuleRule,
    is_response_class,
    is_route_decorator,
)


class MissingResponseModel(FastApiModuleRule):
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
    seed = f"{SEED_AI1}: use response_model for automatic response serialization and OpenAPI docs"
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

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        """An unannotated route whose decorator declares no response type either."""
        if node.returns is not None or not node.decorators:
            return
        for decorator in node.decorators:
            call = decorator.decorator
            if not (is_route_decorator(call) and isinstance(call, cst.Call)):
                continue
            assert isinstance(call.func, cst.Attribute)
            if call.func.attr.value in NON_JSON_VERBS:
                return
            if any(
                keyword_arg(call, keyword) is not None
                for keyword in ("response_model", "response_class")
            ):
                return
            hidden = keyword_arg(call, "include_in_schema")
            if (
                hidden is not None
                and isinstance(hidden.value, cst.Name)
                and hidden.value.value == "False"
            ):
                return
            status_arg = keyword_arg(call, "status_code")
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
