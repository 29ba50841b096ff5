"""LL402 ``orm-mode``: ``orm_mode`` in a model's config."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from layerlint.rules.base import Example, FileRule, Fix, Fixability, OptionValue
from layerlint.rules.pydantic._support import (
    CONFIG_DICTS,
    SEED_V2,
    ModelClassifier,
    Verdict,
    assignments,
    keywords,
    nested_config_classes,
    rename,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from layerlint.file_context import FileContext


def orm_mode_keyword_fix(arg: cst.Arg, siblings: Sequence[cst.Arg]) -> Fix | None:
    """``ConfigDict(orm_mode=True)`` / ``class M(BaseModel, orm_mode=True)``: rename."""
    if arg.keyword is None or "from_attributes" in keywords(siblings):
        return None
    return rename(arg.keyword, "from_attributes")


def orm_mode_key_fix(
    element: cst.DictElement, siblings: Sequence[cst.BaseDictElement]
) -> Fix | None:
    """``{"orm_mode": True}`` -> ``{"from_attributes": True}`` in the same quotes."""
    key = element.key
    if not isinstance(key, cst.SimpleString):
        return None
    for other in siblings:
        if (
            isinstance(other, cst.DictElement)
            and isinstance(other.key, cst.SimpleString)
            and other.key.evaluated_value == "from_attributes"
        ):
            return None
    new = f"{key.prefix}{key.quote}from_attributes{key.quote}"
    return Fix(((key, key.with_changes(value=new)),))


def orm_mode_target_fix(target: cst.Name, config: cst.ClassDef) -> Fix | None:
    """``orm_mode = True`` in a ``class Config`` -> ``from_attributes = True``."""
    for stmt in _small_statements(config):
        if isinstance(stmt, cst.Assign | cst.AnnAssign):
            names = (
                [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
            )
            if any(isinstance(n, cst.Name) and n.value == "from_attributes" for n in names):
                return None
    return rename(target, "from_attributes")


def _small_statements(node: cst.ClassDef) -> list[cst.BaseSmallStatement]:
    body = node.body
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    return [
        stmt
        for line in body.body
        if isinstance(line, cst.SimpleStatementLine)
        for stmt in line.body
    ]


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
    skips_migrations = True
    name = "orm-mode"
    message = "`orm_mode` was renamed in Pydantic v2; use `from_attributes=True`"
    seed = SEED_V2 + " (from_attributes instead of orm_mode)"
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

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._models.reset()

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
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

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
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
