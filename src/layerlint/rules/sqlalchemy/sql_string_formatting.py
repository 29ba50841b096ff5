"""LL310 ``sql-string-formatting``: sQL text built with an f-string, ``%``, ``+`` or ``.format()``."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from layerlint.expressions import dotted_name, string_value
from layerlint.file_context import FileContext
from layerlint.rules.base import Example, FileRule, OptionValue
from layerlint.rules.sqlalchemy._support import call_name, params
from layerlint.syntax_tree import iter_nodes

if TYPE_CHECKING:
    pass


TEXT = frozenset(
    {
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
        "sqlalchemy.sql.expression.text",
        "sqlmodel.text",
    }
)


KnownConstant = Callable[[str], bool]


_CONSTANT_NAME = re.compile(r"^_*[A-Z][A-Z0-9_]*$")


_SQL_START = re.compile(
    r"^\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|TRUNCATE|GRANT|REVOKE|"
    r"PRAGMA|SET|SHOW|EXPLAIN|COPY|VACUUM|ANALYZE|LOCK|MERGE|COMMENT|DECLARE|CALL|"
    r"EXEC|EXECUTE|REFRESH|REINDEX|CLUSTER|UPSERT)\b",
    re.IGNORECASE,
)


_SAFE_CASTS = frozenset({"int", "float", "bool", "len"})


# Words after which a placeholder names a table, column, index... or a keyword (``BEGIN
# {mode}``), not a value: these positions cannot take bound parameters, and code, not
# users, fills them.
_IDENTIFIER_KEYWORDS = frozenset(
    {
        "TABLE",
        "FROM",
        "INTO",
        "UPDATE",
        "JOIN",
        "INDEX",
        "CONSTRAINT",
        "COLUMN",
        "VIEW",
        "SCHEMA",
        "SEQUENCE",
        "TRIGGER",
        "DATABASE",
        "TYPE",
        "EXISTS",
        "CONCURRENTLY",
        "TO",
        "TRUNCATE",
        "EXTENSION",
        "FUNCTION",
        "KEY",
        "SET",
        "NOTIFY",
        "LISTEN",
        "UNLISTEN",
        "SAVEPOINT",
        "BEGIN",
        "LEVEL",
        "ROLE",
        "USER",
        "OWNER",
        "GRANT",
        "REVOKE",
    }
)

# Statements that take no bound parameters at all (DDL, session settings): a runtime
# value there needs safe quoting, and ``:name`` advice would not work.
_NO_BIND_STATEMENT = re.compile(
    r"^\s*\(?\s*(SET|RESET|SHOW|GRANT|REVOKE|CREATE|ALTER|DROP|COMMENT|TRUNCATE|VACUUM|"
    r"ANALYZE|CLUSTER|REINDEX|LISTEN|NOTIFY|UNLISTEN|SAVEPOINT|RELEASE|PRAGMA)\b",
    re.IGNORECASE,
)
_ENUM_BASES = frozenset({"Enum", "StrEnum", "IntEnum", "Flag", "IntFlag", "ReprEnum"})


_PERCENT_MARKER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")


_LAST_WORD = re.compile(r"([A-Za-z_]+)\s*$")


_BIND_NAME = re.compile(r"(?<![:\w]):\w*$")


_LIKE_TABLE = re.compile(r"\bTABLE\s+\S+\s+LIKE$", re.IGNORECASE)


def _never(name: str) -> bool:
    return False


def is_constant(node: cst.BaseExpression, known: KnownConstant = _never) -> bool:
    """True when ``node`` cannot carry outside input into SQL text.

    Literals and collections of them, ``ALL_CAPS`` names, names ``known`` to hold only
    constants (and their attributes, items and method results), ``Model.__tablename__``,
    ``int(...)``-style casts, compiled SQLAlchemy constructs (``expr.compile()``),
    identifier quoting (``preparer.quote(name)``) and anything read from a dialect.
    """
    if isinstance(node, cst.SimpleString | cst.Integer | cst.Float):
        return True
    if isinstance(node, cst.ConcatenatedString):
        # Implicit concatenation nests to the right; walk it in a loop (generated
        # files such as pydoc_data/topics.py chain thousands of literals).
        current: cst.BaseExpression = node
        while isinstance(current, cst.ConcatenatedString):
            if not is_constant(current.left, known):
                return False
            current = current.right
        return is_constant(current, known)
    if isinstance(node, cst.FormattedString):
        return all(
            is_constant(part.expression, known)
            for part in node.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if isinstance(node, cst.Name):
        return (
            bool(_CONSTANT_NAME.match(node.value))
            or node.value in ("True", "False", "None")
            or known(node.value)
        )
    if isinstance(node, cst.Attribute):
        dotted = dotted_name(node)
        if dotted is None:
            return is_constant(node.value, known)
        return (
            bool(_CONSTANT_NAME.match(dotted[-1]))
            or dotted[-1] == "__tablename__"
            or "__table__" in dotted
            or "dialect" in dotted
            or known(dotted[0])
            or known(".".join(dotted))
        )
    if isinstance(node, cst.Subscript):
        return is_constant(node.value, known)
    if isinstance(node, cst.Call):
        return _constant_call(node, known)
    if isinstance(node, cst.BinaryOperation):
        return is_constant(node.left, known) and is_constant(node.right, known)
    if isinstance(node, cst.Tuple | cst.List | cst.Set):
        return all(
            isinstance(el, cst.Element) and is_constant(el.value, known) for el in node.elements
        )
    if isinstance(node, cst.Dict):
        return all(
            isinstance(el, cst.DictElement)
            and is_constant(el.key, known)
            and is_constant(el.value, known)
            for el in node.elements
        )
    return False


_SAFE_METHODS = frozenset({"compile", "quote", "quote_identifier", "quote_schema"})


def _constant_call(node: cst.Call, known: KnownConstant) -> bool:
    func = node.func
    args = [arg.value for arg in node.args]
    if isinstance(func, cst.Name):
        if func.value == "str" and len(args) == 1:
            return is_constant(args[0], known)
        if func.value in _SAFE_CASTS:
            return True
        # A helper of this file (``known`` as ``name()``) given only constants.
        return known(func.value + "()") and all(is_constant(a, known) for a in args)
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        if method in _SAFE_METHODS or "placeholder" in method or "bindparam" in method:
            return True
        if method == "join" and len(args) == 1 and is_constant(func.value, known):
            return _safe_sql_items(args[0], known)
        if method == "get" and args and is_constant(func.value, known):
            # A lookup in a constant mapping yields one of its values, whatever the key.
            return len(args) < 2 or is_constant(args[1], known)
        return is_constant(func.value, known) and all(is_constant(a, known) for a in args)
    return False


def _safe_sql_items(node: cst.BaseExpression, known: KnownConstant) -> bool:
    """``sep.join(...)`` of constants, or of SQL fragments with no value hole:
    ``" OR ".join(f"x LIKE :{key}" for ...)`` builds SQL, not values."""
    if is_constant(node, known):
        return True
    if isinstance(node, cst.GeneratorExp | cst.ListComp):
        element = node.elt
        return _pieces(element, known) is not None and dynamic_sql(element, known) is None
    return False


@dataclass(frozen=True)
class _Piece:
    """Literal SQL text, or a hole filled at runtime (``text`` None) and how."""

    text: str | None
    how: str = ""


def _hole_or_text(node: cst.BaseExpression, how: str, known: KnownConstant) -> _Piece:
    return _Piece("X") if is_constant(node, known) else _Piece(None, how)


def _pieces(node: cst.BaseExpression, known: KnownConstant) -> list[_Piece] | None:
    """A string expression as literal text and holes; None if it is not one."""
    if isinstance(node, cst.SimpleString):
        text = string_value(node)
        return [_Piece(text)] if text is not None else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = _pieces(node.left, known), _pieces(node.right, known)
        return left + right if left is not None and right is not None else None
    if isinstance(node, cst.FormattedString):
        pieces: list[_Piece] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(_Piece(part.value))
            elif isinstance(part, cst.FormattedStringExpression):
                inner = (
                    _pieces(part.expression, known)
                    if isinstance(part.expression, cst.FormattedString | cst.BinaryOperation)
                    else None
                )
                if inner is not None:
                    pieces.extend(inner)  # a nested string expression: its own pieces
                else:
                    pieces.append(_hole_or_text(part.expression, "an f-string", known))
        return pieces
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Add):
            left, right = _pieces(node.left, known), _pieces(node.right, known)
            if left is None and right is None:
                return None
            how = "`+` concatenation"
            return (left if left is not None else [_hole_or_text(node.left, how, known)]) + (
                right if right is not None else [_hole_or_text(node.right, how, known)]
            )
        if isinstance(node.operator, cst.Modulo):
            template = string_value(node.left)
            return None if template is None else _percent_pieces(template, node.right, known)
        return None
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
    ):
        template = string_value(node.func.value)
        return None if template is None else _format_pieces(template, node, known)
    return None


def _percent_pieces(
    template: str, values: cst.BaseExpression, known: KnownConstant
) -> list[_Piece]:
    how = "`%` formatting"
    elements = (
        [el.value for el in values.elements if isinstance(el, cst.Element)]
        if isinstance(values, cst.Tuple)
        else None
    )
    pieces: list[_Piece] = []
    position = 0
    for index, marker in enumerate(_PERCENT_MARKER.finditer(template)):
        pieces.append(_Piece(template[position : marker.start()]))
        value = elements[index] if elements is not None and index < len(elements) else values
        pieces.append(_hole_or_text(value, how, known))
        position = marker.end()
    pieces.append(_Piece(template[position:]))
    return pieces


def _format_pieces(template: str, call: cst.Call, known: KnownConstant) -> list[_Piece]:
    how = "`.format()`"
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    spread = any(arg.star for arg in call.args)
    pieces: list[_Piece] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return [_Piece(None, how)]
    for literal, field_name, _, _ in parsed:
        pieces.append(_Piece(literal))
        if field_name is None:
            continue
        head = re.split(r"[.\[]", field_name, maxsplit=1)[0]
        value: cst.BaseExpression | None = None
        if head == "":
            value = positional[auto] if auto < len(positional) else None
            auto += 1
        elif head.isdigit():
            value = positional[int(head)] if int(head) < len(positional) else None
        else:
            value = keywords.get(head)
        if value is None:
            pieces.append(_Piece(None, how) if spread or head else _Piece("X"))
        else:
            pieces.append(_hole_or_text(value, how, known))
    return pieces


def _value_position(before: str, after: str) -> bool:
    """A hole where a value goes (``= {x}``, ``'{x}'``), not an identifier or a comment."""
    if "--" in before.rsplit("\n", 1)[-1]:
        return False  # inside a SQL comment
    if before.count("'") % 2 == 1:
        return True  # inside a quoted SQL string literal
    if _BIND_NAME.search(before):
        return False  # part of a bound parameter's name: ``:tag_{i}``
    if before[-1:].isalnum() or before[-1:] == "_":
        return False  # glued to a name: ``idx_{column}``, ``_tmp_{table}``
    stripped = before.rstrip()
    if _LIKE_TABLE.search(stripped):
        return False  # ``CREATE TABLE x LIKE {other}`` names a table
    if stripped.endswith((".", '"', "`", "[")) or after.startswith((".", '"', "`", "]")):
        return False
    word = _LAST_WORD.search(stripped)
    return not (word is not None and word.group(1).upper() in _IDENTIFIER_KEYWORDS)


def dynamic_sql(
    node: cst.BaseExpression, known: KnownConstant = _never, prefix: str = ""
) -> str | None:
    """How ``node`` formats a runtime value into SQL text, or None if it does not.

    Returns ``"an f-string"``, ``"`+` concatenation"``, ``"`%` formatting"`` or
    ``"`.format()`"`` for the first hole in a value position. Literal-only
    concatenations, f-strings without placeholders, constants, bound parameters
    (``":id"``), placeholders in identifier position (``ALTER TABLE {table}``) and
    placeholders inside ``--`` comments are not dynamic. ``prefix`` is SQL text that
    comes before ``node`` (``sql += f"..."``).
    """
    pieces = _pieces(node, known)
    if pieces is None:
        return None
    for index, piece in enumerate(pieces):
        if piece.text is not None:
            continue
        before = prefix + "".join(p.text if p.text is not None else "X" for p in pieces[:index])
        after = "".join(p.text if p.text is not None else "X" for p in pieces[index + 1 :])
        if _value_position(before, after):
            return piece.how
    return None


def sql_text(node: cst.BaseExpression, known: KnownConstant = _never) -> str | None:
    """The literal text of a string expression with ``X`` for each runtime hole."""
    pieces = _pieces(node, known)
    if pieces is None:
        return None
    return "".join(p.text if p.text is not None else "X" for p in pieces)


def value_position(before: str) -> bool:
    """A runtime value appended after ``before`` lands in a value position."""
    return _value_position(before, "")


def leading_text(node: cst.BaseExpression) -> str | None:
    """The literal text a string expression starts with (None when it starts dynamic)."""
    if isinstance(node, cst.SimpleString):
        return string_value(node)
    if isinstance(node, cst.ConcatenatedString):
        return leading_text(node.left)
    if isinstance(node, cst.FormattedString):
        first = node.parts[0] if node.parts else None
        return first.value if isinstance(first, cst.FormattedStringText) else None
    if isinstance(node, cst.BinaryOperation):
        return leading_text(node.left)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return leading_text(node.func.value)
    return None


def looks_like_sql(node: cst.BaseExpression) -> bool:
    """The expression's literal start is a SQL statement keyword."""
    text = leading_text(node)
    return text is not None and bool(_SQL_START.match(text))


_EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql"})


_MUTATORS = frozenset({"append", "extend", "insert", "update", "add", "setdefault"})


class SqlStringFormatting(FileRule):
    """SQL text built with an f-string, ``%``, ``+`` or ``.format()``.

    **What it does:** flags the SQL argument of ``text()``, ``.execute()``,
    ``.exec_driver_sql()`` and Alembic's ``op.execute()`` when it is an f-string with
    placeholders, a ``%``/``.format()`` formatting or a ``+`` concatenation with
    non-constant parts, directly or through a local variable assigned earlier in the
    same function. Literal-only concatenations, f-strings without placeholders,
    ``ALL_CAPS`` constants, ``Model.__tablename__``, ``int(...)`` casts and bound
    parameters (``text("... :id")``) are fine, and so are local variables that only
    ever hold constants (``for table in ("a", "b")``). Placeholders in identifier
    position (``ALTER TABLE {table}``, ``"{schema}".x``) cannot be bound parameters and
    are not flagged, nor are bound-parameter names (``:id_{i}``), text inside a ``--``
    comment, helpers of the same file called with constants, and SQL fragments provided
    by the executing connection (``db.execute(f"... {db.timestamp_now}")``). For
    ``.execute()`` on an unknown receiver the string must start like a SQL statement.

    **Why is this bad?** Values formatted into SQL are an injection hole and defeat
    the statement cache; quoting by hand is always wrong for some input.

    **Example:** ``session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))``.

    Constants also include class attributes with a literal value (``self.LIMIT``,
    ``cls._threshold``) and members of enums defined in the module (``Interval.day``,
    ``self.value`` inside the enum).

    **Why is this bad?** (continued) Statements that take no bound parameters at all (DDL
    such as ``GRANT``/``CREATE ROLE``, ``SET``/``SHOW``, ``NOTIFY``) get different advice:
    quote identifiers with the dialect's ``identifier_preparer.quote()`` (or
    ``sqlalchemy.sql.quoted_name``) and check values against a fixed set; a setting
    can also be passed as ``SELECT set_config('name', :value, true)``.

    **Use instead:** ``session.execute(text("SELECT * FROM users WHERE name = :name"),
    {"name": name})`` or a ``select()``.
    """

    code = "LL310"
    skips_migrations = True
    name = "sql-string-formatting"
    message = "SQL built with {how} passed to `{callee}()`; use bound parameters (`:name`)"
    no_bind_message = (
        "SQL built with {how} passed to `{callee}()`; this statement takes no bound "
        "parameters: quote identifiers with the dialect's `identifier_preparer.quote()` "
        "and check values against a fixed set"
    )
    seed = "python-backend-patterns: parameterized queries, never string formatting in SQL"
    example_path = "app/repositories/user_repo.py"
    valid = (
        "from sqlalchemy import text\n"
        "TABLE = 'users'\n"
        "async def find(session, name: str):\n"
        "    await session.execute(text('SELECT * FROM users WHERE name = :name'), {'name': name})\n"
        "    await session.execute(text(f'SELECT count(*) FROM {TABLE}'))\n"
        "    await session.execute(text('SELECT 1 ' + 'FROM users'))\n"
        "    await session.execute(text(f'SELECT 1'))\n"
        "    await session.execute(text(f'SELECT * FROM t LIMIT {int(limit)}'))\n",
        "import subprocess\n"
        "def run(executor, name: str):\n"
        "    executor.execute(f'job {name}')\n"
        "    executor.execute('echo %s' % name)\n",
        "from app.sql import text\ndef q(name):\n    return text(f'hello {name}')\n",
        Example(
            {
                "alembic/versions/0003_constraints.py": (
                    "from alembic import op\n"
                    "revision = '0003'\n"
                    "down_revision = '0002'\n"
                    "def upgrade() -> None:\n"
                    "    for table in ('a', 'b'):\n"
                    "        op.execute(f'UPDATE {table} SET flag = 1')\n"
                    "def downgrade(table: str, name: str) -> None:\n"
                    "    op.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}')\n"
                    "    op.execute(f'ALTER TABLE \"{table}\" RENAME TO {name}')\n"
                    "    op.execute(f'-- rows moved to {name}')\n"
                )
            }
        ),
        Example(
            {
                "alembic/versions/0002_backfill.py": (
                    "from alembic import op\n"
                    "revision = '0002'\n"
                    "down_revision = '0001'\n"
                    "import sqlalchemy as sa\n"
                    "def upgrade() -> None:\n"
                    "    conn = op.get_bind()\n"
                    "    for row in conn.execute(sa.text('SELECT id, name FROM t')):\n"
                    "        op.execute(f\"UPDATE t SET slug = '{row.name}' WHERE id = {row.id}\")\n"
                    "def downgrade() -> None:\n"
                    "    op.execute('UPDATE t SET slug = NULL')\n"
                )
            }
        ),
    )
    invalid = (
        "from sqlalchemy import text\n"
        "async def find(session, name: str, order: str):\n"
        "    await session.execute(text(f\"SELECT * FROM users WHERE name = '{name}'\"))  # error\n"
        "    await session.execute(text('SELECT * FROM users ORDER BY ' + order))  # error\n"
        "    await session.execute(text('SELECT * FROM users WHERE name = %s' % name))  # error\n"
        "    await session.execute(text('DELETE FROM users WHERE name = {}'.format(order)))  # error\n",
        "import sqlalchemy as sa\n"
        "def purge(conn, table: str, days: str):\n"
        "    sql = f'DELETE FROM {table} WHERE age > {days}'\n"
        "    conn.execute(sa.text(sql))  # error\n"
        "    cursor = conn.connection.cursor()\n"
        "    cursor.execute(f\"SELECT * FROM {table} WHERE day = '{days}'\")  # error\n"
        "    conn.exec_driver_sql('DELETE FROM logs WHERE day < ' + days)  # error\n"
        "    query = 'SELECT * FROM logs WHERE 1 = 1'\n"
        "    query += ' AND day = ' + days\n"
        "    conn.execute(sa.text(query))  # error\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        # (function id or 0, variable) -> (how its SQL was built, its text so far);
        # how is "" while the SQL is constant, and the variable is absent when not SQL.
        self._built: dict[tuple[int, str], tuple[str, str]] = {}
        # (function id or 0, variable) -> True while every binding seen holds a constant.
        self._constants: dict[tuple[int, str], bool] = {}

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._built = {}
        self._constants = {}
        self._enums: set[str] = set()
        # Per enclosing class: attribute names (``self.x``/``cls.x``) that are constants.
        self._class_constants: list[frozenset[str]] = []

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        """Class-level literals are constants of the class; an enum's members and their
        ``value``/``name`` are constants too."""
        is_enum = any(_last_name(base.value) in _ENUM_BASES for base in node.bases)
        names = set(_class_literals(node))
        if is_enum:
            self._enums.add(node.name.value)
            names |= {"value", "name"}
        self._class_constants.append(frozenset(names))

    def leave_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        if self._class_constants:
            self._class_constants.pop()

    @staticmethod
    def _scope(ctx: FileContext) -> int:
        function = ctx.enclosing_function
        return id(function) if function is not None else 0

    def _known(self, scope: int) -> KnownConstant:
        class_constants = self._class_constants[-1] if self._class_constants else frozenset()

        def known(name: str) -> bool:
            local = self._constants.get((scope, name))
            if local is not None:
                return local
            if "." in name:
                head, _, rest = name.partition(".")
                if head in ("self", "cls"):
                    return rest.split(".", 1)[0] in class_constants
                return head in self._enums
            return scope != 0 and self._constants.get((0, name), False)

        return known

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        """Parameters hold whatever the caller passes: never constants. The function
        itself is a helper of this file: given constants, it builds constant SQL."""
        for param in params(node):
            self._constants[(id(node), param.name.value)] = False
        self._constants[(self._scope(ctx), node.name.value + "()")] = True

    def _bind_constant(self, scope: int, name: str, constant: bool) -> None:
        self._constants[(scope, name)] = self._constants.get((scope, name), True) and constant

    def visit_Assign(self, node: cst.Assign, ctx: FileContext) -> None:
        scope = self._scope(ctx)
        known = self._known(scope)
        constant = is_constant(node.value, known)
        sql: tuple[str, str] | None = None
        if scope != 0 and looks_like_sql(node.value):
            sql = (dynamic_sql(node.value, known) or "", sql_text(node.value, known) or "")
        for target in node.targets:
            if not isinstance(target.target, cst.Name):
                continue
            name = target.target.value
            self._bind_constant(scope, name, constant)
            if sql is not None:
                self._built[(scope, name)] = sql
            else:
                self._built.pop((scope, name), None)

    def visit_For(self, node: cst.For, ctx: FileContext) -> None:
        """``for table in ("a", "b"):`` binds constants; any other loop variable is not."""
        scope = self._scope(ctx)
        constant = isinstance(node.iter, cst.Tuple | cst.List | cst.Set | cst.Name) and is_constant(
            node.iter, self._known(scope)
        )
        targets = node.target.elements if isinstance(node.target, cst.Tuple) else [node.target]
        for target in targets:
            value = target.value if isinstance(target, cst.Element) else target
            if isinstance(value, cst.Name):
                self._bind_constant(scope, value.value, constant)

    def visit_AugAssign(self, node: cst.AugAssign, ctx: FileContext) -> None:
        if not isinstance(node.target, cst.Name):
            return
        scope = self._scope(ctx)
        key = (scope, node.target.value)
        known = self._known(scope)
        self._bind_constant(scope, node.target.value, is_constant(node.value, known))
        built = self._built.get(key)
        if built is None or not isinstance(node.operator, cst.AddAssign):
            return
        how, text = built
        appended = sql_text(node.value, known)
        if appended is not None:
            how = how or dynamic_sql(node.value, known, prefix=text) or ""
            self._built[key] = (how, text + appended)
        elif is_constant(node.value, known):
            self._built[key] = (how, text + "X")
        else:
            if not how and value_position(text):
                how = "`+=` concatenation"
            self._built[key] = (how, text + "X")

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        name = call_name(node)
        if name in _MUTATORS:
            self._mutated(node, ctx)
            return
        if (name != "text" and name not in _EXECUTE_METHODS) or not node.args:
            return
        first = node.args[0]
        if first.keyword is not None or first.star:
            return
        sql = first.value
        if name == "text":
            if ctx.qualified_name(node.func) not in TEXT:
                return
            trusted_sql = True
        else:
            if not isinstance(node.func, cst.Attribute):
                return
            trusted_sql = name == "exec_driver_sql" or ctx.qualified_name(node.func) in (
                "alembic.op.execute",
            )
        trusted = _names_in(node.func.value) if isinstance(node.func, cst.Attribute) else set()
        how = self._how(sql, ctx, trusted_sql, trusted)
        if how is not None:
            callee = ".".join(dotted_name(node.func) or ("?", name))
            message = self.no_bind_message if self._takes_no_binds(sql, ctx) else self.message
            ctx.report(sql, message.format(how=how, callee=callee))

    def _takes_no_binds(self, sql: cst.BaseExpression, ctx: FileContext) -> bool:
        """``SET ...``/``GRANT ...``/``CREATE ROLE ...``: no ``:name`` can go there."""
        if isinstance(sql, cst.Name):
            built = self._built.get((self._scope(ctx), sql.value))
            text = built[1] if built is not None else None
        else:
            text = leading_text(sql)
        return text is not None and bool(_NO_BIND_STATEMENT.match(text))

    def _mutated(self, node: cst.Call, ctx: FileContext) -> None:
        """``where.append(fragment)``: the list is only as constant as what goes in."""
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            scope = self._scope(ctx)
            known = self._known(scope)
            constant = all(is_constant(arg.value, known) for arg in node.args)
            self._bind_constant(scope, func.value.value, constant)

    def _how(
        self, sql: cst.BaseExpression, ctx: FileContext, trusted_sql: bool, trusted: set[str]
    ) -> str | None:
        """How ``sql`` was built; names in ``trusted`` (the executing connection or
        database object: ``db.execute(f"... {db.timestamp_now}")``) provide SQL."""
        scope = self._scope(ctx)
        if isinstance(sql, cst.Name):
            built = self._built.get((scope, sql.value))
            return f"{built[0]} (via `{sql.value}`)" if built is not None and built[0] else None
        known = self._known(scope)
        how = dynamic_sql(sql, lambda name: name in trusted or known(name))
        if how is None:
            return None
        if not trusted_sql and not looks_like_sql(sql):
            return None
        return how


def _names_in(node: cst.BaseExpression) -> set[str]:
    """The plain names an expression is built from (``(conn or db)`` -> conn, db)."""
    return {n.value for n in iter_nodes(node, (cst.Name,)) if isinstance(n, cst.Name)}


def _last_name(node: cst.BaseExpression) -> str:
    dotted = dotted_name(node)
    return dotted[-1] if dotted else ""


def _class_literals(node: cst.ClassDef) -> list[str]:
    """Names a class body binds to literals (``LIMIT = 100``, ``_threshold: int = 5``)."""
    names: list[str] = []
    if not isinstance(node.body, cst.IndentedBlock):
        return names
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and is_constant(small.value):
                names.extend(
                    t.target.value for t in small.targets if isinstance(t.target, cst.Name)
                )
            elif (
                isinstance(small, cst.AnnAssign)
                and small.value is not None
                and is_constant(small.value)
                and isinstance(small.target, cst.Name)
            ):
                names.append(small.target.value)
    return names
