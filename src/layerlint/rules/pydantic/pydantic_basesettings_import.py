"""LL406 ``pydantic-basesettings-import``: ``BaseSettings`` imported from ``pydantic``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from layerlint.expressions import dotted_name
from layerlint.rules.base import Example, FileRule, Fix, Fixability, OptionValue
from layerlint.rules.pydantic._support import drop_item

if TYPE_CHECKING:
    from collections.abc import Mapping

    from layerlint.file_context import FileContext


_COMPAT_HANDLERS = frozenset({"ImportError", "ModuleNotFoundError", "Exception"})


def _handler_names(handler: cst.ExceptHandler) -> list[str]:
    if handler.type is None:
        return ["Exception"]
    values = (
        [el.value for el in handler.type.elements]
        if isinstance(handler.type, cst.Tuple)
        else [handler.type]
    )
    return [d[-1] for v in values if (d := dotted_name(v)) is not None]


class CompatGuard:
    """Tracks version-compatibility blocks: ``try: ... except ImportError:`` and
    ``if PYDANTIC_V2:``-style tests, where an old import is a deliberate fallback."""

    def __init__(self) -> None:
        self.depth = 0
        self._entered: list[bool] = []

    def reset(self) -> None:
        self.depth = 0
        self._entered.clear()

    def enter_try(self, node: cst.Try) -> None:
        guard = any(name in _COMPAT_HANDLERS for h in node.handlers for name in _handler_names(h))
        self._push(guard)

    def enter_if(self, node: cst.If) -> None:
        self._push(_mentions_version(node.test))

    def leave(self) -> None:
        if self._entered and self._entered.pop():
            self.depth -= 1

    def _push(self, guard: bool) -> None:
        self._entered.append(guard)
        if guard:
            self.depth += 1


def _mentions_version(test: cst.BaseExpression, budget: int = 24) -> bool:
    """Whether an ``if`` test names a Pydantic version flag (``PYDANTIC_V2``, ``VERSION``)."""
    stack: list[cst.CSTNode] = [test]
    while stack and budget > 0:
        budget -= 1
        node = stack.pop()
        if isinstance(node, cst.Name):
            lowered = node.value.lower()
            if "pydantic" in lowered or "version" in lowered:
                return True
        elif isinstance(node, cst.Attribute):
            lowered = node.attr.value.lower()
            if "pydantic" in lowered or "version" in lowered:
                return True
            stack.append(node.value)
        elif isinstance(node, cst.UnaryOperation):
            stack.append(node.expression)
        elif isinstance(node, cst.BooleanOperation):
            stack.extend((node.left, node.right))
        elif isinstance(node, cst.Comparison):
            stack.append(node.left)
            stack.extend(t.comparator for t in node.comparisons)
        elif isinstance(node, cst.Call):
            stack.append(node.func)
            stack.extend(a.value for a in node.args)
        elif isinstance(node, cst.Subscript):
            stack.append(node.value)
    return False


def basesettings_import_fix(node: cst.ImportFrom, alias: cst.ImportAlias) -> Fix | None:
    """Point the import at ``pydantic_settings``, splitting it if it imports more names."""
    if isinstance(node.names, cst.ImportStar) or node.module is None:
        return None
    if len(node.names) == 1:
        return Fix(((node.module, cst.Name("pydantic_settings")),))
    if alias.asname is not None:
        return None  # the added import cannot carry an alias
    index = next(i for i, a in enumerate(node.names) if a is alias)
    opening = node.lpar.whitespace_after if node.lpar is not None else node.whitespace_after_import
    result = drop_item(list(node.names), index, opening)
    if result is None:
        return None
    names, opening = result
    if node.lpar is not None:
        updated = node.with_changes(
            names=names, lpar=node.lpar.with_changes(whitespace_after=opening)
        )
    else:
        updated = node.with_changes(names=names, whitespace_after_import=opening)
    return Fix(((node, updated),), add_imports=(("pydantic_settings", "BaseSettings"),))


def basesettings_attribute_fix(node: cst.Attribute) -> Fix | None:
    """``pydantic.BaseSettings`` -> ``pydantic_settings.BaseSettings`` (+ its import)."""
    if not isinstance(node.value, cst.Name) or node.value.value != "pydantic":
        return None
    return Fix(
        ((node.value, cst.Name("pydantic_settings")),),
        add_imports=(("pydantic_settings", None),),
        remove_imports=(("pydantic", None),),
    )


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
    skips_migrations = True
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

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._compat.reset()

    def visit_Try(self, node: cst.Try, ctx: FileContext) -> None:
        self._compat.enter_try(node)

    def leave_Try(self, node: cst.Try, ctx: FileContext) -> None:
        self._compat.leave()

    def visit_If(self, node: cst.If, ctx: FileContext) -> None:
        self._compat.enter_if(node)

    def leave_If(self, node: cst.If, ctx: FileContext) -> None:
        self._compat.leave()

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileContext) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = ".".join(dotted_name(node.module) or ())
        if module not in _BASESETTINGS_MODULES or self._compat.depth:
            return
        for alias in node.names:
            if isinstance(alias.name, cst.Name) and alias.name.value == "BaseSettings":
                ctx.report(alias, fix=basesettings_import_fix(node, alias))

    def visit_Attribute(self, node: cst.Attribute, ctx: FileContext) -> None:
        if node.attr.value != "BaseSettings" or self._compat.depth:
            return
        if ctx.qualified_name(node) == "pydantic.BaseSettings":
            ctx.report(node, fix=basesettings_attribute_fix(node))
