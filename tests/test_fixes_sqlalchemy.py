"""``--fix`` for the SQLAlchemy rules (LL301, LL302, LL304, LL306), beyond each rule's example.

Every case goes through the real ``check --fix`` pipeline twice (``fix_files``): the first
run's output is compared exactly, must compile, and the second run must change nothing.
Cases where the fix would have to guess (a column type, a nullability, a relationship's
cardinality) pin that the source is left alone and the diagnostic says it has no fix.
"""

from __future__ import annotations

from collections.abc import Mapping

from layerlint.testing import checked_fix, fix_files, found, offers_fix

PATH = "app/models/user.py"

HEAD = (
    "from sqlalchemy import Column, Integer, String\n"
    "from sqlalchemy.orm import DeclarativeBase\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
)


def fix(
    source: str | Mapping[str, str],
    *codes: str,
    unsafe: bool = False,
) -> str:
    """The fixed source of ``PATH``."""
    files = {PATH: source} if isinstance(source, str) else dict(source)
    first, _ = checked_fix(files, *codes, unsafe=unsafe)
    return first[PATH]


def fixable(source: str, code: str) -> list[bool]:
    """For each ``code`` diagnostic in ``PATH``: does it offer a fix?"""
    return offers_fix({PATH: source}, code)


def model(*lines: str, head: str = HEAD) -> str:
    """A module with ``class User(Base)`` whose body is ``lines``."""
    body = "".join(f"    {line}\n" for line in lines)
    return head + "class User(Base):\n    __tablename__ = 'users'\n" + body


# -- LL301 Column -> mapped_column ---------------------------------------------------------------


def test_ll301_column_imports_added_once_and_column_kept_while_a_table_uses_it() -> None:
    source = (
        "from sqlalchemy import Column, ForeignKey, Integer, String, Table\n"
        "from sqlalchemy.orm import DeclarativeBase\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "tags = Table('tags', Base.metadata, Column('user_id', ForeignKey('users.id')))\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    name = Column(String(50), nullable=False)\n"
        "class Team(Base):\n"
        "    __tablename__ = 'teams'\n"
        "    id = Column('team_id', Integer, primary_key=True)\n"
    )
    assert fix(source, "LL301") == (
        "from sqlalchemy import Column, ForeignKey, Integer, String, Table\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "tags = Table('tags', Base.metadata, Column('user_id', ForeignKey('users.id')))\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n"
        "    name: Mapped[str] = mapped_column(String(50), nullable=False)\n"
        "class Team(Base):\n"
        "    __tablename__ = 'teams'\n"
        "    id: Mapped[int] = mapped_column('team_id', Integer, primary_key=True)\n"
    )


def test_ll301_column_import_removed_once_unused_module_alias_kept() -> None:
    source = (
        "import sqlalchemy as sa\n"
        "from sqlalchemy import Column\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id = Column(sa.Integer, primary_key=True)\n"
        "    age = sa.Column(sa.SmallInteger)\n"
    )
    assert fix(source, "LL301") == (
        "import sqlalchemy as sa\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)\n"
        "    age: Mapped[int | None] = mapped_column(sa.SmallInteger)\n"
    )


def test_ll301_noqa_line_is_left_alone() -> None:
    source = model(
        "id = Column(Integer, primary_key=True)",
        "legacy = Column(String)  # noqa: LL301",
    )
    assert fix(source, "LL301") == (
        "from sqlalchemy import Column, Integer, String\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n"
        "    legacy = Column(String)  # noqa: LL301\n"
    )


