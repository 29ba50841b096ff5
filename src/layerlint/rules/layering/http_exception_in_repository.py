"""LL105 ``http-exception-in-repository``: ``HTTPException`` raised or constructed in the repository layer."""

from __future__ import annotations

from layerlint.rules.layering._support import HttpExceptionInLayer


class HttpExceptionInRepository(HttpExceptionInLayer):
    """``HTTPException`` raised or constructed in the repository layer.

    **What it does:** flags ``HTTPException`` raised or built in a repository.

    **Why is this bad?** Repositories return model instances or ``None``; deciding
    that a missing row is a 404 is a business decision that belongs to the service and
    an HTTP decision that belongs to the route.

    **Example:** ``raise HTTPException(404)`` in ``UserRepository.get_by_id``.

    **Use instead:** return ``None`` (or raise a domain exception) and let the service
    decide.
    """

    code = "LL105"
    name = "http-exception-in-repository"
    message = "HTTPException in the repository layer; return None or raise a domain exception"
    seed = "ai1-skills: never raise HTTPException from repositories"
    layer = "repositories"
    example_path = "app/repositories/user_repo.py"
    valid = (
        "class UserRepository:\n    async def get(self, user_id: int) -> None:\n        return None\n",
        "from app.exceptions import NotFoundError\n\ndef get(x):\n    raise NotFoundError(x)\n",
    )
    invalid = (
        "import fastapi  # error: LL106\n\n"
        "class UserRepository:\n"
        "    def get(self, user_id: int):\n"
        "        raise fastapi.HTTPException(404)  # error\n",
        "from fastapi import HTTPException, status  # error: LL106\n\n"
        "def get(user_id: int):\n"
        "    raise HTTPException(status.HTTP_404_NOT_FOUND)  # error\n",
    )
