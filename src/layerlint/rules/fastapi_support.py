"""Shared look-ups of the FastAPI family: routes, response types, dependencies, sessions.

The rules of ``fastapi.py`` all start from the same questions (which functions are
routes, what is their response model, which dependencies do they use, is this call a
session factory?); answering them once here keeps each rule a short, readable check.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from layerlint.diagnostics import Span
from layerlint.facts import CallFact, Dotted, ModuleFacts, ParamFact, Value
from layerlint.project import FunctionRef, Project, is_session_class

# starlette.status / fastapi.status constant for each HTTP status code. Written out (not
# imported) because layerlint must not depend on the framework it checks. 413, 414, 416
# and 422 use the long-standing names that every starlette version still accepts.
HTTP_STATUS_NAMES: dict[int, str] = {
    100: "HTTP_100_CONTINUE",
    101: "HTTP_101_SWITCHING_PROTOCOLS",
    102: "HTTP_102_PROCESSING",
    103: "HTTP_103_EARLY_HINTS",
    200: "HTTP_200_OK",
    201: "HTTP_201_CREATED",
    202: "HTTP_202_ACCEPTED",
    203: "HTTP_203_NON_AUTHORITATIVE_INFORMATION",
    204: "HTTP_204_NO_CONTENT",
    205: "HTTP_205_RESET_CONTENT",
    206: "HTTP_206_PARTIAL_CONTENT",
    207: "HTTP_207_MULTI_STATUS",
    208: "HTTP_208_ALREADY_REPORTED",
    226: "HTTP_226_IM_USED",
    300: "HTTP_300_MULTIPLE_CHOICES",
    301: "HTTP_301_MOVED_PERMANENTLY",
    302: "HTTP_302_FOUND",
    303: "HTTP_303_SEE_OTHER",
    304: "HTTP_304_NOT_MODIFIED",
    305: "HTTP_305_USE_PROXY",
    307: "HTTP_307_TEMPORARY_REDIRECT",
    308: "HTTP_308_PERMANENT_REDIRECT",
    400: "HTTP_400_BAD_REQUEST",
    401: "HTTP_401_UNAUTHORIZED",
    402: "HTTP_402_PAYMENT_REQUIRED",
    403: "HTTP_403_FORBIDDEN",
    404: "HTTP_404_NOT_FOUND",
    405: "HTTP_405_METHOD_NOT_ALLOWED",
    406: "HTTP_406_NOT_ACCEPTABLE",
    407: "HTTP_407_PROXY_AUTHENTICATION_REQUIRED",
    408: "HTTP_408_REQUEST_TIMEOUT",
    409: "HTTP_409_CONFLICT",
    410: "HTTP_410_GONE",
    411: "HTTP_411_LENGTH_REQUIRED",
    412: "HTTP_412_PRECONDITION_FAILED",
    413: "HTTP_413_REQUEST_ENTITY_TOO_LARGE",
    414: "HTTP_414_REQUEST_URI_TOO_LONG",
    415: "HTTP_415_UNSUPPORTED_MEDIA_TYPE",
    416: "HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE",
    417: "HTTP_417_EXPECTATION_FAILED",
    418: "HTTP_418_IM_A_TEAPOT",
    421: "HTTP_421_MISDIRECTED_REQUEST",
    422: "HTTP_422_UNPROCESSABLE_ENTITY",
    423: "HTTP_423_LOCKED",
    424: "HTTP_424_FAILED_DEPENDENCY",
    425: "HTTP_425_TOO_EARLY",
    426: "HTTP_426_UPGRADE_REQUIRED",
    428: "HTTP_428_PRECONDITION_REQUIRED",
    429: "HTTP_429_TOO_MANY_REQUESTS",
    431: "HTTP_431_REQUEST_HEADER_FIELDS_TOO_LARGE",
    451: "HTTP_451_UNAVAILABLE_FOR_LEGAL_REASONS",
    500: "HTTP_500_INTERNAL_SERVER_ERROR",
    501: "HTTP_501_NOT_IMPLEMENTED",
    502: "HTTP_502_BAD_GATEWAY",
    503: "HTTP_503_SERVICE_UNAVAILABLE",
    504: "HTTP_504_GATEWAY_TIMEOUT",
    505: "HTTP_505_HTTP_VERSION_NOT_SUPPORTED",
    506: "HTTP_506_VARIANT_ALSO_NEGOTIATES",
    507: "HTTP_507_INSUFFICIENT_STORAGE",
    508: "HTTP_508_LOOP_DETECTED",
    510: "HTTP_510_NOT_EXTENDED",
    511: "HTTP_511_NETWORK_AUTHENTICATION_REQUIRED",
}

# RFC 9110 renamed four reason phrases; newer Starlette versions name these codes
# ``HTTP_413_CONTENT_TOO_LARGE`` and so on and warn (``DeprecationWarning``) on the old
# names, which older versions alone define. No spelling works quietly everywhere, so
# LL201's fix for these codes is unsafe.
RENAMED_STATUS_NAMES: dict[int, str] = {
    413: "HTTP_413_CONTENT_TOO_LARGE",
    414: "HTTP_414_URI_TOO_LONG",
    416: "HTTP_416_RANGE_NOT_SATISFIABLE",
    422: "HTTP_422_UNPROCESSABLE_CONTENT",
}

# HTTP verbs that change state (LL209).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Decorators that register something other than a documented JSON endpoint.
NON_JSON_VERBS = frozenset({"websocket", "route", "head", "options", "websocket_route"})
_VERB_METHODS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "options": "OPTIONS",
    "head": "HEAD",
    "trace": "TRACE",
}
LIST_TYPES = frozenset(
    {
        "list",
        "List",
        "typing.List",
        "Sequence",
        "typing.Sequence",
        "collections.abc.Sequence",
        "set",
        "Set",
        "typing.Set",
        "frozenset",
        "FrozenSet",
        "typing.FrozenSet",
    }
)
SESSION_MAKERS = frozenset(
    {
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker",
        "sqlmodel.orm.session.sessionmaker",
    }
)


def is_response_class(qualified: str | None) -> bool:
    """FastAPI/Starlette ``Response`` classes (``JSONResponse``, ``FileResponse``...)."""
    if not qualified:
        return False
    head = qualified.split(".", 1)[0]
    return head in ("fastapi", "starlette") and qualified.endswith("Response")


def status_code_literal(value: Value | None) -> int | None:
    """The status code a keyword value names: ``204`` or ``status.HTTP_204_NO_CONTENT``."""
    if value is None:
        return None
    if value.kind == "int" and isinstance(value.literal, int):
        return value.literal
    if value.kind == "name" and value.dotted:
        match = re.match(r"HTTP_(\d{3})_", value.dotted[-1])
        if match:
            return int(match.group(1))
        if value.dotted[-1] in ("NO_CONTENT", "NOT_MODIFIED"):
            return 204 if value.dotted[-1] == "NO_CONTENT" else 304
    return None


# -- routes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A route handler with the decorator (or ``add_api_route`` call) registering it."""

    ref: FunctionRef
    verb: str
    registration: Value
    module: ModuleFacts
    router: Dotted
    # Methods of further route decorators on the same function (``@r.put`` + ``@r.patch``).
    more_methods: frozenset[str] = frozenset()
    # Where the decorator call (or ``add_api_route``) is written, when the facts know it.
    registration_span: Span | None = None

    @property
    def def_span(self) -> Span:
        """The handler's name on its ``def`` line."""
        return self.ref.function.span

    @property
    def options_location(self) -> tuple[str, Span]:
        """Where ``response_model=`` is written: the decorator (or ``add_api_route``), else the def."""
        if self.registration_span is not None:
            return self.module.path, self.registration_span
        return self.ref.module.path, self.ref.function.span

    def keyword(self, name: str) -> Value | None:
        """A keyword argument of the registration (``response_model``, ``status_code``)."""
        return self.registration.keyword(name)

    @property
    def methods(self) -> frozenset[str]:
        """Upper-case HTTP methods this route answers."""
        return _methods(self.verb, self.registration) | self.more_methods

    @property
    def path(self) -> str | None:
        """The route path when it is a string literal."""
        first = self.registration.elements[0] if self.registration.elements else None
        if first is None:
            first = self.keyword("path")
        if first is not None and first.kind == "str" and isinstance(first.literal, str):
            return first.literal
        return None

    @property
    def documents_json(self) -> bool:
        """False for websockets, Starlette-style routes, HEAD/OPTIONS and hidden routes."""
        if self.verb in NON_JSON_VERBS:
            return False
        hidden = self.keyword("include_in_schema")
        return not (hidden is not None and hidden.kind == "bool" and hidden.literal is False)