def test_ll301_types_and_nullability_inferred_from_the_column() -> None:
    head = (
        "import enum\n"
        "from sqlalchemy import (\n"
        "    JSON, BigInteger, Boolean, Column, Enum, Float, Identity, Integer, LargeBinary,\n"
        "    Numeric, PrimaryKeyConstraint, Text, Uuid,\n"
        ")\n"
        "from sqlalchemy.dialects.postgresql import JSONB\n"
        "from sqlalchemy.orm import DeclarativeBase\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class Color(enum.Enum):\n"
        "    RED = 'red'\n"
    )
    source = model(
        "__table_args__ = (PrimaryKeyConstraint('tenant', 'code'),)",
        "tenant = Column(BigInteger)",
        "code = Column(Text)",
        "seq = Column(Integer, Identity())",
        "flag = Column(Boolean, nullable=True)",
        "ratio = Column(Float)",
        "exact = Column(Float(asdecimal=True), nullable=False)",
        "price = Column(Numeric(10, 2))",
        "approx = Column(Numeric(asdecimal=False))",
        "blob = Column(LargeBinary)",
        "data = Column(JSON, nullable=False)",
        "extra = Column(JSONB)",
        "key = Column(Uuid(as_uuid=False))",
        "color = Column(Enum(Color), nullable=False)",
        "size = Column(Enum('s', 'm', name='size'))",
        head=head,
    )
    fixed = fix(source, "LL301")
    assert "import decimal\nimport enum\nfrom typing import Any\n" in fixed
    assert fixed.endswith(
        "    tenant: Mapped[int] = mapped_column(BigInteger)\n"
        "    code: Mapped[str] = mapped_column(Text)\n"
        "    seq: Mapped[int] = mapped_column(Integer, Identity())\n"
        "    flag: Mapped[bool | None] = mapped_column(Boolean, nullable=True)\n"
        "    ratio: Mapped[float | None] = mapped_column(Float)\n"
        "    exact: Mapped[decimal.Decimal] = mapped_column(Float(asdecimal=True), nullable=False)\n"
        "    price: Mapped[decimal.Decimal | None] = mapped_column(Numeric(10, 2))\n"
        "    approx: Mapped[float | None] = mapped_column(Numeric(asdecimal=False))\n"
        "    blob: Mapped[bytes | None] = mapped_column(LargeBinary)\n"
        "    data: Mapped[Any] = mapped_column(JSON, nullable=False)\n"
        "    extra: Mapped[Any | None] = mapped_column(JSONB)\n"
        "    key: Mapped[str | None] = mapped_column(Uuid(as_uuid=False))\n"
        "    color: Mapped[Color] = mapped_column(Enum(Color), nullable=False)\n"
        "    size: Mapped[str | None] = mapped_column(Enum('s', 'm', name='size'))\n"
    )


def test_ll301_types_that_cannot_be_inferred_stay_unfixed() -> None:
    source = model(
        "org_id = Column(ForeignKey('orgs.id'))",
        "settings = Column(JSONField)",
        "state = Column(MutableDict.as_mutable(JSON))",
        "blob = Column(JSON().with_variant(JSONB(), 'postgresql'))",
        "name = Column(String, nullable=NULLABLE)",
        "code = Column(String, primary_key=is_key)",
        "kind = Column(Enum(KIND))",
        "when = Column(oracle.DATE)",
        "opts = Column(String, **options)",
        head=(
            "from sqlalchemy import JSON, Column, Enum, ForeignKey, String\n"
            "from sqlalchemy.dialects import oracle\n"
            "from sqlalchemy.dialects.postgresql import JSONB\n"
            "from sqlalchemy.ext.mutable import MutableDict\n"
            "from sqlalchemy.orm import DeclarativeBase\n"
            "from app.types import JSONField, KIND, NULLABLE\n"
            "class Base(DeclarativeBase):\n"
            "    pass\n"
        ),
    )
    assert fixable(source, "LL301") == [False] * 9
    assert fix(source, "LL301") == source


