"""What several sqlalchemy rules share."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from layerlint.expressions import import_bindings, is_type_checking
from layerlint.facts import Dotted, ModuleFacts, Value
from layerlint.project import COLUMN as COLUMN
from layerlint.project import MAPPED_COLUMN as MAPPED_COLUMN
from layerlint.project import ORM_BASE_FACTORIES, ORM_BASES, Project
from layerlint.project import RELATIONSHIP as RELATIONSHIP
from layerlint.rules._common import ASYNC_SESSIONS, SYNC_SESSIONS
from layerlint.syntax_tree import iter_nodes

DECLARATIVE_BASES = ORM_BASES | frozenset(
    {"sqlalchemy.orm.MappedAsDataclass", "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta"}
)


DECLARATIVE_FACTORIES = ORM_BASE_FACTORIES


ASYNC_MODULES = ("sqlalchemy.ext.asyncio", "sqlmodel.ext.asyncio")


def call_name(call: cst.Call) -> str | None:
    """The last segment of the callee (``sa.orm.relationship`` -> ``relationship``)."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def has_star_kwargs(call: cst.Call) -> bool:
    """True when the call spreads ``**kwargs`` (any keyword may hide inside)."""
    return any(arg.star == "**" for arg in call.args)


def uses_async_sqlalchemy(modules: Sequence[ModuleFacts]) -> bool:
    """The project imports ``sqlalchemy.ext.asyncio`` (or SQLModel's twin) for real."""
    for facts in modules:
        for imp in facts.imports:
            if not imp.type_only and imp.module.startswith(ASYNC_MODULES):
                return True
    return False


def session_flavour(
    project: Project, module: str, annotation: Dotted, depth: int = 0
) -> str | None:
    """``"sync"``/``"async"`` for a session annotation.

    Aliases are followed (``SessionDep = Annotated[Session, ...]``, ``NewType``,
    ``TypeAlias``, ``type X = ...``), and so are project subclasses of a session.
    """
    resolved = project.resolve_canonical(module, annotation)
    if resolved is None or depth > 3:
        return None
    for name in project.ancestry(resolved):
        if name in SYNC_SESSIONS:
            return "sync"
        if name in ASYNC_SESSIONS:
            return "async"
    assigned = project.module_assignment(resolved)
    if assigned is None:
        return None
    owner, value = assigned
    aliased: Value | None = None
    if value.kind == "subscript" and value.dotted[-1:] == ("Annotated",) and value.elements:
        aliased = value.elements[0]
    elif value.kind == "call" and value.dotted[-1:] == ("NewType",) and len(value.elements) > 1:
        aliased = value.elements[1]
    elif value.kind == "name":
        aliased = value
    if aliased is not None and aliased.kind == "name":
        return session_flavour(project, owner.module, aliased.dotted, depth + 1)
    return None


def session_parameter_counts(project: Project) -> tuple[int, int]:
    """How many function parameters are typed as a sync and as an async session."""
    counts = {"sync": 0, "async": 0}
    for facts in project.modules.values():
        for fn in facts.functions:
            for param in fn.params:
                if param.annotation is None:
                    continue
                flavour = session_flavour(project, facts.module, param.annotation)
                if flavour is not None:
                    counts[flavour] += 1
    return counts["sync"], counts["async"]


def is_async_codebase(project: Project) -> bool:
    """The project imports the asyncio extension and its typed sessions are mostly async.

    A sync application with a small async corner (a few ``AsyncSession`` endpoints next to
    hundreds of ``session: Session`` parameters) is not an async codebase: its models
    are loaded through sync sessions, where lazy loading and sync engines are the norm.
    """
    if not uses_async_sqlalchemy(list(project.modules.values())):
        return False
    sync, asynchronous = session_parameter_counts(project)
    return asynchronous >= sync


ImportItem = tuple[str, str | None]


# Modules with a member of the same name: ``import X`` and ``from X import X`` collide.
MEMBER_NAMED = frozenset({"datetime"})


