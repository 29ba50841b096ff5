"""``--fix`` for LL201 (status constants) and LL206 (FastAPI's HTTPException).

Every case runs the real ``--fix`` twice (``fix_files``): the first result is compared
exactly, must compile, and the second run must change nothing.
"""

from __future__ import annotations

import pytest

from layerlint.testing import checked_fix, lint_files, offers_fix

ROUTE = "app/routes/users.py"


def fixed(source: str, *codes: str, unsafe: bool = False) -> tuple[str, int]:
    """The route module after ``--fix`` and how many fixes applied."""
    files, count = checked_fix({ROUTE: source}, *codes, unsafe=unsafe)
    return files[ROUTE], count


def fixable(source: str, code: str) -> list[bool]:
    """Per diagnostic of ``code`` in the route module: is a fix offered?"""
    return offers_fix({ROUTE: source}, code)


# -- LL201: which name the constant is written with ----------------------------------------


def test_ll201_existing_status_import_is_reused() -> None:
    source = (
        "from fastapi import HTTPException, status\n"
        "def a() -> None:\n"
        "    raise HTTPException(404)\n"
        "def b() -> None:\n"
        "    raise HTTPException(status_code=409)\n"
    )
    result, count = fixed(source, "LL201")
    assert result == (
        "from fastapi import HTTPException, status\n"
        "def a() -> None:\n"
        "    raise HTTPException(status.HTTP_404_NOT_FOUND)\n"
        "def b() -> None:\n"
        "    raise HTTPException(status_code=status.HTTP_409_CONFLICT)\n"
    )
    assert count == 2


def test_ll201_import_is_added_once_for_several_codes() -> None:
    source = (
        "from fastapi import APIRouter, HTTPException\n"
        "from fastapi.responses import JSONResponse\n"
        "router = APIRouter()\n"
        "@router.post('/', status_code=201)\n"
        "def create() -> JSONResponse:\n"
        "    if router:\n"
        "        raise HTTPException(409)\n"
        "    return JSONResponse({}, 202)\n"
    )
    result, count = fixed(source, "LL201")
    assert result == (
        "from fastapi import APIRouter, HTTPException, status\n"
        "from fastapi.responses import JSONResponse\n"
        "router = APIRouter()\n"
        "@router.post('/', status_code=status.HTTP_201_CREATED)\n"
        "def create() -> JSONResponse:\n"
        "    if router:\n"
        "        raise HTTPException(status.HTTP_409_CONFLICT)\n"
        "    return JSONResponse({}, status.HTTP_202_ACCEPTED)\n"
    )
    assert count == 3


def test_ll201_status_imported_under_another_name_is_reused() -> None:
    source = (
        "from fastapi import HTTPException\n"
        "from starlette import status as http_status\n"
        "def a() -> None:\n"
        "    raise HTTPException(404)\n"
    )
    result, _ = fixed(source, "LL201")
    assert "raise HTTPException(http_status.HTTP_404_NOT_FOUND)" in result
    assert "import status\n" not in result.replace("status as http_status", "")


def test_ll201_noqa_line_is_left_alone() -> None:
    source = (
        "from fastapi import HTTPException\n"
        "def a() -> None:\n"
        "    raise HTTPException(404)  # noqa: LL201\n"
        "def b() -> None:\n"
        "    raise HTTPException(410)\n"
    )
    result, count = fixed(source, "LL201")
    assert result == (
        "from fastapi import HTTPException, status\n"
        "def a() -> None:\n"
        "    raise HTTPException(404)  # noqa: LL201\n"
        "def b() -> None:\n"
        "    raise HTTPException(status.HTTP_410_GONE)\n"
    )
    assert count == 1


def test_ll201_parenthesised_literal_keeps_its_comment() -> None:
    source = (
        "from fastapi import HTTPException, status\n"
        "def a() -> None:\n"
        "    raise HTTPException(\n"
        "        status_code=(  # gone for good\n"
        "            410\n"
        "        ),\n"
        "    )\n"
    )
    result, _ = fixed(source, "LL201")
    assert result == source.replace("            410\n", "            status.HTTP_410_GONE\n")


def test_ll201_starlette_only_module_imports_status_from_starlette() -> None:
    source = (
        "from starlette.responses import JSONResponse\n"
        "def a() -> JSONResponse:\n"
        "    return JSONResponse({}, status_code=404)\n"
    )
    result, _ = fixed(source, "LL201")
    assert result == (
        "from starlette import status\n"
        "from starlette.responses import JSONResponse\n"
        "def a() -> JSONResponse:\n"
        "    return JSONResponse({}, status_code=status.HTTP_404_NOT_FOUND)\n"
    )