def test_ll301_existing_annotation_is_wrapped_only_when_it_agrees_with_the_column() -> None:
    source = model(
        "email: str = Column(String(255), nullable=False)",
        "nick: str = Column(String(50))",
        "bio: Optional[str] = Column(String)",
        "prefs: dict[str, int] = Column(JSONField, nullable=False)",
        "age: str = Column(Integer, nullable=False)",
        "count: Mapped[int | None] = Column(Integer)",
        "score: Mapped[int] = Column(Integer)",
        head=(
            "from typing import Optional\n"
            "from sqlalchemy import Column, Integer, String\n"
            "from sqlalchemy.orm import DeclarativeBase, Mapped\n"
            "from app.types import JSONField\n"
            "class Base(DeclarativeBase):\n"
            "    pass\n"
        ),
    )
    assert fix(source, "LL301").endswith(
        "    email: Mapped[str] = mapped_column(String(255), nullable=False)\n"
        "    nick: str = Column(String(50))\n"
        "    bio: Mapped[Optional[str]] = mapped_column(String)\n"
        "    prefs: Mapped[dict[str, int]] = mapped_column(JSONField, nullable=False)\n"
        "    age: str = Column(Integer, nullable=False)\n"
        "    count: Mapped[int | None] = mapped_column(Integer)\n"
        "    score: Mapped[int] = Column(Integer)\n"
    )


def test_ll301_optional_spelling_follows_the_module() -> None:
    source = model(
        "id = Column(Integer, primary_key=True)",
        "name = Column(String)",
        head="from typing import Optional\n" + HEAD,
    )
    assert fix(source, "LL301").endswith(
        "    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n"
        "    name: Mapped[Optional[str]] = mapped_column(String)\n"
    )


def test_ll301_datetime_import_follows_the_module_style() -> None:
    columns = ("created = Column(DateTime)", "born = Column(Date, nullable=False)")
    head = (
        "from sqlalchemy import Column, Date, DateTime\n"
        "from sqlalchemy.orm import DeclarativeBase\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
    )
    plain = fix(model(*columns, head=head), "LL301")
    assert plain.startswith("import datetime\n\nfrom sqlalchemy import")
    assert plain.endswith(
        "    created: Mapped[datetime.datetime | None] = mapped_column(DateTime)\n"
        "    born: Mapped[datetime.date] = mapped_column(Date, nullable=False)\n"
    )
    from_style = fix(model(*columns, head="from datetime import datetime\n" + head), "LL301")
    assert from_style.startswith("from datetime import date, datetime\n")
    assert from_style.endswith(
        "    created: Mapped[datetime | None] = mapped_column(DateTime)\n"
        "    born: Mapped[date] = mapped_column(Date, nullable=False)\n"
    )
    aliased = fix(model(*columns, head="import datetime as dt\n" + head), "LL301")
    assert aliased.endswith(
        "    created: Mapped[dt.datetime | None] = mapped_column(DateTime)\n"
        "    born: Mapped[dt.date] = mapped_column(Date, nullable=False)\n"
    )


def test_ll301_annotation_never_reads_a_name_the_class_body_binds() -> None:
    # ``date: Mapped[date] = ...`` assigns first, then evaluates ``date``: the attribute.
    head = (
        "from datetime import date\n"
        "from sqlalchemy import Column, Date, Uuid\n"
        "from sqlalchemy.orm import DeclarativeBase\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
    )
    source = model("date = Column(Date)", "uuid = Column(Uuid, primary_key=True)", head=head)
    assert fixable(source, "LL301") == [False, True]
    assert fix(source, "LL301").endswith(
        "    date = Column(Date)\n    uuid: Mapped[UUID] = mapped_column(Uuid, primary_key=True)\n"
    )


def test_ll301_dataclass_mappings_are_not_fixed() -> None:
    # Under MappedAsDataclass an annotated attribute becomes an ``__init__`` parameter.
    source = (
        "from sqlalchemy import Column, Integer\n"
        "from sqlalchemy.orm import DeclarativeBase, MappedAsDataclass\n"
        "class Base(MappedAsDataclass, DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id = Column(Integer, primary_key=True)\n"
    )
    assert fixable(source, "LL301") == [False]


def test_ll301_and_ll302_together_reach_the_same_result() -> None:
    source = model(
        "id = Column(Integer, primary_key=True)",
        "name = Column(",
        "    String(50),  # display name",
        ")",
    )
    expected = (
        "from sqlalchemy import Integer, String\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n"
        "    name: Mapped[str | None] = mapped_column(\n"
        "        String(50),  # display name\n"
        "    )\n"
    )
    assert fix(source, "LL301") == expected
    assert fix(source, "LL301", "LL302") == expected


