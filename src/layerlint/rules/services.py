"""LL5xx: services and error handling (see RULES.md).

LL501/LL502 look at one file at a time (an ``except`` clause, a ``raise``); LL503 and
LL504 need the project: whether a first parameter is a session through a ``Depends``
alias, whether an exception class derives from ``Exception`` through other files, and
which exception handlers the application registers.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterator
from functools import cache
from http import HTTPStatus

import libcst as cst

from layerlint.diagnostics import Span
from layerlint.facts import CallFact, Dotted, ModuleFacts, Value
from layerlint.project import PYDANTIC_BASES, SESSION, ClassRef, FunctionRef, Project
from layerlint.rules.base import (
    Default,
    Example,
    FileContext,
    FileRule,
    Finding,
    ProjectRule,
    RuleOption,
)
from layerlint.walker import children, iter_nodes

_SWALLOW_LAYERS = frozenset({"routes", "services", "repositories"})
_RAISE_LAYERS = frozenset({"services", "repositories"})
_BROAD = frozenset({"Exception", "BaseException"})
_BROAD_QUALIFIED = frozenset({"builtins.Exception", "builtins.BaseException"})


def _is_broad_type(node: cst.BaseExpression, ctx: FileContext) -> bool:
    """``Exception``/``BaseException`` (the builtins, not an imported namesake)."""
    if isinstance(node, cst.Tuple):
        return any(
            isinstance(el, cst.Element) and _is_broad_type(el.value, ctx) for el in node.elements
        )
    if isinstance(node, cst.Name):
        return node.value in _BROAD and ctx.qualified_name(node) is None
    if isinstance(node, cst.Attribute):
        return ctx.qualified_name(node) in _BROAD_QUALIFIED
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


class GenericExceptionRaised(FileRule):
    """``raise Exception(...)`` in a service or repository.

    **What it does:** flags ``raise Exception(...)`` and ``raise BaseException(...)``
    (the builtins themselves, not subclasses, and not a project class that happens to
    be imported under that name) in the services and repositories layers.

    **Why is this bad?** Callers cannot catch a generic ``Exception`` without catching
    every bug as well, and no exception handler can map it to a meaningful status code:
    it reaches the client as a 500.

    **Example:** ``raise Exception("user not found")`` in ``UserService.get_user``.

    **Use instead:** raise a domain exception (``NotFoundError``, ``ConflictError``) from
    the project's exception hierarchy.
    """

    code = "LL502"
    name = "generic-exception-raised"
    message = "`raise {name}(...)`: raise a domain exception such as `NotFoundError` instead"
    seed = "ai1-skills: services raise domain exceptions (NotFoundError, ConflictError)"
    example_path = "app/services/user_service.py"
    valid = (
        "from app.exceptions import NotFoundError\n"
        "def get(user):\n"
        "    if user is None:\n"
        "        raise NotFoundError('user')\n"
        "    return user\n",
        "class ServiceError(Exception):\n"
        "    pass\n"
        "def get(user):\n"
        "    try:\n"
        "        return user.name\n"
        "    except AttributeError:\n"
        "        raise\n"
        "    raise ServiceError('x')\n",
        "from app.errors import AppError as Exception\n"
        "def get(user):\n"
        "    raise Exception('not found')\n",
        Example({"app/main.py": "def boot():\n    raise Exception('no config')\n"}),
    )
    invalid = (
        "def get(user):\n"
        "    if user is None:\n"
        "        raise Exception('user not found')  # error\n"
        "    return user\n",
        Example(
            {
                "app/repositories/user_repo.py": (
                    "import builtins\n"
                    "class UserRepository:\n"
                    "    def get(self, key):\n"
                    "        if not key:\n"
                    "            raise Exception  # error\n"
                    "        if key == 'x':\n"
                    "            raise builtins.BaseException('x')  # error\n"
                    "        return key\n"
                )
            }
        ),
    )

    def visit_Raise(self, node: cst.Raise, ctx: FileContext) -> None:
        exc = node.exc
        if exc is None or ctx.layer not in _RAISE_LAYERS:
            return
        target = exc.func if isinstance(exc, cst.Call) else exc
        if isinstance(target, cst.Name):
            if target.value not in _BROAD or ctx.qualified_name(target) is not None:
                return
            name = target.value
        elif isinstance(target, cst.Attribute) and target.attr.value in _BROAD:
            if ctx.qualified_name(target) not in _BROAD_QUALIFIED:
                return
            name = target.attr.value
        else:
            return
        ctx.report(node, self.message.format(name=name))


# -- LL503 ---------------------------------------------------------------------------------

_ENUM_BASES = frozenset(
    {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag", "enum.ReprEnum"}
)
_DATA_DECORATORS = frozenset(
    {
        "dataclasses.dataclass",
        "attr.s",
        "attr.attrs",
        "attr.define",
        "attr.frozen",
        "attr.mutable",
        "attr.dataclass",
        "attrs.define",
        "attrs.frozen",
        "attrs.mutable",
        "pydantic.dataclasses.dataclass",
    }
)
_TYPING_SHAPES = frozenset(
    {
        "typing.TypedDict",
        "typing.NamedTuple",
        "typing.Protocol",
        "typing_extensions.TypedDict",
        "typing_extensions.NamedTuple",
        "typing_extensions.Protocol",
    }
)


@cache
def _builtin_exception_names() -> frozenset[str]:
    """Names of every builtin exception class (``ValueError``, ``OSError``...)."""
    return frozenset(
        name
        for name, value in vars(builtins).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    )


def _with_builtin_mro(ancestry: frozenset[str]) -> frozenset[str]:
    """Add the builtin ancestors of builtin bases (``ValueError`` -> ``Exception``)."""
    extra: set[str] = set()
    for name in ancestry:
        if name in _builtin_exception_names():
            value = getattr(builtins, name)
            extra.update(cls.__name__ for cls in value.__mro__ if cls is not object)
    return ancestry | extra


def _exception_ancestry(project: Project, qualified: str) -> frozenset[str]:
    """Ancestry of a class with builtin exception bases expanded."""
    return _with_builtin_mro(project.ancestry(qualified))


def _is_exception_class(project: Project, ref: ClassRef) -> bool:
    ancestry = _exception_ancestry(project, ref.qualified)
    if "BaseException" in ancestry or project.is_http_exception(ref.qualified):
        return True
    return ref.cls.name.endswith(("Error", "Exception"))


def _returns_service_class(project: Project, facts: ModuleFacts, returns: Dotted | None) -> bool:
    if returns is None:
        return False
    cls = project.lookup_class(project.resolve_canonical(facts.module, returns))
    return cls is not None and project.layer_of(cls.module.module) == "services"


class ServiceStyle(ProjectRule):
    """Services written in the style this project does not use.

    **What it does:** with ``service-style = "class"`` (the default, ai1-skills seed)
    flags public module-level functions of the services layer whose first parameter is
    a SQLAlchemy session: service logic written as stateless functions. With
    ``service-style = "function"`` (backend-fastapi-python seed) flags classes defined in
    the services layer that have methods; exceptions, dataclasses, Pydantic models,
    enums, ``TypedDict``/``NamedTuple``/``Protocol`` classes are not services and are
    left alone. Route handlers and dependency providers (``Depends(...)`` targets,
    functions returning a service class) are never flagged; a keyword-only first
    parameter counts as the first parameter.

    **Why is this bad?** Both styles work, but mixing them makes the service layer hard
    to navigate: half the code injects the session once in ``__init__``, the other half
    threads ``db`` through every call.

    **Example:** ``async def create_user(db: AsyncSession, data: UserCreate)`` in a project
    whose services are ``UserService(session)`` classes.

    **Use instead:** the configured style: ``class UserService`` with the session in
    ``__init__``, or stateless functions taking ``db: AsyncSession`` first.
    """

    code = "LL503"
    name = "service-style"
    message = "service `{name}` is written as a {found}; this project writes services as {expected}"
    seed = (
        "ai1-skills: services receive AsyncSession via constructor; "
        "backend-fastapi-python: services are stateless functions, first param db"
    )
    default = Default.OPT_IN
    options_spec = (
        RuleOption(
            "service-style",
            "class",
            "how services are written: `class` (session injected in __init__) or "
            "`function` (stateless functions taking the session first)",
            choices=("class", "function"),
        ),
    )
    example_path = "app/services/user_service.py"
    valid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "class UserService:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self.session = session\n"
        "    async def get(self, user_id: int) -> None:\n"
        "        return None\n"
        "def _helper(session: AsyncSession) -> None:\n"
        "    return None\n"
        "def slugify(text: str) -> str:\n"
        "    return text.lower()\n",
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "async def get_db() -> AsyncSession:\n"
                    "    ...\n"
                ),
                "app/services/user_service.py": (
                    "from dataclasses import dataclass\n"
                    "from enum import Enum\n"
                    "from fastapi import Depends\n"
                    "from pydantic import BaseModel\n"
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "from app.core.database import get_db\n"
                    "class UserNotFound(Exception):\n"
                    "    def __str__(self) -> str:\n"
                    "        return 'not found'\n"
                    "@dataclass\n"
                    "class Page:\n"
                    "    def size(self) -> int:\n"
                    "        return 1\n"
                    "class Role(str, Enum):\n"
                    "    ADMIN = 'admin'\n"
                    "class Summary(BaseModel):\n"
                    "    def total(self) -> int:\n"
                    "        return 0\n"
                    "async def create_user(db: AsyncSession, name: str) -> None:\n"
                    "    return None\n"
                    "def get_service(db: AsyncSession = Depends(get_db)) -> None:\n"
                    "    return None\n"
                ),
            },
            options={"service-style": "function"},
        ),
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "async def get_db() -> AsyncSession:\n"
                    "    ...\n"
                ),
                "app/services/user_service.py": (
                    "from fastapi import Depends\n"
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "from app.core.database import get_db\n"
                    "class UserService:\n"
                    "    def __init__(self, db: AsyncSession) -> None:\n"
                    "        self.db = db\n"
                    "def get_user_service(db: AsyncSession = Depends(get_db)) -> UserService:\n"
                    "    return UserService(db)\n"
                ),
            }
        ),
    )
    invalid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "async def create_user(db: AsyncSession, name: str) -> None:  # error\n"
        "    db.add(name)\n"
        "def count(session: 'AsyncSession') -> int:  # error\n"
        "    return 0\n",
        Example(
            {
                "app/core/database.py": (
                    "from typing import Annotated\n"
                    "from fastapi import Depends\n"
                    "from sqlmodel import Session\n"
                    "def get_session() -> Session:\n"
                    "    ...\n"
                    "SessionDep = Annotated[Session, Depends(get_session)]\n"
                ),
                "app/services/items.py": (
                    "from app.core.database import SessionDep\n"
                    "def list_items(session: SessionDep, limit: int = 10) -> list:  # error\n"
                    "    return []\n"
                ),
            }
        ),
        Example(
            {
                "app/services/user_service.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "class UserService:  # error\n"
                    "    def __init__(self, session: AsyncSession) -> None:\n"
                    "        self.session = session\n"
                    "    async def get(self, user_id: int) -> None:\n"
                    "        return None\n"
                    "class NotFoundError(Exception):\n"
                    "    pass\n"
                ),
            },
            options={"service-style": "function"},
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        style = self.options["service-style"]
        for facts in project.modules.values():
            if project.layer_of(facts.module) != "services":
                continue
            if style == "function":
                yield from self._classes(project, facts)
            else:
                yield from self._functions(project, facts)

    def _functions(self, project: Project, facts: ModuleFacts) -> Iterator[Finding]:
        for fn in facts.functions:
            if fn.class_name is not None or "." in fn.qualname or fn.name.startswith("_"):
                continue
            if not fn.params:
                continue
            ref = FunctionRef(facts, fn)
            if project.is_exempt_http_function(ref) or project.route_decorator(facts.module, fn):
                continue
            first = fn.params[0]
            if project.type_of(ref, (first.name,)) != SESSION:
                continue
            if _returns_service_class(project, facts, fn.returns):
                continue  # a provider (``get_user_service(db) -> UserService``), not logic
            what = self.message.format(
                name=f"{fn.name}()",
                found=f"stateless function taking the session `{first.name}` first",
                expected="classes that receive the session in `__init__`",
            )
            yield Finding(facts.path, fn.span, what)

    def _classes(self, project: Project, facts: ModuleFacts) -> Iterator[Finding]:
        for cls in facts.classes:
            if not cls.methods:
                continue
            ref = ClassRef(facts, cls)
            if not self._is_service_class(project, ref):
                continue
            what = self.message.format(
                name=cls.name,
                found="class",
                expected="stateless functions taking the session (`db: AsyncSession`) first",
            )
            yield Finding(facts.path, cls.span, what)

    @staticmethod
    def _is_service_class(project: Project, ref: ClassRef) -> bool:
        if _is_exception_class(project, ref):
            return False
        ancestry = project.ancestry(ref.qualified)
        if ancestry & (PYDANTIC_BASES | _ENUM_BASES | _TYPING_SHAPES):
            return False
        if project.is_pydantic_model(ref.qualified) or project.is_orm_model(ref.qualified):
            return False
        for decorator in ref.cls.decorators:
            if not decorator.dotted:
                continue
            resolved = project.resolve_canonical(ref.module.module, decorator.dotted)
            if resolved in _DATA_DECORATORS:
                return False
        return True


# -- LL504 ---------------------------------------------------------------------------------


class _HandledExceptions:
    """Which exception classes the application maps to a response, project-wide.

    ``unknown`` is set when some registration cannot be read (``exception_handlers=``
    passed to the app constructor, a handler registered in a loop...): then nothing
    can be said about what is unhandled and LL504 stays silent.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.registered: set[str] = set()
        self.unknown = False
        self.catch_all = False
        self.caught: set[str] = set()
        self.caught_names: set[str] = set()
        self._read_registrations()
        self._read_catches()

    def _note_registered(self, module: str, dotted: Dotted) -> None:
        resolved = self.project.resolve_canonical(module, dotted)
        if resolved is not None:
            self.registered.add(resolved)
        elif len(dotted) == 1 and dotted[0] in _builtin_exception_names():
            self.registered.add(dotted[0])
        else:
            self.unknown = True

    def _read_registrations(self) -> None:
        for facts in self.project.modules.values():
            for fn in facts.functions:
                for decorator in fn.decorators:
                    if decorator.kind != "call" or decorator.dotted[-1:] != ("exception_handler",):
                        continue
                    first = decorator.elements[0] if decorator.elements else None
                    if first is None:
                        first = decorator.keyword("exc_class_or_status_code")
                    if first is None:
                        self.unknown = True
                    elif first.kind == "name":
                        self._note_registered(facts.module, first.dotted)
                    elif first.kind != "int":
                        self.unknown = True
            for call in _all_calls(facts):
                self._read_call(facts, call)
            bindings = [value for _, value in facts.assignments]
            for fn in facts.functions:
                bindings.extend(value for _, value in fn.locals)
            if any(_mentions_handlers(value) for value in bindings):
                self.unknown = True  # ``kwargs = {"exception_handlers": {...}}``

    def _read_call(self, facts: ModuleFacts, call: CallFact) -> None:
        last = call.callee[-1]
        if last == "add_exception_handler":
            first = call.args[0] if call.args else call.keyword("exc_class_or_status_code")
            if first is None:
                self.unknown = True
            elif first.kind == "name":
                self._note_registered(facts.module, first.dotted)
            elif first.kind != "int":
                self.unknown = True
        elif last == "update" and call.callee[-2:-1] == ("exception_handlers",):
            self.unknown = True
        for key, value in call.keywords:
            if (key == "exception_handlers" and value.kind != "none") or _mentions_handlers(value):
                self.unknown = True
        if any(_mentions_handlers(value) for value in call.args):
            self.unknown = True

    def _read_catches(self) -> None:
        for facts in self.project.modules.values():
            for fn in facts.functions:
                ref = FunctionRef(facts, fn)
                handled: set[Dotted] = set()
                raise_spans = [raised.span for raised in fn.raises]
                for call in fn.calls:
                    if any(_contains(span, call.span) for span in raise_spans):
                        continue  # ``raise X(...)`` inside its own ``try``: local flow
                    handled.update(call.handled_by)
                    if (
                        _is_broad_catch(call.handled_by)
                        and _is_middleware_call(call)
                        and not _has_bare_raise(ref)
                    ):
                        self.catch_all = True
                for dotted in handled:
                    if len(dotted) == 1 and dotted[0] in _builtin_exception_names():
                        if dotted[0] not in _BROAD:
                            self.caught.add(dotted[0])
                        continue
                    resolved = self.project.resolve_local_or_global(ref, dotted)
                    if resolved is not None:
                        self.caught.add(resolved)
                    else:
                        self.caught_names.add(dotted[-1])

    def covers(self, ancestry: frozenset[str]) -> bool:
        """True when a handler or a specific ``except`` somewhere maps one of ``ancestry``."""
        if self.registered & ancestry or self.caught & ancestry:
            return True
        short = {name.rsplit(".", 1)[-1] for name in ancestry}
        return bool(self.caught_names & short)


