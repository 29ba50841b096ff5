"""Regression tests of the FastAPI family (LL201-LL213) beyond the rules' own examples.

Each test is a minimal reproduction of a case met on the real corpus (or a trap named in
RULES.md); the expected (path, line) pairs are exact.
"""

from __future__ import annotations

from layerlint.rules.fastapi.bare_status_code import HTTP_STATUS_NAMES
from layerlint.testing import found, lint_files, messages, offers_fix

ITEM_SCHEMA = "from pydantic import BaseModel\nclass Item(BaseModel):\n    id: int\n"
ROUTER = "from fastapi import APIRouter, Depends, HTTPException\nrouter = APIRouter()\n"


# -- LL201 ------------------------------------------------------------------------------


def test_ll201_status_names_follow_the_starlette_pattern() -> None:
    for code, name in HTTP_STATUS_NAMES.items():
        assert name.startswith(f"HTTP_{code}_"), name


def test_ll201_message_names_the_constant_and_skips_unknown_codes() -> None:
    files = {
        "app/routes/users.py": ROUTER + "@router.get('/', status_code=299)\n"
        "def one() -> None:\n"
        "    raise HTTPException(status_code=422)\n"
    }
    assert found(files, "LL201") == [("app/routes/users.py", 5)]
    assert messages(files, "LL201") == [
        "bare status code `422`; use `status.HTTP_422_UNPROCESSABLE_CONTENT`"
    ]


def test_ll201_add_api_route_and_starred_arguments() -> None:
    files = {
        "app/main.py": (
            "from fastapi import FastAPI, HTTPException\n"
            "app = FastAPI()\n"
            "def health() -> dict:\n"
            "    return {}\n"
            "app.add_api_route('/h', health, status_code=202)\n"
            "def fail(args: tuple) -> None:\n"
            "    raise HTTPException(*args)\n"
        )
    }
    assert found(files, "LL201") == [("app/main.py", 5)]


def test_ll201_leaves_http_exceptions_in_services_to_ll104() -> None:
    files = {
        "app/services/users.py": (
            "from fastapi import HTTPException\n"
            "from fastapi.responses import JSONResponse\n"
            "def find(user_id: int) -> None:\n"
            "    raise HTTPException(status_code=404)\n"
            "def legacy() -> JSONResponse:\n"
            "    return JSONResponse({}, status_code=202)\n"
        ),
        "app/repositories/users.py": (
            "from fastapi import HTTPException\n"
            "def get(user_id: int) -> None:\n"
            "    raise HTTPException(404)\n"
        ),
    }
    assert found(files, "LL201") == [("app/services/users.py", 6)]
    assert found(files, "LL104") == [("app/services/users.py", 4)]
    assert found(files, "LL105") == [("app/repositories/users.py", 3)]
    # Importing ``status`` into a service would be an LL106 of its own.
    assert offers_fix(files, "LL201") == [False]


# -- LL202 ------------------------------------------------------------------------------


def test_ll202_hidden_and_head_routes_are_skipped() -> None:
    files = {
        "app/routes/users.py": ROUTER + "@router.get('/internal', include_in_schema=False)\n"
        "def internal():\n"
        "    return {}\n"
        "@router.head('/ping')\n"
        "def ping():\n"
        "    return None\n"
        "@router.get('/x', status_code=200)\n"
        "def x():\n"
        "    return {}\n"
    }
    assert found(files, "LL202") == [("app/routes/users.py", 10)]


# -- LL203 ------------------------------------------------------------------------------

_DB = (
    "from sqlalchemy import create_engine\n"
    "from sqlalchemy.orm import Session, scoped_session, sessionmaker\n"
    "SessionLocal = sessionmaker(bind=create_engine('sqlite://'))\n"
    "Scoped = scoped_session(SessionLocal)\n"
)


