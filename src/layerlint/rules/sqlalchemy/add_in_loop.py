"""LL311 ``add-in-loop``: ``session.add()`` inside a loop."""

from __future__ import annotations

from collections.abc import Mapping

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


class AddInLoop(FileRule):
    """``session.add()`` inside a loop.

    **What it does:** flags ``add()`` calls inside a ``for``/``while`` loop or a
    comprehension when the receiver is a SQLAlchemy session by local evidence: a
    parameter annotated ``Session``/``AsyncSession`` (or ``SessionDep``), a name bound
    by ``with Session(...) as s`` / ``s = SessionLocal()``, ``self.x`` set from such a
    value in ``__init__``, or a receiver named ``session``/``*_session`` in a module
    that imports SQLAlchemy or SQLModel; and the added object is new: built in the call
    (``add(Item(...))``) or bound from a constructor call in the function. Re-adding an
    object loaded elsewhere inserts nothing and is not flagged; ``set.add()`` and friends
    are never flagged.

    **Why is this bad?** One ``add()`` per item builds the unit of work one object at
    a time; for bulk data that is slow, and it hides that the operation is a bulk
    insert. (A loop that commits every item on its own, for error isolation, is a
    deliberate choice and is not flagged.)

    **Example:** ``for item in items: session.add(Item(**item))``.

    **Use instead:** ``session.add_all([Item(**item) for item in items])`` or
    ``await session.execute(insert(Item), items)``.
    """

    code = "LL311"
    name = "add-in-loop"
    message = "`{call}()` inside a loop; use `add_all([...])` or `insert().values([...])`"
    seed = "python-backend-patterns: bulk operations instead of per-row adds"
    example_path = "app/repositories/item_repo.py"
    valid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "async def create_all(session: AsyncSession, items: list) -> None:\n"
        "    session.add_all([dict(i) for i in items])\n"
        "    seen = set()\n"
        "    for item in items:\n"
        "        seen.add(item)\n",
        "def collect(tags, items):\n"
        "    for item in items:\n"
        "        tags.add(item)\n"
        "    return [tags.add(i) for i in items]\n",
        "import requests\n"
        "def f(items):\n"
        "    session = object()\n"
        "    for item in items:\n"
        "        session.add(Item(item))\n",
        "from sqlalchemy.orm import Session\n"
        "def requeue(session: Session, callbacks) -> None:\n"
        "    for callback in callbacks:\n"
        "        callback.state = 'queued'\n"
        "        session.add(callback)\n",
    )
    invalid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from app.models.item import Item\n"
        "async def create_all(session: AsyncSession, items: list) -> None:\n"
        "    for data in items:\n"
        "        item = Item(**data)\n"
        "        session.add(item)  # error\n"
        "    [session.add(Item(**i)) for i in items]  # error\n",
        "from sqlalchemy.orm import Session\n"
        "from app import models\n"
        "from app.core.database import SessionLocal\n"
        "from app.models.item import Item\n"
        "class ItemRepository:\n"
        "    def __init__(self, db: Session) -> None:\n"
        "        self.db = db\n"
        "    def save(self, items) -> None:\n"
        "        while items:\n"
        "            self.db.add(Item(name=items.pop()))  # error\n"
        "def import_rows(rows) -> None:\n"
        "    with SessionLocal() as db:\n"
        "        for row in rows:\n"
        "            db.add(models.Row.from_dict(row))  # error\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._reset()

    def _reset(self) -> None:
        # Per function scope, the loops (innermost last) around the current node.
        self._loops: list[list[cst.CSTNode]] = [[]]
        self._classes: list[set[str]] = []
        self._bound: set[tuple[int, str]] = set()
        self._constructed: set[tuple[int, str]] = set()
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

    def _enter_loop(self, node: cst.CSTNode) -> None:
        self._loops[-1].append(node)

    def _leave_loop(self) -> None:
        if self._loops[-1]:
            self._loops[-1].pop()

    def visit_For(self, node: cst.For, ctx: FileContext) -> None:
        self._enter_loop(node)

    def leave_For(self, node: cst.For, ctx: FileContext) -> None:
        self._leave_loop()

    def visit_While(self, node: cst.While, ctx: FileContext) -> None:
        self._enter_loop(node)

    def leave_While(self, node: cst.While, ctx: FileContext) -> None:
        self._leave_loop()

    def visit_ListComp(self, node: cst.ListComp, ctx: FileContext) -> None:
        self._enter_loop(node)

    def leave_ListComp(self, node: cst.ListComp, ctx: FileContext) -> None:
        self._leave_loop()

    def visit_SetComp(self, node: cst.SetComp, ctx: FileContext) -> None:
        self._enter_loop(node)

    def leave_SetComp(self, node: cst.SetComp, ctx: FileContext) -> None:
        self._leave_loop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp, ctx: FileContext) -> None:
        self._enter_loop(node)

    def leave_GeneratorExp(self, node: cst.GeneratorExp, ctx: FileContext) -> None:
        self._leave_loop()

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
        if not isinstance(func, cst.Attribute) or func.attr.value != "add" or not node.args:
            return
        if (
            self._new_object(node.args[0].value, ctx)
            and self._is_session(func.value, ctx)
            and not _commits_per_item(self._loops[-1][-1])
        ):
            callee = ".".join(dotted_name(func) or ("?", "add"))
            ctx.report(node, self.message.format(call=callee))

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


def _constructs(call: cst.Call) -> bool:
    """``Model(...)`` or ``Model.from_x(...)``: a class (CapWords) builds a new object."""
    dotted = dotted_name(call.func)
    if dotted is None:
        return False
    if dotted[-1][:1].isupper():
        return True
    return len(dotted) >= 2 and dotted[-2][:1].isupper()


def _commits_per_item(loop: cst.CSTNode) -> bool:
    """The loop commits each item on its own (error isolation): ``add_all`` would change
    the transaction semantics, so the per-item ``add()`` is deliberate."""
    return any(
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "commit"
        for call in iter_nodes(loop, (cst.Call,))
    )


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
