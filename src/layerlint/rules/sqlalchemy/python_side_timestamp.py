"""LL308 ``python-side-timestamp``: a timestamp column default computed once, at import time."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import keyword_arg
from layerlint.file_context import FileContext
from layerlint.rules._common import (
    is_migration_code,
)
from layerlint.rules.base import Example, FileRule, OptionValue, RuleOption
from layerlint.rules.sqlalchemy._support import (
    COLUMN,
    MAPPED_COLUMN,
    SEED_AI1,
    call_name,
)

SQLMODEL_FIELD = frozenset({"sqlmodel.Field", "sqlmodel.main.Field"})


_NOW_FUNCTIONS = frozenset(
    {
        "datetime.datetime.utcnow",
        "datetime.datetime.now",
        "datetime.datetime.today",
        "pendulum.now",
        "pendulum.today",
        "arrow.utcnow",
        "arrow.now",
    }
)


_NOW_NAMES = frozenset({"utcnow", "utc_now", "now_utc"})


_DEFAULT_KEYWORDS = frozenset({"default", "onupdate", "default_factory"})
_EVALUATED_ONCE = " (evaluated once, at import)"


def _now_function(node: cst.BaseExpression, ctx: FileContext) -> str | None:
    """``datetime.utcnow``-like callables (stdlib, pendulum, a project ``utcnow``)."""
    qualified = ctx.qualified_name(node)
    if qualified is not None:
        if qualified.startswith("sqlalchemy"):
            return None
        parts = qualified.split(".")
        if qualified in _NOW_FUNCTIONS or parts[-1] in _NOW_NAMES:
            return qualified
        if parts[-1] == "now" and len(parts) > 1 and "time" in parts[-2]:
            return qualified
        return None
    if isinstance(node, cst.Name) and node.value in _NOW_NAMES:
        return node.value
    return None


def _python_timestamp(node: cst.BaseExpression, ctx: FileContext) -> str | None:
    """What makes a ``default=`` value a Python-side timestamp, or None."""
    if isinstance(node, cst.Name | cst.Attribute):
        return _now_function(node, ctx)
    if isinstance(node, cst.Lambda):
        body = node.body
        while (
            isinstance(body, cst.Call)
            and isinstance(body.func, cst.Attribute)
            and isinstance(body.func.value, cst.Call)
        ):
            body = body.func.value
        if isinstance(body, cst.Call):
            found = _now_function(body.func, ctx)
            return f"lambda: {found}()" if found else None
        return None
    if isinstance(node, cst.Call):
        if ctx.qualified_name(node.func) == "functools.partial" and node.args:
            found = _now_function(node.args[0].value, ctx)
            return f"partial({found})" if found else None
        inner: cst.BaseExpression = node
        while (
            isinstance(inner, cst.Call)
            and isinstance(inner.func, cst.Attribute)
            and isinstance(inner.func.value, cst.Call)
        ):
            inner = inner.func.value
        if isinstance(inner, cst.Call):
            found = _now_function(inner.func, ctx)
            return f"{found}(){_EVALUATED_ONCE}" if found else None
    return None


class PythonSideTimestamp(FileRule):
    """A timestamp column default computed once, at import time (or in Python, opt-in).

    **What it does:** flags ``default=``/``onupdate=`` (and ``default_factory=``) of
    ``Column()``/``mapped_column()``, and ``default_factory=`` of a SQLModel ``Field()``
    in a ``table=True`` model, when the value is a call of ``datetime.utcnow``/
    ``datetime.now`` (or ``pendulum.now``, a project's ``utcnow`` helper) evaluated once
    at import time: every row gets the moment the process started. With the option
    ``callable-defaults = true`` it also flags the working but Python-side forms: the
    function itself, or a lambda or ``partial`` calling it. A Python default next to its
    server-side counterpart (``server_default=``/``server_onupdate=``) is a deliberate
    complement and is not flagged, unless it is a call evaluated once at import
    (``default=datetime.now(UTC)``): that value wins over the server default on every ORM
    insert, so every row gets the same stale timestamp. Columns in Alembic migrations are
    not flagged.

    **Why is this bad?** A call evaluated at import stamps every row with the same,
    stale time. A callable default is correct but takes the time from each application
    server's clock and only for rows written through the ORM: raw SQL, bulk updates and
    other services get no value, and ``utcnow()`` produces naive datetimes (a
    preference, hence opt-in).

    **Example:** ``created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)``.

    **Use instead:** ``mapped_column(server_default=func.now())`` (and
    ``onupdate=func.now()`` / ``server_onupdate`` for ``updated_at``).
    """

    code = "LL308"
    skips_migrations = True
    name = "python-side-timestamp"
    message = "`{keyword}={value}` computes the timestamp in Python{note}; use `{fix}`"
    seed = SEED_AI1 + ": server_default for database-generated defaults"
    example_path = "app/models/user.py"
    options_spec = (
        RuleOption(
            "callable-defaults",
            False,
            "Also flag callable Python-side defaults (`default=datetime.utcnow`, lambdas).",
        ),
    )
    valid = (
        "from datetime import datetime\n"
        "from sqlalchemy import DateTime, func\n"
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "class Stamped:\n"
        "    created_at: Mapped[datetime] = mapped_column(server_default=func.now())\n"
        "    updated_at: Mapped[datetime] = mapped_column(\n"
        "        server_default=func.now(), onupdate=func.now()\n"
        "    )\n",
        "from datetime import datetime\n"
        "from pydantic import BaseModel, Field\n"
        "from sqlmodel import Field as SQLField, SQLModel\n"
        "class EventIn(BaseModel):\n"
        "    at: datetime = Field(default_factory=datetime.utcnow)\n"
        "class HeroCreate(SQLModel):\n"
        "    at: datetime = SQLField(default_factory=datetime.utcnow)\n",
        "from app.columns import Column\n"
        "from datetime import datetime\n"
        "class Log:\n"
        "    at = Column(default=datetime.utcnow)\n",
    )
    invalid = (
        "import datetime as dt\n"
        "from sqlalchemy import Column, DateTime\n"
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "class User:\n"
        "    created_at = Column(DateTime, default=dt.datetime.now(dt.UTC))  # error\n"
        "    updated_at: Mapped[dt.datetime] = mapped_column(\n"
        "        default=dt.datetime.utcnow,\n"
        "        onupdate=dt.datetime.utcnow(),  # error\n"
        "    )\n",
        Example(
            {
                "app/models/user.py": (
                    "import datetime as dt\n"
                    "from sqlalchemy import Column, DateTime\n"
                    "from sqlalchemy.orm import Mapped, mapped_column\n"
                    "class User:\n"
                    "    created_at = Column(DateTime, default=dt.datetime.utcnow)  # error\n"
                    "    updated_at: Mapped[dt.datetime] = mapped_column(\n"
                    "        default=lambda: dt.datetime.now(dt.timezone.utc),  # error\n"
                    "        onupdate=dt.datetime.utcnow,  # error\n"
                    "    )\n"
                )
            },
            options={"callable-defaults": True},
        ),
        Example(
            {
                "app/models/hero.py": (
                    "from datetime import datetime\n"
                    "from sqlmodel import Field, SQLModel\n"
                    "class Hero(SQLModel, table=True):\n"
                    "    id: int | None = Field(default=None, primary_key=True)\n"
                    "    created_at: datetime = Field(default_factory=datetime.utcnow)  # error\n"
                )
            },
            options={"callable-defaults": True},
        ),
        "from datetime import UTC, datetime\n"
        "from sqlalchemy import DateTime, text\n"
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "class Token:\n"
        "    created_at: Mapped[datetime] = mapped_column(\n"
        "        DateTime,\n"
        "        default=datetime.now(UTC),  # error\n"
        "        server_default=text('now()'),\n"
        "    )\n"
        "    seen_at: Mapped[datetime] = mapped_column(\n"
        "        default=datetime.now, server_default=text('now()')\n"
        "    )\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._skip_file = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        # In a migration ``default=`` is never emitted as DDL; the model is what to fix.
        self._skip_file = is_migration_code(ctx, node)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if self._skip_file:
            return
        keywords = [
            arg
            for arg in node.args
            if arg.keyword is not None and arg.keyword.value in _DEFAULT_KEYWORDS
        ]
        if not keywords:
            return
        name = call_name(node)
        if name in ("Column", "mapped_column"):
            qualified = ctx.qualified_name(node.func)
            if qualified not in COLUMN and qualified not in MAPPED_COLUMN:
                return
        elif name == "Field":
            if ctx.qualified_name(node.func) not in SQLMODEL_FIELD or not _is_table_class(
                ctx.enclosing_class
            ):
                return
            keywords = [
                arg
                for arg in keywords
                if arg.keyword is not None and arg.keyword.value == "default_factory"
            ]
        else:
            return
        for arg in keywords:
            if arg.keyword is None:
                continue
            # A server-side counterpart covers raw SQL; the Python one only saves a refetch.
            # A value computed once at import is wrong with or without one: it wins over
            # the server default on every ORM insert, with the same stale timestamp.
            counterpart = "server_onupdate" if arg.keyword.value == "onupdate" else "server_default"
            found = _python_timestamp(arg.value, ctx)
            if found is None:
                continue
            once = found.endswith(_EVALUATED_ONCE)
            has_counterpart = keyword_arg(node, counterpart) is not None
            if has_counterpart and not once:
                continue
            if not once and not self.options["callable-defaults"]:
                continue  # a Python-side callable default works; preferring SQL is taste
            written = cst.Module(body=[]).code_for_node(arg.value)
            if len(written) > 40:
                written = written[:37] + "..."
            keyword = arg.keyword.value
            if has_counterpart:
                ctx.report(arg, _stale_message(keyword, written, counterpart))
                continue
            note = " once, at import time" if once else ""
            fix = "onupdate=func.now()" if keyword == "onupdate" else "server_default=func.now()"
            ctx.report(arg, self.message.format(keyword=keyword, value=written, note=note, fix=fix))


def _stale_message(keyword: str, written: str, counterpart: str) -> str:
    return (
        f"`{keyword}={written}` computes the timestamp once, at import time, and overrides "
        f"`{counterpart}=` on ORM writes; remove it and keep `{counterpart}=`"
    )


def _is_table_class(node: cst.ClassDef | None) -> bool:
    if node is None:
        return False
    for kw in node.keywords:
        if kw.keyword is not None and kw.keyword.value == "table":
            return isinstance(kw.value, cst.Name) and kw.value.value == "True"
    return False
