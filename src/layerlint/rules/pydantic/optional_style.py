"""LL411 ``optional-style``: ``Optional[X]`` where the project writes ``X | None`` (or the reverse)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from layerlint.expressions import dotted_name, is_none, union_members
from layerlint.rules.base import Default, Example, FileRule, OptionValue, RuleOption

if TYPE_CHECKING:
    from collections.abc import Mapping

    from layerlint.file_context import FileContext


_TYPING = frozenset({"typing", "typing_extensions"})


def _is_string(node: cst.BaseExpression) -> bool:
    """A forward reference: ``"User" | None`` fails at run time without lazy annotations."""
    return isinstance(node, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString)


class OptionalStyle(FileRule):
    """``Optional[X]`` where the project writes ``X | None`` (or the reverse).

    **What it does:** with ``union-style = "pipe"`` (default, PEP 604) flags
    ``Optional[X]`` and ``Union[X, None]`` (``typing``/``typing_extensions``, resolved
    through imports) in annotations; with ``union-style = "optional"``
    flags ``X | None`` instead. ``Optional["User"]`` (a
    forward reference) is left alone unless the module has ``from __future__ import
    annotations``: ``"User" | None`` would fail when the annotation is evaluated.

    **Why is this bad?** Two spellings of one type make schemas harder to scan and to
    diff; style guides each pick one.

    **Example:** ``description: Optional[str] = None``.

    **Use instead:** ``description: str | None = None`` (or ``Optional[str]`` with
    ``union-style = "optional"``).
    """

    code = "LL411"
    skips_migrations = True
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

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._lazy_annotations = False

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileContext) -> None:
        if (
            isinstance(node.module, cst.Name)
            and node.module.value == "__future__"
            and not isinstance(node.names, cst.ImportStar)
        ) and any(
            isinstance(a.name, cst.Name) and a.name.value == "annotations" for a in node.names
        ):
            self._lazy_annotations = True

    def visit_Annotation(self, node: cst.Annotation, ctx: FileContext) -> None:
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
                members = union_members(current)
                if not pipe and any(is_none(m) for m in members):
                    ctx.report(
                        current,
                        'use `Optional[X]` instead of `X | None` (union-style = "optional")',
                    )
                stack.extend(m for m in members if not is_none(m))
            elif isinstance(current, cst.List):
                stack.extend(el.value for el in current.elements)

    @staticmethod
    def _typing_optional(
        node: cst.Subscript, members: list[cst.BaseExpression], ctx: FileContext
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
            if not any(is_none(m) for m in members):
                return False
        else:
            return False
        qualified = ctx.qualified_name(base)
        return qualified is not None and qualified.rsplit(".", 1)[0] in _TYPING


def _typing_form(node: cst.Subscript) -> str:
    dotted = dotted_name(node.value)
    return f"{'.'.join(dotted) if dotted else 'Optional'}[...]"
