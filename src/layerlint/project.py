"""The project graph: modules and layers, imports, symbols, types and calls.

Everything here is a look-up over the plain facts of fact_collector.py. Names are resolved
through imports and re-exports to the module that defines them; classes are classified
(Pydantic model, ORM model, repository, service...) through their bases across files;
the type of a receiver is inferred from annotations, constructors, ``Depends`` factories,
``self.x = ...`` assignments and module-level singletons.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from layerlint.facts import (
    CallFact,
    ClassFact,
    Dotted,
    FunctionFact,
    ImportFact,
    ModuleFacts,
    Value,
)
from layerlint.layers import Contract

ROUTE_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "options",
        "head",
        "trace",
        "api_route",
        "websocket",
        "route",
    }
)
APP_CLASSES = frozenset(
    {
        "fastapi.APIRouter",
        "fastapi.FastAPI",
        "fastapi.routing.APIRouter",
        "fastapi.applications.FastAPI",
    }
)
HTTP_EXCEPTIONS = frozenset(
    {
        "fastapi.HTTPException",
        "fastapi.exceptions.HTTPException",
        "starlette.exceptions.HTTPException",
    }
)
PYDANTIC_BASES = frozenset(
    {
        "pydantic.BaseModel",
        "pydantic.main.BaseModel",
        "pydantic_settings.BaseSettings",
        "pydantic.BaseSettings",
        "pydantic.RootModel",
        "pydantic.root_model.RootModel",
        "pydantic_settings.main.BaseSettings",
        "pydantic.env_settings.BaseSettings",
        "pydantic.generics.GenericModel",
        "sqlmodel.SQLModel",
        "sqlmodel.main.SQLModel",
    }
)
ORM_BASES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
    }
)
ORM_BASE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
    }
)
SESSION_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.scoped_session",
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.async_scoped_session",
    }
)
SCOPED_SESSIONS = frozenset(
    {"sqlalchemy.orm.scoped_session", "sqlalchemy.ext.asyncio.async_scoped_session"}
)
SESSION = "<session>"
MAX_DEPTH = 6


def is_session_class(qualified: str | None) -> bool:
    """True for SQLAlchemy / SQLModel Session, AsyncSession and connections."""
    if qualified is None:
        return False
    head = qualified.split(".", 1)[0]
    last = qualified.rsplit(".", 1)[-1]
    return head in ("sqlalchemy", "sqlmodel") and last in (
        "Session",
        "AsyncSession",
        "Connection",
        "AsyncConnection",
    )


@dataclass(frozen=True, slots=True)
class FunctionRef:
    """A function together with the module that defines it."""

    module: ModuleFacts
    function: FunctionFact

    @property
    def qualified(self) -> str:
        return f"{self.module.module}.{self.function.qualname}"


@dataclass(frozen=True, slots=True)
class ClassRef:
    """A class together with the module that defines it."""

    module: ModuleFacts
    cls: ClassFact

    @property
    def qualified(self) -> str:
        return f"{self.module.module}.{self.cls.name}"


class Project:
    """All modules of a run with their layers, and the look-ups rules need."""

    def __init__(
        self,
        modules: Iterable[ModuleFacts],
        layers: Mapping[str, str | None],
        contract: Contract,
    ) -> None:
        self.modules: dict[str, ModuleFacts] = {}
        for facts in modules:
            self.modules.setdefault(facts.module, facts)
        self.layers = dict(layers)
        self.contract = contract
        self._class_kind_memo: dict[str, frozenset[str]] = {}
        # Name resolution is pure over the facts and asked for ~100k times on a large
        # project: memoised per Project.
        self._split_memo: dict[str, tuple[str, str] | None] = {}
        self._canonical_memo: dict[str, str] = {}

    # -- modules and layers -------------------------------------------------------------
    def layer_of(self, module: str) -> str | None:
        return self.layers.get(module)

    def has_layer(self, layer: str) -> bool:
        return any(value == layer for value in self.layers.values())

    def split_target(self, dotted: str) -> tuple[str, str] | None:
        """``a.b.C.d`` -> (``a.b``, ``C.d``) for the longest known module prefix."""
        if dotted in self._split_memo:
            return self._split_memo[dotted]
        found: tuple[str, str] | None = None
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                found = (module, ".".join(parts[cut:]))
                break
        self._split_memo[dotted] = found
        return found

    def module_of_target(self, dotted: str) -> str | None:
        """The project module an import target lives in (after following re-exports)."""
        canonical = self.canonical(dotted)
        split = self.split_target(canonical)
        return split[0] if split else None

    # -- names ---------------------------------------------------------------------------
    @cached_property
    def _bindings(self) -> dict[str, dict[str, str]]:
        table: dict[str, dict[str, str]] = {}
        for name, facts in self.modules.items():
            local: dict[str, str] = {}
            for imp in facts.imports:
                if not imp.local or imp.alias not in local:
                    local[imp.alias] = (
                        imp.target
                        if imp.name
                        else (imp.module if imp.alias != imp.module.split(".")[0] else imp.alias)
                    )
            for cls in facts.classes:
                local[cls.name] = f"{name}.{cls.name}"
            for fn in facts.functions:
                if fn.class_name is None and "<locals>" not in fn.qualname:
                    local[fn.name] = f"{name}.{fn.name}"
            for var, _ in facts.assignments:
                local.setdefault(var, f"{name}.{var}")
            table[name] = local
        return table

    def resolve(self, module: str, dotted: Dotted) -> str | None:
        """Global dotted name of ``dotted`` as written in ``module``; None if unbound."""
        if not dotted:
            return None
        target = self._bindings.get(module, {}).get(dotted[0])
        if target is None:
            return None
        return ".".join((target, *dotted[1:]))

    def canonical(self, dotted: str, depth: int = 0) -> str:
        """Follow re-exports (``from .x import Y`` in a package) to the defining module."""
        if depth == 0:
            memo = self._canonical_memo.get(dotted)
            if memo is None:
                memo = self._canonical_memo[dotted] = self._canonical(dotted, 0)
            return memo
        return self._canonical(dotted, depth)

    def _canonical(self, dotted: str, depth: int) -> str:
        if depth > MAX_DEPTH:
            return dotted
        split = self.split_target(dotted)
        if split is None or not split[1]:
            return dotted
        module, rest = split
        head, _, tail = rest.partition(".")
        facts = self.modules[module]
        if facts.class_named(head) or any(
            f.name == head and f.class_name is None for f in facts.functions
        ):
            return dotted
        if any(var == head for var, _ in facts.assignments):
            return dotted
        for imp in facts.imports:
            if imp.alias == head and not imp.local:
                target = imp.target if imp.name else imp.module
                full = f"{target}.{tail}" if tail else target
                return self.canonical(full, depth + 1)
        return dotted

    def resolve_canonical(self, module: str, dotted: Dotted) -> str | None:
        resolved = self.resolve(module, dotted)
        return self.canonical(resolved) if resolved is not None else None

    # -- symbols -------------------------------------------------------------------------
    def lookup_class(self, qualified: str | None) -> ClassRef | None:
        if qualified is None:
            return None
        split = self.split_target(self.canonical(qualified))
        if split is None or not split[1] or "." in split[1]:
            return None
        facts = self.modules[split[0]]
        cls = facts.class_named(split[1])
        return ClassRef(facts, cls) if cls else None

    def lookup_function(self, qualified: str | None) -> FunctionRef | None:
        if qualified is None:
            return None
        split = self.split_target(self.canonical(qualified))
        if split is None or not split[1]:
            return None
        facts = self.modules[split[0]]
        fn = facts.function(split[1])
        return FunctionRef(facts, fn) if fn else None

    def module_assignment(self, qualified: str) -> tuple[ModuleFacts, Value] | None:
        """The value assigned to a module-level variable (``router = APIRouter()``)."""
        split = self.split_target(self.canonical(qualified))
        if split is None or not split[1] or "." in split[1]:
            return None
        facts = self.modules[split[0]]
        found: Value | None = None
        for var, value in facts.assignments:
            if var == split[1]:
                found = value
        return (facts, found) if found is not None else None

    def module_assignments(self, qualified: str) -> list[tuple[ModuleFacts, Value]]:
        """Every value assigned to a module-level variable, in source order."""
        split = self.split_target(self.canonical(qualified))
        if split is None or not split[1] or "." in split[1]:
            return []
        facts = self.modules[split[0]]
        return [(facts, value) for var, value in facts.assignments if var == split[1]]

    def assignment_of(self, module: str, dotted: Dotted) -> tuple[ModuleFacts, Value] | None:
        """The module-level assignment ``dotted`` refers to in ``module``, if it is one."""
        resolved = self.resolve_canonical(module, dotted)
        return self.module_assignment(resolved) if resolved is not None else None

    def factory_of(self, qualified: str) -> str | None:
        """What a module-level variable was made by: ``Base = declarative_base()`` gives
        ``sqlalchemy.orm.declarative_base``; None when it is not assigned a call."""
        assigned = self.module_assignment(qualified)
        if assigned is None or assigned[1].kind != "call":
            return None
        facts, value = assigned
        return self.resolve_canonical(facts.module, value.dotted)

    def base_names(self, ref: ClassRef) -> list[str]:
        """Qualified names of the direct bases of a class."""
        names = []
        for base in ref.cls.bases:
            resolved = self.resolve_canonical(ref.module.module, base)
            names.append(resolved if resolved is not None else ".".join(base))
        return names

    def ancestry(self, qualified: str, depth: int = 0) -> frozenset[str]:
        """The class and all its ancestors' qualified names (external ones included)."""
        memo = self._class_kind_memo.get(qualified)
        if memo is not None:
            return memo
        result = {qualified}
        ref = self.lookup_class(qualified)
        if ref is not None and depth < MAX_DEPTH * 2:
            result.add(ref.qualified)
            for base in self.base_names(ref):
                if base not in result:
                    result |= self.ancestry(base, depth + 1)
        elif self.factory_of(qualified) in ORM_BASE_FACTORIES:
            result.add("<declarative_base>")
        frozen = frozenset(result)
        self._class_kind_memo[qualified] = frozen
        return frozen

    def is_pydantic_model(self, qualified: str | None) -> bool:
        if qualified is None:
            return False
        ancestry = self.ancestry(qualified)
        if not ancestry & PYDANTIC_BASES:
            return False
        return not self.is_orm_model(qualified)

    def is_orm_model(self, qualified: str | None) -> bool:
        """Declarative ORM classes (including SQLModel ``table=True``), not their bases."""
        if qualified is None:
            return False
        ref = self.lookup_class(qualified)
        if ref is None:
            return False
        ancestry = self.ancestry(qualified)
        if "sqlmodel.SQLModel" in ancestry:
            return self._sqlmodel_table(qualified)
        if not (ancestry & ORM_BASES or "<declarative_base>" in ancestry):
            return False
        return any(f.annotation and f.annotation[-1] == "Mapped" for f in ref.cls.fields) or any(
            name in ("__tablename__", "__table__") for name, _ in ref.cls.attributes
        )

    def _sqlmodel_table(self, qualified: str, depth: int = 0) -> bool:
        ref = self.lookup_class(qualified)
        if ref is None or depth > MAX_DEPTH:
            return False
        table = ref.cls.keyword("table")
        if table is not None:
            return table.kind == "bool" and table.literal is True
        return any(self._sqlmodel_table(base, depth + 1) for base in self.base_names(ref))

    def is_http_exception(self, qualified: str | None) -> bool:
        return qualified is not None and bool(self.ancestry(qualified) & HTTP_EXCEPTIONS)

    def is_repository_class(self, qualified: str | None) -> bool:
        """A class defined in the repositories layer, or named ``*Repository``/``*Repo``."""
        ref = self.lookup_class(qualified)
        if ref is None:
            return False
        for name in self.ancestry(ref.qualified):
            owner = self.lookup_class(name)
            if owner is None:
                continue
            if self.layer_of(owner.module.module) == "repositories":
                return True
            if owner.cls.name.endswith(("Repository", "Repo")) and self.layer_of(
                owner.module.module
            ) not in (
                "services",
                "routes",
                "controllers",
                "dependencies",
            ):
                return True
        return False

    # -- FastAPI structure ---------------------------------------------------------------
    def is_app_object(self, module: str, dotted: Dotted) -> bool:
        """True when ``dotted`` in ``module`` names an ``APIRouter()``/``FastAPI()`` instance.

        The last module-level binding decides, except that ``app = CORSMiddleware(app,
        ...)`` (a call wrapping the name itself, typically at the end of ``main.py``)
        keeps the routes registered on the application before it.
        """
        resolved = self.resolve_canonical(module, dotted)
        if resolved is None:
            return False
        name = resolved.rsplit(".", 1)[-1]
        is_app = False
        for facts, value in self.module_assignments(resolved):
            is_app = self._is_app_constructor(facts, value) or (
                is_app and _wraps_name(value, name)
            )
        return is_app

    def _is_app_constructor(self, facts: ModuleFacts, value: Value) -> bool:
        if value.kind not in ("call", "instance"):
            return False
        constructor = self.resolve_canonical(facts.module, value.dotted)
        if constructor in APP_CLASSES:
            return True
        return constructor is not None and bool(self.ancestry(constructor) & APP_CLASSES)

    def route_decorator(self, module: str, fn: FunctionFact) -> Value | None:
        """The ``@router.get(...)`` style decorator making ``fn`` a route, if any."""
        for decorator in fn.decorators:
            if decorator.kind != "call" or len(decorator.dotted) < 2:
                continue
            if decorator.dotted[-1] in ROUTE_METHODS and self.is_app_object(
                module, decorator.dotted[:-1]
            ):
                return decorator
        return None

    @cached_property
    def route_handlers(self) -> list[FunctionRef]:
        """Every function registered as a route (decorator or ``add_api_route``)."""
        found: list[FunctionRef] = []
        seen: set[str] = set()
        for facts in self.modules.values():
            for fn in facts.functions:
                if self.route_decorator(facts.module, fn) is not None:
                    ref = FunctionRef(facts, fn)
                    found.append(ref)
                    seen.add(ref.qualified)
            for call in self._all_calls(facts):
                if (
                    call.callee[-1] == "add_api_route"
                    and len(call.args) >= 2
                    and call.args[1].kind == "name"
                ):
                    target = self.lookup_function(self.resolve(facts.module, call.args[1].dotted))
                    if target is not None and target.qualified not in seen:
                        found.append(target)
                        seen.add(target.qualified)
        return found

    @staticmethod
    def _all_calls(facts: ModuleFacts) -> Iterator[CallFact]:
        yield from facts.calls
        for fn in facts.functions:
            yield from fn.calls

    @cached_property
    def dependency_functions(self) -> frozenset[str]:
        """Qualified names of every callable used as ``Depends(...)``/``Security(...)``."""
        names: set[str] = set()
        for facts in self.modules.values():
            for fn in facts.functions:
                for param in fn.params:
                    if param.depends and param.depends[0] != "()":
                        resolved = self.resolve_canonical(facts.module, param.depends)
                        if resolved:
                            names.add(resolved)
                for decorator in fn.decorators:
                    names |= self._depends_in(facts.module, decorator)
            for call in self._all_calls(facts):
                if (
                    call.callee[-1] in ("Depends", "Security")
                    and call.args
                    and call.args[0].kind == "name"
                ):
                    resolved = self.resolve_canonical(facts.module, call.args[0].dotted)
                    if resolved:
                        names.add(resolved)
            for _, value in facts.assignments:
                names |= self._depends_in(facts.module, value)
        return frozenset(names)

    def _depends_in(self, module: str, value: Value, depth: int = 0) -> set[str]:
        names: set[str] = set()
        if depth > 4:
            return names
        is_depends = value.kind == "call" and value.dotted[-1:] in (("Depends",), ("Security",))
        if is_depends and value.elements and value.elements[0].kind == "name":
            resolved = self.resolve_canonical(module, value.elements[0].dotted)
            if resolved:
                names.add(resolved)
        for _, sub in value.keywords:
            names |= self._depends_in(module, sub, depth + 1)
        for sub in value.elements:
            names |= self._depends_in(module, sub, depth + 1)
        return names

    @cached_property
    def exception_handlers(self) -> dict[str, list[str]]:
        """Handler function qualified name -> exception classes it handles."""
        handlers: dict[str, list[str]] = {}
        for facts in self.modules.values():
            for fn in facts.functions:
                for decorator in fn.decorators:
                    if decorator.kind == "call" and decorator.dotted[-1:] == ("exception_handler",):
                        handled = [
                            self.resolve_canonical(facts.module, arg.dotted) or ".".join(arg.dotted)
                            for arg in decorator.elements[:1]
                            if arg.kind == "name"
                        ]
                        handlers.setdefault(f"{facts.module}.{fn.qualname}", []).extend(handled)
            for value in self._exception_handler_dicts(facts):
                for pair in value.elements:
                    if pair.kind == "pair" and pair.elements and pair.elements[0].kind == "name":
                        handler_name = self.resolve_canonical(facts.module, pair.elements[0].dotted)
                        exc_name = self.resolve_canonical(facts.module, pair.dotted)
                        handlers.setdefault(
                            handler_name or ".".join(pair.elements[0].dotted), []
                        ).append(exc_name or ".".join(pair.dotted))
            for call in self._all_calls(facts):
                if call.callee[-1:] == ("add_exception_handler",) and len(call.args) >= 2:
                    exc, handler = call.args[0], call.args[1]
                    if handler.kind == "name":
                        name = self.resolve_canonical(facts.module, handler.dotted) or ".".join(
                            handler.dotted
                        )
                        exc_name = (
                            self.resolve_canonical(facts.module, exc.dotted) or ".".join(exc.dotted)
                            if exc.kind == "name"
                            else ""
                        )
                        handlers.setdefault(name, []).append(exc_name)
        return handlers

    def _exception_handler_dicts(self, facts: ModuleFacts) -> Iterator[Value]:
        """``exception_handlers={Exc: handler}`` passed to ``FastAPI(...)`` in this module."""
        for call in self._all_calls(facts):
            found = call.keyword("exception_handlers")
            if found is not None and found.kind == "dict":
                yield found

    def is_exempt_http_function(self, ref: FunctionRef) -> bool:
        """Dependencies and exception handlers may speak HTTP wherever they live."""
        names = {ref.qualified}
        outer = ref.function.qualname.split(".<locals>.")[0]
        names.add(f"{ref.module.module}.{outer}")
        return bool(names & self.dependency_functions) or bool(names & set(self.exception_handlers))

    @cached_property
    def route_code(self) -> list[FunctionRef]:
        """Route handlers and the routes-layer functions they call, transitively.

        A function in a routes module that no route reaches (a shared utility that
        only lives in an ``api/`` folder) is not route code.
        """
        seen: dict[str, FunctionRef] = {}
        queue = [ref for ref in self.route_handlers if not self.is_exempt_http_function(ref)]
        while queue:
            ref = queue.pop()
            if ref.qualified in seen:
                continue
            seen[ref.qualified] = ref
            for call in ref.function.calls:
                owner, method = self.callee_type(ref, call)
                target = self.lookup_function(owner if not method else f"{owner}.{method}")
                if target is None and owner is not None and method:
                    target = self._method(owner, method)
                if (
                    target is not None
                    and target.qualified not in seen
                    and self.layer_of(target.module.module) == "routes"
                    and not self.is_exempt_http_function(target)
                ):
                    queue.append(target)
        return list(seen.values())

    def _method(self, class_name: str, method: str) -> FunctionRef | None:
        ref = self.lookup_class(class_name)
        if ref is None:
            return None
        fn = ref.module.function(f"{ref.cls.name}.{method}")
        return FunctionRef(ref.module, fn) if fn is not None else None

    def functions_in_layer(self, layer: str) -> Iterator[FunctionRef]:
        for facts in self.modules.values():
            if self.layer_of(facts.module) == layer:
                for fn in facts.functions:
                    yield FunctionRef(facts, fn)

    # -- types ----------------------------------------------------------------------------
    def type_of(self, ref: FunctionRef, dotted: Dotted) -> str | None:
        """Best-effort class (qualified) or SESSION of the value ``dotted`` names in ``ref``."""
        return _TypeInference(self).of_expression(ref, dotted, 0)

    def callee_type(self, ref: FunctionRef, call: CallFact) -> tuple[str | None, str]:
        """(receiver type, method name) for a method call; (class or function, '') otherwise."""
        callee = call.callee
        if callee[0] == "?":
            return None, callee[-1]
        if len(callee) == 1:
            return self.resolve_local_or_global(ref, callee), ""
        receiver_type = self.type_of(ref, callee[:-1])
        if receiver_type is not None:
            return receiver_type, callee[-1]
        return self.resolve_canonical(ref.module.module, callee), ""

    def resolve_local_or_global(self, ref: FunctionRef, dotted: Dotted) -> str | None:
        """A global name unless shadowed by a parameter or local of the function."""
        local_names = {p.name for p in ref.function.params} | {n for n, _ in ref.function.locals}
        if dotted[0] in local_names:
            return None
        return self.resolve_canonical(ref.module.module, dotted)


