"""Import edits the way isort and ruff's ``I`` rules lay them out.

Fixes add imports (``from fastapi import status``) and re-point others
(``from pydantic_settings import BaseSettings``). Done naively, the result is a block that
ruff's ``I001`` rewrites again, so two pre-commit hooks fight over the same file. Here a
name joins an existing ``from x import`` line in sorted position, and a new line goes
into its section (future, standard library, third party, first party, local) in order.
Only the statements a fix touched move; the rest of the block is left as written.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import libcst as cst

ImportItem = tuple[str, str | None]
Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement

# ruff's default line length with ``--isolated``; a longer ``from`` line is wrapped.
LINE_LENGTH = 88

_FUTURE, _STDLIB, _THIRD_PARTY, _FIRST_PARTY, _LOCAL = range(5)
_STDLIB_NAMES = frozenset(getattr(sys, "stdlib_module_names", ())) | {"__future__"}


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Numbers compare by value (``HTTP_2`` before ``HTTP_10``), as isort's natural order."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text)
    )


def member_key(name: str) -> tuple[int, tuple[tuple[int, int | str], ...], str]:
    """isort's ``order-by-type``: CONSTANTS, then Classes, then functions and variables."""
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return kind, _natural(name.lower()), name


@dataclass(frozen=True)
class _Key:
    section: int
    is_from: bool
    module: str
    first_member: str = ""

    def order(self) -> tuple[int, int, tuple[tuple[int, int | str], ...], tuple[object, ...]]:
        member = member_key(self.first_member) if self.first_member else ()
        return self.section, int(self.is_from), _natural(self.module.lower()), member


def _section(module: str, relative: bool, first_party: Collection[str]) -> int:
    if relative:
        return _LOCAL
    top = module.split(".", 1)[0]
    if top == "__future__":
        return _FUTURE
    if top in first_party:
        return _FIRST_PARTY
    if top in _STDLIB_NAMES:
        return _STDLIB
    return _THIRD_PARTY


def _dotted(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _import_of(line: Statement) -> cst.Import | cst.ImportFrom | None:
    """The one import statement on a top-level line, or None."""
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    small = line.body[0]
    return small if isinstance(small, cst.Import | cst.ImportFrom) else None


def _key(statement: cst.Import | cst.ImportFrom, first_party: Collection[str]) -> _Key:
    if isinstance(statement, cst.Import):
        module = _dotted(statement.names[0].name)
        return _Key(_section(module, False, first_party), False, module)
    module = _dotted(statement.module)
    relative = bool(statement.relative)
    first = "" if isinstance(statement.names, cst.ImportStar) else _dotted(statement.names[0].name)
    dotted = "." * len(statement.relative) + module
    return _Key(_section(module, relative, first_party), True, dotted, first)


def _block(body: Sequence[Statement]) -> tuple[int, int]:
    """``[start, end)`` of the first run of top-level import lines (empty if none)."""
    start = next((i for i, line in enumerate(body) if _import_of(line) is not None), None)
    if start is None:
        return _after_docstring(body), _after_docstring(body)
    end = start
    while end < len(body) and _import_of(body[end]) is not None:
        end += 1
    return start, end


def _after_docstring(body: Sequence[Statement]) -> int:
    if body and isinstance(body[0], cst.SimpleStatementLine):
        first = body[0].body[0] if body[0].body else None
        if isinstance(first, cst.Expr) and isinstance(
            first.value, cst.SimpleString | cst.ConcatenatedString
        ):
            return 1
    return 0


def _blank_count(lines: Sequence[cst.EmptyLine]) -> int:
    return sum(1 for line in lines if line.comment is None)


def _with_blanks(lines: Sequence[cst.EmptyLine], count: int) -> tuple[cst.EmptyLine, ...]:
    """The comments of ``lines`` preceded by exactly ``count`` blank lines."""
    comments = tuple(line for line in lines if line.comment is not None)
    return (cst.EmptyLine(),) * count + comments


def _plain(statement: cst.ImportFrom) -> bool:
    """A ``from x import a, b`` we may extend: not ``*``, no comment between the names."""
    if isinstance(statement.names, cst.ImportStar):
        return False
    return "#" not in cst.Module([]).code_for_node(statement)


def _has_name(statement: cst.ImportFrom, name: str) -> bool:
    if isinstance(statement.names, cst.ImportStar):
        return False
    for alias in statement.names:
        bound = alias.asname.name if alias.asname is not None else alias.name
        if isinstance(bound, cst.Name) and bound.value == name and _dotted(alias.name) == name:
            return True
    return False


def _alias_key(alias: cst.ImportAlias) -> tuple[int, tuple[tuple[int, int | str], ...], str]:
    return member_key(_dotted(alias.name))


def _join_aliases(statement: cst.ImportFrom, added: Sequence[cst.ImportAlias]) -> cst.ImportFrom:
    """``statement`` with ``added`` in sorted position; wrapped when the line gets long."""
    assert not isinstance(statement.names, cst.ImportStar)
    names = [alias.with_changes(comma=cst.MaybeSentinel.DEFAULT) for alias in statement.names]
    for alias in added:
        names.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    names.sort(key=_alias_key)
    multiline = statement.lpar is not None and "\n" in cst.Module([]).code_for_node(statement)
    flat = statement.with_changes(names=_commas(names, ", ", trailing=False), lpar=None, rpar=None)
    if not multiline and len(cst.Module([]).code_for_node(flat)) <= LINE_LENGTH:
        return flat
    return _wrapped(statement, names)


def _commas(
    names: Sequence[cst.ImportAlias], separator: str, trailing: bool
) -> list[cst.ImportAlias]:
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(separator[1:]))
    result = [alias.with_changes(comma=comma) for alias in names[:-1]]
    last = names[-1]
    result.append(last.with_changes(comma=cst.Comma() if trailing else cst.MaybeSentinel.DEFAULT))
    return result