# -- LL201: ``status`` meaning something else -----------------------------------------------


def test_ll201_status_parameter_falls_back_to_fastapi_status() -> None:
    """Only the function whose ``status`` is a parameter needs the qualified spelling."""
    source = (
        "from fastapi import HTTPException\n"
        "def a(status: str) -> None:\n"
        "    raise HTTPException(404, status)\n"
        "def b() -> None:\n"
        "    raise HTTPException(410)\n"
    )
    result, count = fixed(source, "LL201")
    assert result == (
        "import fastapi\n"
        "from fastapi import HTTPException, status\n"
        "def a(status: str) -> None:\n"
        "    raise HTTPException(fastapi.status.HTTP_404_NOT_FOUND, status)\n"
        "def b() -> None:\n"
        "    raise HTTPException(status.HTTP_410_GONE)\n"
    )
    assert count == 2


@pytest.mark.parametrize(
    "body",
    [
        "    status = job.status\n    if status:\n        raise HTTPException(409)\n",
        # assigned after the literal: still local to the whole function
        "    if job:\n        raise HTTPException(409)\n    status = job.status\n",
        "    for status in job.statuses:\n        raise HTTPException(409)\n",
        "    with job.lock() as status:\n        raise HTTPException(409)\n",
        "    try:\n        pass\n    except ValueError as status:\n        raise HTTPException(409)\n",
        "    if (status := job.status):\n        raise HTTPException(409)\n",
        "    from app.jobs import status\n    raise HTTPException(409)\n",
        "    global status\n    raise HTTPException(409)\n",
        "    status, other = job.pair\n    raise HTTPException(409)\n",
    ],
)
def test_ll201_status_bound_in_the_function_falls_back(body: str) -> None:
    source = "from fastapi import HTTPException\ndef a(job) -> None:\n" + body
    result, count = fixed(source, "LL201")
    assert "HTTPException(fastapi.status.HTTP_409_CONFLICT)" in result
    assert result.startswith("import fastapi\nfrom fastapi import HTTPException\n")
    assert count == 1


def test_ll201_status_bound_in_an_enclosing_function_falls_back() -> None:
    source = (
        "from fastapi import HTTPException\n"
        "def outer(status: str):\n"
        "    def inner() -> None:\n"
        "        raise HTTPException(404, status)\n"
        "    return inner\n"
    )
    result, _ = fixed(source, "LL201")
    assert "HTTPException(fastapi.status.HTTP_404_NOT_FOUND, status)" in result


@pytest.mark.parametrize(
    "binding",
    [
        "from http import HTTPStatus as status\n",
        "status = {'ok': 1}\n",
        "if TYPE_CHECKING:\n    from fastapi import status\n",
        "def status() -> None:\n    pass\n",
    ],
)
def test_ll201_status_bound_in_the_module_falls_back(binding: str) -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from fastapi import HTTPException\n" + binding + "def a() -> None:\n"
        "    raise HTTPException(404)\n"
    )
    result, _ = fixed(source, "LL201")
    assert "HTTPException(fastapi.status.HTTP_404_NOT_FOUND)" in result
    assert "import fastapi\n" in result


def test_ll201_existing_import_fastapi_is_reused_by_the_fallback() -> None:
    source = (
        "import fastapi\n"
        "def a(status: int) -> None:\n"
        "    raise fastapi.HTTPException(404, str(status))\n"
    )
    result, _ = fixed(source, "LL201")
    assert result == (
        "import fastapi\n"
        "def a(status: int) -> None:\n"
        "    raise fastapi.HTTPException(fastapi.status.HTTP_404_NOT_FOUND, str(status))\n"
    )


def test_ll201_status_and_fastapi_both_taken_get_no_fix() -> None:
    source = (
        "from fastapi import HTTPException\n"
        "def a(status: str, fastapi: object) -> None:\n"
        "    raise HTTPException(404, status)\n"
    )
    assert fixable(source, "LL201") == [False]
    result, count = fixed(source, "LL201")
    assert result == source
    assert count == 0


def test_ll201_star_import_may_bind_status_so_no_fix() -> None:
    source = (
        "from fastapi import HTTPException\n"
        "from app.enums import *\n"
        "def a() -> None:\n"
        "    raise HTTPException(404)\n"
    )
    assert fixable(source, "LL201") == [False]


