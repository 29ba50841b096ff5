"""Rewrites for the FastAPI rules' ``--fix`` (LL201, LL206).

Each builder returns a ``Fix`` or ``None``. ``None`` means the rewrite is not certainly
the same program: the name it would use means something else at that point, or a
comment would be lost, so the diagnostic stays for a human. Fixes are built from the
original nodes (parentheses, comments and line breaks around them survive), and keep
their replacements small because the fixer lets an outer replacement hide inner ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from layerlint.expressions import dotted_name
from layerlint.rules.base import Fix
from layerlint.walker import children

Scope = cst.FunctionDef | cst.ClassDef | cst.Lambda
ImportItem = tuple[str, str | None]

# What binds a name in one scope: the dotted target of each import binding it, "" for
# any other binding (assignment, parameter, def, ``global``, a typing-only import...).
Bindings = dict[str, set[str]]
_STAR = "*"

_STATUS_MODULES = frozenset({"fastapi.status", "starlette.status"})

# -- name resolution -------------------------------------------------------------------------


class ModuleScopes:
    """What a name means at a given point of one module, computed on demand.

    Good enough to decide whether ``status`` (or ``fastapi``) may be written at a place:
    it follows Python's rules (a class body is not visible from its methods), and is
    conservative where they are murky (comprehension variables count as bindings of the
    enclosing scope; a star import may bind anything).
    """

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._cache: dict[int, Bindings] = {}

    def bindings(self, scope: cst.Module | Scope) -> Bindings:
        """Names bound directly in ``scope`` (not in the functions or classes inside it)."""
        found = self._cache.get(id(scope))
        if found is None:
            found = self._cache[id(scope)] = _scope_bindings(scope)
        return found

    def resolve(self, name: str, chain: Sequence[Scope]) -> frozenset[str] | None:
        """The bindings ``name`` finds from the innermost scope of ``chain``; None if unbound."""
        inside_function = False
        for scope in reversed(chain):
            if isinstance(scope, cst.ClassDef) and inside_function:
                continue  # a class body is not an enclosing scope of its methods
            targets = self.bindings(scope).get(name)
            if targets is not None:
                return frozenset(targets)
            inside_function = inside_function or not isinstance(scope, cst.ClassDef)
        module = self.bindings(self._module)
        targets = module.get(name)
        if targets is not None:
            return frozenset(targets)
        return frozenset({""}) if _STAR in module else None

    def module_aliases(self, targets: frozenset[str]) -> list[str]:
        """Module-level names bound only by imports of one of ``targets`` (sorted)."""
        return sorted(
            name
            for name, bound in self.bindings(self._module).items()
            if name != _STAR and bound <= targets
        )


def _scope_bindings(scope: cst.Module | Scope) -> Bindings:
    found: Bindings = {}
    stack: list[tuple[cst.CSTNode, bool]]
    if isinstance(scope, cst.FunctionDef | cst.Lambda):
        for param in _parameters(scope.params):
            found.setdefault(param.name.value, set()).add("")
        stack = [(scope.body, False)]
    elif isinstance(scope, cst.ClassDef):
        stack = [(scope.body, False)]
    else:
        stack = [(scope, False)]
    while stack:
        node, typing_only = stack.pop()
        if isinstance(node, cst.FunctionDef | cst.ClassDef):
            found.setdefault(node.name.value, set()).add("")
            continue  # their bodies are scopes of their own
        if isinstance(node, cst.Lambda):
            continue
        if isinstance(node, cst.Import | cst.ImportFrom):
            for name, imported in _import_bindings(node):
                # A typing-only import binds nothing at run time: never reuse it.
                found.setdefault(name, set()).add("" if typing_only else imported)
            continue
        for target in _binding_targets(node):
            for name in _target_names(target):
                found.setdefault(name, set()).add("")
        if isinstance(node, cst.If) and _is_type_checking(node.test):
            stack.append((node.body, True))
            if node.orelse is not None:
                stack.append((node.orelse, typing_only))
            continue
        stack.extend((child, typing_only) for child in children(node))
    return found


def _parameters(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star


def _import_bindings(node: cst.Import | cst.ImportFrom) -> list[tuple[str, str]]:
    """``(bound name, dotted target)`` per name; the target is "" when it is not absolute."""
    result: list[tuple[str, str]] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            dotted = dotted_name(alias.name) or ()
            if not dotted:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                result.append((alias.asname.name.value, ".".join(dotted)))
            else:
                result.append((dotted[0], dotted[0]))
        return result
    if isinstance(node.names, cst.ImportStar):
        return [(_STAR, "")]
    base = "" if node.relative or node.module is None else ".".join(dotted_name(node.module) or ())
    for alias in node.names:
        if not isinstance(alias.name, cst.Name):
            continue
        bound = alias.name.value
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            bound = alias.asname.name.value
        result.append((bound, f"{base}.{alias.name.value}" if base else ""))
    return result


def _binding_targets(node: cst.CSTNode) -> list[cst.BaseExpression]:
    """The expressions ``node`` assigns to (Python's "store" contexts)."""
    if isinstance(node, cst.Assign):
        return [target.target for target in node.targets]
    if isinstance(node, cst.AnnAssign | cst.AugAssign | cst.For | cst.CompFor | cst.NamedExpr):
        return [node.target]
    if isinstance(node, cst.WithItem):
        return [node.asname.name] if node.asname is not None else []
    if isinstance(node, cst.ExceptHandler | cst.ExceptStarHandler):
        return [node.name.name] if node.name is not None else []
    if isinstance(node, cst.Global | cst.Nonlocal):
        return [item.name for item in node.names]
    if isinstance(node, cst.MatchAs | cst.MatchStar):
        return [node.name] if node.name is not None else []
    if isinstance(node, cst.MatchMapping):
        return [node.rest] if node.rest is not None else []
    if isinstance(node, cst.TypeAlias):
        return [node.name]
    return []


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, cst.Tuple | cst.List):
        for element in target.elements:
            yield from _target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


