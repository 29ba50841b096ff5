"""LL4xx: Pydantic v2 rules (v1 leftovers, partial updates, ORM conversion, style).

The v1-API rules only fire when the receiver is *known* to be a Pydantic model: through
the file's imports (file rules) or through inheritance and type inference across the
project (project rules). ``.json()`` on an HTTP response or ``.copy()`` on a dict have
no Pydantic type, so they are never reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from layerlint.diagnostics import Span
from layerlint.expressions import dotted_name
from layerlint.facts import CallFact, Dotted, Value
from layerlint.project import FunctionRef, Project
from layerlint.rules.base import (
    Default,
    Example,
    FileRule,
    Finding,
    Fixability,
    OptionValue,
    ProjectRule,
    RuleOption,
)
from layerlint.rules.pydantic_fixes import (
    ValidatorContext,
    attribute_fix,
    basesettings_attribute_fix,
    basesettings_import_fix,
    classmethod_applies,
    classmethod_fix,
    config_class_fix,
    field_argument_fix,
    method_fix,
    method_fix_applies,
    orm_mode_key_fix,
    orm_mode_keyword_fix,
    orm_mode_target_fix,
    validator_fix,
)
from layerlint.rules.pydantic_support import (
    CONFIG_DICTS,
    SETTINGS_BASES,
    CompatGuard,
    ModelClassifier,
    Verdict,
    assignments,
    code_units,
    contains,
    defines_member,
    from_attributes,
    is_all_optional,
    is_model,
    is_model_class,
    is_partial_update_name,
    nested_config_classes,
    receiver_type,
    short_name,
    v2_receivers,
    value_type,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from layerlint.collect import FileRuleContext

_SEED_V2 = "ai1-skills: Key Pydantic v2 patterns"


class PydanticConfigClass(FileRule):
    """A nested ``class Config:`` in a Pydantic model.

    **What it does:** flags ``class Config:`` directly inside a class whose base is a
    Pydantic model (``BaseModel``, ``BaseSettings``, ``RootModel``, ``SQLModel``, or a
    model defined earlier in the same file). When the base is defined in another module,
    the ``Config`` is reported only if it sets a key that only Pydantic reads
    (``orm_mode``, ``json_encoders``, ``arbitrary_types_allowed``...). Classes based on
    ``pydantic.v1`` are left to LL408.

    **Why is this bad?** Class-based config is the Pydantic v1 API; v2 only keeps it as a
    deprecated shim, with renamed keys that it silently ignores or rejects.

    **Example:** ``class UserResponse(BaseModel):`` with ``class Config: orm_mode = True``.

    **Use instead:** ``model_config = ConfigDict(from_attributes=True)``.

    **Fix:** rewrites it as ``model_config = ConfigDict(...)`` (``SettingsConfigDict`` in a
    settings class) with the v2 key names (``orm_mode`` -> ``from_attributes``,
    ``allow_population_by_field_name`` -> ``populate_by_name``, ``Extra.forbid`` ->
    ``"forbid"``...), comments kept. A ``Config`` with methods, or with a key v2 has no
    equivalent for (``fields``, ``getter_dict``, ``json_loads``...), is left to you.
    """

    code = "LL401"
    name = "pydantic-config-class"
    message = "`class Config:` is Pydantic v1 style; use `model_config = ConfigDict(...)`"
    seed = _SEED_V2 + " (ConfigDict instead of class Config)"
    fixable = Fixability.PARTIAL
    example_path = "app/schemas/user.py"
    valid = (
        "from pydantic import BaseModel, ConfigDict\n\n"
        "class UserResponse(BaseModel):\n"
        "    model_config = ConfigDict(from_attributes=True)\n"
        "    id: int\n",
        "from app.db import Base\n\n"
        "class Settings:\n"
        "    class Config:\n"
        "        debug = True\n\n"
        "class User(Base):\n"
        "    class Config:\n"
        "        extra = 'forbid'\n",
        "from pydantic.v1 import BaseModel\n\n"
        "class Legacy(BaseModel):\n"
        "    class Config:\n"
        "        orm_mode = True\n",
        "from pydantic import BaseModel\n\nclass Config(BaseModel):\n    sections: list[str]\n",
    )
    invalid = (
        "from pydantic import BaseModel\n\n"
        "class UserResponse(BaseModel):\n"
        "    id: int\n\n"
        "    class Config:  # error\n"
        "        orm_mode = True  # error: LL402\n\n"
        "class AdminResponse(UserResponse):\n"
        "    class Config:  # error\n"
        "        extra = 'forbid'\n",
        "import sqlmodel\n"
        "from app.schemas.base import Schema\n\n"
        "class Hero(sqlmodel.SQLModel, table=True):\n"
        "    id: int\n"
        "    class Config:  # error\n"
        "        arbitrary_types_allowed = True\n\n"
        "class Item(Schema):\n"
        "    class Config:  # error\n"
        "        json_encoders = {}\n",
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, Extra\n\n\n"
                    "class UserResponse(BaseModel):\n"
                    "    id: int\n\n"
                    "    # v1 config, converted by --fix\n"
                    "    class Config:  # error\n"
                    "        orm_mode = True  # error: LL402\n"
                    "        # reject unknown keys\n"
                    "        extra = Extra.forbid\n"
                    "        schema_extra = {\n"
                    "            'example': {'id': 1},  # shown in the docs\n"
                    "        }\n"
                    "        smart_union = True\n\n\n"
                    "class Legacy(BaseModel):\n"
                    "    class Config:  # error\n"
                    "        fields = {'id': 'ID'}\n"
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import ConfigDict, BaseModel\n\n\n"
                    "class UserResponse(BaseModel):\n"
                    "    id: int\n\n"
                    "    # v1 config, converted by --fix\n"
                    "    model_config = ConfigDict(  # error\n"
                    "        from_attributes=True,  # error: LL402\n"
                    "        # reject unknown keys\n"
                    "        extra='forbid',\n"
                    "        json_schema_extra={\n"
                    "            'example': {'id': 1},  # shown in the docs\n"
                    "        },\n"
                    "    )\n\n\n"
                    "class Legacy(BaseModel):\n"
                    "    class Config:  # error\n"
                    "        fields = {'id': 'ID'}\n"
                )
            },
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._models = ModelClassifier()
        self._settings: set[str] = set()
        self._indent = "    "

    def visit_Module(self, node: cst.Module, ctx: FileRuleContext) -> None:
        self._models.reset()
        self._settings.clear()
        self._indent = node.default_indent

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileRuleContext) -> None:
        verdict = self._models.classify(node, ctx)
        if verdict is Verdict.NO:
            return
        settings = self._is_settings(node, ctx)
        for config in nested_config_classes(node):
            if is_model_class(verdict, config):
                self._models.confirm(node)
                fix = config_class_fix(node, config, ctx.qualified_name, settings, self._indent)
                ctx.report(config.name, fix=fix)

    def _is_settings(self, node: cst.ClassDef, ctx: FileRuleContext) -> bool:
        """A BaseSettings subclass (directly or via this file): its config is a
        ``SettingsConfigDict``."""
        for arg in node.bases:
            dotted = dotted_name(arg.value)
            if arg.keyword is not None or dotted is None:
                continue
            if ctx.qualified_name(arg.value) in SETTINGS_BASES or (
                len(dotted) == 1 and dotted[0] in self._settings
            ):
                self._settings.add(node.name.value)
                return True
        return False


class OrmMode(FileRule):
    """``orm_mode`` in a model's config.

    **What it does:** flags ``orm_mode`` set in a nested ``class Config``, in a
    ``ConfigDict(...)``/``SettingsConfigDict(...)`` call, in a ``model_config = {...}``
    dict, or as a class keyword of a Pydantic model.

    **Why is this bad?** Pydantic v2 renamed ``orm_mode`` to ``from_attributes``; the old
    key only works through the deprecated v1 config shim, and ``ConfigDict(orm_mode=True)``
    is not a v2 key at all.

    **Example:** ``model_config = ConfigDict(orm_mode=True)``.

    **Use instead:** ``model_config = ConfigDict(from_attributes=True)``.

    **Fix:** renames the key to ``from_attributes`` (unless both are already set).
    """

    code = "LL402"
    name = "orm-mode"
    message = "`orm_mode` was renamed in Pydantic v2; use `from_attributes=True`"
    seed = _SEED_V2 + " (from_attributes instead of orm_mode)"
    fixable = Fixability.SAFE
    example_path = "app/schemas/user.py"
    valid = (
        "from pydantic import BaseModel, ConfigDict\n\n"
        "class UserResponse(BaseModel):\n"
        "    model_config = ConfigDict(from_attributes=True)\n",
        "from app.config import ConfigDict\n\n"
        "settings = ConfigDict(orm_mode=True)\n\n"
        "class Options:\n"
        "    orm_mode = True\n",
        "from pydantic.v1 import BaseModel\n\n"
        "class Legacy(BaseModel):\n"
        "    class Config:\n"
        "        orm_mode = True\n",
    )
    invalid = (
        "from pydantic import BaseModel, ConfigDict\n\n"
        "class UserResponse(BaseModel):\n"
        "    model_config = ConfigDict(\n"
        "        orm_mode=True,  # error\n"
        "    )\n\n"
        "class ItemResponse(BaseModel):\n"
        "    model_config = {'orm_mode': True}  # error\n",
        "import pydantic\n"
        "from app.schemas.base import Schema\n\n"
        "class UserResponse(pydantic.BaseModel, orm_mode=True):  # error\n"
        "    id: int\n\n"
        "class ItemResponse(Schema):\n"
        "    class Config:  # error: LL401\n"
        "        orm_mode = True  # error\n",
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n\n"
                    "class UserResponse(BaseModel):\n"
                    "    model_config = ConfigDict(\n"
                    "        str_strip_whitespace = True,\n"
                    "        orm_mode = True,  # error\n"
                    "    )\n\n"
                    "class ItemResponse(BaseModel):\n"
                    '    model_config = {"title": "Item", \'orm_mode\': True}  # error\n'
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n\n"
                    "class UserResponse(BaseModel):\n"
                    "    model_config = ConfigDict(\n"
                    "        str_strip_whitespace = True,\n"
                    "        from_attributes = True,  # error\n"
                    "    )\n\n"
                    "class ItemResponse(BaseModel):\n"
                    '    model_config = {"title": "Item", \'from_attributes\': True}  # error\n'
                )
            },
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._models = ModelClassifier()

    def visit_Module(self, node: cst.Module, ctx: FileRuleContext) -> None:
        self._models.reset()

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileRuleContext) -> None:
        verdict = self._models.classify(node, ctx)
        if verdict is Verdict.NO:
            return
        if verdict is Verdict.YES:
            for arg in node.keywords:
                if arg.keyword is not None and arg.keyword.value == "orm_mode":
                    ctx.report(arg, fix=orm_mode_keyword_fix(arg, node.keywords))
        for target, value in assignments(node):
            if target.value == "model_config" and isinstance(value, cst.Dict):
                for element in value.elements:
                    if (
                        isinstance(element, cst.DictElement)
                        and isinstance(element.key, cst.SimpleString)
                        and element.key.evaluated_value == "orm_mode"
                    ):
                        ctx.report(element, fix=orm_mode_key_fix(element, value.elements))
        for config in nested_config_classes(node):
            for target, _ in assignments(config):
                if target.value == "orm_mode":
                    self._models.confirm(node)
                    ctx.report(target, fix=orm_mode_target_fix(target, config))

    def visit_Call(self, node: cst.Call, ctx: FileRuleContext) -> None:
        func = node.func
        name = (
            func.value
            if isinstance(func, cst.Name)
            else func.attr.value
            if isinstance(func, cst.Attribute)
            else ""
        )
        if name not in ("ConfigDict", "SettingsConfigDict"):
            return
        found = [a for a in node.args if a.keyword is not None and a.keyword.value == "orm_mode"]
        if found and ctx.qualified_name(func) in CONFIG_DICTS:
            for arg in found:
                ctx.report(arg, fix=orm_mode_keyword_fix(arg, node.args))


_V1_CLASSMETHODS: Mapping[str, str] = {
    "from_orm": "model_validate",
    "parse_obj": "model_validate",
    "parse_raw": "model_validate_json",
    "parse_file": "model_validate_json(path.read_text())",
    "construct": "model_construct",
    "schema": "model_json_schema",
    "schema_json": "json.dumps(Model.model_json_schema())",
    "update_forward_refs": "model_rebuild",
    "validate": "model_validate",
}


def _model_class_named(project: Project, ref: FunctionRef, receiver: Dotted) -> str | None:
    """The Pydantic model class a receiver names: ``User``, ``schemas.User``, ``cls``."""
    fn = ref.function
    if receiver == ("cls",):
        if fn.class_name is None or not fn.params or fn.params[0].name != "cls":
            return None
        qualified: str | None = f"{ref.module.module}.{fn.class_name}"
    else:
        qualified = project.resolve_local_or_global(ref, receiver)
    if qualified is None or project.lookup_class(qualified) is None:
        return None
    return qualified if is_model(project, qualified) else None


class PydanticV1Classmethod(ProjectRule):
    """A Pydantic v1 classmethod called on a model class.

    **What it does:** flags ``Model.from_orm()``, ``parse_obj()``, ``parse_raw()``,
    ``parse_file()``, ``construct()``, ``schema()``, ``schema_json()``,
    ``update_forward_refs()`` and ``validate()`` where ``Model`` resolves (through
    imports and inheritance, across files) to a Pydantic model, including ``cls.x()``
    inside a model's classmethod. A class that defines the method itself is not
    reported.

    **Why is this bad?** These are deprecated v1 names: they warn on every call and
    disappear in the next major version; some (``from_orm``) also need v1 config.

    **Example:** ``UserResponse.from_orm(user)``.

    **Use instead:** ``UserResponse.model_validate(user)`` (``model_validate_json``,
    ``model_construct``, ``model_json_schema``, ``model_rebuild``).

    **Fix:** renames the call when its arguments mean the same in v2. ``from_orm`` on a
    model whose config lacks ``from_attributes`` becomes ``model_validate(obj,
    from_attributes=True)``, an unsafe fix (v2's ``from_orm`` raised there).
    ``parse_file``, ``schema_json`` and v1-only arguments (``parse_raw(...,
    content_type=)``) are left to you.
    """

    code = "LL403"
    name = "pydantic-v1-classmethod"
    message = "`{model}.{method}()` is Pydantic v1 API; use `{model}.{replacement}()`"
    seed = _SEED_V2 + " (model_validate() instead of from_orm())"
    fixable = Fixability.PARTIAL
    valid = (
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\nclass UserResponse(BaseModel):\n    id: int\n"
                ),
                "app/routes/users.py": (
                    "from app.schemas.user import UserResponse\n"
                    "def show(user: object) -> UserResponse:\n"
                    "    return UserResponse.model_validate(user)\n"
                ),
            }
        ),
        "from marshmallow import Schema\n\n"
        "class UserSchema(Schema):\n"
        "    pass\n\n"
        "def load(data: dict) -> object:\n"
        "    return UserSchema.validate(data)\n",
        "from pydantic import BaseModel\n\n"
        "class Token(BaseModel):\n"
        "    value: str\n\n"
        "    @classmethod\n"
        "    def parse_obj(cls, raw: object) -> 'Token':\n"
        "        return cls(value=str(raw))\n\n"
        "def load(raw: object) -> Token:\n"
        "    return Token.parse_obj(raw)\n",
    )
    invalid = (
        Example(
            {
                "app/schemas/base.py": (
                    "from pydantic import BaseModel\nclass Schema(BaseModel):\n    pass\n"
                ),
                "app/schemas/user.py": (
                    "from app.schemas.base import Schema\n"
                    "class UserResponse(Schema):\n"
                    "    id: int\n"
                ),
                "app/routes/users.py": (
                    "from app.schemas import user as schemas\n"
                    "def show(user: object) -> object:\n"
                    "    return schemas.UserResponse.from_orm(user)  # error\n"
                ),
            }
        ),
        "from pydantic import BaseModel\n\n"
        "class Node(BaseModel):\n"
        "    children: list['Node'] = []\n\n"
        "    @classmethod\n"
        "    def load(cls, raw: str) -> 'Node':\n"
        "        return cls.parse_raw(raw)  # error\n\n"
        "Node.update_forward_refs()  # error\n",
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n\n"
                    "class User(BaseModel):\n"
                    "    model_config = ConfigDict(from_attributes=True)\n"
                    "    id: int\n\n"
                    "def load(raw: str, row: object, data: dict) -> list:\n"
                    "    return [\n"
                    "        User.parse_raw(  # error\n"
                    "            raw,  # the request body\n"
                    "        ),\n"
                    "        User.from_orm(row),  # error\n"
                    "        User . parse_obj(data),  # error\n"
                    "        User.parse_file('user.json'),  # error\n"
                    "        User.schema(by_alias = False),  # error\n"
                    "    ]\n"
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n\n"
                    "class User(BaseModel):\n"
                    "    model_config = ConfigDict(from_attributes=True)\n"
                    "    id: int\n\n"
                    "def load(raw: str, row: object, data: dict) -> list:\n"
                    "    return [\n"
                    "        User.model_validate_json(  # error\n"
                    "            raw,  # the request body\n"
                    "        ),\n"
                    "        User.model_validate(row),  # error\n"
                    "        User . model_validate(data),  # error\n"
                    "        User.parse_file('user.json'),  # error\n"
                    "        User.model_json_schema(by_alias = False),  # error\n"
                    "    ]\n"
                )
            },
        ),
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\n\n"
                    "class User(BaseModel):\n"
                    "    id: int\n\n"
                    "def load(row: object) -> User:\n"
                    "    return User.from_orm(  # error\n"
                    "        row,\n"
                    "    )\n"
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\n\n"
                    "class User(BaseModel):\n"
                    "    id: int\n\n"
                    "def load(row: object) -> User:\n"
                    "    return User.model_validate(  # error\n"
                    "        row,\n"
                    "        from_attributes=True,\n"
                    "    )\n"
                )
            },
            unsafe=True,
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in code_units(project):
            compat = v2_receivers(ref)
            for call in ref.function.calls:
                callee = call.callee
                if len(callee) < 2 or callee[-1] not in _V1_CLASSMETHODS or callee[0] == "?":
                    continue
                if callee[:-1] in compat:
                    continue
                model = _model_class_named(project, ref, callee[:-1])
                if model is None or defines_member(project, model, callee[-1]):
                    continue
                message = self.message.format(
                    model=".".join(callee[:-1]),
                    method=callee[-1],
                    replacement=_V1_CLASSMETHODS[callee[-1]],
                )
                method = callee[-1]
                keywords = {name for name, _ in call.keywords}
                if not classmethod_applies(method, len(call.args), keywords):
                    yield Finding(ref.module.path, call.span, message)
                    continue
                orm = method == "from_orm" and from_attributes(project, model) is True
                fix = classmethod_fix(method, from_attributes=orm)
                yield Finding(ref.module.path, call.span, message, fix, cst.Call)


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
    name = "pydantic-v1-method"
    message = "`.{method}` is Pydantic v1 API on `{model}`; use `.{replacement}`"
    seed = _SEED_V2 + " (model_dump() instead of .dict())"
    fixable = Fixability.PARTIAL
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
                    and is_model(project, model)
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
            model = _model_class_named(project, ref, prefix) or receiver_type(project, ref, prefix)
            if model is None or not is_model(project, model):
                return None
            if defines_member(project, model, attribute):
                return None
            message = self.message.format(
                method=attribute, model=short_name(model), replacement=_V1_ATTRIBUTES[attribute]
            )
            return message, dotted[: index + 1]
        return None


_V2_VALIDATORS = frozenset(
    {
        "pydantic.field_validator",
        "pydantic.model_validator",
        "pydantic.functional_validators.field_validator",
        "pydantic.functional_validators.model_validator",
    }
)
_VALIDATORS: Mapping[str, str] = {
    "pydantic.validator": "field_validator",
    "pydantic.root_validator": "model_validator",
    "pydantic.class_validators.validator": "field_validator",
    "pydantic.class_validators.root_validator": "model_validator",
    "pydantic.deprecated.class_validators.validator": "field_validator",
    "pydantic.deprecated.class_validators.root_validator": "model_validator",
}


class PydanticV1Validator(FileRule):
    """``@validator`` / ``@root_validator`` from Pydantic.

    **What it does:** flags decorators that resolve, through the file's imports, to
    Pydantic's v1 ``validator`` or ``root_validator`` (``pydantic.validator``,
    ``pydantic.class_validators.validator``...). A project's own ``validator`` helper
    and ``pydantic.v1`` imports (LL408) are not reported.

    **Why is this bad?** They are deprecated in v2, have different signatures
    (``values`` instead of ``ValidationInfo``, ``pre=`` instead of ``mode=``) and, per
    the backend-fastapi-python seed, "will break silently or raise deprecation
    warnings".

    **Example:** ``@validator("email")`` on a ``UserCreate`` method.

    **Use instead:** ``@field_validator("email")`` / ``@model_validator(mode="before")``,
    stacked on ``@classmethod``.

    **Fix:** ``@field_validator(..., mode="before")`` for ``pre=True`` (``allow_reuse``
    dropped) with ``@classmethod`` added. Unsafe: ``always=True`` (v2 wants
    ``Field(validate_default=True)``), a ``values`` parameter (becomes ``info:
    ValidationInfo`` read as ``info.data``) and ``@root_validator(pre=True)`` (v2 passes
    the raw input, not always a dict). No fix for ``each_item=True``, ``field``/``config``
    parameters, post root validators (v2 gives them ``self``) or an aliased import.
    """

    code = "LL405"
    name = "pydantic-v1-validator"
    message = "`@{decorator}` is Pydantic v1 API; use `@{replacement}` with `@classmethod`"
    seed = (
        "backend-fastapi-python: model_validator not validator; fastapi-production: field_validator"
    )
    fixable = Fixability.PARTIAL
    example_path = "app/schemas/user.py"
    valid = (
        "from pydantic import BaseModel, field_validator\n\n"
        "class UserCreate(BaseModel):\n"
        "    email: str\n\n"
        "    @field_validator('email')\n"
        "    @classmethod\n"
        "    def lower(cls, value: str) -> str:\n"
        "        return value.lower()\n",
        "from app.validation import validator\n"
        "from pydantic.v1 import root_validator\n\n"
        "@validator('email')\n"
        "def check(value: str) -> str:\n"
        "    return value\n\n"
        "class Legacy:\n"
        "    @root_validator(pre=True)\n"
        "    def fill(cls, values: dict) -> dict:\n"
        "        return values\n",
    )
    invalid = (
        "from pydantic import BaseModel, root_validator, validator\n\n"
        "class UserCreate(BaseModel):\n"
        "    email: str\n\n"
        "    @validator('email')  # error\n"
        "    def lower(cls, value: str) -> str:\n"
        "        return value.lower()\n\n"
        "    @root_validator  # error\n"
        "    def check(cls, values: dict) -> dict:\n"
        "        return values\n",
        "import pydantic\n"
        "from pydantic.class_validators import validator as check\n\n"
        "class Item(pydantic.BaseModel):\n"
        "    name: str\n\n"
        "    @pydantic.validator('name', pre=True)  # error\n"
        "    def strip(cls, value: str) -> str:\n"
        "        return value.strip()\n\n"
        "    @check('name')  # error\n"
        "    def upper(cls, value: str) -> str:\n"
        "        return value\n",
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, root_validator, validator\n\n\n"
                    "class Signup(BaseModel):\n"
                    "    email: str\n\n"
                    "    @validator(  # error\n"
                    "        'email',\n"
                    "        pre=True,  # strip before the checks\n"
                    "        allow_reuse=True,\n"
                    "    )\n"
                    "    def normalise(cls, value: str) -> str:\n"
                    "        return value.strip().lower()\n\n"
                    "    @root_validator(pre=True)  # error\n"
                    "    @classmethod\n"
                    "    def fill(cls, data: dict) -> dict:\n"
                    "        return data\n\n"
                    "    @root_validator(skip_on_failure=True)  # error\n"
                    "    def check(cls, values: dict) -> dict:\n"
                    "        return values\n"
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import field_validator, BaseModel, root_validator\n\n\n"
                    "class Signup(BaseModel):\n"
                    "    email: str\n\n"
                    "    @field_validator(  # error\n"
                    "        'email',\n"
                    "        mode='before',  # strip before the checks\n"
                    "    )\n"
                    "    @classmethod\n"
                    "    def normalise(cls, value: str) -> str:\n"
                    "        return value.strip().lower()\n\n"
                    "    @root_validator(pre=True)  # error\n"
                    "    @classmethod\n"
                    "    def fill(cls, data: dict) -> dict:\n"
                    "        return data\n\n"
                    "    @root_validator(skip_on_failure=True)  # error\n"
                    "    def check(cls, values: dict) -> dict:\n"
                    "        return values\n"
                )
            },
        ),
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, root_validator, validator\n\n"
                    "class Signup(BaseModel):\n"
                    "    password: str\n"
                    "    confirm: str\n\n"
                    "    @validator('confirm', always=True)  # error\n"
                    "    def matches(cls, value, values):\n"
                    "        if value != values.get('password'):  # typed twice\n"
                    "            raise ValueError('passwords differ')\n"
                    "        return value\n\n"
                    "    @root_validator(pre=True, skip_on_failure=True)  # error\n"
                    "    def fill(cls, data: dict) -> dict:\n"
                    "        return {'confirm': '', **data}\n"
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import ValidationInfo, field_validator, model_validator, BaseModel\n\n"
                    "class Signup(BaseModel):\n"
                    "    password: str\n"
                    "    confirm: str\n\n"
                    "    @field_validator('confirm')  # error\n"
                    "    @classmethod\n"
                    "    def matches(cls, value, info: ValidationInfo):\n"
                    "        if value != info.data.get('password'):  # typed twice\n"
                    "            raise ValueError('passwords differ')\n"
                    "        return value\n\n"
                    "    @model_validator(mode='before')  # error\n"
                    "    @classmethod\n"
                    "    def fill(cls, data: dict) -> dict:\n"
                    "        return {'confirm': '', **data}\n"
                )
            },
            unsafe=True,
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileRuleContext) -> None:
        found = [(decorator, _decorator_target(decorator, ctx)) for decorator in node.decorators]
        only_validators = all(
            qualified in _VALIDATORS or qualified in _V2_VALIDATORS or qualified == "classmethod"
            for _, (_, qualified) in found
        )
        for decorator, (dotted, qualified) in found:
            if qualified not in _VALIDATORS:
                continue
            context = ValidatorContext(
                node, decorator, qualified, only_validators, ctx.enclosing_class
            )
            message = self.message.format(
                decorator=".".join(dotted), replacement=_VALIDATORS[qualified]
            )
            ctx.report(decorator, message, fix=validator_fix(context, ctx.qualified_name))

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileRuleContext) -> None:
        for decorator in node.decorators:
            dotted, qualified = _decorator_target(decorator, ctx)
            if qualified in _VALIDATORS:
                message = self.message.format(
                    decorator=".".join(dotted), replacement=_VALIDATORS[qualified]
                )
                ctx.report(decorator, message)


def _decorator_target(decorator: cst.Decorator, ctx: FileRuleContext) -> tuple[Dotted, str]:
    """The decorator's dotted spelling and what it resolves to (``""`` if unknown)."""
    expression = decorator.decorator
    if isinstance(expression, cst.Call):
        expression = expression.func
    dotted = dotted_name(expression)
    if dotted is None:
        return (), ""
    if dotted == ("classmethod",):
        return dotted, "classmethod"
    return dotted, ctx.qualified_name(expression) or ""


