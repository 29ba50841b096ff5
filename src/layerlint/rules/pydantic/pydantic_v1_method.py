"""LL404 ``pydantic-v1-method``: a Pydantic v1 instance method or attribute on a value known to be a model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import libcst as cst

from layerlint.expressions import dotted_name
from layerlint.facts import Dotted
from layerlint.project import FunctionRef, Project
from layerlint.rules._common import is_pydantic_class
from layerlint.rules.base import Example, Finding, Fix, Fixability, ProjectRule
from layerlint.rules.pydantic._support import (
    ATTRIBUTE_RENAMES,
    METHOD_RENAMES,
    SEED_V2,
    code_units,
    defines_member,
    keywords,
    model_class_named,
    plain_args,
    receiver_type,
    rename,
    short_name,
    v2_receivers,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


def method_fix_applies(method: str, positional: int, keywords: set[str]) -> bool | None:
    """True: a safe fix; False: an unsafe one; None: no v2 spelling for these arguments."""
    plan = METHOD_RENAMES.get(method)
    if plan is None or positional:
        return None
    _, same, unsafe = plan
    if not keywords <= same | unsafe:
        return None
    return not keywords & unsafe


def method_fix(method: str) -> Callable[[cst.CSTNode], Fix | None]:
    """The rewrite of ``value.<method>(...)`` (``dict``/``json``/``copy``) at the call."""

    def make(node: cst.CSTNode) -> Fix | None:
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return None
        if node.func.attr.value != method or not plain_args(node.args):
            return None
        positional = sum(1 for arg in node.args if arg.keyword is None)
        safe = method_fix_applies(method, positional, keywords(node.args))
        if safe is None:
            return None
        fix = rename(node.func.attr, METHOD_RENAMES[method][0])
        return fix if safe else Fix(fix.replacements, safe=False)

    return make


def _attribute_in(expression: cst.BaseExpression, chain: tuple[str, ...]) -> cst.Attribute | None:
    """The ``a.b.__fields__`` node spelling ``chain`` inside an attribute chain."""
    current = expression
    while isinstance(current, cst.Attribute | cst.Call | cst.Subscript):
        if isinstance(current, cst.Attribute):
            if dotted_name(current) == chain:
                return current
            current = current.value
        else:
            current = current.func if isinstance(current, cst.Call) else current.value
    return None


def attribute_fix(chain: tuple[str, ...]) -> Callable[[cst.CSTNode], Fix | None]:
    """``Model.__fields__`` -> ``Model.model_fields`` where a call or ``return`` reads it.

    v2's deprecated ``__fields__``/``__fields_set__`` return exactly these attributes.
    """

    def make(node: cst.CSTNode) -> Fix | None:
        if isinstance(node, cst.Call):
            places = [node.func, *(arg.value for arg in node.args)]
        elif isinstance(node, cst.Return) and node.value is not None:
            places = [node.value]
        else:
            return None
        for place in places:
            found = _attribute_in(place, chain)
            if found is not None:
                return rename(found.attr, ATTRIBUTE_RENAMES[chain[-1]])
        return None

    return make


_V1_METHODS: Mapping[str, str] = {
    "dict": "model_dump()",
    "json": "model_dump_json()",
    "copy": "model_copy()",
}


_V1_ATTRIBUTES: Mapping[str, str] = {
    "__fields__": "model_fields",
    "__fields_set__": "model_fields_set",
}


class PydanticV1Method(ProjectRule):
    """A Pydantic v1 instance method or attribute on a value known to be a model.

    **What it does:** flags ``.dict()``, ``.json()`` and ``.copy()`` calls, and reads of
    ``.__fields__``/``.__fields_set__`` that feed a call or a ``return``, when the
    receiver's type is known to be a Pydantic model: a parameter or variable
    annotation, a constructor call, the return annotation of a called function or
    method (across files, through inheritance). Values of unknown type, values whose
    name is rebound to different things in the function, and classes that define the
    method themselves are never reported, so ``response.json()`` on an httpx response
    or ``.copy()`` on a dict stays silent.

    **Why is this bad?** These are deprecated v1 names in Pydantic v2: they warn on each
    call, and ``.dict()``/``.json()`` lack v2 options such as ``mode="json"``.

    **Example:** ``data = user_in.dict()`` where ``user_in: UserCreate``.

    **Use instead:** ``user_in.model_dump()`` (``model_dump_json()``, ``model_copy()``,
    ``model_fields``, ``model_fields_set``).

    **Fix:** renames the method or attribute, except with arguments v2 lacks
    (``skip_defaults``, ``encoder``, ``models_as_dict``, ``json.dumps`` options) or
    changed (``copy(include=/exclude=)``); ``json(indent=)`` is an unsafe fix.
    """

    code = "LL404"
    skips_migrations = True
    name = "pydantic-v1-method"
    message = "`.{method}` is Pydantic v1 API on `{model}`; use `.{replacement}`"
    seed = SEED_V2 + " (model_dump() instead of .dict())"
    fixable = Fixability.PARTIAL
    unsafe_fixes = True
    example_path = "app/services/user_service.py"
    valid = (
        "import httpx\n"
        "import requests\n\n"
        "async def fetch(client: httpx.AsyncClient) -> dict:\n"
        "    response = await client.get('/users')\n"
        "    return response.json()\n\n"
        "def fetch_sync() -> dict:\n"
        "    return requests.get('https://example.com').json()\n",
        "from pydantic import BaseModel\n\n"
        "class UserCreate(BaseModel):\n"
        "    name: str\n\n"
        "def merge(defaults: dict, payload: UserCreate, other) -> dict:\n"
        "    result = defaults.copy()\n"
        "    result.update(payload.model_dump())\n"
        "    other.dict()\n"
        "    return result\n",
        "from pydantic import BaseModel\n\n"
        "class Config(BaseModel):\n"
        "    name: str\n\n"
        "    def dict(self, **kwargs: object) -> dict:\n"
        "        return {'name': self.name}\n\n"
        "def dump(config: Config) -> dict:\n"
        "    return config.dict()\n",
    )
    invalid = (
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\n"
                    "class UserBase(BaseModel):\n"
                    "    name: str\n"
                    "class UserCreate(UserBase):\n"
                    "    password: str\n"
                ),
                "app/services/user_service.py": (
                    "from app.schemas.user import UserCreate\n"
                    "def build(name: str) -> UserCreate:\n"
                    "    return UserCreate(name=name, password='x')\n"
                    "def create(payload: UserCreate) -> dict:\n"
                    "    data = payload.dict(exclude={'password'})  # error\n"
                    "    copy = payload.copy()  # error\n"
                    "    made = build('a')\n"
                    "    return {'json': made.json(), **data}  # error\n"
                ),
            }
        ),
        "from pydantic import BaseModel\n\n"
        "class Item(BaseModel):\n"
        "    name: str\n\n"
        "def fields(name: str) -> list:\n"
        "    item = Item(name=name)\n"
        "    print(len(item.__fields_set__))  # error\n"
        "    return list(Item.__fields__.keys())  # error\n",
        Example(
            {
                "app/services/user_service.py": (
                    "from pydantic import BaseModel\n\n"
                    "class Item(BaseModel):\n"
                    "    name: str\n\n"
                    "def dump(item: Item) -> tuple:\n"
                    "    data = item.dict(  # error\n"
                    "        exclude_none=True,  # drop empty values\n"
                    "        by_alias = True,\n"
                    "    )\n"
                    "    text = item.json(encoder=str)  # error\n"
                    "    clone = item .copy(update={'name': 'x'})  # error\n"
                    "    part = item.copy(include={'name'})  # error\n"
                    "    return data, text, clone, part\n"
                )
            },
            fixed={
                "app/services/user_service.py": (
                    "from pydantic import BaseModel\n\n"
                    "class Item(BaseModel):\n"
                    "    name: str\n\n"
                    "def dump(item: Item) -> tuple:\n"
                    "    data = item.model_dump(  # error\n"
                    "        exclude_none=True,  # drop empty values\n"
                    "        by_alias = True,\n"
                    "    )\n"
                    "    text = item.json(encoder=str)  # error\n"
                    "    clone = item .model_copy(update={'name': 'x'})  # error\n"
                    "    part = item.copy(include={'name'})  # error\n"
                    "    return data, text, clone, part\n"
                )
            },
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in code_units(project):
            seen: set[tuple[int, int, str]] = set()
            for finding in self._in_function(project, ref):
                key = (finding.span.line, finding.span.column, finding.message)
                if key not in seen:
                    seen.add(key)
                    yield finding

    def _in_function(self, project: Project, ref: FunctionRef) -> Iterator[Finding]:
        path = ref.module.path
        compat = v2_receivers(ref)
        for call in ref.function.calls:
            callee = call.callee
            if (
                len(callee) >= 2
                and callee[-1] in _V1_METHODS
                and callee[0] not in ("?", "cls")
                and callee[:-1] not in compat
            ):
                model = receiver_type(project, ref, callee[:-1])
                if (
                    model is not None
                    and is_pydantic_class(project, model)
                    and not defines_member(project, model, callee[-1])
                ):
                    message = self.message.format(
                        method=callee[-1] + "()",
                        model=short_name(model),
                        replacement=_V1_METHODS[callee[-1]],
                    )
                    keywords = {name for name, _ in call.keywords}
                    if method_fix_applies(callee[-1], len(call.args), keywords) is None:
                        yield Finding(path, call.span, message)
                    else:
                        yield Finding(path, call.span, message, method_fix(callee[-1]), cst.Call)
            dotted_values = [callee[:-1]] + [
                v.dotted for v in (*call.args, *(v for _, v in call.keywords)) if v.kind == "name"
            ]
            for dotted in dotted_values:
                read = self._attribute_read(project, ref, dotted)
                if read is not None:
                    message, chain = read
                    yield Finding(path, call.span, message, attribute_fix(chain), cst.Call)
        for returned in ref.function.returns_values:
            if returned.value.kind == "name":
                read = self._attribute_read(project, ref, returned.value.dotted)
                if read is not None:
                    message, chain = read
                    yield Finding(path, returned.span, message, attribute_fix(chain), cst.Return)

    def _attribute_read(
        self, project: Project, ref: FunctionRef, dotted: Dotted
    ) -> tuple[str, Dotted] | None:
        """The message for a v1 attribute read in ``dotted``, and the chain ending in it."""
        for index in range(1, len(dotted)):
            attribute = dotted[index]
            if attribute not in _V1_ATTRIBUTES:
                continue
            prefix = dotted[:index]
            model = model_class_named(project, ref, prefix) or receiver_type(project, ref, prefix)
            if model is None or not is_pydantic_class(project, model):
                return None
            if defines_member(project, model, attribute):
                return None
            message = self.message.format(
                method=attribute, model=short_name(model), replacement=_V1_ATTRIBUTES[attribute]
            )
            return message, dotted[: index + 1]
        return None
