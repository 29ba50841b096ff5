"""Regression tests for LL501-LL504 beyond the rules' own examples.

Each corpus false positive found while checking precision has a minimal reproduction
here (written from scratch, not copied), next to option variants and multi-file cases.
"""

from __future__ import annotations

from layerlint.testing import found

# -- LL501 swallowed-exception ------------------------------------------------------------


def test_ll501_error_response_with_stdlib_http_status_is_not_swallowing() -> None:
    # Reproduction of a corpus FP: the handler answers 400 through http.HTTPStatus.
    source = (
        "from http import HTTPStatus\n"
        "from fastapi.responses import JSONResponse\n"
        "def decode(raw: str):\n"
        "    try:\n"
        "        return JSONResponse(parse(raw))\n"
        "    except Exception as exc:\n"
        "        return JSONResponse({'message': str(exc)}, status_code=HTTPStatus.BAD_REQUEST)\n"
    )
    assert found({"app/routes/payments.py": source}, "LL501") == []


def test_ll501_ok_status_response_is_still_swallowing() -> None:
    source = (
        "from http import HTTPStatus\n"
        "from fastapi.responses import JSONResponse\n"
        "def decode(raw: str):\n"
        "    try:\n"
        "        return JSONResponse(parse(raw))\n"
        "    except Exception:\n"
        "        return JSONResponse({}, status_code=HTTPStatus.OK)\n"
    )
    assert found({"app/routes/payments.py": source}, "LL501") == [("app/routes/payments.py", 6)]


def test_ll501_raise_helper_and_exit_count_as_propagation() -> None:
    source = (
        "import sys\n"
        "def _raise_upstream(exc):\n"
        "    raise RuntimeError(exc)\n"
        "def fetch(client):\n"
        "    try:\n"
        "        return client.get()\n"
        "    except Exception as exc:\n"
        "        _raise_upstream(exc)\n"
        "def main(client):\n"
        "    try:\n"
        "        client.run()\n"
        "    except BaseException:\n"
        "        sys.exit(1)\n"
    )
    assert found({"app/services/fetch_service.py": source}, "LL501") == []


def test_ll501_raise_for_status_in_a_fallback_is_not_a_reraise() -> None:
    source = (
        "async def models(session, url):\n"
        "    try:\n"
        "        return await session.get(url + '/v2')\n"
        "    except Exception:\n"
        "        try:\n"
        "            response = await session.get(url + '/v1')\n"
        "            response.raise_for_status()\n"
        "            return response\n"
        "        except Exception:\n"
        "            return None\n"
    )
    assert found({"app/routes/catalog.py": source}, "LL501") == [
        ("app/routes/catalog.py", 4),
        ("app/routes/catalog.py", 9),
    ]


def test_ll501_fallback_that_falls_through_to_a_raise() -> None:
    # Reproduction of a corpus FP: a fallback while building the error that is raised next.
    source = (
        "async def call(r, exc):\n"
        "    detail = None\n"
        "    if r is not None:\n"
        "        try:\n"
        "            detail = (await r.json())['error']\n"
        "        except Exception:\n"
        "            detail = str(exc)\n"
        "    # the error is raised below\n"
        "    raise RuntimeError(detail)\n"
    )
    assert found({"app/routes/audio.py": source}, "LL501") == []


def test_ll501_fall_through_stops_at_returns_loops_and_branches() -> None:
    source = (
        "def first(items):\n"
        "    for item in items:\n"
        "        try:\n"
        "            return load(item)\n"
        "        except Exception:\n"
        "            pass\n"
        "    raise LookupError('none')\n"
        "def second(raw):\n"
        "    try:\n"
        "        value = parse(raw)\n"
        "    except Exception:\n"
        "        return None\n"
        "    raise ValueError(value)\n"
        "def third(raw):\n"
        "    value = None\n"
        "    try:\n"
        "        value = parse(raw)\n"
        "    except Exception:\n"
        "        log(raw)\n"
        "    if value is None:\n"
        "        raise ValueError(raw)\n"
    )
    assert found({"app/services/loader_service.py": source}, "LL501") == [
        ("app/services/loader_service.py", 5),
        ("app/services/loader_service.py", 11),
        ("app/services/loader_service.py", 18),
    ]


def test_ll501_only_in_routes_services_repositories() -> None:
    source = "def f():\n    try:\n        g()\n    except Exception:\n        pass\n"
    files = {
        "app/dependencies/auth.py": source,
        "app/core/database.py": source,
        "app/models/user.py": source,
        "scripts/seed.py": source,
        "tests/test_users.py": source,
        "app/repositories/user_repo.py": source,
    }
    assert found(files, "LL501") == [("app/repositories/user_repo.py", 4)]


