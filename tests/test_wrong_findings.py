"""Minimal reproductions of findings a reviewer would reject on real applications.

Each test names the rule it pins; invalid cases assert exact (path, line) pairs.
"""

from __future__ import annotations

from layerlint.testing import checked_fix, found, lint_files, messages

# -- LL206 / LL201: a plain Starlette app ------------------------------------------------------

STARLETTE_APP = (
    "from starlette.applications import Starlette\n"
    "from starlette.exceptions import HTTPException\n"
    "from starlette.routing import Route\n"
    "async def health(request):\n"
    "    raise HTTPException(status_code=503)\n"
    "app = Starlette(routes=[Route('/health', health)])\n"
)


def test_ll206_not_in_a_plain_starlette_app() -> None:
    assert found({"app/health.py": STARLETTE_APP}, "LL206") == []


def test_ll206_still_reported_in_a_fastapi_module_using_starlette_routing() -> None:
    source = "from fastapi import FastAPI\n" + STARLETTE_APP
    assert found({"app/health.py": source}, "LL206") == [("app/health.py", 3)]


def test_ll201_fix_in_a_plain_starlette_app_uses_starlette_status() -> None:
    after, count = checked_fix({"app/health.py": STARLETTE_APP}, "LL201")
    assert count == 1
    assert "from starlette import status\n" in after["app/health.py"]
    assert (
        "HTTPException(status_code=status.HTTP_503_SERVICE_UNAVAILABLE)" in after["app/health.py"]
    )
    assert "fastapi" not in after["app/health.py"]


# -- LL211: business rules about the caller's own role ------------------------------------------

DEPS = (
    "from typing import Annotated\n"
    "from fastapi import Depends\n"
    "class User:\n"
    "    is_superuser: bool = False\n"
    "def get_current_user() -> User: ...\n"
    "CurrentUser = Annotated[User, Depends(get_current_user)]\n"
)


def test_ll211_raise_because_the_caller_holds_the_role_is_a_business_rule() -> None:
    route = (
        "from fastapi import APIRouter, HTTPException\n"
        "from app.api.deps import CurrentUser\n"
        "router = APIRouter()\n"
        "@router.delete('/users/me')\n"
        "def delete_me(current_user: CurrentUser) -> None:\n"
        "    if current_user.is_superuser:\n"
        "        raise HTTPException(status_code=403, detail='superusers cannot delete themselves')\n"
        "@router.get('/admin')\n"
        "def admin(current_user: CurrentUser) -> None:\n"
        "    if not current_user.is_superuser:\n"
        "        raise HTTPException(status_code=403)\n"
    )
    files = {"app/api/deps.py": DEPS, "app/api/routes/users.py": route}
    assert found(files, "LL211") == [("app/api/routes/users.py", 10)]


# -- LL501: raising helpers and logged isolation -----------------------------------------------


def test_ll501_logged_isolation_is_not_swallowing_a_silent_pass_is() -> None:
    source = (
        "import logging\n"
        "log = logging.getLogger(__name__)\n"
        "def build_card(source):\n"
        "    return source()\n"
        "def feed(sources) -> list:\n"
        "    cards = []\n"
        "    for source in sources:\n"
        "        try:\n"
        "            cards.append(build_card(source))\n"
        "        except Exception:\n"
        "            log.exception('card failed')\n"
        "    try:\n"
        "        cards.sort()\n"
        "    except Exception:\n"
        "        pass\n"
        "    return cards\n"
    )
    files = {"app/services/feed.py": source}
    assert found(files, "LL501") == [("app/services/feed.py", 14)]
    strict = found(files, "LL501", {"report-logged": True})
    assert strict == [("app/services/feed.py", 10), ("app/services/feed.py", 14)]


