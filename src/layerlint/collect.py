"""The per-file pass: one parse, one walk, plain facts plus file-rule diagnostics.

Fact collection and every enabled file rule share a single walk (walker.py); positions
are computed afterwards, only for the nodes that facts or diagnostics point at
(positions.py). A rule that raises is reported as an internal error for this file and
switched off for the rest of it; the other rules carry on.
"""

from __future__ import annotations

import re
import traceback
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from layerlint.diagnostics import UNKNOWN_SPAN, Diagnostic, Severity, Span
from layerlint.expressions import (
    annotation_parts,
    assigned_names,
    callee_of,
    dotted_name,
    small_statements,
    summarize,
)
from layerlint.facts import (
    CallFact,
    ClassFact,
    Dotted,
    FieldFact,
    FunctionFact,
    ImportFact,
    ModuleFacts,
    ParamFact,
    RaiseFact,
    ReturnFact,
    Value,
)
from layerlint.positions import node_spans
from layerlint.rules.base import FileRule, Fix
from layerlint.walker import Handler, walk

INTERNAL_ERROR_CODE = "LL000"
SYNTAX_ERROR_CODE = "LL001"

_SUPPRESSION = re.compile(
    r"#\s*(?:noqa(?::[\s]?(?P<noqa>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?"
    r"|layerlint:\s*ignore(?:\[(?P<ignore>[^\]]*)\])?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FileInput:
    """What the per-file pass needs to know about one file."""

    path: str
    module: str
    is_package: bool
    layer: str | None


def parse_suppressions(text: str) -> tuple[tuple[int, tuple[str, ...] | None], ...]:
    """``(line, codes)`` for each suppression comment; codes None means every code."""
    found: list[tuple[int, tuple[str, ...] | None]] = []
    if "noqa" not in text.lower() and "layerlint" not in text:
        return ()
    for number, line in enumerate(text.splitlines(), 1):
        if "#" not in line:
            continue
        match = _SUPPRESSION.search(line)
        if match is None:
            continue
        codes = match.group("noqa") or match.group("ignore")
        if codes:
            found.append((number, tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c)))
        else:
            found.append((number, None))
    return tuple(found)


