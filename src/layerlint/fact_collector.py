"""Fact collection: the walk events of one module turned into plain ModuleFacts.

Imports (resolved to absolute modules), classes and their fields, functions with their
parameters, calls, raises, returns and local bindings: what the project graph and the
project rules need, as plain data that can be cached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from layerlint.diagnostics import UNKNOWN_SPAN, Span
from layerlint.expressions import (
    annotation_parts,
    assigned_names,
    callee_of,
    dotted_name,
    is_none,
    is_type_checking,
    small_statements,
    summarize,
    union_members,
)
from layerlint.facts import (
    CallFact,
    ClassFact,
    Dotted,
    FieldFact,
    FunctionFact,
    ImportFact,
    ParamFact,
    RaiseFact,
    ReturnFact,
    Value,
)
from layerlint.file_context import FileContext, FileInput


def resolve_relative(module: str, is_package: bool, level: int, target: str) -> str:
    """The absolute module a relative import names."""
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    if target:
        parts.append(target)
    return ".".join(parts)


def _import_targets(
    node: cst.Import | cst.ImportFrom, info: FileInput
) -> list[tuple[str, str, str, str | None, cst.ImportAlias]]:
    """(bound name, dotted target, module, imported name, alias node) per imported name."""
    result: list[tuple[str, str, str, str | None, cst.ImportAlias]] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is None:
                continue
            full = ".".join(dotted)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                result.append((alias.asname.name.value, full, full, None, alias))
            else:
                result.append((dotted[0], dotted[0], full, None, alias))
        return result
    base = ".".join(dotted_name(node.module) or ()) if node.module is not None else ""
    if node.relative:
        base = resolve_relative(info.module, info.is_package, len(node.relative), base)
    if isinstance(node.names, cst.ImportStar):
        return result
    for alias in node.names:
        name = alias.name.value if isinstance(alias.name, cst.Name) else None
        if name is None:
            continue
        bound = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            bound = alias.asname.name.value
        result.append((bound, f"{base}.{name}" if base else name, base, name, alias))
    return result


@dataclass
class _FunctionBuilder:
    node: cst.FunctionDef
    qualname: str
    class_name: str | None
    calls: list[tuple[cst.Call, tuple[Dotted, ...]]] = field(default_factory=list)
    raises: list[tuple[cst.Raise, tuple[Dotted, ...]]] = field(default_factory=list)
    returns: list[cst.Return] = field(default_factory=list)
    locals: list[tuple[str, Value]] = field(default_factory=list)
    self_attributes: list[tuple[str, Value]] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)


@dataclass
class _ClassBuilder:
    node: cst.ClassDef
    fields: list[tuple[str, cst.AnnAssign]] = field(default_factory=list)
    attributes: list[tuple[str, Value]] = field(default_factory=list)
    config_class: list[tuple[str, Value]] | None = None
    config_node: cst.ClassDef | None = None
    methods: list[str] = field(default_factory=list)


class FactCollector:
    """Builds ModuleFacts from walk events; scope tracking is shared with file rules."""

    def __init__(self, info: FileInput, ctx: FileContext) -> None:
        self.info = info
        self.ctx = ctx
        self.imports: list[
            tuple[tuple[str, str, str, str | None, cst.ImportAlias], bool, bool]
        ] = []
        self.import_statements: dict[int, cst.Import | cst.ImportFrom] = {}
        self.functions: list[_FunctionBuilder] = []
        self.classes: list[_ClassBuilder] = []
        self.module_assignments: list[tuple[str, Value]] = []
        self.module_calls: list[tuple[cst.Call, tuple[Dotted, ...]]] = []
        self._scope_stack: list[_FunctionBuilder | _ClassBuilder | None] = []
        self._body_owner: dict[int, _FunctionBuilder | _ClassBuilder] = {}
        self._type_checking_blocks: set[int] = set()
        self._try_bodies: dict[int, tuple[Dotted, ...]] = {}
        self._handled: list[tuple[Dotted, ...]] = []

    # -- scopes -------------------------------------------------------------------
    def _current(self) -> _FunctionBuilder | _ClassBuilder | None:
        return self._scope_stack[-1] if self._scope_stack else None

    def _current_function(self) -> _FunctionBuilder | None:
        for scope in reversed(self._scope_stack):
            if isinstance(scope, _FunctionBuilder):
                return scope
        return None

    def enter_block(self, node: cst.CSTNode) -> None:
        key = id(node)
        owner = self._body_owner.get(key)
        if owner is not None:
            self._scope_stack.append(owner)
            self.ctx.scopes.append(owner.node)
        if key in self._type_checking_blocks:
            self.ctx.type_checking_depth += 1
        if key in self._try_bodies:
            self._handled.append(self._try_bodies[key])

    def leave_block(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self._try_bodies:
            self._handled.pop()
        if key in self._type_checking_blocks:
            self.ctx.type_checking_depth -= 1
        if key in self._body_owner:
            self._scope_stack.pop()
            self.ctx.scopes.pop()

    def _handled_now(self) -> tuple[Dotted, ...]:
        handled: list[Dotted] = []
        for group in reversed(self._handled):
            handled.extend(group)
        return tuple(handled)

    # -- definitions ----------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        owner = self._current()
        class_name = owner.node.name.value if isinstance(owner, _ClassBuilder) else None
        if isinstance(owner, _FunctionBuilder):
            qualname = f"{owner.qualname}.<locals>.{node.name.value}"
            owner.nested.append(node.name.value)
        elif class_name is not None and isinstance(owner, _ClassBuilder):
            qualname = f"{self._class_qualname(owner)}.{node.name.value}"
            owner.methods.append(node.name.value)
        else:
            qualname = node.name.value
        builder = _FunctionBuilder(node, qualname, class_name)
        self.functions.append(builder)
        self._body_owner[id(node.body)] = builder

    def _class_qualname(self, builder: _ClassBuilder) -> str:
        return builder.node.name.value

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        owner = self._current()
        if isinstance(owner, _ClassBuilder) and node.name.value == "Config":
            owner.config_class = _class_body_assignments(node)
            owner.config_node = node
            return
        if owner is not None:
            return  # nested classes inside functions/classes are not tracked as symbols
        builder = _ClassBuilder(node)
        self.classes.append(builder)
        self._body_owner[id(node.body)] = builder

    # -- statements -----------------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        if is_type_checking(node.test):
            self._type_checking_blocks.add(id(node.body))

    def visit_Try(self, node: cst.Try) -> None:
        handled: list[Dotted] = []
        for handler in node.handlers:
            handled.extend(_handler_types(handler))
        self._try_bodies[id(node.body)] = tuple(handled)

    def visit_Import(self, node: cst.Import) -> None:
        self._record_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._record_import(node)
        if isinstance(node.names, cst.ImportStar):
            return

    def _record_import(self, node: cst.Import | cst.ImportFrom) -> None:
        # Imports are visited before the code after them, so file rules resolve names
        # through aliases collected in the same walk (no separate pass over the tree).
        local = self._current_function() is not None
        for target in _import_targets(node, self.info):
            self.imports.append((target, self.ctx.in_type_checking, local))
            self.import_statements[id(target[4])] = node
            self.ctx.add_alias(target[0], target[1])

    def visit_Assign(self, node: cst.Assign) -> None:
        value = summarize(node.value)
        for target in node.targets:
            self._bind(target.target, value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        scope = self._current()
        if isinstance(scope, _ClassBuilder) and isinstance(node.target, cst.Name):
            scope.fields.append((node.target.value, node))
            return
        primary, _, _ = annotation_parts(node.annotation.annotation)
        if node.value is not None and primary is not None and primary[-1] == "TypeAlias":
            # ``Session: TypeAlias = _Session``: the name stands for the value, a type.
            self._bind(node.target, summarize(node.value))
            return
        if node.value is not None:
            value = summarize(node.value)
            if value.kind not in ("call", "name") and primary is not None:
                value = Value("instance", primary)
        elif primary is not None:
            value = Value("instance", primary)
        else:
            return
        if primary is not None and value.kind == "name":
            value = Value("instance", primary)
        self._bind(node.target, value)

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        # ``type DB = AsyncSession`` binds ``DB`` like ``DB: TypeAlias = AsyncSession``.
        self._bind(node.name, summarize(node.value))

    def _bind(self, target: cst.BaseExpression, value: Value) -> None:
        scope = self._current()
        if isinstance(target, cst.Name):
            name = target.value
            if scope is None:
                self.module_assignments.append((name, value))
            elif isinstance(scope, _ClassBuilder):
                scope.attributes.append((name, value))
            else:
                scope.locals.append((name, value))
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(scope, _FunctionBuilder)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
        ):
            scope.self_attributes.append((target.attr.value, value))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            value = summarize(node.item)
            if value.kind == "call":
                value = Value("context", value.dotted, keywords=value.keywords)
            self._bind(node.asname.name, value)

    def visit_Call(self, node: cst.Call) -> None:
        fn = self._current_function()
        if fn is not None:
            fn.calls.append((node, self._handled_now()))
        elif self._current() is None:
            self.module_calls.append((node, ()))

    def visit_Raise(self, node: cst.Raise) -> None:
        fn = self._current_function()
        if fn is not None:
            fn.raises.append((node, self._handled_now()))

    def visit_Return(self, node: cst.Return) -> None:
        fn = self._current_function()
        if fn is not None and node.value is not None:
            fn.returns.append(node)

    # -- freezing ---------------------------------------------------------------------
    def nodes_needing_positions(self) -> list[cst.CSTNode]:
        nodes: list[cst.CSTNode] = [alias for (_, _, _, _, alias), _, _ in self.imports]
        nodes.extend({id(node): node for node in self.import_statements.values()}.values())
        for fn in self.functions:
            nodes.append(fn.node.name)
            nodes.extend(fn.node.decorators)
            nodes.extend(p.name for p in _all_params(fn.node.params))
            nodes.extend(call for call, _ in fn.calls)
            nodes.extend(r for r, _ in fn.raises)
            nodes.extend(fn.returns)
        for cls in self.classes:
            nodes.append(cls.node.name)
            nodes.extend(ann for _, ann in cls.fields)
            if cls.config_node is not None:
                nodes.append(cls.config_node.name)
        nodes.extend(call for call, _ in self.module_calls)
        return nodes

    def freeze(self, spans: dict[int, Span]) -> dict[str, object]:
        def span(node: cst.CSTNode) -> Span:
            return spans.get(id(node), UNKNOWN_SPAN)

        imports = tuple(
            ImportFact(
                module,
                name,
                bound,
                span(alias),
                type_only,
                local,
                span(self.import_statements[id(alias)]),
            )
            for (bound, _target, module, name, alias), type_only, local in self.imports
        )
        functions = tuple(_freeze_function(fn, span) for fn in self.functions)
        classes = tuple(_freeze_class(cls, span) for cls in self.classes)
        calls = tuple(_call_fact(call, handled, span) for call, handled in self.module_calls)
        return {
            "imports": imports,
            "functions": functions,
            "classes": classes,
            "assignments": tuple(self.module_assignments),
            "calls": calls,
        }


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    result = [*params.posonly_params, *params.params, *params.kwonly_params]
    if isinstance(params.star_arg, cst.Param):
        result.append(params.star_arg)
    if params.star_kwarg is not None:
        result.append(params.star_kwarg)
    return result


def _handler_types(handler: cst.ExceptHandler) -> list[Dotted]:
    if handler.type is None:
        return [("BaseException",)]
    if isinstance(handler.type, cst.Tuple):
        return [d for el in handler.type.elements if (d := dotted_name(el.value)) is not None]
    dotted = dotted_name(handler.type)
    return [dotted] if dotted is not None else []


def _class_body_assignments(node: cst.ClassDef) -> list[tuple[str, Value]]:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    return [
        (target.value, summarize(value))
        for target, value in assigned_names(small_statements(body))
        if value is not None
    ]


def _call_fact(
    call: cst.Call, handled: tuple[Dotted, ...], span: Callable[[cst.CSTNode], Span]
) -> CallFact:
    summary = summarize(call)
    return CallFact(
        callee=callee_of(call),
        span=span(call),
        args=summary.elements,
        keywords=summary.keywords,
        handled_by=handled,
    )


def _param_fact(param: cst.Param, span: Callable[[cst.CSTNode], Span]) -> ParamFact:
    annotation = param.annotation.annotation if param.annotation is not None else None
    primary, args, depends_value = annotation_parts(annotation)
    depends: Dotted | None = None
    default = param.default
    if isinstance(default, cst.Call) and callee_of(default)[-1] in ("Depends", "Security"):
        depends_value = summarize(default)
    if depends_value is not None:
        target = (
            depends_value.elements[0]
            if depends_value.elements
            else depends_value.keyword("dependency")
        )
        if target is not None and target.kind in ("name", "call"):
            depends = target.dotted if target.kind == "name" else ("()", *target.dotted)
        elif primary is not None:
            depends = primary
    return ParamFact(
        param.name.value,
        primary,
        depends,
        span(param.name),
        args,
        default=summarize(default) if default is not None else None,
        union=_union_members(annotation) if primary is None else (),
        dependency=depends_value,
    )


def _union_members(annotation: cst.BaseExpression | None) -> tuple[Dotted, ...]:
    """``AsyncSession | AsyncReadSession`` -> both primaries (empty when one is unknown)."""
    if not (
        isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr)
    ):
        return ()
    members = [annotation_parts(m)[0] for m in union_members(annotation) if not is_none(m)]
    return tuple(m for m in members if m is not None) if all(members) else ()


def _freeze_function(fn: _FunctionBuilder, span: Callable[[cst.CSTNode], Span]) -> FunctionFact:
    node = fn.node
    returns, return_args, _ = annotation_parts(
        node.returns.annotation if node.returns is not None else None
    )
    return FunctionFact(
        name=node.name.value,
        qualname=fn.qualname,
        class_name=fn.class_name,
        span=span(node.name),
        decorators=tuple(summarize(d.decorator) for d in node.decorators),
        params=tuple(_param_fact(p, span) for p in _all_params(node.params)),
        returns=returns,
        calls=tuple(_call_fact(c, h, span) for c, h in fn.calls),
        raises=tuple(
            RaiseFact(
                exception=_raised_class(r.exc),
                span=span(r),
                handled_by=h,
            )
            for r, h in fn.raises
        ),
        returns_values=tuple(
            ReturnFact(summarize(r.value), span(r)) for r in fn.returns if r.value is not None
        ),
        locals=tuple(fn.locals),
        self_attributes=tuple(fn.self_attributes),
        nested=tuple(fn.nested),
        is_async=node.asynchronous is not None,
        return_args=return_args,
    )


def _generic_origin(base: cst.BaseExpression) -> cst.BaseExpression:
    """``RepositoryBase[User]`` -> ``RepositoryBase``: a generic base is still the base."""
    return base.value if isinstance(base, cst.Subscript) else base


def _raised_class(exc: cst.BaseExpression | None) -> Dotted | None:
    if exc is None:
        return None
    if isinstance(exc, cst.Call):
        return dotted_name(exc.func)
    return dotted_name(exc)


def _freeze_class(cls: _ClassBuilder, span: Callable[[cst.CSTNode], Span]) -> ClassFact:
    node = cls.node
    bases = tuple(
        d for arg in node.bases if (d := dotted_name(_generic_origin(arg.value))) is not None
    )
    keywords = tuple(
        (arg.keyword.value, summarize(arg.value))
        for arg in node.keywords
        if arg.keyword is not None
    )
    fields = tuple(
        FieldFact(
            name,
            annotation_parts(ann.annotation.annotation)[0],
            summarize(ann.value) if ann.value is not None else None,
            span(ann),
        )
        for name, ann in cls.fields
    )
    return ClassFact(
        name=node.name.value,
        span=span(node.name),
        bases=bases,
        keywords=keywords,
        decorators=tuple(summarize(d.decorator) for d in node.decorators),
        fields=fields,
        attributes=tuple(cls.attributes),
        config_class=tuple(cls.config_class) if cls.config_class is not None else None,
        methods=tuple(cls.methods),
        config_span=span(cls.config_node.name) if cls.config_node is not None else None,
    )
