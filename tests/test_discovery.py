"""Discovery: which files are read, what their modules are called, which layer they get."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from layerlint.discovery import discover, module_name, source_roots
from layerlint.layers import Contract, LayerMap, detect_layer


def _touch(root: Path, *paths: str) -> None:
    for relative in paths:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def test_skips_tool_folders_virtualenvs_and_excludes(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "app/main.py",
        ".venv/pyvenv.cfg",
        ".venv/bin/python",
        ".venv/lib/x.py",
        "node_modules/pkg/y.py",
        "build/lib/z.py",
        "myenv/pyvenv.cfg",
        "myenv/Scripts/python.exe",
        "myenv/lib/site.py",
        "conda/conda-meta/history",
        "conda/bin/python3",
        "conda/lib/c.py",
        "scripts/once.py",
        "app/__pycache__/main.py",
    )
    (tmp_path / "dir.py").mkdir()
    skipped: list[tuple[str, str]] = []
    found = [f.relative for f in discover(tmp_path, (), ("scripts/**",), skipped=skipped)]
    assert found == ["app/main.py"]
    assert sorted(skipped) == [
        (".venv", "a virtualenv"),
        ("build", "build output (not a package)"),
        ("conda", "a virtualenv"),
        ("myenv", "a virtualenv"),
    ]


def test_folders_named_like_environments_holding_code_are_checked(tmp_path: Path) -> None:
    """`env`, `venv`, `build` and `dist` are names, not proof: only real virtualenvs
    and build output that is not a package are skipped."""
    _touch(
        tmp_path,
        "app/__init__.py",
        "app/env/__init__.py",
        "app/env/settings.py",
        "venv/pyvenv.cfg",  # a marker file alone does not make a virtualenv
        "venv/lib/tool.py",
        "app/build/__init__.py",
        "app/build/pipeline.py",
        "dist/__init__.py",
        "dist/packaging.py",
    )
    found = [f.relative for f in discover(tmp_path, (), ())]
    assert found == [
        "app/__init__.py",
        "app/build/__init__.py",
        "app/build/pipeline.py",
        "app/env/__init__.py",
        "app/env/settings.py",
        "dist/__init__.py",
        "dist/packaging.py",
        "venv/lib/tool.py",
    ]


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    _touch(tmp_path, "app/a.py")
    os.symlink(tmp_path / "app", tmp_path / "app" / "loop")
    assert [f.relative for f in discover(tmp_path, (), ())] == ["app/a.py"]


@pytest.mark.parametrize(
    ("files", "target", "expected"),
    [
        (
            ("app/__init__.py", "app/routes/__init__.py", "app/routes/users.py"),
            "app/routes/users.py",
            "app.routes.users",
        ),
        (("app/routes/users.py",), "app/routes/users.py", "app.routes.users"),
        (("src/auth/__init__.py", "src/auth/router.py"), "src/auth/router.py", "auth.router"),
        (
            ("backend/app/__init__.py", "backend/app/api/__init__.py", "backend/app/api/deps.py"),
            "backend/app/api/deps.py",
            "app.api.deps",
        ),
        (
            ("app/__init__.py", "app/services/__init__.py"),
            "app/services/__init__.py",
            "app.services",
        ),
    ],
)
def test_module_names(tmp_path: Path, files: tuple[str, ...], target: str, expected: str) -> None:
    _touch(tmp_path, *files)
    name, _ = module_name(tmp_path / target, source_roots(tmp_path, ()))
    assert name == expected


@pytest.mark.parametrize(
    ("path", "layer"),
    [
        ("app/routes/users.py", "routes"),
        ("backend/app/api/v1/endpoints/users.py", "routes"),
        ("app/api/deps.py", "dependencies"),
        ("app/db/models.py", "models"),
        ("app/db/session.py", "core"),
        ("src/auth/service.py", "services"),
        ("src/auth/constants.py", None),
        ("app/users/users_config.py", "core"),
        ("app/crud/user.py", "repositories"),
        ("alembic/versions/0001_init.py", "migrations"),
        ("tests/api/test_users.py", None),
        ("app/main.py", None),
        ("open_webui/routers/models.py", "routes"),
        ("lnbits/core/views/user_api.py", "routes"),
        ("app/services/schemas.py", "services"),
    ],
)
def test_detect_layer(path: str, layer: str | None) -> None:
    assert detect_layer(path) == layer


def test_configured_layers_win_and_longest_pattern_wins() -> None:
    layers = LayerMap((("services", ("app.api",)), ("routes", ("app.api.v2",))))
    assert layers.layer_of("app.api.v1.x", "app/api/v1/x.py") == "services"
    assert layers.layer_of("app.api.v2.x", "app/api/v2/x.py") == "routes"
    assert layers.layer_of("app.models.user", "app/models/user.py") == "models"


def test_contract_overrides() -> None:
    contract = Contract.build((("routes", ("services",)),))
    assert contract.permits("routes", "services")
    assert not contract.permits("routes", "models")
    assert contract.permits("services", "services")
    assert contract.permits(None, "routes")


def test_folder_evidence_from_the_whole_project() -> None:
    paths = [
        "lnbits/core/__init__.py",
        "lnbits/core/helpers.py",
        "lnbits/core/views/api.py",
        "lnbits/core/crud/users.py",
        "lnbits/core/services/payments.py",
        "lnbits/core/wasm_ext/client/http.py",
        "app/core/config.py",
        "open_webui/utils/models.py",
        "open_webui/utils/auth.py",
        "src/auth/models.py",
        "src/auth/router.py",
        "app/db/models.py",
    ]
    layers = LayerMap.for_files((), paths)
    found = {p: layers.layer_of(p[:-3].replace("/", "."), p) for p in paths}
    assert found == {
        "lnbits/core/__init__.py": None,
        "lnbits/core/helpers.py": None,
        "lnbits/core/views/api.py": "routes",
        "lnbits/core/crud/users.py": "repositories",
        "lnbits/core/services/payments.py": "services",
        "lnbits/core/wasm_ext/client/http.py": None,
        "app/core/config.py": "core",
        "open_webui/utils/models.py": None,
        "open_webui/utils/auth.py": None,
        "src/auth/models.py": "models",
        "src/auth/router.py": "routes",
        "app/db/models.py": "models",
    }
