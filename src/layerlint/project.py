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

from layerlint.contracts.model import Architecture
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
COLUMN = frozenset(
    {
        "sqlalchemy.Column",
        "sqlalchemy.schema.Column",
        "sqlalchemy.sql.schema.Column",
        "sqlmodel.Column",
    }
)
MAPPED_COLUMN = frozenset(
    {"sqlalchemy.orm.mapped_column", "sqlalchemy.orm._orm_constructors.mapped_column"}
)
RELATIONSHIP = frozenset(
    {
        "sqlalchemy.orm.relationship",
        "sqlalchemy.orm.relation",
        "sqlalchemy.orm._orm_constructors.relationship",
    }
)
MAPPED_ATTRIBUTE_CALLS = COLUMN | MAPPED_COLUMN | RELATIONSHIP
MAPPED_ANNOTATIONS = frozenset({"Mapped", "WriteOnlyMapped", "DynamicMapped"})
# Class-body names that only a mapped class (or a mapping mixin) declares.
DECLARATIVE_DUNDERS = frozenset(
    {"__tablename__", "__table_args__", "__mapper_args__", "__abstract__", "__table__"}
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
# Module-level objects of these libraries are plumbing, not repositories (a logger, an
# engine, a type variable...).
NOT_REPOSITORY_CONSTRUCTORS = frozenset(
    {
        "logging",
        "structlog",
        "loguru",
        "typing",
        "typing_extensions",
        "sqlalchemy",
        "sqlmodel",
        "fastapi",
        "contextvars",
        "collections",
        "functools",
        "re",
        "os",
        "threading",
        "asyncio",
    }
)
MAX_DEPTH = 6
# ``A = NewType("A", B)``, ``B: TypeAlias = Session``...: at most this many in a row.
MAX_ALIAS_HOPS = 4


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
        architecture: Architecture | None = None,
    ) -> None:
        self.modules: dict[str, ModuleFacts] = {}
        for facts in modules:
            self.modules.setdefault(facts.module, facts)
        self.layers = dict(layers)
        self.contract = contract
        # Contracts beyond the layers, exceptions and the layer settings (contracts/).
        self.architecture = architecture or Architecture()
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
        if any(base in ORM_BASES for base in self.base_names(ref)):
            return False  # ``class Base(DeclarativeBase)``: the registry, not a table
        return self._declares_mapping(ref)

    def _declares_mapping(self, ref: ClassRef) -> bool:
        """The class body maps a table: ``__tablename__``, ``Mapped[...]``, ``Column()``...

        A subclass of a declarative base whose ``__tablename__`` comes from the base
        (``@declared_attr``) has only its columns to show; ``__abstract__ = True`` opts out.
        """
        for name, value in ref.cls.attributes:
            if name == "__abstract__":
                return not (value.kind == "bool" and value.literal is True)
        if any(name in DECLARATIVE_DUNDERS for name, _ in ref.cls.attributes):
            return True
        if any(f.annotation and f.annotation[-1] in MAPPED_ANNOTATIONS for f in ref.cls.fields):
            return True
        values = [value for _, value in ref.cls.attributes]
        values.extend(f.value for f in ref.cls.fields if f.value is not None)
        return any(
            value.kind == "call"
            and self.resolve_canonical(ref.module.module, value.dotted) in MAPPED_ATTRIBUTE_CALLS
            for value in values
        )

    def _sqlmodel_table(self, qualified: str, depth: int = 0) -> bool:
        ref = self.lookup_class(qualified)
        if ref is None or depth > MAX_DEPTH:
            return False
        table = ref.cls.keyword("table")
        if table is not None:
            return table.kind == "bool" and table.literal is True
        return any(self._sqlmodel_table(base, depth + 1) for base in self.base_names(ref))

    def is_session_type(self, qualified: str | None) -> bool:
        """A SQLAlchemy/SQLModel session or connection class, or a project subclass of one."""
        if qualified is None:
            return False
        if is_session_class(qualified):
            return True
        return self.lookup_class(qualified) is not None and any(
            is_session_class(name) for name in self.ancestry(qualified)
        )

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

    def repository_object(self, ref: FunctionRef, receiver: Dotted) -> str | None:
        """The module-level object of the repositories layer that ``receiver`` names, if any.

        ``crud_users = FastCRUD(User)`` or ``user = CRUDUser(User)`` in the repositories
        layer is a repository whatever its class (a third-party generic CRUD, a project
        base class); reached by name or through its package (``crud.user``).
        """
        if not receiver or receiver[0] in ("?", "self", "cls"):
            return None
        if is_local_name(ref.function, receiver[0]):
            return None
        resolved = self.resolve_canonical(ref.module.module, receiver)
        split = self.split_target(resolved) if resolved is not None else None
        if split is None or not split[1] or self.layer_of(split[0]) != "repositories":
            return None
        name = split[1].split(".", 1)[0]
        assigned = self.module_assignment(f"{split[0]}.{name}")
        if assigned is None or assigned[1].kind != "call":
            return None
        constructor = self.resolve_canonical(assigned[0].module, assigned[1].dotted) or ""
        if constructor.split(".", 1)[0] in NOT_REPOSITORY_CONSTRUCTORS:
            return None
        return name

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
        if constructor is None:
            return False
        return bool(self.ancestry(constructor) & APP_CLASSES) or self._made_app_class(constructor)

    def _made_app_class(self, qualified: str) -> bool:
        """``APIRouter = router_class_for(MyRoute)`` with a factory typed ``-> type[APIRouter]``."""
        assigned = self.module_assignment(qualified)
        if assigned is None or assigned[1].kind != "call":
            return False
        factory = self.lookup_function(
            self.resolve_canonical(assigned[0].module, assigned[1].dotted)
        )
        if (
            factory is None
            or factory.function.returns is None
            or factory.function.returns[-1] != "type"
            or not factory.function.return_args
        ):
            return False
        made = self.resolve_canonical(factory.module.module, factory.function.return_args[0])
        return made is not None and bool(self.ancestry(made) & APP_CLASSES)

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
        """Route handlers, their closures and the routes-layer functions they call, transitively.

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
            for name in ref.function.nested:
                # A closure of route code (a streaming generator...) runs for the route.
                inner = ref.module.function(f"{ref.function.qualname}.<locals>.{name}")
                if inner is not None:
                    queue.append(FunctionRef(ref.module, inner))
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
        from layerlint.type_inference import TypeInference

        return TypeInference(self).of_expression(ref, dotted, 0)

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
        receiver_class = self.resolve_local_or_global(ref, callee[:-1])
        if receiver_class is not None and self.lookup_class(receiver_class) is not None:
            # ``Repo.from_session(session)``: a method called on the class itself.
            return receiver_class, callee[-1]
        return self.resolve_canonical(ref.module.module, callee), ""

    def resolve_local_or_global(self, ref: FunctionRef, dotted: Dotted) -> str | None:
        """A global name unless shadowed by a parameter or local of the function."""
        local_names = {p.name for p in ref.function.params} | {n for n, _ in ref.function.locals}
        if dotted[0] in local_names:
            return None
        return self.resolve_canonical(ref.module.module, dotted)


def is_local_name(fn: FunctionFact, name: str) -> bool:
    """A parameter or local variable of ``fn`` (it shadows a global of that name)."""
    return any(p.name == name for p in fn.params) or any(n == name for n, _ in fn.locals)


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
