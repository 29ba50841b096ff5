"""LL313 ``missing-naming-convention``: ``MetaData()``/``DeclarativeBase`` metadata without a ``naming_convention``."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import keyword_arg
from layerlint.file_context import FileContext
from layerlint.rules._common import (
    is_migration_code,
    is_test_path,
)
from layerlint.rules.base import Default, Example, FileRule, OptionValue
from layerlint.rules.sqlalchemy._support import (
    DECLARATIVE_BASES,
    DECLARATIVE_FACTORIES,
    call_name,
    has_star_kwargs,
)

METADATA = frozenset(
    {
        "sqlalchemy.MetaData",
        "sqlalchemy.schema.MetaData",
        "sqlalchemy.sql.schema.MetaData",
        "sqlmodel.MetaData",
    }
)


class MissingNamingConvention(FileRule):
    """``MetaData()``/``DeclarativeBase`` metadata without a ``naming_convention``.

    **What it does:** flags module- and class-level ``MetaData(...)`` calls without
    ``naming_convention=``, ``declarative_base()`` without ``metadata=``, and
    ``class Base(DeclarativeBase)`` bodies that set no ``metadata``/``registry``.
    ``MetaData()`` inside functions (reflection) and in migrations or tests is not
    flagged.

    **Why is this bad?** Without a naming convention constraints and indexes get
    database-generated names, so Alembic cannot drop or alter them reliably and
    autogenerate produces different migrations on different databases.

    **Example:** ``metadata = MetaData()``.

    **Use instead:** ``MetaData(naming_convention={"ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s", "fk": ..., "pk": "pk_%(table_name)s"})``.
    """

    code = "LL313"
    name = "missing-naming-convention"
    message = "{what} without a `naming_convention`; constraint names will be unpredictable"
    seed = "ai1-skills: alembic/env.py naming_convention"
    default = Default.OPT_IN
    example_path = "app/models/base.py"
    valid = (
        "from sqlalchemy import MetaData\n"
        "from sqlalchemy.orm import DeclarativeBase\n"
        "NAMING = {'pk': 'pk_%(table_name)s'}\n"
        "class Base(DeclarativeBase):\n"
        "    metadata = MetaData(naming_convention=NAMING)\n",
        "from sqlalchemy import MetaData\n"
        "def reflect(engine):\n"
        "    meta = MetaData()\n"
        "    meta.reflect(bind=engine)\n"
        "    return meta\n",
        Example(
            {
                "alembic/versions/0001_init.py": (
                    "import sqlalchemy as sa\n"
                    "revision = '0001'\n"
                    "down_revision = None\n"
                    "meta = sa.MetaData()\n"
                    "def upgrade() -> None:\n"
                    "    pass\n"
                )
            }
        ),
    )
    invalid = (
        "from sqlalchemy import MetaData\n"
        "from sqlalchemy.orm import DeclarativeBase, declarative_base\n"
        "metadata = MetaData(schema='app')  # error\n"
        "class Base(DeclarativeBase):  # error\n"
        "    pass\n"
        "Legacy = declarative_base()  # error\n",
        "import sqlalchemy as sa\n"
        "from sqlalchemy import orm\n"
        "class Base(orm.DeclarativeBase):\n"
        "    metadata = sa.MetaData()  # error\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._skip_file = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._skip_file = is_test_path(ctx.path) or is_migration_code(ctx, node)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if self._skip_file or ctx.enclosing_function is not None:
            return
        name = call_name(node)
        if name == "MetaData":
            if ctx.qualified_name(node.func) not in METADATA:
                return
            if keyword_arg(node, "naming_convention") is None and not has_star_kwargs(node):
                ctx.report(node, self.message.format(what="`MetaData()`"))
        elif name == "declarative_base":
            if ctx.qualified_name(node.func) not in DECLARATIVE_FACTORIES:
                return
            if keyword_arg(node, "metadata") is None and not has_star_kwargs(node):
                ctx.report(node, self.message.format(what="`declarative_base()` metadata"))

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        if self._skip_file:
            return
        if not any(
            ctx.qualified_name(base.value)
            in DECLARATIVE_BASES - {"sqlalchemy.orm.MappedAsDataclass"}
            for base in node.bases
        ):
            return
        if isinstance(node.body, cst.IndentedBlock):
            for stmt in node.body.body:
                if not isinstance(stmt, cst.SimpleStatementLine):
                    continue
                for small in stmt.body:
                    targets: list[cst.BaseExpression] = []
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                    elif isinstance(small, cst.AnnAssign):
                        targets = [small.target]
                    if any(
                        isinstance(t, cst.Name) and t.value in ("metadata", "registry")
                        for t in targets
                    ):
                        return
        ctx.report(node.name, self.message.format(what=f"`{node.name.value}` metadata"))
