"""LL311 ``round-trip-in-loop``: a flush, commit or single-row statement per loop iteration."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from layerlint.expressions import dotted_name, string_value
from layerlint.file_context import FileContext
from layerlint.rules._common import ASYNC_SESSIONS, SYNC_SESSIONS
from layerlint.rules.base import FileRule, OptionValue
from layerlint.rules.sqlalchemy._support import params
from layerlint.syntax_tree import iter_nodes

SESSION_TYPES = (
    SYNC_SESSIONS
    | ASYNC_SESSIONS
    | frozenset(
        {
            "sqlalchemy.orm.scoped_session",
            "sqlalchemy.ext.asyncio.async_scoped_session",
            "sqlalchemy.engine.Connection",
            "sqlalchemy.ext.asyncio.AsyncConnection",
        }
    )
)


def unwrap_annotation(node: cst.BaseExpression) -> cst.BaseExpression:
    """``Optional[X]``, ``X | None``, ``Annotated[X, ...]`` and ``"X"`` -> ``X``."""
    for _ in range(4):
        if isinstance(node, cst.SimpleString):
            text = string_value(node)
            if text is None:
                return node
            try:
                node = cst.parse_expression(text)
            except cst.ParserSyntaxError:
                return node
            continue
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            if isinstance(node.right, cst.Name) and node.right.value == "None":
                node = node.left
                continue
            if isinstance(node.left, cst.Name) and node.left.value == "None":
                node = node.right
                continue
            return node
        if isinstance(node, cst.Subscript):
            base = dotted_name(node.value)
            first = node.slice[0].slice if node.slice else None
            if base and base[-1] in ("Optional", "Annotated") and isinstance(first, cst.Index):
                node = first.value
                continue
        return node
    return node


_SESSION_NAMES = frozenset({"session", "db_session", "async_session", "dbsession", "sess"})


_SESSION_ANNOTATION_NAMES = frozenset(
    {"Session", "AsyncSession", "SessionDep", "AsyncSessionDep", "DBSession", "DbSession"}
)


class RoundTripInLoop(FileRule):
    """A database round trip for every row of a ``for`` loop.

    **What it does:** flags, on every iteration of a ``for`` loop (an unconditional
    statement of the loop body), a session ``flush()``/``commit()`` in a loop that also
    ``add()``s a new object, and an ``execute()`` of a single-row ``insert()``/
    ``update()``/``delete()`` (or ``text("INSERT ...")``) statement. The session is
    recognised by local evidence: a parameter annotated ``Session``/``AsyncSession`` (or
    ``SessionDep``), a name bound by ``with Session(...) as s`` / ``s = SessionLocal()``,
    ``self.x`` set from such a value in ``__init__``, or a receiver named
    ``session``/``*_session`` in a module that imports SQLAlchemy or SQLModel.

    Not flagged: ``add()`` in a loop followed by one ``flush()``/``commit()`` (the normal
    unit of work; ``add_all`` is the same loop); a flush or commit inside ``try`` (each
    item in its own transaction, for error isolation) or under ``if`` (batching every
    N rows); ``execute(stmt, rows)`` with a list of rows (already one bulk statement);
    ``while`` loops (workers that handle one job per iteration).

    **Why is this bad?** Each iteration waits for the database: a thousand rows are a
    thousand round trips (and, with ``commit()``, a thousand transactions), where one
    flush or one bulk statement sends them together.

    **Example:** ``for name in names: session.add(Tag(name=name)); session.flush()``.

    **Use instead:** add every row, then flush once (relationships fill in foreign keys
    without the intermediate flush); ``session.execute(insert(Tag), rows)`` or
    ``update(Tag)`` with a list of parameter dictionaries for bulk writes.
    """

    code = "LL311"
    skips_migrations = True
    name = "round-trip-in-loop"
    message = "`{call}()` on every loop iteration: one round trip per row; {advice}"
    seed = "python-backend-patterns: bulk operations instead of per-row round trips"
    example_path = "app/repositories/item_repo.py"
    valid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from app.models.item import Item\n"
        "async def create_all(session: AsyncSession, items: list) -> None:\n"
        "    for data in items:\n"
        "        session.add(Item(**data))\n"
        "    await session.commit()\n",
        "from sqlalchemy import insert\n"
        "from sqlalchemy.orm import Session\n"
        "from app.models.item import Item\n"
        "def import_rows(session: Session, batches) -> None:\n"
        "    for index, row in enumerate(batches):\n"
        "        session.add(Item(**row))\n"
        "        if index % 1000 == 0:\n"
        "            session.flush()\n"
        "        try:\n"
        "            session.commit()\n"
        "        except Exception:\n"
        "            session.rollback()\n"
        "    for batch in batches:\n"
        "        session.execute(insert(Item), batch.rows)\n"
        "        session.execute(insert(Item), [{'name': n} for n in batch.names])\n",
        "from sqlalchemy.orm import Session\n"
        "def requeue(session: Session, callbacks) -> None:\n"
        "    for callback in callbacks:\n"
        "        callback.state = 'queued'\n"
        "        session.add(callback)\n"
        "        session.flush()\n",
        "from sqlalchemy.orm import Session\n"
        "def worker(session: Session, queue) -> None:\n"
        "    while queue:\n"
        "        session.add(Job(queue.pop()))\n"
        "        session.commit()\n",
    )
    invalid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from app.models.item import Item\n"
        "async def create_all(session: AsyncSession, items: list) -> None:\n"
        "    for data in items:\n"
        "        item = Item(**data)\n"
        "        session.add(item)\n"
        "        await session.flush()  # error\n",
        "from sqlalchemy import insert, text, update\n"
        "from sqlalchemy.orm import Session\n"
        "from app.core.database import SessionLocal\n"
        "from app.models.item import Item\n"
        "class ItemRepository:\n"
        "    def __init__(self, db: Session) -> None:\n"
        "        self.db = db\n"
        "    def save(self, items) -> None:\n"
        "        for item in items:\n"
        "            self.db.execute(insert(Item).values(name=item))  # error\n"
        "    def rename(self, names: dict) -> None:\n"
        "        for item_id, name in names.items():\n"
        "            stmt = update(Item).where(Item.id == item_id).values(name=name)\n"
        "            self.db.execute(stmt)  # error\n"
        "def import_rows(rows) -> None:\n"
        "    with SessionLocal() as db:\n"
        "        for row in rows:\n"
        "            db.execute(text('INSERT INTO row (v) VALUES (:v)'), {'v': row})  # error\n"
        "            db.add(Row(row))\n"
        "            db.commit()  # error\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._reset()

    def _reset(self) -> None:
        # Per function scope, the ``for`` loops (innermost last) around the current node.
        self._loops: list[list[_Loop]] = [[]]
        self._classes: list[set[str]] = []
        self._bound: set[tuple[int, str]] = set()
        self._constructed: set[tuple[int, str]] = set()
        self._statements: dict[tuple[int, str], cst.BaseExpression] = {}
        self._sqlalchemy_file = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._reset()
        for stmt in node.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import | cst.ImportFrom) and _imports_sqlalchemy(
                        small
                    ):
                        self._sqlalchemy_file = True

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        self._classes.append(_session_attributes(node, ctx))

    def leave_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        if self._classes:
            self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        self._loops.append([])

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        if len(self._loops) > 1:
            self._loops.pop()

    def visit_For(self, node: cst.For, ctx: FileContext) -> None:
        self._loops[-1].append(
            _Loop(_per_iteration_calls(node.body), frozenset(_target_names(node.target)))
        )

    def leave_For(self, node: cst.For, ctx: FileContext) -> None:
        if not self._loops[-1]:
            return
        loop = self._loops[-1].pop()
        if not loop.added:
            return
        reads_new_id = _reads_id_of(node.body, loop.added)
        for call, callee in loop.flushes:
            if callee.endswith(".flush") and reads_new_id:
                continue  # flushed to get the new row's id, used in the same iteration
            ctx.report(call, self._message(callee, _FLUSH_ADVICE))

    def visit_WithItem(self, node: cst.WithItem, ctx: FileContext) -> None:
        function = ctx.enclosing_function
        if function is None or node.asname is None or not isinstance(node.asname.name, cst.Name):
            return
        if isinstance(node.item, cst.Call) and _session_call(node.item, ctx):
            self._bound.add((id(function), node.asname.name.value))

    def visit_Assign(self, node: cst.Assign, ctx: FileContext) -> None:
        function = ctx.enclosing_function
        if function is None:
            return
        names = [t.target.value for t in node.targets if isinstance(t.target, cst.Name)]
        for name in names:
            self._constructed.discard((id(function), name))
            self._statements[(id(function), name)] = node.value
        if not isinstance(node.value, cst.Call):
            return
        if _session_call(node.value, ctx):
            self._bound.update((id(function), name) for name in names)
        elif _constructs(node.value):
            self._constructed.update((id(function), name) for name in names)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if not self._loops[-1]:
            return
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in _SESSION_CALLS:
            return
        if not self._is_session(func.value, ctx):
            return
        loop = self._loops[-1][-1]
        method = func.attr.value
        callee = ".".join(dotted_name(func) or ("session", method))
        if id(node) not in loop.per_iteration:
            return  # under ``if``/``try``/a nested block: not every iteration
        if method == "add":
            if node.args and self._new_object(node.args[0].value, ctx):
                value = node.args[0].value
                loop.added.add(value.value if isinstance(value, cst.Name) else "")
        elif method in ("flush", "commit"):
            loop.flushes.append((node, callee))
        elif self._single_row_write(node, ctx, loop.targets):
            ctx.report(node, self._message(callee, _EXECUTE_ADVICE))

    def _message(self, callee: str, advice: str) -> str:
        return self.message.format(call=callee, advice=advice)

    def _single_row_write(
        self, call: cst.Call, ctx: FileContext, loop_targets: frozenset[str]
    ) -> bool:
        """``execute(insert(X).values(a=...))``, ``update(X).where(X.id == v)``, a name
        bound to one, or ``text("INSERT ..."), {...}``: one row per statement. A second
        argument other than one dict is rows for one bulk statement."""
        if not call.args or call.args[0].keyword is not None:
            return False
        one_row_of_parameters = False
        if len(call.args) > 1:
            if not isinstance(call.args[1].value, cst.Dict):
                return False
            one_row_of_parameters = True
        statement = call.args[0].value
        function = ctx.enclosing_function
        if isinstance(statement, cst.Name) and function is not None:
            statement = self._statements.get((id(function), statement.value), statement)
        return _is_single_row_statement(statement, ctx, loop_targets, one_row_of_parameters)

    def _new_object(self, value: cst.BaseExpression, ctx: FileContext) -> bool:
        """``add(Model(...))`` or ``add(x)`` with ``x = Model(...)``: a row to insert.
        Re-adding an object loaded elsewhere (a loop over query results) inserts nothing."""
        if isinstance(value, cst.Call):
            return _constructs(value)
        function = ctx.enclosing_function
        return (
            isinstance(value, cst.Name)
            and function is not None
            and (id(function), value.value) in self._constructed
        )

    def _is_session(self, receiver: cst.BaseExpression, ctx: FileContext) -> bool:
        function = ctx.enclosing_function
        if isinstance(receiver, cst.Name):
            name = receiver.value
            if function is not None:
                if (id(function), name) in self._bound:
                    return True
                for param in params(function):
                    if param.name.value == name:
                        return _session_annotation(param.annotation, ctx) or self._named_session(
                            name
                        )
            return self._named_session(name)
        if isinstance(receiver, cst.Attribute):
            dotted = dotted_name(receiver)
            if dotted is None:
                return False
            if (
                len(dotted) == 2
                and dotted[0] == "self"
                and self._classes
                and dotted[1] in self._classes[-1]
            ):
                return True
            return self._named_session(dotted[-1].lstrip("_"))
        return False

    def _named_session(self, name: str) -> bool:
        return self._sqlalchemy_file and (name in _SESSION_NAMES or name.endswith("_session"))


_SESSION_CALLS = frozenset({"add", "flush", "commit", "execute"})
_WRITE_BUILDERS = frozenset({"insert", "update", "delete"})
_WRITE_SQL = re.compile(r"^\s*(insert|update|delete)\b", re.IGNORECASE)
_FLUSH_ADVICE = "add every row, then flush or commit once"
_EXECUTE_ADVICE = "execute one bulk statement with a list of rows"


@dataclass
class _Loop:
    """A ``for`` loop being walked: its unconditional calls and what happened in it."""

    per_iteration: frozenset[int]
    targets: frozenset[str] = frozenset()
    added: set[str] = field(default_factory=set)
    flushes: list[tuple[cst.Call, str]] = field(default_factory=list)


def _per_iteration_calls(body: cst.BaseSuite) -> frozenset[int]:
    """Ids of calls that are whole statements of the loop body (``await`` allowed, also
    ``x = [await] call``): they run on every iteration, not under ``if``/``try``."""
    lines: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.IndentedBlock):
        for stmt in body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                lines.extend(stmt.body)
    elif isinstance(body, cst.SimpleStatementSuite):
        lines.extend(body.body)
    calls: set[int] = set()
    for small in lines:
        value: cst.BaseExpression | None = None
        if isinstance(small, cst.Expr | cst.Assign | cst.AnnAssign | cst.AugAssign):
            value = small.value
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call):
            calls.add(id(value))
    return frozenset(calls)


def _is_single_row_statement(
    node: cst.BaseExpression,
    ctx: FileContext,
    loop_targets: frozenset[str],
    one_row_of_parameters: bool,
) -> bool:
    """A write statement that touches one row.

    ``insert(X).values(a=1)``/``.values({...})`` (not ``.values(rows)``), ``insert(X)``
    executed with one dict; ``update(X)``/``delete(X)`` whose ``where()`` compares with
    ``==`` and uses no ``in_()``; ``text("INSERT|UPDATE|DELETE ...")`` with one dict.
    Statements on the loop variable (``delete(model)`` for each model) touch a table per
    iteration, not a row.
    """
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        text = string_value(node)
        return one_row_of_parameters and text is not None and bool(_WRITE_SQL.match(text))
    chain: list[cst.Call] = []
    current: cst.BaseExpression = node
    while isinstance(current, cst.Call):
        chain.append(current)
        func = current.func
        if not isinstance(func, cst.Attribute) or isinstance(func.value, cst.Name | cst.Attribute):
            break
        current = func.value
    if not chain:
        return False
    root = chain[-1]
    dotted = dotted_name(root.func)
    if dotted is None:
        return False
    if dotted[-1] == "text":
        if not root.args:
            return False
        return _is_single_row_statement(
            root.args[0].value, ctx, loop_targets, one_row_of_parameters
        )
    if dotted[-1] not in _WRITE_BUILDERS:
        return False
    qualified = ctx.qualified_name(root.func) or ""
    if len(dotted) == 1 and not qualified.startswith(("sqlalchemy", "sqlmodel")):
        return False
    if root.args and _mentions(root.args[0].value, loop_targets):
        return False  # one statement per table or model
    methods = {
        call.func.attr.value: call for call in chain[:-1] if isinstance(call.func, cst.Attribute)
    }
    if dotted[-1] == "insert":
        values = methods.get("values")
        if values is None:
            return one_row_of_parameters
        return all(
            arg.keyword is not None or isinstance(arg.value, cst.Dict) for arg in values.args
        )
    where = methods.get("where") or methods.get("filter")
    return where is not None and _compares_one_row(where)


def _compares_one_row(where: cst.Call) -> bool:
    """``where(X.id == v)``: an equality, and no ``in_()``/``any_()`` over a collection."""
    nodes = list(iter_nodes(where, (cst.Comparison, cst.Call)))
    if any(
        isinstance(n, cst.Call)
        and isinstance(n.func, cst.Attribute)
        and n.func.attr.value in ("in_", "any_", "between")
        for n in nodes
    ):
        return False
    return any(
        isinstance(n, cst.Comparison)
        and any(isinstance(t.operator, cst.Equal) for t in n.comparisons)
        for n in nodes
    )


def _mentions(node: cst.BaseExpression, names: frozenset[str]) -> bool:
    return any(isinstance(n, cst.Name) and n.value in names for n in iter_nodes(node, (cst.Name,)))


def _target_names(target: cst.BaseExpression) -> list[str]:
    return [n.value for n in iter_nodes(target, (cst.Name,)) if isinstance(n, cst.Name)]


def _reads_id_of(body: cst.BaseSuite, added: set[str]) -> bool:
    """The loop reads ``obj.id`` (or ``obj.<x>_id``) of an object it added."""
    return any(
        isinstance(n, cst.Attribute)
        and isinstance(n.value, cst.Name)
        and n.value.value in added
        and (n.attr.value == "id" or n.attr.value.endswith("_id"))
        for n in iter_nodes(body, (cst.Attribute,))
    )


def _constructs(call: cst.Call) -> bool:
    """``Model(...)`` or ``Model.from_x(...)``: a class (CapWords) builds a new object."""
    dotted = dotted_name(call.func)
    if dotted is None:
        return False
    if dotted[-1][:1].isupper():
        return True
    return len(dotted) >= 2 and dotted[-2][:1].isupper()


def _imports_sqlalchemy(node: cst.Import | cst.ImportFrom) -> bool:
    if isinstance(node, cst.Import):
        names = [dotted_name(alias.name) for alias in node.names]
        return any(d is not None and d[0] in ("sqlalchemy", "sqlmodel") for d in names)
    if node.relative or node.module is None:
        return False
    dotted = dotted_name(node.module)
    return dotted is not None and dotted[0] in ("sqlalchemy", "sqlmodel")


def _session_annotation(annotation: cst.Annotation | None, ctx: FileContext) -> bool:
    if annotation is None:
        return False
    node = unwrap_annotation(annotation.annotation)
    dotted = dotted_name(node)
    if dotted is None:
        return False
    qualified = ctx.qualified_name(node)
    if qualified is not None and qualified in SESSION_TYPES:
        return True
    if qualified is not None and qualified.split(".")[0] in ("requests", "aiohttp", "httpx"):
        return False
    return dotted[-1] in _SESSION_ANNOTATION_NAMES or dotted[-1].endswith("SessionDep")


def _session_call(call: cst.Call, ctx: FileContext) -> bool:
    """A call that returns a SQLAlchemy session: ``Session(engine)``, ``SessionLocal()``..."""
    qualified = ctx.qualified_name(call.func)
    if qualified is not None:
        if qualified in SESSION_TYPES:
            return True
        if qualified.split(".")[0] in ("requests", "aiohttp", "httpx", "sqlalchemy", "sqlmodel"):
            return False
    dotted = dotted_name(call.func)
    if dotted is None:
        return False
    last = dotted[-1].lower()
    return "session" in last and "client" not in last


def _session_attributes(node: cst.ClassDef, ctx: FileContext) -> set[str]:
    """``self.x`` names a class sets to a session (class annotations or ``__init__``)."""
    found: set[str] = set()
    if not isinstance(node.body, cst.IndentedBlock):
        return found
    for stmt in node.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if (
                    isinstance(small, cst.AnnAssign)
                    and isinstance(small.target, cst.Name)
                    and _session_annotation(small.annotation, ctx)
                ):
                    found.add(small.target.value)
        elif isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__init__":
            sessions = {
                p.name.value for p in params(stmt) if _session_annotation(p.annotation, ctx)
            }
            if not isinstance(stmt.body, cst.IndentedBlock):
                continue
            for line in stmt.body.body:
                if not isinstance(line, cst.SimpleStatementLine):
                    continue
                for small in line.body:
                    _init_assignment(small, sessions, found, ctx)
    return found


def _init_assignment(
    small: cst.BaseSmallStatement, sessions: set[str], found: set[str], ctx: FileContext
) -> None:
    if isinstance(small, cst.Assign):
        targets = [t.target for t in small.targets]
        value: cst.BaseExpression | None = small.value
        annotated = False
    elif isinstance(small, cst.AnnAssign):
        targets = [small.target]
        value = small.value
        annotated = _session_annotation(small.annotation, ctx)
    else:
        return
    is_session = annotated or (
        (isinstance(value, cst.Name) and value.value in sessions)
        or (isinstance(value, cst.Call) and _session_call(value, ctx))
    )
    if not is_session:
        return
    for target in targets:
        dotted = dotted_name(target)
        if dotted is not None and len(dotted) == 2 and dotted[0] == "self":
            found.add(dotted[1])
