"""LL704 ``hardcoded-debug``: debug output switched on by a literal."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import bool_literal
from layerlint.file_context import FileContext
from layerlint.rules._common import is_test_path
from layerlint.rules.base import Example, FileRule, OptionValue

_APPS = frozenset(
    {"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"}
)


_ENGINES = frozenset(
    {
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine",
        "sqlmodel.create_engine",
    }
)


class HardcodedDebug(FileRule):
    """Debug output switched on by a literal.

    **What it does:** flags ``FastAPI(debug=True)`` (and ``Starlette(debug=True)``) and
    ``create_engine(..., echo=True)`` / ``create_async_engine(..., echo=True)`` where the
    value is the literal ``True``. A value from settings (``echo=settings.debug``) is
    fine, and test modules are not checked. Reported at the keyword argument.

    **Why is this bad?** A literal cannot be turned off in production: ``debug=True``
    returns tracebacks (with local variables and settings) to the client, ``echo=True``
    logs every SQL statement and its parameters, personal data included.

    **Example:** ``engine = create_async_engine(url, echo=True)``

    **Use instead:** ``echo=settings.debug`` / ``FastAPI(debug=settings.debug)``.
    """

    code = "LL704"
    name = "hardcoded-debug"
    message = "`{keyword}=True` hardcoded; take it from settings (`{keyword}=settings.debug`)"
    seed = "ai1-skills: create_async_engine(settings.database_url, echo=settings.debug)"
    example_path = "app/core/database.py"
    valid = (
        "from sqlalchemy.ext.asyncio import create_async_engine\n"
        "from app.core.config import settings\n"
        "engine = create_async_engine(settings.database_url, echo=settings.debug)\n"
        "other = create_async_engine(settings.database_url, echo=False, pool_pre_ping=True)\n",
        Example(
            {
                "tests/conftest.py": (
                    "from sqlalchemy import create_engine\n"
                    "engine = create_engine('sqlite://', echo=True)\n"
                ),
                "app/main.py": (
                    "from app.factory import FastAPI\n"
                    "from app.core import db\n"
                    "app = FastAPI(debug=True)\n"
                    "engine = db.create_engine('sqlite://', echo=True)\n"
                ),
            }
        ),
    )
    invalid = (
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.ext.asyncio import create_async_engine\n"
        "engine = create_engine('sqlite:///app.db', echo=True)  # error\n"
        "async_engine = create_async_engine(\n"
        "    'postgresql+asyncpg:///app',\n"
        "    echo=True,  # error\n"
        ")\n",
        Example(
            {
                "app/main.py": (
                    "import fastapi\napp = fastapi.FastAPI(title='api', debug=True)  # error\n"
                )
            }
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._skip = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._skip = is_test_path(ctx.path)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if self._skip or not node.args:
            return
        for arg in node.args:
            if arg.keyword is None or bool_literal(arg.value) is not True:
                continue
            keyword = arg.keyword.value
            if keyword == "debug":
                expected = _APPS
            elif keyword == "echo":
                expected = _ENGINES
            else:
                continue
            if ctx.qualified_name(node.func) in expected:
                ctx.report(arg, self.message.format(keyword=keyword))
