"""LL306 ``expire-on-commit``: ``sessionmaker``/``async_sessionmaker`` without ``expire_on_commit=False``."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import bool_literal, keyword_arg
from layerlint.file_context import FileContext
from layerlint.rules._common import (
    SESSION_MAKERS,
    is_migration_code,
)
from layerlint.rules.base import Example, FileRule, Fix, Fixability, OptionValue
from layerlint.rules.sqlalchemy._support import call_name, has_star_kwargs, indent_of, separator


def add_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call | None:
    """``call`` with ``keyword=value`` as its last argument, in the call's own layout.

    A call written one argument per line gets the new argument on a line of its own
    (comments stay on their lines, a trailing comma stays trailing); a one-line call
    gets ``, keyword=value`` before the ``)``.
    """
    new_arg = cst.Arg(
        value=value,
        keyword=cst.Name(keyword),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    args = list(call.args)
    if not args:
        if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
            return None
        return call.with_changes(args=[new_arg])
    last = args[-1]
    closing = separator(last)
    indent = indent_of(call)
    if isinstance(closing, cst.ParenthesizedWhitespace) and indent is not None:
        between: cst.BaseParenthesizableWhitespace = closing.with_changes(last_line=indent)
        after: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=[],
            indent=closing.indent,
            last_line=closing.last_line,
        )
    elif isinstance(closing, cst.ParenthesizedWhitespace):
        return None
    else:
        between, after = cst.SimpleWhitespace(" "), closing
    if isinstance(last.comma, cst.Comma):
        args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=between))
        args.append(new_arg.with_changes(comma=cst.Comma(whitespace_after=after)))
    else:
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=between),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
        args.append(new_arg.with_changes(whitespace_after_arg=after))
    return call.with_changes(args=args)


def expire_on_commit_fix(node: cst.CSTNode) -> Fix | None:
    """LL306: add ``expire_on_commit=False`` (safe) or turn an explicit ``True`` off.

    Turning off an explicit ``expire_on_commit=True`` overrides a decision in the code:
    unsafe.
    """
    if isinstance(node, cst.Arg):
        if bool_literal(node.value) is not True:
            return None
        return Fix(((node.value, cst.Name("False")),), safe=False)
    if not isinstance(node, cst.Call):
        return None
    updated = add_keyword(node, "expire_on_commit", cst.Name("False"))
    return None if updated is None else Fix(((node, updated),))


class ExpireOnCommit(FileRule):
    """``sessionmaker``/``async_sessionmaker`` without ``expire_on_commit=False``.

    **What it does:** flags session factories (resolved to SQLAlchemy) created without
    ``expire_on_commit=False`` or with ``expire_on_commit=True``. Factories configured
    later with ``.configure(expire_on_commit=...)`` in the same file, or built from
    ``**kwargs``, are left alone, as are throwaway sessions in Alembic migrations.

    **Why is this bad?** After ``commit()`` every loaded object is expired; reading an
    attribute afterwards (building the response) reloads it, which under
    ``AsyncSession`` raises ``MissingGreenlet`` and in sync code issues surprise queries
    or ``DetachedInstanceError``.

    **Example:** ``async_session = async_sessionmaker(engine)``.

    **Use instead:** ``async_sessionmaker(engine, expire_on_commit=False)``.
    """

    code = "LL306"
    name = "expire-on-commit"
    message = "session factory without `expire_on_commit=False`; objects expire after commit"
    seed = "ai1-skills: expire_on_commit=False prevents detached instance errors after commit"
    fixable = Fixability.SAFE
    example_path = "app/core/database.py"
    valid = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "engine = create_async_engine('sqlite+aiosqlite://')\n"
        "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n",
        "from sqlalchemy.orm import sessionmaker\n"
        "SessionLocal = sessionmaker()\n"
        "SessionLocal.configure(expire_on_commit=False)\n",
        "from sqlalchemy.orm import sessionmaker\n"
        "def make(**options):\n"
        "    return sessionmaker(**options)\n",
        "from app.factories import sessionmaker\nSessionLocal = sessionmaker()\n",
    )
    invalid = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "engine = create_async_engine('sqlite+aiosqlite://')\n"
        "SessionLocal = async_sessionmaker(engine)  # error\n",
        "import sqlalchemy.orm as orm\n"
        "SessionLocal = orm.sessionmaker(\n"
        "    autoflush=False,\n"
        "    expire_on_commit=True,  # error\n"
        ")\n",
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    "engine = create_async_engine('sqlite+aiosqlite://')\n"
                    "SessionLocal = async_sessionmaker(  # error\n"
                    "    engine,\n"
                    "    autoflush=False,  # flush explicitly in repositories\n"
                    ")\n"
                )
            },
            fixed={
                "app/core/database.py": (
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    "engine = create_async_engine('sqlite+aiosqlite://')\n"
                    "SessionLocal = async_sessionmaker(  # error\n"
                    "    engine,\n"
                    "    autoflush=False,  # flush explicitly in repositories\n"
                    "    expire_on_commit=False,\n"
                    ")\n"
                )
            },
        ),
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy.orm import sessionmaker\n"
                    "SessionLocal = sessionmaker(autoflush=False, expire_on_commit=True)  # error\n"
                )
            },
            fixed={
                "app/core/database.py": (
                    "from sqlalchemy.orm import sessionmaker\n"
                    "SessionLocal = sessionmaker(autoflush=False, expire_on_commit=False)  # error\n"
                )
            },
            unsafe=True,
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._pending: list[cst.CSTNode] = []
        self._configured = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._pending = []
        # A migration's throwaway session on the migration connection is not the app's.
        self._configured = is_migration_code(ctx, node)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        name = call_name(node)
        if name == "configure":
            if keyword_arg(node, "expire_on_commit") is not None or has_star_kwargs(node):
                self._configured = True
            return
        if name not in ("sessionmaker", "async_sessionmaker"):
            return
        if ctx.qualified_name(node.func) not in SESSION_MAKERS or has_star_kwargs(node):
            return
        arg = keyword_arg(node, "expire_on_commit")
        if arg is None:
            self._pending.append(node)
        elif isinstance(arg.value, cst.Name) and arg.value.value == "True":
            self._pending.append(arg)

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        if not self._configured:
            for pending in self._pending:
                ctx.report(pending, fix=expire_on_commit_fix(pending))
        self._pending = []