# -- LL302 Mapped[...] annotations ----------------------------------------------------------------

REL_HEAD = (
    "from sqlalchemy import Column, ForeignKey, Integer, Table\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
    "tags = Table('tags', Base.metadata, Column('user_id', ForeignKey('users.id')))\n"
)


def test_ll302_leaves_a_column_to_ll301() -> None:
    source = model("id = Column(Integer, primary_key=True)", "age = Column(Integer)")
    assert fix(source, "LL302") == source


def test_ll302_relationships_annotated_only_where_cardinality_is_stated() -> None:
    source = model(
        "posts = relationship('Post', uselist=True)",
        "groups = relationship('Group', secondary=tags)",
        "profile = relationship('Profile', uselist=False)",
        "team = relationship(Team, uselist=False)",
        "orders = relationship('Order')",
        "events = relationship('Event', lazy='dynamic')",
        "badges = relationship('Badge', collection_class=set)",
        "audits = relationship('app.models.Audit', uselist=True)",
        head=REL_HEAD
        + "class Team(Base):\n"
        + "    __tablename__ = 'teams'\n"
        + "    id: Mapped[int] = mapped_column(primary_key=True)\n",
    )
    assert fixable(source, "LL302") == [True, True, True, True, False, False, False, False]
    fixed = fix(source, "LL302")
    assert (
        "    posts: Mapped[list['Post']] = relationship('Post', uselist=True)\n"
        "    groups: Mapped[list['Group']] = relationship('Group', secondary=tags)\n"
        "    profile: Mapped['Profile | None'] = relationship('Profile', uselist=False)\n"
        "    team: Mapped[Team | None] = relationship(Team, uselist=False)\n"
        "    orders = relationship('Order')\n"
    ) in fixed


def test_ll302_back_populates_of_a_collection_makes_a_many_to_one() -> None:
    source = REL_HEAD + (
        "from typing import Optional\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    posts: Mapped[list['Post']] = relationship(back_populates='author')\n"
        "    team: Mapped['Team'] = relationship(back_populates='members')\n"
        "class Post(Base):\n"
        "    __tablename__ = 'posts'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    author = relationship('User', back_populates='posts')\n"
        "class Team(Base):\n"
        "    __tablename__ = 'teams'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    members = relationship('User', back_populates='team')\n"
    )
    assert fixable(source, "LL302") == [True, False]
    fixed = fix(source, "LL302")
    author = "    author: Mapped[Optional['User']] = relationship('User', back_populates='posts')\n"
    assert author in fixed
    assert "    members = relationship('User', back_populates='team')\n" in fixed


def test_ll302_mapped_column_without_type_stays_unfixed() -> None:
    source = model(
        "org_id = mapped_column(ForeignKey('orgs.id'))",
        "rank = mapped_column(Integer, nullable=False)",
        "score: int = mapped_column(Integer)",
        head=REL_HEAD,
    )
    assert fixable(source, "LL302") == [False, True, False]
    assert fix(source, "LL302").endswith(
        "    org_id = mapped_column(ForeignKey('orgs.id'))\n"
        "    rank: Mapped[int] = mapped_column(Integer, nullable=False)\n"
        "    score: int = mapped_column(Integer)\n"
    )


# -- LL304 declarative_base() -> DeclarativeBase ----------------------------------------------------


def test_ll304_declarative_base_without_arguments() -> None:
    source = (
        "from sqlalchemy.ext.declarative import declarative_base\n"
        "\n"
        "Base = declarative_base()  # the root\n"
        "Base.query = None\n"
    )
    assert fix(source, "LL304") == (
        "from sqlalchemy.orm import DeclarativeBase\n"
        "\n"
        "\n"
        "class Base(DeclarativeBase):  # the root\n"
        "    pass\n"
        "\n"
        "\n"
        "Base.query = None\n"
    )