def _methods(verb: str, registration: Value) -> frozenset[str]:
    if verb in _VERB_METHODS:
        return frozenset({_VERB_METHODS[verb]})
    declared = registration.keyword("methods")
    if declared is not None and declared.kind == "list":
        return frozenset(str(el.literal).upper() for el in declared.elements if el.kind == "str")
    if verb in ("api_route", "add_api_route"):
        return frozenset({"GET"})
    return frozenset()


_ROUTES: weakref.WeakKeyDictionary[Project, list[Route]] = weakref.WeakKeyDictionary()


def routes(project: Project) -> list[Route]:
    """Every route of the project, computed once per project."""
    found = _ROUTES.get(project)
    if found is None:
        found = list(_iter_routes(project))
        _ROUTES[project] = found
    return found


def _iter_routes(project: Project) -> Iterator[Route]:
    handlers = {ref.qualified: ref for ref in project.route_handlers}
    registered: set[str] = set()
    for ref in project.route_handlers:
        decorator = project.route_decorator(ref.module.module, ref.function)
        if decorator is not None:
            registered.add(ref.qualified)
            more: set[str] = set()
            for other in ref.function.decorators:
                if (
                    other is not decorator
                    and other.kind == "call"
                    and len(other.dotted) >= 2
                    and other.dotted[:-1] == decorator.dotted[:-1]
                ):
                    more |= _methods(other.dotted[-1], other)
            yield Route(
                ref,
                decorator.dotted[-1],
                decorator,
                ref.module,
                decorator.dotted[:-1],
                frozenset(more),
                _decorator_span(ref, decorator),
            )
    for facts in project.modules.values():
        for call in _all_calls(facts):
            if call.callee[-1] != "add_api_route":
                continue
            endpoint = call.args[1] if len(call.args) >= 2 else call.keyword("endpoint")
            if endpoint is None or endpoint.kind != "name":
                continue
            target = project.lookup_function(project.resolve(facts.module, endpoint.dotted))
            if target is None or target.qualified in registered:
                continue
            ref = handlers.get(target.qualified, target)
            registered.add(target.qualified)
            value = Value("call", call.callee, keywords=call.keywords, elements=call.args)
            yield Route(
                ref, "add_api_route", value, facts, call.callee[:-1], registration_span=call.span
            )


