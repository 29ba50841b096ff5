"""Regression tests for the layering rules (LL101-LL109), beyond each rule's examples."""

from __future__ import annotations

from layerlint.testing import found, messages

USER_MODEL = (
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
    "class User(Base):\n"
    "    __tablename__ = 'users'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
)
REPOSITORY = (
    "from sqlalchemy.ext.asyncio import AsyncSession\n"
    "class UserRepository:\n"
    "    def __init__(self, session: AsyncSession) -> None:\n"
    "        self.session = session\n"
    "    async def get(self, user_id: int):\n"
    "        return await self.session.get(object, user_id)\n"
)


# -- LL101 ------------------------------------------------------------------------------------


def test_ll101_repository_importing_a_service_is_reported() -> None:
    files = {
        "app/services/user_service.py": "def notify() -> None:\n    pass\n",
        "app/repositories/user_repo.py": "from app.services.user_service import notify\n",
    }
    assert found(files, "LL101") == [("app/repositories/user_repo.py", 1)]


def test_ll101_type_checking_import_is_not_checked() -> None:
    files = {
        "app/services/user_service.py": "class UserService:\n    pass\n",
        "app/repositories/user_repo.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from app.services.user_service import UserService\n"
        ),
    }
    assert found(files, "LL101") == []


def test_ll101_import_through_a_package_reexport_is_followed() -> None:
    files = {
        "app/__init__.py": "",
        "app/routes/__init__.py": "from app.routes.users import router\n",
        "app/routes/users.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
        "app/models/__init__.py": "",
        "app/models/user.py": "from app.routes import router\n",
    }
    assert found(files, "LL101") == [("app/models/user.py", 1)]


def test_ll101_one_finding_per_import_statement_naming_every_name() -> None:
    files = {
        "app/repositories/user_repo.py": "class UserRepository:\n    pass\n",
        "app/repositories/item_repo.py": "class ItemRepository:\n    pass\n",
        "app/routes/users.py": (
            "from app.repositories.user_repo import UserRepository\n"
            "from app.repositories import (\n"
            "    user_repo,\n"
            "    item_repo,\n"
            ")\n"
        ),
    }
    assert found(files, "LL101") == [("app/routes/users.py", 1), ("app/routes/users.py", 3)]
    second = messages(files, "LL101")[1]
    assert "`app.repositories.user_repo`" in second and "`app.repositories.item_repo`" in second


# -- LL102 ------------------------------------------------------------------------------------


def test_ll102_repository_built_in_a_route_is_reported() -> None:
    files = {
        "app/repositories/user_repo.py": REPOSITORY,
        "app/services/user_service.py": "class UserService:\n    pass\n",
        "app/routes/users.py": (
            "from fastapi import APIRouter\n"
            "from app.repositories.user_repo import UserRepository\n"
            "router = APIRouter()\n"
            "@router.get('/{user_id}')\n"
            "async def get_user(user_id: int, session=None):\n"
            "    return await UserRepository(session).get(user_id)\n"
        ),
    }
    assert found(files, "LL102") == [("app/routes/users.py", 6)]


def test_ll102_route_going_through_a_service_is_silent() -> None:
    files = {
        "app/repositories/user_repo.py": REPOSITORY,
        "app/services/user_service.py": (
            "from app.repositories.user_repo import UserRepository\n"
            "async def get_user(session, user_id: int):\n"
            "    return await UserRepository(session).get(user_id)\n"
        ),
        "app/routes/users.py": (
            "from fastapi import APIRouter\n"
            "from app.services import user_service\n"
            "router = APIRouter()\n"
            "@router.get('/{user_id}')\n"
            "async def get_user(user_id: int, session=None):\n"
            "    return await user_service.get_user(session, user_id)\n"
        ),
    }
    assert found(files, "LL102") == []


# -- LL103 ------------------------------------------------------------------------------------


def test_ll103_query_on_an_annotated_session_in_a_route_is_reported() -> None:
    files = {
        "app/models/user.py": USER_MODEL,
        "app/repositories/user_repo.py": REPOSITORY,
        "app/routes/users.py": (
            "from fastapi import APIRouter\n"
            "from sqlalchemy import select\n"
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "from app.models.user import User\n"
            "router = APIRouter()\n"
            "@router.get('/')\n"
            "async def list_users(session: AsyncSession):\n"
            "    result = await session.execute(select(User))\n"
            "    return result.scalars().all()\n"
        ),
    }
    assert [line for _, line in found(files, "LL103")] == [8]


def test_ll103_statement_builder_is_not_database_access() -> None:
    files = {
        "app/models/item.py": (
            "from sqlmodel import Field, SQLModel\n"
            "class Item(SQLModel, table=True):\n"
            "    id: int | None = Field(default=None, primary_key=True)\n"
        ),
        "app/repositories/items.py": "class ItemRepository:\n    pass\n",
        "app/routes/items.py": (
            "from fastapi import APIRouter\n"
            "from sqlmodel import Session, select\n"
            "from app.models.item import Item\n"
            "router = APIRouter()\n"
            "@router.get('/items')\n"
            "def list_items(session: Session) -> list[Item]:\n"
            "    statement = select(Item).where(Item.id > 0).limit(10)\n"
            "    first = session.exec(select(Item).where(Item.id == 1)).first()\n"
            "    return [first, *session.exec(statement).all()]\n"
        ),
    }
    assert found(files, "LL103") == [("app/routes/items.py", 8), ("app/routes/items.py", 9)]


def test_ll103_untyped_receiver_is_not_a_session() -> None:
    files = {
        "app/routes/users.py": (
            "from fastapi import APIRouter\n"
            "router = APIRouter()\n"
            "@router.get('/')\n"
            "async def list_users(cache):\n"
            "    return cache.get('users')\n"
        ),
    }
    assert found(files, "LL103") == []


