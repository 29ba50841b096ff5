"""LL102 ``route-calls-repository``: a route handler (or a routes-layer helper) uses a repository directly."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import CallFact
from layerlint.project import SESSION, FunctionRef, Project
from layerlint.rules.base import Finding, ProjectRule
from layerlint.rules.layering._support import app


class RouteCallsRepository(ProjectRule):
    """A route handler (or a routes-layer helper) uses a repository directly.

    **What it does:** follows the calls made by route handlers and the routes-layer
    helpers they call: a repository constructed or called, directly, through a helper,
    through a classmethod that builds it (``Repo.from_session(session)``), through a
    ``Depends(...)`` parameter (the parameter's annotation, the factory's return
    annotation, or the class given to a generic factory), through ``self.repo`` (an
    attribute or a property), or through an object created at module level in the
    repositories layer (``crud_users = FastCRUD(User)``, ``crud.user.get(...)``).
    Reported at the call in the routes layer.

    **Why is this bad?** Routes handle HTTP; business rules live in services. A route
    that talks to a repository skips the service layer and its rules.

    **Example:** ``repo = UserRepository(session)`` inside ``@router.get(...)``.

    **Use instead:** call a service method (``await service.get_user(user_id)``).
    """

    code = "LL102"
    name = "route-calls-repository"
    message = "route calls repository {target} directly; go through a service"
    seed = "ai1-skills: routes call services, never repositories directly"
    valid = (
        app(
            app__services__user_service=(
                "from app.repositories.user_repo import UserRepository\n"
                "class UserService:\n"
                "    def __init__(self, session) -> None:\n"
                "        self.repo = UserRepository(session)\n"
                "    async def get(self, user_id: int) -> None:\n"
                "        return await self.repo.get_by_id(user_id)\n"
            ),
            app__routes__users=(
                "from fastapi import APIRouter\n"
                "from app.services.user_service import UserService\n"
                "router = APIRouter()\n"
                "@router.get('/{user_id}')\n"
                "async def get_user(user_id: int, session) -> None:\n"
                "    return await UserService(session).get(user_id)\n"
            ),
        ),
    )
    invalid = (
        app(
            app__routes__users=(
                "from fastapi import APIRouter\n"
                "from app.repositories.user_repo import UserRepository  # error: LL101\n"
                "router = APIRouter()\n"
                "@router.get('/{user_id}')\n"
                "async def get_user(user_id: int, session) -> None:\n"
                "    repo = UserRepository(session)  # error\n"
                "    return await repo.get_by_id(user_id)  # error\n"
            ),
        ),
        app(
            app__dependencies__repos=(
                "from app.repositories.user_repo import UserRepository\n"
                "def get_repo(session) -> UserRepository:\n"
                "    return UserRepository(session)\n"
            ),
            app__routes__users=(
                "from fastapi import APIRouter, Depends\n"
                "from app.dependencies.repos import get_repo\n"
                "router = APIRouter()\n"
                "def load(session, user_id: int):\n"
                "    repo = get_repo(session)\n"
                "    return repo.get_by_id(user_id)  # error\n"
                "@router.get('/{user_id}')\n"
                "async def get_user(user_id: int, repo=Depends(get_repo), session=None) -> None:\n"
                "    await repo.get_by_id(user_id)  # error\n"
                "    load(session, user_id)\n"
                "    return helper(user_id, repo)\n"
                "def helper(user_id: int, repo) -> None:\n"
                "    return None\n"
            ),
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in project.route_code:
            if project.layer_of(ref.module.module) != "routes":
                continue
            for call in ref.function.calls:
                target = self._repository_target(project, ref, call, 0)
                if target is not None:
                    yield Finding(ref.module.path, call.span, self.message.format(target=target))

    def _repository_target(
        self, project: Project, ref: FunctionRef, call: CallFact, depth: int
    ) -> str | None:
        instance = project.repository_object(ref, call.callee[:-1])
        if instance is not None:
            return f"`{instance}.{call.callee[-1]}()`"
        owner, method = project.callee_type(ref, call)
        if owner is None or owner == SESSION:
            return None
        if project.is_repository_class(owner):
            short = owner.rsplit(".", 1)[-1]
            return f"`{short}.{method}()`" if method else f"`{short}`"
        if method:
            return None
        function = project.lookup_function(owner)
        if function is None:
            return None
        layer = project.layer_of(function.module.module)
        if layer == "repositories":
            return f"`{function.function.qualname}()` from {function.module.module}"
        if layer is None and depth < 3:
            for inner in function.function.calls:
                found = self._repository_target(project, function, inner, depth + 1)
                if found is not None:
                    return f"{found} (through `{function.function.qualname}()`)"
        return None
