"""LL702 ``environ-outside-settings``: ``os.environ``/``os.getenv()`` read outside the settings module."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.file_context import FileContext
from layerlint.rules._common import is_test_path
from layerlint.rules.base import Example, FileRule, OptionValue
from layerlint.rules.security._support import ENV_READS


class EnvironOutsideSettings(FileRule):
    """``os.environ``/``os.getenv()`` read outside the settings module.

    **What it does:** flags ``os.environ[...]`` reads, ``os.environ.get(...)`` and
    ``os.getenv(...)`` in modules that belong to a layer, except the settings module:
    a module named ``config``/``settings`` (or ``*_config``/``*_settings``, or inside a
    ``config``/``settings`` package) and any module that defines a ``BaseSettings``
    subclass. Writes (``os.environ["TZ"] = "UTC"``) are not reads. Files outside the
    layers (scripts, ``alembic/env.py``, tests) and migrations are not checked.

    **Why is this bad?** Configuration read ad hoc is untyped, unvalidated, has its
    defaults scattered over the code base and cannot be overridden in tests through
    one object.

    **Example:** ``DATABASE_URL = os.getenv("DATABASE_URL")`` in ``app/core/database.py``.

    **Use instead:** declare the value on the pydantic-settings class and use
    ``settings.database_url``.
    """

    code = "LL702"
    name = "environ-outside-settings"
    message = "`{what}` outside the settings module; declare it on the pydantic-settings class"
    seed = "ai1-skills: core/config.py pydantic-settings configuration; python-backend-patterns"
    example_path = "app/core/database.py"
    valid = (
        Example(
            {
                "app/core/config.py": (
                    "import os\n"
                    "DEBUG = os.getenv('DEBUG') == '1'\n"
                    "SECRET_KEY = os.environ['SECRET_KEY']\n"
                ),
                "app/core/env_settings.py": (
                    "import os\n"
                    "from pydantic_settings import BaseSettings\n"
                    "REGION = os.environ.get('REGION', 'eu')\n"
                    "class Settings(BaseSettings):\n"
                    "    region: str = REGION\n"
                ),
                "scripts/seed.py": "import os\nURL = os.getenv('URL')\n",
                "alembic/env.py": "import os\nURL = os.environ['DATABASE_URL']\n",
                "tests/conftest.py": "import os\nos.environ.get('X')\n",
            }
        ),
        "import os\n"
        "from app.core.config import settings\n"
        "os.environ['TZ'] = 'UTC'\n"
        "def env_for_worker() -> dict:\n"
        "    env = dict(os.environ)\n"
        "    env['PATH'] = '/bin'\n"
        "    return env\n"
        "URL = settings.database_url\n",
    )
    invalid = (
        "import os\n"
        "from os import environ, getenv\n"
        "DATABASE_URL = os.getenv('DATABASE_URL')  # error\n"
        "POOL = int(environ.get('POOL_SIZE', '5'))  # error\n"
        "def echo() -> bool:\n"
        "    if getenv('DEBUG'):  # error\n"
        "        return True\n"
        "    return os.environ['SQL_ECHO'] == '1'  # error\n",
        Example(
            {
                "app/services/mail_service.py": (
                    "import os\nclass Mailer:\n    host = os.environ.get('SMTP_HOST')  # error\n"
                )
            }
        ),
    )

    _SETTINGS_STEMS = frozenset({"config", "settings", "conf", "configuration"})

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._active = False
        self._written: set[int] = set()
        self._pending: list[tuple[cst.CSTNode, str]] = []

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._written = set()
        self._pending = []
        self._active = (
            ctx.layer is not None
            and ctx.layer != "migrations"
            and not is_test_path(ctx.path)
            and not self._is_settings_path(ctx.path)
        )

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Report at the end: only now are all the module's imports (and classes) known."""
        if self._pending and not self._defines_settings(node, ctx):
            for read, message in self._pending:
                ctx.report(read, message)
        self._pending = []

    def _is_settings_path(self, path: str) -> bool:
        parts = path.replace("\\", "/").split("/")
        stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
        if stem in self._SETTINGS_STEMS or stem.endswith(("_config", "_settings")):
            return True
        return any(part in self._SETTINGS_STEMS for part in parts[:-1])

    @staticmethod
    def _defines_settings(module: cst.Module, ctx: FileContext) -> bool:
        """A top-level class deriving from ``BaseSettings`` (or a ``*Settings`` base)."""
        for stmt in module.body:
            if not isinstance(stmt, cst.ClassDef):
                continue
            for base in stmt.bases:
                value = base.value
                last = value.attr.value if isinstance(value, cst.Attribute) else None
                if isinstance(value, cst.Name):
                    last = value.value
                if last is not None and last.endswith("Settings"):
                    return True
                if ctx.qualified_name(value) in (
                    "pydantic_settings.BaseSettings",
                    "pydantic.BaseSettings",
                ):
                    return True
        return False

    def _mark_written(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript):
            self._written.add(id(target))

    def visit_Assign(self, node: cst.Assign, ctx: FileContext) -> None:
        if self._active:
            for target in node.targets:
                self._mark_written(target.target)

    def visit_AugAssign(self, node: cst.AugAssign, ctx: FileContext) -> None:
        if self._active:
            self._mark_written(node.target)

    def visit_Del(self, node: cst.Del, ctx: FileContext) -> None:
        if self._active:
            self._mark_written(node.target)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if not self._active:
            return
        func = node.func
        if isinstance(func, cst.Attribute):
            if func.attr.value not in ("get", "getenv"):
                return
        elif not (isinstance(func, cst.Name) and func.value == "getenv"):
            return
        qualified = ctx.qualified_name(func)
        if qualified in ENV_READS:
            what = "os.getenv()" if qualified == "os.getenv" else "os.environ.get()"
            self._pending.append((node, self.message.format(what=what)))

    def visit_Subscript(self, node: cst.Subscript, ctx: FileContext) -> None:
        if not self._active or id(node) in self._written:
            return
        value = node.value
        if not (
            (isinstance(value, cst.Attribute) and value.attr.value == "environ")
            or (isinstance(value, cst.Name) and value.value == "environ")
        ):
            return
        if ctx.qualified_name(value) == "os.environ":
            self._pending.append((node, self.message.format(what="os.environ[...]")))
