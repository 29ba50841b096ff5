"""LL206 ``starlette-http-exception``: ``HTTPException`` imported from Starlette and raised in application code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst

from layerlint.expressions import dotted_name
from layerlint.file_context import FileContext
from layerlint.rules.base import Example, FileRule, Fix, Fixability, OptionValue
from layerlint.rules.fastapi._support import SEED_BACKEND


def fastapi_import_fix(
    module: cst.Module,
    statement: cst.ImportFrom,
    alias: cst.ImportAlias,
    taken: set[int],
) -> Fix | None:
    """``from starlette.exceptions import HTTPException [as X]`` -> ``from fastapi ...``.

    A statement importing only that name is merged into an earlier ``from fastapi import``
    line when it can go without losing a comment, else re-pointed in place. From a longer
    list the name is taken out and imported from FastAPI: by the import helper when it
    keeps its name, by extending an existing ``from fastapi import`` line when it is
    renamed (the helper cannot add an alias), and not at all when there is no such line.
    ``taken`` holds the ``from fastapi import`` statements an earlier fix of this module
    already rewrites: two replacements of one node would silently drop one of them.
    """
    if isinstance(statement.names, cst.ImportStar):
        return None
    asname = alias.asname.name if alias.asname is not None else None
    if asname is not None and not isinstance(asname, cst.Name):
        return None
    line, target = _merge_target(module, statement)
    if asname is not None and target is not None and id(target) in taken:
        target = None  # the import helper merges plain names; an alias needs the node
    if len(statement.names) == 1:
        if line is not None and target is not None and not _comments(line):
            if asname is None:
                return Fix(
                    ((line, cst.RemovalSentinel.REMOVE),),
                    add_imports=(("fastapi", "HTTPException"),),
                )
            taken.add(id(target))
            return Fix(((line, cst.RemovalSentinel.REMOVE), (target, _appended(target, asname))))
        return Fix(((statement, statement.with_changes(module=cst.Name("fastapi"))),))
    remaining = _without(statement, alias)
    if remaining is None:
        return None
    if asname is None:
        return Fix(((statement, remaining),), add_imports=(("fastapi", "HTTPException"),))
    if target is None:
        return None
    taken.add(id(target))
    return Fix(((statement, remaining), (target, _appended(target, asname))))


def _merge_target(
    module: cst.Module, statement: cst.ImportFrom
) -> tuple[cst.SimpleStatementLine | None, cst.ImportFrom | None]:
    """The top-level line holding only ``statement``, and a ``from fastapi import`` above it."""
    target: cst.ImportFrom | None = None
    for line in module.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        if any(small is statement for small in line.body):
            return (line if len(line.body) == 1 else None), target
        if target is None:
            for small in line.body:
                if (
                    isinstance(small, cst.ImportFrom)
                    and not small.relative
                    and small.module is not None
                    and dotted_name(small.module) == ("fastapi",)
                    and not isinstance(small.names, cst.ImportStar)
                ):
                    target = small
    return None, None


def _without(statement: cst.ImportFrom, alias: cst.ImportAlias) -> cst.ImportFrom | None:
    """``statement`` without ``alias``; None if that would lose a comment."""
    names = list(_names(statement))
    index = next(i for i, item in enumerate(names) if item is alias)
    kept = names[:index] + names[index + 1 :]
    lpar, rpar = statement.lpar, statement.rpar
    opening = lpar.whitespace_after if lpar is not None else statement.whitespace_after_import
    closing = rpar.whitespace_before if rpar is not None else None
    if index < len(names) - 1:
        after = _comma_whitespace(alias)
        if index == 0:
            opening = _join(opening, after, last=False)
        else:
            before = kept[index - 1]
            kept[index - 1] = _with_comma_whitespace(
                before, _join(_comma_whitespace(before), after, last=False)
            )
    else:
        before = kept[-1]
        between = _comma_whitespace(before)
        if isinstance(alias.comma, cst.Comma):
            joined = _join(between, alias.comma.whitespace_after, last=True)
            kept[-1] = before.with_changes(comma=alias.comma.with_changes(whitespace_after=joined))
        else:
            kept[-1] = before.with_changes(comma=cst.MaybeSentinel.DEFAULT)
            if closing is not None:
                closing = _join(between, closing, last=True)
    if lpar is not None and rpar is not None and closing is not None:  # parenthesised
        updated = statement.with_changes(
            names=kept,
            lpar=lpar.with_changes(whitespace_after=opening),
            rpar=rpar.with_changes(whitespace_before=closing),
        )
    else:
        updated = statement.with_changes(names=kept, whitespace_after_import=opening)
    return updated if sorted(_comments(updated)) == sorted(_comments(statement)) else None


def _names(statement: cst.ImportFrom) -> Sequence[cst.ImportAlias]:
    """The names of a ``from ... import`` already known not to be a star import."""
    assert not isinstance(statement.names, cst.ImportStar)
    return statement.names


def _appended(statement: cst.ImportFrom, asname: cst.Name) -> cst.ImportFrom:
    """``statement`` importing ``HTTPException as <asname>`` too, in the statement's layout."""
    new = cst.ImportAlias(name=cst.Name("HTTPException"), asname=cst.AsName(name=asname))
    names = list(_names(statement))
    last = names[-1]
    indent = _item_indent(statement, names)
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new name gets one too
        trailing = last.comma.whitespace_after
        if isinstance(trailing, cst.ParenthesizedWhitespace):
            names[-1] = _with_comma_whitespace(last, trailing.with_changes(last_line=indent))
            new = new.with_changes(comma=cst.Comma(whitespace_after=_new_line(trailing.last_line)))
        else:
            names[-1] = _with_comma_whitespace(last, cst.SimpleWhitespace(" "))
            new = new.with_changes(comma=cst.Comma(whitespace_after=trailing))
        return statement.with_changes(names=[*names, new])
    rpar = statement.rpar
    if rpar is not None and isinstance(rpar.whitespace_before, cst.ParenthesizedWhitespace):
        # ``a  # comment`` then ``)`` on its own line: the comment stays with ``a``.
        closing = rpar.whitespace_before
        names[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=closing.with_changes(last_line=indent))
        )
        rpar = rpar.with_changes(whitespace_before=_new_line(closing.last_line))
        return statement.with_changes(names=[*names, new], rpar=rpar)
    separator: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    if len(names) > 1 and isinstance(names[-2].comma, cst.Comma):
        separator = _blank(names[-2].comma.whitespace_after)
    names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=separator))
    return statement.with_changes(names=[*names, new])