def test_ll501_self_method_that_always_raises_inherited_in_the_module() -> None:
    source = (
        "class Base:\n"
        "    def handle_exception(self, ex):\n"
        "        if isinstance(ex, KeyError):\n"
        "            raise LookupError() from ex\n"
        "        raise RuntimeError() from ex\n"
        "    def note(self, ex):\n"
        "        if ex:\n"
        "            return None\n"
        "        raise ex\n"
        "class Service(Base):\n"
        "    def run(self, job):\n"
        "        try:\n"
        "            job()\n"
        "        except Exception as ex:\n"
        "            self.handle_exception(ex)\n"
        "        try:\n"
        "            job()\n"
        "        except Exception as ex:\n"
        "            self.note(ex)\n"
    )
    files = {"app/services/jobs.py": source}
    assert found(files, "LL501") == [("app/services/jobs.py", 18)]


# -- LL701: enum labels and settings defaults ---------------------------------------------------


def test_ll701_enum_members_named_like_secrets_are_labels() -> None:
    source = (
        "from enum import StrEnum\n"
        "import enum\n"
        "class TokenType(StrEnum):\n"
        "    access_token = 'app_access_token'\n"
        "    refresh_token = 'app_refresh_token'\n"
        "    client_secret = 'app_client_secret'\n"
        "class Kind(str, enum.Enum):\n"
        "    api_key = 'polar_api_key_kind'\n"
    )
    assert found({"app/enums.py": source}, "LL701") == []


def test_ll701_settings_default_gets_the_settings_message() -> None:
    files = {
        "app/config.py": (
            "from pydantic_settings import BaseSettings\n"
            "class Settings(BaseSettings):\n"
            "    stripe_secret_key: str = 'sk_live_51HxYzAbCdEf'\n"
            "STRIPE_SECRET_KEY = 'sk_live_51HxYzAbCdEf'\n"
            "class BaseConfig(BaseSettings):\n"
            "    DEBUG: int = 0\n"
            "class Config(BaseConfig):\n"
            "    SECRET_KEY: str = 'super-secret-key'\n"
        )
    }
    assert found(files, "LL701") == [
        ("app/config.py", 3),
        ("app/config.py", 4),
        ("app/config.py", 8),
    ]
    assert messages(files, "LL701") == [
        "default secret in settings field `stripe_secret_key`; do not commit a default "
        "secret, require it from the environment",
        "hardcoded secret in `STRIPE_SECRET_KEY`; read it from the environment through settings",
        "default secret in settings field `SECRET_KEY`; do not commit a default secret, "
        "require it from the environment",
    ]


# -- LL310: constants, placeholders and statements that take no bound parameters -------------


def test_ll310_enum_value_and_class_constants_are_constants() -> None:
    source = (
        "from enum import StrEnum\n"
        "from sqlalchemy import text\n"
        "class Interval(StrEnum):\n"
        "    day = 'day'\n"
        "    def sql_interval(self):\n"
        "        return text(f\"'1 {self.value}'::interval\")\n"
        "class Stats:\n"
        "    _threshold = 5\n"
        "    LIMIT: int = 100\n"
        "    def __init__(self, user_limit: int) -> None:\n"
        "        self.user_limit = user_limit\n"
        "    async def top(self, session):\n"
        "        await session.execute(text(f'SELECT * FROM t WHERE n > {self._threshold}'))\n"
        "        await session.execute(text(f'SELECT * FROM t LIMIT {self.LIMIT}'))\n"
        "        await session.execute(text(f'SELECT * FROM t WHERE d = {Interval.day}'))\n"
        "        await session.execute(text(f\"SELECT * FROM t WHERE n = '{self.user_limit}'\"))\n"
    )
    assert found({"app/time_queries.py": source}, "LL310") == [("app/time_queries.py", 16)]


