"""What LL205 counts as blocking I/O, and which local names hold a blocking client or path.

Functions are listed by their qualified name: only calls that do I/O (``requests.get``),
not constructors that build a value (``requests.Session()``, ``requests.Request()``,
exception classes). Methods block only on a value whose type the code states: a
parameter annotated ``httpx.Client`` (or ``Optional``/``| None`` of it), or a name bound
to ``httpx.Client()``/``Path(...)`` in the function or module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import libcst as cst

from layerlint.expressions import dotted_name, target_names

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

_SPAWN = ("spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe")

BLOCKING_FUNCTIONS = frozenset(
    {
        "time.sleep",
        "builtins.open",
        "builtins.input",
        "io.open",
        "io.open_code",
        "urllib.request.urlopen",
        "urllib3.request",
        *(f"requests.{verb}" for verb in _HTTP_VERBS),
        *(f"requests.api.{verb}" for verb in _HTTP_VERBS),
        *(f"httpx.{verb}" for verb in (*_HTTP_VERBS, "stream")),
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "subprocess.Popen",
        "os.system",
        "os.popen",
        "os.posix_spawn",
        "os.posix_spawnp",
        *(f"os.{name}" for name in _SPAWN),
        "os.wait",
        "os.wait3",
        "os.wait4",
        "os.waitid",
        "os.waitpid",
    }
)

# Built-ins that block when the name is not rebound in the module or function.
BLOCKING_BUILTINS = frozenset({"open", "input"})

_CLIENT_METHODS = frozenset({*_HTTP_VERBS, "send", "close"})

# Blocking methods per class whose instances LL205 follows.
BLOCKING_METHODS: dict[str, frozenset[str]] = {
    "httpx.Client": _CLIENT_METHODS | {"stream"},
    "requests.Session": _CLIENT_METHODS,
    "requests.sessions.Session": _CLIENT_METHODS,
    "urllib3.PoolManager": frozenset({"request", "urlopen"}),
    "pathlib.Path": frozenset(
        {"open", "read_text", "read_bytes", "write_text", "write_bytes", "touch"}
    ),
}

QualifiedName = Callable[[cst.BaseExpression], str | None]
Scope = cst.Module | cst.FunctionDef


def tracked_class(annotation: cst.BaseExpression, qualify: QualifiedName) -> str | None:
    """The followed class an annotation names: ``C``, ``Optional[C]``, ``C | None``."""
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = [annotation.left, annotation.right]
        classes = {tracked_class(side, qualify) for side in sides if not _is_none(side)}
        return classes.pop() if len(classes) == 1 else None
    if isinstance(annotation, cst.Subscript):
        head = qualify(annotation.value)
        if head in ("typing.Optional", "typing.Union"):
            classes = {
                tracked_class(element.slice.value, qualify)
                for element in annotation.slice
                if isinstance(element.slice, cst.Index) and not _is_none(element.slice.value)
            }
            return classes.pop() if len(classes) == 1 else None
        return None
    qualified = qualify(annotation)
    return qualified if qualified in BLOCKING_METHODS else None


def constructed_class(value: cst.BaseExpression, qualify: QualifiedName) -> str | None:
    """``httpx.Client()`` / ``Path("x")`` -> the followed class it builds."""
    if not isinstance(value, cst.Call):
        return None
    qualified = qualify(value.func)
    return qualified if qualified in BLOCKING_METHODS else None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def bound_names(scope: Scope) -> frozenset[str]:
    """Names a module or function binds itself (parameters, defs, assignments, imports)."""
    names: set[str] = set()
    if isinstance(scope, cst.FunctionDef):
        names.update(param.name.value for param in _parameters(scope.params))
    for node in _own_nodes(scope):
        names.update(_names_bound_by(node))
    return frozenset(names)


def name_types(scope: Scope, qualify: QualifiedName) -> dict[str, str]:
    """Names that hold one followed class throughout ``scope`` (parameters and bindings).

    A name also bound to anything else in the same scope is left out: its type at a
    given call is not certain.
    """
    found: dict[str, set[str | None]] = {}
    if isinstance(scope, cst.FunctionDef):
        for param in _parameters(scope.params):
            kind = None
            if param.annotation is not None:
                kind = tracked_class(param.annotation.annotation, qualify)
            found.setdefault(param.name.value, set()).add(kind)
    for node in _own_nodes(scope):
        for name, kind in _typed_bindings(node, qualify):
            found.setdefault(name, set()).add(kind)
    typed: dict[str, str] = {}
    for name, kinds in found.items():
        only = next(iter(kinds)) if len(kinds) == 1 else None
        if only is not None:
            typed[name] = only
    return typed


def _typed_bindings(node: cst.CSTNode, qualify: QualifiedName) -> Iterator[tuple[str, str | None]]:
    if isinstance(node, cst.Assign):
        for target in node.targets:
            yield from _pair_targets(target.target, node.value, qualify)
    elif isinstance(node, cst.AnnAssign) and isinstance(node.target, cst.Name):
        yield node.target.value, tracked_class(node.annotation.annotation, qualify)
    elif isinstance(node, cst.WithItem) and node.asname is not None:
        if isinstance(node.asname.name, cst.Name):
            yield node.asname.name.value, constructed_class(node.item, qualify)
    else:
        for name in _names_bound_by(node):
            yield name, None


def _pair_targets(
    target: cst.BaseExpression, value: cst.BaseExpression, qualify: QualifiedName
) -> Iterator[tuple[str, str | None]]:
    """``p = Path()`` and ``(a, b) = (Path(), Path())``; anything else binds unknowns."""
    if isinstance(target, cst.Name):
        yield target.value, constructed_class(value, qualify)
        return
    if (
        isinstance(target, cst.Tuple | cst.List)
        and isinstance(value, cst.Tuple | cst.List)
        and len(target.elements) == len(value.elements)
        and not any(isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements))
    ):
        for left, right in zip(target.elements, value.elements, strict=True):
            yield from _pair_targets(left.value, right.value, qualify)
        return
    for name in target_names(target):
        yield name, None


def _own_nodes(scope: Scope) -> Iterator[cst.CSTNode]:
    """Nodes of ``scope``'s body, not those inside nested functions, classes or lambdas."""
    stack: list[cst.CSTNode] = [scope.body] if isinstance(scope, cst.FunctionDef) else [scope]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        stack.extend(node.children)


