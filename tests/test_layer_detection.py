"""Layer detection on real-world spellings: singular folders, modules that declare routes,
``crud_*.py``, settings inside models/schemas, revisions outside ``alembic/``; the
``layers`` command; ``init`` and ``check`` agreeing; the project-shaped default contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from layerlint.cli import main
from layerlint.init_config import detect_layout
from layerlint.layers import Contract, LayerMap, detect_layer
from layerlint.testing import found, write_project

ROUTES = (
    "from fastapi import APIRouter\n"
    "router = APIRouter()\n"
    "@router.get('/x')\n"
    "async def read() -> dict:\n"
    "    return {}\n"
)
REVISION = 'revision = "a1"\ndown_revision: str | None = None\ndef upgrade() -> None:\n    pass\n'


def layers_of(sources: dict[str, str]) -> dict[str, str | None]:
    layer_map = LayerMap.for_sources((), {p: s.encode() for p, s in sources.items()})
    return {p: layer_map.layer_of(p[:-3].replace("/", "."), p) for p in sources}


@pytest.mark.parametrize(
    ("path", "layer"),
    [
        ("app/service/user.py", "services"),
        ("app/users/service/user.py", "services"),
        ("app/repository/user.py", "repositories"),
        ("core/repository/base.py", "repositories"),
        ("app/users/repository/user.py", "repositories"),
        ("app/schema/user.py", "schemas"),
        ("app/users/schema/user.py", "schemas"),
        ("app/model/user.py", "models"),
        ("app/users/model/user.py", "models"),
        ("app/endpoint/user.py", "routes"),
        ("app/users/endpoint/user.py", "routes"),
        ("core/controller/base.py", "controllers"),
        ("app/users/controller/user.py", "controllers"),
    ],
)
def test_singular_layer_folders(path: str, layer: str) -> None:
    assert detect_layer(path) == layer
    assert layers_of({path: "X = 1\n"}) == {path: layer}


def test_a_feature_named_like_a_singular_layer_is_a_feature() -> None:
    """``dispatch/service/`` is the on-call "service" feature, not the services layer."""
    sources = {
        "dispatch/service/models.py": "class Service:\n    pass\n",
        "dispatch/service/service.py": "def get() -> None:\n    pass\n",
        "dispatch/service/views.py": ROUTES,
        "dispatch/service/flows.py": "X = 1\n",
        "dispatch/incident/models.py": "from dispatch.service.models import Service\n",
        "dispatch/incident/service.py": "X = 1\n",
        "app/repository/base.py": "X = 1\n",
    }
    assert layers_of(sources) == {
        "dispatch/service/models.py": "models",
        "dispatch/service/service.py": "services",
        "dispatch/service/views.py": "routes",
        "dispatch/service/flows.py": None,
        "dispatch/incident/models.py": "models",
        "dispatch/incident/service.py": "services",
        "app/repository/base.py": "repositories",
    }


@pytest.mark.parametrize(
    ("path", "layer"),
    [
        ("app/crud_users.py", "repositories"),
        ("app/core/db/crud_token_blacklist.py", "repositories"),
        ("app/models/settings.py", "models"),
        ("app/models/billing/config.py", "models"),
        ("app/schemas/sub/settings.py", "schemas"),
        ("app/core/config.py", "core"),
        ("app/settings.py", "core"),
    ],
)
def test_file_names(path: str, layer: str) -> None:
    assert layers_of({path: "X = 1\n"}) == {path: layer}


def test_a_module_that_declares_routes_is_routes_whatever_its_name() -> None:
    sources = {
        "app/health/endpoints.py": ROUTES,
        "app/orders/router.py": ROUTES,
        "app/probe/views.py": ROUTES,
        "app/routes/groups/controller_group_self_service.py": ROUTES,
        "app/api/v1/sys/config.py": ROUTES,
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"
        "@app.post(\n    '/hook'\n)\ndef hook() -> None:\n    pass\n",
        "app/legacy.py": "def setup(router) -> None:\n    router.add_api_route('/x', setup)\n",
        # No route declared: the name alone does not make a lone file a routes module.
        "app/widgets/views.py": "def render() -> str:\n    return ''\n",
        "app/cache.py": "@cache.get\ndef value() -> int:\n    return 1\n",
    }
    assert layers_of(sources) == {
        "app/health/endpoints.py": "routes",
        "app/orders/router.py": "routes",
        "app/probe/views.py": "routes",
        "app/routes/groups/controller_group_self_service.py": "routes",
        "app/api/v1/sys/config.py": "routes",
        "app/main.py": "routes",
        "app/legacy.py": "routes",
        "app/widgets/views.py": None,
        "app/cache.py": None,
    }


def test_a_routes_module_makes_its_package_a_feature_package() -> None:
    sources = {"app/billing/api.py": ROUTES, "app/billing/models.py": "class Invoice:\n    pass\n"}
    assert layers_of(sources)["app/billing/models.py"] == "models"


def test_revisions_are_migrations_wherever_their_versions_folder_is() -> None:
    sources = {
        "app/database/revisions/tenant/versions/2021_x.py": REVISION,
        "app/database/revisions/core/versions/2022_y.py": REVISION.replace('"a1"', '"b2"'),
        "app/database/versions/notes.py": "VERSION = 1\n",
        "app/versions_helper.py": REVISION,
    }
    assert layers_of(sources) == {
        "app/database/revisions/tenant/versions/2021_x.py": "migrations",
        "app/database/revisions/core/versions/2022_y.py": "migrations",
        "app/database/versions/notes.py": "core",
        "app/versions_helper.py": None,
    }


def test_a_lone_endpoints_module_gets_the_routes_rules() -> None:
    files = {
        "app/health/endpoints.py": (
            "from fastapi import APIRouter\n"
            "from sqlalchemy import select\n"
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "router = APIRouter()\n"
            "\n"
            "@router.get('/healthz')\n"
            "async def healthz(session: AsyncSession) -> dict:\n"
            "    await session.execute(select(1))\n"
            "    return {'ok': True}\n"
        ),
        # LL103's advice needs a layer to move the query to.
        "app/health/repository.py": "class HealthRepository:\n    pass\n",
    }
    assert found(files, "LL103") == [("app/health/endpoints.py", 8)]


def test_a_singular_repository_folder_gets_the_repository_rules() -> None:
    files = {
        "core/repository/base.py": (
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "class BaseRepository:\n"
            "    def __init__(self, session: AsyncSession):\n"
            "        self.session = session\n"
            "    async def create(self, obj):\n"
            "        self.session.add(obj)\n"
            "        await self.session.commit()\n"
            "        return obj\n"
        )
    }
    assert found(files, "LL109") == [("core/repository/base.py", 7)]


def test_adding_routes_to_a_cached_file_changes_its_layer(tmp_path: Path) -> None:
    """The layer is part of the per-file cache key, and it now depends on the text."""
    body = "async def healthz(session: AsyncSession) -> None:\n    await session.execute('1')\n"
    header = "from sqlalchemy.ext.asyncio import AsyncSession\n"
    repository = "class HealthRepository:\n    pass\n"
    write_project(
        tmp_path,
        {"app/health/endpoints.py": header + body, "app/health/repository.py": repository},
    )
    runner = CliRunner()
    args = ["check", "--format", "json", "--select", "LL103", str(tmp_path)]
    first = runner.invoke(main, args)
    assert json.loads(first.output)["diagnostics"] == []
    routed = header + "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/h')\n"
    (tmp_path / "app/health/endpoints.py").write_text(routed + body)
    second = runner.invoke(main, args)
    lines = [d["line"] for d in json.loads(second.output)["diagnostics"]]
    assert lines == [6]


# -- the layers command and init -------------------------------------------------------------

PROJECT = {
    "app/__init__.py": "",
    "app/health/__init__.py": "",
    "app/health/endpoints.py": ROUTES,
    "app/services/__init__.py": "",
    "app/services/users.py": "X = 1\n",
    "app/crud_users.py": "X = 1\n",
    "app/legacy/__init__.py": "",
    "app/legacy/helpers.py": "X = 1\n",
    "app/db/revisions/versions/__init__.py": "",
    "app/db/revisions/versions/2021_x.py": REVISION,
    "tests/test_users.py": "def test_x() -> None:\n    pass\n",
}


def test_layers_command_text(tmp_path: Path) -> None:
    write_project(tmp_path, PROJECT)
    result = CliRunner().invoke(main, ["layers", str(tmp_path / "app")])
    assert result.exit_code == 0, result.output
    rows = {tuple(line.split(None, 2)) for line in result.output.splitlines()}
    assert ("app/health/endpoints.py", "routes", "route decorators") in rows
    assert ("app/services/users.py", "services", "folder: services/") in rows
    assert ("app/crud_users.py", "repositories", "file name: crud_users.py") in rows
    expected = ("app/db/revisions/versions/2021_x.py", "migrations")
    assert (*expected, "migration markers: revision, down_revision") in rows
    assert ("app/legacy/helpers.py", "-", "no evidence") in rows
    assert not any(row[0].startswith("tests/") for row in rows)


def test_layers_command_json_with_configured_layers(tmp_path: Path) -> None:
    write_project(tmp_path, PROJECT, '[tool.layerlint.layers]\nservices = ["app.legacy"]\n')
    result = CliRunner().invoke(main, ["layers", "--format", "json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    modules = {m["path"]: m for m in json.loads(result.output)["modules"]}
    assert modules["app/legacy/helpers.py"] == {
        "path": "app/legacy/helpers.py",
        "module": "app.legacy.helpers",
        "layer": "services",
        "evidence": "configured",
        "detail": "app.legacy",
    }
    assert modules["tests/test_users.py"]["layer"] is None
    assert modules["tests/test_users.py"]["evidence"] == "test file"


def test_init_counts_what_check_detects(tmp_path: Path) -> None:
    """A lone routes module and a revision outside alembic/: init used to miss both."""
    write_project(tmp_path, PROJECT)
    (tmp_path / "pyproject.toml").unlink()
    layout = detect_layout(tmp_path)
    listed = CliRunner().invoke(main, ["layers", "--format", "json", str(tmp_path)])
    by_layer: dict[str, int] = {}
    for module in json.loads(listed.output)["modules"]:
        if module["layer"] is not None:
            by_layer[module["layer"]] = by_layer.get(module["layer"], 0) + 1
    assert dict(layout.layer_counts) == by_layer
    assert by_layer["routes"] == 1
    assert by_layer["migrations"] == 1
    assert layout.layer_packages["routes"] == ["app.health.endpoints"]


# -- the default contract, shaped by the project's layers ------------------------------------


def test_controllers_are_the_service_layer_when_there_is_none() -> None:
    files = {
        "app/repositories/user.py": "class UserRepository:\n    pass\n",
        "app/controllers/user.py": (
            "from app.repositories.user import UserRepository\n"
            "class UserController:\n"
            "    def __init__(self, repo: UserRepository):\n"
            "        self.repo = repo\n"
        ),
        "app/dependencies/controllers.py": "from app.controllers.user import UserController\n",
    }
    assert found(files, "LL101") == []
    with_services = {**files, "app/services/user.py": "class UserService:\n    pass\n"}
    assert found(with_services, "LL101") == [
        ("app/controllers/user.py", 1),
        ("app/dependencies/controllers.py", 1),
    ]


def test_contract_overrides_win_over_the_project_shaped_defaults() -> None:
    contract = Contract.build((("controllers", ("models",)),), {"controllers", "repositories"})
    assert not contract.permits("controllers", "repositories")
    shaped = Contract.build((), {"controllers", "repositories"})
    assert shaped.permits("controllers", "repositories")
    assert shaped.permits("dependencies", "controllers")
    assert not Contract.build((), {"controllers"}).permits("controllers", "repositories")


def test_repositories_may_import_schemas() -> None:
    files = {
        "app/schemas/user.py": (
            "from pydantic import BaseModel\nclass UserCreate(BaseModel):\n    email: str\n"
        ),
        "app/models/user.py": "class User:\n    pass\n",
        "app/crud/crud_user.py": (
            "from app.models.user import User\n"
            "from app.schemas.user import UserCreate\n"
            "def create(db, obj_in: UserCreate) -> User:\n"
            "    return User()\n"
        ),
    }
    assert found(files, "LL101") == []
    strict = Contract.build((("repositories", ("models", "core")),))
    assert not strict.permits("repositories", "schemas")