@dataclass(frozen=True)
class ModuleNames:
    """What each module-level name is bound to.

    The value is the dotted target of an import (``datetime`` -> ``datetime.datetime``
    for ``from datetime import datetime``) or ``None`` for any other binding (a class,
    an assignment, an import under ``if TYPE_CHECKING:`` that does not exist at runtime).
    A rewrite may use a name that is bound to what it needs, or add an import for a name
    that is not bound at all, never rebind one.
    """

    bound: Mapping[str, str | None]

    @classmethod
    def of(cls, module: cst.Module) -> ModuleNames:
        bound: dict[str, str | None] = {}
        scan_block(module.body, bound, runtime=True)
        return cls(bound)

    def target(self, name: str) -> str | None:
        return self.bound.get(name)

    def is_bound(self, name: str) -> bool:
        return name in self.bound

    def local_alias(self, name: str) -> bool:
        """Bound here by something other than an import (maybe a type alias)."""
        return name in self.bound and self.bound[name] is None

    def refer(
        self, module: str, name: str, prefer_from: bool = True, avoid: Collection[str] = ()
    ) -> tuple[str, ImportItem | None] | None:
        """How to write ``module.name`` here, and the import that needs adding (if any).

        Existing imports are reused (``dt.datetime`` after ``import datetime as dt``); a
        new import only binds a name that is free. For a module named like one of its
        members (``datetime``) only the preferred style is tried, so two fixes of one
        file can never add both ``import datetime`` and ``from datetime import datetime``.
        """
        qualified = f"{module}.{name}"
        for bound, target in sorted(self.bound.items()):
            if target == qualified and bound not in avoid:
                return bound, None
        for bound, target in sorted(self.bound.items()):
            if target == module and bound not in avoid:
                return f"{bound}.{name}", None
        styles = [prefer_from, not prefer_from]
        if module in MEMBER_NAMED:
            styles = styles[:1]
        for from_style in styles:
            if from_style and not self.is_bound(name) and name not in avoid:
                return name, (module, name)
            if (
                not from_style
                and "." not in module
                and not self.is_bound(module)
                and module not in avoid
            ):
                return f"{module}.{name}", (module, None)
        return None

    def imports_from(self, module: str) -> bool:
        """The module already imports names out of ``module`` (``from module import x``)."""
        return any(
            target is not None and target.startswith(module + ".") for target in self.bound.values()
        )


