"""LL501 ``swallowed-exception``: a broad ``except`` in a route, service or repository that does not re-raise."""

from __future__ import annotations

import builtins
import re
from http import HTTPStatus

import libcst as cst

from layerlint.file_context import FileContext
from layerlint.rules.base import Example, FileRule, RuleOption
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
    routes, services and repositories layers. Not swallowing: a handler that calls a
    function or method that always raises (one defined in the module, a ``self.``
    method of the class or of a base class defined there, or a ``_raise_*`` helper),
    hands the caught exception to a handler defined elsewhere
    (``self.handle_exception(exc)`` inherited from another module), calls
    ``sys.exit()``, answers with an error status (``status_code=500``,
    ``status.HTTP_502_BAD_GATEWAY``, ``HTTPStatus.BAD_REQUEST``, a WebSocket error close
    code), or falls through to a ``raise`` with only plain statements in between (a
    fallback that only shapes the error raised next).

    A handler that logs the error (``logger.exception(...)``, ``log.error(...)``,
    ``log.warning(...)``, ``sentry_sdk.capture_exception()``) and then continues or
    returns a fallback is deliberate, visible failure isolation (one broken card must
    not break the feed) and is not flagged by default; option ``report-logged = true``
    flags it too.

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
    options_spec = (
        RuleOption(
            "report-logged",
            False,
            "Also flag handlers that log the error and then continue or return a fallback.",
        ),
    )
    valid = (
        "import logging\n"
        "from app.services.base import BaseService\n"
        "log = logging.getLogger(__name__)\n"
        "def _fail(exc: Exception) -> None:\n"
        "    if isinstance(exc, KeyError):\n"
        "        raise LookupError(str(exc)) from exc\n"
        "    else:\n"
        "        raise RuntimeError('failed') from exc\n"
        "class Handlers:\n"
        "    def handle_exception(self, exc: Exception) -> None:\n"
        "        log.error('failed: %s', exc)\n"
        "        raise exc\n"
        "class FeedService(Handlers):\n"
        "    def feed(self, sources) -> list:\n"
        "        cards = []\n"
        "        for source in sources:\n"
        "            try:\n"
        "                cards.append(source())\n"
        "            except Exception:\n"
        "                log.exception('card failed')\n"
        "        try:\n"
        "            cards.sort()\n"
        "        except Exception as ex:\n"
        "            self.handle_exception(ex)\n"
        "        try:\n"
        "            return cards\n"
        "        except Exception as ex:\n"
        "            _fail(ex)\n"
        "class Remote(BaseService):\n"
        "    def call(self, client):\n"
        "        try:\n"
        "            return client.get()\n"
        "        except Exception as ex:\n"
        "            self.handle_error(ex)\n",
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
        "class Handlers:\n"
        "    def handle_exception(self, exc: Exception) -> None:\n"
        "        logger.debug('ignored: %s', exc)\n"
        "class ProfileService(Handlers):\n"
        "    async def get_profile(self, client, user_id: int):\n"
        "        try:\n"
        "            return await client.fetch(user_id)\n"
        "        except Exception as ex:  # error\n"
        "            self.handle_exception(ex)\n"
        "        try:\n"
        "            return await client.fetch_cached(user_id)\n"
        "        except Exception:  # error\n"
        "            return None\n",
        Example(
            {
                "app/services/user_service.py": (
                    "import logging\n"
                    "logger = logging.getLogger(__name__)\n"
                    "async def get_profile(client, user_id: int):\n"
                    "    try:\n"
                    "        return await client.fetch(user_id)\n"
                    "    except Exception:  # error\n"
                    "        logger.exception('profile lookup failed')\n"
                    "        return None\n"
                )
            },
            options={"report-logged": True},
        ),
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
        self._raisers = RaisingCallables(node)
        self._classes: list[str] = []

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        self._classes.append(node.name.value)

    def leave_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        self._classes.pop()

    def _check(self, node: cst.ExceptHandler | cst.ExceptStarHandler, ctx: FileContext) -> None:
        if ctx.layer not in _SWALLOW_LAYERS:
            return
        if node.type is not None and not _is_broad_type(node.type, ctx):
            return
        if _propagates(node):
            return
        if self._calls_raiser(node):
            return
        if not self.options["report-logged"] and _logs(node):
            return
        root = getattr(ctx, "enclosing_function", None) or self._module
        if root is not None and _falls_through_to_raise(node, root):
            return
        ctx.report(node)

    def _calls_raiser(self, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
        """A call in the handler to something that always raises, or that is handed the
        caught exception and cannot be looked at here (a method inherited from a class of
        another module, an imported handler)."""
        if self._raisers is None:
            return False
        caught = _caught_name(handler)
        owner = self._classes[-1] if self._classes else None
        for call in iter_nodes(handler.body, (cst.Call,)):
            if not isinstance(call, cst.Call):
                continue
            verdict = self._raisers.always_raises(call, owner)
            if verdict is True:
                return True
            if verdict is None and caught is not None and _passes(call, caught):
                return True
        return False

    _module: cst.Module | None = None
    _raisers: RaisingCallables | None = None


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


_BUILTIN_NAMES = frozenset(dir(builtins))
_LOG_METHODS = frozenset({"exception", "error", "warning", "warn", "critical", "fatal", "log"})
_CAPTURE = frozenset({"capture_exception", "capture_message", "captureException"})


def _logs(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """``logger.exception(...)``, ``log.error(...)``, ``self.log.warning(...)``,
    ``logging.error(...)``, ``sentry_sdk.capture_exception()``: the failure is recorded."""
    for call in iter_nodes(handler.body, (cst.Call,)):
        func = call.func if isinstance(call, cst.Call) else None
        if isinstance(func, cst.Attribute):
            receiver = func.value
            name = (
                receiver.attr.value
                if isinstance(receiver, cst.Attribute)
                else (receiver.value if isinstance(receiver, cst.Name) else "")
            )
            if func.attr.value in _LOG_METHODS and "log" in name.lower():
                return True
            if func.attr.value in _CAPTURE:
                return True
        elif isinstance(func, cst.Name) and func.value in _CAPTURE:
            return True
    return False


def _caught_name(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> str | None:
    if handler.name is not None and isinstance(handler.name.name, cst.Name):
        return handler.name.name.value
    return None


def _passes(call: cst.Call, name: str) -> bool:
    """The caught exception is an argument of ``call``."""
    return any(isinstance(arg.value, cst.Name) and arg.value.value == name for arg in call.args)


class RaisingCallables:
    """Which functions and methods of one module raise on every path.

    ``always_raises(call, owner)`` answers True (it always raises), False (it is defined
    here and may return) or None (not defined here: a method inherited from another
    module's class, an imported function).
    """

    def __init__(self, module: cst.Module) -> None:
        self._functions: dict[str, cst.FunctionDef] = {}
        self._methods: dict[str, dict[str, cst.FunctionDef]] = {}
        self._bases: dict[str, list[str]] = {}
        self._memo: dict[int, bool] = {}
        for statement in module.body:
            if isinstance(statement, cst.FunctionDef):
                self._functions[statement.name.value] = statement
            elif isinstance(statement, cst.ClassDef):
                self._add_class(statement)

    def _add_class(self, node: cst.ClassDef) -> None:
        methods: dict[str, cst.FunctionDef] = {}
        if isinstance(node.body, cst.IndentedBlock):
            for item in node.body.body:
                if isinstance(item, cst.FunctionDef):
                    methods[item.name.value] = item
        self._methods[node.name.value] = methods
        self._bases[node.name.value] = [
            base.value.value for base in node.bases if isinstance(base.value, cst.Name)
        ]

    def always_raises(self, call: cst.Call, owner: str | None) -> bool | None:
        target = self._target(call.func, owner)
        if target is None:
            return None if _delegates(call.func) else False
        return self._function_raises(target, owner, depth=0)

    def _target(self, func: cst.BaseExpression, owner: str | None) -> cst.FunctionDef | None:
        if isinstance(func, cst.Name):
            return self._functions.get(func.value)
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value in ("self", "cls")
            and owner is not None
        ):
            return self._method(owner, func.attr.value, set())
        return None

    def _method(self, owner: str, name: str, seen: set[str]) -> cst.FunctionDef | None:
        if owner in seen or owner not in self._methods:
            return None
        seen.add(owner)
        found = self._methods[owner].get(name)
        if found is not None:
            return found
        for base in self._bases.get(owner, ()):
            found = self._method(base, name, seen)
            if found is not None:
                return found
        return None

    def _function_raises(self, function: cst.FunctionDef, owner: str | None, depth: int) -> bool:
        if id(function) in self._memo:
            return self._memo[id(function)]
        self._memo[id(function)] = False  # recursion: assume it returns
        result = depth < 5 and self._block_raises(function.body, owner, depth)
        self._memo[id(function)] = result
        return result

    def _block_raises(self, body: cst.BaseSuite, owner: str | None, depth: int) -> bool:
        statements: list[cst.CSTNode] = []
        if isinstance(body, cst.IndentedBlock):
            statements.extend(body.body)
        elif isinstance(body, cst.SimpleStatementSuite):
            statements.append(body)
        for statement in statements:
            if self._statement_raises(statement, owner, depth):
                return True
            if _may_leave(statement):
                return False
        return False

    def _statement_raises(self, statement: cst.CSTNode, owner: str | None, depth: int) -> bool:
        if isinstance(statement, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in statement.body:
                if isinstance(small, cst.Raise):
                    return True
                if isinstance(small, cst.Return):
                    return False
                value = small.value if isinstance(small, cst.Expr) else None
                if isinstance(value, cst.Await):
                    value = value.expression
                if isinstance(value, cst.Call):
                    target = self._target(value.func, owner)
                    if target is not None and self._function_raises(target, owner, depth + 1):
                        return True
            return False
        if isinstance(statement, cst.If):
            other = statement.orelse
            if other is None:
                return False
            branch = other if isinstance(other, cst.If) else other.body
            other_raises = (
                self._statement_raises(branch, owner, depth)
                if isinstance(branch, cst.If)
                else self._block_raises(branch, owner, depth)
            )
            return other_raises and self._block_raises(statement.body, owner, depth)
        if isinstance(statement, cst.With):
            return self._block_raises(statement.body, owner, depth)
        return False


def _may_leave(statement: cst.CSTNode) -> bool:
    """A statement with a ``return`` inside it (a path that does not raise)."""
    return any(True for _ in iter_nodes(statement, (cst.Return,)))


def _delegates(func: cst.BaseExpression) -> bool:
    """``self.handle_exception``/``cls.x``/a plain or imported name: code we cannot see
    from this module, as opposed to a method of an arbitrary object (``client.close``)."""
    if isinstance(func, cst.Name):
        return func.value not in _BUILTIN_NAMES
    return (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
    )