def _wrapped(statement: cst.ImportFrom, names: Sequence[cst.ImportAlias]) -> cst.ImportFrom:
    """One name per line with a trailing comma: how ruff formats a long import."""
    indent = cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        indent=True,
        last_line=cst.SimpleWhitespace("    "),
    )
    closing = cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace("")
    )
    items = [alias.with_changes(comma=cst.Comma(whitespace_after=indent)) for alias in names]
    items[-1] = items[-1].with_changes(comma=cst.Comma(whitespace_after=closing))
    return statement.with_changes(
        names=items,
        lpar=cst.LeftParen(whitespace_after=indent),
        rpar=cst.RightParen(),
    )


def _new_line(item: ImportItem) -> cst.SimpleStatementLine:
    module, name = item
    if name is None:
        statement: cst.BaseSmallStatement = cst.Import(
            names=[cst.ImportAlias(name=cst.parse_expression(module))]  # type: ignore[arg-type]
        )
    else:
        statement = cst.ImportFrom(
            module=cst.parse_expression(module),  # type: ignore[arg-type]
            names=[cst.ImportAlias(name=cst.Name(name))],
        )
    return cst.SimpleStatementLine(body=[statement])


class ImportBlock:
    """The top-level statements of a module, edited as isort would place imports."""

    def __init__(self, module: cst.Module, first_party: Collection[str]) -> None:
        self.body: list[Statement] = list(module.body)
        self.module = module
        self.first_party = first_party

    def result(self) -> cst.Module:
        return self.module.with_changes(body=self.body)

    def has(self, item: ImportItem) -> bool:
        module, name = item
        for line in self.body:
            statement = _import_of(line)
            if isinstance(statement, cst.Import) and name is None:
                if any(
                    _dotted(alias.name) == module and alias.asname is None
                    for alias in statement.names
                ):
                    return True
            elif (
                isinstance(statement, cst.ImportFrom)
                and name is not None
                and not statement.relative
                and _dotted(statement.module) == module
                and _has_name(statement, name)
            ):
                return True
        return False

    def add(self, item: ImportItem, comments: Sequence[cst.EmptyLine] = ()) -> None:
        """Import ``item`` unless it already is; merge into an existing ``from`` line."""
        if self.has(item):
            return
        module, name = item
        if name is not None and self.merge(module, [cst.ImportAlias(name=cst.Name(name))]):
            return
        self.insert(_new_line(item), comments)

    def merge(self, module: str, aliases: Sequence[cst.ImportAlias]) -> bool:
        for index, line in enumerate(self.body):
            statement = _import_of(line)
            if (
                isinstance(statement, cst.ImportFrom)
                and not statement.relative
                and _dotted(statement.module) == module
                and _plain(statement)
                and all(a.asname is None for a in statement.names)  # type: ignore[union-attr]
            ):
                assert isinstance(line, cst.SimpleStatementLine)
                joined = _join_aliases(statement, aliases)
                self.body[index] = line.with_changes(body=[joined])
                return True
        return False

    def insert(
        self,
        line: cst.SimpleStatementLine,
        comments: Sequence[cst.EmptyLine] = (),
        space_after: bool = True,
    ) -> None:
        """Put an import line into its section, in sorted order.

        ``space_after``: a new block gets the blank lines isort puts after imports.
        """
        statement = _import_of(line)
        assert statement is not None
        section = _key(statement, self.first_party).section
        order = _key(statement, self.first_party).order()
        start, end = _block(self.body)
        position = next((i for i in range(start, end) if self._key_at(i).order() > order), end)
        if position > start:
            blanks_before = 0 if self._key_at(position - 1).section == section else 1
        elif position < end:
            blanks_before = _blank_count(self.body[position].leading_lines)
        else:
            blanks_before = 1 if position > 0 else 0
        if position < end:
            successor = self.body[position]
            apart = 0 if self._key_at(position).section == section else 1
            self.body[position] = successor.with_changes(
                leading_lines=_with_blanks(successor.leading_lines, apart)
            )
        elif space_after and start == end and position < len(self.body):
            successor = self.body[position]
            wanted = 2 if isinstance(successor, cst.ClassDef | cst.FunctionDef) else 1
            if _blank_count(successor.leading_lines) < wanted:
                self.body[position] = successor.with_changes(
                    leading_lines=_with_blanks(successor.leading_lines, wanted)
                )
        self.body.insert(
            position,
            line.with_changes(leading_lines=(cst.EmptyLine(),) * blanks_before + tuple(comments)),
        )

    def _key_at(self, index: int) -> _Key:
        statement = _import_of(self.body[index])
        assert statement is not None
        return _key(statement, self.first_party)

    def comment_above(self, module: str, comments: Sequence[cst.EmptyLine]) -> None:
        """Keep a moved line's comment: above the line its names joined."""
        for index, line in enumerate(self.body):
            statement = _import_of(line)
            if isinstance(statement, cst.ImportFrom) and _dotted(statement.module) == module:
                self.body[index] = line.with_changes(leading_lines=(*line.leading_lines, *comments))
                return

    def pull(self, index: int) -> cst.SimpleStatementLine:
        """Remove a line, handing its blank lines and comments to the line after it."""
        line = self.body.pop(index)
        assert isinstance(line, cst.SimpleStatementLine)
        if index < len(self.body):
            successor = self.body[index]
            blanks = max(_blank_count(line.leading_lines), _blank_count(successor.leading_lines))
            comments = [ln for ln in line.leading_lines if ln.comment is not None]
            self.body[index] = successor.with_changes(
                leading_lines=_with_blanks([*comments, *successor.leading_lines], blanks)
            )
        return line


