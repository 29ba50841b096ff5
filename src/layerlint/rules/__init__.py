"""The rule registry: every rule class by code, in code order."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from layerlint.rules.base import FileRule, ProjectRule, Rule


@cache
def all_rules() -> Mapping[str, type[Rule]]:
    """Every rule by code (import of the family modules happens here, once)."""
    from layerlint.rules import (
        alembic,
        blocking,
        builtin,
        fastapi,
        layering,
        pydantic,
        security,
        services,
        sqlalchemy,
    )

    found: dict[str, type[Rule]] = {}
    for family in (
        builtin,
        layering,
        fastapi,
        blocking,
        sqlalchemy,
        pydantic,
        services,
        alembic,
        security,
    ):
        for value in vars(family).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and getattr(value, "code", None)
                and value.__module__ == family.__name__
            ):
                if value.code in found:
                    raise RuntimeError(f"duplicate rule code {value.code}")
                found[value.code] = value
    return dict(sorted(found.items()))


def file_rules() -> list[type[FileRule]]:
    return [r for r in all_rules().values() if issubclass(r, FileRule)]


def project_rules() -> list[type[ProjectRule]]:
    return [r for r in all_rules().values() if issubclass(r, ProjectRule)]
