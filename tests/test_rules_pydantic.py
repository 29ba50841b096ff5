"""Regression tests for the Pydantic rules (LL401-LL411) beyond their own examples.

Each false positive found on the real corpus has a minimal reproduction here, written
from scratch; the rest pin down cross-file inference and option variants.
"""

from __future__ import annotations

from layerlint.testing import found, messages

_BASE_SCHEMA = {
    "app/schemas/base.py": ("from pydantic import BaseModel\nclass Schema(BaseModel):\n    pass\n"),
}


# -- LL401 / LL402 -----------------------------------------------------------------------


def test_ll401_config_class_needs_pydantic_evidence_when_base_is_elsewhere() -> None:
    files = {
        "app/schemas/user.py": (
            "from app.schemas.base import Schema\n"
            "class A(Schema):\n"
            "    class Config:\n"
            "        extra = 'forbid'\n"
            "class B(Schema):\n"
            "    class Config:\n"
            "        orm_mode = True\n"
            "class C(B):\n"
            "    class Config:\n"
            "        extra = 'forbid'\n"
        ),
        **_BASE_SCHEMA,
    }
    # A: the base is a Pydantic model of another module (the project knows it).
    # B: orm_mode proves it; C inherits from B in the same file. One finding each.
    assert found(files, "LL401") == [
        ("app/schemas/user.py", 3),
        ("app/schemas/user.py", 6),
        ("app/schemas/user.py", 9),
    ]


def test_ll401_config_class_of_an_unknown_base_needs_pydantic_evidence() -> None:
    files = {
        "app/schemas/user.py": (
            "from marshmallow_like import Schema\n"
            "class A(Schema):\n"
            "    class Config:\n"
            "        extra = 'forbid'\n"
        ),
    }
    # A base the project does not define, and no Pydantic-only key: silent (precision).
    assert found(files, "LL401") == []


def test_ll401_config_class_with_config_method_hook_is_evidence() -> None:
    source = (
        "from app.base import Base\n"
        "class Settings(Base):\n"
        "    class Config:\n"
        "        @staticmethod\n"
        "        def schema_extra(schema: dict) -> None:\n"
        "            pass\n"
    )
    assert found({"app/core/settings.py": source}, "LL401") == [("app/core/settings.py", 3)]


def test_ll401_ll402_config_class_in_enum_or_dataclass_is_silent() -> None:
    source = (
        "import enum\n"
        "from dataclasses import dataclass\n"
        "class Color(enum.Enum):\n"
        "    RED = 1\n"
        "    class Config:\n"
        "        orm_mode = True\n"
    )
    assert found({"app/models/color.py": source}, "LL401") == []
    assert found({"app/models/color.py": source}, "LL402") == []


def test_ll402_orm_mode_in_settings_config_dict() -> None:
    source = (
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n"
        "class Settings(BaseSettings):\n"
        "    model_config = SettingsConfigDict(env_file='.env', orm_mode=True)\n"
    )
    assert found({"app/core/config.py": source}, "LL402") == [("app/core/config.py", 3)]


# -- LL403 -----------------------------------------------------------------------------


def test_ll403_classmethod_through_inheritance_across_files_and_module_level() -> None:
    files = {
        **_BASE_SCHEMA,
        "app/schemas/user.py": (
            "from app.schemas.base import Schema\n"
            "class User(Schema):\n"
            "    id: int\n"
            "User.update_forward_refs()\n"
        ),
        "app/services/user_service.py": (
            "from app.schemas.user import User\n"
            "def load(raw: dict) -> User:\n"
            "    return User.parse_obj(raw)\n"
            "def shadowed(User: object) -> object:\n"
            "    return User.parse_obj({})\n"
        ),
    }
    assert found(files, "LL403") == [
        ("app/schemas/user.py", 4),
        ("app/services/user_service.py", 3),
    ]