def test_ll203_provider_recognised_by_the_parameter_it_feeds() -> None:
    files = {
        "app/core/database.py": _DB,
        "app/dependencies/provide.py": (
            "from app.core.database import SessionLocal\n"
            "def provide():\n"
            "    conn = SessionLocal()\n"
            "    try:\n"
            "        yield conn\n"
            "    finally:\n"
            "        conn.close()\n"
        ),
        "app/routes/users.py": (
            "from fastapi import APIRouter, Depends\n"
            "from sqlalchemy.orm import Session\n"
            "from app.dependencies.provide import provide\n"
            "from app.core.database import Scoped\n"
            "router = APIRouter()\n"
            "@router.get('/')\n"
            "def read(db: Session = Depends(provide)) -> None:\n"
            "    Scoped()\n"
        ),
    }
    assert found(files, "LL203") == []


def test_ll203_dependency_returning_the_session_is_a_provider() -> None:
    files = {
        "app/core/database.py": _DB,
        "app/dependencies/provide.py": (
            "from app.core.database import SessionLocal\n"
            "def provide_handle():\n"
            "    return SessionLocal()\n"
            "def current_user():\n"
            "    with SessionLocal.begin() as s:\n"
            "        return s\n"
        ),
        "app/routes/users.py": (
            "from fastapi import APIRouter, Depends\n"
            "from app.dependencies.provide import current_user, provide_handle\n"
            "router = APIRouter()\n"
            "@router.get('/')\n"
            "def read(h=Depends(provide_handle), u=Depends(current_user)) -> None:\n"
            "    pass\n"
        ),
    }
    assert found(files, "LL203") == [("app/dependencies/provide.py", 5)]


# -- LL204 ------------------------------------------------------------------------------


def test_ll204_thread_and_starlette_background_task() -> None:
    files = {
        "app/routes/users.py": (
            "import threading\n"
            "from fastapi import APIRouter\n"
            "from sqlalchemy.orm import Session\n"
            "from starlette.background import BackgroundTask\n"
            "router = APIRouter()\n"
            "def work(db: Session) -> None:\n"
            "    pass\n"
            "@router.post('/')\n"
            "def create(db: Session) -> None:\n"
            "    threading.Thread(target=work, args=(db,)).start()\n"
            "    BackgroundTask(work, db)\n"
            "    work(db)\n"
            "    threading.Thread(target=work).start()\n"
        )
    }
    assert found(files, "LL204") == [("app/routes/users.py", 10), ("app/routes/users.py", 11)]


# -- LL205 ------------------------------------------------------------------------------------

BLOCKING_ROUTE = (
    "import time\n"
    "from fastapi import APIRouter\n"
    "router = APIRouter()\n"
    "@router.get('/')\n"
    "async def slow():\n"
    "    time.sleep(1)\n"
    "    return {}\n"
)


def test_ll205_sleep_in_an_async_route_is_reported() -> None:
    assert found({"app/routes/slow.py": BLOCKING_ROUTE}, "LL205") == [("app/routes/slow.py", 6)]


def test_ll205_outside_the_request_layers_is_silent() -> None:
    # An async CLI command may block; a module that declares routes is routes wherever it is.
    command = "import time\nasync def slow() -> None:\n    time.sleep(1)\n"
    assert found({"app/cli/slow.py": command}, "LL205") == []
    assert found({"app/cli/slow.py": BLOCKING_ROUTE}, "LL205") == [("app/cli/slow.py", 6)]


def test_ll205_test_modules_are_silent() -> None:
    assert found({"app/routes/test_slow.py": BLOCKING_ROUTE}, "LL205") == []
    assert found({"app/routes/slow_test.py": BLOCKING_ROUTE}, "LL205") == []


def test_ll205_call_handed_to_a_thread_is_silent() -> None:
    source = (
        "import asyncio, time\n"
        "async def wait() -> None:\n"
        "    def block() -> None:\n"
        "        time.sleep(1)\n"
        "    await asyncio.to_thread(block)\n"
        "    await asyncio.to_thread(lambda: time.sleep(1))\n"
    )
    assert found({"app/services/waiter.py": source}, "LL205") == []