def scan_block(body: Sequence[cst.CSTNode], bound: dict[str, str | None], runtime: bool) -> None:
    """Record the names ``body`` binds: an import maps to what it imports (None when it
    is not imported at runtime), any other binding to None."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                scan_small(small, bound, runtime)
        elif isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            bound[stmt.name.value] = None
        elif isinstance(stmt, cst.If):
            inner_runtime = runtime and not is_type_checking(stmt.test)
            scan_block(stmt.body.body, bound, inner_runtime)
            orelse = stmt.orelse
            while orelse is not None:
                scan_block(orelse.body.body, bound, runtime)
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        elif isinstance(stmt, cst.Try | cst.TryStar):
            scan_block(stmt.body.body, bound, runtime)
            for handler in stmt.handlers:
                if handler.name is not None:
                    bind_target(handler.name.name, bound)
                scan_block(handler.body.body, bound, runtime)
            for extra in (stmt.orelse, stmt.finalbody):
                if extra is not None:
                    scan_block(extra.body.body, bound, runtime)
        elif isinstance(stmt, cst.For | cst.While | cst.With):
            if isinstance(stmt, cst.For):
                bind_target(stmt.target, bound)
            if isinstance(stmt, cst.With):
                for item in stmt.items:
                    if item.asname is not None:
                        bind_target(item.asname.name, bound)
            scan_block(stmt.body.body, bound, runtime)


def scan_small(small: cst.BaseSmallStatement, bound: dict[str, str | None], runtime: bool) -> None:
    """The names one small statement binds, as :func:`scan_block` records them."""
    if isinstance(small, cst.Import | cst.ImportFrom):
        for local, imported in import_bindings(small):
            bound[local] = imported if runtime else None
    elif isinstance(small, cst.Assign):
        for target in small.targets:
            bind_target(target.target, bound)
    elif isinstance(small, cst.AnnAssign | cst.AugAssign):
        bind_target(small.target, bound)


def bind_target(node: cst.BaseExpression, bound: dict[str, str | None]) -> None:
    """The names an assignment target binds, none of them an import."""
    if isinstance(node, cst.Name):
        bound[node.value] = None
    elif isinstance(node, cst.Tuple | cst.List):
        for element in node.elements:
            bind_target(element.value, bound)
    elif isinstance(node, cst.StarredElement):
        bind_target(node.value, bound)


@dataclass(frozen=True)
class PyType:
    """The Python type a column holds: ``module.name``, or ``code`` for an enum class."""

    module: str
    name: str
    code: str = ""


@dataclass
class Spelling:
    """Annotation text being built, with the names it reads and the imports it needs."""

    names: ModuleNames
    avoid: Collection[str]
    imports: list[ImportItem]

    def refer(self, module: str, name: str, prefer_from: bool = True) -> str | None:
        found = self.names.refer(module, name, prefer_from, self.avoid)
        if found is None:
            return None
        text, needed = found
        if needed is not None and needed not in self.imports:
            self.imports.append(needed)
        return text

    def of(self, py: PyType) -> str | None:
        """The text of one Python type."""
        if py.module == "builtins":
            shadowed = py.name in self.avoid or self.names.is_bound(py.name)
            return None if shadowed else py.name
        if py.module == "":
            return None if py.code.split(".")[0] in self.avoid else py.code
        if py.module == "typing":
            return self.refer("typing", py.name)
        # ``datetime``/``uuid``/``decimal``: ``import datetime`` unless the module already
        # imports names out of it (``from datetime import date``), then that style.
        return self.refer(py.module, py.name, prefer_from=self.names.imports_from(py.module))

    def optional_head(self) -> str | None:
        """The module's own name for ``typing.Optional``, if it imports it."""
        heads = sorted(
            bound
            for bound, target in self.names.bound.items()
            if target == "typing.Optional" and bound not in self.avoid
        )
        return heads[0] if heads else None

    def optional(self, inner: str) -> str:
        """``Optional[X]`` where the module already imports ``Optional``, else ``X | None``."""
        head = self.optional_head()
        return f"{inner} | None" if head is None else f"{head}[{inner}]"

    def mapped(self, inner: str) -> str | None:
        head = self.refer("sqlalchemy.orm", "Mapped")
        return None if head is None else f"{head}[{inner}]"


def parse(text: str) -> cst.BaseExpression | None:
    """``text`` as an expression; None when it does not parse."""
    try:
        return cst.parse_expression(text)
    except cst.ParserSyntaxError:
        return None


def import_of(func: cst.BaseExpression, names: ModuleNames) -> list[ImportItem]:
    """``from m import name`` that bound ``func`` (to prune once unused); none if aliased."""
    if not isinstance(func, cst.Name):
        return []
    target = names.target(func.value)
    if target is None or "." not in target:
        return []
    module, name = target.rsplit(".", 1)
    return [(module, name)] if name == func.value else []


def separator(arg: cst.Arg) -> cst.BaseParenthesizableWhitespace:
    """The whitespace after an argument (after its comma, when it has one)."""
    if isinstance(arg.comma, cst.Comma):
        return arg.comma.whitespace_after
    return arg.whitespace_after_arg


def indent_of(call: cst.Call) -> cst.SimpleWhitespace | None:
    """The indentation of the arguments of a call written one argument per line."""
    opening = call.whitespace_before_args
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return opening.last_line
    for arg in call.args[:-1]:
        ws = separator(arg)
        if isinstance(ws, cst.ParenthesizedWhitespace):
            return ws.last_line
    return None


SEED_AI1 = "ai1-skills: SQLAlchemy 2.0 model pattern (Mapped[...] + mapped_column())"


def mentions(node: cst.CSTNode, names: frozenset[str]) -> bool:
    """``node`` uses one of ``names`` (as a name or an attribute)."""
    return any(isinstance(n, cst.Name) and n.value in names for n in iter_nodes(node, (cst.Name,)))


def params(function: cst.FunctionDef) -> list[cst.Param]:
    """A function's named parameters: positional-only, regular and keyword-only."""
    params = function.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]