def _is_type_checking(test: cst.BaseExpression) -> bool:
    dotted = dotted_name(test)
    return dotted is not None and dotted[-1] == "TYPE_CHECKING"


# -- LL201: status constants ------------------------------------------------------------------


def status_constant_fix(
    integer: cst.Integer,
    constant: str,
    chain: Sequence[Scope],
    scopes: ModuleScopes,
    package: str,
    safe: bool = True,
) -> Fix | None:
    """``404`` -> ``status.HTTP_404_NOT_FOUND``, importing ``status`` only when needed.

    ``chain`` are the scopes around the literal, ``package`` the framework the module
    uses (``fastapi`` unless it imports only Starlette, which may be all it has). The
    literal's parentheses, and so any comment inside them, are kept.
    """
    reference = _status_reference(chain, scopes, package)
    if reference is None:
        return None
    prefix, imports = reference
    replacement = cst.Attribute(
        value=prefix, attr=cst.Name(constant), lpar=integer.lpar, rpar=integer.rpar
    )
    return Fix(((integer, replacement),), add_imports=imports, safe=safe)


def _status_reference(
    chain: Sequence[Scope], scopes: ModuleScopes, package: str
) -> tuple[cst.BaseExpression, tuple[ImportItem, ...]] | None:
    """How to name the status module here, and what to import for that.

    In order: ``status`` already imported; another name the module imports it as;
    ``status`` unbound (import it); ``fastapi.status`` through ``import fastapi`` when
    ``status`` means something else here. None when every spelling is taken.
    """
    status = scopes.resolve("status", chain)
    if status is not None and status <= _STATUS_MODULES:
        return cst.Name("status"), ()
    for alias in scopes.module_aliases(_STATUS_MODULES):
        found = scopes.resolve(alias, chain)
        if found is not None and found <= _STATUS_MODULES:
            return cst.Name(alias), ()
    if status is None:
        return cst.Name("status"), ((package, "status"),)
    if package != "fastapi":
        return None  # ``import starlette`` does not load ``starlette.status``
    packages = frozenset({"fastapi"})
    for alias in ("fastapi", *scopes.module_aliases(packages)):
        found = scopes.resolve(alias, chain)
        if found == packages:
            return cst.Attribute(cst.Name(alias), cst.Name("status")), ()
    if scopes.resolve("fastapi", chain) is None:
        return cst.Attribute(cst.Name("fastapi"), cst.Name("status")), (("fastapi", None),)
    return None


# -- LL206: HTTPException from FastAPI ----------------------------------------------------------