def _names_bound_by(node: cst.CSTNode) -> Iterator[str]:
    if isinstance(node, cst.FunctionDef | cst.ClassDef):
        yield node.name.value
    elif isinstance(node, cst.Import | cst.ImportFrom):
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                yield alias.asname.name.value
            else:
                dotted = dotted_name(alias.name)
                if dotted is not None:
                    yield dotted[0]
    elif isinstance(node, cst.Assign):
        for target in node.targets:
            yield from target_names(target.target)
    elif isinstance(node, cst.AnnAssign | cst.AugAssign | cst.For | cst.NamedExpr):
        yield from target_names(node.target)
    elif isinstance(node, cst.WithItem) and node.asname is not None:
        yield from target_names(node.asname.name)
    elif isinstance(node, cst.Global | cst.Nonlocal):
        yield from (item.name.value for item in node.names)


def _parameters(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star


def receiver_class(
    receiver: cst.BaseExpression,
    chain: Sequence[Scope],
    qualify: QualifiedName,
    types: Callable[[Scope], dict[str, str]],
    bound: Callable[[Scope], frozenset[str]],
) -> str | None:
    """The followed class of a method's receiver: a constructor call or a typed name.

    ``chain`` runs from the module to the innermost function; the innermost scope that
    binds the name decides.
    """
    built = constructed_class(receiver, qualify)
    if built is not None:
        return built
    if not isinstance(receiver, cst.Name):
        return None
    for scope in reversed(chain):
        if receiver.value in bound(scope):
            return types(scope).get(receiver.value)
    return None
