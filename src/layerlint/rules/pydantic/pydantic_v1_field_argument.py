"""LL407 ``pydantic-v1-field-argument``: a Pydantic v1 keyword argument to ``Field()``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from layerlint.expressions import bool_literal
from layerlint.rules.base import Example, FileRule, Fix, Fixability
from layerlint.rules.pydantic._support import SEED_V2, keywords, rename

if TYPE_CHECKING:
    from collections.abc import Mapping

    from layerlint.file_context import FileContext


FIELD_RENAMES: Mapping[str, str] = {
    "regex": "pattern",
    "min_items": "min_length",
    "max_items": "max_length",
    "allow_mutation": "frozen",
}


# Python-only regex syntax: v2 checks ``pattern`` with the Rust engine, which lacks it.
_PYTHON_ONLY_REGEX = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=")


def field_argument_fix(arg: cst.Arg, siblings: Sequence[cst.Arg]) -> Fix | None:
    """``Field(regex=...)`` -> ``pattern=``, ``min_items`` -> ``min_length``...

    ``const`` and ``unique_items`` have no argument in v2 (they become a ``Literal``
    or ``set`` annotation), so they get no fix.
    """
    if arg.keyword is None:
        return None
    if arg.keyword.value == "env":
        return _env_fix(arg, siblings)
    if arg.keyword.value == "example":
        return _example_fix(arg, siblings)
    new = FIELD_RENAMES.get(arg.keyword.value)
    if new is None or new in keywords(siblings):
        return None
    if new == "frozen":
        allowed = bool_literal(arg.value)
        if allowed is None:
            return None
        flipped = cst.Name("False" if allowed else "True")
        return Fix(((arg.keyword, arg.keyword.with_changes(value=new)), (arg.value, flipped)))
    fix = rename(arg.keyword, new)
    if new == "pattern":
        value = arg.value
        text = value.evaluated_value if isinstance(value, cst.SimpleString) else None
        if not isinstance(text, str) or _PYTHON_ONLY_REGEX.search(text):
            return Fix(fix.replacements, safe=False)
    return fix


def _env_fix(arg: cst.Arg, siblings: Sequence[cst.Arg]) -> Fix | None:
    """``env="APP_KEY"`` -> ``validation_alias="APP_KEY"``: unsafe, because the variable
    is then matched as an alias (case-sensitively unless the settings say otherwise)."""
    if arg.keyword is None or not isinstance(arg.value, cst.SimpleString):
        return None
    if "validation_alias" in keywords(siblings) or "alias" in keywords(siblings):
        return None
    return Fix(rename(arg.keyword, "validation_alias").replacements, safe=False)


def _example_fix(arg: cst.Arg, siblings: Sequence[cst.Arg]) -> Fix | None:
    """``example=X`` -> ``examples=[X]``: unsafe, the JSON schema then carries an
    ``examples`` list instead of an ``example`` value."""
    if arg.keyword is None or "examples" in keywords(siblings):
        return None
    listed = cst.List([cst.Element(arg.value)])
    return Fix(
        ((arg.keyword, arg.keyword.with_changes(value="examples")), (arg.value, listed)), safe=False
    )


_V1_FIELD_ARGUMENTS: Mapping[str, str] = {
    "regex": "use `pattern=`",
    "min_items": "use `min_length=`",
    "max_items": "use `max_length=`",
    "allow_mutation": "use `frozen=` (inverted)",
    "const": "annotate the field with `Literal[value]`",
    "unique_items": "annotate the field as a `set[...]`",
    "env": (
        "pydantic-settings 2 ignores it and no longer reads that variable;"
        " use `validation_alias=` (`AliasChoices(...)` for several names)"
    ),
    "example": "use `examples=[...]`",
}


_PYDANTIC_FIELD = frozenset({"pydantic.Field", "pydantic.fields.Field"})

# The constrained-type functions take the same renamed constraints in v2.
_CONSTRAINED_TYPES = frozenset(
    f"{module}.{name}"
    for module in ("pydantic", "pydantic.types")
    for name in ("constr", "conlist", "conset", "confrozenset", "conbytes")
)
_CONSTRAINT_ARGUMENTS = frozenset({"regex", "min_items", "max_items", "unique_items"})


class PydanticV1FieldArgument(FileRule):
    """A Pydantic v1 keyword argument to ``Field()``.

    **What it does:** flags ``regex=``, ``min_items=``, ``max_items=``, ``const=``,
    ``allow_mutation=``, ``unique_items=``, ``env=`` and ``example=`` passed to
    ``pydantic.Field`` (resolved through the file's imports), and ``regex=``,
    ``min_items=``, ``max_items=``, ``unique_items=`` passed to ``constr()``,
    ``conlist()``, ``conset()``, ``confrozenset()`` and ``conbytes()``. ``sqlmodel.Field`` keeps
    some of these names and is not checked. Each keyword is reported on its own line.

    **Why is this bad?** Pydantic v2 removed or renamed them: ``const``/``unique_items``
    raise, the others only warn and will be dropped. ``env=`` is worse: pydantic-settings
    2 ignores it, so the setting silently stops reading its environment variable.
    ``example=`` is an unknown keyword in v2 (a deprecated extra); ``examples=[...]`` is
    the v2 argument.

    **Example:** ``code: str = Field(regex=r"^[A-Z]{3}$")``.

    **Use instead:** ``pattern=``, ``min_length=``/``max_length=``, ``frozen=True``,
    ``Literal[...]`` for constants and ``set[...]`` for unique items.

    **Fix:** renames ``regex``/``min_items``/``max_items`` and turns a literal
    ``allow_mutation=X`` into ``frozen=not X``; ``env="NAME"`` becomes
    ``validation_alias="NAME"`` as an unsafe fix (an alias is matched exactly, where
    the settings may match variables case-insensitively), and ``example=X`` becomes
    ``examples=[X]``, unsafe as the JSON schema changes. A ``regex`` that is not a plain literal,
    or uses look-around or back-references (v2 checks ``pattern`` with a Rust engine
    that lacks them), is an unsafe fix; ``const`` and ``unique_items`` need a type
    change and are left to you.
    """

    code = "LL407"
    skips_migrations = True
    name = "pydantic-v1-field-argument"
    message = "`Field({argument}=)` is Pydantic v1 API; {advice}"
    seed = SEED_V2 + " (Field() for validation constraints)"
    fixable = Fixability.PARTIAL
    unsafe_fixes = True
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
        "    ids: list[int] = pydantic.fields.Field(unique_items=True)  # error\n"
        "    code: pydantic.constr(regex=r'^[A-Z]+$')  # error\n"
        "    parts: pydantic.conlist(int, min_items=1)  # error\n",
        "from pydantic import BaseSettings, Field\n\n"
        "class Settings(BaseSettings):\n"
        "    api_key: str = Field(..., env='PAYMENTS_API_KEY')  # error\n"
        "    region: str = Field('eu', example='us-east-1')  # error\n",
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

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        found = [
            arg
            for arg in node.args
            if arg.keyword is not None and arg.keyword.value in _V1_FIELD_ARGUMENTS
        ]
        if not found:
            return
        callee = ctx.qualified_name(node.func)
        if callee in _CONSTRAINED_TYPES:
            found = [
                arg for arg in found if arg.keyword and arg.keyword.value in _CONSTRAINT_ARGUMENTS
            ]
        elif callee not in _PYDANTIC_FIELD:
            return
        for arg in found:
            assert arg.keyword is not None
            keyword = arg.keyword.value
            advice = _V1_FIELD_ARGUMENTS[keyword]
            message = self.message.format(argument=keyword, advice=advice)
            ctx.report(arg, message, fix=field_argument_fix(arg, node.args))
