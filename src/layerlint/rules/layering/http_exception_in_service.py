"""LL104 ``http-exception-in-service``: ``HTTPException`` raised or constructed in the service layer."""

from __future__ import annotations

from layerlint.rules.base import Example
from layerlint.rules.layering._support import HttpExceptionInLayer


class HttpExceptionInService(HttpExceptionInLayer):
    """``HTTPException`` raised or constructed in the service layer.

    **What it does:** flags ``HTTPException`` (FastAPI's or Starlette's, or a subclass)
    raised or built inside a service function. Functions used as dependencies
    (``Depends(...)``) and registered exception handlers are exempt.

    **Why is this bad?** Services hold business logic and must not know about HTTP; a
    service that raises ``HTTPException`` cannot be reused from a CLI, a worker or a test
    without faking HTTP.

    **Example:** ``raise HTTPException(status_code=404)`` in ``UserService.get_user``.

    **Use instead:** raise a domain exception (``NotFoundError``) and map it to a status
    code in an exception handler or in the route.
    """

    code = "LL104"
    name = "http-exception-in-service"
    message = "HTTPException in the service layer; raise a domain exception and map it to HTTP in a handler"
    seed = "ai1-skills: services raise domain exceptions, NEVER HTTPException"
    layer = "services"
    example_path = "app/services/user_service.py"
    valid = (
        "class NotFoundError(Exception):\n    pass\n\ndef get(user):\n    if user is None:\n        raise NotFoundError('user')\n",
        Example(
            {
                "app/services/auth_service.py": (
                    "from fastapi import Depends, HTTPException\n"
                    "def require_user(token: str = Depends(lambda: '')) -> str:\n"
                    "    if not token:\n"
                    "        raise HTTPException(status_code=401)\n"
                    "    return token\n"
                ),
                "app/routes/users.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.services.auth_service import require_user\n"
                    "router = APIRouter()\n"
                    "@router.get('/')\n"
                    "def me(user: str = Depends(require_user)) -> str:\n"
                    "    return user\n"
                ),
            }
        ),
    )
    invalid = (
        "from fastapi import HTTPException  # error: LL106\n\n"
        "class UserService:\n"
        "    def get(self, user):\n"
        "        if user is None:\n"
        "            raise HTTPException(status_code=404, detail='not found')  # error\n"
        "        return user\n",
        "from starlette.exceptions import HTTPException as StarletteHTTPException  # error: LL106\n\n"
        "def check(value: int) -> None:\n"
        "    error = StarletteHTTPException(400)  # error\n"
        "    if value < 0:\n"
        "        raise error\n",
    )