_BASESETTINGS_MODULES = frozenset({"pydantic", "pydantic.env_settings"})


class PydanticBaseSettingsImport(FileRule):
    """``BaseSettings`` imported from ``pydantic``.

    **What it does:** flags ``from pydantic import BaseSettings`` (and
    ``pydantic.env_settings``, and ``pydantic.BaseSettings`` used as an attribute). A
    version-compatibility fallback (inside ``try: ... except ImportError:`` or an
    ``if PYDANTIC_V2:``-style test) is not reported.

    **Why is this bad?** In Pydantic v2, ``BaseSettings`` moved to the separate
    ``pydantic-settings`` package; importing it from ``pydantic`` raises an error.

    **Example:** ``from pydantic import BaseSettings`` in ``app/core/config.py``.

    **Use instead:** ``from pydantic_settings import BaseSettings, SettingsConfigDict``.

    **Fix:** imports it from ``pydantic_settings``, splitting an import of several names
    (not when it is renamed there: the new import could not carry the alias).
    """

    code = "LL406"
    name = "pydantic-basesettings-import"
    message = "`BaseSettings` moved to `pydantic_settings` in Pydantic v2; import it from there"
    seed = "ai1-skills: core/config.py # pydantic-settings configuration"
    fixable = Fixability.PARTIAL
    example_path = "app/core/config.py"
    valid = (
        "from pydantic_settings import BaseSettings\n\n"
        "class Settings(BaseSettings):\n"
        "    debug: bool = False\n",
        "try:\n"
        "    from pydantic_settings import BaseSettings\n"
        "except ImportError:\n"
        "    from pydantic import BaseSettings\n",
        "from app.compat import pydantic\n"
        "from pydantic import BaseModel\n\n"
        "class Settings(BaseModel):\n"
        "    debug: bool = False\n\n"
        "class Env(pydantic.BaseSettings):\n"
        "    debug: bool = False\n",
    )
    invalid = (
        "from pydantic import (\n"
        "    BaseModel,\n"
        "    BaseSettings,  # error\n"
        ")\n\n"
        "class Settings(BaseSettings):\n"
        "    debug: bool = False\n",
        "import pydantic\n"
        "from pydantic.env_settings import BaseSettings as Base  # error\n\n"
        "class Settings(pydantic.BaseSettings):  # error\n"
        "    debug: bool = False\n",
        Example(
            {
                "app/core/config.py": (
                    "from pydantic import (\n"
                    "    BaseModel,\n"
                    "    BaseSettings,  # error\n"
                    "    Field,  # defaults\n"
                    ")\n\n"
                    "class Settings(BaseSettings):\n"
                    "    debug: bool = Field(False)\n"
                )
            },
            fixed={
                "app/core/config.py": (
                    "from pydantic import (\n"
                    "    BaseModel,\n"
                    "    # error\n"
                    "    Field,  # defaults\n"
                    ")\n"
                    "from pydantic_settings import BaseSettings\n\n"
                    "class Settings(BaseSettings):\n"
                    "    debug: bool = Field(False)\n"
                )
            },
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._compat = CompatGuard()

    def visit_Module(self, node: cst.Module, ctx: FileRuleContext) -> None:
        self._compat.reset()

    def visit_Try(self, node: cst.Try, ctx: FileRuleContext) -> None:
        self._compat.enter_try(node)

    def leave_Try(self, node: cst.Try, ctx: FileRuleContext) -> None:
        self._compat.leave()

    def visit_If(self, node: cst.If, ctx: FileRuleContext) -> None:
        self._compat.enter_if(node)

    def leave_If(self, node: cst.If, ctx: FileRuleContext) -> None:
        self._compat.leave()

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileRuleContext) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = ".".join(dotted_name(node.module) or ())
        if module not in _BASESETTINGS_MODULES or self._compat.depth:
            return
        for alias in node.names:
            if isinstance(alias.name, cst.Name) and alias.name.value == "BaseSettings":
                ctx.report(alias, fix=basesettings_import_fix(node, alias))

    def visit_Attribute(self, node: cst.Attribute, ctx: FileRuleContext) -> None:
        if node.attr.value != "BaseSettings" or self._compat.depth:
            return
        if ctx.qualified_name(node) == "pydantic.BaseSettings":
            ctx.report(node, fix=basesettings_attribute_fix(node))


_V1_FIELD_ARGUMENTS: Mapping[str, str] = {
    "regex": "use `pattern=`",
    "min_items": "use `min_length=`",
    "max_items": "use `max_length=`",
    "allow_mutation": "use `frozen=` (inverted)",
    "const": "annotate the field with `Literal[value]`",
    "unique_items": "annotate the field as a `set[...]`",
}
_PYDANTIC_FIELD = frozenset({"pydantic.Field", "pydantic.fields.Field"})


class PydanticV1FieldArgument(FileRule):
    """A Pydantic v1 keyword argument to ``Field()``.

    **What it does:** flags ``regex=``, ``min_items=``, ``max_items=``, ``const=``,
    ``allow_mutation=`` and ``unique_items=`` passed to ``pydantic.Field`` (resolved
    through the file's imports). ``sqlmodel.Field`` keeps some of these names and is not
    checked. Each keyword is reported on its own line.

    **Why is this bad?** Pydantic v2 removed or renamed them: ``const``/``unique_items``
    raise, the others only warn and will be dropped.

    **Example:** ``code: str = Field(regex=r"^[A-Z]{3}$")``.

    **Use instead:** ``pattern=``, ``min_length=``/``max_length=``, ``frozen=True``,
    ``Literal[...]`` for constants and ``set[...]`` for unique items.

    **Fix:** renames ``regex``/``min_items``/``max_items`` and turns a literal
    ``allow_mutation=X`` into ``frozen=not X``. A ``regex`` that is not a plain literal,
    or uses look-around or back-references (v2 checks ``pattern`` with a Rust engine
    that lacks them), is an unsafe fix; ``const`` and ``unique_items`` need a type
    change and are left to you.
    """

    code = "LL407"
    name = "pydantic-v1-field-argument"
    message = "`Field({argument}=)` is Pydantic v1 API; {advice}"
    seed = _SEED_V2 + " (Field() for validation constraints)"
    fixable = Fixability.PARTIAL
    example_path = "app/schemas/item.py"
    valid = (
        "from pydantic import BaseModel, Field\n\n"
        "class Item(BaseModel):\n"
        "    code: str = Field(pattern=r'^[A-Z]{3}$')\n"
        "    tags: list[str] = Field(min_length=1, max_length=5)\n",
        "from sqlmodel import Field, SQLModel\n"
        "from app.forms import Field as FormField\n\n"
        "class Hero(SQLModel, table=True):\n"
        "    name: str = Field(regex=r'^[a-z]+$')\n\n"
        "query = FormField(regex='x')\n",
    )
    invalid = (
        "from pydantic import BaseModel, Field\n\n"
        "class Item(BaseModel):\n"
        "    code: str = Field(regex=r'^[A-Z]{3}$')  # error\n"
        "    tags: list[str] = Field(\n"
        "        min_items=1,  # error\n"
        "        max_items=5,  # error\n"
        "    )\n",
        "import pydantic\n\n"
        "class Item(pydantic.BaseModel):\n"
        "    kind: str = pydantic.Field('item', const=True)  # error\n"
        "    ids: list[int] = pydantic.fields.Field(unique_items=True)  # error\n",
        Example(
            {
                "app/schemas/item.py": (
                    "from pydantic import BaseModel, Field\n\n"
                    "class Item(BaseModel):\n"
                    "    code: str = Field(\n"
                    "        ...,\n"
                    "        regex = r'^[A-Z]{3}$',  # error\n"
                    "    )\n"
                    "    tags: list[str] = Field(default_factory=list, max_items=5)  # error\n"
                    "    uid: int = Field(0, allow_mutation=False)  # error\n"
                    "    kind: str = Field('item', const=True)  # error\n"
                    "    slug: str = Field(regex=r'^(?!admin)')  # error\n"
                )
            },
            fixed={
                "app/schemas/item.py": (
                    "from pydantic import BaseModel, Field\n\n"
                    "class Item(BaseModel):\n"
                    "    code: str = Field(\n"
                    "        ...,\n"
                    "        pattern = r'^[A-Z]{3}$',  # error\n"
                    "    )\n"
                    "    tags: list[str] = Field(default_factory=list, max_length=5)  # error\n"
                    "    uid: int = Field(0, frozen=True)  # error\n"
                    "    kind: str = Field('item', const=True)  # error\n"
                    "    slug: str = Field(regex=r'^(?!admin)')  # error\n"
                )
            },
        ),
    )

    def visit_Call(self, node: cst.Call, ctx: FileRuleContext) -> None:
        found = [
            arg
            for arg in node.args
            if arg.keyword is not None and arg.keyword.value in _V1_FIELD_ARGUMENTS
        ]
        if not found or ctx.qualified_name(node.func) not in _PYDANTIC_FIELD:
            return
        for arg in found:
            assert arg.keyword is not None
            keyword = arg.keyword.value
            advice = _V1_FIELD_ARGUMENTS[keyword]
            message = self.message.format(argument=keyword, advice=advice)
            ctx.report(arg, message, fix=field_argument_fix(arg, node.args))


class PydanticV1Import(FileRule):
    """An import of the ``pydantic.v1`` compatibility namespace.

    **What it does:** flags ``import pydantic.v1``, ``from pydantic.v1 import ...``
    (and its submodules) and ``from pydantic import v1`` at module level. Imports
    inside a function are interoperability code (detecting or handling v1 objects that
    callers pass in) and are not reported.

    **Why is this bad?** ``pydantic.v1`` is the whole v1 library bundled for migration:
    models built on it do not mix with v2 models (FastAPI rejects them) and it is not
    supported on Python 3.14+.

    **Example:** ``from pydantic.v1 import BaseModel, validator``.

    **Use instead:** migrate the model to the v2 API (``from pydantic import BaseModel,
    field_validator``).
    """

    code = "LL408"
    name = "pydantic-v1-import"
    message = "`pydantic.v1` is the v1 compatibility layer; migrate to the Pydantic v2 API"
    seed = _SEED_V2
    example_path = "app/schemas/user.py"
    valid = (
        "from pydantic import BaseModel, v2\nimport pydantic\nfrom app import v1\n",
        "import warnings\n\n"
        "def is_v1_model(value: object) -> bool:\n"
        "    from pydantic.v1 import BaseModel as V1BaseModel\n\n"
        "    return isinstance(value, V1BaseModel)\n",
    )
    invalid = (
        "from pydantic.v1 import BaseModel, validator  # error\n"
        "from pydantic.v1.fields import ModelField  # error\n"
        "import pydantic.v1 as pydantic_v1  # error\n",
        "try:\n"
        "    from pydantic import v1 as pydantic  # error\n"
        "except ImportError:\n"
        "    import pydantic\n",
    )

    def visit_Import(self, node: cst.Import, ctx: FileRuleContext) -> None:
        if ctx.enclosing_function is not None:
            return
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is not None and dotted[:2] == ("pydantic", "v1"):
                ctx.report(alias)

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileRuleContext) -> None:
        if node.relative or node.module is None or ctx.enclosing_function is not None:
            return
        dotted = dotted_name(node.module)
        if dotted is None or dotted[0] != "pydantic":
            return
        if dotted[:2] == ("pydantic", "v1"):
            ctx.report(node.module)
        elif dotted == ("pydantic",) and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                if isinstance(alias.name, cst.Name) and alias.name.value == "v1":
                    ctx.report(alias)


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
        if is_model(project, annotation):
            names.add(param.name)
    return frozenset(names)