def test_ll403_classmethod_in_v1_v2_dispatch_is_silent() -> None:
    source = (
        "from pydantic import BaseModel\n"
        "PYDANTIC_V2 = True\n"
        "class Item(BaseModel):\n"
        "    name: str\n"
        "def load(raw: dict) -> Item:\n"
        "    if PYDANTIC_V2:\n"
        "        return Item.model_validate(raw)\n"
        "    return Item.parse_obj(raw)\n"
    )
    assert found({"app/schemas/item.py": source}, "LL403") == []


# -- LL404 -----------------------------------------------------------------------------


def test_ll404_v1_method_in_v1_v2_dispatch_is_silent() -> None:
    # Reproduction of a corpus false positive: a helper taking any model and calling
    # ``.json()`` only in the branch for v1 models.
    source = (
        "import pydantic\n"
        "def is_v2(value: object) -> bool:\n"
        "    return True\n"
        "def to_json(model: pydantic.BaseModel) -> str:\n"
        "    if is_v2(model):\n"
        "        return model.model_dump_json()\n"
        "    return model.json()\n"
    )
    assert found({"app/core/encode.py": source}, "LL404") == []


def test_ll404_v1_method_on_rebound_name_is_silent() -> None:
    source = (
        "from pydantic import BaseModel\n"
        "class Item(BaseModel):\n"
        "    name: str\n"
        "def build(raw: dict) -> dict:\n"
        "    item = raw\n"
        "    copied = item.copy()\n"
        "    item = Item(**copied)\n"
        "    return copied\n"
    )
    assert found({"app/services/items.py": source}, "LL404") == []


def test_ll404_v1_method_through_depends_factory_and_self_attribute() -> None:
    files = {
        "app/core/config.py": (
            "from pydantic_settings import BaseSettings\n"
            "class Settings(BaseSettings):\n"
            "    debug: bool = False\n"
            "def get_settings() -> Settings:\n"
            "    return Settings()\n"
        ),
        "app/routes/admin.py": (
            "from fastapi import APIRouter, Depends\n"
            "from app.core.config import Settings, get_settings\n"
            "router = APIRouter()\n"
            "class Holder:\n"
            "    def __init__(self) -> None:\n"
            "        self.settings = get_settings()\n"
            "    def dump(self) -> dict:\n"
            "        return self.settings.dict()\n"
            "@router.get('/')\n"
            "def show(settings: Settings = Depends(get_settings)) -> dict:\n"
            "    return settings.dict()\n"
        ),
    }
    assert found(files, "LL404") == [("app/routes/admin.py", 8), ("app/routes/admin.py", 11)]


def test_ll404_v1_method_on_union_annotation_is_silent() -> None:
    source = (
        "from pydantic import BaseModel\n"
        "class Item(BaseModel):\n"
        "    name: str\n"
        "def f(data: Item | dict) -> dict:\n"
        "    return data.copy()\n"
    )
    assert found({"app/services/x.py": source}, "LL404") == []


def test_ll404_v1_method_on_orm_model_is_silent() -> None:
    source = (
        "from sqlalchemy.orm import DeclarativeBase, Mapped\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int]\n"
        "def dump(user: User) -> object:\n"
        "    return user.copy()\n"
    )
    assert found({"app/models/user.py": source}, "LL404") == []


# -- LL405 / LL406 / LL407 / LL408 ---------------------------------------------------------


def test_ll405_validator_through_module_alias() -> None:
    source = (
        "import pydantic as pd\n"
        "class Item(pd.BaseModel):\n"
        "    name: str\n"
        "    @pd.root_validator(pre=True)\n"
        "    def fill(cls, values: dict) -> dict:\n"
        "        return values\n"
    )
    assert found({"app/schemas/item.py": source}, "LL405") == [("app/schemas/item.py", 4)]


def test_ll406_basesettings_in_version_branch_is_silent() -> None:
    source = (
        "import pydantic\n"
        "if pydantic.VERSION.startswith('1'):\n"
        "    from pydantic import BaseSettings\n"
        "else:\n"
        "    from pydantic_settings import BaseSettings\n"
    )
    assert found({"app/core/config.py": source}, "LL406") == []