def test_ll205_sync_session_io_in_async_def_is_reported() -> None:
    source = (
        "from sqlalchemy.orm import Session\n"
        "async def load(session: Session, user_id: int):\n"
        "    return session.get(object, user_id)\n"
    )
    assert found({"app/repositories/user_repo.py": source}, "LL205") == [
        ("app/repositories/user_repo.py", 3)
    ]


SYNC_REPOSITORY = {
    "app/repositories/base.py": (
        "from sqlalchemy.orm import Session\n"
        "class BaseRepository:\n"
        "    def __init__(self, session: Session) -> None:\n"
        "        self.session = session\n"
        "    def get(self, model, key):\n"
        "        return self.session.query(model).get(key)\n"
    ),
    "app/repositories/items.py": (
        "from app.repositories.base import BaseRepository\n"
        "class ItemRepository(BaseRepository):\n"
        "    async def count(self) -> int:\n"
        "        return 0\n"
        "    def label(self) -> str:\n"
        "        return 'items'\n"
    ),
}


def test_ll205_sync_session_query_one_and_two_calls_down_is_reported() -> None:
    files = {
        **SYNC_REPOSITORY,
        "app/services/items.py": (
            "from app.repositories.items import ItemRepository\n"
            "def load(repo: ItemRepository, key: int):\n"
            "    return repo.get(object, key)\n"
            "async def item(repo: ItemRepository, key: int):\n"
            "    first = repo.get(object, key)\n"
            "    second = load(repo, key)\n"
            "    await repo.count()\n"
            "    return first, second, repo.label()\n"
        ),
    }
    assert found(files, "LL205") == [("app/services/items.py", 5), ("app/services/items.py", 6)]
    assert messages(files, "LL205")[0] == (
        "`repo.get()` inside `async def` runs a sync database call"
        " (`self.session.query()` in `BaseRepository.get`); make it async or run it in a thread"
    )


def test_ll205_sync_helper_handing_on_an_async_session_coroutine_is_silent() -> None:
    files = {
        "app/repositories/items.py": (
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "def fetch(session: AsyncSession):\n"
            "    result = session.execute('select 1')\n"
            "    return result\n"
        ),
        "app/routes/items.py": (
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "from app.repositories.items import fetch\n"
            "async def items(session: AsyncSession):\n"
            "    return await fetch(session)\n"
        ),
    }
    assert found(files, "LL205") == []


# -- LL206 ------------------------------------------------------------------------------


def test_ll206_raise_and_handler_registration_in_one_module_is_deliberate() -> None:
    files = {
        "app/main.py": (
            "from fastapi import FastAPI\n"
            "from starlette.exceptions import HTTPException as StarletteHTTPException\n"
            "app = FastAPI()\n"
            "async def handler(request, exc):\n"
            "    return None\n"
            "app.add_exception_handler(StarletteHTTPException, handler)\n"
            "def boom() -> None:\n"
            "    raise StarletteHTTPException(500)\n"
        )
    }
    assert found(files, "LL206") == []


def test_ll206_module_import_reported_at_the_construction() -> None:
    files = {
        "app/routes/users.py": (
            "import starlette.exceptions\n"
            "def boom() -> None:\n"
            "    raise starlette.exceptions.HTTPException(status_code=500)\n"
        )
    }
    assert found(files, "LL206") == [("app/routes/users.py", 3)]


# -- LL207 / LL212 ------------------------------------------------------------------------


def test_ll207_add_api_route_response_model_resolved_in_the_registering_module() -> None:
    files = {
        "app/schemas/item.py": ITEM_SCHEMA,
        "app/routes/items.py": (
            "from app.schemas.item import Item\ndef upsert(item: Item):\n    return item\n"
        ),
        "app/main.py": (
            "from fastapi import FastAPI\n"
            "from app.routes.items import upsert\n"
            "from app.schemas import item as schemas\n"
            "app = FastAPI()\n"
            "app.add_api_route('/items', upsert, methods=['PUT'], response_model=schemas.Item)\n"
        ),
    }
    assert found(files, "LL207") == [("app/main.py", 5)]


