"""Contracts beyond the layers (LL110-LL114): each kind on a violating and a clean project,
chains with lines, known exceptions, configuration errors and the contract graph."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from layerlint.cli import main
from layerlint.testing import write_project

FEATURES = """
[[tool.layerlint.contracts]]
name = "features"
kind = "independence"
modules = ["app.billing", "app.users"]
"""

DOMAIN = """
[[tool.layerlint.contracts]]
name = "pure domain"
kind = "forbidden"
source-modules = ["app.domain", "app.models"]
forbidden-modules = ["fastapi", "requests", "app.api"]
"""

INTERFACE = """
[[tool.layerlint.contracts]]
name = "billing interface"
kind = "interface"
modules = ["app.billing"]
expose = ["app.billing.events"]
"""


def files(**sources: str) -> dict[str, str]:
    """``app/billing/api.py`` style keys; every package gets an ``__init__.py``."""
    result = dict(sources)
    for path in sources:
        folders = path.split("/")[:-1]
        for depth in range(1, len(folders) + 1):
            result.setdefault("/".join(folders[:depth]) + "/__init__.py", "")
    return result


def check(root: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(
            main, ["check", "--no-cache", "--format", "json", *args], catch_exceptions=False
        )
    finally:
        os.chdir(cwd)
    if result.exit_code == 2:
        return 2, [], result.stderr
    return result.exit_code, json.loads(result.stdout)["diagnostics"], result.stderr


def found(root: Path, *args: str) -> list[tuple[str, int, str]]:
    code, diagnostics, stderr = check(root, *args)
    assert code in (0, 1), stderr
    return sorted((str(d["path"]), int(str(d["line"])), str(d["code"])) for d in diagnostics)


def project(tmp_path: Path, config: str, **sources: str) -> Path:
    write_project(tmp_path, files(**sources), config)
    return tmp_path


# -- independence ---------------------------------------------------------------------
def test_independence_direct_import(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        FEATURES,
        **{
            "app/billing/api.py": "import os\nfrom app.users.models import User\n",
            "app/users/models.py": "class User:\n    pass\n",
        },
    )
    assert found(root, "--select", "LL110") == [("app/billing/api.py", 2, "LL110")]


def test_independence_indirect_chain_names_every_import(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        FEATURES,
        **{
            "app/billing/router.py": "from app.shared.helpers import who\n",
            "app/shared/helpers.py": "\n\nfrom app.users.service import who\n",
            "app/users/service.py": "def who() -> None:\n    return None\n",
        },
    )
    code, diagnostics, _ = check(root, "--select", "LL110")
    assert code == 1
    (diagnostic,) = diagnostics
    assert (diagnostic["path"], diagnostic["line"]) == ("app/billing/router.py", 1)
    assert diagnostic["message"] == (
        "contract 'features': app.billing must not depend on app.users: "
        "app.billing.router:1 -> app.shared.helpers:3 -> app.users.service"
    )


def test_independence_indirect_off(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        FEATURES + "indirect = false\n",
        **{
            "app/billing/router.py": "from app.shared.helpers import who\n",
            "app/shared/helpers.py": "from app.users.service import who\n",
            "app/users/service.py": "def who() -> None:\n    return None\n",
        },
    )
    assert found(root, "--select", "LL110") == []


def test_independent_features_are_clean(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        FEATURES,
        **{
            "app/billing/api.py": "from app.shared.money import Money\n",
            "app/users/api.py": "from app.shared.money import Money\n",
            "app/shared/money.py": "class Money:\n    pass\n",
        },
    )
    assert found(root, "--select", "LL11") == []


def test_feature_modules_keep_their_layer_roles(tmp_path: Path) -> None:
    """A repository inside a feature is still a repository for the layer rules."""
    root = project(
        tmp_path,
        FEATURES,
        **{
            "app/billing/repository.py": "from app.billing.service import X\n",
            "app/billing/service.py": "X = 1\n",
            "app/billing/router.py": "Y = 2\n",
        },
    )
    assert found(root, "--select", "LL101,LL110") == [("app/billing/repository.py", 1, "LL101")]


# -- forbidden ------------------------------------------------------------------------
def test_forbidden_third_party_direct_and_indirect(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        DOMAIN,
        **{
            "app/models/user.py": "import requests\n",
            "app/domain/order.py": "from app.core.http import fetch\n",
            "app/core/http.py": "from fastapi import Request\n\ndef fetch() -> None:\n    pass\n",
        },
    )
    assert found(root, "--select", "LL111") == [
        ("app/domain/order.py", 1, "LL111"),
        ("app/models/user.py", 1, "LL111"),
    ]
    _, diagnostics, _ = check(root, "--select", "LL111")
    messages = {d["path"]: d["message"] for d in diagnostics}
    assert messages["app/domain/order.py"] == (
        "contract 'pure domain': app.domain must not import fastapi: "
        "app.domain.order:1 -> app.core.http:1 -> fastapi"
    )


def test_messages_name_the_modules_a_glob_matched(tmp_path: Path) -> None:
    config = DOMAIN.replace('["app.domain", "app.models"]', '["app.*.models"]')
    root = project(tmp_path, config, **{"app/billing/models.py": "import requests\n"})
    _, diagnostics, _ = check(root, "--select", "LL111")
    assert [d["message"] for d in diagnostics] == [
        "contract 'pure domain': app.billing.models must not import requests: "
        "app.billing.models:1 -> requests"
    ]


def test_forbidden_allow_indirect_imports(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        DOMAIN + "allow-indirect-imports = true\n",
        **{
            "app/domain/order.py": "from app.core.http import fetch\n",
            "app/core/http.py": "import requests\n\ndef fetch() -> None:\n    pass\n",
        },
    )
    assert found(root, "--select", "LL111") == []


def test_forbidden_clean_project(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        DOMAIN,
        **{
            "app/domain/order.py": "from dataclasses import dataclass\n",
            "app/api/routes.py": "import fastapi\nfrom app.domain.order import dataclass\n",
        },
    )
    assert found(root, "--select", "LL111") == []


def test_type_checking_imports_are_no_dependency(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        DOMAIN,
        **{
            "app/domain/order.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import fastapi\n"
            ),
        },
    )
    assert found(root, "--select", "LL111") == []


# -- interface ------------------------------------------------------------------------
def test_interface_violations(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        INTERFACE,
        **{
            "app/billing/__init__.py": (
                "from app.billing.service import create\n\n__all__ = ['create']\n"
            ),
            "app/billing/service.py": "def create() -> None:\n    pass\n",
            "app/billing/events.py": "class Paid:\n    pass\n_secret = 1\n",
            "app/orders/a.py": "from app.billing.service import create\n",
            "app/orders/b.py": "import app.billing.service\n",
            "app/orders/c.py": "from app.billing import service\n",
            "app/orders/d.py": "from app.billing.events import _secret\n",
        },
    )
    assert found(root, "--select", "LL112") == [
        ("app/orders/a.py", 1, "LL112"),
        ("app/orders/b.py", 1, "LL112"),
        ("app/orders/c.py", 1, "LL112"),
        ("app/orders/d.py", 1, "LL112"),
    ]


def test_interface_may_export_a_submodule(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        INTERFACE,
        **{
            "app/billing/__init__.py": "from app.billing import service\n\n__all__ = ['service']\n",
            "app/billing/service.py": "def create() -> None:\n    pass\n",
            "app/orders/a.py": "from app.billing import service\n",
        },
    )
    assert found(root, "--select", "LL112") == []


def test_interface_clean(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        INTERFACE,
        **{
            "app/billing/__init__.py": (
                "from app.billing.service import create\n\n__all__ = ['create']\n"
            ),
            "app/billing/service.py": "from app.billing.events import Paid\n",
            "app/billing/events.py": "class Paid:\n    pass\n",
            "app/orders/a.py": "from app.billing import create\nimport app.billing\n",
            "app/orders/b.py": "from app.billing.events import Paid\n",
        },
    )
    assert found(root, "--select", "LL112") == []


# -- known exceptions -----------------------------------------------------------------
def test_ignore_imports_with_globs_and_stale_entries(tmp_path: Path) -> None:
    config = FEATURES + 'ignore-imports = ["app.billing.* -> app.users.models", "app.x -> app.y"]\n'
    root = project(
        tmp_path,
        config,
        **{
            "app/billing/api.py": "from app.users.models import User\n",
            "app/users/models.py": "class User:\n    pass\n",
        },
    )
    line = (root / "pyproject.toml").read_text().splitlines().index(
        'ignore-imports = ["app.billing.* -> app.users.models", "app.x -> app.y"]'
    ) + 1
    assert found(root, "--select", "LL110,LL113") == [("pyproject.toml", line, "LL113")]
    _, diagnostics, _ = check(root, "--select", "LL113")
    assert "'app.x -> app.y' of contract 'features' matches no import" in str(
        diagnostics[0]["message"]
    )


def test_layer_ignore_imports(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        '[tool.layerlint]\nignore-imports = ["app.repositories.* -> app.services.**"]\n',
        **{
            "app/repositories/audit.py": "from app.services.user_service import X\n",
            "app/services/user_service.py": "X = 1\n",
            "app/models/user.py": "from app.services.user_service import X\n",
        },
    )
    assert found(root, "--select", "LL101,LL113") == [("app/models/user.py", 1, "LL101")]


# -- layer configuration --------------------------------------------------------------
def test_unmatched_layer_pattern_and_src_root(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        '[tool.layerlint]\nsrc = [".", "lib"]\n\n[tool.layerlint.layers]\n'
        'services = ["app.logic", "app.service"]\n',
        **{"app/logic/orders.py": "X = 1\n"},
    )
    (root / "lib").mkdir()
    (root / "lib" / "notes.txt").write_text("not python\n")
    assert found(root, "--select", "LL114") == [
        ("pyproject.toml", 4, "LL114"),
        ("pyproject.toml", 7, "LL114"),
    ]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            '[tool.layerlint.layers]\nservice = ["app.logic"]\n',
            "layers.service: new layer 'service' is one letter away from the built-in 'services'",
        ),
        (
            '[tool.layerlint.layers]\nrepostories = ["app.logic"]\n',
            "'repostories' is one letter away from the built-in 'repositories'",
        ),
        ('[tool.layerlint.layers]\nservices = ["app.[logic"]\n', "bad module pattern 'app.[logic'"),
        (
            '[[tool.layerlint.contracts]]\nname = "x"\nkind = "layered"\nmodules = ["a", "b"]\n',
            "contracts.'x'.kind: expected one of 'independence', 'forbidden', 'interface'",
        ),
        (
            '[[tool.layerlint.contracts]]\nname = "x"\nkind = "independence"\nmodules = ["a"]\n',
            "name at least two modules",
        ),
        (
            '[[tool.layerlint.contracts]]\nname = "x"\nkind = "forbidden"\n'
            'source-modules = ["a"]\n',
            "contracts.'x'.forbidden-modules: required for a forbidden contract",
        ),
        (
            '[[tool.layerlint.contracts]]\nname = "x"\nkind = "forbidden"\n'
            'source-modules = ["a b"]\nforbidden-modules = ["c"]\n',
            "bad module pattern 'a b'",
        ),
        (
            '[[tool.layerlint.contracts]]\nname = "x"\nkind = "independence"\n'
            'modules = ["a", "b"]\nignore-imports = ["a.x => b"]\n',
            "bad entry 'a.x => b'",
        ),
        (
            '[[tool.layerlint.contracts]]\nname = "x"\nkind = "interface"\nmodules = ["a"]\n'
            'expose = ["b.c"]\n',
            "'b.c' is not inside any of the contract's modules",
        ),
        (
            '[[tool.layerlint.contracts]]\nname = "x"\nkind = "independence"\n'
            'modules = ["a", "b"]\nallow-indirect-imports = true\n',
            "unknown key for a independence contract",
        ),
    ],
)
def test_configuration_errors_are_one_line(tmp_path: Path, config: str, message: str) -> None:
    root = project(tmp_path, config, **{"app/logic/orders.py": "X = 1\n"})
    code, _, stderr = check(root)
    assert code == 2
    assert stderr.count("\n") == 1 and message in stderr, stderr


def test_contract_module_that_matches_nothing(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        FEATURES.replace('"app.users"]', '"app.user"]'),
        **{"app/billing/api.py": "X = 1\n", "app/users/api.py": "Y = 1\n"},
    )
    exit_code, diagnostics, _ = check(root, "--select", "LL114")
    assert exit_code == 1
    assert [(d["path"], d["line"], d["message"]) for d in diagnostics] == [
        ("pyproject.toml", 7, "contract 'features': 'app.user' matches no module")
    ]


def test_builtin_layer_names_may_be_configured(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        '[tool.layerlint.layers]\nservices = ["app.logic"]\ndomain = ["app.dom"]\n',
        **{"app/logic/orders.py": "X = 1\n", "app/dom/x.py": "Y = 1\n"},
    )
    assert found(root) == []


# -- graph and cache ------------------------------------------------------------------
def _graph(root: Path, fmt: str) -> str:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(
            main, ["graph", "--no-cache", "--contracts", "--format", fmt], catch_exceptions=False
        )
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_graph_draws_contracts_with_broken_edges(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        FEATURES + DOMAIN,
        **{
            "app/billing/api.py": "from app.users.models import User\n",
            "app/users/models.py": "class User:\n    pass\n",
            "app/domain/x.py": "import dataclasses\n",
        },
    )
    mermaid = _graph(root, "mermaid")
    assert 'app_billing["app.billing"] -. broken: features .-> app_users["app.users"]' in mermaid
    dot = _graph(root, "dot")
    assert '"app.billing" -> "app.users" [label="features: 1", color=red' in dot
    edges = json.loads(_graph(root, "json"))["edges"]
    assert edges == [
        {
            "contract": "features",
            "from": "app.billing",
            "to": "app.users",
            "imports": 1,
            "broken": True,
        }
    ]


def test_changed_contract_is_not_served_from_the_cache(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        FEATURES,
        **{
            "app/billing/api.py": "from app.users.models import User\n",
            "app/users/models.py": "class User:\n    pass\n",
        },
    )
    cwd = os.getcwd()
    os.chdir(root)
    try:
        first = CliRunner().invoke(main, ["check", "--select", "LL110"])
        pyproject = root / "pyproject.toml"
        pyproject.write_text(
            pyproject.read_text() + 'ignore-imports = ["app.billing.api -> app.users.models"]\n'
        )
        second = CliRunner().invoke(main, ["check", "--select", "LL110"])
    finally:
        os.chdir(cwd)
    assert first.exit_code == 1 and second.exit_code == 0, second.output


def test_readme_contracts_snippet(tmp_path: Path) -> None:
    """The README's contract example is valid and catches what it promises."""
    import re

    from tests.conftest import REPO

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Contracts\n") : text.index("## Writing your own rules\n")]
    (config,) = re.findall(r"```toml\n(.*?)```", section, re.S)
    root = project(
        tmp_path,
        config,
        **{
            "app/orders/api.py": "from app.users.schemas import UserOut\n",
            "app/orders/service.py": "\n\nfrom app.shared.auth import current\n",
            "app/shared/auth.py": "from app.users.models import User\n",
            "app/users/schemas.py": "class UserOut:\n    pass\n",
            "app/users/models.py": "class User:\n    pass\n",
            "app/domain/order.py": "import requests\n",
            "app/billing/__init__.py": "__all__ = ['pay']\n\ndef pay() -> None:\n    pass\n",
            "app/billing/tax.py": "RATE = 1\n",
            "app/billing/events.py": "class Paid:\n    pass\n",
            "app/models/user.py": "class User:\n    pass\n",
            "app/users/api.py": "from app.billing.tax import RATE\nfrom app.billing import pay\n",
        },
    )
    assert found(root, "--select", "LL11") == [
        ("app/domain/order.py", 1, "LL111"),
        ("app/orders/service.py", 3, "LL110"),
        ("app/users/api.py", 1, "LL110"),
        ("app/users/api.py", 1, "LL112"),
        ("app/users/api.py", 2, "LL110"),
    ]
    _, diagnostics, _ = check(root, "--select", "LL110")
    shown = [d["message"] for d in diagnostics if d["path"] == "app/orders/service.py"]
    assert shown == [
        "contract 'features are independent': app.orders must not depend on app.users: "
        "app.orders.service:3 -> app.shared.auth:1 -> app.users.models"
    ]


def test_graph_with_a_config_elsewhere_draws_the_checked_project(tmp_path: Path) -> None:
    (tmp_path / "app_project").mkdir()
    root = project(
        tmp_path / "app_project",
        "",
        **{
            "app/billing/api.py": "from app.users.models import User\n",
            "app/users/models.py": "class User:\n    pass\n",
        },
    )
    settings = tmp_path / "contracts.toml"
    settings.write_text("[tool.layerlint]\n" + FEATURES)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(
            main, ["graph", "--no-cache", "--contracts", "--config", str(settings), "."]
        )
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert "broken: features" in result.stdout
