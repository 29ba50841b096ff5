"""What several services rules share."""

from __future__ import annotations

import builtins
from functools import cache

from layerlint.project import Project

BROAD = frozenset({"Exception", "BaseException"})


BROAD_QUALIFIED = frozenset({"builtins.Exception", "builtins.BaseException"})


@cache
def builtin_exception_names() -> frozenset[str]:
    """Names of every builtin exception class (``ValueError``, ``OSError``...)."""
    return frozenset(
        name
        for name, value in vars(builtins).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    )


def with_builtin_mro(ancestry: frozenset[str]) -> frozenset[str]:
    """Add the builtin ancestors of builtin bases (``ValueError`` -> ``Exception``)."""
    extra: set[str] = set()
    for name in ancestry:
        if name in builtin_exception_names():
            value = getattr(builtins, name)
            extra.update(cls.__name__ for cls in value.__mro__ if cls is not object)
    return ancestry | extra


def exception_ancestry(project: Project, qualified: str) -> frozenset[str]:
    """Ancestry of a class with builtin exception bases expanded."""
    return with_builtin_mro(project.ancestry(qualified))
