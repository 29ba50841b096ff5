"""Summaries of libCST expressions as plain data (dotted names, literals, calls)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import libcst as cst

from layerlint.facts import OTHER, Dotted, Value
from layerlint.string_code import parse_string_expression

_MAX_DEPTH = 4
_GENERATOR_TYPES = frozenset(
    {"Generator", "AsyncGenerator", "Iterator", "AsyncIterator", "Iterable", "AsyncIterable"}
)
_TRANSPARENT_WRAPPERS = frozenset({"Optional", "Annotated", "Final", "ClassVar", "Required"})


def dotted_name(node: cst.CSTNode) -> Dotted | None:
    """``a.b.c`` as ``('a', 'b', 'c')``; None for anything that is not a plain dotted name."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        parts.reverse()
        return tuple(parts)
    return None


def callee_of(call: cst.Call) -> Dotted:
    """The dotted callee of a call; ``('?', attr)`` for a method on an unnamed receiver."""
    dotted = dotted_name(call.func)
    if dotted is not None:
        return dotted
    if isinstance(call.func, cst.Attribute):
        return ("?", call.func.attr.value)
    return ("?",)


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    """The ``name=`` argument of a call, if passed."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def bool_literal(node: cst.BaseExpression) -> bool | None:
    """``True``/``False`` written as such; None for anything else (a name, a call...)."""
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def is_type_checking(test: cst.BaseExpression) -> bool:
    """The test of an ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) block."""
    dotted = dotted_name(test)
    return dotted is not None and dotted[-1] == "TYPE_CHECKING"


def literal_int(node: cst.Integer) -> int | None:
    """The integer value of a literal, or None when it does not parse."""
    try:
        return int(node.value.replace("_", ""), 0)
    except ValueError:
        return None


def summarize(node: cst.BaseExpression, depth: int = 0) -> Value:
    """A Value describing ``node``, nested at most a few levels deep."""
    if isinstance(node, cst.Await):
        return summarize(node.expression, depth)
    if isinstance(node, cst.Name):
        if node.value in ("True", "False"):
            return Value("bool", literal=node.value == "True")
        if node.value == "None":
            return Value("none")
        return Value("name", (node.value,))
    if isinstance(node, cst.Attribute):
        dotted = dotted_name(node)
        return Value("name", dotted) if dotted else OTHER
    if isinstance(node, cst.Integer):
        return Value("int", literal=literal_int(node))
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        evaluated = string_value(node)
        return Value("str", literal=evaluated) if evaluated is not None else Value("fstring")
    if isinstance(node, cst.FormattedString):
        return Value("fstring")
    if depth >= _MAX_DEPTH:
        return OTHER
    if isinstance(node, cst.Call):
        return _summarize_call(node, depth)
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        return Value(
            "list",
            elements=tuple(
                summarize(el.value, depth + 1)
                for el in node.elements
                if isinstance(el, cst.Element)
            ),
        )
    if isinstance(node, cst.Dict):
        pairs: list[tuple[str, Value]] = []
        by_name: list[Value] = []
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                key = string_value(el.key) if isinstance(el.key, cst.SimpleString) else None
                if key is not None:
                    pairs.append((key, summarize(el.value, depth + 1)))
                elif (dotted := dotted_name(el.key)) is not None:
                    # ``{NotFoundError: handler}``: the key class and its value as a pair.
                    by_name.append(
                        Value("pair", dotted, elements=(summarize(el.value, depth + 1),))
                    )
        return Value("dict", keywords=tuple(pairs), elements=tuple(by_name))
    if isinstance(node, cst.Subscript):
        base = dotted_name(node.value)
        elements = tuple(
            summarize(el.slice.value, depth + 1)
            for el in node.slice
            if isinstance(el.slice, cst.Index)
        )
        return Value("subscript", base or (), elements=elements)
    if isinstance(node, cst.BinaryOperation):
        return Value("binop", literal=type(node.operator).__name__)
    return OTHER


def _summarize_call(node: cst.Call, depth: int) -> Value:
    args: list[Value] = []
    keywords: list[tuple[str, Value]] = []
    for arg in node.args:
        if arg.keyword is not None:
            keywords.append((arg.keyword.value, summarize(arg.value, depth + 1)))
        elif not arg.star:
            args.append(summarize(arg.value, depth + 1))
    return Value(
        "call",
        callee_of(node),
        keywords=tuple(keywords),
        elements=tuple(args),
    )


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-f) string literal, bytes decoded as latin-1; else None."""
    if isinstance(node, cst.SimpleString):
        quick = _plain_string(node.value)
        if quick is not None:
            return quick
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        try:
            value = node.evaluated_value
        except Exception:
            return None
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value
    return None