# -- LL104 / LL105 ----------------------------------------------------------------------------

HTTP_EXCEPTION_RAISER = (
    "from fastapi import HTTPException\n"
    "def get_user(user_id: int):\n"
    "    raise HTTPException(status_code=404)\n"
)


def test_ll104_http_exception_in_a_service_is_reported() -> None:
    files = {"app/services/user_service.py": HTTP_EXCEPTION_RAISER}
    assert found(files, "LL104") == [("app/services/user_service.py", 3)]


def test_ll104_dependency_function_in_a_service_module_is_exempt() -> None:
    files = {
        "app/services/auth_service.py": (
            "from fastapi import HTTPException\n"
            "def current_user(token: str = ''):\n"
            "    if not token:\n"
            "        raise HTTPException(status_code=401)\n"
            "    return token\n"
        ),
        "app/routes/users.py": (
            "from fastapi import APIRouter, Depends\n"
            "from app.services.auth_service import current_user\n"
            "router = APIRouter()\n"
            "@router.get('/me')\n"
            "async def me(user=Depends(current_user)):\n"
            "    return user\n"
        ),
    }
    assert found(files, "LL104") == []


def test_ll104_module_level_http_exception_raised_by_name_is_reported() -> None:
    files = {
        "app/services/auth.py": (
            "from fastapi import HTTPException\n"
            "InvalidCredentials = HTTPException(status_code=401, detail='bad credentials')\n"
            "def check(password_ok: bool) -> None:\n"
            "    if not password_ok:\n"
            "        raise InvalidCredentials\n"
        ),
        "app/routes/auth.py": (
            "from fastapi import HTTPException\nNOT_FOUND = HTTPException(status_code=404)\n"
        ),
    }
    assert found(files, "LL104") == [("app/services/auth.py", 2)]


def test_ll105_http_exception_in_a_repository_is_reported() -> None:
    files = {"app/repositories/user_repo.py": HTTP_EXCEPTION_RAISER}
    assert found(files, "LL105") == [("app/repositories/user_repo.py", 3)]
    assert found(files, "LL104") == []


# -- LL106 ------------------------------------------------------------------------------------


def test_ll106_request_import_in_a_service_is_reported() -> None:
    files = {"app/services/user_service.py": "from fastapi import Request\n"}
    assert found(files, "LL106") == [("app/services/user_service.py", 1)]


def test_ll106_one_finding_per_import_statement_naming_every_name() -> None:
    files = {
        "app/services/auth.py": (
            "from fastapi import Request, Response\n"
            "def set_cookie(request: Request, response: Response) -> None:\n"
            "    response.set_cookie('k', 'v')\n"
        )
    }
    assert found(files, "LL106") == [("app/services/auth.py", 1)]
    assert "`fastapi.Request`, `fastapi.Response`" in messages(files, "LL106")[0]


def test_ll106_fastapi_encoders_are_allowed() -> None:
    files = {"app/services/user_service.py": "from fastapi.encoders import jsonable_encoder\n"}
    assert found(files, "LL106") == []


# -- LL107 ------------------------------------------------------------------------------------

SERVICE_WITH_QUERY = (
    "from sqlalchemy import select\n"
    "from sqlalchemy.ext.asyncio import AsyncSession\n"
    "class UserService:\n"
    "    def __init__(self, session: AsyncSession) -> None:\n"
    "        self.session = session\n"
    "    async def all(self):\n"
    "        return await self.session.execute(select(object))\n"
)


def test_ll107_query_in_a_service_is_reported_when_repositories_exist() -> None:
    files = {
        "app/services/user_service.py": SERVICE_WITH_QUERY,
        "app/repositories/user_repo.py": REPOSITORY,
    }
    assert found(files, "LL107") == [("app/services/user_service.py", 7)]


def test_ll107_services_own_data_access_without_a_repositories_layer() -> None:
    files = {"app/services/user_service.py": SERVICE_WITH_QUERY}
    assert found(files, "LL107") == []


# -- LL108 ------------------------------------------------------------------------------------


def test_ll108_cycle_across_layers_is_reported_at_the_upward_import() -> None:
    files = {
        "app/routes/users.py": "from app.services.user_service import get_user\nROUTE = 1\n",
        "app/services/user_service.py": (
            "from app.routes.users import ROUTE\ndef get_user() -> int:\n    return ROUTE\n"
        ),
    }
    assert found(files, "LL108") == [("app/services/user_service.py", 1)]


def test_ll108_function_local_import_does_not_close_a_cycle() -> None:
    files = {
        "app/routes/users.py": "from app.services.user_service import get_user\nROUTE = 1\n",
        "app/services/user_service.py": (
            "def get_user() -> int:\n    from app.routes.users import ROUTE\n    return ROUTE\n"
        ),
    }
    assert found(files, "LL108") == []


# -- LL109 ------------------------------------------------------------------------------------


def test_ll109_rollback_in_a_repository_is_reported() -> None:
    files = {
        "app/repositories/user_repo.py": (
            "from sqlalchemy.orm import Session\n"
            "def save(db: Session, user) -> None:\n"
            "    db.add(user)\n"
            "    db.rollback()\n"
        ),
    }
    assert found(files, "LL109") == [("app/repositories/user_repo.py", 4)]


def test_ll109_commit_in_a_service_is_not_a_repository_concern() -> None:
    files = {
        "app/services/user_service.py": (
            "from sqlalchemy.orm import Session\n"
            "def save(db: Session, user) -> None:\n"
            "    db.add(user)\n"
            "    db.commit()\n"
        ),
    }
    assert found(files, "LL109") == []
