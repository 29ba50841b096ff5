"""``--fix`` for the Pydantic rules (LL401-LL407), beyond each rule's own before/after example.

Every case goes through the real ``check --fix`` pipeline twice (``fix_files``): the first
run's output is compared exactly, must compile, and the second run must change nothing.
Cases where no exact v2 spelling exists pin that the source is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from layerlint.testing import checked_fix, offers_fix

PATH = "app/schemas/user.py"


def fix(
    source: str | Mapping[str, str],
    *codes: str,
    unsafe: bool = False,
) -> str | dict[str, str]:
    """The fixed source (one file) or files."""
    files = {PATH: source} if isinstance(source, str) else dict(source)
    first, _ = checked_fix(files, *codes, unsafe=unsafe)
    return first[PATH] if isinstance(source, str) else first


def fixable(source: str, code: str) -> list[bool]:
    """For each ``code`` diagnostic in ``PATH``: does it offer a fix?"""
    return offers_fix({PATH: source}, code)


# -- LL401 class Config ----------------------------------------------------------------------


def test_ll401_config_of_a_class_with_a_base_from_elsewhere_is_an_unsafe_fix() -> None:
    source = (
        "from pydantic import BaseModel\n"
        "from odm_kit import Document\n\n"
        "class Stored(Document):\n"
        "    class Config:\n"
        "        orm_mode = True\n\n"
        "class Child(Stored):\n"
        "    class Config:\n"
        "        orm_mode = True\n\n"
        "class Known(BaseModel):\n"
        "    class Config:\n"
        "        orm_mode = True\n"
    )
    fixed = fix(source, "LL401")
    assert isinstance(fixed, str)
    assert fixed.count("class Config:") == 2
    assert "    model_config = ConfigDict(from_attributes=True)\n" in fixed
    unsafe = fix(source, "LL401", unsafe=True)
    assert isinstance(unsafe, str) and "class Config:" not in unsafe


def test_ll401_config_without_comments_becomes_one_line() -> None:
    source = (
        "from pydantic import BaseModel, ConfigDict\n\n"
        "class A(BaseModel):\n"
        "    class Config: orm_mode = True\n\n"
        "class B(BaseModel):\n"
        "    x: int\n"
        "    class Config:\n"
        "        allow_population_by_field_name = True\n"
        "        allow_mutation = False\n"
        "    y: int\n"
    )
    assert fix(source, "LL401") == (
        "from pydantic import BaseModel, ConfigDict\n\n"
        "class A(BaseModel):\n"
        "    model_config = ConfigDict(from_attributes=True)\n\n"
        "class B(BaseModel):\n"
        "    x: int\n"
        "    model_config = ConfigDict(populate_by_name=True, frozen=True)\n"
        "    y: int\n"
    )


def test_ll401_config_too_long_for_one_line_gets_one_key_per_line() -> None:
    source = (
        "from pydantic import BaseModel\n\n"
        "class Item(BaseModel):\n"
        "    class Config:\n"
        "        validate_all = True\n"
        "        min_anystr_length = 1\n"
        "        max_anystr_length = 200\n"
        "        anystr_lower = True\n"
        "        anystr_strip_whitespace = True\n"
        "        keep_untouched = (property,)\n"
    )
    assert fix(source, "LL401") == (
        "from pydantic import BaseModel, ConfigDict\n"
        "\n"
        "class Item(BaseModel):\n"
        "    model_config = ConfigDict(\n"
        "        validate_default=True,\n"
        "        str_min_length=1,\n"
        "        str_max_length=200,\n"
        "        str_to_lower=True,\n"
        "        str_strip_whitespace=True,\n"
        "        ignored_types=(property,),\n"
        "    )\n"
    )


def test_ll401_settings_config_becomes_settings_config_dict() -> None:
    source = (
        "from pydantic import BaseSettings\n\n"
        "class Settings(BaseSettings):\n"
        "    debug: bool = False\n\n"
        "    class Config:\n"
        '        env_file = ".env"\n\n'
        "class TestSettings(Settings):\n"
        "    class Config:\n"
        "        extra = 'ignore'\n"
    )
    assert fix(source, "LL401") == (
        "from pydantic import BaseSettings\n"
        "from pydantic_settings import SettingsConfigDict\n\n"
        "class Settings(BaseSettings):\n"
        "    debug: bool = False\n\n"
        '    model_config = SettingsConfigDict(env_file=".env")\n\n'
        "class TestSettings(Settings):\n"
        "    model_config = SettingsConfigDict(extra='ignore')\n"
    )


def test_ll401_config_inheriting_the_base_models_config_is_merged_by_v2() -> None:
    source = (
        "import pydantic\n\n"
        "class Base(pydantic.BaseModel):\n"
        "    class Config:\n"
        "        getter_dict = object\n\n"
        "class Child(Base):\n"
        "    class Config(Base.Config):\n"
        "        extra = pydantic.Extra.allow\n"
    )
    assert fix(source, "LL401") == (
        "import pydantic\n"
        "from pydantic import ConfigDict\n\n"
        "class Base(pydantic.BaseModel):\n"
        "    class Config:\n"
        "        getter_dict = object\n\n"
        "class Child(Base):\n"
        '    model_config = ConfigDict(extra="allow")\n'
    )


def test_ll401_noqa_holds_after_an_import_line_was_added() -> None:
    source = (
        "import pydantic\n\n"
        "class A(pydantic.BaseModel):\n"
        "    class Config:  # noqa: LL401\n"
        "        orm_mode = True\n\n"
        "class B(pydantic.BaseModel):\n"
        "    class Config:\n"
        "        orm_mode = True\n"
    )
    # The import line added by B's fix moves A down; its noqa must still hold.
    assert fix(source, "LL401") == (
        "import pydantic\n"
        "from pydantic import ConfigDict\n\n"
        "class A(pydantic.BaseModel):\n"
        "    class Config:  # noqa: LL401\n"
        "        orm_mode = True\n\n"
        "class B(pydantic.BaseModel):\n"
        "    model_config = ConfigDict(from_attributes=True)\n"
    )


def test_ll401_extra_import_is_removed_only_when_unused() -> None:
    source = (
        "from pydantic import BaseModel, Extra\n\n"
        "class A(BaseModel):\n"
        "    class Config:\n"
        "        extra = Extra.forbid\n"
    )
    assert fix(source, "LL401") == (
        "from pydantic import BaseModel, ConfigDict\n"
        "\n"
        "class A(BaseModel):\n"
        '    model_config = ConfigDict(extra="forbid")\n'
    )
    still_used = source + "\nMODE = Extra.ignore\n"
    assert fix(still_used, "LL401") == (
        "from pydantic import BaseModel, ConfigDict, Extra\n\n"
        "class A(BaseModel):\n"
        '    model_config = ConfigDict(extra="forbid")\n'
        "\nMODE = Extra.ignore\n"
    )


def test_ll401_config_that_cannot_be_converted_keeps_its_diagnostic() -> None:
    bodies = [
        "        fields = {'id': 'ID'}\n",  # removed in v2
        "        getter_dict = object\n",
        "        smart_union = False\n",  # v2 unions are always smart
        "        allow_mutation = FLAG\n",  # inverted value unknown
        "        my_own_key = 1\n",  # v2 rejects unknown keys
        "        @staticmethod\n        def schema_extra(schema: dict) -> None:\n            pass\n",
        "        '''Docs.'''\n        orm_mode = True\n",
    ]
    for body in bodies:
        source = f"from pydantic import BaseModel\nFLAG = True\n\nclass A(BaseModel):\n    class Config:\n{body}"
        assert fixable(source, "LL401") == [False], body
        assert fix(source, "LL401") == source
    both = (
        "from pydantic import BaseModel, ConfigDict\n\n"
        "class A(BaseModel):\n"
        "    model_config = ConfigDict(frozen=True)\n\n"
        "    class Config:\n"
        "        orm_mode = True\n"
    )
    other_base = (
        "from pydantic import BaseModel\n\n"
        "class A(BaseModel):\n"
        "    class Config(Mixin.Config):\n"
        "        orm_mode = True\n"
    )
    for source in (both, other_base):
        assert fixable(source, "LL401") == [False]


def test_ll401_noqa_config_is_not_fixed() -> None:
    source = (
        "from pydantic import BaseModel\n\n"
        "class A(BaseModel):\n"
        "    class Config:  # noqa: LL401\n"
        "        orm_mode = True\n\n"
        "class B(BaseModel):\n"
        "    class Config:\n"
        "        orm_mode = True\n"
    )
    assert fix(source, "LL401") == (
        "from pydantic import BaseModel, ConfigDict\n"
        "\n"
        "class A(BaseModel):\n"
        "    class Config:  # noqa: LL401\n"
        "        orm_mode = True\n"
        "\n"
        "class B(BaseModel):\n"
        "    model_config = ConfigDict(from_attributes=True)\n"
    )


def test_ll401_ll402_config_fix_together_with_orm_mode_fix() -> None:
    source = (
        "from pydantic import BaseModel\n\n"
        "class A(BaseModel):\n"
        "    class Config:\n"
        "        orm_mode = True  # read ORM rows\n"
    )
    assert fix(source, "LL401", "LL402") == (
        "from pydantic import BaseModel, ConfigDict\n"
        "\n"
        "class A(BaseModel):\n"
        "    model_config = ConfigDict(\n"
        "        from_attributes=True,  # read ORM rows\n"
        "    )\n"
    )


# -- LL402 orm_mode ----------------------------------------------------------------------------


def test_ll402_orm_mode_next_to_from_attributes_is_not_renamed() -> None:
    source = (
        "from pydantic import BaseModel, ConfigDict\n\n"
        "class A(BaseModel):\n"
        "    model_config = ConfigDict(orm_mode=True, from_attributes=True)\n"
    )
    assert fixable(source, "LL402") == [False]
    assert fix(source, "LL402") == source


# -- LL403 classmethods ------------------------------------------------------------------------

_ORM_USER = (
    "from pydantic import BaseModel, ConfigDict\n\n"
    "class User(BaseModel):\n"
    "    model_config = ConfigDict(from_attributes=True)\n"
    "    id: int\n\n"
)


def test_ll403_classmethods_with_v2_equivalents() -> None:
    source = _ORM_USER + (
        "class Admin(User):\n"
        "    @classmethod\n"
        "    def load(cls, raw: bytes) -> 'Admin':\n"
        "        return cls.parse_raw(raw)\n\n"
        "def build(data: dict, raw: str) -> list:\n"
        "    return [\n"
        "        User.construct(id=1),\n"
        "        User.validate(data),\n"
        "        User.schema(),\n"
        "        User.update_forward_refs(),\n"
        "        User.parse_obj(data, extra=1),\n"
        "        User.parse_raw(raw, content_type='application/json'),\n"
        "        User.schema_json(),\n"
        "        User.update_forward_refs(User=User),\n"
        "    ]\n"
    )
    assert fix(source, "LL403") == _ORM_USER + (
        "class Admin(User):\n"
        "    @classmethod\n"
        "    def load(cls, raw: bytes) -> 'Admin':\n"
        "        return cls.model_validate_json(raw)\n\n"
        "def build(data: dict, raw: str) -> list:\n"
        "    return [\n"
        "        User.model_construct(id=1),\n"
        "        User.model_validate(data),\n"
        "        User.model_json_schema(),\n"
        "        User.model_rebuild(),\n"
        "        User.parse_obj(data, extra=1),\n"
        "        User.parse_raw(raw, content_type='application/json'),\n"
        "        User.schema_json(),\n"
        "        User.update_forward_refs(User=User),\n"
        "    ]\n"
    )


def test_ll403_from_orm_without_from_attributes_is_unsafe() -> None:
    source = (
        "from pydantic import BaseModel\n\n"
        "class User(BaseModel):\n"
        "    id: int\n\n"
        "def load(row: object) -> User:\n"
        "    return User.from_orm(row)\n"
    )
    assert fix(source, "LL403") == source
    assert fix(source, "LL403", unsafe=True) == source.replace(
        "User.from_orm(row)", "User.model_validate(row, from_attributes=True)"
    )


def test_ll403_from_orm_with_v1_orm_mode_is_safe() -> None:
    source = (
        "from pydantic import BaseModel\n\n"
        "class User(BaseModel):\n"
        "    id: int\n"
        "    class Config:\n"
        "        orm_mode = True\n\n"
        "def load(row: object) -> User:\n"
        "    return User.from_orm(row)\n"
    )
    assert fix(source, "LL403") == source.replace("User.from_orm(row)", "User.model_validate(row)")


def test_ll403_classmethod_on_noqa_line_is_not_fixed() -> None:
    source = _ORM_USER + (
        "def load(data: dict) -> list:\n"
        "    return [\n"
        "        User.parse_obj(data),  # noqa: LL403\n"
        "        User.parse_obj(data),\n"
        "    ]\n"
    )
    assert fix(source, "LL403") == _ORM_USER + (
        "def load(data: dict) -> list:\n"
        "    return [\n"
        "        User.parse_obj(data),  # noqa: LL403\n"
        "        User.model_validate(data),\n"
        "    ]\n"
    )


# -- LL404 instance methods --------------------------------------------------------------------

_ITEM = "from pydantic import BaseModel\n\nclass Item(BaseModel):\n    name: str\n\n"


def test_ll404_instance_methods_and_attributes() -> None:
    source = _ITEM + (
        "def dump(item: Item) -> object:\n"
        "    a = item.dict(include={'name'}, exclude_unset=True)\n"
        "    b = item.copy(deep=True)\n"
        "    c = item.dict(skip_defaults=True)\n"
        "    d = item.json(models_as_dict=False)\n"
        "    e = item.json(sort_keys=True)\n"
        "    f = item.copy(exclude={'name'})\n"
        "    print(a, b, c, d, e, f, sorted(item.__fields_set__))\n"
        "    return item.__fields__\n"
    )
    assert fix(source, "LL404") == _ITEM + (
        "def dump(item: Item) -> object:\n"
        "    a = item.model_dump(include={'name'}, exclude_unset=True)\n"
        "    b = item.model_copy(deep=True)\n"
        "    c = item.dict(skip_defaults=True)\n"
        "    d = item.json(models_as_dict=False)\n"
        "    e = item.json(sort_keys=True)\n"
        "    f = item.copy(exclude={'name'})\n"
        "    print(a, b, c, d, e, f, sorted(item.model_fields_set))\n"
        "    return item.model_fields\n"
    )


def test_ll404_json_with_indent_is_unsafe() -> None:
    source = _ITEM + "def dump(item: Item) -> str:\n    return item.json(indent=2)\n"
    assert fix(source, "LL404") == source
    assert fix(source, "LL404", unsafe=True) == source.replace(".json(", ".model_dump_json(")


# -- LL405 validators --------------------------------------------------------------------------


def test_ll405_validator_import_is_replaced_when_no_longer_used() -> None:
    source = (
        "from pydantic import BaseModel, validator\n\n"
        "class A(BaseModel):\n"
        "    name: str\n\n"
        '    @validator("name")\n'
        "    def strip(cls, value: str) -> str:\n"
        "        return value.strip()\n"
    )
    assert fix(source, "LL405") == (
        "from pydantic import BaseModel, field_validator\n"
        "\n"
        "class A(BaseModel):\n"
        "    name: str\n"
        "\n"
        '    @field_validator("name")\n'
        "    @classmethod\n"
        "    def strip(cls, value: str) -> str:\n"
        "        return value.strip()\n"
    )


def test_ll405_validator_import_stays_while_a_noqa_validator_uses_it() -> None:
    source = (
        "from pydantic import BaseModel, validator\n\n"
        "class A(BaseModel):\n"
        "    name: str\n"
        "    code: str\n\n"
        "    @validator('name')  # noqa: LL405\n"
        "    def strip(cls, value: str) -> str:\n"
        "        return value.strip()\n\n"
        "    @validator('code', pre=True, always=False, each_item=False, check_fields=False)\n"
        "    @classmethod\n"
        "    def upper(cls, value: str) -> str:\n"
        "        return value.upper()\n"
    )
    assert fix(source, "LL405") == (
        "from pydantic import BaseModel, field_validator, validator\n"
        "\n"
        "class A(BaseModel):\n"
        "    name: str\n"
        "    code: str\n"
        "\n"
        "    @validator('name')  # noqa: LL405\n"
        "    def strip(cls, value: str) -> str:\n"
        "        return value.strip()\n"
        "\n"
        "    @field_validator('code', mode='before', check_fields=False)\n"
        "    @classmethod\n"
        "    def upper(cls, value: str) -> str:\n"
        "        return value.upper()\n"
    )


def test_ll405_validator_through_module_alias_and_stacked_validators() -> None:
    source = (
        "import pydantic as pd\n\n"
        "class A(pd.BaseModel):\n"
        "    a: str\n"
        "    b: str\n\n"
        "    @pd.validator('a')\n"
        "    @pd.validator('b', allow_reuse=True)\n"
        "    def strip(cls, value: str) -> str:\n"
        "        return value.strip()\n"
    )
    assert fix(source, "LL405") == (
        "import pydantic as pd\n\n"
        "class A(pd.BaseModel):\n"
        "    a: str\n"
        "    b: str\n\n"
        "    @pd.field_validator('a')\n"
        "    @pd.field_validator('b')\n"
        "    @classmethod\n"
        "    def strip(cls, value: str) -> str:\n"
        "        return value.strip()\n"
    )


def test_ll405_validator_reading_values_is_an_unsafe_fix() -> None:
    source = (
        "from typing import Any\n"
        "from pydantic import BaseModel, validator\n\n"
        "class A(BaseModel):\n"
        "    start: int\n"
        "    end: int\n\n"
        "    @validator('end')\n"
        "    def after(cls, v: int, values: dict[str, Any]) -> int:\n"
        "        start = values['start']\n"
        "        check = lambda: 'start' in values\n"
        "        assert check()\n"
        "        return max(v, start, *values.values())\n"
    )
    assert fixable(source, "LL405") == [True]
    assert fix(source, "LL405") == source
    assert fix(source, "LL405", unsafe=True) == (
        "from typing import Any\n"
        "from pydantic import BaseModel, ValidationInfo, field_validator\n"
        "\n"
        "class A(BaseModel):\n"
        "    start: int\n"
        "    end: int\n"
        "\n"
        "    @field_validator('end')\n"
        "    @classmethod\n"
        "    def after(cls, v: int, info: ValidationInfo) -> int:\n"
        "        start = info.data['start']\n"
        "        check = lambda: 'start' in info.data\n"
        "        assert check()\n"
        "        return max(v, start, *info.data.values())\n"
    )


def test_ll405_validators_without_exact_v2_spelling_keep_their_diagnostic() -> None:
    header = "from pydantic import BaseModel, root_validator, validator\nfrom app import deco\n\nclass A(BaseModel):\n"
    cases = [
        "    @validator('a', each_item=True)\n    def f(cls, v):\n        return v\n",
        "    @validator('a')\n    def f(cls, v, values, field, config):\n        return v\n",
        "    @validator('a')\n    def f(cls, v, **kwargs):\n        return v\n",
        "    @validator('a')\n    def f(cls, v, values):\n        info = 1\n        return values\n",
        "    @validator('a')\n    def f(cls, v, values):\n        values = {}\n        return v\n",
        "    @validator('a', pre=FLAG)\n    def f(cls, v):\n        return v\n",
        "    @validator('a', whole=True)\n    def f(cls, v):\n        return v\n",
        "    @classmethod\n    @validator('a')\n    def f(cls, v):\n        return v\n",
        "    @validator('a')\n    @deco\n    def f(cls, v):\n        return v\n",
        "    @root_validator\n    def f(cls, values):\n        return values\n",
        "    @root_validator(pre=True)\n    def f(cls, values, other):\n        return values\n",
    ]
    for case in cases:
        source = header + case
        assert fixable(source, "LL405") == [False], case
        assert fix(source, "LL405", unsafe=True) == source


def test_ll405_aliased_validator_import_is_left_alone() -> None:
    source = (
        "from pydantic import BaseModel, validator as check\n\n"
        "class A(BaseModel):\n"
        "    @check('a')\n"
        "    def f(cls, v):\n"
        "        return v\n"
    )
    assert fixable(source, "LL405") == [False]


def test_ll403_ll405_validator_with_v1_calls_inside_keeps_those_fixes_in_one_run() -> None:
    source = (
        "from pydantic import BaseModel, validator\n\n"
        "class Item(BaseModel):\n"
        "    name: str\n\n"
        "class Order(BaseModel):\n"
        "    item: Item\n\n"
        "    @validator('item', pre=True)\n"
        "    def load(cls, value: dict) -> Item:\n"
        "        return Item.parse_obj(value)\n"
    )
    assert fix(source, "LL405", "LL403") == (
        "from pydantic import BaseModel, field_validator\n"
        "\n"
        "class Item(BaseModel):\n"
        "    name: str\n"
        "\n"
        "class Order(BaseModel):\n"
        "    item: Item\n"
        "\n"
        "    @field_validator('item', mode='before')\n"
        "    def load(cls, value: dict) -> Item:\n"
        "        return Item.model_validate(value)\n"
    )


# -- LL406 BaseSettings --------------------------------------------------------------------


def test_ll406_basesettings_import_forms() -> None:
    alone = "from pydantic import BaseSettings  # settings\n\nclass S(BaseSettings):\n    pass\n"
    assert fix(alone, "LL406") == alone.replace(
        "from pydantic import", "from pydantic_settings import"
    )
    first = "from pydantic import BaseSettings, Field\n\nclass S(BaseSettings):\n    x: int = Field(1)\n"
    assert fix(first, "LL406") == (
        "from pydantic import Field\n"
        "from pydantic_settings import BaseSettings\n\n"
        "class S(BaseSettings):\n    x: int = Field(1)\n"
    )
    last = "from pydantic import Field, BaseSettings\n\nclass S(BaseSettings):\n    x: int = Field(1)\n"
    assert fix(last, "LL406") == fix(first, "LL406")
    aliased = "from pydantic import Field, BaseSettings as Base\n\nclass S(Base):\n    x: int = Field(1)\n"
    assert fixable(aliased, "LL406") == [False]


def test_ll406_basesettings_attribute_keeps_pydantic_import_while_used() -> None:
    source = "import pydantic\n\nclass S(pydantic.BaseSettings):\n    x: int = pydantic.Field(1)\n"
    assert fix(source, "LL406") == (
        "import pydantic\n"
        "import pydantic_settings\n\n"
        "class S(pydantic_settings.BaseSettings):\n"
        "    x: int = pydantic.Field(1)\n"
    )
    unused = "import pydantic\n\nclass S(pydantic.BaseSettings):\n    x: int = 1\n"
    assert fix(unused, "LL406") == (
        "import pydantic_settings\n\n\nclass S(pydantic_settings.BaseSettings):\n    x: int = 1\n"
    )


# -- LL407 Field() arguments -----------------------------------------------------------------


def test_ll407_field_arguments() -> None:
    source = (
        "from pydantic import BaseModel, Field\n\n"
        "PATTERN = '^a'\n\n"
        "class A(BaseModel):\n"
        "    a: list[int] = Field(min_items=1)\n"
        "    b: int = Field(0, allow_mutation=True)\n"
        "    c: str = Field(regex=PATTERN)\n"
        "    d: str = Field(regex='^a', pattern='^b')\n"
        "    e: list[int] = Field(unique_items=True)\n"
        r"    f: str = Field(regex=r'(\w)\1')"
        "\n"
    )
    assert fix(source, "LL407") == source.replace("min_items", "min_length").replace(
        "allow_mutation=True", "frozen=False"
    )
    assert fix(source, "LL407", unsafe=True) == fix(source, "LL407").replace(
        "Field(regex=PATTERN)", "Field(pattern=PATTERN)"
    ).replace(r"Field(regex=r'(\w)\1')", r"Field(pattern=r'(\w)\1')")


def test_ll402_orm_mode_in_config_class_and_class_keyword() -> None:
    source = (
        "import pydantic\n\n"
        "class A(pydantic.BaseModel, orm_mode=True, frozen=True):\n"
        "    class Config:\n"
        "        orm_mode = True  # rows\n"
    )
    assert fix(source, "LL402") == (
        "import pydantic\n\n"
        "class A(pydantic.BaseModel, from_attributes=True, frozen=True):\n"
        "    class Config:\n"
        "        from_attributes = True  # rows\n"
    )


def test_ll401_config_comments_and_blank_lines_keep_their_place() -> None:
    source = (
        "from pydantic import BaseModel\n\n"
        "class A(BaseModel):\n"
        "    class Config:\n"
        "        title = 'A'\n\n"
        "        underscore_attrs_are_private = True  # v2 always does this\n"
        "        pass\n"
        "        # end of config\n"
        "    name: str\n"
    )
    assert fix(source, "LL401") == (
        "from pydantic import BaseModel, ConfigDict\n"
        "\n"
        "class A(BaseModel):\n"
        "    model_config = ConfigDict(\n"
        "        title='A',\n"
        "\n"
        "        # v2 always does this\n"
        "        # end of config\n"
        "    )\n"
        "    name: str\n"
    )


def test_ll406_basesettings_from_env_settings_module() -> None:
    source = (
        "from pydantic.env_settings import BaseSettings as Base  # v1 path\n\n"
        "class S(Base):\n"
        "    x: int = 1\n"
    )
    assert fix(source, "LL406") == source.replace("pydantic.env_settings", "pydantic_settings")


def test_ll407_env_becomes_validation_alias_only_as_an_unsafe_fix() -> None:
    source = (
        "from pydantic import BaseSettings, Field\n\n"
        "class Settings(BaseSettings):\n"
        "    api_key: str = Field(..., env='PAYMENTS_API_KEY')\n"
        "    names: str = Field('', env=['A', 'B'])\n"
    )
    assert fix(source, "LL407") == source
    assert fix(source, "LL407", unsafe=True) == source.replace(
        "env='PAYMENTS_API_KEY'", "validation_alias='PAYMENTS_API_KEY'"
    )


def test_ll407_example_becomes_an_examples_list_only_as_an_unsafe_fix() -> None:
    source = (
        "from pydantic import BaseModel, Field\n\n"
        "class Item(BaseModel):\n"
        "    size: int = Field(..., example=3)\n"
    )
    assert fix(source, "LL407") == source
    assert fix(source, "LL407", unsafe=True) == source.replace("example=3", "examples=[3]")