def test_ll310_fstring_building_bind_names_from_literal_data_is_not_user_data() -> None:
    source = (
        "from sqlalchemy import text\n"
        "COLUMNS = ('name', 'email')\n"
        "async def insert_user(session, values: dict):\n"
        "    names = ', '.join(COLUMNS)\n"
        "    binds = ', '.join(f':{column}' for column in COLUMNS)\n"
        "    sql = f'INSERT INTO users ({names}) VALUES ({binds})'\n"
        "    await session.execute(text(sql), values)\n"
    )
    assert found({"app/repositories/users.py": source}, "LL310") == []


def test_ll310_statements_without_bind_parameters_get_quoting_advice() -> None:
    files = {
        "app/services/tenancy.py": (
            "from sqlalchemy import text\n"
            "def grant(cursor, role_name: str) -> None:\n"
            "    cursor.execute(f'GRANT {role_name} TO CURRENT_USER')\n"
            "    cursor.execute(f'DROP ROLE {role_name}')\n"
            "async def localise(session, timezone: str) -> None:\n"
            "    await session.execute(text(f\"SET LOCAL TIME ZONE '{timezone}'\"))\n"
        )
    }
    assert found(files, "LL310") == [("app/services/tenancy.py", 6)]
    [message] = messages(files, "LL310")
    assert "takes no bound parameters" in message
    assert "identifier_preparer.quote()" in message
    assert ":name" not in message


# -- LL601: merge and placeholder revisions ----------------------------------------------------


def test_ll601_not_for_a_revision_whose_upgrade_is_empty_too() -> None:
    merge = (
        "revision = 'a1'\n"
        "down_revision = ('b2', 'c3')\n"
        "def upgrade():\n"
        "    '''Merge heads.'''\n"
        "    pass\n"
        "def downgrade():\n"
        "    pass\n"
    )
    real = merge.replace("    '''Merge heads.'''\n    pass\n", "    op.drop_table('x')\n", 1)
    files = {"alembic/versions/a1_merge.py": merge, "alembic/versions/a2_drop.py": real}
    assert found(files, "LL601") == [("alembic/versions/a2_drop.py", 5)]


# -- LL102: repositories handed to services; projects without a services layer ---------------

REPO = "class UserRepository:\n    def __init__(self, session) -> None:\n        self.session = session\n    def get(self, i):\n        return None\n"
SERVICE = (
    "class RegistrationService:\n"
    "    def __init__(self, repo) -> None:\n"
    "        self.repo = repo\n"
    "    def register(self, email: str):\n"
    "        return self.repo.get(email)\n"
)


def test_ll102_repository_only_passed_to_a_service_constructor() -> None:
    route = (
        "from fastapi import APIRouter\n"
        "from app.repositories.users import UserRepository\n"
        "from app.services.registration import RegistrationService\n"
        "router = APIRouter()\n"
        "@router.post('/register')\n"
        "def register(email: str, session) -> None:\n"
        "    return RegistrationService(UserRepository(session)).register(email)\n"
        "@router.post('/invite')\n"
        "def invite(email: str, session) -> None:\n"
        "    repo = UserRepository(session)\n"
        "    return RegistrationService(repo=repo).register(email)\n"
        "@router.get('/users/{i}')\n"
        "def read(i: int, session) -> None:\n"
        "    repo = UserRepository(session)\n"
        "    RegistrationService(repo)\n"
        "    return repo.get(i)\n"
    )
    files = {
        "app/repositories/users.py": REPO,
        "app/services/registration.py": SERVICE,
        "app/routes/users.py": route,
    }
    assert found(files, "LL102") == [("app/routes/users.py", 14), ("app/routes/users.py", 16)]


NO_SERVICES = {
    "app/models.py": "class User:\n    pass\n",
    "app/crud.py": "def get_user_by_email(*, session, email: str):\n    return None\n",
    "app/api/routes/users.py": (
        "from fastapi import APIRouter\n"
        "from app import crud\n"
        "router = APIRouter()\n"
        "@router.get('/users/by-email')\n"
        "def by_email(email: str, session) -> dict:\n"
        "    return {'user': crud.get_user_by_email(session=session, email=email)}\n"
    ),
}