def test_ll501_specific_exceptions_and_except_star() -> None:
    source = (
        "def f():\n"
        "    try:\n"
        "        g()\n"
        "    except (KeyError, ValueError):\n"
        "        pass\n"
        "    try:\n"
        "        g()\n"
        "    except* Exception:\n"
        "        pass\n"
    )
    assert found({"app/services/x_service.py": source}, "LL501") == [
        ("app/services/x_service.py", 8)
    ]


def test_ll501_module_level_handler_in_a_route_module() -> None:
    source = "try:\n    import ujson as json\nexcept Exception:\n    json = None\n"
    assert found({"app/routes/users.py": source}, "LL501") == [("app/routes/users.py", 3)]


# -- LL502 generic-exception-raised -------------------------------------------------------


def test_ll502_subclasses_and_other_layers_are_fine() -> None:
    files = {
        "app/services/user_service.py": (
            "class UserError(Exception):\n"
            "    pass\n"
            "def f():\n"
            "    raise UserError('x')\n"
            "def g():\n"
            "    raise RuntimeError('x')\n"
        ),
        "app/routes/users.py": "def f():\n    raise Exception('x')\n",
        "app/core/config.py": "def f():\n    raise Exception('x')\n",
    }
    assert found(files, "LL502") == []


def test_ll502_raise_from_and_bare_class() -> None:
    source = (
        "def f(x):\n"
        "    try:\n"
        "        return x()\n"
        "    except KeyError as exc:\n"
        "        raise Exception('missing') from exc\n"
        "def g():\n"
        "    raise BaseException\n"
    )
    assert found({"app/repositories/user_repo.py": source}, "LL502") == [
        ("app/repositories/user_repo.py", 5),
        ("app/repositories/user_repo.py", 7),
    ]


# -- LL503 service-style --------------------------------------------------------------------

_DB = {
    "app/core/database.py": (
        "from typing import Annotated\n"
        "from fastapi import Depends\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "async def get_db() -> AsyncSession:\n"
        "    ...\n"
        "DbDep = Annotated[AsyncSession, Depends(get_db)]\n"
    )
}


def test_ll503_class_style_flags_keyword_only_session_first() -> None:
    files = dict(_DB)
    files["app/services/runs.py"] = (
        "from sqlalchemy.orm import Session\n"
        "def clear_run(*, session: Session, run_id: str) -> None:\n"
        "    return None\n"
        "def describe(run_id: str, session: Session) -> None:\n"
        "    return None\n"
    )
    assert found(files, "LL503") == [("app/services/runs.py", 2)]


def test_ll503_class_style_ignores_routes_dependencies_and_other_layers() -> None:
    files = dict(_DB)
    files["app/services/users.py"] = (
        "from fastapi import APIRouter, Depends\n"
        "from app.core.database import DbDep, get_db\n"
        "router = APIRouter()\n"
        "@router.get('/')\n"
        "async def index(db: DbDep) -> list:\n"
        "    return []\n"
        "async def current_user(db: DbDep) -> None:\n"
        "    return None\n"
        "@router.get('/me')\n"
        "async def me(user=Depends(current_user)) -> None:\n"
        "    return user\n"
    )
    files["app/repositories/user_repo.py"] = (
        "from app.core.database import DbDep\n"
        "async def get(db: DbDep, user_id: int) -> None:\n"
        "    return None\n"
    )
    assert found(files, "LL503") == []


def test_ll503_function_style_skips_data_shapes() -> None:
    files = {
        "app/services/billing.py": (
            "from typing import NamedTuple, Protocol, TypedDict\n"
            "import attrs\n"
            "class Totals(NamedTuple):\n"
            "    net: int\n"
            "    def gross(self) -> int:\n"
            "        return self.net\n"
            "class Gateway(Protocol):\n"
            "    def charge(self) -> None: ...\n"
            "class Row(TypedDict):\n"
            "    id: int\n"
            "@attrs.define\n"
            "class Invoice:\n"
            "    def total(self) -> int:\n"
            "        return 0\n"
            "class PaymentFailed(RuntimeError):\n"
            "    def __str__(self) -> str:\n"
            "        return 'failed'\n"
            "class Constants:\n"
            "    RATE = 3\n"
            "class BillingService:\n"
            "    def charge(self) -> None:\n"
            "        return None\n"
        )
    }
    assert found(files, "LL503", {"service-style": "function"}) == [("app/services/billing.py", 20)]


