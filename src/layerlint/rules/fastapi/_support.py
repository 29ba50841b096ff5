"""What several fastapi rules share."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from layerlint.diagnostics import Span
from layerlint.expressions import dotted_name, keyword_arg
from layerlint.facts import CallFact, Dotted, ModuleFacts, ParamFact, Value
from layerlint.file_context import FileContext
from layerlint.project import ROUTE_METHODS, FunctionRef, Project
from layerlint.rules.base import FileRule, Finding

# Decorators that register something other than a documented JSON endpoint.
NON_JSON_VERBS = frozenset({"websocket", "route", "head", "options", "websocket_route"})


VERB_METHODS = {
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


def is_response_class(qualified: str | None) -> bool:
    """FastAPI/Starlette ``Response`` classes (``JSONResponse``, ``FileResponse``...)."""
    if not qualified:
        return False
    head = qualified.split(".", 1)[0]
    return head in ("fastapi", "starlette") and qualified.endswith("Response")


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
        return methods(self.verb, self.registration) | self.more_methods

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


def methods(verb: str, registration: Value) -> frozenset[str]:
    """The HTTP methods a route registration answers (``@router.get``, ``methods=[...]``)."""
    if verb in VERB_METHODS:
        return frozenset({VERB_METHODS[verb]})
    declared = registration.keyword("methods")
    if declared is not None and declared.kind == "list":
        return frozenset(str(el.literal).upper() for el in declared.elements if el.kind == "str")
    if verb in ("api_route", "add_api_route"):
        return frozenset({"GET"})
    return frozenset()


ROUTES: weakref.WeakKeyDictionary[Project, list[Route]] = weakref.WeakKeyDictionary()


def routes(project: Project) -> list[Route]:
    """Every route of the project, computed once per project."""
    found = ROUTES.get(project)
    if found is None:
        found = list(iter_routes(project))
        ROUTES[project] = found
    return found


def iter_routes(project: Project) -> Iterator[Route]:
    """Every route of the project, each handler once, with its path and methods."""
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
                    more |= methods(other.dotted[-1], other)
            yield Route(
                ref,
                decorator.dotted[-1],
                decorator,
                ref.module,
                decorator.dotted[:-1],
                frozenset(more),
                decorator_span(ref, decorator),
            )
    for facts in project.modules.values():
        for call in all_calls(facts):
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


def decorator_span(ref: FunctionRef, decorator: Value) -> Span | None:
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


def all_calls(facts: ModuleFacts) -> Iterator[CallFact]:
    """Module-level calls and the calls inside every function of the module."""
    yield from facts.calls
    for fn in facts.functions:
        yield from fn.calls


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


SEED_AI1 = "ai1-skills (python-backend-expert)"


SESSION_IO = frozenset(
    {"execute", "scalars", "scalar", "get", "commit", "flush", "refresh", "query", "exec", "merge"}
)


# Code that serves requests; a blocking call in an async CLI command harms no one.
REQUEST_LAYERS = frozenset({"routes", "controllers", "dependencies", "services", "repositories"})


SEED_BACKEND = "backend-fastapi-python"


SEED_PATTERNS = "python-backend-patterns"


class FastApiModuleRule(FileRule):
    """A file rule that acts only in modules importing FastAPI or Starlette.

    ``_fastapi`` turns true at the first such import; subclasses that reset their
    per-module state reset it too.
    """

    _fastapi = False

    def visit_Import(self, node: cst.Import, ctx: FileContext) -> None:
        """Evidence that the module is FastAPI code."""
        self._fastapi = self._fastapi or imports_fastapi(node)

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileContext) -> None:
        """Evidence that the module is FastAPI code."""
        self._fastapi = self._fastapi or imports_fastapi(node)


def imports_fastapi(node: cst.Import | cst.ImportFrom) -> bool:
    """An import from FastAPI or Starlette (which makes decorators look like routes)."""
    if isinstance(node, cst.Import):
        return any(
            (dotted := dotted_name(alias.name)) is not None
            and dotted[0] in ("fastapi", "starlette")
            for alias in node.names
        )
    if node.module is None or node.relative:
        return False
    dotted = dotted_name(node.module)
    return dotted is not None and dotted[0] in ("fastapi", "starlette")


def response_finding(route: Route, declared: ResponseType, message: str) -> Finding:
    """At the decorator for a ``response_model=`` finding, at the ``def`` for an annotation."""
    if declared.source == "response_model":
        path, span = route.options_location
        return Finding(path, span, message)
    return Finding(route.ref.module.path, route.def_span, message)


def is_route_decorator(expr: cst.BaseExpression) -> bool:
    """``@<dotted>.<verb>("/path", ...)`` or ``@<dotted>.<verb>(path=...)``."""
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)):
        return False
    if expr.func.attr.value not in ROUTE_METHODS or dotted_name(expr.func.value) is None:
        return False
    first = expr.args[0] if expr.args else None
    if first is not None and first.keyword is None:
        return isinstance(
            first.value, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString
        )
    return keyword_arg(expr, "path") is not None
