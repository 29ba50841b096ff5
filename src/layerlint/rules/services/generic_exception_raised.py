"""LL502 ``generic-exception-raised``: ``raise Exception(...)`` in a service or repository."""

from __future__ import annotations

import libcst as cst

from layerlint.file_context import FileContext
from layerlint.rules.base import Example, FileRule
from layerlint.rules.services._support import BROAD, BROAD_QUALIFIED

_RAISE_LAYERS = frozenset({"services", "repositories"})


class GenericExceptionRaised(FileRule):
    """``raise Exception(...)`` in a service or repository.

    **What it does:** flags ``raise Exception(...)`` and ``raise BaseException(...)``
    (the builtins themselves, not subclasses, and not a project class that happens to
    be imported under that name) in the services and repositories layers.

    **Why is this bad?** Callers cannot catch a generic ``Exception`` without catching
    every bug as well, and no exception handler can map it to a meaningful status code:
    it reaches the client as a 500.

    **Example:** ``raise Exception("user not found")`` in ``UserService.get_user``.

    **Use instead:** raise a domain exception (``NotFoundError``, ``ConflictError``) from
    the project's exception hierarchy.
    """

    code = "LL502"
    name = "generic-exception-raised"
    message = "`raise {name}(...)`: raise a domain exception such as `NotFoundError` instead"
    seed = "ai1-skills: services raise domain exceptions (NotFoundError, ConflictError)"
    example_path = "app/services/user_service.py"
    valid = (
        "from app.exceptions import NotFoundError\n"
        "def get(user):\n"
        "    if user is None:\n"
        "        raise NotFoundError('user')\n"
        "    return user\n",
        "class ServiceError(Exception):\n"
        "    pass\n"
        "def get(user):\n"
        "    try:\n"
        "        return user.name\n"
        "    except AttributeError:\n"
        "        raise\n"
        "    raise ServiceError('x')\n",
        "from app.errors import AppError as Exception\n"
        "def get(user):\n"
        "    raise Exception('not found')\n",
        Example({"app/main.py": "def boot():\n    raise Exception('no config')\n"}),
    )
    invalid = (
        "def get(user):\n"
        "    if user is None:\n"
        "        raise Exception('user not found')  # error\n"
        "    return user\n",
        Example(
            {
                "app/repositories/user_repo.py": (
                    "import builtins\n"
                    "class UserRepository:\n"
                    "    def get(self, key):\n"
                    "        if not key:\n"
                    "            raise Exception  # error\n"
                    "        if key == 'x':\n"
                    "            raise builtins.BaseException('x')  # error\n"
                    "        return key\n"
                )
            }
        ),
    )

    def visit_Raise(self, node: cst.Raise, ctx: FileContext) -> None:
        exc = node.exc
        if exc is None or ctx.layer not in _RAISE_LAYERS:
            return
        target = exc.func if isinstance(exc, cst.Call) else exc
        if isinstance(target, cst.Name):
            if target.value not in BROAD or ctx.qualified_name(target) is not None:
                return
            name = target.value
        elif isinstance(target, cst.Attribute) and target.attr.value in BROAD:
            if ctx.qualified_name(target) not in BROAD_QUALIFIED:
                return
            name = target.attr.value
        else:
            return
        ctx.report(node, self.message.format(name=name))