class FileRuleContext:
    """The FileContext given to file rules: module identity, names, reporting."""

    def __init__(self, info: FileInput, aliases: dict[str, str]) -> None:
        self._info = info
        self._aliases = aliases
        self.reports: list[tuple[str, cst.CSTNode, str]] = []
        self.fixes: dict[int, Fix] = {}
        self.current_code = ""
        self.scopes: list[cst.CSTNode] = []
        self.type_checking_depth = 0

    @property
    def module(self) -> str:
        return self._info.module

    @property
    def layer(self) -> str | None:
        return self._info.layer

    @property
    def path(self) -> str:
        return self._info.path

    @property
    def enclosing_function(self) -> cst.FunctionDef | None:
        """The innermost function whose body is being walked."""
        for scope in reversed(self.scopes):
            if isinstance(scope, cst.FunctionDef):
                return scope
        return None

    @property
    def enclosing_class(self) -> cst.ClassDef | None:
        """The class whose body is being walked directly (not inside a method)."""
        if self.scopes and isinstance(self.scopes[-1], cst.ClassDef):
            return self.scopes[-1]
        return None

    @property
    def in_type_checking(self) -> bool:
        return self.type_checking_depth > 0

    def add_alias(self, name: str, target: str) -> None:
        """Record that ``name`` now refers to ``target`` (an import)."""
        self._aliases[name] = target

    def qualified_name(self, node: cst.BaseExpression) -> str | None:
        """``Column`` -> ``sqlalchemy.Column`` via this module's imports; None if unknown."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        target = self._aliases.get(dotted[0])
        if target is None:
            return None
        return ".".join((target, *dotted[1:]))

    def report(self, node: cst.CSTNode, message: str | None = None, fix: Fix | None = None) -> None:
        if fix is not None:
            self.fixes[len(self.reports)] = fix
        self.reports.append((self.current_code, node, message or ""))


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


def _is_type_checking(test: cst.BaseExpression) -> bool:
    dotted = dotted_name(test)
    return dotted is not None and dotted[-1] == "TYPE_CHECKING"


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
    methods: list[str] = field(default_factory=list)


class _FactCollector:
    """Builds ModuleFacts from walk events; scope tracking is shared with file rules."""

    def __init__(self, info: FileInput, ctx: FileRuleContext) -> None:
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
        self.exports: tuple[str, ...] | None = None
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
            return
        if owner is not None:
            return  # nested classes inside functions/classes are not tracked as symbols
        builder = _ClassBuilder(node)
        self.classes.append(builder)
        self._body_owner[id(node.body)] = builder

    # -- statements -----------------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        if _is_type_checking(node.test):
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

    def _bind(self, target: cst.BaseExpression, value: Value) -> None:
        scope = self._current()
        if isinstance(target, cst.Name):
            name = target.value
            if scope is None:
                self.module_assignments.append((name, value))
                if name == "__all__" and value.kind == "list":
                    self.exports = tuple(str(v.literal) for v in value.elements if v.kind == "str")
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
            "exports": self.exports,
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
        annotated_metadata=_annotated_metadata(annotation),
    )


def _annotated_metadata(annotation: cst.BaseExpression | None) -> tuple[Value, ...]:
    """The extra items of ``Annotated[X, meta, ...]`` (after unwrapping ``X | None``)."""
    if isinstance(annotation, cst.Subscript):
        base = dotted_name(annotation.value)
        if base and base[-1] == "Annotated":
            items = [el.slice.value for el in annotation.slice if isinstance(el.slice, cst.Index)]
            return tuple(summarize(item) for item in items[1:])
    return ()


def _freeze_function(fn: _FunctionBuilder, span: Callable[[cst.CSTNode], Span]) -> FunctionFact:
    node = fn.node
    returns = annotation_parts(node.returns.annotation)[0] if node.returns is not None else None
    return FunctionFact(
        name=node.name.value,
        qualname=fn.qualname,
        class_name=fn.class_name,
        span=span(node.name),
        is_async=node.asynchronous is not None,
        decorators=tuple(summarize(d.decorator) for d in node.decorators),
        params=tuple(_param_fact(p, span) for p in _all_params(node.params)),
        returns=returns,
        calls=tuple(_call_fact(c, h, span) for c, h in fn.calls),
        raises=tuple(
            RaiseFact(
                exception=_raised_class(r.exc),
                span=span(r),
                constructed=isinstance(r.exc, cst.Call),
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
        return_annotation=(
            summarize(node.returns.annotation) if node.returns is not None else None
        ),
        decorator_spans=tuple(span(d) for d in node.decorators),
    )


def _raised_class(exc: cst.BaseExpression | None) -> Dotted | None:
    if exc is None:
        return None
    if isinstance(exc, cst.Call):
        return dotted_name(exc.func)
    return dotted_name(exc)


def _freeze_class(cls: _ClassBuilder, span: Callable[[cst.CSTNode], Span]) -> ClassFact:
    node = cls.node
    bases = tuple(d for arg in node.bases if (d := dotted_name(arg.value)) is not None)
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
    )


_BLOCK_TYPES: tuple[type[cst.CSTNode], ...] = (cst.IndentedBlock, cst.SimpleStatementSuite)


_BRACKETS_ONLY = bytes.maketrans(b"", b"")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"()[]{}")
_MATCHED_PAIR = re.compile(rb"\(\)|\[\]|\{\}")
_SAFE_DEPTH = 50
_CHAIN_TOKENS = (
    b"+",
    b"-",
    b"*",
    b"|",
    b"&",
    b" and ",
    b" or ",
    b"elif",
    b'" "',
    b"' '",
    b'"\n',
    b"'\n",
)


def _looks_deep(source: bytes) -> bool:
    """Cheap screen for files that might nest deeper than libCST's parser survives.

    libCST's native parser overflows its stack (a crash, not an exception) on
    expressions nested about a thousand levels deep. Ordinary code is far from that;
    big, long-lined or bracket-heavy files get a careful check with CPython's parser.
    """
    if len(source) > 50_000 or max(map(len, source.split(b"\n"))) > 1000:
        return True
    # Long operator chains (``a + b + ...``, ``elif`` ladders, implicit string
    # concatenation) nest as deeply as brackets do in libCST's tree.
    chains = sum(source.count(token) for token in _CHAIN_TOKENS)
    if chains > 400:
        return True
    brackets = source.translate(_BRACKETS_ONLY, _NOT_BRACKETS)
    for _ in range(_SAFE_DEPTH):
        reduced = _MATCHED_PAIR.sub(b"", brackets)
        if reduced == brackets:
            return False
        brackets = reduced
    return bool(brackets)


def _too_deep_for_libcst(source: bytes) -> tuple[int, int, str] | None:
    """CPython's verdict on a suspicious file: None when it is safe to hand to libCST."""
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # CPython's SyntaxWarnings are not ours to show
            ast.parse(source)
    except SyntaxError as error:
        return error.lineno or 1, max((error.offset or 1) - 1, 0), error.msg
    except RecursionError:
        return 1, 0, "expressions nested too deeply to analyse"
    except (ValueError, MemoryError) as error:
        return 1, 0, str(error) or type(error).__name__
    return None


