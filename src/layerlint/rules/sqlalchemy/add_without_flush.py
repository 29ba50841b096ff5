"""LL307 ``add-without-flush``: a repository ``add()``s an object and returns it without ``flush()``."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.diagnostics import Span
from layerlint.facts import CallFact
from layerlint.project import FunctionRef, Project
from layerlint.rules._common import is_session
from layerlint.rules._example_files import REPOSITORY_HEAD
from layerlint.rules.base import Example, Finding, ProjectRule


def _before(first: Span, second: Span) -> bool:
    return (first.line, first.column) < (second.line, second.column)


class AddWithoutFlush(ProjectRule):
    """A repository ``add()``s an object and returns it without ``flush()``.

    **What it does:** in repository functions (the repositories layer, or methods of
    ``*Repository`` classes) flags ``session.add(obj)`` on a known session followed by
    ``return obj`` with no ``flush()`` (or ``commit()``) in between. Functions that hand
    the object to another method of the same class after ``add()`` are left alone (it
    may flush there).

    **Why is this bad?** Until the flush the row does not exist: the returned object
    has no primary key, no server defaults (``created_at``), and constraint violations
    surface later, far from the code that caused them.

    **Example:** ``self._session.add(user); return user``.

    **Use instead:** ``self._session.add(user); await self._session.flush();
    await self._session.refresh(user); return user``.
    """

    code = "LL307"
    name = "add-without-flush"
    message = "`{call}` then `return {obj}` without `flush()`; flush (and refresh) to get generated fields"
    seed = "ai1-skills: always flush() + refresh() after add() to get generated fields"
    example_path = "app/repositories/user_repo.py"
    valid = (
        REPOSITORY_HEAD + "        await self._session.flush()\n"
        "        await self._session.refresh(user)\n"
        "        return user\n"
        "    async def stage(self, user) -> None:\n"
        "        self._session.add(user)\n",
        "class Registry:\n"
        "    def __init__(self) -> None:\n"
        "        self.items = set()\n"
        "    def create(self, item):\n"
        "        self.items.add(item)\n"
        "        return item\n",
        "from sqlalchemy.orm import Session\n"
        "class UserRepository:\n"
        "    def __init__(self, session: Session) -> None:\n"
        "        self.session = session\n"
        "    def create(self, user):\n"
        "        self.session.add(user)\n"
        "        self._save()\n"
        "        return user\n"
        "    def _save(self) -> None:\n"
        "        self.session.flush()\n",
    )
    invalid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "class UserRepository:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self._session = session\n"
        "    async def create(self, user):\n"
        "        self._session.add(user)  # error\n"
        "        return user\n",
        Example(
            {
                "app/crud/items.py": (
                    "from sqlalchemy.orm import Session\n"
                    "def create_item(db: Session, item):\n"
                    "    db.add(item)  # error\n"
                    "    return item\n"
                    "def save(db: Session) -> None:\n"
                    "    db.flush()\n"
                )
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            in_layer = project.layer_of(facts.module) == "repositories"
            for fn in facts.functions:
                if not in_layer and not (
                    fn.class_name is not None
                    and project.is_repository_class(f"{facts.module}.{fn.class_name}")
                ):
                    continue
                yield from self._check_function(project, FunctionRef(facts, fn))

    def _check_function(self, project: Project, ref: FunctionRef) -> Iterator[Finding]:
        fn = ref.function
        for call in fn.calls:
            callee = call.callee
            if len(callee) < 2 or callee[-1] != "add" or len(call.args) != 1:
                continue
            obj = call.args[0]
            if obj.kind != "name" or len(obj.dotted) != 1:
                continue
            if not is_session(project, ref, callee[:-1]):
                continue
            returned = [
                r
                for r in fn.returns_values
                if r.value.kind == "name"
                and r.value.dotted == obj.dotted
                and _before(call.span, r.span)
            ]
            if not returned:
                continue
            first_return = min(returned, key=lambda r: (r.span.line, r.span.column))
            if self._flushed_between(fn.class_name, fn.calls, call.span, first_return.span, ref):
                continue
            yield Finding(
                ref.module.path,
                call.span,
                self.message.format(
                    call=".".join(callee) + f"({obj.dotted[0]})", obj=obj.dotted[0]
                ),
            )

    @staticmethod
    def _flushed_between(
        class_name: str | None,
        calls: tuple[CallFact, ...],
        start: Span,
        end: Span,
        ref: FunctionRef,
    ) -> bool:
        methods = set()
        if class_name is not None:
            methods = {f.name for f in ref.module.functions if f.class_name == class_name}
        for other in calls:
            if not (_before(start, other.span) and _before(other.span, end)):
                continue
            callee = other.callee
            if callee[-1] in ("flush", "commit"):
                return True
            if len(callee) == 2 and callee[0] == "self" and callee[1] in methods:
                return True
        return False