def _decorator_span(ref: FunctionRef, decorator: Value) -> Span | None:
    """Span of the decorator call: the last call of the same callee before the ``def``.

    Decorator calls are recorded with the scope around the function (the module, or the
    function it is nested in); those of methods are not recorded, so they give None.
    """
    fn = ref.function
    if fn.class_name is not None:
        return None
    if ".<locals>." in fn.qualname:
        outer = ref.module.function(fn.qualname.rsplit(".<locals>.", 1)[0])
        if outer is None:
            return None
        calls: tuple[CallFact, ...] = outer.calls
    else:
        calls = ref.module.calls
    limit = (fn.span.line, fn.span.column)
    best: Span | None = None
    for call in calls:
        if call.callee != decorator.dotted or (call.span.line, call.span.column) >= limit:
            continue
        if best is None or (call.span.line, call.span.column) > (best.line, best.column):
            best = call.span
    return best


def _all_calls(facts: ModuleFacts) -> Iterator[CallFact]:
    yield from facts.calls
    for fn in facts.functions:
        yield from fn.calls


# -- types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseType:
    """The type FastAPI serialises a route's result with, and where its names resolve."""

    value: Value
    module: str
    source: str  # "response_model" or "return annotation"


def response_type(project: Project, route: Route) -> ResponseType | None:
    """``response_model=`` if given (None when it is ``None``), else the return annotation.

    A return annotation naming a ``Response`` class makes no response model in FastAPI,
    so it yields None as well.
    """
    declared = route.keyword("response_model")
    if declared is not None:
        if declared.kind in ("name", "subscript"):
            return ResponseType(declared, route.module.module, "response_model")
        return None
    returns = route.ref.function.returns
    if returns is None or returns in (("None",), ("Any",), ("typing", "Any")):
        return None
    resolved = project.resolve_canonical(route.ref.module.module, returns)
    if is_response_class(resolved):
        return None
    return ResponseType(Value("name", returns), route.ref.module.module, "return annotation")


