"""LL212 ``table-model-as-response``: an ORM model (or SQLModel ``table=True`` class) used as a route's response model."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.project import Project
from layerlint.rules._example_files import HERO_MODELS, USER_MODEL
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.fastapi._support import (
    SEED_BACKEND,
    response_finding,
    response_type,
    routes,
    type_classes,
)

_TABLE_MODELS: dict[str, str] = {
    "app/models/hero.py": HERO_MODELS,
    "app/models/user.py": USER_MODEL,
}


class TableModelAsResponse(ProjectRule):
    """An ORM model (or SQLModel ``table=True`` class) used as a route's response model.

    **What it does:** resolves the response type of each route (``response_model=``,
    else the return annotation; generics such as ``list[Hero]`` unwrapped) across files
    and flags it when it is a declarative SQLAlchemy model or a SQLModel class with
    ``table=True`` (directly or inherited).

    **Why is this bad?** The table class is the database schema: every column added
    later (password hashes, internal flags) becomes part of the public API, lazy
    relationships load (or fail) during serialisation, and the API cannot evolve
    without a migration.

    **Example:** ``@router.get("/heroes/{id}", response_model=Hero)`` where ``class
    Hero(SQLModel, table=True)``.

    **Use instead:** a ``HeroPublic(HeroBase)`` response schema (``table`` not set).
    """

    code = "LL212"
    name = "table-model-as-response"
    message = "response model `{model}` is an ORM table model; return a response schema"
    seed = (
        f"{SEED_BACKEND}: use a separate response schema; SQLModel table models are not API schemas"
    )
    example_path = "app/routes/heroes.py"
    valid = (
        Example(
            {
                **_TABLE_MODELS,
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models.hero import Hero, HeroBase, HeroPublic\n"
                    "router = APIRouter()\n"
                    "@router.get('/{hero_id}', response_model=HeroPublic)\n"
                    "async def get_hero(hero_id: int) -> Hero:\n"
                    "    return Hero(id=hero_id, name='x')\n"
                    "@router.get('/', response_model=list[HeroPublic])\n"
                    "async def list_heroes() -> list:\n"
                    "    return []\n"
                    "@router.post('/')\n"
                    "async def create(hero: HeroBase) -> HeroBase:\n"
                    "    return hero\n"
                ),
            }
        ),
        Example(
            {
                **_TABLE_MODELS,
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models.user import Base, User\n"
                    "router = APIRouter()\n"
                    "@router.get('/', response_model=None)\n"
                    "async def raw() -> User:\n"
                    "    return User()\n"
                    "def helper() -> User:\n"
                    "    return User()\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                **_TABLE_MODELS,
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models.hero import Hero\n"
                    "router = APIRouter()\n"
                    "@router.get('/{hero_id}', response_model=Hero)  # error\n"
                    "async def get_hero(hero_id: int):\n"
                    "    return None\n"
                    "@router.get('/', response_model=list[Hero])  # error\n"
                    "async def list_heroes():\n"
                    "    return []\n"
                ),
            }
        ),
        Example(
            {
                **_TABLE_MODELS,
                "app/routes/heroes.py": (
                    "from fastapi import APIRouter\n"
                    "from app.models import user as models\n"
                    "router = APIRouter()\n"
                    "@router.get('/me')\n"
                    "async def me() -> models.User:  # error\n"
                    "    return models.User()\n"
                ),
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for route in routes(project):
            declared = response_type(project, route)
            if declared is None:
                continue
            for model in type_classes(project, declared.module, declared.value):
                if project.is_orm_model(model):
                    message = self.message.format(model=model.rsplit(".", 1)[-1])
                    yield response_finding(route, declared, message)
                    break
