"""LL303 ``legacy-query-api``: ``session.query(...)``, ``Model.query`` or the legacy ``Query`` class."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import CallFact, Dotted, Value
from layerlint.project import FunctionRef, Project
from layerlint.rules._common import code_units, is_session
from layerlint.rules._example_files import USER_MODEL
from layerlint.rules.base import Example, Finding, ProjectRule

_QUERY_CLASSES = frozenset({"sqlalchemy.orm.Query", "sqlalchemy.orm.query.Query"})


class LegacyQueryApi(ProjectRule):
    """``session.query(...)``, ``Model.query`` or the legacy ``Query`` class.

    **What it does:** flags ``.query(...)`` called with an ORM model (or one of its
    columns) as first argument, or on a value known to be a SQLAlchemy or SQLModel
    session (annotation, ``Depends`` factory, ``sessionmaker`` instance,
    ``with Session(...) as s``, ``self.session``, a ``scoped_session`` registry),
    ``Model.query...`` on an ORM model
    class (Flask-SQLAlchemy style), and imports of ``sqlalchemy.orm.Query``. A
    ``.query()`` on anything else (an HTTP client, a search index) is not flagged.

    **Why is this bad?** ``Query`` is the 1.x API, "legacy" in 2.0: it does not work
    with ``AsyncSession`` at all, and mixing it with ``select()`` splits the codebase in
    two query styles.

    **Example:** ``db.query(User).filter(User.id == user_id).first()``.

    **Use instead:** ``db.scalars(select(User).where(User.id == user_id)).first()``
    (``await session.scalars(...)`` with ``AsyncSession``).
    """

    code = "LL303"
    skips_migrations = True
    name = "legacy-query-api"
    message = "{what}: legacy Query API; use `select()` with `session.execute()`/`scalars()`"
    seed = "python-backend-patterns: prefer select() statements (SQLAlchemy 2.0 style)"
    example_path = "app/repositories/user_repo.py"
    valid = (
        "from sqlalchemy import select\n"
        "from sqlalchemy.orm import Session\n"
        "def get(db: Session, user_id: int):\n"
        "    return db.scalars(select(1)).first()\n",
        "import httpx\n"
        "def search(index, client: httpx.Client, term: str):\n"
        "    index.query(term)\n"
        "    return client.query(term)\n",
        "class Finder:\n    query = None\ndef f():\n    return Finder.query.get(1)\n",
    )
    invalid = (
        "from sqlalchemy.orm import Session\n"
        "def get(db: Session, user_id: int):\n"
        "    return db.query(int).filter(True).first()  # error\n",
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy.orm import sessionmaker\n"
                    "SessionLocal = sessionmaker(expire_on_commit=False)\n"
                    "def get_db():\n"
                    "    db = SessionLocal()\n"
                    "    try:\n"
                    "        yield db\n"
                    "    finally:\n"
                    "        db.close()\n"
                ),
                "app/models/user.py": USER_MODEL,
                "app/repositories/user_repo.py": (
                    "from sqlalchemy.orm import Query  # error\n"
                    "from app.core.database import SessionLocal\n"
                    "from app.models.user import User\n"
                    "class UserRepository:\n"
                    "    def __init__(self) -> None:\n"
                    "        self.session = SessionLocal()\n"
                    "    def all(self) -> Query:\n"
                    "        return self.session.query(User)  # error\n"
                    "    def first(self):\n"
                    "        return User.query.filter_by(id=1).first()  # error\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            for imp in facts.imports:
                if imp.target in _QUERY_CLASSES:
                    yield Finding(
                        facts.path, imp.span, self.message.format(what="`Query` imported")
                    )
        # Module-level code counts too (a script's ``db.query(User)`` at top level).
        for ref in code_units(project):
            for call in ref.function.calls:
                what = self._legacy_call(project, ref, call)
                if what is not None:
                    yield Finding(ref.module.path, call.span, self.message.format(what=what))

    @staticmethod
    def _legacy_call(project: Project, ref: FunctionRef, call: CallFact) -> str | None:
        callee = call.callee
        if "query" not in callee[1:]:
            return None
        if callee[-1] == "query" and (
            is_session(project, ref, callee[:-1])
            or _scoped_receiver(project, ref, callee[:-1])
            or _queries_a_model(project, ref, call)
        ):
            return f"`{'.'.join(callee)}()`"
        index = callee.index("query", 1)
        if index < len(callee) - 1 and callee[0] != "?":
            model = project.resolve_local_or_global(ref, callee[:index])
            if project.is_orm_model(model):
                return f"`{'.'.join(callee[: index + 1])}`"
        return None


_SCOPED_SESSIONS = frozenset(
    {
        "sqlalchemy.orm.scoped_session",
        "sqlalchemy.orm.scoping.scoped_session",
        "sqlalchemy.ext.asyncio.async_scoped_session",
    }
)


def _queries_a_model(project: Project, ref: FunctionRef, call: CallFact) -> bool:
    """``x.query(User)`` / ``x.query(User.id)``: only a Query takes ORM entities, so the
    receiver is a session even when its type is unknown (``run_sync(lambda s: ...)``)."""
    if not call.args or call.args[0].kind != "name":
        return False
    dotted = call.args[0].dotted
    for cut in (len(dotted), len(dotted) - 1):
        if cut >= 1 and project.is_orm_model(project.resolve_local_or_global(ref, dotted[:cut])):
            return True
    return False


def _scoped_value(project: Project, module: str, value: Value, depth: int = 0) -> bool:
    """``scoped_session(factory)``, directly or through a module-level name."""
    if depth > 3 or not value.dotted:
        return False
    resolved = project.resolve_canonical(module, value.dotted)
    if value.kind == "call":
        return resolved in _SCOPED_SESSIONS
    if value.kind == "name" and resolved is not None:
        assigned = project.module_assignment(resolved)
        return assigned is not None and _scoped_value(
            project, assigned[0].module, assigned[1], depth + 1
        )
    return False


def _scoped_receiver(project: Project, ref: FunctionRef, receiver: Dotted) -> bool:
    """A ``scoped_session`` registry (it proxies ``Session.query``): every assignment of
    ``self.x`` in the class, or of the local/global name, is one."""
    fn = ref.function
    values: list[Value] = []
    if len(receiver) == 2 and receiver[0] == "self" and fn.class_name is not None:
        values = [
            value
            for other in ref.module.functions
            if other.class_name == fn.class_name
            for name, value in other.self_attributes
            if name == receiver[1]
        ]
    elif len(receiver) == 1 and receiver[0] not in {p.name for p in fn.params}:
        values = [value for name, value in fn.locals if name == receiver[0]]
        if not values:
            values = [Value("name", receiver)]
    return bool(values) and all(_scoped_value(project, ref.module.module, v) for v in values)
