"""LL501 ``swallowed-exception``: a broad ``except`` in a route, service or repository that does not re-raise."""

from __future__ import annotations

import re
from http import HTTPStatus

import libcst as cst

from layerlint.file_context import FileContext
from layerlint.rules.base import Example, FileRule
from layerlint.rules.services._support import BROAD, BROAD_QUALIFIED
from layerlint.syntax_tree import children, iter_nodes

_SWALLOW_LAYERS = frozenset({"routes", "services", "repositories"})


def _is_broad_type(node: cst.BaseExpression, ctx: FileContext) -> bool:
    """``Exception``/``BaseException`` (the builtins, not an imported namesake)."""
    if isinstance(node, cst.Tuple):
        return any(
            isinstance(el, cst.Element) and _is_broad_type(el.value, ctx) for el in node.elements
        )
    if isinstance(node, cst.Name):
        return node.value in BROAD and ctx.qualified_name(node) is None
    if isinstance(node, cst.Attribute):
        return ctx.qualified_name(node) in BROAD_QUALIFIED
    return False


class SwallowedException(FileRule):
    """A broad ``except`` in a route, service or repository that does not re-raise.

    **What it does:** flags ``except Exception:``, ``except BaseException:`` and bare
    ``except:`` clauses (also inside a tuple) whose body contains no ``raise``, in the
    routes, services and repositories layers. Logging is not enough: a handler that
    calls ``logger.exception(...)`` and returns a fallback still swallows the error.
    Not swallowing: a handler that calls a raising helper (``_raise_http_error(exc)``)
    or ``sys.exit()``, answers with an error status (``status_code=500``,
    ``status.HTTP_502_BAD_GATEWAY``, ``HTTPStatus.BAD_REQUEST``, a WebSocket error close
    code), or falls through to a ``raise`` with only plain statements in between
    (a fallback that only shapes the error raised next).

    **Why is this bad?** A broad handler that does not re-raise turns every failure,
    including bugs and database errors, into a silent fallback: the transaction is not
    rolled back by the session dependency, the client gets a wrong answer with a 200,
    and the exception handlers never see the error.

    **Example:** ``except Exception: logger.exception("boom"); return None`` in a service.

    **Use instead:** catch the specific exceptions you can handle, or log and ``raise``
    (a domain exception ``from`` the original).
    """

    code = "LL501"
    name = "swallowed-exception"
    message = "broad `except` swallows the error; catch specific exceptions or re-raise"
    seed = "python-backend-patterns: DON'T catch generic Exception"
    example_path = "app/services/user_service.py"
    valid = (
        "import logging\n"
        "logger = logging.getLogger(__name__)\n"
        "async def create(session, user):\n"
        "    try:\n"
        "        session.add(user)\n"
        "        await session.flush()\n"
        "    except Exception:\n"
        "        logger.exception('create failed')\n"
        "        await session.rollback()\n"
        "        raise\n",
        "from app.exceptions import ConflictError\n"
        "async def create(repo, user):\n"
        "    try:\n"
        "        return await repo.create(user)\n"
        "    except KeyError:\n"
        "        return None\n"
        "    except Exception as exc:\n"
        "        raise ConflictError(str(exc)) from exc\n",
        Example(
            {
                "app/routes/tts.py": (
                    "from fastapi import HTTPException, status\n"
                    "from fastapi.responses import JSONResponse\n"
                    "async def _raise_provider_error(exc: Exception) -> None:\n"
                    "    raise HTTPException(status_code=502, detail=str(exc))\n"
                    "async def speak(client, text: str):\n"
                    "    try:\n"
                    "        return await client.speak(text)\n"
                    "    except Exception as exc:\n"
                    "        await _raise_provider_error(exc)\n"
                    "async def parse(response):\n"
                    "    try:\n"
                    "        return response.json()\n"
                    "    except Exception:\n"
                    "        return JSONResponse(status_code=status.HTTP_502_BAD_GATEWAY, content={})\n"
                    "async def detail(response, exc: Exception):\n"
                    "    detail = 'upstream error'\n"
                    "    if response is not None:\n"
                    "        try:\n"
                    "            detail = response.json()['error']\n"
                    "        except Exception:\n"
                    "            detail = str(exc)\n"
                    "    raise HTTPException(status_code=502, detail=detail)\n"
                ),
            }
        ),
        Example(
            {
                "app/main.py": (
                    "def load():\n"
                    "    try:\n"
                    "        return open('x').read()\n"
                    "    except Exception:\n"
                    "        return ''\n"
                ),
                "app/services/user_service.py": (
                    "from app.errors import Exception\n"
                    "def f():\n"
                    "    try:\n"
                    "        return 1\n"
                    "    except Exception:\n"
                    "        return 0\n"
                ),
            }
        ),
    )
    invalid = (
        "import logging\n"
        "logger = logging.getLogger(__name__)\n"
        "async def get_profile(client, user_id: int):\n"
        "    try:\n"
        "        return await client.fetch(user_id)\n"
        "    except Exception:  # error\n"
        "        logger.exception('profile lookup failed')\n"
        "        return None\n",
        Example(
            {
                "app/repositories/user_repo.py": (
                    "class UserRepository:\n"
                    "    def delete(self, session, user) -> None:\n"
                    "        try:\n"
                    "            session.delete(user)\n"
                    "        except:  # error\n"
                    "            pass\n"
                    "        try:\n"
                    "            session.flush()\n"
                    "        except (ValueError, BaseException) as exc:  # error\n"
                    "            print(exc)\n"
                ),
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "router = APIRouter()\n"
                    "@router.get('/')\n"
                    "async def index() -> dict:\n"
                    "    try:\n"
                    "        return {'ok': compute()}\n"
                    "    except Exception as exc:  # error\n"
                    "        return {'error': str(exc)}\n"
                ),
            }
        ),
    )

    def visit_ExceptHandler(self, node: cst.ExceptHandler, ctx: FileContext) -> None:
        self._check(node, ctx)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler, ctx: FileContext) -> None:
        self._check(node, ctx)

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._module = node

    def _check(self, node: cst.ExceptHandler | cst.ExceptStarHandler, ctx: FileContext) -> None:
        if ctx.layer not in _SWALLOW_LAYERS:
            return
        if node.type is not None and not _is_broad_type(node.type, ctx):
            return
        if _propagates(node):
            return
        root = getattr(ctx, "enclosing_function", None) or self._module
        if root is not None and _falls_through_to_raise(node, root):
            return
        ctx.report(node)

    _module: cst.Module | None = None


