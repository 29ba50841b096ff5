"""LL409 ``patch-without-exclude-unset``: ``model_dump()`` of a partial-update schema without ``exclude_unset=True``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.diagnostics import Span
from layerlint.facts import CallFact, Value
from layerlint.project import PYDANTIC_BASES, FunctionRef, Project
from layerlint.rules._common import is_pydantic_class
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.pydantic._support import (
    SEED_V2,
    code_units,
    receiver_type,
    short_name,
)


def field_defaults(project: Project, qualified: str, depth: int = 0) -> list[bool] | None:
    """For each field of the model (inherited ones included): does it have a default?

    None when an ancestor outside the project (other than Pydantic's bases) could add
    fields, so the answer would be incomplete.
    """
    if depth > 8:
        return None
    if qualified in PYDANTIC_BASES:
        return []
    ref = project.lookup_class(qualified)
    if ref is None:
        return None
    found: list[bool] = []
    for base in project.base_names(ref):
        if base in ("typing.Generic", "typing_extensions.Generic", "abc.ABC"):
            continue
        inherited = field_defaults(project, base, depth + 1)
        if inherited is None:
            return None
        found.extend(inherited)
    for field in ref.cls.fields:
        if field.name.startswith("_") or field.name == "model_config":
            continue
        found.append(field.value is not None and _is_default(field.value))
    return found


def is_all_optional(project: Project, qualified: str) -> bool:
    """A partial-update schema in the seeds' sense: every field may be left out."""
    defaults = field_defaults(project, qualified)
    return defaults is not None and bool(defaults) and all(defaults)


def _is_default(value: Value) -> bool:
    """``= None`` / ``= Field(None)`` / ``= Field(default=...)``; ``Field(...)`` is required."""
    if value.kind != "call" or value.dotted[-1:] != ("Field",):
        return True
    default = value.keyword("default")
    if default is not None:
        return default.kind != "other"
    if value.keyword("default_factory") is not None:
        return True
    if value.elements:
        return value.elements[0].kind != "other"  # ``...`` (required) summarises as other
    return False


_PARTIAL_NAME = re.compile(
    r"(Update|Patch)(Request|In|Input|Schema|Body|Payload|Data|DTO|Dto|Params|Form)?$"
)


def is_partial_update_name(name: str) -> bool:
    """``UserUpdate``, ``ItemPatch``, ``UserUpdateIn``: the seed's PATCH schema naming."""
    return _PARTIAL_NAME.search(name) is not None


def contains(outer: Span, inner: Span) -> bool:
    """Whether ``outer`` encloses ``inner`` (and is not the same range)."""
    return (
        (outer.line, outer.column) <= (inner.line, inner.column)
        and (outer.end_line, outer.end_column) >= (inner.end_line, inner.end_column)
        and outer != inner
    )


def _is_patch_route(project: Project, ref: FunctionRef) -> bool:
    decorator = project.route_decorator(ref.module.module, ref.function)
    if decorator is None:
        return False
    if decorator.dotted[-1] == "patch":
        return True
    methods = decorator.keyword("methods")
    return (
        decorator.dotted[-1] == "api_route"
        and methods is not None
        and any(m.kind == "str" and str(m.literal).upper() == "PATCH" for m in methods.elements)
    )


def _body_parameters(project: Project, ref: FunctionRef) -> frozenset[str]:
    """Parameters FastAPI fills from the request body: annotated with a model, no Depends."""
    names = set()
    for param in ref.function.params:
        if param.depends is not None or param.annotation is None:
            continue
        annotation = project.resolve_canonical(ref.module.module, param.annotation)
        if is_pydantic_class(project, annotation):
            names.add(param.name)
    return frozenset(names)


class PatchWithoutExcludeUnset(ProjectRule):
    """``model_dump()`` of a partial-update schema without ``exclude_unset=True``.

    **What it does:** flags ``model_dump()`` calls without an ``exclude_unset`` argument
    on a value whose type is a Pydantic model named ``*Update``/``*Patch`` (also
    ``*UpdateIn``, ``*PatchRequest``...), or on the body parameter of a PATCH route
    (``@router.patch``), when every field of the model has a default (the usual
    "Update: all fields optional" schema): a model with required fields is a replacement, not
    a partial update. Not reported: ``include=`` (an explicit field selection), a
    function that reads ``x.model_fields_set`` itself, a dump inside a ``raise`` (an
    error payload) or inside a Pydantic model constructor (``Model(**x.model_dump())``
    re-validates and stores nothing).

    **Why is this bad?** Without ``exclude_unset=True`` every field the client did not
    send comes back with its default (``None``), and the update overwrites stored
    values with ``None``: "not sent" and "set to null" become the same thing.

    **Example:** ``for key, value in data.model_dump().items(): setattr(user, key, value)``.

    **Use instead:** ``data.model_dump(exclude_unset=True)``.
    """

    code = "LL409"
    skips_migrations = True
    name = "patch-without-exclude-unset"
    message = (
        "`model_dump()` of partial update `{model}` without `exclude_unset=True` "
        "overwrites unsent fields with defaults"
    )
    seed = SEED_V2 + " (model_dump(exclude_unset=True) for PATCH)"
    example_path = "app/services/user_service.py"
    valid = (
        "from pydantic import BaseModel\n\n"
        "class UserUpdate(BaseModel):\n"
        "    name: str | None = None\n"
        "    email: str | None = None\n\n"
        "class UserCreate(BaseModel):\n"
        "    name: str | None = None\n\n"
        "def update(user: object, data: UserUpdate, new: UserCreate) -> dict:\n"
        "    for key, value in data.model_dump(exclude_unset=True).items():\n"
        "        setattr(user, key, value)\n"
        "    return new.model_dump()\n",
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\n"
                    "class StatusUpdate(BaseModel):\n"
                    "    status: str\n"
                    "    reason: str\n"
                ),
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import StatusUpdate\n"
                    "router = APIRouter()\n"
                    "@router.put('/{user_id}')\n"
                    "def replace(user_id: int, body: StatusUpdate) -> dict:\n"
                    "    return body.model_dump()\n"
                    "@router.patch('/{user_id}/status')\n"
                    "def patch(user_id: int, body: StatusUpdate, extra: dict) -> dict:\n"
                    "    return {**body.model_dump(), **extra}\n"
                ),
            }
        ),
        "from pydantic import BaseModel, ValidationError\n\n"
        "class ItemPatch(BaseModel):\n"
        "    name: str | None = None\n"
        "    note: str | None = None\n\n"
        "def apply(item: object, body: ItemPatch, mask: list[str]) -> dict:\n"
        "    ItemPatch(**body.model_dump())\n"
        "    if not mask:\n"
        "        raise ValueError(body.model_dump(mode='json'))\n"
        "    fields = body.model_fields_set\n"
        "    data = body.model_dump(include=fields & set(mask))\n"
        "    return body.model_dump()\n",
    )
    invalid = (
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\n"
                    "class UserBase(BaseModel):\n"
                    "    name: str | None = None\n"
                    "class UserPatch(UserBase):\n"
                    "    email: str | None = None\n"
                    "class Profile(BaseModel):\n"
                    "    bio: str = ''\n"
                ),
                "app/routes/users.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.user import Profile, UserPatch\n"
                    "router = APIRouter()\n"
                    "@router.patch('/{user_id}')\n"
                    "def patch(user_id: int, body: UserPatch) -> dict:\n"
                    "    return body.model_dump(exclude={'email'})  # error\n"
                    "@router.patch('/{user_id}/profile')\n"
                    "def patch_profile(user_id: int, profile: Profile) -> dict:\n"
                    "    return profile.model_dump()  # error\n"
                ),
            }
        ),
        "from pydantic import BaseModel, Field\n\n"
        "class ItemUpdate(BaseModel):\n"
        "    name: str | None = Field(default=None, max_length=50)\n\n"
        "class ItemService:\n"
        "    def update(self, item: object, data: ItemUpdate) -> object:\n"
        "        for key, value in data.model_dump().items():  # error\n"
        "            setattr(item, key, value)\n"
        "        return item\n",
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in code_units(project):
            body_params: frozenset[str] | None = None
            for call in ref.function.calls:
                callee = call.callee
                if len(callee) < 2 or callee[-1] != "model_dump":
                    continue
                if call.keyword("exclude_unset") is not None or call.keyword("include"):
                    continue
                model = receiver_type(project, ref, callee[:-1])
                if model is None or not is_pydantic_class(project, model):
                    continue
                partial = is_partial_update_name(short_name(model))
                if not partial and len(callee) == 2:
                    if body_params is None:
                        body_params = (
                            _body_parameters(project, ref)
                            if _is_patch_route(project, ref)
                            else frozenset()
                        )
                    partial = callee[0] in body_params
                if not partial or not is_all_optional(project, model):
                    continue
                if _unset_fields_handled(project, ref, call):
                    continue
                yield Finding(
                    ref.module.path, call.span, self.message.format(model=short_name(model))
                )


