"""LL602 ``migration-imports-app-models``: a migration imports the application's ORM models."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import ImportFact
from layerlint.project import ORM_BASES, Project
from layerlint.rules._common import by_statement, is_migration_module
from layerlint.rules.base import Example, Finding, ProjectRule

# A small application for the LL602 examples.
_MIGRATION_APP: dict[str, str] = {
    "app/__init__.py": "",
    "app/models/__init__.py": "from app.models.user import User\n",
    "app/models/base.py": (
        "from sqlalchemy.orm import DeclarativeBase\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "ID_LEN = 250\n"
    ),
    "app/models/user.py": (
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "from app.models.base import Base\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    ),
    "app/db/types.py": "class UtcDateTime:\n    pass\n",
}


class MigrationImportsAppModels(ProjectRule):
    """A migration imports the application's ORM models.

    **What it does:** flags imports, in Alembic revisions, of the project's ORM model
    classes (and of the declarative ``Base``) wherever they are defined, and of anything
    from the models layer: its modules, and the enums, constants and helpers they
    define (``from app.models.post import PostStatus``). Helpers from other layers
    (``app/db/types.py``) are fine; so are ``TYPE_CHECKING`` imports and Alembic's
    ``env.py`` (which needs the metadata). One import statement is one finding.

    **Why is this bad?** A revision describes the schema at one point in time. If it
    imports today's models (or their enums and lengths), it changes meaning whenever the
    models change: old migrations break or, worse, silently create a different schema
    on a fresh database.

    **Example:** ``from app.models.user import User`` in ``alembic/versions/0003_x.py``.

    **Use instead:** describe the tables the migration needs with ``sa.table()`` /
    ``sa.column()`` (or ``op`` operations) inside the revision.
    """

    code = "LL602"
    name = "migration-imports-app-models"
    message = "migration imports {what}; describe the tables it needs inside the revision"
    seed = "ai1-skills: Alembic migrations (autogenerate, review, upgrade/downgrade)"
    valid = (
        Example(
            {
                **_MIGRATION_APP,
                "alembic/env.py": (
                    "from app.models.base import Base\n"
                    "import app.models\n"
                    "target_metadata = Base.metadata\n"
                ),
                "alembic/versions/0001_init.py": (
                    "from typing import TYPE_CHECKING\n"
                    "import sqlalchemy as sa\n"
                    "from alembic import op\n"
                    "from app.db.types import UtcDateTime\n"
                    "if TYPE_CHECKING:\n"
                    "    from app.models.user import User\n"
                    "revision = '0001'\n"
                    "down_revision = None\n"
                    "def upgrade() -> None:\n"
                    "    users = sa.table('users', sa.column('id'))\n"
                    "    op.execute(users.delete())\n"
                    "def downgrade() -> None:\n"
                    "    op.drop_table('users')\n"
                ),
            }
        ),
        Example(
            {
                **_MIGRATION_APP,
                "app/services/user_service.py": "from app.models.user import User\n",
            }
        ),
    )
    invalid = (
        Example(
            {
                **_MIGRATION_APP,
                "alembic/versions/0002_backfill.py": (
                    "from alembic import op\n"
                    "from app.models import User  # error\n"
                    "from app.models.base import Base  # error\n"
                    "from app.models.base import ID_LEN  # error\n"
                    "revision = '0002'\n"
                    "down_revision = '0001'\n"
                    "def upgrade() -> None:\n"
                    "    import app.models.user  # error\n"
                    "    op.get_bind()\n"
                    "def downgrade() -> None:\n"
                    "    op.get_bind()\n"
                ),
            }
        ),
        Example(
            {
                **_MIGRATION_APP,
                "migrations/versions/0003_x.py": (
                    "from app import models  # error\nrevision = '0003'\ndown_revision = '0002'\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            if not is_migration_module(project.layer_of(facts.module), facts):
                continue
            checked = (imp for imp in facts.imports if not imp.type_only)
            for statement in by_statement(checked):
                found = [
                    (imp, what)
                    for imp in statement
                    if (what := self._model_import(project, imp)) is not None
                ]
                if found:
                    what = " and ".join(what for _, what in found)
                    yield Finding(facts.path, found[0][0].span, self.message.format(what=what))

    @staticmethod
    def _model_import(project: Project, imp: ImportFact) -> str | None:
        target = project.canonical(imp.target)
        short = target.rsplit(".", 1)[-1]
        if project.lookup_class(target) is not None or project.module_assignment(target):
            if project.is_orm_model(target):
                return f"the ORM model `{short}`"
            ancestry = project.ancestry(target)
            if ancestry & ORM_BASES or "<declarative_base>" in ancestry:
                return f"the declarative base `{short}`"
        if target in project.modules and project.layer_of(target) == "models":
            return f"the models module `{target}`"
        for module in (project.module_of_target(imp.target), imp.module):
            if module is not None and project.layer_of(module) == "models":
                return f"`{imp.target}` from the models layer"
        return None