def test_ll304_declarative_base_follows_an_orm_module_import() -> None:
    source = (
        "from sqlalchemy import orm\n"
        "def make():\n"
        "    Base = orm.declarative_base(type_annotation_map={str: str})\n"
        "    return Base\n"
    )
    assert fix(source, "LL304") == (
        "from sqlalchemy import orm\n"
        "def make():\n"
        "    class Base(orm.DeclarativeBase):\n"
        "        type_annotation_map = {str: str}\n"
        "    return Base\n"
    )


def test_ll304_declarative_base_arguments_without_a_class_twin_are_not_fixed() -> None:
    source = (
        "from sqlalchemy.orm import declarative_base\n"
        "Base = declarative_base(cls=Model)\n"
        "Other = declarative_base(**options)\n"
        "register(declarative_base())\n"
        "A = B = declarative_base()\n"
        "Shared = declarative_base(metadata=  # a comment with no place in the class\n"
        "    shared_metadata)\n"
    )
    assert fixable(source, "LL304") == [False] * 5
    assert fix(source, "LL304") == source


def test_ll304_declarative_meta_in_the_module_makes_the_fix_unsafe() -> None:
    source = (
        "from sqlalchemy.orm import DeclarativeMeta, declarative_base\n"
        "Base = declarative_base()\n"
        "def is_model(value):\n"
        "    return isinstance(type(value), DeclarativeMeta)\n"
    )
    assert fix(source, "LL304") == source
    assert fix(source, "LL304", unsafe=True) == (
        "from sqlalchemy.orm import DeclarativeBase, DeclarativeMeta\n"
        "\n"
        "\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "\n"
        "\n"
        "def is_model(value):\n"
        "    return isinstance(type(value), DeclarativeMeta)\n"
    )


# -- LL306 expire_on_commit=False ------------------------------------------------------------------


def test_ll306_expire_on_commit_added_in_each_layout() -> None:
    source = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker as sessionmaker\n"
        "A = sessionmaker()\n"
        "B = sessionmaker(engine)\n"
        "C = sessionmaker(\n"
        "    bind=engine,\n"
        "    autoflush=False  # no trailing comma\n"
        ")\n"
        "D = sessionmaker(engine,\n"
        "                 autoflush=False,\n"
        ")\n"
        "E = sessionmaker(\n"
        "    engine,\n"
        "    # more options later\n"
        ")\n"
    )
    assert fix(source, "LL306") == (
        "from sqlalchemy.ext.asyncio import async_sessionmaker as sessionmaker\n"
        "A = sessionmaker(expire_on_commit=False)\n"
        "B = sessionmaker(engine, expire_on_commit=False)\n"
        "C = sessionmaker(\n"
        "    bind=engine,\n"
        "    autoflush=False,  # no trailing comma\n"
        "    expire_on_commit=False\n"
        ")\n"
        "D = sessionmaker(engine,\n"
        "                 autoflush=False,\n"
        "                 expire_on_commit=False,\n"
        ")\n"
        "E = sessionmaker(\n"
        "    engine,\n"
        "    # more options later\n"
        "    expire_on_commit=False,\n"
        ")\n"
    )


def test_ll306_explicit_expire_on_commit_true_changes_only_with_unsafe_fixes() -> None:
    source = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
        "Session = async_sessionmaker(engine, expire_on_commit=True)\n"
    )
    assert fix(source, "LL306") == source
    assert fix(source, "LL306", unsafe=True) == (
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
        "Session = async_sessionmaker(engine, expire_on_commit=False)\n"
    )


def test_ll306_sync_sessionmaker_is_opt_in_and_its_fix_unsafe() -> None:
    source = (
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n"
        "engine = create_engine('postgresql://localhost/app')\n"
        "SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)\n"
    )
    files = {"app/db/session.py": source}
    assert found(files, "LL306") == []
    assert found(files, "LL306", {"sync-sessionmakers": True}) == [("app/db/session.py", 4)]
    after, _, count = fix_files(files, ("LL306",), {"sync-sessionmakers": True})
    assert (after, count) == (files, 0)
    after, _, count = fix_files(files, ("LL306",), {"sync-sessionmakers": True}, unsafe=True)
    assert count == 1
    assert after["app/db/session.py"].endswith("bind=engine, expire_on_commit=False)\n")