def test_ll207_body_wrapped_in_the_response_envelope() -> None:
    files = {
        "app/schemas/item.py": ITEM_SCHEMA + "from typing import Generic, TypeVar\n"
        "T = TypeVar('T')\n"
        "class ApiResponse(BaseModel, Generic[T]):\n"
        "    data: T\n",
        "app/routes/items.py": ROUTER + "from app.schemas.item import ApiResponse, Item\n"
        "@router.put(\n"
        "    '/{item_id}/draft',\n"
        "    response_model=ApiResponse[Item],\n"
        ")\n"
        "def save(item_id: int, draft: Item):\n"
        "    return {}\n",
    }
    assert found(files, "LL207") == [("app/routes/items.py", 4)]


def test_ll212_inherited_table_flag() -> None:
    files = {
        "app/models/hero.py": (
            "from sqlmodel import SQLModel\n"
            "class HeroTable(SQLModel, table=True):\n"
            "    id: int\n"
            "class Hero(HeroTable):\n"
            "    pass\n"
        ),
        "app/routes/heroes.py": (
            ROUTER + "from app.models.hero import Hero\n"
            "@router.get('/', response_model=dict[str, Hero])\n"
            "def heroes():\n"
            "    return {}\n"
        ),
    }
    assert found(files, "LL212") == [("app/routes/heroes.py", 4)]


# -- LL208 ------------------------------------------------------------------------------

_AIRFLOW_LIKE = (
    "from pydantic import BaseModel, field_validator\n"
    "class ConnectionResponse(BaseModel):\n"
    "    conn_id: str\n"
    "    password: str | None\n"
    "    @field_validator('password', mode='after')\n"
    "    @classmethod\n"
    "    def redact_password(cls, v: str | None) -> str | None:\n"
    "        return '***'\n"
    "class LogResponse(BaseModel):\n"
    "    content: list[str]\n"
    "    continuation_token: str | None\n"
    "class LoginResponse(BaseModel):\n"
    "    access_token: str\n"
    "class ApiKey(BaseModel):\n"
    "    api_key: str\n"
    "class CodeConfigForm(BaseModel):\n"
    "    ENABLE: bool\n"
    "    CODE_EXECUTION_JUPYTER_AUTH_TOKEN: str = ''\n"
    "class CreateUser(BaseModel):\n"
    "    username: str\n"
    "    password: str\n"
    "class PasswordReset(BaseModel):\n"
    "    password: str\n"
)


def test_ll208_corpus_shapes() -> None:
    files = {
        "app/schemas/misc.py": _AIRFLOW_LIKE,
        "app/routes/misc.py": (
            ROUTER + "from app.schemas.misc import (\n"
            "    ApiKey, CodeConfigForm, ConnectionResponse, CreateUser, LogResponse,\n"
            "    LoginResponse, PasswordReset,\n"
            ")\n"
            "@router.get('/connections/{cid}')\n"
            "def connection(cid: str) -> ConnectionResponse:\n"  # redacted: silent
            "    return ConnectionResponse(conn_id=cid, password=None)\n"
            "@router.get('/logs', response_model=LogResponse)\n"
            "def logs():\n"  # pagination token: silent
            "    return {}\n"
            "@router.post('/auth/token')\n"
            "def create_token() -> LoginResponse:\n"  # issuance: silent
            "    return LoginResponse(access_token='t')\n"
            "@router.post('/api_key', response_model=ApiKey)\n"
            "def generate():\n"  # the model is the key: silent
            "    return {}\n"
            "@router.get('/code_execution', response_model=CodeConfigForm)\n"
            "def code_config():\n"  # decorator on line 19: a stored secret token
            "    return {}\n"
            "@router.post('/user')\n"
            "def create_user(data: CreateUser) -> CreateUser:\n"  # line 23: echoes the password
            "    return data\n"
            "@router.post('/password/reset')\n"
            "def reset() -> PasswordReset:\n"  # line 26: passwords always count
            "    return PasswordReset(password='x')\n"
        ),
    }
    assert found(files, "LL208") == [
        ("app/routes/misc.py", 19),
        ("app/routes/misc.py", 23),
        ("app/routes/misc.py", 26),
    ]


