"""LL210 ``unbounded-bulk-body``: a route body typed ``list[Schema]`` without a maximum length."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.diagnostics import Span
from layerlint.facts import ParamFact
from layerlint.project import FunctionRef, Project
from layerlint.rules.base import Default as RuleDefault
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.fastapi._support import body_params, routes

_SEED_PRODUCTION = "fastapi-production"


def _span_line(span: Span) -> tuple[int, int]:
    return span.line, span.column


_BOUND_CALLS = frozenset({"Body", "Field", "Query", "Form", "MaxLen", "Len", "conlist"})


class UnboundedBulkBody(ProjectRule):
    """A route body typed ``list[Schema]`` without a maximum length.

    **What it does:** flags request-body parameters typed ``list[X]``/``List[X]``/
    ``Sequence[X]`` of a Pydantic model with no ``max_length``: neither
    ``Annotated[list[X], Field(max_length=...)]`` (or ``Body(max_length=...)``,
    ``annotated_types.MaxLen``) nor ``= Body(..., max_length=...)``. Methods of classes
    are skipped (their parameters' defaults are not visible to the project pass).

    **Why is this bad?** An unbounded list lets one request insert a million rows,
    hold a transaction open for minutes and exhaust memory validating the payload.

    **Example:** ``async def create_bulk(items: list[ItemCreate]):``

    **Use instead:** ``items: Annotated[list[ItemCreate], Field(max_length=100)]``.
    """

    code = "LL210"
    name = "unbounded-bulk-body"
    message = "request body `{param}` is a list of `{schema}` without a maximum length; add `Field(max_length=...)`"
    seed = f"{_SEED_PRODUCTION}: bulk operations ('Maximum 100 schedules per request')"
    default = RuleDefault.OPT_IN
    example_path = "app/routes/items.py"
    _schemas = "from pydantic import BaseModel\nclass ItemCreate(BaseModel):\n    name: str\n"
    valid = (
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from typing import Annotated\n"
                    "from fastapi import APIRouter, Body\n"
                    "from pydantic import Field\n"
                    "from app.schemas.item import ItemCreate\n"
                    "router = APIRouter()\n"
                    "@router.post('/bulk')\n"
                    "async def bulk(items: Annotated[list[ItemCreate], Field(max_length=100)]) -> None:\n"
                    "    pass\n"
                    "@router.post('/bulk2')\n"
                    "async def bulk2(\n"
                    "    items: list[ItemCreate] = Body(..., max_length=50),\n"
                    "    dry_run: bool = False,\n"
                    ") -> None:\n"
                    "    pass\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas.item import ItemCreate\n"
                    "router = APIRouter()\n"
                    "@router.post('/ids')\n"
                    "async def by_ids(ids: list[int]) -> None:\n"
                    "    pass\n"
                    "@router.post('/one')\n"
                    "async def one(item: ItemCreate) -> None:\n"
                    "    pass\n"
                    "def helper(items: list[ItemCreate]) -> None:\n"
                    "    pass\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from typing import List\n"
                    "from fastapi import APIRouter, Body\n"
                    "from app.schemas.item import ItemCreate\n"
                    "router = APIRouter()\n"
                    "@router.post('/bulk')\n"
                    "async def bulk(items: list[ItemCreate]) -> None:  # error\n"
                    "    pass\n"
                    "@router.put('/bulk')\n"
                    "async def replace(\n"
                    "    items: List[ItemCreate] = Body(..., embed=True),  # error\n"
                    "    limit: int = Body(10, max_length=3),\n"
                    ") -> None:\n"
                    "    pass\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from collections.abc import Sequence\n"
                    "from fastapi import APIRouter\n"
                    "from app.schemas import item\n"
                    "router = APIRouter()\n"
                    "@router.patch('/bulk')\n"
                    "async def bulk(dry_run: bool, items: Sequence[item.ItemCreate]) -> None:  # error\n"
                    "    return None\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        seen: set[str] = set()
        for route in routes(project):
            ref = route.ref
            if ref.qualified in seen or ref.function.class_name is not None:
                continue
            seen.add(ref.qualified)
            for param, model, is_list in body_params(project, ref):
                if not is_list or param.span is None:
                    continue
                if _has_length_bound(project, ref, param):
                    continue
                message = self.message.format(param=param.name, schema=model.rsplit(".", 1)[-1])
                yield Finding(ref.module.path, param.span, message)


def _has_length_bound(project: Project, ref: FunctionRef, param: ParamFact) -> bool:
    """Is there a ``max_length`` call in the parameter's annotation or default?

    Calls written in a signature belong to the enclosing scope's facts (the module, or
    the function a route is nested in); the ones between this parameter and the next
    (or the body) are this parameter's.
    """
    fn = ref.function
    if "<locals>" in fn.qualname:
        outer = ref.module.function(fn.qualname.rsplit(".<locals>.", 1)[0])
        if outer is None:
            return True
        calls = outer.calls
    else:
        calls = ref.module.calls
    assert param.span is not None
    start = _span_line(param.span)
    params = [p for p in fn.params if p.span is not None]
    position = next(i for i, p in enumerate(params) if p is param)
    if position + 1 < len(params):
        next_span = params[position + 1].span
        assert next_span is not None
        end = _span_line(next_span)
    else:
        body = [c.span for c in fn.calls] + [r.span for r in fn.raises]
        body += [r.span for r in fn.returns_values]
        end = min((_span_line(s) for s in body), default=(param.span.line + 1, 0))
    for call in calls:
        here = _span_line(call.span)
        if not (start <= here < end) or call.callee[-1] not in _BOUND_CALLS:
            continue
        if call.callee[-1] == "MaxLen":
            return True
        if call.keyword("max_length") is not None or call.keyword("max_items") is not None:
            return True
        if call.callee[-1] == "Len" and len(call.args) >= 2:
            return True
    return False