def _item_indent(
    statement: cst.ImportFrom, names: Sequence[cst.ImportAlias]
) -> cst.SimpleWhitespace:
    """The indentation of the names of a parenthesised, one-name-per-line import."""
    candidates: list[cst.BaseParenthesizableWhitespace] = []
    if statement.lpar is not None:
        candidates.append(statement.lpar.whitespace_after)
    candidates.extend(_comma_whitespace(item) for item in names[:-1])
    for whitespace in candidates:
        if isinstance(whitespace, cst.ParenthesizedWhitespace):
            return whitespace.last_line
    return cst.SimpleWhitespace("    ")


def _comma_whitespace(item: cst.ImportAlias) -> cst.BaseParenthesizableWhitespace:
    return (
        item.comma.whitespace_after
        if isinstance(item.comma, cst.Comma)
        else cst.SimpleWhitespace("")
    )


def _with_comma_whitespace(
    item: cst.ImportAlias, whitespace: cst.BaseParenthesizableWhitespace
) -> cst.ImportAlias:
    comma = item.comma if isinstance(item.comma, cst.Comma) else cst.Comma()
    return item.with_changes(comma=comma.with_changes(whitespace_after=whitespace))


def _join(
    first: cst.BaseParenthesizableWhitespace,
    second: cst.BaseParenthesizableWhitespace,
    last: bool,
) -> cst.BaseParenthesizableWhitespace:
    """One separator standing for ``first`` + a dropped name + ``second``.

    The line ``first`` ends keeps its comment; the dropped name's end-of-line comment
    moves to a line of its own (it must not become another name's comment, nor vanish).
    Otherwise the layout of what follows decides: the separator before the next name
    (``last`` False) or the one before ``)`` (``last`` True, the last name dropped).
    """
    if isinstance(first, cst.ParenthesizedWhitespace) and isinstance(
        second, cst.ParenthesizedWhitespace
    ):
        moved: list[cst.EmptyLine] = []
        if second.first_line.comment is not None:
            moved.append(
                cst.EmptyLine(whitespace=first.last_line, comment=second.first_line.comment)
            )
        return second.with_changes(
            first_line=first.first_line,
            empty_lines=[*first.empty_lines, *moved, *second.empty_lines],
        )
    for whitespace in (first, second):
        if isinstance(whitespace, cst.ParenthesizedWhitespace) and _comments(whitespace):
            return whitespace
    return second if last else first