def test_ll201_class_attribute_status_does_not_hide_the_module_name_in_methods() -> None:
    source = (
        "from fastapi import HTTPException, status\n"
        "class Job:\n"
        "    status = 'queued'\n"
        "    def check(self) -> None:\n"
        "        raise HTTPException(409)\n"
    )
    result, _ = fixed(source, "LL201")
    assert "raise HTTPException(status.HTTP_409_CONFLICT)" in result


def test_ll201_decorator_is_read_in_the_enclosing_scope_not_the_function() -> None:
    """``status`` as the route's own parameter does not hide the decorator's ``status``."""
    source = (
        "from fastapi import APIRouter, status\n"
        "router = APIRouter()\n"
        "@router.post('/', status_code=201)\n"
        "def create(status: str) -> dict:\n"
        "    return {'status': status}\n"
    )
    result, _ = fixed(source, "LL201")
    assert "@router.post('/', status_code=status.HTTP_201_CREATED)" in result


def test_ll201_renamed_codes_are_fixed_only_with_unsafe_fixes() -> None:
    source = (
        "from fastapi import HTTPException, status\n"
        "def a() -> None:\n"
        "    raise HTTPException(422)\n"
        "def b() -> None:\n"
        "    raise HTTPException(413)\n"
    )
    result, count = fixed(source, "LL201")
    assert result == source
    assert count == 0
    result, count = fixed(source, "LL201", unsafe=True)
    assert "HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT)" in result
    assert "HTTPException(status.HTTP_413_CONTENT_TOO_LARGE)" in result
    assert count == 2


# -- LL206 ------------------------------------------------------------------------------------


def test_ll206_single_import_merges_into_existing_fastapi_line() -> None:
    source = (
        "from fastapi import APIRouter\n"
        "from starlette.exceptions import HTTPException\n"
        "router = APIRouter()\n"
        "def a() -> None:\n"
        "    raise HTTPException(404)\n"
    )
    result, count = fixed(source, "LL206")
    assert result == (
        "from fastapi import APIRouter, HTTPException\n"
        "router = APIRouter()\n"
        "def a() -> None:\n"
        "    raise HTTPException(404)\n"
    )
    assert count == 1


def test_ll206_aliased_single_import_merges_keeping_the_alias() -> None:
    source = (
        "from fastapi import APIRouter, Depends\n"
        "from starlette.exceptions import HTTPException as StarletteHTTPException\n"
        "def a() -> None:\n"
        "    raise StarletteHTTPException(404)\n"
    )
    result, _ = fixed(source, "LL206")
    assert result == (
        "from fastapi import APIRouter, Depends, HTTPException as StarletteHTTPException\n"
        "def a() -> None:\n"
        "    raise StarletteHTTPException(404)\n"
    )


def test_ll206_commented_import_line_is_repointed_in_place() -> None:
    source = (
        "from fastapi import APIRouter\n"
        "# errors raised by the routes\n"
        "from starlette.exceptions import HTTPException  # noqa: F401\n"
        "def a() -> None:\n"
        "    raise HTTPException(404)\n"
    )
    result, _ = fixed(source, "LL206")
    assert result == source.replace("from starlette.exceptions", "from fastapi")


def test_ll206_import_inside_a_function_is_repointed_in_place() -> None:
    source = (
        "from fastapi import APIRouter\n"
        "def a() -> None:\n"
        "    from starlette.exceptions import HTTPException as E\n"
        "    raise E(404)\n"
    )
    result, _ = fixed(source, "LL206")
    assert result == source.replace("from starlette.exceptions", "from fastapi")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "from starlette.exceptions import HTTPException, WebSocketException\n",
            "from starlette.exceptions import WebSocketException\n",
        ),
        (
            "from starlette.exceptions import (\n"
            "    HTTPException,  # raised below\n"
            "    WebSocketException,\n"
            ")\n",
            "from starlette.exceptions import (\n    # raised below\n    WebSocketException,\n)\n",
        ),
        (
            "from starlette.exceptions import (\n"
            "    WebSocketException,  # sockets\n"
            "    HTTPException  # raised below\n"
            ")\n",
            "from starlette.exceptions import (\n"
            "    WebSocketException  # sockets\n"
            "    # raised below\n"
            ")\n",
        ),
        (
            "from starlette.exceptions import (WebSocketException, HTTPException,\n"
            "    ExceptionMiddleware)\n",
            "from starlette.exceptions import (WebSocketException, ExceptionMiddleware)\n",
        ),
        (
            "from starlette.exceptions import (\n    WebSocketException,\n    HTTPException)\n",
            "from starlette.exceptions import (\n    WebSocketException)\n",
        ),
    ],
)
def test_ll206_name_is_split_out_of_a_longer_import(before: str, after: str) -> None:
    source = (
        "from fastapi import APIRouter\n" + before + "def a() -> None:\n"
        "    raise WebSocketException(1008) if a else HTTPException(404)\n"
    )
    result, count = fixed(source, "LL206")
    assert result == (
        "from fastapi import APIRouter, HTTPException\n" + after + "def a() -> None:\n"
        "    raise WebSocketException(1008) if a else HTTPException(404)\n"
    )
    assert count == 1