class PatchWithoutExcludeUnset(ProjectRule):
    """``model_dump()`` of a partial-update schema without ``exclude_unset=True``.

    **What it does:** flags ``model_dump()`` calls without an ``exclude_unset`` argument
    on a value whose type is a Pydantic model named ``*Update``/``*Patch`` (also
    ``*UpdateIn``, ``*PatchRequest``...), or on the body parameter of a PATCH route
    (``@router.patch``), when every field of the model has a default (the seeds'
    "Update: all fields optional"): a model with required fields is a replacement, not
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
    name = "patch-without-exclude-unset"
    message = (
        "`model_dump()` of partial update `{model}` without `exclude_unset=True` "
        "overwrites unsent fields with defaults"
    )
    seed = _SEED_V2 + " (model_dump(exclude_unset=True) for PATCH)"
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
                if model is None or not is_model(project, model):
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
        if project.lookup_class(target) is not None and is_model(project, target):
            return True
    return False


def _flag(value: Value | None) -> bool | None:
    if value is None:
        return None
    return value.literal if value.kind == "bool" and isinstance(value.literal, bool) else True


class OrmObjectWithoutFromAttributes(ProjectRule):
    """An ORM object validated into a schema whose config lacks ``from_attributes=True``.

    **What it does:** flags ``Schema.model_validate(obj)`` where ``obj`` is known to be an
    ORM model instance (SQLAlchemy declarative class or SQLModel ``table=True``: by
    annotation, constructor, a called function's return annotation or
    ``session.get(Model, id)``) and neither the
    call (``from_attributes=True``) nor the schema's config, own or inherited
    (``ConfigDict(from_attributes=True)``, ``{"from_attributes": True}``, v1
    ``orm_mode = True``; SQLModel bases set it), enables attribute reading. A schema
    whose config cannot be known (a base from a library, a config built at runtime) is
    not reported. With ``route-returns = true`` it also flags a route returning an ORM
    object for such a ``response_model``; that is off by default because FastAPI (0.100+
    with Pydantic v2) validates route return values with ``from_attributes=True``
    itself.

    **Why is this bad?** Without ``from_attributes`` Pydantic only accepts dicts and
    model instances: ``model_validate(user)`` raises a ``ValidationError`` at run time.

    **Example:** ``UserResponse.model_validate(user)`` with ``user: User`` (ORM) and no
    ``model_config`` on ``UserResponse``.

    **Use instead:** ``model_config = ConfigDict(from_attributes=True)`` on the schema.
    """

    code = "LL410"
    name = "orm-object-without-from-attributes"
    message = "`{schema}` validates ORM object `{orm}` but its config lacks `from_attributes=True`"
    seed = "ai1-skills: ConfigDict(from_attributes=True), UserResponse via model_validate()"
    options_spec = (
        RuleOption(
            "route-returns",
            False,
            "also flag routes that return an ORM object for a response_model without "
            "from_attributes (needed only with Pydantic v1 or FastAPI < 0.100)",
        ),
    )
    valid = (
        Example(
            {
                "app/models/user.py": (
                    "from sqlalchemy.orm import DeclarativeBase, Mapped\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int]\n"
                ),
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n"
                    "class Schema(BaseModel):\n"
                    "    model_config = ConfigDict(from_attributes=True)\n"
                    "class UserResponse(Schema):\n"
                    "    id: int\n"
                    "class UserIn(BaseModel):\n"
                    "    model_config = {'from_attributes': True}\n"
                    "    id: int\n"
                    "class Plain(BaseModel):\n"
                    "    id: int\n"
                ),
                "app/routes/users.py": (
                    "from app.models.user import User\n"
                    "from app.schemas.user import Plain, UserIn, UserResponse\n"
                    "def show(user: User, raw: dict) -> object:\n"
                    "    UserIn.model_validate(user)\n"
                    "    Plain.model_validate(raw)\n"
                    "    Plain.model_validate(user, from_attributes=True)\n"
                    "    return UserResponse.model_validate(user)\n"
                ),
            }
        ),
        Example(
            {
                "app/models/hero.py": (
                    "from sqlmodel import Field, SQLModel\n"
                    "class HeroBase(SQLModel):\n"
                    "    name: str\n"
                    "class Hero(HeroBase, table=True):\n"
                    "    id: int | None = Field(default=None, primary_key=True)\n"
                    "class HeroPublic(HeroBase):\n"
                    "    id: int\n"
                ),
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from fastapi_users import schemas\n"
                    "from app.models.hero import Hero, HeroPublic\n"
                    "router = APIRouter()\n"
                    "class UserRead(schemas.BaseUser):\n"
                    "    pass\n"
                    "@router.get('/', response_model=HeroPublic)\n"
                    "def show(hero: Hero) -> object:\n"
                    "    UserRead.model_validate(hero)\n"
                    "    return HeroPublic.model_validate(hero)\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/models/user.py": (
                    "from sqlalchemy.orm import DeclarativeBase, Mapped\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int]\n"
                ),
                "app/repositories/user_repo.py": (
                    "from app.models.user import User\n"
                    "class UserRepository:\n"
                    "    async def get(self, user_id: int) -> User | None:\n"
                    "        return None\n"
                ),
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n"
                    "class Schema(BaseModel):\n"
                    "    model_config = ConfigDict(str_strip_whitespace=True)\n"
                    "class UserResponse(Schema):\n"
                    "    id: int\n"
                ),
                "app/services/user_service.py": (
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "from app.models.user import User\n"
                    "from app.repositories.user_repo import UserRepository\n"
                    "from app.schemas.user import UserResponse\n"
                    "class UserService:\n"
                    "    def __init__(self) -> None:\n"
                    "        self.repo = UserRepository()\n"
                    "    async def get(self, user_id: int) -> UserResponse:\n"
                    "        user = await self.repo.get(user_id)\n"
                    "        return UserResponse.model_validate(user)  # error\n"
                    "    async def fresh(self) -> UserResponse:\n"
                    "        return UserResponse.model_validate(User(id=1))  # error\n"
                    "    async def load(self, db: AsyncSession, user_id: int) -> UserResponse:\n"
                    "        user = await db.get(User, user_id)\n"
                    "        return UserResponse.model_validate(user)  # error\n"
                ),
            }
        ),
        Example(
            {
                "app/models/hero.py": (
                    "from sqlmodel import SQLModel\n"
                    "class Hero(SQLModel, table=True):\n"
                    "    id: int\n"
                ),
                "app/schemas/hero.py": (
                    "from pydantic import BaseModel, ConfigDict\n"
                    "class HeroOut(BaseModel):\n"
                    "    model_config = ConfigDict(from_attributes=False)\n"
                    "    id: int\n"
                ),
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models.hero import Hero\n"
                    "from app.schemas.hero import HeroOut\n"
                    "router = APIRouter()\n"
                    "@router.get('/', response_model=HeroOut)\n"
                    "def show(hero: Hero) -> object:\n"
                    "    return hero  # error\n"
                    "@router.get('/x')\n"
                    "def other(hero: Hero) -> HeroOut:\n"
                    "    return HeroOut.model_validate(hero)  # error\n"
                ),
            },
            options={"route-returns": True},
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in code_units(project):
            for call in ref.function.calls:
                callee = call.callee
                if len(callee) < 2 or callee[-1] != "model_validate" or not call.args:
                    continue
                if _flag(call.keyword("from_attributes")) is not None:
                    continue
                schema = _model_class_named(project, ref, callee[:-1])
                if schema is None:
                    continue
                finding = self._finding(project, ref, schema, call.args[0], call.span)
                if finding is not None:
                    yield finding
        if self.options["route-returns"]:
            yield from self._route_returns(project)

    def _finding(
        self, project: Project, ref: FunctionRef, schema: str, value: Value, span: Span
    ) -> Finding | None:
        orm = value_type(project, ref, value)
        if orm is None or not project.is_orm_model(orm):
            return None
        if from_attributes(project, schema) is not False:
            return None
        message = self.message.format(schema=short_name(schema), orm=short_name(orm))
        return Finding(ref.module.path, span, message)

    def _route_returns(self, project: Project) -> Iterator[Finding]:
        for ref in project.route_handlers:
            schema = self._response_model(project, ref)
            if schema is None:
                continue
            for returned in ref.function.returns_values:
                finding = self._finding(project, ref, schema, returned.value, returned.span)
                if finding is not None:
                    yield finding

    @staticmethod
    def _response_model(project: Project, ref: FunctionRef) -> str | None:
        decorator = project.route_decorator(ref.module.module, ref.function)
        response_model = decorator.keyword("response_model") if decorator else None
        module = ref.module.module
        if response_model is not None:
            if response_model.kind != "name":
                return None
            candidate = project.resolve_canonical(module, response_model.dotted)
        elif ref.function.returns is not None:
            candidate = project.resolve_canonical(module, ref.function.returns)
        else:
            return None
        if candidate is None or project.lookup_class(candidate) is None:
            return None
        return candidate if is_model(project, candidate) else None


_TYPING = frozenset({"typing", "typing_extensions"})


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_string(node: cst.BaseExpression) -> bool:
    """A forward reference: ``"User" | None`` fails at run time without lazy annotations."""
    return isinstance(node, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString)


def _union_members(node: cst.BinaryOperation) -> list[cst.BaseExpression]:
    """``A | B | None`` flattened to its members."""
    members: list[cst.BaseExpression] = []
    stack: list[cst.BaseExpression] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.BitOr):
            stack.extend((current.right, current.left))
        else:
            members.append(current)
    return members


class OptionalStyle(FileRule):
    """``Optional[X]`` where the project writes ``X | None`` (or the reverse).

    **What it does:** with ``union-style = "pipe"`` (default, ai1-skills seed) flags
    ``Optional[X]`` and ``Union[X, None]`` (``typing``/``typing_extensions``, resolved
    through imports) in annotations; with ``union-style = "optional"``
    (backend-fastapi-python seed) flags ``X | None`` instead. ``Optional["User"]`` (a
    forward reference) is left alone unless the module has ``from __future__ import
    annotations``: ``"User" | None`` would fail when the annotation is evaluated.

    **Why is this bad?** Two spellings of one type make schemas harder to scan and to
    diff; the seeds each pick one.

    **Example:** ``description: Optional[str] = None``.

    **Use instead:** ``description: str | None = None`` (or ``Optional[str]`` with
    ``union-style = "optional"``).
    """

    code = "LL411"
    name = "optional-style"
    message = "use `X | None` instead of `{found}`"
    seed = (
        "ai1-skills: str | None syntax, not Optional[str]; backend-fastapi-python: prefer Optional"
    )
    default = Default.OPT_IN
    options_spec = (
        RuleOption(
            "union-style",
            "pipe",
            "`pipe` flags Optional[X]/Union[X, None]; `optional` flags X | None",
            choices=("pipe", "optional"),
        ),
    )
    example_path = "app/schemas/item.py"
    valid = (
        "from typing import Optional\n\n"
        "def find(name: str | None = None) -> int | None:\n"
        "    cache: dict[str, int | None] = {}\n"
        "    return cache.get(name or '')\n",
        "from app.types import Optional, Union\n\n"
        "def find(name: Optional[str], other: Union[int, None]) -> None:\n"
        "    pass\n",
        "from typing import Optional\n\n"
        "def get(client: Optional['httpx.AsyncClient'] = None) -> 'Optional[int]':\n"
        "    return None\n",
        Example(
            {
                "app/schemas/item.py": (
                    "from typing import Optional, Union\n\n"
                    "def find(name: Optional[str], flag: Union[int, str]) -> None:\n"
                    "    pass\n"
                )
            },
            options={"union-style": "optional"},
        ),
    )
    invalid = (
        "import typing\n"
        "from typing import Optional, Union\n\n"
        "def find(\n"
        "    name: Optional[str],  # error\n"
        "    other: typing.Union[int, None],  # error\n"
        "    items: list[Union[None, str]],  # error\n"
        "    both: Union[int, str],\n"
        ") -> None:\n"
        "    pass\n",
        "from __future__ import annotations\n\n"
        "from typing import Optional\n\n"
        "def get(client: Optional['httpx.AsyncClient'] = None) -> None:  # error\n"
        "    return None\n",
        Example(
            {
                "app/schemas/item.py": (
                    "from pydantic import BaseModel\n\n"
                    "class Item(BaseModel):\n"
                    "    name: str | None = None  # error\n"
                    "    tags: list[int | str | None] = []  # error\n"
                    "    kind: int | str = 0\n"
                )
            },
            options={"union-style": "optional"},
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._lazy_annotations = False

    def visit_Module(self, node: cst.Module, ctx: FileRuleContext) -> None:
        self._lazy_annotations = False

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileRuleContext) -> None:
        if (
            isinstance(node.module, cst.Name)
            and node.module.value == "__future__"
            and not isinstance(node.names, cst.ImportStar)
        ) and any(
            isinstance(a.name, cst.Name) and a.name.value == "annotations" for a in node.names
        ):
            self._lazy_annotations = True

    def visit_Annotation(self, node: cst.Annotation, ctx: FileRuleContext) -> None:
        pipe = self.options["union-style"] == "pipe"
        stack: list[cst.BaseExpression] = [node.annotation]
        budget = 64
        while stack and budget:
            budget -= 1
            current = stack.pop()
            if isinstance(current, cst.Subscript):
                members = [
                    el.slice.value for el in current.slice if isinstance(el.slice, cst.Index)
                ]
                if (
                    pipe
                    and self._typing_optional(current, members, ctx)
                    and (self._lazy_annotations or not any(map(_is_string, members)))
                ):
                    ctx.report(current, self.message.format(found=_typing_form(current)))
                stack.extend(members)
            elif isinstance(current, cst.BinaryOperation) and isinstance(
                current.operator, cst.BitOr
            ):
                members = _union_members(current)
                if not pipe and any(_is_none(m) for m in members):
                    ctx.report(
                        current,
                        'use `Optional[X]` instead of `X | None` (union-style = "optional")',
                    )
                stack.extend(m for m in members if not _is_none(m))
            elif isinstance(current, cst.List):
                stack.extend(el.value for el in current.elements)

    @staticmethod
    def _typing_optional(
        node: cst.Subscript, members: list[cst.BaseExpression], ctx: FileRuleContext
    ) -> bool:
        base = node.value
        name = (
            base.value
            if isinstance(base, cst.Name)
            else base.attr.value
            if isinstance(base, cst.Attribute)
            else ""
        )
        if name == "Optional":
            pass
        elif name == "Union":
            if not any(_is_none(m) for m in members):
                return False
        else:
            return False
        qualified = ctx.qualified_name(base)
        return qualified is not None and qualified.rsplit(".", 1)[0] in _TYPING


def _typing_form(node: cst.Subscript) -> str:
    dotted = dotted_name(node.value)
    return f"{'.'.join(dotted) if dotted else 'Optional'}[...]"


__all__ = [
    "OptionalStyle",
    "OrmMode",
    "OrmObjectWithoutFromAttributes",
    "PatchWithoutExcludeUnset",
    "PydanticBaseSettingsImport",
    "PydanticConfigClass",
    "PydanticV1Classmethod",
    "PydanticV1FieldArgument",
    "PydanticV1Import",
    "PydanticV1Method",
    "PydanticV1Validator",
]
