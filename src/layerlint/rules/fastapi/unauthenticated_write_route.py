"""LL209 ``unauthenticated-write-route``: a POST/PUT/PATCH/DELETE route without an authentication dependency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from layerlint.facts import Dotted, ParamFact, Value
from layerlint.project import FunctionRef, Project
from layerlint.rules.base import Default as RuleDefault
from layerlint.rules.base import Example, Finding, OptionValue, ProjectRule, RuleOption
from layerlint.rules.fastapi._support import SEED_BACKEND, Route, routes

# HTTP verbs that change state (LL209).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def param_dependency(project: Project, module: str, param: ParamFact) -> tuple[str, Dotted] | None:
    """(module, target) of the dependency a parameter receives, following type aliases.

    ``Depends(f)`` gives ``f``; ``Depends(f(...))`` gives ``('()', 'f')``; a parameter
    annotated with ``CurrentUser = Annotated[User, Depends(get_current_user)]`` gives
    ``get_current_user`` in the module that defines the alias.
    """
    if param.depends is not None:
        return module, param.depends
    if param.annotation is None:
        return None
    assigned = project.assignment_of(module, param.annotation)
    if assigned is None:
        return None
    owner, value = assigned
    if value.kind != "subscript" or value.dotted[-1:] != ("Annotated",):
        return None
    for extra in value.elements[1:]:
        target = depends_target(extra)
        if target is not None:
            return owner.module, target
    return None


def depends_target(value: Value) -> Dotted | None:
    """Target of a ``Depends(x)``/``Security(x)`` Value (``('()', ...)`` for a call)."""
    if value.kind != "call" or value.dotted[-1:] not in (("Depends",), ("Security",)):
        return None
    target = value.elements[0] if value.elements else value.keyword("dependency")
    if target is None:
        return None
    if target.kind == "name":
        return target.dotted
    if target.kind == "call" and target.dotted:
        return ("()", *target.dotted)
    return ("?",)


def listed_dependencies(value: Value | None) -> list[Dotted]:
    """Targets of ``dependencies=[Depends(a), Security(b)]`` (``('?',)`` when unreadable)."""
    if value is None:
        return []
    if value.kind != "list":
        return [("?",)]
    found: list[Dotted] = []
    for element in value.elements:
        target = depends_target(element)
        found.append(target if target is not None else ("?",))
    return found


def _names(*names: str) -> OptionValue:
    """A list option as the configuration file gives it (RuleOption.validate wants a list)."""
    return cast(OptionValue, list(names))


_AUTH_PATTERNS = ("current_user", "require_", "auth", "admin", "superuser")


# Words (prefixes) of a path or handler name that mark an authentication-flow route.
_PUBLIC_WORDS = (
    "login",
    "logout",
    "signin",
    "signout",
    "signup",
    "register",
    "forgot",
    "reset",
    "verif",
    "callback",
    "webhook",
    "oauth",
    "token",
    "ldap",
    "sso",
    "saml",
    "oidc",
    "openid",
    "mfa",
    "otp",
    "totp",
    "2fa",
    "captcha",
)


# The same words written in two parts (``sign_in``, ``/log-out``).
_PUBLIC_COMPOUNDS = ("signin", "signout", "signup", "login", "logout")


class UnauthenticatedWriteRoute(ProjectRule):
    """A POST/PUT/PATCH/DELETE route without an authentication dependency.

    **What it does:** flags write routes none of whose dependencies authenticate: not
    the route's parameters, not its decorator's ``dependencies=[...]``, not the
    ``dependencies`` of its ``APIRouter(...)``, of the ``include_router(...)`` calls that
    mount it or of the app. A dependency authenticates when its name is listed in
    ``auth-dependencies``; by default, when it looks like the project's
    ``get_current_user``-style dependencies (its name contains ``current_user``,
    ``require_``, ``auth``, ``admin`` or ``superuser``), is a ``fastapi.security``
    scheme, or depends on such a dependency itself. Without that option the rule stays
    silent in projects where no route uses such a dependency. Routes that authenticate
    the caller (a path or handler name with login/logout/signin/signup/register, token,
    reset/forgot/verify, OAuth/SSO/LDAP/SAML/OIDC, MFA/OTP, callback, webhook) are
    skipped, and dependencies it cannot read count as authentication.

    **Why is this bad?** A write route that forgot its ``Depends(get_current_user)`` is
    open to anyone who can reach the API.

    **Example:** ``@router.delete("/{item_id}")`` over ``async def delete_item(item_id: int,
    db: AsyncSession = Depends(get_db))``

    **Use instead:** add ``current_user: User = Depends(get_current_user)`` (or
    ``dependencies=[Depends(require_admin)]`` on the route or router).
    """

    code = "LL209"
    name = "unauthenticated-write-route"
    message = "{method} route has no authentication dependency; add `Depends(get_current_user)` or a router-level one"
    seed = f"{SEED_BACKEND}: dependencies chain get_current_user -> require_auth -> require_admin"
    default = RuleDefault.OPT_IN
    options_spec = (
        RuleOption(
            "auth-dependencies",
            (),
            "names of the dependencies that authenticate; empty: detect `get_current_user`-style ones",
        ),
    )
    example_path = "app/routes/items.py"
    _auth = (
        "from fastapi import Depends\n"
        "from fastapi.security import OAuth2PasswordBearer\n"
        "oauth2_scheme = OAuth2PasswordBearer(tokenUrl='/login')\n"
        "def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:\n"
        "    return {}\n"
        "def get_verified_user(user: dict = Depends(get_current_user)) -> dict:\n"
        "    return user\n"
        "def check_key(x_key: str = '') -> str:\n"
        "    return x_key\n"
    )
    valid = (
        Example(
            {
                "app/dependencies/auth.py": _auth,
                "app/routes/items.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.dependencies.auth import get_current_user, get_verified_user, oauth2_scheme\n"
                    "router = APIRouter()\n"
                    "@router.post('/')\n"
                    "def create(user: dict = Depends(get_verified_user)) -> None:\n"
                    "    pass\n"
                    "@router.delete('/{item_id}', dependencies=[Depends(get_current_user)])\n"
                    "def delete(item_id: int) -> None:\n"
                    "    pass\n"
                    "@router.get('/')\n"
                    "def public() -> list:\n"
                    "    return []\n"
                    "@router.post('/login')\n"
                    "def login() -> None:\n"
                    "    pass\n"
                ),
                "app/routes/admin.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.dependencies.auth import get_current_user\n"
                    "router = APIRouter(dependencies=[Depends(get_current_user)])\n"
                    "@router.put('/settings')\n"
                    "def update() -> None:\n"
                    "    pass\n"
                ),
                "app/routes/keys.py": (
                    "from fastapi import APIRouter\n"
                    "router = APIRouter()\n"
                    "@router.patch('/keys')\n"
                    "def rotate() -> None:\n"
                    "    pass\n"
                ),
                "app/main.py": (
                    "from fastapi import Depends, FastAPI\n"
                    "from app.dependencies.auth import check_key\n"
                    "from app.routes import keys\n"
                    "app = FastAPI()\n"
                    "app.include_router(keys.router, dependencies=[Depends(check_key)])\n"
                ),
            },
            options={"auth-dependencies": _names("get_current_user", "check_key")},
        ),
        Example(
            {
                "app/routes/items.py": (
                    "from fastapi import APIRouter\n"
                    "router = APIRouter()\n"
                    "@router.post('/')\n"
                    "def create() -> None:\n"
                    "    pass\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/dependencies/auth.py": _auth,
                "app/routes/items.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.dependencies.auth import check_key, get_current_user\n"
                    "router = APIRouter()\n"
                    "@router.get('/')\n"
                    "def read(user: dict = Depends(get_current_user)) -> list:\n"
                    "    return []\n"
                    "@router.post('/')\n"
                    "def create(key: str = Depends(check_key)) -> None:  # error\n"
                    "    pass\n"
                    "@router.api_route('/{item_id}', methods=['DELETE'])\n"
                    "def delete(item_id: int) -> None:  # error\n"
                    "    pass\n"
                ),
            }
        ),
        Example(
            {
                "app/dependencies/auth.py": _auth,
                "app/routes/items.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.dependencies.auth import check_key\n"
                    "router = APIRouter()\n"
                    "@router.put('/{item_id}')\n"
                    "def update(item_id: int, key: str = Depends(check_key)) -> None:\n"
                    "    pass\n"
                    "@router.patch('/{item_id}')\n"
                    "def patch(item_id: int) -> None:  # error\n"
                    "    pass\n"
                ),
            },
            options={"auth-dependencies": _names("check_key")},
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        option = self.options["auth-dependencies"]
        configured = tuple(option) if isinstance(option, tuple) else ()
        index = _AuthIndex(project, frozenset(configured))
        verdicts = [(route, index.route_authenticated(route)) for route in routes(project)]
        if not configured and not any(ok for _, ok in verdicts):
            return
        for route, ok in verdicts:
            writes = route.methods & WRITE_METHODS
            if ok or not writes or _public_route(route):
                continue
            message = self.message.format(method="/".join(sorted(writes)))
            yield Finding(route.ref.module.path, route.ref.function.span, message)


def _public_route(route: Route) -> bool:
    """Routes whose job is to authenticate the caller (login, register, webhooks...)."""
    text = f"{route.path or ''} {route.ref.function.name}".lower()
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    if any(word.startswith(_PUBLIC_WORDS) for word in words):
        return True
    compact = "".join(ch for ch in text if ch.isalnum())
    return any(compound in compact for compound in _PUBLIC_COMPOUNDS)


class _AuthIndex:
    """Answers "is this dependency (chain) authentication?" for LL209."""

    def __init__(self, project: Project, configured: frozenset[str]) -> None:
        self.project = project
        self.configured = configured
        self._memo: dict[tuple[str, Dotted], bool] = {}
        self._inclusions = self._collect_inclusions()

    def route_authenticated(self, route: Route) -> bool:
        """True when a parameter, the decorator or the router chain authenticates."""
        module = route.ref.module.module
        for param in route.ref.function.params:
            dependency = param_dependency(self.project, module, param)
            if dependency is not None and self.is_auth(*dependency):
                return True
        for target in listed_dependencies(route.keyword("dependencies")):
            if self.is_auth(route.module.module, target):
                return True
        if route.router[:1] in (("self",), ("cls",)):
            return True  # a router built at run time: its dependencies are unknown
        router = self.project.resolve_canonical(route.module.module, route.router)
        if router is None:
            return True
        return self._router_authenticated(router, 0)

    def _router_authenticated(self, router: str, depth: int) -> bool:
        if depth > 6:
            return True
        assigned = self.project.module_assignment(router)
        if assigned is None:
            return True  # not a module-level router: cannot tell
        owner, value = assigned
        for target in listed_dependencies(value.keyword("dependencies")):
            if self.is_auth(owner.module, target):
                return True
        for parent, module, dependencies in self._inclusions.get(router, ()):
            if any(self.is_auth(module, target) for target in dependencies):
                return True
            if parent is not None and self._router_authenticated(parent, depth + 1):
                return True
        return False

    def _collect_inclusions(self) -> dict[str, list[tuple[str | None, str, list[Dotted]]]]:
        """Router -> (parent router, module, dependencies) for each ``include_router``."""
        found: dict[str, list[tuple[str | None, str, list[Dotted]]]] = {}
        for facts in self.project.modules.values():
            calls = [*facts.calls, *(c for fn in facts.functions for c in fn.calls)]
            for call in calls:
                if call.callee[-1] != "include_router" or not call.args:
                    continue
                child = call.args[0]
                if child.kind != "name":
                    continue
                router = self.project.resolve_canonical(facts.module, child.dotted)
                if router is None:
                    continue
                parent = (
                    self.project.resolve_canonical(facts.module, call.callee[:-1])
                    if len(call.callee) > 1 and call.callee[0] not in ("self", "?")
                    else None
                )
                dependencies = listed_dependencies(call.keyword("dependencies"))
                found.setdefault(router, []).append((parent, facts.module, dependencies))
        return found

    def is_auth(self, module: str, target: Dotted, depth: int = 0) -> bool:
        """True when the dependency ``target`` (as written in ``module``) authenticates."""
        if target == ("?",):
            return True
        key = (module, target)
        memo = self._memo.get(key)
        if memo is not None:
            return memo
        self._memo[key] = False  # cycles end here
        result = self._is_auth(module, target, depth)
        self._memo[key] = result
        return result

    def _is_auth(self, module: str, target: Dotted, depth: int) -> bool:
        callee = target[1:] if target[0] == "()" else target
        if not callee:
            return False
        resolved = self.project.resolve_canonical(module, callee)
        names = {callee[-1], ".".join(callee)}
        if resolved is not None:
            names |= {resolved, resolved.rsplit(".", 1)[-1]}
        if self.configured:
            if names & self.configured:
                return True
        else:
            short = {callee[-1].lower(), (resolved or "").rsplit(".", 1)[-1].lower()}
            if any(p in name for name in short for p in _AUTH_PATTERNS):
                return True
        if resolved is None:
            return False
        if resolved.startswith("fastapi.security."):
            return True
        constructor = self.project.factory_of(resolved)
        if constructor is not None and constructor.startswith("fastapi.security."):
            return True
        if depth > 4:
            return False
        return any(
            self._params_authenticate(ref, depth) for ref in self._dependency_functions(resolved)
        )

    def _dependency_functions(self, resolved: str) -> list[FunctionRef]:
        """The function itself, a class's ``__init__``, and a factory's inner functions."""
        found: list[FunctionRef] = []
        ref = self.project.lookup_function(resolved)
        if ref is None:
            ref = self.project.lookup_function(f"{resolved}.__init__")
        if ref is None:
            return found
        found.append(ref)
        for nested in ref.function.nested:
            inner = ref.module.function(f"{ref.function.qualname}.<locals>.{nested}")
            if inner is not None:
                found.append(FunctionRef(ref.module, inner))
        return found

    def _params_authenticate(self, ref: FunctionRef, depth: int) -> bool:
        for param in ref.function.params:
            dependency = param_dependency(self.project, ref.module.module, param)
            if dependency is not None and self.is_auth(*dependency, depth=depth + 1):
                return True
        return False