# -- LL504 unhandled-domain-exception -------------------------------------------------------

_ERRORS = {
    "app/exceptions.py": (
        "class AppError(Exception):\n    pass\nclass NotFoundError(AppError):\n    pass\n"
    ),
}
_SERVICE = {
    "app/services/user_service.py": (
        "from app.exceptions import NotFoundError\n"
        "class UserService:\n"
        "    def __init__(self, db) -> None:\n"
        "        self.db = db\n"
        "    def get_user(self, user_id: int) -> int:\n"
        "        raise NotFoundError(user_id)\n"
    ),
}


def _route(body: str, extra_imports: str = "") -> dict[str, str]:
    files = dict(_ERRORS)
    files.update(_SERVICE)
    files["app/routes/users.py"] = (
        "from fastapi import APIRouter, Depends\n"
        "from app.services.user_service import UserService\n"
        f"{extra_imports}"
        "router = APIRouter()\n"
        "def get_service() -> UserService:\n"
        "    return UserService(None)\n"
        "@router.get('/{user_id}')\n"
        "async def show(user_id: int, service: UserService = Depends(get_service)) -> int:\n"
        f"{body}"
    )
    return files


def test_ll504_reported_through_a_depends_typed_service() -> None:
    files = _route("    return service.get_user(user_id)\n")
    assert found(files, "LL504") == [("app/services/user_service.py", 6)]


def test_ll504_handler_for_a_base_class_covers_subclasses() -> None:
    files = _route("    return service.get_user(user_id)\n")
    files["app/main.py"] = (
        "from fastapi import FastAPI\n"
        "from app.exceptions import AppError\n"
        "app = FastAPI()\n"
        "async def on_error(request, exc):\n"
        "    return None\n"
        "app.add_exception_handler(AppError, on_error)\n"
    )
    assert found(files, "LL504") == []


def test_ll504_catch_all_exception_handler_covers_everything() -> None:
    files = _route("    return service.get_user(user_id)\n")
    files["app/main.py"] = (
        "from fastapi import FastAPI\n"
        "app = FastAPI()\n"
        "@app.exception_handler(Exception)\n"
        "async def on_error(request, exc):\n"
        "    return None\n"
    )
    assert found(files, "LL504") == []


def test_ll504_broad_except_in_the_route_covers_its_calls() -> None:
    body = (
        "    try:\n"
        "        return service.get_user(user_id)\n"
        "    except Exception:\n"
        "        return 0\n"
    )
    assert found(_route(body), "LL504") == []


def test_ll504_broad_except_that_reraises_does_not_cover() -> None:
    body = (
        "    try:\n"
        "        return service.get_user(user_id)\n"
        "    except Exception:\n"
        "        log()\n"
        "        raise\n"
    )
    assert found(_route(body), "LL504") == [("app/services/user_service.py", 6)]


def test_ll504_specific_except_anywhere_counts_as_mapping() -> None:
    body = (
        "    try:\n"
        "        return service.get_user(user_id)\n"
        "    except NotFoundError:\n"
        "        raise HTTPException(404)\n"
    )
    imports = "from fastapi import HTTPException\nfrom app.exceptions import NotFoundError\n"
    assert found(_route(body, imports), "LL504") == []


def test_ll504_handlers_passed_in_app_kwargs_make_the_rule_silent() -> None:
    # Reproduction of a corpus case: handlers handed over in a kwargs dict are unreadable.
    files = _route("    return service.get_user(user_id)\n")
    files["app/main.py"] = (
        "from fastapi import FastAPI\n"
        "from app.exceptions import NotFoundError\n"
        "async def on_missing(request, exc):\n"
        "    return None\n"
        "def build(factory):\n"
        "    return factory(app_kwargs={'exception_handlers': {NotFoundError: on_missing}})\n"
    )
    assert found(files, "LL504") == []


def test_ll504_handlers_registered_in_a_loop_make_the_rule_silent() -> None:
    files = _route("    return service.get_user(user_id)\n")
    files["app/main.py"] = (
        "from fastapi import FastAPI\n"
        "from app.handlers import HANDLERS\n"
        "app = FastAPI()\n"
        "for exc_class, handler in HANDLERS.items():\n"
        "    app.add_exception_handler(exc_class, handler)\n"
    )
    assert found(files, "LL504") == []