def fastapi_import_fix(
    module: cst.Module,
    statement: cst.ImportFrom,
    alias: cst.ImportAlias,
    taken: set[int],
) -> Fix | None:
    """``from starlette.exceptions import HTTPException [as X]`` -> ``from fastapi ...``.

    A statement importing only that name is merged into an earlier ``from fastapi import``
    line when it can go without losing a comment, else re-pointed in place. From a longer
    list the name is taken out and imported from FastAPI: by the import helper when it
    keeps its name, by extending an existing ``from fastapi import`` line when it is
    renamed (the helper cannot add an alias), and not at all when there is no such line.
    ``taken`` holds the ``from fastapi import`` statements an earlier fix of this module
    already rewrites: two replacements of one node would silently drop one of them.
    """
    if isinstance(statement.names, cst.ImportStar):
        return None
    asname = alias.asname.name if alias.asname is not None else None
    if asname is not None and not isinstance(asname, cst.Name):
        return None
    line, target = _merge_target(module, statement)
    if asname is not None and target is not None and id(target) in taken:
        target = None  # the import helper merges plain names; an alias needs the node
    if len(statement.names) == 1:
        if line is not None and target is not None and not _comments(line):
            if asname is None:
                return Fix(
                    ((line, cst.RemovalSentinel.REMOVE),),
                    add_imports=(("fastapi", "HTTPException"),),
                )
            taken.add(id(target))
            return Fix(((line, cst.RemovalSentinel.REMOVE), (target, _appended(target, asname))))
        return Fix(((statement, statement.with_changes(module=cst.Name("fastapi"))),))
    remaining = _without(statement, alias)
    if remaining is None:
        return None
    if asname is None:
        return Fix(((statement, remaining),), add_imports=(("fastapi", "HTTPException"),))
    if target is None:
        return None
    taken.add(id(target))
    return Fix(((statement, remaining), (target, _appended(target, asname))))


def _merge_target(
    module: cst.Module, statement: cst.ImportFrom
) -> tuple[cst.SimpleStatementLine | None, cst.ImportFrom | None]:
    """The top-level line holding only ``statement``, and a ``from fastapi import`` above it."""
    target: cst.ImportFrom | None = None
    for line in module.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        if any(small is statement for small in line.body):
            return (line if len(line.body) == 1 else None), target
        if target is None:
            for small in line.body:
                if (
                    isinstance(small, cst.ImportFrom)
                    and not small.relative
                    and small.module is not None
                    and dotted_name(small.module) == ("fastapi",)
                    and not isinstance(small.names, cst.ImportStar)
                ):
                    target = small
    return None, None


def _without(statement: cst.ImportFrom, alias: cst.ImportAlias) -> cst.ImportFrom | None:
    """``statement`` without ``alias``; None if that would lose a comment."""
    names = list(_names(statement))
    index = next(i for i, item in enumerate(names) if item is alias)
    kept = names[:index] + names[index + 1 :]
    lpar, rpar = statement.lpar, statement.rpar
    opening = lpar.whitespace_after if lpar is not None else statement.whitespace_after_import
    closing = rpar.whitespace_before if rpar is not None else None
    if index < len(names) - 1:
        after = _comma_whitespace(alias)
        if index == 0:
            opening = _join(opening, after, last=False)
        else:
            before = kept[index - 1]
            kept[index - 1] = _with_comma_whitespace(
                before, _join(_comma_whitespace(before), after, last=False)
            )
    else:
        before = kept[-1]
        between = _comma_whitespace(before)
        if isinstance(alias.comma, cst.Comma):
            joined = _join(between, alias.comma.whitespace_after, last=True)
            kept[-1] = before.with_changes(comma=alias.comma.with_changes(whitespace_after=joined))
        else:
            kept[-1] = before.with_changes(comma=cst.MaybeSentinel.DEFAULT)
            if closing is not None:
                closing = _join(between, closing, last=True)
    if lpar is not None and rpar is not None and closing is not None:  # parenthesised
        updated = statement.with_changes(
            names=kept,
            lpar=lpar.with_changes(whitespace_after=opening),
            rpar=rpar.with_changes(whitespace_before=closing),
        )
    else:
        updated = statement.with_changes(names=kept, whitespace_after_import=opening)
    return updated if sorted(_comments(updated)) == sorted(_comments(statement)) else None


def _names(statement: cst.ImportFrom) -> Sequence[cst.ImportAlias]:
    """The names of a ``from ... import`` already known not to be a star import."""
    assert not isinstance(statement.names, cst.ImportStar)
    return statement.names