def test_ll102_silent_in_a_project_without_a_services_layer() -> None:
    assert found(NO_SERVICES, "LL102") == []


def test_ll102_without_services_only_where_the_configured_contract_forbids_it() -> None:
    contract = {"contract": {"routes": ["schemas", "models", "core"]}}
    diagnostics = lint_files(NO_SERVICES, select=("LL102",), config_table=contract)
    assert [(d.path, d.span.line) for d in diagnostics] == [("app/api/routes/users.py", 6)]
    assert "go through a service" not in diagnostics[0].message
    assert "configured contract" in diagnostics[0].message


# -- LL103: the advice names a layer the project has ------------------------------------------

ROUTE_WITH_QUERY = (
    "from fastapi import APIRouter\n"
    "from sqlalchemy import select\n"
    "from sqlalchemy.ext.asyncio import AsyncSession\n"
    "router = APIRouter()\n"
    "@router.get('/')\n"
    "async def list_users(session: AsyncSession):\n"
    "    return (await session.execute(select(1))).all()\n"
)


def test_ll103_silent_without_repositories_or_services_layer() -> None:
    files = {"app/routes/users.py": ROUTE_WITH_QUERY, "app/models/user.py": "X = 1\n"}
    assert found(files, "LL103") == []
    files["app/repositories/users.py"] = "X = 1\n"
    assert found(files, "LL103") == [("app/routes/users.py", 7)]


def test_ll103_without_repositories_says_move_to_a_service() -> None:
    files = {
        "app/routes/users.py": ROUTE_WITH_QUERY,
        "app/services/users.py": "def list_users():\n    return []\n",
    }
    assert found(files, "LL103") == [("app/routes/users.py", 7)]
    assert messages(files, "LL103") == [
        "route runs `session.execute()` itself; move database access to a service"
    ]


# -- LL311: per-row round trips, not batches, tables or id flushes ---------------------------


def test_ll311_batches_tables_and_id_flushes_are_not_per_row_round_trips() -> None:
    source = (
        "from sqlalchemy import delete, insert, update\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from app.models import Discount, Event, Redemption\n"
        "async def run(session: AsyncSession, batches, models, rows, discounts, changes):\n"
        "    for batch in batches:\n"
        "        await session.execute(update(Event).where(Event.id.in_(batch)).values(x=1))\n"
        "        await session.execute(insert(Event).values(batch))\n"
        "        await session.execute(insert(Event), list(batch))\n"
        "    for model in models:\n"
        "        await session.execute(delete(model).where(model.field_id == 3))\n"
        "    for discount in discounts:\n"
        "        new = Discount(code=discount.code)\n"
        "        session.add(new)\n"
        "        await session.flush()\n"
        "        session.add(Redemption(discount_id=new.id))\n"
        "    for change in changes:\n"
        "        await session.execute(update(Event).where(Event.id == change['id']).values(x=2))\n"
        "    for row in rows:\n"
        "        if row:\n"
        "            session.add(Event(**row))\n"
        "        await session.commit()\n"
    )
    files = {"app/services/backfill.py": source}
    assert found(files, "LL311") == [("app/services/backfill.py", 17)]


def test_ll211_self_or_superuser_after_an_early_return_is_a_resource_rule() -> None:
    route = (
        "from fastapi import APIRouter, HTTPException\n"
        "from app.api.deps import CurrentUser\n"
        "router = APIRouter()\n"
        "@router.get('/users/{user_id}')\n"
        "def read_user(user_id: int, current_user: CurrentUser):\n"
        "    user = load(user_id)\n"
        "    if user == current_user:\n"
        "        return user\n"
        "    if not current_user.is_superuser:\n"
        "        raise HTTPException(status_code=403)\n"
        "    return user\n"
    )
    files = {"app/api/deps.py": DEPS, "app/api/routes/users.py": route}
    assert found(files, "LL211") == []
