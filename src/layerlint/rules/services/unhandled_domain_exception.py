"""LL504 ``unhandled-domain-exception``: a domain exception raised in a service that nothing maps to a response."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.diagnostics import Span
from layerlint.facts import CallFact, Dotted, ModuleFacts, Value
from layerlint.project import SESSION, FunctionRef, Project
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.services._support import BROAD, builtin_exception_names, exception_ancestry


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
        elif len(dotted) == 1 and dotted[0] in builtin_exception_names():
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
                    if len(dotted) == 1 and dotted[0] in builtin_exception_names():
                        if dotted[0] not in BROAD:
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
    return any(len(d) == 1 and d[0] in BROAD for d in handled_by)


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
                ancestry = exception_ancestry(project, cls.qualified)
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
        if len(dotted) == 1 and dotted[0] in builtin_exception_names():
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
