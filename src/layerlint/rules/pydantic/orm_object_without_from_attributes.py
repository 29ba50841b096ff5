"""LL410 ``orm-object-without-from-attributes``: an ORM object validated into a schema whose config lacks ``from_attributes=True``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerlint.diagnostics import UNKNOWN_SPAN, Span
from layerlint.facts import CallFact, Value
from layerlint.project import SESSION, FunctionRef, Project
from layerlint.rules._common import is_pydantic_class
from layerlint.rules._example_files import HERO_MODELS
from layerlint.rules.base import Example, Finding, ProjectRule, RuleOption
from layerlint.rules.pydantic._support import (
    ambiguous_local,
    code_units,
    from_attributes,
    model_class_named,
    receiver_type,
    short_name,
)

if TYPE_CHECKING:
    from layerlint.rules.pydantic._support import from_attributes


def value_type(project: Project, ref: FunctionRef, value: Value) -> str | None:
    """The class of an argument expression: a name or a call with a known result.

    Besides annotations and constructors this knows ``session.get(Model, id)``: the
    instance of the ORM class named by its first argument.
    """
    if value.kind == "name":
        if len(value.dotted) == 1 and not ambiguous_local(ref, value.dotted[0]):
            for local, assigned in ref.function.locals:
                if local == value.dotted[0] and assigned.kind == "call":
                    loaded = _session_get(project, ref, assigned)
                    if loaded is not None:
                        return loaded
        return receiver_type(project, ref, value.dotted)
    if value.kind != "call" or not value.dotted or value.dotted[0] == "?":
        return None
    loaded = _session_get(project, ref, value)
    if loaded is not None:
        return loaded
    owner, method = project.callee_type(ref, CallFact(value.dotted, UNKNOWN_SPAN))
    if owner is None or owner == SESSION:
        return None
    if method:
        return _method_return(project, owner, method)
    if project.lookup_class(owner) is not None:
        return owner
    function = project.lookup_function(owner)
    if function is not None and function.function.returns is not None:
        return project.resolve_canonical(function.module.module, function.function.returns)
    return None


def _session_get(project: Project, ref: FunctionRef, call: Value) -> str | None:
    """``session.get(User, user_id)`` -> ``User`` (when ``session`` is a Session)."""
    dotted = call.dotted
    if len(dotted) < 2 or dotted[-1] not in ("get", "get_one") or not call.elements:
        return None
    first = call.elements[0]
    if first.kind != "name" or project.type_of(ref, dotted[:-1]) != SESSION:
        return None
    model = project.resolve_local_or_global(ref, first.dotted)
    return model if project.is_orm_model(model) else None


def _method_return(project: Project, owner: str, method: str) -> str | None:
    for ancestor in project.ancestry(owner):
        ref = project.lookup_class(ancestor)
        if ref is None:
            continue
        fn = ref.module.function(f"{ref.cls.name}.{method}")
        if fn is not None:
            if fn.returns is None:
                return None
            return project.resolve_canonical(ref.module.module, fn.returns)
    return None


def _flag(value: Value | None) -> bool | None:
    if value is None:
        return None
    return value.literal if value.kind == "bool" and isinstance(value.literal, bool) else True


class OrmObjectWithoutFromAttributes(ProjectRule):
    """An ORM object validated into a schema whose config lacks ``from_attributes=True``.

    **What it does:** flags ``Schema.model_validate(obj)`` where ``obj`` is known to be an
    ORM model instance (SQLAlchemy declarative class or SQLModel ``table=True``: by
    annotation, constructor, a called function's return annotation or
    ``session.get(Model, id)``) and neither the
    call (``from_attributes=True``) nor the schema's config, own or inherited
    (``ConfigDict(from_attributes=True)``, ``{"from_attributes": True}``, v1
    ``orm_mode = True``; SQLModel bases set it), enables attribute reading. A schema
    whose config cannot be known (a base from a library, a config built at runtime) is
    not reported. With ``route-returns = true`` it also flags a route returning an ORM
    object for such a ``response_model``; that is off by default because FastAPI (0.100+
    with Pydantic v2) validates route return values with ``from_attributes=True``
    itself.

    **Why is this bad?** Without ``from_attributes`` Pydantic only accepts dicts and
    model instances: ``model_validate(user)`` raises a ``ValidationError`` at run time.

    **Example:** ``UserResponse.model_validate(user)`` with ``user: User`` (ORM) and no
    ``model_config`` on ``UserResponse``.

    **Use instead:** ``model_config = ConfigDict(from_attributes=True)`` on the schema.
    """

    code = "LL410"
    skips_migrations = True
    name = "orm-object-without-from-attributes"
    message = "`{schema}` validates ORM object `{orm}` but its config lacks `from_attributes=True`"
    seed = "ai1-skills: ConfigDict(from_attributes=True), UserResponse via model_validate()"
    options_spec = (
        RuleOption(
            "route-returns",
            False,
            "also flag routes that return an ORM object for a response_model without "
            "from_attributes (needed only with Pydantic v1 or FastAPI < 0.100)",
        ),
    )
    valid = (
        Example(
            {
                "app/models/user.py": (
                    "from sqlalchemy.orm import DeclarativeBase, Mapped\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int]\n"
                ),
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n"
                    "class Schema(BaseModel):\n"
                    "    model_config = ConfigDict(from_attributes=True)\n"
                    "class UserResponse(Schema):\n"
                    "    id: int\n"
                    "class UserIn(BaseModel):\n"
                    "    model_config = {'from_attributes': True}\n"
                    "    id: int\n"
                    "class Plain(BaseModel):\n"
                    "    id: int\n"
                ),
                "app/routes/users.py": (
                    "from app.models.user import User\n"
                    "from app.schemas.user import Plain, UserIn, UserResponse\n"
                    "def show(user: User, raw: dict) -> object:\n"
                    "    UserIn.model_validate(user)\n"
                    "    Plain.model_validate(raw)\n"
                    "    Plain.model_validate(user, from_attributes=True)\n"
                    "    return UserResponse.model_validate(user)\n"
                ),
            }
        ),
        Example(
            {
                "app/models/hero.py": HERO_MODELS,
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from fastapi_users import schemas\n"
                    "from app.models.hero import Hero, HeroPublic\n"
                    "router = APIRouter()\n"
                    "class UserRead(schemas.BaseUser):\n"
                    "    pass\n"
                    "@router.get('/', response_model=HeroPublic)\n"
                    "def show(hero: Hero) -> object:\n"
                    "    UserRead.model_validate(hero)\n"
                    "    return HeroPublic.model_validate(hero)\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/models/user.py": (
                    "from sqlalchemy.orm import DeclarativeBase, Mapped\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int]\n"
                ),
                "app/repositories/user_repo.py": (
                    "from app.models.user import User\n"
                    "class UserRepository:\n"
                    "    async def get(self, user_id: int) -> User | None:\n"
                    "        return None\n"
                ),
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n"
                    "class Schema(BaseModel):\n"
                    "    model_config = ConfigDict(str_strip_whitespace=True)\n"
                    "class UserResponse(Schema):\n"
                    "    id: int\n"
                ),
                "app/services/user_service.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "from app.models.user import User\n"
                    "from app.repositories.user_repo import UserRepository\n"
                    "from app.schemas.user import UserResponse\n"
                    "class UserService:\n"
                    "    def __init__(self) -> None:\n"
                    "        self.repo = UserRepository()\n"
                    "    async def get(self, user_id: int) -> UserResponse:\n"
                    "        user = await self.repo.get(user_id)\n"
                    "        return UserResponse.model_validate(user)  # error\n"
                    "    async def fresh(self) -> UserResponse:\n"
                    "        return UserResponse.model_validate(User(id=1))  # error\n"
                    "    async def load(self, db: AsyncSession, user_id: int) -> UserResponse:\n"
                    "        user = await db.get(User, user_id)\n"
                    "        return UserResponse.model_validate(user)  # error\n"
                ),
            }
        ),
        Example(
            {
                "app/models/hero.py": (
                    "from sqlmodel import SQLModel\n"
                    "class Hero(SQLModel, table=True):\n"
                    "    id: int\n"
                ),
                "app/schemas/hero.py": (
                    "from pydantic import BaseModel, ConfigDict\n"
                    "class HeroOut(BaseModel):\n"
                    "    model_config = ConfigDict(from_attributes=False)\n"
                    "    id: int\n"
                ),
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models.hero import Hero\n"
                    "from app.schemas.hero import HeroOut\n"
                    "router = APIRouter()\n"
                    "@router.get('/', response_model=HeroOut)\n"
                    "def show(hero: Hero) -> object:\n"
                    "    return hero  # error\n"
                    "@router.get('/x')\n"
                    "def other(hero: Hero) -> HeroOut:\n"
                    "    return HeroOut.model_validate(hero)  # error\n"
                ),
            },
            options={"route-returns": True},
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in code_units(project):
            for call in ref.function.calls:
                callee = call.callee
                if len(callee) < 2 or callee[-1] != "model_validate" or not call.args:
                    continue
                if _flag(call.keyword("from_attributes")) is not None:
                    continue
                schema = model_class_named(project, ref, callee[:-1])
                if schema is None:
                    continue
                finding = self._finding(project, ref, schema, call.args[0], call.span)
                if finding is not None:
                    yield finding
        if self.options["route-returns"]:
            yield from self._route_returns(project)

    def _finding(
        self, project: Project, ref: FunctionRef, schema: str, value: Value, span: Span
    ) -> Finding | None:
        orm = value_type(project, ref, value)
        if orm is None or not project.is_orm_model(orm):
            return None
        if from_attributes(project, schema) is not False:
            return None
        message = self.message.format(schema=short_name(schema), orm=short_name(orm))
        return Finding(ref.module.path, span, message)

    def _route_returns(self, project: Project) -> Iterator[Finding]:
        for ref in project.route_handlers:
            schema = self._response_model(project, ref)
            if schema is None:
                continue
            for returned in ref.function.returns_values:
                finding = self._finding(project, ref, schema, returned.value, returned.span)
                if finding is not None:
                    yield finding

    @staticmethod
    def _response_model(project: Project, ref: FunctionRef) -> str | None:
        decorator = project.route_decorator(ref.module.module, ref.function)
        response_model = decorator.keyword("response_model") if decorator else None
        module = ref.module.module
        if response_model is not None:
            if response_model.kind != "name":
                return None
            candidate = project.resolve_canonical(module, response_model.dotted)
        elif ref.function.returns is not None:
            candidate = project.resolve_canonical(module, ref.function.returns)
        else:
            return None
        if candidate is None or project.lookup_class(candidate) is None:
            return None
        return candidate if is_pydantic_class(project, candidate) else None
