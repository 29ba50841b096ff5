"""Migrations are frozen history: modernisation rules neither report nor fix there.

A revision snapshots the schema as it was; rewriting its ``Column``s, its
``session.query`` or its Pydantic calls changes what the migration did.
"""

from __future__ import annotations

import pytest

from layerlint.rules import all_rules
from layerlint.testing import fix_files, found

SNAPSHOT = (
    "from alembic import op\n"
    "from sqlalchemy import Column, Integer, String, text\n"
    "from sqlalchemy.ext.declarative import declarative_base\n"
    "from sqlalchemy.orm import Session\n"
    "revision = 'abc'\n"
    "down_revision = 'def'\n"
    "Base = declarative_base()\n"
    "class Project(Base):\n"
    "    __tablename__ = 'project'\n"
    "    id = Column(Integer, primary_key=True)\n"
    "    name = Column(String)\n"
    "def upgrade():\n"
    "    session = Session(bind=op.get_bind())\n"
    "    for p in session.query(Project):\n"
    "        session.add(p)\n"
    "    session.execute(text(f\"update project set slug = '{p.name}'\"))\n"
    "def downgrade():\n"
    "    pass\n"
)
MODERNISATION = ("LL301", "LL302", "LL303", "LL304", "LL306", "LL308", "LL310", "LL311")
PYDANTIC_IN_REVISION = (
    "from pydantic import BaseModel\n"
    "revision = 'a1'\n"
    "down_revision = None\n"
    "class Row(BaseModel):\n"
    "    class Config:\n"
    "        orm_mode = True\n"
    "def upgrade():\n"
    "    return Row.parse_obj({}).dict()\n"
    "def downgrade():\n"
    "    pass\n"
)


@pytest.mark.parametrize(
    "path",
    [
        "alembic/versions/2021_abc.py",
        "app/database/revisions/tenant/versions/2021_abc.py",
        "scripts/one_off_revision.py",  # found by what it assigns, wherever it lives
    ],
)
@pytest.mark.parametrize("code", MODERNISATION)
def test_ll3xx_modernisation_rules_skip_migrations(path: str, code: str) -> None:
    assert found({path: SNAPSHOT}, code) == []


@pytest.mark.parametrize("code", ["LL401", "LL402", "LL403", "LL404"])
def test_ll4xx_skip_migrations(code: str) -> None:
    assert found({"migrations/versions/a1.py": PYDANTIC_IN_REVISION}, code) == []


def test_ll301_same_model_outside_a_migration_is_reported() -> None:
    source = SNAPSHOT.replace("revision = 'abc'\n", "").replace("down_revision = 'def'\n", "")
    assert found({"app/models.py": source}, "LL301") == [("app/models.py", 8), ("app/models.py", 9)]


def test_ll301_fix_never_edits_a_migration() -> None:
    files = {"alembic/versions/2021_abc.py": SNAPSHOT}
    after, _, count = fix_files(files, ("LL301", "LL302", "LL303", "LL304"), unsafe=True)
    assert count == 0
    assert after == files


def test_every_ll3xx_and_ll4xx_modernisation_rule_is_marked() -> None:
    wanted = {*MODERNISATION, "LL401", "LL402", "LL403", "LL404", "LL405", "LL406", "LL407"}
    marked = {code for code, rule in all_rules().items() if rule.skips_migrations}
    assert wanted <= marked
    assert not {"LL601", "LL602", "LL101"} & marked