def test_ll208_shares_ll701_vocabulary_and_counts_password_hashes() -> None:
    files = {
        "app/schemas/user.py": (
            "from pydantic import BaseModel\n"
            "class UserOut(BaseModel):\n"
            "    email: str\n"
            "    has_password: bool\n"
            "class UserInDB(BaseModel):\n"
            "    hashed_password: str\n"
            "class IntegrationOut(BaseModel):\n"
            "    signing_secret: str\n"
        ),
        "app/routes/users.py": (
            ROUTER + "from app.schemas.user import IntegrationOut, UserInDB, UserOut\n"
            "@router.get('/me', response_model=UserOut)\n"  # a flag about a password: silent
            "def me():\n"
            "    return {}\n"
            "@router.get('/raw', response_model=UserInDB)\n"  # line 7: the hash leaks
            "def raw():\n"
            "    return {}\n"
            "@router.get('/integrations/{iid}', response_model=IntegrationOut)\n"  # line 10
            "def integration(iid: int):\n"
            "    return {}\n"
        ),
    }
    assert found(files, "LL208") == [("app/routes/users.py", 7), ("app/routes/users.py", 10)]


# -- LL209 ------------------------------------------------------------------------------

_AUTH = (
    "from fastapi import Depends\n"
    "def get_current_user() -> dict:\n"
    "    return {}\n"
    "def require_roles(roles: list[str]):\n"
    "    def checker(user: dict = Depends(get_current_user)) -> dict:\n"
    "        return user\n"
    "    return checker\n"
    "def load_wallet(user=Depends(get_current_user)) -> dict:\n"
    "    return user\n"
)


def test_ll209_auth_flows_factories_chains_and_extra_decorators() -> None:
    files = {
        "app/dependencies/security.py": _AUTH,
        "app/routes/accounts.py": (
            "from fastapi import APIRouter, Depends\n"
            "from app.dependencies.security import get_current_user, load_wallet, require_roles\n"
            "router = APIRouter()\n"
            "@router.get('/me')\n"
            "def me(user=Depends(get_current_user)) -> dict:\n"
            "    return user\n"
            "@router.post('/ldap')\n"
            "def ldap_auth() -> None:\n"
            "    pass\n"
            "@router.post('/signout')\n"
            "def signout() -> None:\n"
            "    pass\n"
            "@router.post('/sign-in')\n"
            "def enter() -> None:\n"
            "    pass\n"
            "@router.delete('/{aid}')\n"
            "def remove(aid: int, user=Depends(require_roles(['admin']))) -> None:\n"
            "    pass\n"
            "@router.put('/wallet')\n"
            "def wallet(w=Depends(load_wallet)) -> None:\n"
            "    pass\n"
            "@router.get('/acl')\n"
            "@router.patch('/acl')\n"
            "def acl() -> None:\n"  # line 24: PATCH through the second decorator
            "    pass\n"
            "@router.post('/convert')\n"
            "def convert() -> None:\n"  # line 27
            "    pass\n"
        ),
    }
    assert found(files, "LL209") == [("app/routes/accounts.py", 24), ("app/routes/accounts.py", 27)]


def test_ll209_parent_router_dependencies_are_inherited() -> None:
    files = {
        "app/dependencies/security.py": _AUTH,
        "app/routes/items.py": (
            "from fastapi import APIRouter\n"
            "router = APIRouter()\n"
            "@router.post('/')\n"
            "def create() -> None:\n"
            "    pass\n"
        ),
        "app/routes/api.py": (
            "from fastapi import APIRouter, Depends\n"
            "from app.dependencies.security import get_current_user\n"
            "from app.routes import items\n"
            "api = APIRouter(dependencies=[Depends(get_current_user)])\n"
            "api.include_router(items.router, prefix='/items')\n"
        ),
    }
    assert found(files, "LL209") == []


