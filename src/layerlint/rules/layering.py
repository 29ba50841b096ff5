"""LL1xx: layering rules over the import graph and the call graph."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.diagnostics import Span
from layerlint.facts import CallFact, ImportFact
from layerlint.graph import import_cycles
from layerlint.project import SESSION, FunctionRef, Project, is_session_class
from layerlint.rules.base import Example, Finding, ProjectRule

_ROUTE_LAYERS = ("routes",)
_HTTP_MODULE_ALLOWED = frozenset(
    {"fastapi.encoders", "fastapi.concurrency", "starlette.concurrency", "starlette.datastructures"}
)
_QUERY_METHODS = frozenset(
    {"execute", "scalars", "scalar", "query", "exec", "stream", "stream_scalars", "exec_driver_sql"}
)
_UNIT_OF_WORK_METHODS = frozenset(
    {"add", "add_all", "delete", "flush", "commit", "get", "merge", "refresh"}
)
_QUERY_BUILDERS = frozenset(
    {
        "sqlalchemy.select",
        "sqlalchemy.sql.select",
        "sqlalchemy.future.select",
        "sqlmodel.select",
        "sqlalchemy.insert",
        "sqlalchemy.update",
        "sqlalchemy.delete",
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
    }
)

_SEED_APP = {
    "app/__init__.py": "",
    "app/models/__init__.py": "",
    "app/models/user.py": "class User:\n    pass\n",
    "app/repositories/__init__.py": "",
    "app/repositories/user_repo.py": (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "\n"
        "class UserRepository:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self._session = session\n"
        "\n"
        "    async def get_by_id(self, user_id: int) -> None:\n"
        "        return None\n"
    ),
}


def _path(key: str) -> str:
    """``app__routes__users`` -> ``app/routes/users.py`` (``____init__`` -> ``/__init__``)."""
    if key.endswith("____init__"):
        return key[: -len("____init__")].replace("__", "/") + "/__init__.py"
    return key.replace("__", "/") + ".py"


def _app(**files: str) -> Example:
    project = dict(_SEED_APP)
    project.update({_path(key): source for key, source in files.items()})
    return Example(project)


def _is_session(project: Project, ref: FunctionRef, receiver: tuple[str, ...]) -> bool:
    if receiver and receiver[0] == "?":
        return False
    return project.type_of(ref, receiver) == SESSION


class ForbiddenLayerImport(ProjectRule):
    """A module imports from a layer its own layer may not depend on.

    **What it does:** checks every import against the layer contract (routes → services
    → repositories → models, see ``layerlint graph``), following re-exports through
    package ``__init__`` modules. ``TYPE_CHECKING``-only imports are not checked.

    **Why is this bad?** Each layer exists so that its neighbours can change without it.
    A repository that imports a service, or a model that imports a route, ties layers
    together in the wrong direction and ends in import cycles and untestable code.

    **Example:** in ``app/repositories/user_repo.py``: ``from app.services import user_service``

    **Use instead:** move the shared code down to the lower layer (``core``, ``models``),
    or pass the value in as an argument.
    """

    code = "LL101"
    name = "forbidden-layer-import"
    message = "{importer} layer may not import from the {imported} layer"
    seed = "ai1-skills (layers), fastapi-production (layer responsibilities)"
    valid = (
        _app(app__services__user_service="from app.repositories.user_repo import UserRepository\n"),
        _app(
            app__routes__users="from app.models.user import User\n\ndef show(user: User) -> User:\n    return user\n"
        ),
        _app(
            app__repositories__cache=(
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from app.services.user_service import UserService\n"
            ),
            app__services__user_service="X = 1\n",
        ),
    )
    invalid = (
        _app(
            app__services__user_service="X = 1\n",
            app__repositories__audit="from app.services.user_service import X  # error\n",
        ),
        _app(
            app__routes__users="from app.repositories.user_repo import UserRepository  # error\n",
        ),
        _app(
            app__services__user_service="X = 1\n",
            app__models__mixins="from app.services import user_service  # error\n",
        ),
        _app(
            app__services____init__="from app.repositories.user_repo import UserRepository\n",
            app__routes__users="from app.services import UserRepository  # error\n",
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            importer = project.layer_of(facts.module)
            if importer is None:
                continue
            for imp in facts.imports:
                if imp.type_only:
                    continue
                finding = self._check_import(project, facts.path, importer, imp)
                if finding is not None:
                    yield finding

    def _check_import(
        self, project: Project, path: str, importer: str, imp: ImportFact
    ) -> Finding | None:
        direct = project.split_target(imp.target)
        canonical_module = project.module_of_target(imp.target)
        if canonical_module is None:
            return None
        imported = project.layer_of(canonical_module)
        if project.contract.permits(importer, imported):
            return None
        message = self.message.format(importer=importer, imported=imported)
        message = f"{message}: `{imp.target}`"
        if direct is not None and direct[0] != canonical_module:
            message += f" (defined in {canonical_module}, re-exported by {direct[0]})"
        return Finding(path, imp.span, message)


class RouteCallsRepository(ProjectRule):
    """A route handler (or a routes-layer helper) uses a repository directly.

    **What it does:** follows the calls made by route handlers and the routes-layer
    helpers they call: a repository constructed or called, directly, through a helper,
    through a ``Depends(factory)`` parameter (the factory's return annotation) or
    through ``self.repo``. Reported at the call in the routes layer.

    **Why is this bad?** Routes handle HTTP; business rules live in services. A route
    that talks to a repository skips the service layer and its rules.

    **Example:** ``repo = UserRepository(session)`` inside ``@router.get(...)``.

    **Use instead:** call a service method (``await service.get_user(user_id)``).
    """

    code = "LL102"
    name = "route-calls-repository"
    message = "route calls repository {target} directly; go through a service"
    seed = "ai1-skills: routes call services, never repositories directly"
    valid = (
        _app(
            app__services__user_service=(
                "from app.repositories.user_repo import UserRepository\n"
                "class UserService:\n"
                "    def __init__(self, session) -> None:\n"
                "        self.repo = UserRepository(session)\n"
                "    async def get(self, user_id: int) -> None:\n"
                "        return await self.repo.get_by_id(user_id)\n"
            ),
            app__routes__users=(
                "from fastapi import APIRouter\n"
                "from app.services.user_service import UserService\n"
                "router = APIRouter()\n"
                "@router.get('/{user_id}')\n"
                "async def get_user(user_id: int, session) -> None:\n"
                "    return await UserService(session).get(user_id)\n"
            ),
        ),
    )
    invalid = (
        _app(
            app__routes__users=(
                "from fastapi import APIRouter\n"
                "from app.repositories.user_repo import UserRepository  # error: LL101\n"
                "router = APIRouter()\n"
                "@router.get('/{user_id}')\n"
                "async def get_user(user_id: int, session) -> None:\n"
                "    repo = UserRepository(session)  # error\n"
                "    return await repo.get_by_id(user_id)  # error\n"
            ),
        ),
        _app(
            app__dependencies__repos=(
                "from app.repositories.user_repo import UserRepository\n"
                "def get_repo(session) -> UserRepository:\n"
                "    return UserRepository(session)\n"
            ),
            app__routes__users=(
                "from fastapi import APIRouter, Depends\n"
                "from app.dependencies.repos import get_repo\n"
                "router = APIRouter()\n"
                "def load(session, user_id: int):\n"
                "    repo = get_repo(session)\n"
                "    return repo.get_by_id(user_id)  # error\n"
                "@router.get('/{user_id}')\n"
                "async def get_user(user_id: int, repo=Depends(get_repo), session=None) -> None:\n"
                "    await repo.get_by_id(user_id)  # error\n"
                "    load(session, user_id)\n"
                "    return helper(user_id, repo)\n"
                "def helper(user_id: int, repo) -> None:\n"
                "    return None\n"
            ),
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in project.route_code:
            if project.layer_of(ref.module.module) != "routes":
                continue
            for call in ref.function.calls:
                target = self._repository_target(project, ref, call, 0)
                if target is not None:
                    yield Finding(ref.module.path, call.span, self.message.format(target=target))

    def _repository_target(
        self, project: Project, ref: FunctionRef, call: CallFact, depth: int
    ) -> str | None:
        owner, method = project.callee_type(ref, call)
        if owner is None or owner == SESSION:
            return None
        if project.is_repository_class(owner):
            short = owner.rsplit(".", 1)[-1]
            return f"`{short}.{method}()`" if method else f"`{short}`"
        if method:
            return None
        function = project.lookup_function(owner)
        if function is None:
            return None
        layer = project.layer_of(function.module.module)
        if layer == "repositories":
            return f"`{function.function.qualname}()` from {function.module.module}"
        if layer is None and depth < 3:
            for inner in function.function.calls:
                found = self._repository_target(project, function, inner, depth + 1)
                if found is not None:
                    return f"{found} (through `{function.function.qualname}()`)"
        return None


class DatabaseAccessInRoute(ProjectRule):
    """A route handler runs queries or unit-of-work calls itself.

    **What it does:** flags, in functions of the routes layer, calls on a SQLAlchemy
    session (``execute``, ``scalars``, ``get``, ``add``, ``delete``, ``flush``,
    ``commit``, ``query``...) and query builders (``select()``, ``insert()``, ``text()``).
    A session is recognised by its type: a ``Session``/``AsyncSession`` annotation, a
    ``Depends`` factory returning one, or a ``sessionmaker`` call.

    **Why is this bad?** Queries in routes bypass the repository (and its tests), spread
    SQL over the HTTP layer and make transactions hard to reason about.

    **Example:** ``result = await session.execute(select(User))`` in a route.

    **Use instead:** move the query into a repository method and call it from a service.
    """

    code = "LL103"
    name = "database-access-in-route"
    message = "route runs `{call}` itself; move database access to a repository"
    seed = "ai1-skills: repositories encapsulate all database access"
    valid = (
        _app(
            app__routes__users=(
                "from fastapi import APIRouter, Depends\n"
                "import httpx\n"
                "router = APIRouter()\n"
                "@router.get('/')\n"
                "async def proxy(client: httpx.AsyncClient) -> dict:\n"
                "    response = await client.get('/x')\n"
                "    return response.json()\n"
            ),
        ),
    )
    invalid = (
        _app(
            app__core__database=(
                "from collections.abc import AsyncGenerator\n"
                "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
                "factory = async_sessionmaker()\n"
                "async def get_db() -> AsyncGenerator[AsyncSession, None]:\n"
                "    async with factory() as session:\n"
                "        yield session\n"
            ),
            app__routes__users=(
                "from fastapi import APIRouter, Depends\n"
                "from sqlalchemy import select\n"
                "from app.core.database import get_db\n"
                "from app.models.user import User\n"
                "router = APIRouter()\n"
                "@router.get('/')\n"
                "async def list_users(db=Depends(get_db)) -> list:\n"
                "    result = await db.execute(select(User))  # error\n"
                "    return list(result.scalars())\n"
                "@router.post('/')\n"
                "async def create(db: 'AsyncSession') -> None:\n"
                "    pass\n"
            ),
        ),
        _app(
            app__routes__users=(
                "from fastapi import APIRouter\n"
                "from sqlalchemy.orm import Session\n"
                "router = APIRouter()\n"
                "@router.post('/')\n"
                "def create(session: Session) -> None:\n"
                "    session.add(object())  # error\n"
                "    session.commit()  # error\n"
            ),
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in project.route_code:
            if project.layer_of(ref.module.module) != "routes":
                continue
            reported: set[tuple[int, int]] = set()
            for call in ref.function.calls:
                described = self._database_call(project, ref, call)
                if described is None:
                    continue
                key = (call.span.line, call.span.column)
                if key in reported:
                    continue
                reported.add(key)
                yield Finding(ref.module.path, call.span, self.message.format(call=described))

    @staticmethod
    def _database_call(project: Project, ref: FunctionRef, call: CallFact) -> str | None:
        callee = call.callee
        if len(callee) >= 2 and callee[-1] in _QUERY_METHODS | _UNIT_OF_WORK_METHODS:
            if _is_session(project, ref, callee[:-1]):
                return ".".join(callee) + "()"
            return None
        if len(callee) >= 1:
            resolved = project.resolve_local_or_global(ref, callee)
            if resolved in _QUERY_BUILDERS and not _nested_in_session_call(ref, call, project):
                return ".".join(callee) + "()"
        return None


def _nested_in_session_call(ref: FunctionRef, call: CallFact, project: Project) -> bool:
    """``session.execute(select(...))`` is reported once, at the session call."""
    for other in ref.function.calls:
        if other is call or not _contains(other.span, call.span):
            continue
        if (
            len(other.callee) >= 2
            and other.callee[-1] in _QUERY_METHODS
            and _is_session(project, ref, other.callee[:-1])
        ):
            return True
    return False


class _HttpExceptionInLayer(ProjectRule):
    """Shared logic of LL104/LL105: HTTPException raised or built in a lower layer."""

    layer = ""

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in project.functions_in_layer(self.layer):
            if project.is_exempt_http_function(ref):
                continue
            raise_spans = []
            for raised in ref.function.raises:
                if raised.exception is None:
                    continue
                resolved = project.resolve_local_or_global(ref, raised.exception)
                if project.is_http_exception(resolved):
                    raise_spans.append(raised.span)
                    yield Finding(ref.module.path, raised.span, self.message)
            for call in ref.function.calls:
                resolved = project.resolve_local_or_global(ref, call.callee)
                if not project.is_http_exception(resolved):
                    continue
                if any(_contains(span, call.span) for span in raise_spans):
                    continue
                yield Finding(ref.module.path, call.span, self.message)


def _contains(outer: Span, inner: Span) -> bool:
    """Whether ``inner`` lies within ``outer``."""
    return (outer.line, outer.column) <= (inner.line, inner.column) and (
        outer.end_line,
        outer.end_column,
    ) >= (inner.end_line, inner.end_column)


class HttpExceptionInService(_HttpExceptionInLayer):
    """``HTTPException`` raised or constructed in the service layer.

    **What it does:** flags ``HTTPException`` (FastAPI's or Starlette's, or a subclass)
    raised or built inside a service function. Functions used as dependencies
    (``Depends(...)``) and registered exception handlers are exempt.

    **Why is this bad?** Services hold business logic and must not know about HTTP; a
    service that raises ``HTTPException`` cannot be reused from a CLI, a worker or a test
    without faking HTTP.

    **Example:** ``raise HTTPException(status_code=404)`` in ``UserService.get_user``.

    **Use instead:** raise a domain exception (``NotFoundError``) and map it to a status
    code in an exception handler or in the route.
    """

    code = "LL104"
    name = "http-exception-in-service"
    message = "HTTPException in the service layer; raise a domain exception and map it to HTTP in a handler"
    seed = "ai1-skills: services raise domain exceptions, NEVER HTTPException"
    layer = "services"
    example_path = "app/services/user_service.py"
    valid = (
        "class NotFoundError(Exception):\n    pass\n\ndef get(user):\n    if user is None:\n        raise NotFoundError('user')\n",
        Example(
            {
                "app/services/auth_service.py": (
                    "from fastapi import Depends, HTTPException\n"
                    "def require_user(token: str = Depends(lambda: '')) -> str:\n"
                    "    if not token:\n"
                    "        raise HTTPException(status_code=401)\n"
                    "    return token\n"
                ),
                "app/routes/users.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.services.auth_service import require_user\n"
                    "router = APIRouter()\n"
                    "@router.get('/')\n"
                    "def me(user: str = Depends(require_user)) -> str:\n"
                    "    return user\n"
                ),
            }
        ),
    )
    invalid = (
        "from fastapi import HTTPException  # error: LL106\n\n"
        "class UserService:\n"
        "    def get(self, user):\n"
        "        if user is None:\n"
        "            raise HTTPException(status_code=404, detail='not found')  # error\n"
        "        return user\n",
        "from starlette.exceptions import HTTPException as StarletteHTTPException  # error: LL106\n\n"
        "def check(value: int) -> None:\n"
        "    error = StarletteHTTPException(400)  # error\n"
        "    if value < 0:\n"
        "        raise error\n",
    )


class HttpExceptionInRepository(_HttpExceptionInLayer):
    """``HTTPException`` raised or constructed in the repository layer.

    **What it does:** flags ``HTTPException`` raised or built in a repository.

    **Why is this bad?** Repositories return model instances or ``None``; deciding
    that a missing row is a 404 is a business decision that belongs to the service and
    an HTTP decision that belongs to the route.

    **Example:** ``raise HTTPException(404)`` in ``UserRepository.get_by_id``.

    **Use instead:** return ``None`` (or raise a domain exception) and let the service
    decide.
    """

    code = "LL105"
    name = "http-exception-in-repository"
    message = "HTTPException in the repository layer; return None or raise a domain exception"
    seed = "ai1-skills: never raise HTTPException from repositories"
    layer = "repositories"
    example_path = "app/repositories/user_repo.py"
    valid = (
        "class UserRepository:\n    async def get(self, user_id: int) -> None:\n        return None\n",
        "from app.exceptions import NotFoundError\n\ndef get(x):\n    raise NotFoundError(x)\n",
    )
    invalid = (
        "import fastapi  # error: LL106\n\n"
        "class UserRepository:\n"
        "    def get(self, user_id: int):\n"
        "        raise fastapi.HTTPException(404)  # error\n",
        "from fastapi import HTTPException, status  # error: LL106\n\n"
        "def get(user_id: int):\n"
        "    raise HTTPException(status.HTTP_404_NOT_FOUND)  # error\n",
    )


class HttpInLowerLayer(ProjectRule):
    """A service, repository or model module imports HTTP machinery or returns a response.

    **What it does:** flags imports from ``fastapi``/``starlette`` (``Request``,
    ``Response``, ``JSONResponse``, ``status``, ``Depends``, ``BackgroundTasks``,
    ``HTTPException``...) in the services, repositories and models layers, and
    ``return JSONResponse(...)``-style returns there. ``fastapi.encoders`` and
    ``fastapi.concurrency`` helpers are allowed.

    **Why is this bad?** Lower layers must work without a web request: from a worker, a
    CLI or a test. HTTP types in their signatures tie them to FastAPI.

    **Example:** ``from fastapi import Request`` in ``app/services/user_service.py``.

    **Use instead:** pass plain values in, return domain objects, and build responses
    in the route.
    """

    code = "LL106"
    name = "http-in-lower-layer"
    message = "HTTP machinery in the {layer} layer: {what}"
    seed = "ai1-skills: repositories return model instances or None — never HTTP responses"
    example_path = "app/services/user_service.py"
    valid = (
        "from fastapi.encoders import jsonable_encoder\n\ndef dump(x):\n    return jsonable_encoder(x)\n",
        "from app.models.user import User\n\ndef name(user: User) -> str:\n    return 'x'\n",
    )
    invalid = (
        "from fastapi import Request  # error\n\ndef client_ip(request: Request) -> str:\n    return 'x'\n",
        Example(
            {
                "app/repositories/user_repo.py": (
                    "from starlette.responses import JSONResponse  # error\n"
                    "def get() -> JSONResponse:\n"
                    "    return JSONResponse({})  # error\n"
                )
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            layer = project.layer_of(facts.module)
            if layer not in ("services", "repositories", "models"):
                continue
            for imp in facts.imports:
                if _is_http_import(imp):
                    what = f"`{imp.target}`"
                    yield Finding(facts.path, imp.span, self.message.format(layer=layer, what=what))
            for fn in facts.functions:
                ref = FunctionRef(facts, fn)
                if project.is_exempt_http_function(ref):
                    continue
                for returned in fn.returns_values:
                    if returned.value.kind != "call":
                        continue
                    resolved = project.resolve_local_or_global(ref, returned.value.dotted)
                    if (
                        resolved
                        and resolved.split(".")[0] in ("fastapi", "starlette")
                        and resolved.endswith("Response")
                    ):
                        what = f"returns `{resolved.rsplit('.', 1)[-1]}`"
                        yield Finding(
                            facts.path, returned.span, self.message.format(layer=layer, what=what)
                        )


def _is_http_import(imp: ImportFact) -> bool:
    module = imp.module
    if module.split(".")[0] not in ("fastapi", "starlette"):
        return False
    return not any(
        module == allowed or module.startswith(allowed + ".") for allowed in _HTTP_MODULE_ALLOWED
    ) and (imp.target not in _HTTP_MODULE_ALLOWED)


class QueryInService(ProjectRule):
    """A service runs queries itself although the project has a repositories layer.

    **What it does:** flags session query calls (``execute``, ``scalars``, ``scalar``,
    ``query``, ``exec``...) and ``text()`` in the service layer, but only when the
    project has a repositories layer; projects whose services own data access (the
    fastapi-production layout) are left alone.

    **Why is this bad?** When repositories exist, a query in a service is a second,
    untested path to the database that the repository's rules do not cover.

    **Example:** ``await self.session.execute(select(User))`` in ``UserService``.

    **Use instead:** add a repository method and call it.
    """

    code = "LL107"
    name = "query-in-service"
    message = "service runs `{call}` itself; the project has a repositories layer, use it"
    seed = "ai1-skills: services call repositories for data access, never run raw queries"
    valid = (
        Example(
            {
                "app/services/user_service.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "async def get(db: AsyncSession) -> None:\n"
                    "    await db.execute('select 1')\n"
                )
            }
        ),
        _app(
            app__services__user_service=(
                "from sqlalchemy.ext.asyncio import AsyncSession\n"
                "from app.repositories.user_repo import UserRepository\n"
                "class UserService:\n"
                "    def __init__(self, session: AsyncSession) -> None:\n"
                "        self.repo = UserRepository(session)\n"
                "        self.session = session\n"
                "    async def get(self, user_id: int) -> None:\n"
                "        await self.session.commit()\n"
                "        return await self.repo.get_by_id(user_id)\n"
            ),
        ),
    )
    invalid = (
        _app(
            app__services__user_service=(
                "from sqlalchemy import select, text\n"
                "from sqlalchemy.ext.asyncio import AsyncSession\n"
                "class UserService:\n"
                "    def __init__(self, session: AsyncSession) -> None:\n"
                "        self.session = session\n"
                "    async def count(self) -> int:\n"
                "        result = await self.session.execute(text('select count(*) from users'))  # error\n"
                "        return result.scalar_one()\n"
            ),
        ),
        _app(
            app__services__user_service=(
                "from sqlmodel import Session, select\n"
                "def names(db: Session) -> list:\n"
                "    return list(db.exec(select(1)))  # error\n"
            ),
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        if not project.has_layer("repositories"):
            return
        for ref in project.functions_in_layer("services"):
            for call in ref.function.calls:
                callee = call.callee
                if (
                    len(callee) >= 2
                    and callee[-1] in _QUERY_METHODS
                    and _is_session(project, ref, callee[:-1])
                ):
                    yield Finding(
                        ref.module.path,
                        call.span,
                        self.message.format(call=".".join(callee) + "()"),
                    )


class LayerImportCycle(ProjectRule):
    """An import cycle between modules of different layers.

    **What it does:** finds import cycles that span more than one layer and reports the
    import that closes each one: the import going up, from the lower layer to the
    higher. ``TYPE_CHECKING`` imports and function-local imports (the usual way to break
    a cycle at import time; LL101 still judges their direction) are not part of cycles.

    **Why is this bad?** A cycle across layers means the layers are not layers: neither
    can be changed, tested or imported alone, and import order starts to matter.

    **Example:** ``routes/users.py`` imports ``services/user_service.py``, which imports
    ``routes/users.py`` back for a helper.

    **Use instead:** move the shared code to the lower layer (or to ``core``).
    """

    code = "LL108"
    name = "layer-import-cycle"
    message = "import closes a cycle between layers: {cycle}"
    seed = "ai1-skills (layers), import-linter-style contracts"
    invalid = (
        _app(
            app__routes__users="from app.services.user_service import helper\n\ndef page() -> None:\n    pass\n",
            app__services__user_service="from app.routes.users import page  # error: LL101, LL108\n\ndef helper() -> None:\n    pass\n",
        ),
    )
    valid = (
        _app(
            app__services__a="from app.services import b\n",
            app__services__b="from app.services import a\n",
        ),
        _app(
            app__routes__users="from app.services.user_service import helper\n",
            app__services__user_service=(
                "def helper() -> None:\n"
                "    from app.routes.users import helper as again  # error: LL101\n"
            ),
        ),
        _app(
            app__routes__users="from app.services.user_service import helper\n",
            app__services__user_service=(
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from app.routes.users import helper as h\n"
                "def helper() -> None:\n"
                "    pass\n"
            ),
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for cycle_edge in import_cycles(project):
            yield Finding(
                cycle_edge.path, cycle_edge.span, self.message.format(cycle=cycle_edge.description)
            )


class CommitInRepository(ProjectRule):
    """A repository commits or rolls back the transaction.

    **What it does:** flags ``commit()`` and ``rollback()`` on a session (or connection)
    inside the repository layer.

    **Why is this bad?** The transaction belongs to the request (the session dependency
    or a unit of work). A repository that commits breaks atomicity for every service
    that calls two repositories.

    **Example:** ``await self._session.commit()`` in ``UserRepository.create``.

    **Use instead:** ``await self._session.flush()`` (and ``refresh()``); commit in the
    session dependency.
    """

    code = "LL109"
    name = "commit-in-repository"
    message = "repository calls `{call}`; flush() here and commit in the session dependency"
    seed = "fastapi-production: commit in dependency, rollback on exception"
    example_path = "app/repositories/user_repo.py"
    valid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "class UserRepository:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self._session = session\n"
        "    async def create(self, user):\n"
        "        self._session.add(user)\n"
        "        await self._session.flush()\n"
        "        return user\n",
        "def publish(repo) -> None:\n    repo.commit()\n",
    )
    invalid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "class UserRepository:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self._session = session\n"
        "    async def create(self, user):\n"
        "        self._session.add(user)\n"
        "        await self._session.commit()  # error\n"
        "        return user\n",
        "from sqlalchemy.orm import Session\n"
        "def delete(db: Session, user) -> None:\n"
        "    try:\n"
        "        db.delete(user)\n"
        "    except Exception:\n"
        "        db.rollback()  # error\n"
        "        raise\n",
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in project.functions_in_layer("repositories"):
            for call in ref.function.calls:
                callee = call.callee
                if (
                    len(callee) >= 2
                    and callee[-1] in ("commit", "rollback")
                    and _is_session(project, ref, callee[:-1])
                ):
                    yield Finding(
                        ref.module.path,
                        call.span,
                        self.message.format(call=".".join(callee) + "()"),
                    )


__all__ = [
    "CommitInRepository",
    "DatabaseAccessInRoute",
    "ForbiddenLayerImport",
    "HttpExceptionInRepository",
    "HttpExceptionInService",
    "HttpInLowerLayer",
    "LayerImportCycle",
    "QueryInService",
    "RouteCallsRepository",
    "is_session_class",
]
