"""LL302 ``missing-mapped-annotation``: a mapped attribute without a ``Mapped[...]`` annotation."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import bool_literal, dotted_name, keyword_arg, string_value
from layerlint.file_context import FileContext
from layerlint.rules.base import Example, Fix, Fixability
from layerlint.rules.sqlalchemy._column_fix import (
    FileFacts,
    _annotated_statement,
    _fixable_statement,
    _string_annotation,
    _subscript_items,
    class_body_names,
    code_of,
    column_fix,
)
from layerlint.rules.sqlalchemy._declarative_attribute_rule import _DeclarativeAttributeRule
from layerlint.rules.sqlalchemy._declarative_scan import (
    ClassRecord,
    MappedAttribute,
    is_mapped_annotation,
)
from layerlint.rules.sqlalchemy._support import SEED_AI1, ImportItem, Spelling, parse

_COLLECTIONS = frozenset({"list", "List", "set", "Set", "Sequence", "MutableSequence"})


def _relationship_target(call: cst.Call) -> cst.BaseExpression | None:
    """The related class argument: ``"Post"`` or ``Post`` (not a module path or lambda)."""
    positional = [arg.value for arg in call.args if arg.keyword is None]
    keyword = keyword_arg(call, "argument")
    node = positional[0] if positional else (keyword.value if keyword is not None else None)
    if isinstance(node, cst.SimpleString):
        text = string_value(node)
        return node if text is not None and text.isidentifier() and len(node.quote) == 1 else None
    if isinstance(node, cst.Name):
        return node
    return None


def _target_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.SimpleString):
        return string_value(node) or ""
    return node.value if isinstance(node, cst.Name) else ""


def _collection_of(annotation: cst.Annotation | None) -> str | None:
    """For a collection annotation (``Mapped[list["Post"]]``, ``WriteOnlyMapped[Post]``)
    the element class name (``""`` when not a plain name); None for anything else."""
    if annotation is None:
        return None
    node = _string_annotation(annotation.annotation)
    if not isinstance(node, cst.Subscript):
        return None
    head = dotted_name(node.value)
    items = _subscript_items(node)
    if head is None or len(items) != 1:
        return None
    element: cst.BaseExpression | None = items[0]
    if head[-1] == "Mapped":
        inner = _string_annotation(items[0])
        if not isinstance(inner, cst.Subscript):
            return None
        collection = dotted_name(inner.value)
        inner_items = _subscript_items(inner)
        if collection is None or collection[-1] not in _COLLECTIONS or len(inner_items) != 1:
            return None
        element = inner_items[0]
    elif head[-1] not in ("WriteOnlyMapped", "DynamicMapped"):
        return None
    element = _string_annotation(element) if element is not None else None
    return element.value if isinstance(element, cst.Name) else ""


def _keyword_literal(call: cst.Call, name: str) -> tuple[bool, bool | None]:
    """``(present, literal bool or None)`` for a keyword of ``call``."""
    arg = keyword_arg(call, name)
    return (False, None) if arg is None else (True, bool_literal(arg.value))


def relationship_cardinality(
    attribute: MappedAttribute, record: ClassRecord, classes: Mapping[str, ClassRecord]
) -> str | None:
    """``"list"`` or ``"scalar"`` when the code states it; None when it depends on keys.

    ``uselist=`` says it; ``secondary=`` is many-to-many (a list); ``back_populates=``
    naming a collection of the other class (annotated ``Mapped[list[...]]`` or
    ``uselist=True``, without ``secondary``) makes this side its many-to-one.
    """
    call = attribute.call
    if any(arg.star for arg in call.args):
        return None
    lazy = keyword_arg(call, "lazy")
    if lazy is not None and string_value(lazy.value) in (None, "dynamic", "write_only"):
        return None
    collection_class = keyword_arg(call, "collection_class")
    if collection_class is not None and not (
        isinstance(collection_class.value, cst.Name) and collection_class.value.value == "list"
    ):
        return None
    present, uselist = _keyword_literal(call, "uselist")
    if present:
        return None if uselist is None else ("list" if uselist else "scalar")
    if keyword_arg(call, "secondary") is not None:
        return "list"
    back = keyword_arg(call, "back_populates")
    target = _relationship_target(call)
    other_name = string_value(back.value) if back is not None else None
    if other_name is None or target is None:
        return None
    other = classes.get(_target_name(target))
    if other is None:
        return None
    for candidate in other.attributes:
        if candidate.name != other_name or candidate.kind != "relationship":
            continue
        other_call = candidate.call
        element = _collection_of(candidate.annotation)
        other_target = _relationship_target(other_call)
        pointed = _target_name(other_target) if other_target is not None else element
        if pointed != record.node.name.value or keyword_arg(other_call, "secondary") is not None:
            return None
        present, other_uselist = _keyword_literal(other_call, "uselist")
        if (present and other_uselist) or (not present and element is not None):
            return "scalar"
        return None
    return None


def relationship_fix(
    attribute: MappedAttribute,
    record: ClassRecord,
    classes: Mapping[str, ClassRecord],
    facts: FileFacts,
) -> Fix | None:
    """LL302: ``posts = relationship("Post", uselist=True)`` gets ``Mapped[list["Post"]]``.

    A scalar side gets ``Mapped["Post | None"]`` (``Mapped[Optional["Post"]]`` where
    the module imports ``Optional``): it may be unset, and SQLAlchemy does not read
    nullability from a relationship's annotation.
    """
    statement = _fixable_statement(attribute)
    if statement is None or attribute.annotation is not None or facts.dataclass_mapping:
        return None
    cardinality = relationship_cardinality(attribute, record, classes)
    target = _relationship_target(attribute.call)
    if cardinality is None or target is None:
        return None
    imports: list[ImportItem] = []
    spelling = Spelling(facts.names, class_body_names(record.node), imports)
    target_code = code_of(target)
    inner: str | None
    if cardinality == "list":
        inner = None if "list" in spelling.avoid else f"list[{target_code}]"
    elif isinstance(target, cst.SimpleString) and spelling.optional_head() is None:
        # ``"Post" | None`` fails at runtime: the whole union goes inside the quotes.
        inner = f"{target.quote}{_target_name(target)} | None{target.quote}"
    elif isinstance(target, cst.SimpleString):
        inner = spelling.optional(target_code)
    else:
        if target_code in spelling.avoid:
            return None
        inner = spelling.optional(target_code)
    text = None if inner is None else spelling.mapped(inner)
    annotation = None if text is None else parse(text)
    if annotation is None:
        return None
    new = _annotated_statement(statement, attribute.target, annotation, attribute.call)
    return Fix(((statement, new),), tuple(imports))


class MissingMappedAnnotation(_DeclarativeAttributeRule):
    """A mapped attribute without a ``Mapped[...]`` annotation.

    **What it does:** flags attributes of a declarative class assigned a
    ``mapped_column()``, ``relationship()``, ``column_property()``, ``composite()``,
    ``synonym()`` or ``deferred()`` whose annotation is missing or is not ``Mapped[...]``
    (``WriteOnlyMapped``/``DynamicMapped`` count as mapped). A ``Column()`` attribute is
    LL301's finding: its fix adds the annotation along with ``mapped_column()``.

    **Why is this bad?** Without ``Mapped[...]`` type checkers see ``Column[Any]`` or
    ``RelationshipProperty`` instead of ``str`` or ``list[Post]``, and SQLAlchemy 2.0
    cannot derive nullability and the Python type from the annotation.

    **Example:** ``posts = relationship("Post", back_populates="author")``.

    **Use instead:** ``posts: Mapped[list["Post"]] = relationship(back_populates="author")``.
    """

    code = "LL302"
    skips_migrations = True
    name = "missing-mapped-annotation"
    message = "mapped attribute `{name}` has no `Mapped[...]` annotation"
    seed = SEED_AI1 + ": Mapped[type] annotations (SQLAlchemy 2.0 style)"
    fixable = Fixability.PARTIAL
    example_path = "app/models/user.py"
    valid = (
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column, relationship\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    posts: Mapped[list['Post']] = relationship(back_populates='author')\n"
        "    events: WriteOnlyMapped['Event'] = relationship()\n"
        "    team: 'Mapped[Team]' = relationship()\n",
        "from sqlmodel import Field, Relationship, SQLModel\n"
        "from sqlalchemy.orm import relationship\n"
        "class Team(SQLModel, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    heroes: list['Hero'] = Relationship(sa_relationship=relationship(lazy='selectin'))\n",
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData()\n"
        "class Tables:\n"
        "    users = sa.Table('users', metadata, sa.Column('id', sa.Integer))\n",
    )
    invalid = (
        "from sqlalchemy import ForeignKey, Integer\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class Post(Base):\n"
        "    __tablename__ = 'posts'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    author_id = mapped_column(ForeignKey('users.id'))  # error\n"
        "    author = relationship('User', back_populates='posts')  # error\n"
        "    score: int = mapped_column(Integer)  # error\n",
        "import sqlalchemy as sa\n"
        "from sqlalchemy import orm\n"
        "Base = orm.declarative_base()\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id = sa.Column(sa.Integer, primary_key=True)  # error: LL301\n"
        "    name = orm.column_property(sa.func.lower('x'))  # error\n",
        Example(
            {
                "app/models/user.py": (
                    "from sqlalchemy import ForeignKey, Integer\n"
                    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                    "    posts: Mapped[list['Post']] = relationship(back_populates='author')\n"
                    "    karma = mapped_column(  # error\n"
                    "        Integer,  # never negative\n"
                    "        default=0,\n"
                    "        nullable=False,\n"
                    "    )\n"
                    "    profile = relationship('Profile', uselist=False)  # error\n"
                    "class Post(Base):\n"
                    "    __tablename__ = 'posts'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                    "    author_id = mapped_column(ForeignKey('users.id'))  # error\n"
                    "    author = relationship(  # error\n"
                    "        'User',\n"
                    "        back_populates='posts',\n"
                    "    )\n"
                )
            },
            fixed={
                "app/models/user.py": (
                    "from sqlalchemy import ForeignKey, Integer\n"
                    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                    "    posts: Mapped[list['Post']] = relationship(back_populates='author')\n"
                    "    karma: Mapped[int] = mapped_column(  # error\n"
                    "        Integer,  # never negative\n"
                    "        default=0,\n"
                    "        nullable=False,\n"
                    "    )\n"
                    "    profile: Mapped['Profile | None'] = relationship('Profile', uselist=False)  # error\n"
                    "class Post(Base):\n"
                    "    __tablename__ = 'posts'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                    "    author_id = mapped_column(ForeignKey('users.id'))  # error\n"
                    "    author: Mapped['User | None'] = relationship(  # error\n"
                    "        'User',\n"
                    "        back_populates='posts',\n"
                    "    )\n"
                )
            },
        ),
    )

    def _check(
        self,
        attribute: MappedAttribute,
        record: ClassRecord,
        classes: Mapping[str, ClassRecord],
        facts: FileFacts,
        ctx: FileContext,
    ) -> None:
        if attribute.kind == "column" or is_mapped_annotation(attribute.annotation):
            return
        fix = None
        if attribute.kind == "mapped_column":
            fix = column_fix(attribute, record, facts, convert=False)
        elif attribute.kind == "relationship":
            fix = relationship_fix(attribute, record, classes, facts)
        ctx.report(attribute.target, self.message.format(name=attribute.name), fix=fix)