_RAISE_HELPER = re.compile(r"^_*(re)?raise(_|$)|_raise(_|$)|^(abort|exit|_exit)$")


_ERROR_STATUS_NAME = re.compile(r"^(HTTP_[45]\d\d_|WS_10(0[1-9]|1\d)_)")


_STATUS_WORDS = ("status", "code")


def _propagates(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """The handler re-raises, calls a raising helper, exits, or answers with an error.

    ``raise`` anywhere in the body, ``_raise_http_error(exc)``, ``sys.exit(1)``, or an
    error response (``status_code=500``, ``status.HTTP_502_BAD_GATEWAY``, a WebSocket
    error close code): the failure is reported, not swallowed.
    """
    for node in iter_nodes(handler.body, (cst.Raise, cst.Call, cst.Name, cst.Arg, cst.Assign)):
        if isinstance(node, cst.Raise):
            return True
        if isinstance(node, cst.Call):
            func = node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else None
            if isinstance(func, cst.Name):
                name = func.value
            if name is not None and name != "raise_for_status" and _RAISE_HELPER.search(name):
                return True
        elif isinstance(node, cst.Name):
            if _ERROR_STATUS_NAME.match(node.value):
                return True
        elif isinstance(node, cst.Arg):
            keyword = node.keyword.value if node.keyword is not None else ""
            if keyword in ("status_code", "status", "code") and _is_error_status(node.value):
                return True
        elif isinstance(node, cst.Assign) and _is_error_status(node.value):
            for target in node.targets:
                if isinstance(target.target, cst.Name) and any(
                    word in target.target.value.lower() for word in _STATUS_WORDS
                ):
                    return True
    return False


def _is_error_status(node: cst.BaseExpression) -> bool:
    """``500``, ``HTTPStatus.BAD_REQUEST``, ``status.HTTP_404_NOT_FOUND``."""
    if isinstance(node, cst.Integer):
        try:
            value = int(node.value)
        except ValueError:
            return False
        return 400 <= value <= 599
    if isinstance(node, cst.Attribute):
        name = node.attr.value
        if _ERROR_STATUS_NAME.match(name):
            return True
        member = HTTPStatus.__members__.get(name)
        return member is not None and member.value >= 400
    return False


_BLOCKS = (cst.IndentedBlock, cst.SimpleStatementSuite, cst.Module)


_LOOPS_AND_SCOPES = (cst.For, cst.While, cst.FunctionDef, cst.ClassDef, cst.Lambda)


def _path_to(root: cst.CSTNode, target: cst.CSTNode) -> list[cst.CSTNode] | None:
    """Nodes from ``root`` down to ``target`` (both included), or None."""
    stack: list[tuple[cst.CSTNode, int]] = [(root, 0)]
    path: list[cst.CSTNode] = []
    while stack:
        node, depth = stack.pop()
        del path[depth:]
        path.append(node)
        if node is target:
            return path
        stack.extend((kid, depth + 1) for kid in reversed(children(node)))
    return None


def _falls_through_to_raise(
    handler: cst.ExceptHandler | cst.ExceptStarHandler, root: cst.CSTNode
) -> bool:
    """After the handler, control reaches a ``raise`` with only plain statements between.

    ``except Exception: detail = str(exc)`` followed by ``raise HTTPException(...,
    detail)``: the fallback only shapes the error that is raised next.
    """
    if any(True for _ in iter_nodes(handler.body, (cst.Return, cst.Break, cst.Continue))):
        return False
    path = _path_to(root, handler)
    if path is None or len(path) < 3:
        return False
    index = len(path) - 2  # the try statement
    while index >= 1:
        block = path[index - 1]
        if not isinstance(block, _BLOCKS):
            return False
        statements = list(block.body)
        position = next((i for i, stmt in enumerate(statements) if stmt is path[index]), None)
        if position is None:
            return False
        for statement in statements[position + 1 :]:
            verdict = _statement_flow(statement)
            if verdict is not None:
                return verdict
        # Fell off the end of the block: continue after the statement that owns it.
        owner = index - 2
        while owner >= 0 and not isinstance(path[owner], _BLOCKS):
            node = path[owner]
            if isinstance(node, _LOOPS_AND_SCOPES):
                return False
            if isinstance(node, cst.Try | cst.TryStar) and node.orelse is not None:
                return False
            owner -= 1
        if owner < 0:
            return False
        index = owner + 1
    return False


def _statement_flow(statement: cst.CSTNode) -> bool | None:
    """True: raises; False: leaves or branches; None: plain statement, keep going."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.Raise):
            return True
        if isinstance(small, cst.Return | cst.Break | cst.Continue):
            return False
    return None