def test_ll504_catch_all_middleware_is_a_mapping_unless_it_reraises() -> None:
    converting = (
        "from fastapi import FastAPI\n"
        "from fastapi.responses import JSONResponse\n"
        "app = FastAPI()\n"
        "@app.middleware('http')\n"
        "async def errors(request, call_next):\n"
        "    try:\n"
        "        return await call_next(request)\n"
        "    except Exception:\n"
        "        return JSONResponse({}, status_code=500)\n"
    )
    files = _route("    return service.get_user(user_id)\n")
    files["app/main.py"] = converting
    assert found(files, "LL504") == []
    # Reproduction of a corpus case: a metrics middleware that records and re-raises.
    files["app/main.py"] = (
        "from fastapi import FastAPI\n"
        "app = FastAPI()\n"
        "@app.middleware('http')\n"
        "async def metrics(request, call_next):\n"
        "    try:\n"
        "        return await call_next(request)\n"
        "    except Exception:\n"
        "        count_error()\n"
        "        raise\n"
    )
    assert found(files, "LL504") == [("app/services/user_service.py", 6)]


def test_ll504_service_unreachable_from_routes_is_not_reported() -> None:
    # Reproduction of a corpus FP: a client-side background "service" raising its own error.
    files = _route("    return 1\n")
    files["app/worker/services.py"] = (
        "class SlotError(Exception):\n"
        "    pass\n"
        "class SlotService:\n"
        "    def acquire(self) -> None:\n"
        "        raise SlotError('locked')\n"
    )
    assert found(files, "LL504") == []


def test_ll504_unresolved_receiver_needs_an_import_of_the_service_module() -> None:
    service = {
        "app/services/locks.py": (
            "class LockedError(Exception):\n"
            "    pass\n"
            "def acquire(name: str) -> None:\n"
            "    raise LockedError(name)\n"
        )
    }
    unrelated = dict(service)
    unrelated["app/routes/locks.py"] = (
        "from fastapi import APIRouter\n"
        "router = APIRouter()\n"
        "@router.post('/')\n"
        "async def take(lock) -> None:\n"
        "    lock.acquire('x')\n"
    )
    assert found(unrelated, "LL504") == []
    related = dict(service)
    related["app/routes/locks.py"] = (
        "from fastapi import APIRouter\n"
        "from app.services import locks\n"
        "router = APIRouter()\n"
        "@router.post('/')\n"
        "async def take() -> None:\n"
        "    locks.acquire('x')\n"
    )
    assert found(related, "LL504") == [("app/services/locks.py", 4)]


def test_ll504_transitive_through_another_service_and_local_catch() -> None:
    files = dict(_ERRORS)
    files["app/services/orders.py"] = (
        "from app.exceptions import NotFoundError\n"
        "def load(order_id: int) -> int:\n"
        "    raise NotFoundError(order_id)\n"
        "def load_or_zero(order_id: int) -> int:\n"
        "    try:\n"
        "        raise NotFoundError(order_id)\n"
        "    except NotFoundError:\n"
        "        return 0\n"
        "def place(order_id: int) -> int:\n"
        "    return load(order_id) + load_or_zero(order_id)\n"
    )
    files["app/routes/orders.py"] = (
        "from fastapi import APIRouter\n"
        "from app.services.orders import place\n"
        "router = APIRouter()\n"
        "@router.post('/{order_id}')\n"
        "async def create(order_id: int) -> int:\n"
        "    return place(order_id)\n"
    )
    assert found(files, "LL504") == [("app/services/orders.py", 3)]


def test_ll504_builtin_and_external_bases() -> None:
    files = {
        "app/services/files.py": (
            "import httpx\n"
            "class Missing(FileNotFoundError):\n"
            "    pass\n"
            "class Upstream(httpx.HTTPError):\n"
            "    pass\n"
            "def read(name: str) -> None:\n"
            "    raise Missing(name)\n"
            "def fetch(name: str) -> None:\n"
            "    raise Upstream(name)\n"
        ),
        "app/routes/files.py": (
            "from fastapi import APIRouter\n"
            "from app.services.files import fetch, read\n"
            "router = APIRouter()\n"
            "@router.get('/{name}')\n"
            "async def show(name: str) -> None:\n"
            "    read(name)\n"
            "    fetch(name)\n"
        ),
    }
    assert found(files, "LL504") == [("app/services/files.py", 7)]
    files["app/main.py"] = (
        "from fastapi import FastAPI\n"
        "app = FastAPI()\n"
        "@app.exception_handler(OSError)\n"
        "async def on_os_error(request, exc):\n"
        "    return None\n"
    )
    assert found(files, "LL504") == []


def test_ll504_project_without_routes_is_left_alone() -> None:
    files = dict(_ERRORS)
    files.update(_SERVICE)
    assert found(files, "LL504") == []