# libCST's parse time grows faster than linearly; beyond this a file is generated data.
MAX_FILE_BYTES = 2_000_000


def collect(info: FileInput, source: bytes, rules: Sequence[FileRule]) -> ModuleFacts:
    """Parse ``source`` and return its facts and file-rule diagnostics (LL001 on failure)."""
    with warnings.catch_warnings():
        # Evaluating literals compiles them; CPython's SyntaxWarnings about the user's
        # code ("'int' object is not callable") are not layerlint's to print.
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return collect_with_fixes(info, source, rules)[0]


FixedDiagnostic = tuple[Diagnostic, Fix]


def parse_source(info: FileInput, source: bytes) -> cst.Module | ModuleFacts:
    """The libCST module, or the facts of a file that cannot be parsed (LL001)."""
    if len(source) > MAX_FILE_BYTES:
        size = f"{len(source) / 1_000_000:.1f} MB"
        message = f"file too large to analyse ({size}; the limit is 2 MB): exclude generated files"
        return _syntax_error(info, source, 1, 0, message)
    if _looks_deep(source):
        refusal = _too_deep_for_libcst(source)
        if refusal is not None:
            return _syntax_error(info, source, *refusal)
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        line, column, message = _python_syntax_error(source) or (
            error.raw_line,
            error.raw_column,
            f"syntax libCST does not support (CPython accepts it): {_first_line(str(error))}",
        )
        return _syntax_error(info, source, line, column, message)
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as error:
        return _syntax_error(info, source, 1, 0, f"cannot decode file: {error}")
    except RecursionError:
        return _syntax_error(info, source, 1, 0, "expression nesting too deep to parse")


def collect_with_fixes(
    info: FileInput, source: bytes, rules: Sequence[FileRule]
) -> tuple[ModuleFacts, cst.Module | None, list[FixedDiagnostic]]:
    """Facts and diagnostics, plus the parsed module and the fixes rules offered."""
    parsed = parse_source(info, source)
    if isinstance(parsed, ModuleFacts):
        return parsed, None, []
    module = parsed
    # Fresh rule objects per file: rules may keep per-file state (stacks, node ids).
    rules = [type(rule)(rule.options) for rule in rules]
    try:
        text = source.decode(module.encoding, errors="replace")
    except LookupError:
        text = source.decode("utf-8", errors="replace")
    ctx = FileRuleContext(info, {})
    collector = _FactCollector(info, ctx)
    enter, leave = _dispatch_tables(collector, ctx, rules)
    internal: list[Diagnostic] = []
    try:
        walk(module, enter, leave)
    except RecursionError:
        internal.append(_internal(info, "walker", "nesting too deep"))
    failures = getattr(ctx, "failures", [])
    internal.extend(failures)
    targets = collector.nodes_needing_positions() + [node for _, node, _ in ctx.reports]
    try:
        spans = node_spans(module, targets)
    except RecursionError:
        spans = {}
        internal.append(_internal(info, "positions", "nesting too deep; positions unknown"))
    by_code = {rule.code: rule for rule in rules}
    diagnostics: list[Diagnostic] = []
    fixes: list[FixedDiagnostic] = []
    for index, (code, node, message) in enumerate(ctx.reports):
        fix = ctx.fixes.get(index)
        diagnostic = Diagnostic(
            code=code,
            message=message or by_code[code].message,
            path=info.path,
            span=spans.get(id(node), UNKNOWN_SPAN),
            layer=info.layer,
            fixable=fix is not None,
        )
        diagnostics.append(diagnostic)
        if fix is not None:
            fixes.append((diagnostic, fix))
    frozen = collector.freeze(spans)
    facts = ModuleFacts(
        path=info.path,
        module=info.module,
        is_package=info.is_package,
        diagnostics=tuple(internal + diagnostics),
        lines_of_code=text.count("\n") + 1,
        suppressions=parse_suppressions(text),
        **frozen,  # type: ignore[arg-type]
    )
    return facts, module, fixes