def _all_calls(facts: ModuleFacts) -> Iterator[CallFact]:
    yield from facts.calls
    for fn in facts.functions:
        yield from fn.calls


def _contains(outer: Span, inner: Span) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (
        outer.end_line,
        outer.end_column,
    ) >= (inner.end_line, inner.end_column)


def _mentions_handlers(value: Value, depth: int = 0) -> bool:
    """A dict key or keyword ``exception_handlers`` somewhere inside ``value``."""
    if depth > 4:
        return False
    for key, sub in value.keywords:
        if key == "exception_handlers" or _mentions_handlers(sub, depth + 1):
            return True
    return any(_mentions_handlers(sub, depth + 1) for sub in value.elements)


def _has_bare_raise(ref: FunctionRef) -> bool:
    """A bare ``raise``: the broad handler around the call most likely re-raises."""
    return any(raised.exception is None for raised in ref.function.raises)


def _broadly_caught_in(ref: FunctionRef, call: CallFact) -> bool:
    return _is_broad_catch(call.handled_by) and not _has_bare_raise(ref)


def _is_broad_catch(handled_by: tuple[Dotted, ...]) -> bool:
    return any(len(d) == 1 and d[0] in _BROAD for d in handled_by)


def _is_middleware_call(call: CallFact) -> bool:
    """``await call_next(request)`` or ``await self.app(scope, receive, send)``."""
    return call.callee[-1] == "call_next" or call.callee == ("self", "app")