def test_ll407_field_argument_only_for_pydantic_field() -> None:
    source = (
        "from fastapi import Query\n"
        "from pydantic import Field as F\n"
        "def search(q: str = Query(None, regex='^a')) -> None:\n"
        "    pass\n"
        "x = F(default=1, max_items=3)\n"
    )
    assert found({"app/schemas/q.py": source}, "LL407") == [("app/schemas/q.py", 5)]


def test_ll408_v1_import_inside_function_is_interop() -> None:
    source = (
        "def is_v1(value: object) -> bool:\n"
        "    import pydantic.v1\n"
        "    return isinstance(value, pydantic.v1.BaseModel)\n"
        "if True:\n"
        "    import pydantic.v1 as v1\n"
    )
    assert found({"app/core/compat.py": source}, "LL408") == [("app/core/compat.py", 5)]


# -- LL409 -----------------------------------------------------------------------------


_PARTIAL = {
    "app/schemas/item.py": (
        "from pydantic import BaseModel, Field\n"
        "class ItemUpdate(BaseModel):\n"
        "    name: str | None = None\n"
        "    tags: dict = Field(default_factory=dict)\n"
        "class ItemReplaceUpdate(BaseModel):\n"
        "    name: str\n"
        "    note: str | None = None\n"
    ),
}


def test_ll409_patch_dump_with_exclude_none_is_reported() -> None:
    # exclude_none keeps unsent ``tags`` (default ``{}``) and wipes the stored value.
    files = {
        **_PARTIAL,
        "app/services/items.py": (
            "from app.schemas.item import ItemUpdate\n"
            "def update(item: object, data: ItemUpdate) -> None:\n"
            "    values = data.model_dump(exclude_none=True)\n"
            "    for key, value in values.items():\n"
            "        setattr(item, key, value)\n"
        ),
    }
    assert found(files, "LL409") == [("app/services/items.py", 3)]


def test_ll409_patch_dump_that_feeds_no_update_is_silent() -> None:
    files = {
        **_PARTIAL,
        "app/services/items.py": (
            "from app.schemas.item import ItemReplaceUpdate, ItemUpdate\n"
            "class Invalid(Exception):\n"
            "    pass\n"
            "def check(data: ItemUpdate, full: ItemReplaceUpdate) -> dict:\n"
            "    ItemUpdate(**data.model_dump())\n"
            "    if not data.name:\n"
            "        raise Invalid(data.model_dump(mode='json'))\n"
            "    return full.model_dump()\n"
            "def masked(data: ItemUpdate, mask: set) -> dict:\n"
            "    sent = data.model_fields_set\n"
            "    return {k: v for k, v in data.model_dump().items() if k in sent}\n"
        ),
    }
    assert found(files, "LL409") == []


def test_ll409_patch_route_body_of_any_name() -> None:
    files = {
        "app/schemas/item.py": (
            "from pydantic import BaseModel\n"
            "class ItemIn(BaseModel):\n"
            "    name: str | None = None\n"
        ),
        "app/routes/items.py": (
            "from fastapi import APIRouter\n"
            "from app.schemas.item import ItemIn\n"
            "router = APIRouter()\n"
            "@router.api_route('/{item_id}', methods=['PATCH'])\n"
            "def patch(item_id: int, body: ItemIn) -> dict:\n"
            "    return body.model_dump()\n"
            "@router.post('/')\n"
            "def create(body: ItemIn) -> dict:\n"
            "    return body.model_dump()\n"
        ),
    }
    assert found(files, "LL409") == [("app/routes/items.py", 6)]


# -- LL410 -----------------------------------------------------------------------------


_ORM = {
    "app/models/user.py": (
        "from sqlalchemy.orm import DeclarativeBase, Mapped\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int]\n"
    ),
}


