"""Sample project files the examples of several rule families share."""

from __future__ import annotations

#: An ``app/models/user.py`` with a SQLAlchemy 2.0 ``User`` table.
USER_MODEL = (
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
    "class User(Base):\n"
    "    __tablename__ = 'users'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
)

#: An ``app/models/hero.py`` with a SQLModel table ``Hero`` and its public schema.
HERO_MODELS = (
    "from sqlmodel import Field, SQLModel\n"
    "class HeroBase(SQLModel):\n"
    "    name: str\n"
    "class Hero(HeroBase, table=True):\n"
    "    id: int | None = Field(default=None, primary_key=True)\n"
    "class HeroPublic(HeroBase):\n"
    "    id: int\n"
)

#: An ``app/core/database.py`` whose ``get_db`` dependency yields an ``AsyncSession``.
SESSION_DEPENDENCY = (
    "from collections.abc import AsyncGenerator\n"
    "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
    "factory = async_sessionmaker()\n"
    "async def get_db() -> AsyncGenerator[AsyncSession, None]:\n"
    "    async with factory() as session:\n"
    "        yield session\n"
)

#: The start of a repository that adds a user; examples finish ``create`` their way.
REPOSITORY_HEAD = (
    "from sqlalchemy.ext.asyncio import AsyncSession\n"
    "class UserRepository:\n"
    "    def __init__(self, session: AsyncSession) -> None:\n"
    "        self._session = session\n"
    "    async def create(self, user):\n"
    "        self._session.add(user)\n"
)
