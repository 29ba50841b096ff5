"""LL213 ``missing-response-wrapper``: a response model not wrapped in the project's generic response envelope."""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.facts import Value
from layerlint.project import Project
from layerlint.rules.base import Default as RuleDefault
from layerlint.rules.base import Example, Finding, ProjectRule, RuleOption
from layerlint.rules.fastapi._support import SEED_BACKEND, response_finding, response_type, routes


def status_code_literal(value: Value | None) -> int | None:
    """The status code a keyword value names: ``204`` or ``status.HTTP_204_NO_CONTENT``."""
    if value is None:
        return None
    if value.kind == "int" and isinstance(value.literal, int):
        return value.literal
    if value.kind == "name" and value.dotted:
        match = re.match(r"HTTP_(\d{3})_", value.dotted[-1])
        if match:
            return int(match.group(1))
        if value.dotted[-1] in ("NO_CONTENT", "NOT_MODIFIED"):
            return 204 if value.dotted[-1] == "NO_CONTENT" else 304
    return None


def render_type(value: Value, depth: int = 0) -> str:
    """``List[schemas.Flow]`` back from its summary (for messages)."""
    base = ".".join(value.dotted) if value.dotted else "?"
    if value.kind != "subscript" or depth > 3:
        return base
    inner = ", ".join(render_type(element, depth + 1) for element in value.elements)
    return f"{base}[{inner}]"


class MissingResponseWrapper(ProjectRule):
    """A response model not wrapped in the project's generic response envelope.

    **What it does:** for projects that answer every request with one envelope
    (option ``response-wrapper``, default ``ApiResponse``), flags routes whose response
    model (``response_model=``, else the return annotation) is not ``ApiResponse[...]``
    or a subclass of it. Routes returning ``Response`` objects, ``204`` routes and routes
    without a response type (see LL202) are skipped, as are project classes whose bases
    cannot be read (``class UserList(ApiResponse[list[User]])``).

    **Why is this bad?** Clients of an API with an envelope parse ``data``/``error``/
    ``code`` uniformly; one bare response breaks the generated client and the frontend's
    error handling.

    **Example:** ``@router.get("/users/{id}", response_model=UserResponse)``

    **Use instead:** ``@router.get("/users/{id}", response_model=ApiResponse[UserResponse])``
    """

    code = "LL213"
    name = "missing-response-wrapper"
    message = "response model `{model}` is not wrapped in `{wrapper}[...]`"
    seed = f"{SEED_BACKEND}: generic response wrapper — always use ApiResponse[T]"
    default = RuleDefault.OPT_IN
    options_spec = (
        RuleOption(
            "response-wrapper", "ApiResponse", "name of the generic response envelope class"
        ),
    )
    example_path = "app/routes/users.py"
    _schemas = (
        "from typing import Generic, TypeVar\n"
        "from pydantic import BaseModel\n"
        "T = TypeVar('T')\n"
        "class ApiResponse(BaseModel, Generic[T]):\n"
        "    data: T | None = None\n"
        "class Envelope(BaseModel, Generic[T]):\n"
        "    data: T | None = None\n"
        "class UserResponse(BaseModel):\n"
        "    id: int\n"
        "class UserPage(ApiResponse):\n"
        "    pass\n"
        "class UserList(ApiResponse[list[UserResponse]]):\n"
        "    pass\n"
    )
    valid = (
        Example(
            {
                "app/schemas/user.py": _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter, status\n"
                    "from fastapi.responses import FileResponse\n"
                    "from app.schemas.user import ApiResponse, UserList, UserPage, UserResponse\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}', response_model=ApiResponse[UserResponse])\n"
                    "async def get_user(user_id: int):\n"
                    "    return {}\n"
                    "@router.get('/me')\n"
                    "async def me() -> ApiResponse[UserResponse]:\n"
                    "    return ApiResponse()\n"
                    "@router.get('/', response_model=UserPage)\n"
                    "async def page():\n"
                    "    return {}\n"
                    "@router.get('/all', response_model=UserList)\n"
                    "async def all_users():\n"
                    "    return {}\n"
                    "@router.get('/avatar')\n"
                    "async def avatar() -> FileResponse:\n"
                    "    return FileResponse('a.png')\n"
                    "@router.delete('/{user_id}', status_code=status.HTTP_204_NO_CONTENT)\n"
                    "async def delete(user_id: int) -> None:\n"
                    "    pass\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/user.py": _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas import user as s\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}', response_model=s.Envelope[s.UserResponse])\n"
                    "async def get_user(user_id: int):\n"
                    "    return {}\n"
                ),
            },
            options={"response-wrapper": "Envelope"},
        ),
    )
    invalid = (
        Example(
            {
                "app/schemas/user.py": _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import UserResponse\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}', response_model=UserResponse)  # error\n"
                    "async def get_user(user_id: int):\n"
                    "    return {}\n"
                    "@router.get('/')\n"
                    "async def list_users() -> list[UserResponse]:  # error\n"
                    "    return []\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/user.py": _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import ApiResponse, UserResponse\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}', response_model=ApiResponse[UserResponse])  # error\n"
                    "async def get_user(user_id: int):\n"
                    "    return {}\n"
                ),
            },
            options={"response-wrapper": "Envelope"},
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        wrapper = str(self.options["response-wrapper"])
        short = wrapper.rsplit(".", 1)[-1]
        for route in routes(project):
            if not route.documents_json:
                continue
            if status_code_literal(route.keyword("status_code")) in (204, 304):
                continue
            if (
                route.keyword("response_class") is not None
                and route.keyword("response_model") is None
            ):
                continue
            declared = response_type(project, route)
            if declared is None:
                continue
            if self._wrapped(project, declared.module, declared.value, wrapper, short):
                continue
            message = self.message.format(model=render_type(declared.value), wrapper=short)
            yield response_finding(route, declared, message)

    @staticmethod
    def _wrapped(project: Project, module: str, value: Value, wrapper: str, short: str) -> bool:
        if not value.dotted:
            return True
        if value.dotted[-1] == short:
            return True
        resolved = project.resolve_canonical(module, value.dotted)
        if resolved is None:
            return False
        if resolved == wrapper:
            return True
        ref = project.lookup_class(resolved)
        if ref is not None and not ref.cls.bases:
            return True  # bases we cannot read (``Wrapper[...]``): stay silent
        return any(name.rsplit(".", 1)[-1] == short for name in project.ancestry(resolved))