def _dispatch_tables(
    collector: _FactCollector, ctx: FileRuleContext, rules: Sequence[FileRule]
) -> tuple[dict[type[cst.CSTNode], list[Handler]], dict[type[cst.CSTNode], list[Handler]]]:
    enter: dict[type[cst.CSTNode], list[Handler]] = defaultdict(list)
    leave: dict[type[cst.CSTNode], list[Handler]] = defaultdict(list)
    for block in _BLOCK_TYPES:
        enter[block].append(collector.enter_block)
        leave[block].append(collector.leave_block)
    for name, node_type, leaving in _callbacks(type(collector)):
        if not leaving:
            enter[node_type].append(getattr(collector, name))
    failures: list[Diagnostic] = []
    ctx.failures = failures  # type: ignore[attr-defined]
    for rule in rules:
        for name, node_type, leaving in _callbacks(type(rule)):
            table = leave if leaving else enter
            table[node_type].append(_guarded(rule, getattr(rule, name), ctx, failures))
    return dict(enter), dict(leave)


_callback_names: dict[type, list[tuple[str, type[cst.CSTNode], bool]]] = {}


def _callbacks(cls: type) -> list[tuple[str, type[cst.CSTNode], bool]]:
    """``(method, node type, is_leave)`` for each visit_/leave_ method, found once per class."""
    found = _callback_names.get(cls)
    if found is None:
        found = []
        for name in dir(cls):
            node_type = (
                getattr(cst, name[6:], None) if name.startswith(("visit_", "leave_")) else None
            )
            if isinstance(node_type, type) and issubclass(node_type, cst.CSTNode):
                found.append((name, node_type, name.startswith("leave_")))
        _callback_names[cls] = found
    return found


def _guarded(
    rule: FileRule,
    method: Callable[..., None],
    ctx: FileRuleContext,
    failures: list[Diagnostic],
) -> Handler:
    """Run one rule callback; a crash becomes an internal error and mutes the rule."""
    state = {"broken": False}

    def handler(node: cst.CSTNode) -> None:
        if state["broken"]:
            return
        ctx.current_code = rule.code
        try:
            method(node, ctx)
        except RecursionError:
            state["broken"] = True
            failures.append(_internal_for(ctx, rule.code, "RecursionError"))
        except Exception as error:
            state["broken"] = True
            detail = f"{type(error).__name__}: {error}"
            failures.append(_internal_for(ctx, rule.code, detail, traceback.format_exc()))

    return handler


def _internal_for(ctx: FileRuleContext, code: str, detail: str, trace: str = "") -> Diagnostic:
    return Diagnostic(
        code=INTERNAL_ERROR_CODE,
        message=f"internal error in rule {code}: {detail} (please report this)",
        path=ctx.path,
        span=UNKNOWN_SPAN,
        severity=Severity.INTERNAL,
        layer=ctx.layer,
    )


def _internal(info: FileInput, where: str, detail: str) -> Diagnostic:
    return Diagnostic(
        code=INTERNAL_ERROR_CODE,
        message=f"internal error in {where}: {detail} (please report this)",
        path=info.path,
        span=UNKNOWN_SPAN,
        severity=Severity.INTERNAL,
        layer=info.layer,
    )


def _python_syntax_error(source: bytes) -> tuple[int, int, str] | None:
    """CPython's own location and message for a syntax error, when it agrees there is one."""
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # CPython's SyntaxWarnings are not ours to show
            ast.parse(source)
    except SyntaxError as error:
        return error.lineno or 1, max((error.offset or 1) - 1, 0), error.msg
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "syntax error"


def _syntax_error(
    info: FileInput, source: bytes, line: int, column: int, message: str
) -> ModuleFacts:
    prefix = "" if message.startswith("file too large") else "cannot parse file: "
    diagnostic = Diagnostic(
        code=SYNTAX_ERROR_CODE,
        message=f"{prefix}{message}",
        path=info.path,
        span=Span(max(line, 1), column + 1, max(line, 1), column + 2),
        layer=info.layer,
    )
    text = source.decode("utf-8", errors="replace")
    return ModuleFacts(
        path=info.path,
        module=info.module,
        is_package=info.is_package,
        diagnostics=(diagnostic,),
        parsed=False,
        lines_of_code=text.count("\n") + 1,
        suppressions=parse_suppressions(text),
    )
