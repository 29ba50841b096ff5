"""LL309 ``missing-timestamps``: a table model without ``created_at`` and ``updated_at``."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import ClassFact
from layerlint.project import ORM_BASES, Project
from layerlint.rules.base import Default, Example, Finding, ProjectRule
from layerlint.rules.sqlalchemy._support import SEED_AI1

# The seed's names first; the usual spellings of the same two columns count too (a
# model with ``created``/``updated`` has its timestamps, just named differently).
_TIMESTAMPS: dict[str, frozenset[str]] = {
    "created_at": frozenset(
        {
            "created_at",
            "created",
            "created_on",
            "created_time",
            "creation_time",
            "creation_date",
            "date_created",
            "inserted_at",
        }
    ),
    "updated_at": frozenset(
        {
            "updated_at",
            "updated",
            "updated_on",
            "updated_time",
            "modified_at",
            "modified",
            "modified_on",
            "last_modified",
            "last_modified_at",
            "date_updated",
            "date_modified",
        }
    ),
}


class MissingTimestamps(ProjectRule):
    """A table model without ``created_at`` and ``updated_at``.

    **What it does:** flags ORM table classes (declarative classes with
    ``__tablename__`` or ``Mapped`` columns, SQLModel ``table=True`` models) that
    declare neither themselves nor through a mixin or base class a ``created_at`` and
    an ``updated_at`` attribute (the usual other spellings, ``created``/``updated``,
    ``created_on``/``modified_at``..., count). The declarative base itself, abstract
    classes, classes mapped to a Core ``__table__`` and subclasses of another mapped
    class are skipped.

    **Why is this bad?** Without timestamps there is no cheap answer to "when did this
    change?": debugging, incremental syncs and audits all need them, and adding them
    later leaves old rows empty.

    **Example:** ``class Tag(Base): __tablename__ = "tags"; id: Mapped[int] = ...``.

    **Use instead:** a ``TimestampMixin`` with ``created_at``/``updated_at``
    (``server_default=func.now()``) that every model inherits.
    """

    code = "LL309"
    name = "missing-timestamps"
    message = "table model `{model}` has no {missing}; add `created_at`/`updated_at` (e.g. a mixin)"
    seed = SEED_AI1 + ": always include created_at and updated_at timestamps"
    default = Default.OPT_IN
    example_path = "app/models/tag.py"
    _HEAD = (
        "from datetime import datetime\n"
        "from sqlalchemy import func\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
    )
    valid = (
        _HEAD + "class TimestampMixin:\n"
        "    created_at: Mapped[datetime] = mapped_column(server_default=func.now())\n"
        "    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())\n"
        "class Tag(TimestampMixin, Base):\n"
        "    __tablename__ = 'tags'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "class SpecialTag(Tag):\n"
        "    __mapper_args__ = {'polymorphic_identity': 'special'}\n"
        "    kind: Mapped[str] = mapped_column(default='x')\n",
        _HEAD + "class Abstract(Base):\n"
        "    __abstract__ = True\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "class TagSchema:\n"
        "    id: int\n",
    )
    invalid = (
        _HEAD + "class Tag(Base):  # error\n"
        "    __tablename__ = 'tags'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "class Note(Base):  # error\n"
        "    __tablename__ = 'notes'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    created_at: Mapped[datetime] = mapped_column(server_default=func.now())\n",
        Example(
            {
                "app/models/hero.py": (
                    "from sqlmodel import Field, SQLModel\n"
                    "class HeroBase(SQLModel):\n"
                    "    name: str\n"
                    "class Hero(HeroBase, table=True):  # error\n"
                    "    id: int | None = Field(default=None, primary_key=True)\n"
                )
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            for cls in facts.classes:
                qualified = f"{facts.module}.{cls.name}"
                if not project.is_orm_model(qualified) or self._skipped(project, qualified, cls):
                    continue
                present = self._names(project, qualified)
                missing = [name for name, accepted in _TIMESTAMPS.items() if not accepted & present]
                if missing:
                    text = " or ".join(f"`{name}`" for name in missing)
                    yield Finding(
                        facts.path, cls.span, self.message.format(model=cls.name, missing=text)
                    )

    @classmethod
    def _skipped(cls, project: Project, qualified: str, fact: ClassFact) -> bool:
        if not cls._is_table(project, qualified, fact):
            return True
        for ancestor in project.ancestry(qualified):
            if ancestor == qualified or not project.is_orm_model(ancestor):
                continue
            ref = project.lookup_class(ancestor)
            if ref is not None and cls._is_table(project, ancestor, ref.cls):
                return True  # inheritance: the parent's table holds the timestamps
        return False

    @staticmethod
    def _is_table(project: Project, qualified: str, fact: ClassFact) -> bool:
        """Not a declarative root (``class Base(DeclarativeBase)``), abstract or Core-mapped."""
        for name, value in fact.attributes:
            if name == "__table__":
                return False
            if name == "__abstract__" and value.kind == "bool" and value.literal:
                return False
        ref = project.lookup_class(qualified)
        return ref is None or not any(base in ORM_BASES for base in project.base_names(ref))

    @staticmethod
    def _names(project: Project, qualified: str) -> set[str]:
        names: set[str] = set()
        for ancestor in project.ancestry(qualified):
            ref = project.lookup_class(ancestor)
            if ref is None:
                continue
            names.update(f.name for f in ref.cls.fields)
            names.update(name for name, _ in ref.cls.attributes)
            names.update(ref.cls.methods)
        return names