_FIELDS_SET = ("model_fields_set", "__fields_set__")


def _unset_fields_handled(project: Project, ref: FunctionRef, call: CallFact) -> bool:
    """The dump does not feed an update, or the function tracks unset fields itself.

    Silent when the function reads ``x.model_fields_set``, when the dump is built inside
    a ``raise`` (an error payload), or inside the arguments of a Pydantic model
    constructor (``Model(**x.model_dump())`` re-validates, it stores nothing).
    """
    receiver = call.callee[:-1]
    fields_set = {(*receiver, name) for name in _FIELDS_SET}
    fn = ref.function
    named = [v.dotted for _, v in fn.locals if v.kind == "name"]
    for other in fn.calls:
        named.extend(other.callee[:i] for i in range(1, len(other.callee) + 1))
        named.extend(v.dotted for v in other.args if v.kind == "name")
        named.extend(v.dotted for _, v in other.keywords if v.kind == "name")
    if any(tuple(dotted) in fields_set for dotted in named):
        return True
    if any(contains(raised.span, call.span) for raised in fn.raises):
        return True
    for other in fn.calls:
        if other.callee[0] == "?" or not contains(other.span, call.span):
            continue
        target = project.resolve_local_or_global(ref, other.callee)
        if project.lookup_class(target) is not None and is_pydantic_class(project, target):
            return True
    return False
