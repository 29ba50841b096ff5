"""LL304 ``legacy-declarative-base``: ``declarative_base()`` instead of a ``DeclarativeBase`` subclass."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.file_context import FileContext
from layerlint.rules._rewrites import dedented_by
from layerlint.rules.base import Example, FileRule, Fix, Fixability, OptionValue
from layerlint.rules.sqlalchemy._support import (
    DECLARATIVE_FACTORIES,
    SEED_AI1,
    ImportItem,
    ModuleNames,
    Spelling,
    call_name,
    import_of,
    indent_of,
    mentions,
    parse,
    separator,
)


def _comments(node: cst.CSTNode) -> list[str]:
    """Every comment inside ``node``, in order (to prove a rewrite lost none)."""
    found: list[str] = []
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Comment):
            found.append(current.value)
        stack.extend(reversed(current.children))
    return found


# ``declarative_base()`` arguments that are class attributes of a ``DeclarativeBase``.
_BASE_ATTRIBUTES = frozenset({"metadata", "type_annotation_map"})


def _lines_of(
    ws: cst.BaseParenthesizableWhitespace,
) -> tuple[cst.Comment | None, list[cst.EmptyLine]]:
    """The end-of-line comment and the own-line comments a separator holds."""
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return None, []
    lines = [
        line.with_changes(indent=True, whitespace=cst.SimpleWhitespace(""))
        for line in ws.empty_lines
        if line.comment is not None
    ]
    return ws.first_line.comment, lines


def _dedented(value: cst.BaseExpression, indent: cst.SimpleWhitespace | None) -> cst.BaseExpression:
    if indent is None or not indent.value:
        return value
    result = value.visit(dedented_by(indent.value))
    return result if isinstance(result, cst.BaseExpression) else value


def declarative_base_fix(
    line: cst.SimpleStatementLine, call: cst.Call, names: ModuleNames, legacy_meta: bool
) -> Fix | None:
    """``Base = declarative_base(metadata=m)`` -> ``class Base(DeclarativeBase):`` with
    ``metadata = m``.

    Only ``metadata=`` and ``type_annotation_map=`` have a class-attribute twin; ``cls=``,
    ``constructor=``, ``metaclass=``... give no fix. Unsafe when the module mentions
    ``DeclarativeMeta``: the new class is not an instance of it.
    """
    if len(line.body) != 1:
        return None
    small = line.body[0]
    if isinstance(small, cst.Assign):
        if len(small.targets) != 1:
            return None
        target = small.targets[0].target
    elif isinstance(small, cst.AnnAssign):
        target = small.target
    else:
        return None
    if small.value is not call or not isinstance(target, cst.Name):
        return None
    if any(
        arg.star or arg.keyword is None or arg.keyword.value not in _BASE_ATTRIBUTES
        for arg in call.args
    ):
        return None
    imports: list[ImportItem] = []
    spelling = Spelling(names, (), imports)
    base_text = spelling.refer("sqlalchemy.orm", "DeclarativeBase")
    base = None if base_text is None else parse(base_text)
    if base is None:
        return None
    body: list[cst.BaseStatement] = []
    header = line.trailing_whitespace
    comment, pending = _lines_of(call.whitespace_before_args)
    if comment is not None and header.comment is None:
        # A comment after ``declarative_base(`` stays on the first line (a suppression too).
        header = header.with_changes(whitespace=cst.SimpleWhitespace("  "), comment=comment)
    elif comment is not None:
        pending.insert(0, cst.EmptyLine(indent=True, comment=comment))
    indent = indent_of(call)
    for arg in call.args:
        assert arg.keyword is not None
        comment, after = _lines_of(separator(arg))
        value = _dedented(arg.value, indent)
        body.append(
            cst.SimpleStatementLine(
                body=[cst.Assign(targets=[cst.AssignTarget(arg.keyword)], value=value)],
                leading_lines=pending,
                trailing_whitespace=cst.TrailingWhitespace(
                    whitespace=cst.SimpleWhitespace("  " if comment is not None else ""),
                    comment=comment,
                ),
            )
        )
        pending = after
    if not body:
        body.append(cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=pending))
        pending = []
    new = cst.ClassDef(
        name=target,
        body=cst.IndentedBlock(body=body, header=header, footer=pending),
        bases=[cst.Arg(value=base)],
        leading_lines=line.leading_lines,
        lpar=cst.LeftParen(),
        rpar=cst.RightParen(),
    )
    if sorted(_comments(new)) != sorted(_comments(line)):
        return None  # a comment sat somewhere this rewrite has no place for
    removes = import_of(call.func, names)
    return Fix(((line, new),), tuple(imports), tuple(removes), safe=not legacy_meta)


class LegacyDeclarativeBase(FileRule):
    """``declarative_base()`` instead of a ``DeclarativeBase`` subclass.

    **What it does:** flags calls of ``sqlalchemy.orm.declarative_base()`` (and the
    older ``sqlalchemy.ext.declarative.declarative_base()``), resolved through imports.

    **Why is this bad?** The function returns a class built at runtime, so type
    checkers know nothing about it or the models deriving from it; ``Mapped[...]``
    typing and ``type_annotation_map`` need the 2.0 ``DeclarativeBase``.

    **Example:** ``Base = declarative_base()``.

    **Use instead:** ``class Base(DeclarativeBase): pass``.
    """

    code = "LL304"
    skips_migrations = True
    name = "legacy-declarative-base"
    message = "`declarative_base()` is the 1.x API; use `class Base(DeclarativeBase): ...`"
    seed = SEED_AI1 + ": class Base(DeclarativeBase)"
    fixable = Fixability.PARTIAL
    unsafe_fixes = True
    example_path = "app/models/base.py"
    valid = (
        "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase):\n    pass\n",
        "from app.db.helpers import declarative_base\nBase = declarative_base()\n",
    )
    invalid = (
        "from sqlalchemy.orm import declarative_base\nBase = declarative_base()  # error\n",
        "import sqlalchemy.ext.declarative as decl\n"
        "from sqlalchemy import MetaData\n"
        "Base = decl.declarative_base(metadata=MetaData())  # error\n",
        Example(
            {
                "app/models/base.py": (
                    "from sqlalchemy import MetaData\n"
                    "from sqlalchemy.orm import declarative_base\n"
                    "\n"
                    "# every model derives from Base\n"
                    "Base = declarative_base(  # error\n"
                    "    metadata=MetaData(\n"
                    "        schema='app',  # one schema per service\n"
                    "    ),\n"
                    ")\n"
                )
            },
            fixed={
                "app/models/base.py": (
                    "from sqlalchemy import MetaData\n"
                    "from sqlalchemy.orm import DeclarativeBase\n"
                    "\n"
                    "\n"
                    "# every model derives from Base\n"
                    "class Base(DeclarativeBase):  # error\n"
                    "    metadata = MetaData(\n"
                    "        schema='app',  # one schema per service\n"
                    "    )\n"
                )
            },
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._module: cst.Module | None = None
        self._names: ModuleNames | None = None
        self._lines: dict[int, cst.SimpleStatementLine] = {}

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._module = node
        self._names = None
        self._lines = {}

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine, ctx: FileContext) -> None:
        # ``Base = declarative_base()``: remember the line the call is the value of.
        for small in node.body:
            if isinstance(small, cst.Assign | cst.AnnAssign) and isinstance(small.value, cst.Call):
                self._lines[id(small.value)] = node

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if call_name(node) != "declarative_base":
            return
        if ctx.qualified_name(node.func) in DECLARATIVE_FACTORIES:
            ctx.report(node, fix=self._fix(node))

    def _fix(self, node: cst.Call) -> Fix | None:
        """The class rewrite, when the call is the whole value of a one-name assignment."""
        line = self._lines.get(id(node))
        if line is None or self._module is None:
            return None
        if self._names is None:
            self._names = ModuleNames.of(self._module)
        legacy_meta = mentions(self._module, frozenset({"DeclarativeMeta"}))
        return declarative_base_fix(line, node, self._names, legacy_meta)