# -- LL210 ------------------------------------------------------------------------------


def test_ll210_routes_nested_in_a_factory_and_methods() -> None:
    files = {
        "app/schemas/item.py": ITEM_SCHEMA,
        "app/routes/items.py": (
            "from fastapi import APIRouter, Body\n"
            "from app.schemas.item import Item\n"
            "router = APIRouter()\n"
            "def build() -> None:\n"
            "    @router.post('/a')\n"
            "    def a(items: list[Item] = Body(max_length=10)) -> None:\n"
            "        pass\n"
            "    @router.post('/b')\n"
            "    def b(items: list[Item]) -> None:\n"
            "        return None\n"
        ),
    }
    assert found(files, "LL210") == [("app/routes/items.py", 9)]


def test_ll210_methods_of_classes_are_left_alone() -> None:
    files = {
        "app/schemas/item.py": ITEM_SCHEMA,
        "app/routes/items.py": (
            "from fastapi import APIRouter, Body\n"
            "from app.schemas.item import Item\n"
            "router = APIRouter()\n"
            "class Views:\n"
            "    @router.post('/a')\n"
            "    def a(self, items: list[Item] = Body(max_length=10)) -> None:\n"
            "        pass\n"
        ),
    }
    assert found(files, "LL210") == []


# -- LL211 ------------------------------------------------------------------------------


def test_ll211_checks_on_other_users_and_nested_checks_are_not_the_callers() -> None:
    files = {
        "app/routes/users.py": ROUTER + "from app.services import users\n"
        "@router.delete('/Users/{uid}')\n"
        "async def delete_user(uid: str, _: bool = Depends(users.scim_auth)) -> None:\n"
        "    user = await users.get(uid)\n"
        "    if user.role == 'admin':\n"
        "        raise HTTPException(403)\n"
        "@router.post('/login')\n"
        "async def login(data: dict) -> None:\n"
        "    account = await users.get(data['usr'])\n"
        "    if account.is_admin:\n"
        "        raise HTTPException(403)\n"
        "@router.delete('/folders/{fid}')\n"
        "async def delete_folder(fid: str, user=Depends(users.current)) -> None:\n"
        "    folder = await users.folder(fid, user)\n"
        "    if not folder:\n"
        "        if user.role != 'admin':\n"
        "            raise HTTPException(403)\n"
        "    for item in []:\n"
        "        if user.is_superuser:\n"
        "            raise HTTPException(400)\n"
        "    if folder:\n"
        "        pass\n"
        "    elif user.role != 'admin':\n"
        "        raise HTTPException(403)\n"
        "@router.post('/reindex')\n"
        "async def reindex(user=Depends(users.current)) -> None:\n"
        "    if user.role != 'admin':\n"
        "        raise HTTPException(401)\n"
    }
    assert found(files, "LL211") == [("app/routes/users.py", 29)]


def test_ll211_needs_fastapi_in_the_module() -> None:
    files = {
        "app/views.py": (
            "from app.web import app, Depends\n"
            "@app.get('/x')\n"
            "def x(user=Depends()) -> None:\n"
            "    if not user.is_superuser:\n"
            "        raise PermissionError()\n"
        )
    }
    assert found(files, "LL211") == []


# -- LL213 ------------------------------------------------------------------------------


def test_ll213_message_shows_the_whole_type() -> None:
    files = {
        "app/schemas/item.py": ITEM_SCHEMA,
        "app/routes/items.py": ROUTER + "from typing import List\n"
        "from app.schemas import item\n"
        "@router.get('/', response_model=List[item.Item])\n"
        "def items():\n"
        "    return []\n",
    }
    diagnostics = lint_files(files, select=("LL213",))
    assert [d.message for d in diagnostics if d.code == "LL213"] == [
        "response model `List[item.Item]` is not wrapped in `ApiResponse[...]`"
    ]


# -- LL205 (issue 16: constructors, local names, the wider blocking list) -----------------------


