"""The project model follows repositories, sessions and models however a project spells them.

Each test is a minimal reproduction of a shape found in public FastAPI applications: a
repository built by an inherited classmethod, a module-level CRUD instance, a repository
factory in ``Depends``, a property holding a repository, a session type alias, an ORM model
whose table name comes from its base, and a Pydantic settings class whose base lives in
another module.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from layerlint import testing

ROUTE_HEAD = "from fastapi import APIRouter, Depends\nrouter = APIRouter()\n"


# LL102 tells a route to go through the services layer: these projects have one.
SERVICE_LAYER = {"app/services/billing.py": "class BillingService:\n    pass\n"}


def found(files: Mapping[str, str], code: str) -> list[tuple[str, int]]:
    """The findings of one code, in a project that also has a services layer."""
    return testing.found({**SERVICE_LAYER, **files}, code)


# -- repositories built by an inherited classmethod ----------------------------------------

KIT_RETURNS = {
    "Self": ("from typing import Self\n", "-> Self"),
    "quoted subclass": ("", '-> "CreditRepository"'),
    "bound TypeVar": (
        "from typing import TypeVar\nR = TypeVar('R', bound='RepositoryBase')\n",
        "-> R",
    ),
    "type[T] first parameter": (
        "from typing import TypeVar\nT = TypeVar('T')\n",
        "-> T",
    ),
    "unannotated cls()": ("", ""),
}


@pytest.mark.parametrize("spelling", sorted(KIT_RETURNS))
def test_ll102_repository_from_an_inherited_classmethod(spelling: str) -> None:
    header, returns = KIT_RETURNS[spelling]
    cls_param = "cls: type[T]" if spelling == "type[T] first parameter" else "cls"
    files = {
        "app/kit/repository.py": (
            header + "class RepositoryBase:\n"
            "    def __init__(self, session) -> None:\n"
            "        self.session = session\n"
            "    @classmethod\n"
            f"    def from_session({cls_param}, session) {returns}:\n"
            "        return cls(session)\n"
        ),
        "app/credit/repository.py": (
            "from app.kit.repository import RepositoryBase\n"
            "class CreditRepository(RepositoryBase):\n"
            "    async def active(self, account_id: int):\n"
            "        return None\n"
        ),
        "app/routes/credit.py": (
            ROUTE_HEAD + "from app.credit.repository import CreditRepository\n"
            "@router.get('/credits/{account_id}')\n"
            "async def active_credit(account_id: int, session=None) -> dict:\n"
            "    repo = CreditRepository.from_session(session)\n"
            "    return {'credit': await repo.active(account_id)}\n"
        ),
    }
    assert found(files, "LL102") == [("app/routes/credit.py", 6), ("app/routes/credit.py", 7)]


def test_ll102_generic_model_typevar_is_not_the_repository() -> None:
    # ``-> ModelType`` (bound to the ORM base) is what the repository returns, not itself.
    files = {
        "app/repositories/base.py": (
            "from typing import Generic, TypeVar\n"
            "from app.models.base import Base\n"
            "ModelType = TypeVar('ModelType', bound=Base)\n"
            "class CRUDBase(Generic[ModelType]):\n"
            "    @classmethod\n"
            "    def first(cls, db) -> ModelType:\n"
            "        return db.first()\n"
        ),
        "app/models/base.py": "class Base:\n    def touch(self) -> None:\n        pass\n",
        "app/repositories/items.py": (
            "from app.repositories.base import CRUDBase\nclass CRUDItem(CRUDBase):\n    pass\n"
        ),
        "app/services/items.py": (
            "from app.repositories.items import CRUDItem\n"
            "def first_item(db):\n"
            "    item = CRUDItem.first(db)\n"
            "    item.touch()\n"
            "    return item\n"
        ),
        "app/routes/items.py": (
            ROUTE_HEAD + "from app.services.items import first_item\n"
            "@router.get('/items/first')\n"
            "def read_first(db=None) -> dict:\n"
            "    item = first_item(db)\n"
            "    item.touch()\n"
            "    return {}\n"
        ),
    }
    assert found(files, "LL102") == []


# -- module-level repository instances -----------------------------------------------------


def test_ll102_module_level_instance_of_a_generic_crud_class() -> None:
    files = {
        "app/crud/crud_users.py": (
            "from fastcrud import FastCRUD\nfrom app.models import User\n"
            "crud_users = FastCRUD(User)\n"
        ),
        "app/models.py": "class User:\n    pass\n",
        "app/api/v1/users.py": (
            ROUTE_HEAD + "from app.crud.crud_users import crud_users\n"
            "@router.get('/users/{name}')\n"
            "async def read_user(name: str, db=None) -> dict:\n"
            "    return await crud_users.get(db=db, username=name)\n"
        ),
    }
    assert found(files, "LL102") == [("app/api/v1/users.py", 6)]


def test_ll102_instance_reexported_by_the_crud_package() -> None:
    files = {
        "app/__init__.py": "",
        "app/crud/__init__.py": "from .crud_item import item\n",
        "app/crud/crud_item.py": (
            "class CRUDItem:\n"
            "    def get_multi(self, db, skip: int = 0) -> list:\n"
            "        return []\n"
            "item = CRUDItem()\n"
        ),
        "app/api/endpoints/items.py": (
            ROUTE_HEAD + "from app import crud\n"
            "@router.get('/items')\n"
            "def read_items(db=None, skip: int = 0) -> list:\n"
            "    return crud.item.get_multi(db, skip=skip)\n"
        ),
    }
    assert found(files, "LL102") == [("app/api/endpoints/items.py", 6)]


def test_ll102_plumbing_objects_of_the_repositories_layer_are_not_repositories() -> None:
    files = {
        "app/repositories/users.py": (
            "import logging\nlogger = logging.getLogger(__name__)\nDEFAULTS = {'limit': 10}\n"
        ),
        "app/routes/users.py": (
            ROUTE_HEAD + "from app.repositories.users import DEFAULTS, logger\n"
            "@router.get('/users')\n"
            "def list_users() -> dict:\n"
            "    logger.info('listing')\n"
            "    return {'limit': DEFAULTS.get('limit')}\n"
        ),
    }
    assert found(files, "LL102") == []


# -- repository factories in Depends -------------------------------------------------------

FACTORY = (
    "from typing import Callable, TypeVar\n"
    "from fastapi import Depends\n"
    "T = TypeVar('T')\n"
    "def get_connection(): ...\n"
    "def get_repository(repo_type: type[T]) -> Callable[..., T]:\n"
    "    def _get_repo(conn=Depends(get_connection)) -> T:\n"
    "        return repo_type(conn)\n"
    "    return _get_repo\n"
)
TAGS_REPOSITORY = (
    "class TagsRepository:\n"
    "    def __init__(self, conn) -> None:\n"
    "        self.conn = conn\n"
    "    async def all_tags(self) -> list:\n"
    "        return []\n"
)


@pytest.mark.parametrize(
    "parameter",
    [
        "tags_repo: TagsRepository = Depends(get_repository(TagsRepository))",
        "tags_repo=Depends(get_repository(TagsRepository))",
        "tags_repo: Annotated[TagsRepository, Depends(get_repository(TagsRepository))]",
    ],
)
def test_ll102_repository_from_a_generic_depends_factory(parameter: str) -> None:
    files = {
        "app/db/repositories/tags.py": TAGS_REPOSITORY,
        "app/api/dependencies/database.py": FACTORY,
        "app/api/routes/tags.py": (
            ROUTE_HEAD + "from typing import Annotated\n"
            "from app.api.dependencies.database import get_repository\n"
            "from app.db.repositories.tags import TagsRepository\n"
            "@router.get('/tags')\n"
            f"async def list_tags({parameter}) -> list:\n"
            "    return await tags_repo.all_tags()\n"
        ),
    }
    assert found(files, "LL102") == [("app/api/routes/tags.py", 8)]


def test_ll103_session_annotation_wins_over_a_bare_generator_factory() -> None:
    files = {
        "app/api/deps.py": (
            "from typing import Generator\n"
            "from app.db.session import SessionLocal\n"
            "def get_db() -> Generator:\n"
            "    db = SessionLocal()\n"
            "    try:\n"
            "        yield db\n"
            "    finally:\n"
            "        db.close()\n"
        ),
        "app/db/session.py": "from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n",
        "app/repositories/users.py": "class UserRepository:\n    pass\n",
        "app/api/endpoints/login.py": (
            ROUTE_HEAD + "from sqlalchemy.orm import Session\n"
            "from app.api import deps\n"
            "@router.post('/reset-password')\n"
            "def reset_password(user_id: int, db: Session = Depends(deps.get_db)) -> dict:\n"
            "    db.commit()\n"
            "    return {}\n"
        ),
    }
    assert found(files, "LL103") == [("app/api/endpoints/login.py", 7)]


# -- properties in route controller classes ------------------------------------------------

CONTROLLER_REPOSITORY = (
    "class UnitRepository:\n"
    "    def __init__(self, session) -> None:\n"
    "        self.session = session\n"
    "    def page_all(self) -> list:\n"
    "        return []\n"
)


@pytest.mark.parametrize(
    "prop",
    [
        (
            "    @cached_property\n"
            "    def repo(self) -> UnitRepository:\n"
            "        return UnitRepository(self.session)\n"
        ),
        "    @property\n    def repo(self):\n        return UnitRepository(self.session)\n",
    ],
)
def test_ll102_repository_behind_a_property_of_a_route_class(prop: str) -> None:
    files = {
        "app/repositories/units.py": CONTROLLER_REPOSITORY,
        "app/routes/units.py": (
            ROUTE_HEAD + "from functools import cached_property\n"
            "from app.repositories.units import UnitRepository\n"
            "class UnitRoutes:\n"
            "    session = None\n" + prop + "    @router.get('/units')\n"
            "    def list_units(self) -> list:\n"
            "        return self.repo.page_all()\n"
        ),
    }
    assert found(files, "LL102") == [("app/routes/units.py", 12)]


def test_ll102_repositories_behind_a_property_returning_a_holder() -> None:
    files = {
        "app/repositories/units.py": CONTROLLER_REPOSITORY,
        "app/routes/units.py": (
            ROUTE_HEAD + "from app.repositories.units import UnitRepository\n"
            "class Repositories:\n"
            "    def __init__(self, session) -> None:\n"
            "        self.units = UnitRepository(session)\n"
            "class UnitRoutes:\n"
            "    session = None\n"
            "    @property\n"
            "    def repos(self) -> Repositories:\n"
            "        return Repositories(self.session)\n"
            "    @router.get('/units')\n"
            "    def list_units(self) -> list:\n"
            "        return self.repos.units.page_all()\n"
        ),
    }
    assert found(files, "LL102") == [("app/routes/units.py", 14)]


# -- session aliases -----------------------------------------------------------------------

SESSION_ALIASES = {
    "NewType": (
        "from typing import NewType\n"
        "from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession\n"
        "AsyncSession = NewType('AsyncSession', _AsyncSession)\n"
    ),
    "chained NewType": (
        "from typing import NewType\n"
        "from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession\n"
        "AsyncReadSession = NewType('AsyncReadSession', _AsyncSession)\n"
        "AsyncSession = NewType('AsyncSession', AsyncReadSession)\n"
    ),
    "TypeAlias": (
        "from typing import TypeAlias\n"
        "from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession\n"
        "AsyncSession: TypeAlias = _AsyncSession\n"
    ),
    "type statement": (
        "from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession\n"
        "type AsyncSession = _AsyncSession\n"
    ),
    "Annotated with a Generator factory": (
        "from typing import Annotated, AsyncGenerator\n"
        "from fastapi import Depends\n"
        "from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession\n"
        "async def get_db() -> AsyncGenerator:\n"
        "    yield None\n"
        "AsyncSession = Annotated[_AsyncSession, Depends(get_db)]\n"
    ),
    "subclass": (
        "from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession\n"
        "class AsyncSession(_AsyncSession):\n"
        "    pass\n"
    ),
}


def _session_app(alias: str) -> dict[str, str]:
    return {
        "app/db.py": SESSION_ALIASES[alias],
        "app/repositories/items.py": (
            "from app.db import AsyncSession\n"
            "class ItemRepository:\n"
            "    def __init__(self, session: AsyncSession) -> None:\n"
            "        self.session = session\n"
            "    async def save(self) -> None:\n"
            "        await self.session.commit()\n"
        ),
        "app/routes/items.py": (
            ROUTE_HEAD + "from app.db import AsyncSession\n"
            "@router.get('/items/count')\n"
            "async def count_items(session: AsyncSession) -> int:\n"
            "    return (await session.execute('SELECT 1')).scalar_one()\n"
        ),
        "app/services/items.py": (
            "from app.db import AsyncSession\n"
            "class ItemService:\n"
            "    def __init__(self, session: AsyncSession) -> None:\n"
            "        self.session = session\n"
            "    async def total(self) -> int:\n"
            "        return (await self.session.execute('SELECT 1')).scalar_one()\n"
        ),
    }


@pytest.mark.parametrize("alias", sorted(SESSION_ALIASES))
def test_session_aliases_are_sessions(alias: str) -> None:
    files = _session_app(alias)
    assert found(files, "LL103") == [("app/routes/items.py", 6)]
    assert found(files, "LL107") == [("app/services/items.py", 6)]
    assert found(files, "LL109") == [("app/repositories/items.py", 6)]


def test_a_newtype_of_something_else_is_not_a_session() -> None:
    files = _session_app("NewType")
    files["app/db.py"] = (
        "from typing import NewType\nclass Client:\n    pass\n"
        "AsyncSession = NewType('AsyncSession', Client)\n"
    )
    assert found(files, "LL103") == []
    assert found(files, "LL107") == []


# -- ORM models whose table name comes from the base ---------------------------------------

DECLARED_ATTR_BASE = (
    "from sqlalchemy.orm import DeclarativeBase, declared_attr\n"
    "class Base(DeclarativeBase):\n"
    "    @declared_attr.directive\n"
    "    def __tablename__(cls) -> str:\n"
    "        return cls.__name__.lower()\n"
)
FACTORY_BASE = (
    "from sqlalchemy.orm import declarative_base, declared_attr\n"
    "class CustomBase:\n"
    "    @declared_attr\n"
    "    def __tablename__(cls) -> str:\n"
    "        return cls.__name__.lower()\n"
    "Base = declarative_base(cls=CustomBase)\n"
)


@pytest.mark.parametrize("base", [DECLARED_ATTR_BASE, FACTORY_BASE])
def test_column_only_models_of_a_declared_attr_base_are_models(base: str) -> None:
    files = {
        "app/database/core.py": base,
        "app/project/models.py": (
            "from sqlalchemy import Column, Integer\n"
            "from app.database.core import Base\n"
            "class Project(Base):\n"
            "    id = Column(Integer, primary_key=True)\n"
        ),
        "app/project/service.py": (
            "from app.project.models import Project\n"
            "def get(*, db_session, project_id: int):\n"
            "    return db_session.query(Project).filter(Project.id == project_id).first()\n"
        ),
    }
    assert found(files, "LL301") == [("app/project/models.py", 4)]
    assert found(files, "LL303") == [("app/project/service.py", 3)]


def test_abstract_classes_and_the_base_itself_are_not_queried_models() -> None:
    files = {
        "app/database/core.py": DECLARED_ATTR_BASE,
        "app/project/models.py": (
            "from sqlalchemy.orm import Mapped, mapped_column\n"
            "from app.database.core import Base\n"
            "class Stamped(Base):\n"
            "    __abstract__ = True\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        ),
        "app/project/search.py": (
            "from app.database.core import Base\n"
            "from app.project.models import Stamped\n"
            "def find(index, client):\n"
            "    index.query(Stamped)\n"
            "    return client.query(Base)\n"
        ),
    }
    assert found(files, "LL303") == []


def test_a_column_class_without_any_base_is_left_alone() -> None:
    files = {
        "app/tables.py": (
            "from sqlalchemy import Column, Integer\n"
            "class Columns:\n"
            "    id = Column(Integer, primary_key=True)\n"
        ),
    }
    assert found(files, "LL301") == []


# -- Pydantic models whose base is in another module ---------------------------------------

PYDANTIC_2_PROJECT = (
    "[project]\nname = 'example'\ndependencies = ['pydantic>=2', 'pydantic-settings>=2']\n"
)


def _settings_app(config_body: str) -> dict[str, str]:
    return {
        "pyproject.toml": PYDANTIC_2_PROJECT,
        "app/core/settings/base.py": (
            "from pydantic_settings import BaseSettings\n"
            "class BaseAppSettings(BaseSettings):\n"
            "    debug: bool = False\n"
        ),
        "app/core/settings/production.py": (
            "from app.core.settings.base import BaseAppSettings\n"
            "class ProdSettings(BaseAppSettings):\n"
            "    title: str = 'prod'\n"
            "    class Config:\n" + config_body
        ),
    }


def test_ll401_config_of_a_settings_class_whose_base_is_in_another_module() -> None:
    files = _settings_app("        env_file = 'prod.env'\n")
    assert found(files, "LL401") == [("app/core/settings/production.py", 4)]


def test_ll401_pydantic_only_key_is_reported_once() -> None:
    files = _settings_app("        validate_assignment = True\n")
    assert found(files, "LL401") == [("app/core/settings/production.py", 4)]


def test_ll402_orm_mode_in_a_model_whose_base_is_in_another_module() -> None:
    files = {
        "pyproject.toml": PYDANTIC_2_PROJECT,
        "app/schemas/base.py": "from pydantic import BaseModel\nclass Schema(BaseModel):\n    pass\n",
        "app/schemas/user.py": (
            "from app.schemas.base import Schema\n"
            "class UserOut(Schema):\n"
            "    id: int\n"
            "    class Config:\n"
            "        orm_mode = True\n"
        ),
    }
    assert found(files, "LL402") == [("app/schemas/user.py", 5)]


def test_ll401_config_of_a_class_based_on_something_else_is_left_alone() -> None:
    files = _settings_app("        env_file = 'prod.env'\n")
    files["app/core/settings/base.py"] = "class BaseAppSettings:\n    debug: bool = False\n"
    assert found(files, "LL401") == []


# -- routers made by a router-class factory -------------------------------------------------


def test_routes_of_a_router_class_made_by_a_factory_are_routes() -> None:
    files = {
        "app/kit/routing.py": (
            "from fastapi import APIRouter as _APIRouter\n"
            "from fastapi.routing import APIRoute\n"
            "def get_api_router_class(route_class: type[APIRoute]) -> type[_APIRouter]:\n"
            "    class _Router(_APIRouter):\n"
            "        pass\n"
            "    return _Router\n"
        ),
        "app/routing.py": (
            "from fastapi.routing import APIRoute\n"
            "from app.kit.routing import get_api_router_class\n"
            "APIRouter = get_api_router_class(APIRoute)\n"
        ),
        "app/repositories/users.py": "class UserRepository:\n    def get(self) -> None:\n        pass\n",
        "app/routes/users.py": (
            "from app.routing import APIRouter\n"
            "from app.repositories.users import UserRepository\n"
            "router = APIRouter()\n"
            "@router.get('/users')\n"
            "def read_user() -> None:\n"
            "    return UserRepository().get()\n"
        ),
    }
    assert found(files, "LL102") == [("app/routes/users.py", 6)]


def test_ll102_classmethod_inherited_through_a_generic_base() -> None:
    files = {
        "app/kit/repository.py": (
            "from typing import Generic, Self, TypeVar\n"
            "M = TypeVar('M')\n"
            "class RepositoryBase(Generic[M]):\n"
            "    def __init__(self, session) -> None:\n"
            "        self.session = session\n"
            "    @classmethod\n"
            "    def from_session(cls, session) -> Self:\n"
            "        return cls(session)\n"
        ),
        "app/orders/repository.py": (
            "from app.kit.repository import RepositoryBase\n"
            "class OrderRepository(RepositoryBase[int]):\n"
            "    async def last(self):\n"
            "        return None\n"
        ),
        "app/routes/orders.py": (
            ROUTE_HEAD + "from app.orders.repository import OrderRepository\n"
            "@router.get('/orders/last')\n"
            "async def last_order(session=None) -> dict:\n"
            "    async def load():\n"
            "        repository = OrderRepository.from_session(session)\n"
            "        return await repository.last()\n"
            "    return {'order': await load()}\n"
        ),
    }
    assert found(files, "LL102") == [("app/routes/orders.py", 7), ("app/routes/orders.py", 8)]


def test_a_union_of_sessions_is_a_session() -> None:
    files = _session_app("NewType")
    files["app/db.py"] = (
        "from typing import NewType\n"
        "from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession\n"
        "AsyncSession = NewType('AsyncSession', _AsyncSession)\n"
        "AsyncReadSession = NewType('AsyncReadSession', _AsyncSession)\n"
    )
    files["app/services/items.py"] = (
        "from app.db import AsyncReadSession, AsyncSession\n"
        "async def total(session: AsyncSession | AsyncReadSession, other: AsyncSession | int):\n"
        "    await other.execute('SELECT 1')\n"
        "    return (await session.execute('SELECT 1')).scalar_one()\n"
    )
    assert found(files, "LL107") == [("app/services/items.py", 4)]


def test_ll312_async_sessions_behind_a_newtype_make_an_async_codebase() -> None:
    files = {
        "app/db.py": (
            "from typing import NewType\n"
            "from sqlalchemy import create_engine\n"
            "from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession\n"
            "AsyncSession = NewType('AsyncSession', _AsyncSession)\n"
            "sync_engine = create_engine('postgresql://x')\n"
        ),
        "app/services/items.py": (
            "from sqlalchemy.orm import Session\n"
            "from app.db import AsyncSession\n"
            "async def a(session: AsyncSession) -> None: ...\n"
            "async def b(session: AsyncSession) -> None: ...\n"
            "def c(session: Session) -> None: ...\n"
        ),
    }
    assert found(files, "LL312") == [("app/db.py", 5)]
