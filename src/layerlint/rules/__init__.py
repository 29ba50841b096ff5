"""The rule registry: every rule class by code, found by walking the family packages.

A rule lives in its own module under ``rules/<family>/``; adding the module is all it
takes to register it. Modules whose names start with ``_`` hold shared helpers only.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from functools import cache
from types import ModuleType

from layerlint.rules.base import FileRule, ProjectRule, Rule


def _rule_modules() -> Iterator[ModuleType]:
    """Every public module of every family package below this one."""
    for family in pkgutil.iter_modules(__path__):
        if not family.ispkg or family.name.startswith("_"):
            continue
        package = importlib.import_module(f"{__name__}.{family.name}")
        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                yield importlib.import_module(f"{package.__name__}.{module.name}")


def _rules_defined_in(module: ModuleType) -> Iterator[type[Rule]]:
    """Rule classes with a code defined in ``module`` itself (not imported into it)."""
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Rule)
            and value.__module__ == module.__name__
            and getattr(value, "code", None)
        ):
            yield value


@cache
def all_rules() -> Mapping[str, type[Rule]]:
    """Every rule by code, in code order (the family modules are imported here, once)."""
    found: dict[str, type[Rule]] = {}
    for module in _rule_modules():
        for rule in _rules_defined_in(module):
            if rule.code in found:
                raise RuntimeError(f"duplicate rule code {rule.code}")
            found[rule.code] = rule
    return dict(sorted(found.items()))


def file_rules() -> list[type[FileRule]]:
    """The rules that run during the per-file walk."""
    return [r for r in all_rules().values() if issubclass(r, FileRule)]


def project_rules() -> list[type[ProjectRule]]:
    """The rules that run over the whole project graph, with the project halves of file
    rules (same code, same switch, documented by the file rule: LL205 follows calls into
    other functions this way)."""
    rules = all_rules().values()
    return [
        *(r for r in rules if issubclass(r, ProjectRule)),
        *(r.project_half for r in rules if r.project_half is not None),
    ]
