"""Regression tests of the LL6xx rules beyond their own examples.

The cases reproduce, in miniature, corpus revisions that an earlier version of a rule
judged wrongly (see docs/precision/sqlalchemy.md); each asserts exact (path, line) pairs.
"""

from __future__ import annotations

from layerlint.testing import found

HEAD = "from alembic import op\nrevision = 'b'\ndown_revision = 'a'\n"
UPGRADE = "def upgrade():\n    op.execute('UPDATE t SET x = 1')\n"


# -- LL601 -----------------------------------------------------------------------------------


def test_ll601_explained_no_op_is_a_decision() -> None:
    files = {
        "db/_migrations/versions/postgresql/a_enum.py": HEAD + UPGRADE + "def downgrade():\n"
        "    # removing values from enums is not possible without recreating the column\n"
        "    pass\n",
        "db/_migrations/versions/postgresql/b_backfill.py": HEAD
        + UPGRADE
        + 'def downgrade():\n    """\n    Data only migration. No action on downgrade.\n    """\n',
        "db/_migrations/versions/postgresql/c_owner.py": HEAD
        + UPGRADE
        + "def downgrade() -> None:\n"
        "    # Backfilled accounts may have acquired credentials since the upgrade.\n"
        "    pass\n",
    }
    assert found(files, "LL601") == []


def test_ll601_template_docstrings_and_tool_comments_explain_nothing() -> None:
    files = {
        "migrations/versions/0008_indexes.py": HEAD
        + UPGRADE
        + 'def downgrade():\n    """Unapply refactor dag run indexes."""\n',
        "migrations/versions/0069_delete.py": HEAD
        + UPGRADE
        + 'def downgrade():  # noqa: D103\n    """Unapply Delete import errors."""\n    pass\n',
        "migrations/versions/0070_bare.py": HEAD + UPGRADE + "def downgrade(): pass\n",
    }
    assert found(files, "LL601") == [
        ("migrations/versions/0008_indexes.py", 6),
        ("migrations/versions/0069_delete.py", 6),
        ("migrations/versions/0070_bare.py", 6),
    ]


def test_ll601_downgrade_defined_elsewhere_or_conditionally() -> None:
    files = {
        "alembic/versions/0001_a.py": HEAD
        + UPGRADE
        + "from app.migration_helpers import downgrade\n",
        "alembic/versions/0002_b.py": HEAD
        + UPGRADE
        + "if op.get_context().dialect.name == 'sqlite':\n"
        "    def downgrade():\n"
        "        op.execute('UPDATE t SET x = 0')\n",
        "alembic/versions/0003_c.py": HEAD + UPGRADE,
    }
    assert found(files, "LL601") == [("alembic/versions/0003_c.py", 4)]


# -- LL602 -----------------------------------------------------------------------------------

_APP = {
    "app/__init__.py": "",
    "app/models/__init__.py": "",
    "app/models/base.py": (
        "from sqlalchemy.orm import declarative_base\n"
        "Base = declarative_base()\n"
        "ID_LEN = 250\n"
        "def StringID() -> None:\n"
        "    return None\n"
    ),
    "app/models/dag.py": (
        "from sqlalchemy import Column, String\n"
        "from app.models.base import Base\n"
        "class DagModel(Base):\n"
        "    __tablename__ = 'dag'\n"
        "    dag_id = Column(String, primary_key=True)\n"
    ),
}


def test_ll602_anything_from_the_models_layer_but_not_other_helpers() -> None:
    files = {
        **_APP,
        "app/db/types.py": "ID_LEN = 250\nclass UtcDateTime:\n    pass\n",
        "app/migrations/versions/0001_x.py": (
            "from app.models.base import ID_LEN, StringID\n"
            "from app.db.types import UtcDateTime\n"
            "revision = '1'\n"
            "down_revision = None\n"
        ),
    }
    assert found(files, "LL602") == [("app/migrations/versions/0001_x.py", 1)]


def test_ll602_orm_model_defined_outside_the_models_layer() -> None:
    files = {
        "app/__init__.py": "",
        "app/db/tables.py": (
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
            "class Base(DeclarativeBase):\n"
            "    pass\n"
            "class Job(Base):\n"
            "    __tablename__ = 'job'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        ),
        "migrations/versions/0004_jobs.py": (
            "from app.db.tables import Job\nrevision = '4'\ndown_revision = '3'\n"
        ),
    }
    assert found(files, "LL602") == [("migrations/versions/0004_jobs.py", 1)]


def test_ll602_models_and_legacy_base_are_flagged() -> None:
    files = {
        **_APP,
        "app/migrations/versions/0002_x.py": (
            "from app.models.base import Base\n"
            "from app.models.dag import DagModel\n"
            "revision = '2'\n"
            "down_revision = '1'\n"
        ),
    }
    assert found(files, "LL602") == [
        ("app/migrations/versions/0002_x.py", 1),
        ("app/migrations/versions/0002_x.py", 2),
    ]


def test_ll602_only_for_a_revision_outside_alembic_importing_app_models() -> None:
    files = {
        "app/models/project.py": (
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
            "class Base(DeclarativeBase):\n"
            "    pass\n"
            "class Project(Base):\n"
            "    __tablename__ = 'project'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        ),
        "app/services/projects.py": "def slugify(name: str) -> str:\n    return name.lower()\n",
        "app/database/revisions/tenant/versions/2021_01_01_abc.py": (
            "from alembic import op\n"
            "from app.models.project import Project\n"
            "from app.services.projects import slugify\n"
            "revision = 'abc'\n"
            "down_revision = 'def'\n"
            "def upgrade():\n"
            "    op.get_bind()\n"
            "def downgrade():\n"
            "    op.get_bind()\n"
        ),
    }
    path = "app/database/revisions/tenant/versions/2021_01_01_abc.py"
    assert found(files, "LL602") == [(path, 2)]
    assert found(files, "LL101") == []


def test_ll602_one_finding_per_import_statement() -> None:
    files = {
        "app/models/user.py": (
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
            "class Base(DeclarativeBase):\n"
            "    pass\n"
            "class User(Base):\n"
            "    __tablename__ = 'users'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        ),
        "alembic/versions/0002_seed.py": (
            "from alembic import op\n"
            "from app.models.user import Base, User\n"
            "revision = '0002'\n"
            "down_revision = '0001'\n"
            "def upgrade():\n"
            "    op.get_bind()\n"
            "def downgrade():\n"
            "    op.get_bind()\n"
        ),
    }
    assert found(files, "LL602") == [("alembic/versions/0002_seed.py", 2)]
