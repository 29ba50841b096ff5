"""LL503 ``service-style``: services written in the style this project does not use."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import Dotted, ModuleFacts
from layerlint.project import PYDANTIC_BASES, SESSION, ClassRef, FunctionRef, Project
from layerlint.rules.base import Default, Example, Finding, ProjectRule, RuleOption
from layerlint.rules.services._support import exception_ancestry

_ENUM_BASES = frozenset(
    {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag", "enum.ReprEnum"}
)


_DATA_DECORATORS = frozenset(
    {
        "dataclasses.dataclass",
        "attr.s",
        "attr.attrs",
        "attr.define",
        "attr.frozen",
        "attr.mutable",
        "attr.dataclass",
        "attrs.define",
        "attrs.frozen",
        "attrs.mutable",
        "pydantic.dataclasses.dataclass",
    }
)


_TYPING_SHAPES = frozenset(
    {
        "typing.TypedDict",
        "typing.NamedTuple",
        "typing.Protocol",
        "typing_extensions.TypedDict",
        "typing_extensions.NamedTuple",
        "typing_extensions.Protocol",
    }
)


def _is_exception_class(project: Project, ref: ClassRef) -> bool:
    ancestry = exception_ancestry(project, ref.qualified)
    if "BaseException" in ancestry or project.is_http_exception(ref.qualified):
        return True
    return ref.cls.name.endswith(("Error", "Exception"))


def _returns_service_class(project: Project, facts: ModuleFacts, returns: Dotted | None) -> bool:
    if returns is None:
        return False
    cls = project.lookup_class(project.resolve_canonical(facts.module, returns))
    return cls is not None and project.layer_of(cls.module.module) == "services"


class ServiceStyle(ProjectRule):
    """Services written in the style this project does not use.

    **What it does:** with ``service-style = "class"`` (the default: services as classes)
    flags public module-level functions of the services layer whose first parameter is
    a SQLAlchemy session: service logic written as stateless functions. With
    ``service-style = "function"`` (services as functions) flags classes defined in
    the services layer that have methods; exceptions, dataclasses, Pydantic models,
    enums, ``TypedDict``/``NamedTuple``/``Protocol`` classes are not services and are
    left alone. Route handlers and dependency providers (``Depends(...)`` targets,
    functions returning a service class) are never flagged; a keyword-only first
    parameter counts as the first parameter.

    **Why is this bad?** Both styles work, but mixing them makes the service layer hard
    to navigate: half the code injects the session once in ``__init__``, the other half
    threads ``db`` through every call.

    **Example:** ``async def create_user(db: AsyncSession, data: UserCreate)`` in a project
    whose services are ``UserService(session)`` classes.

    **Use instead:** the configured style: ``class UserService`` with the session in
    ``__init__``, or stateless functions taking ``db: AsyncSession`` first.
    """

    code = "LL503"
    name = "service-style"
    message = "service `{name}` is written as a {found}; this project writes services as {expected}"
    seed = (
        "ai1-skills: services receive AsyncSession via constructor; "
        "backend-fastapi-python: services are stateless functions, first param db"
    )
    default = Default.OPT_IN
    options_spec = (
        RuleOption(
            "service-style",
            "class",
            "how services are written: `class` (session injected in __init__) or "
            "`function` (stateless functions taking the session first)",
            choices=("class", "function"),
        ),
    )
    example_path = "app/services/user_service.py"
    valid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "class UserService:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self.session = session\n"
        "    async def get(self, user_id: int) -> None:\n"
        "        return None\n"
        "def _helper(session: AsyncSession) -> None:\n"
        "    return None\n"
        "def slugify(text: str) -> str:\n"
        "    return text.lower()\n",
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "async def get_db() -> AsyncSession:\n"
                    "    ...\n"
                ),
                "app/services/user_service.py": (
                    "from dataclasses import dataclass\n"
                    "from enum import Enum\n"
                    "from fastapi import Depends\n"
                    "from pydantic import BaseModel\n"
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "from app.core.database import get_db\n"
                    "class UserNotFound(Exception):\n"
                    "    def __str__(self) -> str:\n"
                    "        return 'not found'\n"
                    "@dataclass\n"
                    "class Page:\n"
                    "    def size(self) -> int:\n"
                    "        return 1\n"
                    "class Role(str, Enum):\n"
                    "    ADMIN = 'admin'\n"
                    "class Summary(BaseModel):\n"
                    "    def total(self) -> int:\n"
                    "        return 0\n"
                    "async def create_user(db: AsyncSession, name: str) -> None:\n"
                    "    return None\n"
                    "def get_service(db: AsyncSession = Depends(get_db)) -> None:\n"
                    "    return None\n"
                ),
            },
            options={"service-style": "function"},
        ),
        Example(
            {
                "app/core/database.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "async def get_db() -> AsyncSession:\n"
                    "    ...\n"
                ),
                "app/services/user_service.py": (
                    "from fastapi import Depends\n"
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "from app.core.database import get_db\n"
                    "class UserService:\n"
                    "    def __init__(self, db: AsyncSession) -> None:\n"
                    "        self.db = db\n"
                    "def get_user_service(db: AsyncSession = Depends(get_db)) -> UserService:\n"
                    "    return UserService(db)\n"
                ),
            }
        ),
    )
    invalid = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "async def create_user(db: AsyncSession, name: str) -> None:  # error\n"
        "    db.add(name)\n"
        "def count(session: 'AsyncSession') -> int:  # error\n"
        "    return 0\n",
        Example(
            {
                "app/core/database.py": (
                    "from typing import Annotated\n"
                    "from fastapi import Depends\n"
                    "from sqlmodel import Session\n"
                    "def get_session() -> Session:\n"
                    "    ...\n"
                    "SessionDep = Annotated[Session, Depends(get_session)]\n"
                ),
                "app/services/items.py": (
                    "from app.core.database import SessionDep\n"
                    "def list_items(session: SessionDep, limit: int = 10) -> list:  # error\n"
                    "    return []\n"
                ),
            }
        ),
        Example(
            {
                "app/services/user_service.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "class UserService:  # error\n"
                    "    def __init__(self, session: AsyncSession) -> None:\n"
                    "        self.session = session\n"
                    "    async def get(self, user_id: int) -> None:\n"
                    "        return None\n"
                    "class NotFoundError(Exception):\n"
                    "    pass\n"
                ),
            },
            options={"service-style": "function"},
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        style = self.options["service-style"]
        for facts in project.modules.values():
            if project.layer_of(facts.module) != "services":
                continue
            if style == "function":
                yield from self._classes(project, facts)
            else:
                yield from self._functions(project, facts)

    def _functions(self, project: Project, facts: ModuleFacts) -> Iterator[Finding]:
        for fn in facts.functions:
            if fn.class_name is not None or "." in fn.qualname or fn.name.startswith("_"):
                continue
            if not fn.params:
                continue
            ref = FunctionRef(facts, fn)
            if project.is_exempt_http_function(ref) or project.route_decorator(facts.module, fn):
                continue
            first = fn.params[0]
            if project.type_of(ref, (first.name,)) != SESSION:
                continue
            if _returns_service_class(project, facts, fn.returns):
                continue  # a provider (``get_user_service(db) -> UserService``), not logic
            what = self.message.format(
                name=f"{fn.name}()",
                found=f"stateless function taking the session `{first.name}` first",
                expected="classes that receive the session in `__init__`",
            )
            yield Finding(facts.path, fn.span, what)

    def _classes(self, project: Project, facts: ModuleFacts) -> Iterator[Finding]:
        for cls in facts.classes:
            if not cls.methods:
                continue
            ref = ClassRef(facts, cls)
            if not self._is_service_class(project, ref):
                continue
            what = self.message.format(
                name=cls.name,
                found="class",
                expected="stateless functions taking the session (`db: AsyncSession`) first",
            )
            yield Finding(facts.path, cls.span, what)

    @staticmethod
    def _is_service_class(project: Project, ref: ClassRef) -> bool:
        if _is_exception_class(project, ref):
            return False
        ancestry = project.ancestry(ref.qualified)
        if ancestry & (PYDANTIC_BASES | _ENUM_BASES | _TYPING_SHAPES):
            return False
        if project.is_pydantic_model(ref.qualified) or project.is_orm_model(ref.qualified):
            return False
        for decorator in ref.cls.decorators:
            if not decorator.dotted:
                continue
            resolved = project.resolve_canonical(ref.module.module, decorator.dotted)
            if resolved in _DATA_DECORATORS:
                return False
        return True
