"""LL207 ``shared-request-response-schema``: the same schema class is a route's request body and its response model."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import Value
from layerlint.project import Project
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.fastapi._support import (
    SEED_AI1,
    SEED_PATTERNS,
    body_params,
    is_list_type,
    response_finding,
    response_type,
    routes,
    type_classes,
)


class SharedRequestResponseSchema(ProjectRule):
    """The same schema class is a route's request body and its response model.

    **What it does:** compares the Pydantic models a route receives as its body with
    its response type (``response_model=``, else the return annotation), resolving the
    classes across files; ``list[X]`` bodies are compared with ``list[X]`` responses.

    **Why is this bad?** Requests and responses differ: the request must not accept
    ``id``, timestamps or ``is_admin``; the response must not echo a ``password``. One
    shared class makes every future field either writable by clients or visible to
    them.

    **Example:** ``@router.put("/{id}", response_model=Item)`` over
    ``def update(id: int, item: Item)``

    **Use instead:** separate ``ItemCreate``/``ItemUpdate`` and ``ItemResponse`` schemas
    (they can share an ``ItemBase``).
    """

    code = "LL207"
    name = "shared-request-response-schema"
    message = "`{schema}` is both the request body (`{param}`) and the response model; use separate schemas"
    seed = f"{SEED_PATTERNS}: separate request and response schemas; {SEED_AI1} (UserCreate/UserResponse)"
    example_path = "app/routes/items.py"
    _schemas = (
        "from pydantic import BaseModel\n"
        "class ItemBase(BaseModel):\n"
        "    name: str\n"
        "class ItemCreate(ItemBase):\n"
        "    pass\n"
        "class Item(ItemBase):\n"
        "    id: int\n"
    )
    valid = (
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from fastapi import APIRouter, Depends\n"
                    "from app.schemas.item import Item, ItemCreate\n"
                    "router = APIRouter()\n"
                    "@router.post('/', response_model=Item)\n"
                    "async def create(data: ItemCreate) -> Item:\n"
                    "    return Item(id=1, name=data.name)\n"
                    "@router.get('/', response_model=list[Item])\n"
                    "async def search(query: Item = Depends()) -> list[Item]:\n"
                    "    return []\n"
                    "@router.post('/bulk', response_model=list[Item])\n"
                    "async def bulk(items: list[ItemCreate]):\n"
                    "    return []\n"
                ),
            }
        ),
        Example(
            {
                "app/models/item.py": (
                    "from sqlmodel import SQLModel, Field\n"
                    "class Item(SQLModel, table=True):\n"
                    "    id: int = Field(primary_key=True)\n"
                ),
                "app/routes/items.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models.item import Item\n"
                    "router = APIRouter()\n"
                    "@router.post('/')\n"
                    "async def create(item: Item) -> Item:\n"
                    "    return item\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from fastapi import APIRouter\n"
                    "from app.schemas import item as schemas\n"
                    "router = APIRouter()\n"
                    "@router.put('/{item_id}', response_model=schemas.Item)  # error\n"
                    "async def update(item_id: int, item: schemas.Item):\n"
                    "    return item\n"
                    "@router.post('/')\n"
                    "async def create(  # error\n"
                    "    item: schemas.ItemCreate,\n"
                    ") -> schemas.ItemCreate:\n"
                    "    return item\n"
                ),
            }
        ),
        Example(
            {
                "app/schemas/item.py": _schemas,
                "app/routes/items.py": (
                    "from typing import List\n"
                    "from fastapi import APIRouter\n"
                    "from app.schemas.item import Item\n"
                    "router = APIRouter()\n"
                    "@router.post('/bulk', response_model=List[Item])  # error\n"
                    "async def bulk(items: List[Item]):\n"
                    "    return items\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for route in routes(project):
            declared = response_type(project, route)
            if declared is None:
                continue
            single, listed = _response_classes(project, declared.module, declared.value)
            for param, model, is_list in body_params(project, route.ref):
                if model in (listed if is_list else single):
                    message = self.message.format(schema=model.rsplit(".", 1)[-1], param=param.name)
                    yield response_finding(route, declared, message)
                    break


def _response_classes(
    project: Project, module: str, value: Value, depth: int = 0
) -> tuple[set[str], set[str]]:
    """(classes the response holds as such, classes it holds as list items).

    ``Item``, ``Item | None`` and ``Page[Item]`` hold ``Item`` itself; ``list[Item]``
    holds it as items, so only a ``list[Item]`` body shares a schema with it.
    """
    single: set[str] = set()
    listed: set[str] = set()
    if depth > 4:
        return single, listed
    if value.kind == "subscript" and value.dotted and is_list_type(project, module, value.dotted):
        for element in value.elements:
            listed.update(type_classes(project, module, element))
        return single, listed
    if value.kind in ("name", "subscript") and value.dotted:
        resolved = project.resolve_canonical(module, value.dotted)
        if resolved is not None:
            single.add(resolved)
    if value.kind in ("subscript", "list", "other"):
        for element in value.elements:
            inner_single, inner_listed = _response_classes(project, module, element, depth + 1)
            single |= inner_single
            listed |= inner_listed
    return single, listed