def render_type(value: Value, depth: int = 0) -> str:
    """``List[schemas.Flow]`` back from its summary (for messages)."""
    base = ".".join(value.dotted) if value.dotted else "?"
    if value.kind != "subscript" or depth > 3:
        return base
    inner = ", ".join(render_type(element, depth + 1) for element in value.elements)
    return f"{base}[{inner}]"


def type_classes(project: Project, module: str, value: Value, depth: int = 0) -> list[str]:
    """Qualified names of the classes a type expression mentions (generics unwrapped)."""
    if depth > 4:
        return []
    found: list[str] = []
    if value.kind in ("name", "subscript") and value.dotted:
        resolved = project.resolve_canonical(module, value.dotted)
        if resolved is not None:
            found.append(resolved)
    if value.kind == "subscript":
        for element in value.elements:
            found.extend(type_classes(project, module, element, depth + 1))
    return found


def is_list_type(project: Project, module: str, dotted: Dotted) -> bool:
    """``list``/``List``/``Sequence``/``set`` (builtins unresolved, typing resolved)."""
    if ".".join(dotted) in LIST_TYPES:
        return True
    resolved = project.resolve_canonical(module, dotted)
    return resolved in LIST_TYPES


def body_params(project: Project, ref: FunctionRef) -> Iterator[tuple[ParamFact, str, bool]]:
    """(param, Pydantic model, is a list of it) for each request-body parameter."""
    module = ref.module.module
    for param in ref.function.params:
        if param.depends is not None or param.annotation is None:
            continue
        if param.name in ("self", "cls"):
            continue
        resolved = project.resolve_canonical(module, param.annotation)
        if resolved is not None and project.is_pydantic_model(resolved):
            yield param, resolved, False
            continue
        if is_list_type(project, module, param.annotation) and len(param.annotation_args) == 1:
            inner = project.resolve_canonical(module, param.annotation_args[0])
            if inner is not None and project.is_pydantic_model(inner):
                yield param, inner, True


def model_fields(
    project: Project, qualified: str
) -> dict[str, tuple[str, Value | None, Dotted | None]]:
    """Field name -> (defining class, value, annotation), nearest definition first (MRO-ish)."""
    fields: dict[str, tuple[str, Value | None, Dotted | None]] = {}
    seen: set[str] = set()
    stack = [qualified]
    while stack and len(seen) < 32:
        current = stack.pop(0)
        if current in seen:
            continue
        seen.add(current)
        ref = project.lookup_class(current)
        if ref is None:
            continue
        for field in ref.cls.fields:
            fields.setdefault(field.name, (ref.qualified, field.value, field.annotation))
        stack.extend(project.base_names(ref))
    return fields