def _plain_string(literal: str) -> str | None:
    """The value of a simple literal without escapes, skipping ``literal_eval``'s compile."""
    prefix_end = 0
    while prefix_end < len(literal) and literal[prefix_end] not in "'\"":
        prefix_end += 1
    prefix = literal[:prefix_end].lower()
    if prefix not in ("", "r", "u"):
        return None
    body = literal[prefix_end:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    inner = body[len(quote) : len(body) - len(quote)]
    if "\\" in inner and prefix != "r":
        return None
    return inner


def annotation_parts(
    node: cst.BaseExpression | None,
) -> tuple[Dotted | None, tuple[Dotted, ...], Value | None]:
    """Primary type, its type arguments, and any ``Depends(...)`` inside ``Annotated``.

    ``Optional[X]``, ``X | None``, ``Annotated[X, ...]`` and string annotations unwrap
    to ``X``; ``AsyncGenerator[X, None]`` and friends unwrap to ``X`` as FastAPI does.
    """
    depends: Value | None = None
    for _ in range(_MAX_DEPTH):
        if node is None:
            return None, (), depends
        if isinstance(node, cst.SimpleString):
            text = string_value(node)
            if text is None:
                return None, (), depends
            parsed = parse_string_expression(text)
            if parsed is None:
                return None, (), depends
            node = parsed
            continue
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            members = [m for m in union_members(node) if not is_none(m)]
            if len(members) != 1:
                return None, (), depends
            node = members[0]
            continue
        if isinstance(node, cst.Subscript):
            base = dotted_name(node.value)
            slices = [el.slice.value for el in node.slice if isinstance(el.slice, cst.Index)]
            if base and base[-1] in _TRANSPARENT_WRAPPERS and slices:
                for extra in slices[1:]:
                    if isinstance(extra, cst.Call) and callee_of(extra)[-1] in (
                        "Depends",
                        "Security",
                    ):
                        depends = summarize(extra)
                node = slices[0]
                continue
            if base and base[-1] == "Union":
                non_none = [
                    s for s in slices if not (isinstance(s, cst.Name) and s.value == "None")
                ]
                if len(non_none) == 1:
                    node = non_none[0]
                    continue
            if base and base[-1] in _GENERATOR_TYPES and slices:
                node = slices[0]
                continue
            args = tuple(d for d in (_primary(s) for s in slices) if d is not None)
            return base, args, depends
        return dotted_name(node), (), depends
    return None, (), depends


def _primary(node: cst.BaseExpression) -> Dotted | None:
    primary, _, _ = annotation_parts(node)
    return primary


def union_members(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """``A | B | None`` as ``[A, B, None]`` (iteratively: chains can be long)."""
    members: list[cst.BaseExpression] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.BitOr):
            stack.extend((current.right, current.left))
        else:
            members.append(current)
    return members


def is_none(node: cst.BaseExpression) -> bool:
    """The literal ``None``."""
    return isinstance(node, cst.Name) and node.value == "None"


def assigned_names(
    statements: Iterable[cst.BaseStatement | cst.BaseSmallStatement],
) -> Iterator[tuple[cst.Name, cst.BaseExpression | None]]:
    """``name = value`` and ``name: T [= value]`` among ``statements``: (target, value)."""
    for stmt in statements:
        if isinstance(stmt, cst.Assign):
            for target in stmt.targets:
                if isinstance(target.target, cst.Name):
                    yield target.target, stmt.value
        elif isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name):
            yield stmt.target, stmt.value


def target_names(target: cst.BaseExpression) -> Iterator[str]:
    """Names an assignment target binds (``a``, ``a, (b, *c)``); attributes bind none."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, cst.Tuple | cst.List):
        for element in target.elements:
            yield from target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from target_names(target.value)


def small_statements(statements: Sequence[cst.BaseStatement]) -> Iterator[cst.BaseSmallStatement]:
    """The small statements of the simple statement lines among ``statements``."""
    for stmt in statements:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body


def import_bindings(node: cst.Import | cst.ImportFrom) -> list[tuple[str, str | None]]:
    """``(bound name, dotted target)`` per imported name; the target is None when relative.

    ``import a.b`` binds ``a`` to ``a``; ``import a.b as c`` binds ``c`` to ``a.b``; a star
    import binds nothing that can be listed.
    """
    result: list[tuple[str, str | None]] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if not dotted:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                result.append((alias.asname.name.value, ".".join(dotted)))
            else:
                result.append((dotted[0], dotted[0]))
        return result
    if isinstance(node.names, cst.ImportStar):
        return result
    module = dotted_name(node.module) if node.module is not None else None
    base = ".".join(module) if module and not node.relative else None
    for alias in node.names:
        if not isinstance(alias.name, cst.Name):
            continue
        bound = alias.name.value
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            bound = alias.asname.name.value
        result.append((bound, f"{base}.{alias.name.value}" if base is not None else None))
    return result