def _new_line(indent: cst.SimpleWhitespace) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(indent=True, last_line=indent)


def _blank(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same line break (or spaces) without the comment it carries."""
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return _new_line(whitespace.last_line).with_changes(indent=whitespace.indent)
    return whitespace


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node.value)


def _comments(node: cst.CSTNode) -> list[str]:
    collector = _Comments()
    node.visit(collector)
    return collector.found


_STARLETTE_HTTP_EXCEPTION = "starlette.exceptions.HTTPException"


# Importing these (and nothing from FastAPI) makes a module a plain Starlette app.
_STARLETTE_APP_MODULES = frozenset({"applications", "routing", "endpoints"})


class StarletteHttpException(FileRule):
    """``HTTPException`` imported from Starlette and raised in application code.

    **What it does:** flags ``from starlette.exceptions import HTTPException`` (at the
    import) when the module raises or constructs that class. Importing it to register
    a handler (``@app.exception_handler(StarletteHTTPException)``, ``add_exception_handler``,
    an ``exception_handlers={...}`` mapping) is the documented FastAPI pattern: a module
    that does so is not flagged, nor is one that only catches it
    (``except StarletteHTTPException``), nor a plain Starlette app (a module that builds
    its app or routes from ``starlette.applications``/``routing``/``endpoints`` and
    imports nothing from FastAPI), where Starlette's class is the right one.

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
    seed = f"{SEED_BACKEND}: HTTPException from FastAPI and from Starlette are different classes"
    fixable = Fixability.PARTIAL
    example_path = "app/routes/users.py"
    valid = (
        "from starlette.applications import Starlette\n"
        "from starlette.exceptions import HTTPException\n"
        "from starlette.routing import Route\n"
        "async def health(request):\n"
        "    raise HTTPException(status_code=503)\n"
        "app = Starlette(routes=[Route('/health', health)])\n",
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
        "from starlette.routing import Route\n"
        "from fastapi import APIRouter\n"
        "router = APIRouter(routes=[Route('/ping', lambda request: None)])\n"
        "def check(ok: bool) -> None:\n"
        "    if not ok:\n"
        "        raise HTTPException(status_code=403)\n",
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
                    "from fastapi import HTTPException\n"
                    "from starlette.exceptions import WebSocketException  # error\n"
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
        self._uses_fastapi = False
        self._builds_starlette_app = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Per-file state starts empty."""
        self._reset()

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileContext) -> None:
        """Remember ``from starlette.exceptions import HTTPException [as X]``."""
        if node.relative or node.module is None:
            return
        self._note_framework(dotted_name(node.module))
        if isinstance(node.names, cst.ImportStar):
            return
        if dotted_name(node.module) != ("starlette", "exceptions"):
            return
        for alias in node.names:
            if isinstance(alias.name, cst.Name) and alias.name.value == "HTTPException":
                bound = alias.asname.name if alias.asname is not None else alias.name
                if isinstance(bound, cst.Name):
                    self._aliases.append((node, alias, bound.value))
                    self._bound.add(bound.value)

    def visit_Import(self, node: cst.Import, ctx: FileContext) -> None:
        """``import fastapi`` / ``import starlette.applications``: which framework this is."""
        for alias in node.names:
            self._note_framework(dotted_name(alias.name))

    def _note_framework(self, parts: tuple[str, ...] | None) -> None:
        if not parts:
            return
        if parts[0] == "fastapi":
            self._uses_fastapi = True
        elif parts[0] == "starlette" and parts[1:2] and parts[1] in _STARLETTE_APP_MODULES:
            self._builds_starlette_app = True

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
        if self._handled or (self._builds_starlette_app and not self._uses_fastapi):
            return  # a plain Starlette app: Starlette's exception is the right one
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
