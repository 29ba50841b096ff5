"""LL102 ``route-calls-repository``: a route handler (or a routes-layer helper) uses a repository directly."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.diagnostics import Span
from layerlint.facts import CallFact, FunctionFact, Value
from layerlint.layers import DEFAULT_CONTRACT
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

    Not reported: a repository that the route only builds to hand to a service
    (``RegistrationService(UserRepository(session)).register(...)``, or a local used
    only as an argument): the work goes through the service. In a project with no
    services (or controllers) layer at all, routes calling repositories is the
    project's architecture: the rule stays silent unless ``[tool.layerlint.contract]``
    sets ``routes`` without ``repositories``.

    **Why is this bad?** Routes handle HTTP; business rules live in services. A route
    that talks to a repository skips the service layer and its rules.

    **Example:** ``repo = UserRepository(session)`` inside ``@router.get(...)``.

    **Use instead:** call a service method (``await service.get_user(user_id)``).
    """

    code = "LL102"
    name = "route-calls-repository"
    message = "route calls repository {target} directly; go through a service"
    no_services_message = (
        "route calls repository {target} directly; the configured contract keeps routes "
        "off repositories"
    )
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
            app__repositories__user_repo=(
                "class UserRepository:\n"
                "    def __init__(self, session) -> None:\n"
                "        self.session = session\n"
            ),
            app__routes__register=(
                "from fastapi import APIRouter\n"
                "from app.repositories.user_repo import UserRepository  # error: LL101\n"
                "from app.services.user_service import UserService\n"
                "router = APIRouter()\n"
                "@router.post('/register')\n"
                "async def register(session) -> None:\n"
                "    return await UserService(UserRepository(session)).get(1)\n"
                "@router.post('/invite')\n"
                "async def invite(session) -> None:\n"
                "    repo = UserRepository(session)\n"
                "    service = UserService(repo)\n"
                "    return await service.get(2)\n"
            ),
        ),
        app(
            app__crud=("def get_user_by_email(*, session, email: str):\n    return None\n"),
            app__routes__users=(
                "from fastapi import APIRouter\n"
                "from app import crud\n"
                "router = APIRouter()\n"
                "@router.get('/users/by-email')\n"
                "def by_email(email: str, session) -> dict:\n"
                "    return {'user': crud.get_user_by_email(session=session, email=email)}\n"
            ),
        ),
    )
    invalid = (
        app(
            app__services__user_service="class UserService:\n    pass\n",
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
            app__services__user_service="class UserService:\n    pass\n",
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
        message = self.message
        if not has_service_layer(project):
            if not contract_keeps_routes_off_repositories(project):
                return  # routes -> repositories is this project's own architecture
            message = self.no_services_message
        for ref in project.route_code:
            if project.layer_of(ref.module.module) != "routes":
                continue
            for call in ref.function.calls:
                if only_passed_on(ref.function, call):
                    continue  # ``Service(UserRepository(session))``: goes through a service
                target = self._repository_target(project, ref, call, 0)
                if target is not None:
                    yield Finding(ref.module.path, call.span, message.format(target=target))

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


def has_service_layer(project: Project) -> bool:
    """Services, or controllers playing their part: somewhere else for routes to go."""
    return project.has_layer("services") or project.has_layer("controllers")


def contract_keeps_routes_off_repositories(project: Project) -> bool:
    """The project's own configured contract (not the default) forbids routes ->
    repositories."""
    allowed = project.contract.allowed.get("routes")
    if allowed is None or allowed == frozenset(DEFAULT_CONTRACT.get("routes", ())):
        return False
    return "repositories" not in allowed


def only_passed_on(function: FunctionFact, call: CallFact) -> bool:
    """``call`` only builds an object that is handed to another call: an argument of an
    enclosing call, or a local that is used as an argument and nothing else."""
    if any(
        other is not call and _contains(other.span, call.span) and _passes(other, call.callee)
        for other in function.calls
    ):
        return True
    names = [
        name
        for name, value in function.locals
        if value.kind == "call" and value.dotted == call.callee
    ]
    if not names:
        return False
    for name in names:
        used_directly = any(
            other.callee[:1] == (name,) and len(other.callee) > 1 for other in function.calls
        )
        passed = any(_passes(other, (name,), kind="name") for other in function.calls)
        if used_directly or not passed:
            return False
    return _local_built_here(function, call)


def _local_built_here(function: FunctionFact, call: CallFact) -> bool:
    """The call is a statement of its own (``repo = X(session)``), not an argument."""
    return not any(
        other is not call and _contains(other.span, call.span) for other in function.calls
    )


def _passes(call: CallFact, dotted: tuple[str, ...], kind: str = "call") -> bool:
    values: list[Value] = [*call.args, *(value for _, value in call.keywords)]
    return any(value.kind == kind and value.dotted == dotted for value in values)


def _contains(outer: Span, inner: Span) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (
        inner.end_line,
        inner.end_column,
    ) <= (outer.end_line, outer.end_column)
