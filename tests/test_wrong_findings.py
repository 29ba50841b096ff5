"""Minimal reproductions of findings a reviewer would reject on real applications.

Each test names the rule it pins; invalid cases assert exact (path, line) pairs.
"""

from __future__ import annotations

from layerlint.testing import checked_fix, found

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