def test_ll206_aliased_name_in_a_list_without_a_fastapi_line_gets_no_fix() -> None:
    """The import helper cannot add ``as E``; a new line of its own would be needed."""
    source = (
        "from starlette.exceptions import WebSocketException, HTTPException as E\n"
        "def a() -> None:\n"
        "    raise E(400)\n"
    )
    assert fixable(source, "LL206") == [False]
    result, count = fixed(source, "LL206")
    assert result == source
    assert count == 0


def test_ll206_two_imports_merging_into_one_line_do_not_collide() -> None:
    source = (
        "from fastapi import APIRouter\n"
        "from starlette.exceptions import HTTPException as A\n"
        "from starlette.exceptions import HTTPException as B\n"
        "def a() -> None:\n"
        "    raise A(400) if a else B(404)\n"
    )
    result, _ = fixed(source, "LL206")
    assert result == (
        "from fastapi import APIRouter, HTTPException as A\n"
        "from fastapi import HTTPException as B\n"
        "def a() -> None:\n"
        "    raise A(400) if a else B(404)\n"
    )


@pytest.mark.parametrize(
    "use",
    [
        "    try:\n        a()\n    except (ValueError, E):\n        raise E(500)\n",
        "    if isinstance(a, E):\n        raise E(500)\n",
    ],
)
def test_ll206_module_that_catches_or_tests_the_class_gets_no_fix(use: str) -> None:
    """``except E`` would stop catching Starlette's own HTTPExceptions."""
    source = "from starlette.exceptions import HTTPException as E\ndef a() -> None:\n" + use
    assert fixable(source, "LL206") == [False]


@pytest.mark.parametrize(
    "registration",
    [
        "@app.exception_handler(E)\nasync def h(request, exc):\n    return None\n",
        "app.add_exception_handler(E, h)\n",
        "app = FastAPI(exception_handlers={E: h})\n",
    ],
)
def test_ll206_handler_registration_is_neither_flagged_nor_fixed(registration: str) -> None:
    source = (
        "from fastapi import FastAPI\n"
        "from starlette.exceptions import HTTPException as E\n"
        "app = FastAPI()\n"
        "async def h(request, exc):\n"
        "    raise E(500)\n" + registration
    )
    assert fixable(source, "LL206") == []
    result, _ = fixed(source, "LL206")
    assert result == source


def test_ll206_only_the_raised_import_is_reported() -> None:
    source = (
        "from fastapi import APIRouter\n"
        "from starlette.exceptions import HTTPException\n"
        "def a(exc: HTTPException) -> None:\n"
        "    from starlette.exceptions import HTTPException as E\n"
        "    raise E(500)\n"
    )
    diagnostics = lint_files({ROUTE: source}, select=("LL206",))
    assert [(d.span.line, d.fixable) for d in diagnostics] == [(4, True)]


# -- both rules in one run --------------------------------------------------------------------


def test_ll201_ll206_both_fixes_in_one_run_share_the_fastapi_line() -> None:
    source = (
        "from fastapi import APIRouter\n"
        "from starlette.exceptions import HTTPException\n"
        "router = APIRouter()\n"
        "@router.delete('/{item_id}', status_code=204)\n"
        "def delete(item_id: int) -> None:\n"
        "    raise HTTPException(status_code=404)\n"
    )
    result, count = fixed(source, "LL201", "LL206")
    assert result == (
        "from fastapi import APIRouter, HTTPException, status\n"
        "router = APIRouter()\n"
        "@router.delete('/{item_id}', status_code=status.HTTP_204_NO_CONTENT)\n"
        "def delete(item_id: int) -> None:\n"
        "    raise HTTPException(status_code=status.HTTP_404_NOT_FOUND)\n"
    )
    assert count == 3