class UnhandledDomainException(ProjectRule):
    """A domain exception raised in a service that nothing maps to a response.

    **What it does:** for each project exception class (deriving from ``Exception``, not
    ``HTTPException``) raised in the services layer, looks for an exception handler
    registered for it or a base class (``@app.exception_handler``,
    ``app.add_exception_handler``), an ``except`` clause naming it or a base anywhere in
    the project, or a broad ``except Exception`` around a call that leads to the raising
    function. When none exists, and the raising function is reachable from a route
    handler or a dependency (through calls resolved by type, or by name from a module
    that imports the service), it is reported at the ``raise``. Projects with a
    catch-all middleware or with handlers it cannot read (``FastAPI(
    exception_handlers=...)``, registration in a loop) are left alone.

    **Why is this bad?** Services raise domain exceptions so that HTTP can be decided
    in one place. An exception nobody maps reaches the client as a bare 500 and shows
    up in the logs as a crash instead of a 404 or 409.

    **Example:** ``raise NotFoundError(...)`` in ``UserService.get_user`` with no
    ``@app.exception_handler(NotFoundError)`` (or ``AppError``) and no route catching it.

    **Use instead:** register a handler for the domain exception (or its base class),
    or catch it in the route and raise ``HTTPException`` with the right status.
    """

    code = "LL504"
    name = "unhandled-domain-exception"
    message = (
        "`{name}` raised in a service is not mapped by any exception handler or caught by "
        "a route: it reaches the client as a 500"
    )
    seed = "ai1-skills: register global exception handlers for domain exceptions"
    valid = (
        Example(
            {
                "app/exceptions.py": (
                    "class AppError(Exception):\n"
                    "    pass\n"
                    "class NotFoundError(AppError):\n"
                    "    pass\n"
                ),
                "app/services/user_service.py": (
                    "from app.exceptions import NotFoundError\n"
                    "def get_user(user_id: int) -> int:\n"
                    "    raise NotFoundError(user_id)\n"
                ),
                "app/main.py": (
                    "from fastapi import FastAPI\n"
                    "from app.exceptions import AppError\n"
                    "from app.services.user_service import get_user\n"
                    "app = FastAPI()\n"
                    "@app.exception_handler(AppError)\n"
                    "async def on_app_error(request, exc):\n"
                    "    return None\n"
                    "@app.get('/users/{user_id}')\n"
                    "async def show(user_id: int) -> int:\n"
                    "    return get_user(user_id)\n"
                ),
            }
        ),
        Example(
            {
                "app/services/user_service.py": (
                    "class ConflictError(Exception):\n"
                    "    pass\n"
                    "class UserService:\n"
                    "    def create(self, name: str) -> str:\n"
                    "        raise ConflictError(name)\n"
                ),
                "app/routes/users.py": (
                    "from fastapi import APIRouter, HTTPException\n"
                    "from app.services.user_service import ConflictError, UserService\n"
                    "router = APIRouter()\n"
                    "@router.post('/')\n"
                    "async def create(name: str) -> str:\n"
                    "    try:\n"
                    "        return UserService().create(name)\n"
                    "    except ConflictError as exc:\n"
                    "        raise HTTPException(status_code=409, detail=str(exc))\n"
                ),
            }
        ),
        Example(
            {
                "app/services/user_service.py": (
                    "from fastapi import HTTPException\n"
                    "class Forbidden(HTTPException):\n"
                    "    pass\n"
                    "class NotFoundError(Exception):\n"
                    "    pass\n"
                    "def check(flag: bool) -> None:\n"
                    "    raise Forbidden(403)\n"
                    "def load(key: str) -> str:\n"
                    "    raise ValueError(key)\n"
                    "def get(key: str) -> str:\n"
                    "    raise NotFoundError(key)\n"
                ),
                "app/main.py": (
                    "from fastapi import FastAPI\n"
                    "from app.handlers import HANDLERS\n"
                    "app = FastAPI(exception_handlers=HANDLERS)\n"
                    "@app.get('/')\n"
                    "async def index() -> str:\n"
                    "    return 'ok'\n"
                ),
            }
        ),
        Example(
            {
                "app/services/user_service.py": (
                    "class NotFoundError(Exception):\n"
                    "    pass\n"
                    "def get(key: str) -> str:\n"
                    "    raise NotFoundError(key)\n"
                ),
                "app/routes/items.py": (
                    "from fastapi import APIRouter\n"
                    "from app.services.user_service import get\n"
                    "router = APIRouter()\n"
                    "@router.get('/')\n"
                    "async def index() -> str:\n"
                    "    try:\n"
                    "        return get('x')\n"
                    "    except Exception:\n"
                    "        return ''\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/exceptions.py": (
                    "class AppError(Exception):\n"
                    "    pass\n"
                    "class NotFoundError(AppError):\n"
                    "    pass\n"
                    "class ConflictError(AppError):\n"
                    "    pass\n"
                ),
                "app/services/user_service.py": (
                    "from app.exceptions import ConflictError, NotFoundError\n"
                    "class UserService:\n"
                    "    def get_user(self, user_id: int) -> int:\n"
                    "        raise NotFoundError(user_id)\n"
                    "    def create(self, name: str) -> str:\n"
                    "        raise ConflictError(name)  # error\n"
                ),
                "app/main.py": (
                    "from fastapi import FastAPI\n"
                    "from app.exceptions import NotFoundError\n"
                    "from app.services.user_service import UserService\n"
                    "app = FastAPI()\n"
                    "async def on_not_found(request, exc):\n"
                    "    return None\n"
                    "app.add_exception_handler(NotFoundError, on_not_found)\n"
                    "@app.get('/users/{user_id}')\n"
                    "async def show(user_id: int) -> int:\n"
                    "    return UserService().get_user(user_id)\n"
                    "@app.post('/users')\n"
                    "async def create(name: str) -> str:\n"
                    "    service = UserService()\n"
                    "    return service.create(name)\n"
                ),
            }
        ),
        Example(
            {
                "app/services/user_service.py": (
                    "class UserNotFound(LookupError):\n"
                    "    pass\n"
                    "async def get_user(db, user_id: int) -> None:\n"
                    "    user = await db.get(user_id)\n"
                    "    if user is None:\n"
                    "        raise UserNotFound(user_id)  # error\n"
                    "    return user\n"
                ),
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.services.user_service import get_user\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}')\n"
                    "async def show(user_id: int) -> None:\n"
                    "    return await get_user(None, user_id)\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        if not project.route_handlers:
            return
        handled = _HandledExceptions(project)
        if handled.unknown or handled.catch_all:
            return
        calls = _CallGraph(project)
        for ref in project.functions_in_layer("services"):
            for raised in ref.function.raises:
                if raised.exception is None:
                    continue
                resolved = project.resolve_local_or_global(ref, raised.exception)
                cls = project.lookup_class(resolved)
                if cls is None or project.is_http_exception(cls.qualified):
                    continue
                ancestry = _exception_ancestry(project, cls.qualified)
                if "Exception" not in ancestry:
                    continue
                if handled.covers(ancestry):
                    continue
                if _caught_locally(project, ref, raised.handled_by, ancestry):
                    continue
                reachable, caught = calls.reach(ref)
                if caught or not reachable:
                    continue
                yield Finding(ref.module.path, raised.span, self.message.format(name=cls.cls.name))


def _caught_locally(
    project: Project, ref: FunctionRef, handled_by: tuple[Dotted, ...], ancestry: frozenset[str]
) -> bool:
    """A raise inside a ``try`` of its own function that catches it does not escape."""
    short = {name.rsplit(".", 1)[-1] for name in ancestry}
    for dotted in handled_by:
        if len(dotted) == 1 and dotted[0] in _builtin_exception_names():
            if dotted[0] in ancestry:
                return True
            continue
        resolved = project.resolve_local_or_global(ref, dotted)
        if resolved in ancestry or (resolved is None and dotted[-1] in short):
            return True
    return False


class _CallGraph:
    """Backward walk from a raising function to the requests that can trigger it.

    A call counts as a call of ``target`` when its receiver type resolves to the target
    (or its class), or, when it cannot be resolved, when the names match and the caller's
    module is the target's or imports from it. Entry points are route handlers and
    ``Depends`` targets: code FastAPI runs for a request.
    """

    _MAX_HOPS = 5

    def __init__(self, project: Project) -> None:
        self.project = project
        self.entry_points = {ref.qualified for ref in project.route_handlers} | set(
            project.dependency_functions
        )
        self._memo: dict[str, tuple[bool, bool]] = {}
        self._by_name: dict[str, list[tuple[FunctionRef, CallFact]]] = {}
        self._imports: dict[str, frozenset[str]] = {}
        for facts in project.modules.values():
            for fn in facts.functions:
                caller = FunctionRef(facts, fn)
                for call in fn.calls:
                    self._by_name.setdefault(call.callee[-1], []).append((caller, call))

    def reach(self, ref: FunctionRef) -> tuple[bool, bool]:
        """(reachable from a request, caught by a broad ``except`` on some path)."""
        key = ref.qualified
        if key not in self._memo:
            self._memo[key] = self._walk(ref)
        return self._memo[key]

    def _walk(self, start: FunctionRef) -> tuple[bool, bool]:
        reachable = start.qualified in self.entry_points
        frontier = [start]
        seen = {start.qualified}
        for _ in range(self._MAX_HOPS):
            following: list[FunctionRef] = []
            for ref in frontier:
                for caller, call in self._calls_to(ref):
                    if _broadly_caught_in(caller, call):
                        return reachable, True
                    if caller.qualified in seen:
                        continue
                    seen.add(caller.qualified)
                    if self._is_entry(caller):
                        reachable = True
                    following.append(caller)
            if not following:
                break
            frontier = following
        return reachable, False

    def _is_entry(self, ref: FunctionRef) -> bool:
        if ref.qualified in self.entry_points:
            return True
        outer = ref.function.qualname.split(".<locals>.")[0]
        return f"{ref.module.module}.{outer}" in self.entry_points

    def _module_imports(self, facts: ModuleFacts) -> frozenset[str]:
        found = self._imports.get(facts.module)
        if found is None:
            found = frozenset(
                self.project.canonical(imp.target) for imp in facts.imports
            ) | frozenset(imp.module for imp in facts.imports)
            self._imports[facts.module] = found
        return found

    def _imports_module(self, caller: FunctionRef, module: str) -> bool:
        if caller.module.module == module:
            return True
        prefix = module + "."
        return any(
            name == module or name.startswith(prefix)
            for name in self._module_imports(caller.module)
        )

    def _calls_to(self, target: FunctionRef) -> Iterator[tuple[FunctionRef, CallFact]]:
        fn = target.function
        module = target.module.module
        owner = f"{module}.{fn.class_name}" if fn.class_name else None
        for caller, call in self._by_name.get(fn.name, ()):
            receiver, method = self.project.callee_type(caller, call)
            if receiver is None:
                if self._imports_module(caller, module):
                    yield caller, call
            elif (not method and receiver == target.qualified) or (
                method == fn.name
                and owner is not None
                and receiver != SESSION
                and owner in self.project.ancestry(receiver)
            ):
                yield caller, call


__all__ = [
    "GenericExceptionRaised",
    "ServiceStyle",
    "SwallowedException",
    "UnhandledDomainException",
]
