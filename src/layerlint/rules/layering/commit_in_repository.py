"""LL109 ``commit-in-repository``: a repository commits or rolls back the transaction."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.project import Project
from layerlint.rules._common import is_session
from layerlint.rules._example_files import REPOSITORY_HEAD
from layerlint.rules.base import Finding, ProjectRule


class CommitInRepository(ProjectRule):
    """A repository commits or rolls back the transaction.

    **What it does:** flags ``commit()`` and ``rollback()`` on a session (or connection)
    inside the repository layer.

    **Why is this bad?** The transaction belongs to the request (the session dependency
    or a unit of work). A repository that commits breaks atomicity for every service
    that calls two repositories.

    **Example:** ``await self._session.commit()`` in ``UserRepository.create``.

    **Use instead:** ``await self._session.flush()`` (and ``refresh()``); commit in the
    session dependency.
    """

    code = "LL109"
    name = "commit-in-repository"
    message = "repository calls `{call}`; flush() here and commit in the session dependency"
    seed = "fastapi-production: commit in dependency, rollback on exception"
    example_path = "app/repositories/user_repo.py"
    valid = (
        REPOSITORY_HEAD + "        await self._session.flush()\n        return user\n",
        "def publish(repo) -> None:\n    repo.commit()\n",
    )
    invalid = (
        REPOSITORY_HEAD + "        await self._session.commit()  # error\n        return user\n",
        "from sqlalchemy.orm import Session\n"
        "def delete(db: Session, user) -> None:\n"
        "    try:\n"
        "        db.delete(user)\n"
        "    except Exception:\n"
        "        db.rollback()  # error\n"
        "        raise\n",
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in project.functions_in_layer("repositories"):
            for call in ref.function.calls:
                callee = call.callee
                if (
                    len(callee) >= 2
                    and callee[-1] in ("commit", "rollback")
                    and is_session(project, ref, callee[:-1])
                ):
                    yield Finding(
                        ref.module.path,
                        call.span,
                        self.message.format(call=".".join(callee) + "()"),
                    )
