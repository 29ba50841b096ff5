"""LL306 ``expire-on-commit``: an async session factory without ``expire_on_commit=False``."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import bool_literal, keyword_arg
from layerlint.file_context import FileContext
from layerlint.rules._common import (
    ASYNC_SESSION_MAKERS,
    ASYNC_SESSIONS,
    SESSION_MAKERS,
    is_migration_code,
)
from layerlint.rules.base import Example, FileRule, Fix, Fixability, OptionValue, RuleOption
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


def expire_on_commit_fix(node: cst.CSTNode, is_async: bool = True) -> Fix | None:
    """LL306: add ``expire_on_commit=False`` or turn an explicit ``True`` off.

    Safe only when adding it to an async factory: there an expired attribute cannot be
    reloaded anyway, so working code never relied on expiry. A sync session reloads
    expired attributes after commit (fresh values, server-side changes): turning that
    off changes behaviour, and so does overriding an explicit ``True``.
    """
    if isinstance(node, cst.Arg):
        if bool_literal(node.value) is not True:
            return None
        return Fix(((node.value, cst.Name("False")),), safe=False)
    if not isinstance(node, cst.Call):
        return None
    updated = add_keyword(node, "expire_on_commit", cst.Name("False"))
    return None if updated is None else Fix(((node, updated),), safe=is_async)


class ExpireOnCommit(FileRule):
    """An async session factory without ``expire_on_commit=False``.

    **What it does:** flags async session factories (``async_sessionmaker``, or
    ``sessionmaker(class_=AsyncSession)``, resolved to SQLAlchemy) created without
    ``expire_on_commit=False`` or with ``expire_on_commit=True``. Sync ``sessionmaker``
    factories are flagged only with the option ``sync-sessionmakers = true``: in sync
    code an expired attribute reloads itself, which is a choice (fresh data against an
    extra query), not a bug. Factories configured later with
    ``.configure(expire_on_commit=...)`` in the same file, or built from ``**kwargs``,
    are left alone, as are throwaway sessions in Alembic migrations.

    **Why is this bad?** After ``commit()`` every loaded object is expired; reading an
    attribute afterwards (building the response) must reload it, which under
    ``AsyncSession`` cannot happen implicitly and raises ``MissingGreenlet``.

    **Fix:** adds ``expire_on_commit=False`` to an async factory; for a sync factory,
    and to override an explicit ``True``, the fix is unsafe (it changes when data is
    reloaded).

    **Example:** ``async_session = async_sessionmaker(engine)``.

    **Use instead:** ``async_sessionmaker(engine, expire_on_commit=False)``.
    """

    code = "LL306"
    skips_migrations = True
    name = "expire-on-commit"
    message = "session factory without `expire_on_commit=False`; objects expire after commit"
    seed = "ai1-skills: expire_on_commit=False prevents detached instance errors after commit"
    fixable = Fixability.SAFE
    unsafe_fixes = True
    example_path = "app/core/database.py"
    options_spec = (
        RuleOption(
            "sync-sessionmakers",
            False,
            "Also flag sync `sessionmaker()` factories (their fix is unsafe).",
        ),
    )
    valid = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "engine = create_async_engine('sqlite+aiosqlite://')\n"
        "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n",
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n"
        "engine = create_engine('postgresql://localhost/app')\n"
        "SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)\n",
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
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "SessionLocal = orm.sessionmaker(\n"
        "    class_=AsyncSession,\n"
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
                    "ReportSession = sessionmaker(autoflush=False)  # error\n"
                )
            },
            options={"sync-sessionmakers": True},
            fixed={
                "app/core/database.py": (
                    "from sqlalchemy.orm import sessionmaker\n"
                    "SessionLocal = sessionmaker(autoflush=False, expire_on_commit=False)  # error\n"
                    "ReportSession = sessionmaker(autoflush=False, expire_on_commit=False)  # error\n"
                )
            },
            unsafe=True,
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._pending: list[tuple[cst.CSTNode, bool]] = []
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
        qualified = ctx.qualified_name(node.func)
        if qualified not in SESSION_MAKERS or has_star_kwargs(node):
            return
        is_async = qualified in ASYNC_SESSION_MAKERS or _async_class(node, ctx)
        if not is_async and not self.options["sync-sessionmakers"]:
            return
        arg = keyword_arg(node, "expire_on_commit")
        if arg is None:
            self._pending.append((node, is_async))
        elif isinstance(arg.value, cst.Name) and arg.value.value == "True":
            self._pending.append((arg, is_async))

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        if not self._configured:
            for pending, is_async in self._pending:
                ctx.report(pending, fix=expire_on_commit_fix(pending, is_async))
        self._pending = []


def _async_class(call: cst.Call, ctx: FileContext) -> bool:
    """``sessionmaker(class_=AsyncSession)``: the SQLAlchemy 1.4 spelling of an async factory."""
    arg = keyword_arg(call, "class_")
    return arg is not None and ctx.qualified_name(arg.value) in ASYNC_SESSIONS
