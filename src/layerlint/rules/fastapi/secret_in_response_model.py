"""LL208 ``secret-in-response-model``: a response model has a field named like a secret."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import Dotted, Value
from layerlint.project import FunctionRef, Project
from layerlint.rules._common import is_secret_name
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.fastapi._support import (
    SEED_PATTERNS,
    Route,
    response_finding,
    response_type,
    routes,
    type_classes,
)


def model_fields(
    project: Project, qualified: str
) -> dict[str, tuple[str, Value | None, Dotted | None]]:
    """Field name -> (defining class, value, annotation), nearest definition first (MRO-ish)."""
    fields: dict[str, tuple[str, Value | None, Dotted | None]] = {}
    seen: set[str] = set()
    stack = [qualified]
    while stack and len(seen) < 32:
        current = stack.pop(0)
        if current in seen:
            continue
        seen.add(current)
        ref = project.lookup_class(current)
        if ref is None:
            continue
        for field in ref.cls.fields:
            fields.setdefault(field.name, (ref.qualified, field.value, field.annotation))
        stack.extend(project.base_names(ref))
    return fields


_OAUTH_TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "id_token"})


_SECRET_TYPES = frozenset({"SecretStr", "SecretBytes"})


_VALIDATE_METHODS = frozenset(
    {"model_validate", "model_construct", "from_orm", "parse_obj", "construct"}
)


# ``*_token`` fields that are handed to clients by design, not credentials.
_PUBLIC_TOKEN_QUALIFIERS = frozenset(
    {
        "continuation",
        "next",
        "prev",
        "previous",
        "page",
        "next_page",
        "prev_page",
        "previous_page",
        "cursor",
        "resume",
        "sync",
        "pagination",
        "csrf",
    }
)


_REDACTING_WORDS = ("redact", "mask", "hide", "hidden", "obfuscate", "censor")


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _issued_by_design(field: str, model: str, route: Route) -> bool:
    """A token/key the response exists to hand out (``ApiKeyOut.api_key`` from ``POST /api_key``).

    True when the model's name or the route's name/path is about the secret itself:
    it contains the field's last word (``token``, ``key``, ``secret``) or its qualifier
    (``challenge`` of ``challenge_token``). Passwords never qualify.
    """
    words = field.lower().split("_")
    last, qualifier = words[-1], "".join(words[:-1])
    if last == "password" or (words[0] == "hashed"):
        return False
    model_name = _alnum(model.rsplit(".", 1)[-1])
    if last in model_name or (len(qualifier) >= 3 and qualifier in model_name):
        return True
    route_words = {
        word
        for text in (route.ref.function.name, route.path or "")
        for word in "".join(ch if ch.isalnum() else " " for ch in text.lower()).split()
    }
    return last in route_words or _alnum(field) in route_words


def _serialisation_hooks(project: Project, model: str) -> tuple[bool, frozenset[str]]:
    """(has a ``model_serializer``, fields with a ``field_serializer`` or redacting validator)."""
    custom = False
    fields: set[str] = set()
    seen: set[str] = set()
    stack = [model]
    while stack and len(seen) < 32:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        ref = project.lookup_class(current)
        if ref is None:
            continue
        stack.extend(project.base_names(ref))
        for method in ref.cls.methods:
            fn = ref.module.function(f"{ref.cls.name}.{method}")
            if fn is None:
                continue
            for decorator in fn.decorators:
                name = decorator.dotted[-1] if decorator.dotted else ""
                if name == "model_serializer":
                    custom = True
                elif name == "field_serializer" or (
                    name in ("field_validator", "validator")
                    and any(word in method.lower() for word in _REDACTING_WORDS)
                ):
                    fields.update(
                        str(arg.literal) for arg in decorator.elements if arg.kind == "str"
                    )
    return custom, frozenset(fields)


class SecretInResponseModel(ProjectRule):
    """A response model has a field named like a secret.

    **What it does:** looks at the fields (inherited ones included, across files) of
    the response model of each route (``response_model=``, else the return annotation,
    else a schema the route returns) and flags fields named like a secret, with LL701's
    vocabulary (``password``, ``*_password``, ``api_key``, ``secret_key``, ``*_secret``,
    ``*_token``...) plus password hashes (``hashed_password``). Not flagged: fields
    excluded from serialisation (``Field(exclude=True)``, ``response_model_exclude=``),
    typed ``SecretStr``, masked by a ``field_serializer`` or a ``redact_*``/``mask_*``
    validator (or a model with a ``model_serializer``); pagination and CSRF tokens
    (``next_page_token``, ``continuation_token``, ``csrf_token``); and tokens or keys
    the route exists to hand out: an OAuth2 token response (``token_type``), a model or
    route named for the secret (``ApiKeyOut.api_key`` from ``POST /api-keys``,
    ``LoginResponse.access_token`` from ``create_token``). Passwords are always flagged.

    **Why is this bad?** Whatever the response model declares is sent to the client:
    a ``UserInDB`` response leaks password hashes and reset tokens to every caller.

    **Example:** ``@router.get("/me", response_model=UserInDB)`` where ``UserInDB`` has
    ``hashed_password``.

    **Use instead:** a ``UserResponse`` schema without secrets; keep ``UserInDB`` for
    internal use.
    """

    code = "LL208"
    name = "secret-in-response-model"
    message = "response model `{model}` exposes `{field}`; use a response schema without secrets"
    seed = f"{SEED_PATTERNS}: InDB schema is internal with secrets; Response schema for the API"
    example_path = "app/routes/users.py"
    _schemas = (
        "from pydantic import BaseModel, Field, SecretStr\n"
        "class UserBase(BaseModel):\n"
        "    email: str\n"
        "class UserResponse(UserBase):\n"
        "    id: int\n"
        "class UserInDB(UserResponse):\n"
        "    hashed_password: str\n"
        "class Token(BaseModel):\n"
        "    access_token: str\n"
        "    token_type: str = 'bearer'\n"
        "class ApiKeyOut(BaseModel):\n"
        "    api_key: str\n"
        "    reset_token: str = Field(exclude=True)\n"
        "class Settings(BaseModel):\n"
        "    secret_key: SecretStr\n"
        "class Profile(UserResponse):\n"
        "    github_token: str\n"
        "class Page(BaseModel):\n"
        "    items: list[UserResponse]\n"
        "    next_page_token: str | None = None\n"
        "class ConnectionOut(BaseModel):\n"
        "    password: str\n"
        "    @field_serializer('password')\n"
        "    def hide(self, value: str) -> str:\n"
        "        return '***'\n"
    )
    valid = (
        Example(
            {
                "app/schemas/user.py": "from pydantic import field_serializer\n" + _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import ApiKeyOut, ConnectionOut, Page, Settings, Token, UserInDB, UserResponse\n"
                    "router = APIRouter()\n"
                    "@router.post('/api-keys')\n"
                    "async def create_api_key() -> ApiKeyOut:\n"
                    "    return ApiKeyOut(api_key='k', reset_token='t')\n"
                    "@router.get('/users', response_model=Page)\n"
                    "async def users():\n"
                    "    return {}\n"
                    "@router.get('/connections/{name}')\n"
                    "async def connection(name: str) -> ConnectionOut:\n"
                    "    return ConnectionOut(password='x')\n"
                    "@router.get('/me', response_model=UserResponse)\n"
                    "async def me() -> UserInDB:\n"
                    "    return UserInDB(id=1, email='a', hashed_password='x')\n"
                    "@router.post('/login')\n"
                    "async def login() -> Token:\n"
                    "    return Token(access_token='t')\n"
                    "@router.get('/settings')\n"
                    "async def settings() -> Settings:\n"
                    "    return Settings(secret_key='x')\n"
                    "@router.get('/key', response_model=ApiKeyOut, response_model_exclude={'api_key'})\n"
                    "async def key():\n"
                    "    return {}\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/user.py": ("class UserInDB:\n    password: str\n"),
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import UserInDB\n"
                    "router = APIRouter()\n"
                    "@router.get('/me')\n"
                    "async def me() -> UserInDB:\n"
                    "    return UserInDB()\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/schemas/user.py": "from pydantic import field_serializer\n" + _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import Profile, UserInDB\n"
                    "router = APIRouter()\n"
                    "@router.get('/{user_id}', response_model=list[UserInDB])  # error\n"
                    "async def get_user(user_id: int):\n"
                    "    return []\n"
                    "@router.get('/me')\n"
                    "async def me() -> Profile:  # error\n"
                    "    return Profile(id=1, email='e', github_token='t')\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/user.py": "from pydantic import field_serializer\n" + _schemas,
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import UserInDB\n"
                    "router = APIRouter()\n"
                    "@router.get('/raw')\n"
                    "async def raw():\n"
                    "    return UserInDB.model_validate({})  # error\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for route in routes(project):
            if not route.documents_json:
                continue
            excluded = _excluded_fields(route.keyword("response_model_exclude"))
            declared = response_type(project, route)
            if declared is not None:
                for model in type_classes(project, declared.module, declared.value):
                    secret = self._secret_field(project, route, model, excluded)
                    if secret is not None:
                        message = self.message.format(model=model.rsplit(".", 1)[-1], field=secret)
                        yield response_finding(route, declared, message)
                        break
                continue
            if (
                route.keyword("response_model") is not None
                or route.keyword("response_class") is not None
                or route.ref.function.returns is not None
            ):
                continue
            for returned in route.ref.function.returns_values:
                built = _returned_schema(project, route.ref, returned.value)
                if built is None:
                    continue
                secret = self._secret_field(project, route, built, excluded)
                if secret is not None:
                    message = self.message.format(model=built.rsplit(".", 1)[-1], field=secret)
                    yield Finding(route.ref.module.path, returned.span, message)

    @staticmethod
    def _secret_field(
        project: Project, route: Route, model: str, excluded: frozenset[str]
    ) -> str | None:
        if not project.is_pydantic_model(model):
            return None
        fields = model_fields(project, model)
        candidates = [
            name
            for name in fields
            if is_secret_name(name, hashes_count=True) and name not in excluded
        ]
        if not candidates:
            return None
        custom, masked = _serialisation_hooks(project, model)
        if custom:
            return None
        oauth_response = "token_type" in fields
        for name in candidates:
            _, value, annotation = fields[name]
            lowered = name.lower()
            if name in masked or (oauth_response and lowered in _OAUTH_TOKEN_FIELDS):
                continue
            if lowered.endswith("_token") and lowered[: -len("_token")] in _PUBLIC_TOKEN_QUALIFIERS:
                continue
            if annotation is not None and annotation[-1] in _SECRET_TYPES:
                continue
            if value is not None and value.kind == "call" and value.dotted[-1:] == ("Field",):
                exclude = value.keyword("exclude")
                if exclude is not None and exclude.kind == "bool" and exclude.literal is True:
                    continue
            if _issued_by_design(name, model, route):
                continue
            return name
        return None


def _excluded_fields(value: Value | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    if value.kind == "list":
        return frozenset(str(el.literal) for el in value.elements if el.kind == "str")
    if value.kind == "dict":
        return frozenset(key for key, _ in value.keywords)
    return frozenset()


def _returned_schema(project: Project, ref: FunctionRef, value: Value) -> str | None:
    """The Pydantic class a ``return`` builds: ``Model(...)`` or ``Model.model_validate(...)``."""
    if value.kind != "call" or not value.dotted or value.dotted[0] == "?":
        return None
    dotted = value.dotted
    if len(dotted) > 1 and dotted[-1] in _VALIDATE_METHODS:
        dotted = dotted[:-1]
    resolved = project.resolve_local_or_global(ref, dotted)
    if resolved is not None and project.lookup_class(resolved) is not None:
        return resolved
    return None