# -- dependencies ------------------------------------------------------------------------


def param_dependency(project: Project, module: str, param: ParamFact) -> tuple[str, Dotted] | None:
    """(module, target) of the dependency a parameter receives, following type aliases.

    ``Depends(f)`` gives ``f``; ``Depends(f(...))`` gives ``('()', 'f')``; a parameter
    annotated with ``CurrentUser = Annotated[User, Depends(get_current_user)]`` gives
    ``get_current_user`` in the module that defines the alias.
    """
    if param.depends is not None:
        return module, param.depends
    if param.annotation is None:
        return None
    resolved = project.resolve_canonical(module, param.annotation)
    if resolved is None:
        return None
    assigned = project.module_assignment(resolved)
    if assigned is None:
        return None
    owner, value = assigned
    if value.kind != "subscript" or value.dotted[-1:] != ("Annotated",):
        return None
    for extra in value.elements[1:]:
        target = depends_target(extra)
        if target is not None:
            return owner.module, target
    return None


def depends_target(value: Value) -> Dotted | None:
    """Target of a ``Depends(x)``/``Security(x)`` Value (``('()', ...)`` for a call)."""
    if value.kind != "call" or value.dotted[-1:] not in (("Depends",), ("Security",)):
        return None
    target = value.elements[0] if value.elements else value.keyword("dependency")
    if target is None:
        return None
    if target.kind == "name":
        return target.dotted
    if target.kind == "call" and target.dotted:
        return ("()", *target.dotted)
    return ("?",)


def listed_dependencies(value: Value | None) -> list[Dotted]:
    """Targets of ``dependencies=[Depends(a), Security(b)]`` (``('?',)`` when unreadable)."""
    if value is None:
        return []
    if value.kind != "list":
        return [("?",)]
    found: list[Dotted] = []
    for element in value.elements:
        target = depends_target(element)
        found.append(target if target is not None else ("?",))
    return found


# -- sessions ----------------------------------------------------------------------------


def session_opening(project: Project, ref: FunctionRef, call: CallFact) -> str | None:
    """Describe ``call`` when it opens a new session, else None.

    Recognised: ``Session(...)``/``AsyncSession(...)`` from SQLAlchemy or SQLModel, and
    calls of (or ``.begin()`` on) a module-level ``sessionmaker``/``async_sessionmaker``.
    """
    callee = call.callee
    if callee[0] == "?":
        return None
    resolved = project.resolve_local_or_global(ref, callee)
    if resolved is not None and is_session_class(resolved):
        if resolved.rsplit(".", 1)[-1] in ("Session", "AsyncSession"):
            return ".".join(callee) + "()"
        return None
    factory = callee[:-1] if callee[-1] == "begin" and len(callee) > 1 else callee
    resolved = project.resolve_local_or_global(ref, factory)
    if resolved is not None and is_session_maker(project, resolved):
        return ".".join(callee) + "()"
    return None


def is_session_maker(project: Project, qualified: str) -> bool:
    """True when ``qualified`` is a module-level ``sessionmaker(...)`` assignment."""
    assigned = project.module_assignment(qualified)
    if assigned is None:
        return False
    owner, value = assigned
    if value.kind != "call":
        return False
    return project.resolve_canonical(owner.module, value.dotted) in SESSION_MAKERS


def mentions(value: Value, names: frozenset[str], depth: int = 0) -> str | None:
    """The name in ``names`` that ``value`` passes on as is (in lists and dicts too)."""
    if value.kind == "name" and len(value.dotted) == 1 and value.dotted[0] in names:
        return value.dotted[0]
    if depth < 3 and value.kind in ("list", "dict"):
        for element in (*value.elements, *(v for _, v in value.keywords)):
            found = mentions(element, names, depth + 1)
            if found is not None:
                return found
    return None