def _line_code(line: Statement) -> str:
    return cst.Module([]).code_for_node(line.with_changes(leading_lines=()))


def _has_noqa(line: Statement) -> bool:
    assert isinstance(line, cst.SimpleStatementLine)
    comment = line.trailing_whitespace.comment
    return comment is not None and "noqa" in comment.value


def settle_touched_imports(
    original: cst.Module, updated: cst.Module, first_party: Collection[str]
) -> cst.Module:
    """Move import lines a fix rewrote into their sorted place (merging where possible).

    A rewritten line (``from pydantic import BaseSettings`` re-pointed at
    ``pydantic_settings``) may now be out of order, or repeat a module that another line
    already imports from. Lines with comments between their names stay where they are.
    """
    before = {_line_code(line) for line in original.body if _import_of(line) is not None}
    block = ImportBlock(updated, first_party)
    start, end = _block(block.body)
    touched = [
        i
        for i in range(start, end)
        if _line_code(block.body[i]) not in before
        and isinstance(_import_of(block.body[i]), cst.ImportFrom)
        and _plain(_import_of(block.body[i]))  # type: ignore[arg-type]
        and not _has_noqa(block.body[i])  # a suppression must stay on its line
    ]
    for index in reversed(touched):
        line = block.pull(index)
        statement = _import_of(line)
        assert isinstance(statement, cst.ImportFrom) and not isinstance(
            statement.names, cst.ImportStar
        )
        trailing = line.trailing_whitespace.comment
        comments = (cst.EmptyLine(comment=trailing),) if trailing is not None else ()
        module = _dotted(statement.module)
        plain_names = all(alias.asname is None for alias in statement.names)
        # isort keeps ``import x as y`` lines apart (ruff's combine-as-imports is off).
        if plain_names and not statement.relative and block.merge(module, list(statement.names)):
            if comments:
                block.comment_above(module, comments)
            continue
        block.insert(line.with_changes(leading_lines=()), (), space_after=False)
    return block.result()


def add_imports(
    module: cst.Module, items: Iterable[ImportItem], first_party: Collection[str]
) -> cst.Module:
    """``module`` with every ``(module, name)`` import added where isort would put it."""
    block = ImportBlock(module, first_party)
    for item in sorted(set(items), key=lambda i: (i[0], i[1] or "")):
        block.add(item)
    return block.result()


def space_new_definitions(original: cst.Module, updated: cst.Module) -> cst.Module:
    """Two blank lines around top-level classes and functions a fix created (E302/E305)."""
    before = {_definition_name(line) for line in original.body} - {None}
    body = list(updated.body)
    for index, line in enumerate(body):
        name = _definition_name(line)
        if name is None or name in before:
            continue
        if index > 0:
            body[index] = _at_least_two(line)
        if index + 1 < len(body):
            body[index + 1] = _at_least_two(body[index + 1])
    return updated.with_changes(body=body)


def _definition_name(line: Statement) -> str | None:
    if isinstance(line, cst.ClassDef | cst.FunctionDef):
        return line.name.value
    return None


def _at_least_two(line: Statement) -> Statement:
    if _blank_count(line.leading_lines) >= 2:
        return line
    return line.with_changes(leading_lines=_with_blanks(line.leading_lines, 2))