def test_ll205_constructors_and_a_local_open_are_not_io() -> None:
    files = {
        "app/routes/files.py": (
            "import requests\n"
            "def open(name: str) -> str:\n"
            "    return name\n"
            "async def build(url: str) -> None:\n"
            "    session = requests.Session()\n"
            "    prepared = requests.Request('GET', url)\n"
            "    error = requests.exceptions.RequestException('x')\n"
            "    handle = open('report')\n"
            "    async def nested() -> None:\n"
            "        def input() -> str:\n"
            "            return ''\n"
            "        input()\n"
        )
    }
    assert found(files, "LL205") == []


def test_ll205_processes_files_input_and_sync_clients_are_blocking() -> None:
    files = {
        "app/routes/ops.py": (
            "import io, os, subprocess\n"
            "import httpx, requests, urllib3\n"
            "from pathlib import Path\n"
            "async def run(client: httpx.Client, out: Path | None) -> None:\n"
            "    subprocess.Popen(['ls'])\n"
            "    subprocess.getoutput('date')\n"
            "    os.spawnl(os.P_WAIT, '/bin/true')\n"
            "    os.waitpid(1, 0)\n"
            "    io.open_code('plugin.py')\n"
            "    input('continue?')\n"
            "    httpx.get('https://example.com')\n"
            "    urllib3.request('GET', 'https://example.com')\n"
            "    client.request('GET', '/')\n"
            "    session = requests.Session()\n"
            "    session.post('https://example.com')\n"
            "    out.open()\n"
            "    Path('a').read_bytes()\n"
            "    client.build_request('GET', '/')\n"
            "    out.as_posix()\n"
        )
    }
    expected = [*range(5, 14), 15, 16, 17]
    assert [line for _, line in found(files, "LL205")] == expected


def test_ll205_a_name_rebound_to_something_else_is_not_followed() -> None:
    files = {
        "app/routes/ops.py": (
            "from pathlib import Path\n"
            "async def run(flag: bool) -> None:\n"
            "    target = Path('a')\n"
            "    if flag:\n"
            "        target = remote_file()\n"
            "    target.open()\n"
        )
    }
    assert found(files, "LL205") == []


# -- LL207 (issue 16: list responses, rebound app) ----------------------------------------------


def test_ll207_single_body_is_not_compared_with_a_list_response() -> None:
    files = {
        "app/schemas/item.py": ITEM_SCHEMA,
        "app/routes/items.py": ROUTER + "from app.schemas.item import Item\n"
        "@router.post('/', response_model=list[Item])\n"
        "def add(item: Item) -> list[Item]:\n"
        "    return [item]\n"
        "@router.put('/', response_model=list[Item])\n"
        "def replace(items: list[Item]):\n"
        "    return items\n",
    }
    assert found(files, "LL207") == [("app/routes/items.py", 7)]


def test_ll207_routes_survive_an_app_rebound_by_middleware() -> None:
    files = {
        "app/schemas/item.py": ITEM_SCHEMA,
        "app/main.py": (
            "from fastapi import FastAPI\n"
            "from starlette.middleware.cors import CORSMiddleware\n"
            "from app.schemas.item import Item\n"
            "app = FastAPI()\n"
            "@app.post('/items', response_model=Item)\n"
            "def echo(item: Item):\n"
            "    return item\n"
            "app = CORSMiddleware(app, allow_origins=['https://example.com'])\n"
        ),
    }
    assert found(files, "LL207") == [("app/main.py", 5)]


def test_ll207_an_app_rebound_to_something_else_has_no_routes() -> None:
    files = {
        "app/schemas/item.py": ITEM_SCHEMA,
        "app/main.py": (
            "from fastapi import FastAPI\n"
            "from app.schemas.item import Item\n"
            "app = FastAPI()\n"
            "app = None\n"
            "@app.post('/items', response_model=Item)\n"
            "def echo(item: Item):\n"
            "    return item\n"
        ),
    }
    assert found(files, "LL207") == []