def test_ll410_from_attributes_inherited_in_v1_config_or_dict_counts() -> None:
    files = {
        **_ORM,
        "app/schemas/user.py": (
            "from pydantic import BaseModel\n"
            "class Orm(BaseModel):\n"
            "    class Config:\n"
            "        orm_mode = True\n"
            "class UserOut(Orm):\n"
            "    id: int\n"
            "class Plain(BaseModel):\n"
            "    model_config = {'extra': 'forbid'}\n"
            "    id: int\n"
            "class Dynamic(BaseModel):\n"
            "    model_config = Orm.model_config\n"
            "    id: int\n"
        ),
        "app/services/users.py": (
            "from app.models.user import User\n"
            "from app.schemas.user import Dynamic, Plain, UserOut\n"
            "def show(user: User) -> object:\n"
            "    UserOut.model_validate(user)\n"
            "    Dynamic.model_validate(user)\n"
            "    return Plain.model_validate(user)\n"
        ),
    }
    assert found(files, "LL410") == [("app/services/users.py", 6)]


def test_ll410_route_returning_orm_object_is_opt_in() -> None:
    files = {
        **_ORM,
        "app/schemas/user.py": (
            "from pydantic import BaseModel\nclass UserOut(BaseModel):\n    id: int\n"
        ),
        "app/routes/users.py": (
            "from fastapi import APIRouter\n"
            "from app.models.user import User\n"
            "from app.schemas.user import UserOut\n"
            "router = APIRouter()\n"
            "def load() -> User:\n"
            "    return User()\n"
            "@router.get('/', response_model=UserOut)\n"
            "def show() -> object:\n"
            "    return load()\n"
        ),
    }
    assert found(files, "LL410") == []
    assert found(files, "LL410", {"route-returns": True}) == [("app/routes/users.py", 9)]


def test_ll410_model_validate_of_dict_or_unknown_is_silent() -> None:
    files = {
        **_ORM,
        "app/schemas/user.py": (
            "from pydantic import BaseModel\nclass UserOut(BaseModel):\n    id: int\n"
        ),
        "app/services/users.py": (
            "from app.schemas.user import UserOut\n"
            "def show(row: dict, obj) -> object:\n"
            "    UserOut.model_validate(obj)\n"
            "    return UserOut.model_validate(row)\n"
        ),
    }
    assert found(files, "LL410") == []


# -- LL411 -----------------------------------------------------------------------------


def test_ll411_optional_style_inside_class_fields_and_returns() -> None:
    source = (
        "import typing as t\n"
        "from typing_extensions import Optional\n"
        "class Item:\n"
        "    name: t.Optional[str] = None\n"
        "def get() -> dict[str, Optional[int]]:\n"
        "    return {}\n"
    )
    assert found({"app/schemas/item.py": source}, "LL411") == [
        ("app/schemas/item.py", 4),
        ("app/schemas/item.py", 5),
    ]


# -- LL405 / LL407 (issue 16: call forms, env= and example=) --------------------------------------


def test_ll405_validator_used_as_a_call_is_reported() -> None:
    files = {
        "app/schemas/address.py": (
            "import pydantic\n"
            "from pydantic import BaseModel, root_validator\n"
            "def strip(cls, value: str) -> str:\n"
            "    return value.strip()\n"
            "class Address(BaseModel):\n"
            "    city: str\n"
            "    _city = pydantic.validator('city', allow_reuse=True)(strip)\n"
            "    _all = root_validator(pre=True)(lambda cls, values: values)\n"
            "    _own = make_validator('city')(strip)\n"
        )
    }
    assert found(files, "LL405") == [("app/schemas/address.py", 7), ("app/schemas/address.py", 8)]


def test_ll407_env_and_example_arguments_are_reported() -> None:
    files = {
        "app/core/config.py": (
            "from pydantic import Field\n"
            "from pydantic_settings import BaseSettings\n"
            "class Settings(BaseSettings):\n"
            "    database_url: str = Field(..., env='DATABASE_URL')\n"
            "    region: str = Field('eu', example='us-east-1')\n"
            "    timeout: int = Field(5, examples=[5, 10])\n"
        )
    }
    assert found(files, "LL407") == [("app/core/config.py", 4), ("app/core/config.py", 5)]
    assert "no longer reads that variable" in messages(files, "LL407")[0]