def _appended(statement: cst.ImportFrom, asname: cst.Name) -> cst.ImportFrom:
    """``statement`` importing ``HTTPException as <asname>`` too, in the statement's layout."""
    new = cst.ImportAlias(name=cst.Name("HTTPException"), asname=cst.AsName(name=asname))
    names = list(_names(statement))
    last = names[-1]
    indent = _item_indent(statement, names)
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new name gets one too
        trailing = last.comma.whitespace_after
        if isinstance(trailing, cst.ParenthesizedWhitespace):
            names[-1] = _with_comma_whitespace(last, trailing.with_changes(last_line=indent))
            new = new.with_changes(comma=cst.Comma(whitespace_after=_new_line(trailing.last_line)))
        else:
            names[-1] = _with_comma_whitespace(last, cst.SimpleWhitespace(" "))
            new = new.with_changes(comma=cst.Comma(whitespace_after=trailing))
        return statement.with_changes(names=[*names, new])
    rpar = statement.rpar
    if rpar is not None and isinstance(rpar.whitespace_before, cst.ParenthesizedWhitespace):
        # ``a  # comment`` then ``)`` on its own line: the comment stays with ``a``.
        closing = rpar.whitespace_before
        names[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=closing.with_changes(last_line=indent))
        )
        rpar = rpar.with_changes(whitespace_before=_new_line(closing.last_line))
        return statement.with_changes(names=[*names, new], rpar=rpar)
    separator: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    if len(names) > 1 and isinstance(names[-2].comma, cst.Comma):
        separator = _blank(names[-2].comma.whitespace_after)
    names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=separator))
    return statement.with_changes(names=[*names, new])


def _item_indent(
    statement: cst.ImportFrom, names: Sequence[cst.ImportAlias]
) -> cst.SimpleWhitespace:
    """The indentation of the names of a parenthesised, one-name-per-line import."""
    candidates: list[cst.BaseParenthesizableWhitespace] = []
    if statement.lpar is not None:
        candidates.append(statement.lpar.whitespace_after)
    candidates.extend(_comma_whitespace(item) for item in names[:-1])
    for whitespace in candidates:
        if isinstance(whitespace, cst.ParenthesizedWhitespace):
            return whitespace.last_line
    return cst.SimpleWhitespace("    ")


def _comma_whitespace(item: cst.ImportAlias) -> cst.BaseParenthesizableWhitespace:
    return (
        item.comma.whitespace_after
        if isinstance(item.comma, cst.Comma)
        else cst.SimpleWhitespace("")
    )


def _with_comma_whitespace(
    item: cst.ImportAlias, whitespace: cst.BaseParenthesizableWhitespace
) -> cst.ImportAlias:
    comma = item.comma if isinstance(item.comma, cst.Comma) else cst.Comma()
    return item.with_changes(comma=comma.with_changes(whitespace_after=whitespace))


def _join(
    first: cst.BaseParenthesizableWhitespace,
    second: cst.BaseParenthesizableWhitespace,
    last: bool,
) -> cst.BaseParenthesizableWhitespace:
    """One separator standing for ``first`` + a dropped name + ``second``.

    The line ``first`` ends keeps its comment; the dropped name's end-of-line comment
    moves to a line of its own (it must not become another name's comment, nor vanish).
    Otherwise the layout of what follows decides: the separator before the next name
    (``last`` False) or the one before ``)`` (``last`` True, the last name dropped).
    """
    if isinstance(first, cst.ParenthesizedWhitespace) and isinstance(
        second, cst.ParenthesizedWhitespace
    ):
        moved: list[cst.EmptyLine] = []
        if second.first_line.comment is not None:
            moved.append(
                cst.EmptyLine(whitespace=first.last_line, comment=second.first_line.comment)
            )
        return second.with_changes(
            first_line=first.first_line,
            empty_lines=[*first.empty_lines, *moved, *second.empty_lines],
        )
    for whitespace in (first, second):
        if isinstance(whitespace, cst.ParenthesizedWhitespace) and _comments(whitespace):
            return whitespace
    return second if last else first


def _new_line(indent: cst.SimpleWhitespace) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(indent=True, last_line=indent)


def _blank(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same line break (or spaces) without the comment it carries."""
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return _new_line(whitespace.last_line).with_changes(indent=whitespace.indent)
    return whitespace


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node.value)


def _comments(node: cst.CSTNode) -> list[str]:
    collector = _Comments()
    node.visit(collector)
    return collector.found
