"""``--fix`` for LL201 (status constants) and LL206 (FastAPI's HTTPException)."""

from __future__ import annotations

from layerlint.testing import fix_files

ROUTE = "app/routes/users.py"


def test_existing_status_import_is_reused_and_added_once() -> None:
    source = (
        "from fastapi import HTTPException, status\n"
        "def a() -> None:\n"
        "    raise HTTPException(404)\n"
        "def b() -> None:\n"
        "    raise HTTPException(status_code=409)\n"
    )
    first, second, fixed = fix_files({ROUTE: source}, ("LL201",))
    assert first[ROUTE] == (
        "from fastapi import HTTPException, status\n"
        "def a() -> None:\n"
        "    raise HTTPException(status.HTTP_404_NOT_FOUND)\n"
        "def b() -> None:\n"
        "    raise HTTPException(status_code=status.HTTP_409_CONFLICT)\n"
    )
    assert second == first
    assert fixed == 2


def test_status_bound_to_something_else_gets_no_fix() -> None:
    source = (
        "from fastapi import HTTPException\n"
        "def a(status: str) -> None:\n"
        "    raise HTTPException(404, status)\n"
    )
    first, _, fixed = fix_files({ROUTE: source}, ("LL201",))
    assert first[ROUTE] == source
    assert fixed == 0


def test_noqa_line_is_left_alone() -> None:
    source = (
        "from fastapi import HTTPException\n"
        "def a() -> None:\n"
        "    raise HTTPException(404)  # noqa: LL201\n"
        "def b() -> None:\n"
        "    raise HTTPException(410)\n"
    )
    first, _, _ = fix_files({ROUTE: source}, ("LL201",))
    assert "HTTPException(404)  # noqa: LL201" in first[ROUTE]
    assert "HTTPException(status.HTTP_410_GONE)" in first[ROUTE]
    compile(first[ROUTE], ROUTE, "exec")


def test_aliased_starlette_import_in_a_list_is_not_rewritten() -> None:
    source = (
        "from starlette.exceptions import WebSocketException, HTTPException as E\n"
        "def a() -> None:\n"
        "    raise E(400)\n"
    )
    first, _, fixed = fix_files({ROUTE: source}, ("LL206",))
    assert first[ROUTE] == source
    assert fixed == 0
