"""LL703 ``cors-wildcard-with-credentials``: ``CORSMiddleware`` allowing every origin together with credentials."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import bool_literal, keyword_arg, string_value
from layerlint.file_context import FileContext
from layerlint.rules.base import FileRule, OptionValue

_CORS = frozenset(
    {"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"}
)


_MIDDLEWARE = frozenset({"starlette.middleware.Middleware", "fastapi.middleware.Middleware"})


class CorsWildcardWithCredentials(FileRule):
    """``CORSMiddleware`` allowing every origin together with credentials.

    **What it does:** flags ``app.add_middleware(CORSMiddleware, ...)``,
    ``Middleware(CORSMiddleware, ...)`` and ``CORSMiddleware(app, ...)`` (Starlette's or
    FastAPI's class) with ``allow_origins=["*"]`` (a literal, or a name assigned such a
    literal in the same file) and ``allow_credentials=True``. Reported at
    ``allow_origins``.

    **Why is this bad?** With credentials allowed, Starlette answers a wildcard with
    the caller's own origin, so any web site can make authenticated requests with the
    user's cookies and read the responses.

    **Example:** ``app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)``

    **Use instead:** list the front-end origins (``settings.cors_origins``), or keep the
    wildcard and drop ``allow_credentials``.
    """

    code = "LL703"
    name = "cors-wildcard-with-credentials"
    message = "CORS allows every origin with credentials; list the allowed origins explicitly"
    seed = "python-backend-patterns: CORS_ORIGINS - allowed origins from settings"
    example_path = "app/main.py"
    valid = (
        "from fastapi import FastAPI\n"
        "from fastapi.middleware.cors import CORSMiddleware\n"
        "from app.core.config import settings\n"
        "app = FastAPI()\n"
        "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_methods=['*'])\n"
        "app.add_middleware(\n"
        "    CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True\n"
        ")\n"
        "app.add_middleware(\n"
        "    CORSMiddleware, allow_origins=['https://app.example.com'], allow_credentials=True\n"
        ")\n",
        "from app.middleware import CORSMiddleware, add_middleware\n"
        "add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)\n",
    )
    invalid = (
        "from fastapi import FastAPI\n"
        "from fastapi.middleware.cors import CORSMiddleware\n"
        "app = FastAPI()\n"
        "app.add_middleware(\n"
        "    CORSMiddleware,\n"
        "    allow_origins=['*'],  # error\n"
        "    allow_credentials=True,\n"
        ")\n",
        "from starlette.applications import Starlette\n"
        "from starlette.middleware import Middleware\n"
        "from starlette.middleware.cors import CORSMiddleware\n"
        "ORIGINS = ('*',)\n"
        "middleware = [\n"
        "    Middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True),  # error\n"
        "]\n"
        "app = Starlette(middleware=middleware)\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._wildcards: dict[str, bool] = {}

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._wildcards = {}

    def visit_Assign(self, node: cst.Assign, ctx: FileContext) -> None:
        if not isinstance(node.value, cst.List | cst.Tuple | cst.Set | cst.SimpleString):
            return
        wildcard = self._is_wildcard(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                self._wildcards[name] = self._wildcards.get(name, True) and wildcard

    def _is_wildcard(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.SimpleString):
            return string_value(node) == "*"
        if isinstance(node, cst.List | cst.Tuple | cst.Set):
            return any(
                isinstance(el, cst.Element) and string_value(el.value) == "*"
                for el in node.elements
            )
        if isinstance(node, cst.Name):
            return self._wildcards.get(node.value, False)
        return False

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if not node.args:
            return
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if last not in ("add_middleware", "Middleware", "CORSMiddleware"):
            return
        origins = keyword_arg(node, "allow_origins")
        credentials = keyword_arg(node, "allow_credentials")
        if origins is None or credentials is None or bool_literal(credentials.value) is not True:
            return
        if not self._is_wildcard(origins.value):
            return
        if last == "CORSMiddleware":
            if ctx.qualified_name(func) not in _CORS:
                return
        else:
            first = node.args[0]
            if first.keyword is not None or ctx.qualified_name(first.value) not in _CORS:
                return
            if last == "Middleware" and ctx.qualified_name(func) not in _MIDDLEWARE:
                return
            if last == "add_middleware" and not isinstance(func, cst.Attribute):
                return
        ctx.report(origins)