class _TypeInference:
    """Infers the class of a name from annotations, constructors and factories."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def of_expression(self, ref: FunctionRef, dotted: Dotted, depth: int) -> str | None:
        if depth > MAX_DEPTH or not dotted:
            return None
        head, rest = dotted[0], dotted[1:]
        base: str | None
        if head in ("self", "cls") and ref.function.class_name is not None:
            base = f"{ref.module.module}.{ref.function.class_name}"
        else:
            base = self._local(ref, head, depth)
            if base is None:
                base = self._global(ref.module, (head,), depth)
        for attribute in rest:
            if base is None or base == SESSION:
                return None
            base = self.attribute_type(base, attribute, depth + 1)
        return base

    def _local(self, ref: FunctionRef, name: str, depth: int) -> str | None:
        fn = ref.function
        value: Value | None = None
        for local, assigned in fn.locals:
            if local == name:
                value = assigned
        if value is not None:
            return self.of_value(ref.module, value, depth + 1, ref)
        for param in fn.params:
            if param.name == name:
                return self.of_param(ref.module, param.annotation, param.depends, depth + 1)
        return None

    def of_param(
        self, facts: ModuleFacts, annotation: Dotted | None, depends: Dotted | None, depth: int
    ) -> str | None:
        if depends is not None:
            if depends[0] == "()":
                result = self.of_call(facts, depends[1:], depth + 1)
            else:
                result = self.of_call(facts, depends, depth + 1)
            if result is not None:
                return result
        if annotation is not None:
            return self.of_annotation(facts, annotation, depth + 1)
        return None

    def of_annotation(self, facts: ModuleFacts, annotation: Dotted, depth: int) -> str | None:
        resolved = self.project.resolve_canonical(facts.module, annotation)
        if resolved is None:
            return None
        if is_session_class(resolved):
            return SESSION
        assigned = self.project.module_assignment(resolved)
        if assigned is not None and depth <= MAX_DEPTH:
            # ``SessionDep = Annotated[Session, Depends(get_db)]``
            owner, value = assigned
            if value.kind == "subscript" and value.dotted[-1:] == ("Annotated",) and value.elements:
                first = value.elements[0]
                for extra in value.elements[1:]:
                    if (
                        extra.kind == "call"
                        and extra.dotted[-1:] in (("Depends",), ("Security",))
                        and extra.elements
                    ):
                        target = extra.elements[0]
                        if target.kind == "name":
                            found = self.of_call(owner, target.dotted, depth + 1)
                            if found is not None:
                                return found
                if first.kind == "name":
                    return self.of_annotation(owner, first.dotted, depth + 1)
        return resolved

    def of_call(self, facts: ModuleFacts, callee: Dotted, depth: int) -> str | None:
        """Type of ``callee(...)``: a class instance, a function's return, a session."""
        resolved = self.project.resolve_canonical(facts.module, callee)
        if resolved is None:
            return None
        if is_session_class(resolved) or resolved in SCOPED_SESSIONS:
            return SESSION  # a scoped_session proxies the session's methods
        if self.project.lookup_class(resolved) is not None:
            return resolved
        fn = self.project.lookup_function(resolved)
        if fn is not None:
            if fn.function.returns is not None:
                return self.of_annotation(fn.module, fn.function.returns, depth + 1)
            return None
        if self.project.factory_of(resolved) in SESSION_FACTORIES:
            return SESSION
        return None

    def of_value(
        self, facts: ModuleFacts, value: Value, depth: int, ref: FunctionRef | None = None
    ) -> str | None:
        if depth > MAX_DEPTH:
            return None
        if value.kind in ("call", "context"):
            if ref is not None and len(value.dotted) > 1:
                receiver = self.of_expression(ref, value.dotted[:-1], depth + 1)
                if receiver is not None and receiver != SESSION:
                    return self.method_return(receiver, value.dotted[-1], depth + 1)
                if receiver == SESSION:
                    return None
            return self.of_call(facts, value.dotted, depth + 1)
        if value.kind == "instance":
            return self.of_annotation(facts, value.dotted, depth + 1)
        if value.kind == "name":
            if ref is not None:
                return self.of_expression(ref, value.dotted, depth + 1)
            return self._global(facts, value.dotted, depth + 1)
        return None

    def _global(self, facts: ModuleFacts, dotted: Dotted, depth: int) -> str | None:
        assigned = self.project.assignment_of(facts.module, dotted)
        if assigned is None:
            return None
        owner, value = assigned
        return self.of_value(owner, value, depth + 1)

    def attribute_type(self, class_name: str, attribute: str, depth: int) -> str | None:
        """Type of ``instance.attribute`` from class annotations or ``self.x = ...``."""
        if depth > MAX_DEPTH:
            return None
        for ancestor in self.project.ancestry(class_name):
            ref = self.project.lookup_class(ancestor)
            if ref is None:
                continue
            for field in ref.cls.fields:
                if field.name == attribute and field.annotation is not None:
                    return self.of_annotation(ref.module, field.annotation, depth + 1)
            for fn in ref.module.functions:
                if fn.class_name != ref.cls.name:
                    continue
                for name, value in fn.self_attributes:
                    if name == attribute:
                        return self.of_value(
                            ref.module, value, depth + 1, FunctionRef(ref.module, fn)
                        )
        return None

    def method_return(self, class_name: str, method: str, depth: int) -> str | None:
        for ancestor in self.project.ancestry(class_name):
            ref = self.project.lookup_class(ancestor)
            if ref is None:
                continue
            fn = ref.module.function(f"{ref.cls.name}.{method}")
            if fn is not None and fn.returns is not None:
                return self.of_annotation(ref.module, fn.returns, depth + 1)
        return None


def imports_of(facts: ModuleFacts, include_type_only: bool = False) -> Iterator[ImportFact]:
    """The module's imports, optionally without ``TYPE_CHECKING``-only ones."""
    for imp in facts.imports:
        if include_type_only or not imp.type_only:
            yield imp


def _wraps_name(value: Value, name: str) -> bool:
    """``Wrapper(name, ...)``: a call that takes the previous value of ``name``."""
    return value.kind == "call" and any(
        arg.kind == "name" and arg.dotted == (name,) for arg in value.elements
    )
