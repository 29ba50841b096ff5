"""The configured contracts as plain, frozen, picklable records.

Module patterns are dotted names matched with their submodules (``app.billing`` covers
``app.billing.api``); ``*`` stands for one name segment and ``**`` for any number of
them (``app.*.models``, ``app.**.schemas``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

INDEPENDENCE = "independence"
FORBIDDEN = "forbidden"
INTERFACE = "interface"
CONTRACT_KINDS = (INDEPENDENCE, FORBIDDEN, INTERFACE)

_SEGMENT = re.compile(r"\*\*|[A-Za-z0-9_*?]+")


def is_module_pattern(pattern: str) -> bool:
    """Whether ``pattern`` is dotted names, ``*``/``?`` globs or ``**`` segments."""
    return bool(pattern) and all(_SEGMENT.fullmatch(part) for part in pattern.split("."))


@lru_cache(maxsize=4096)
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    for segment in pattern.split("."):
        if segment == "**":
            parts.append(r"[^.]+(?:\.[^.]+)*")
        else:
            parts.append(
                "".join(
                    "[^.]*" if ch == "*" else "[^.]" if ch == "?" else re.escape(ch)
                    for ch in segment
                )
            )
    # A pattern covers the modules it names and everything below them.
    return re.compile(r"\.".join(parts) + r"(?:\..+)?")


def module_matches(module: str, pattern: str) -> bool:
    """Whether ``module`` is named by ``pattern`` or lies below a module it names."""
    if not any(ch in pattern for ch in "*?"):
        return module == pattern or module.startswith(pattern + ".")
    return _pattern_regex(pattern).fullmatch(module) is not None


@dataclass(frozen=True)
class ImportException:
    """``importer -> imported``: a known import a contract allows (``ignore-imports``)."""

    text: str
    importer: str
    imported: str

    def matches(self, importer: str, imported: str) -> bool:
        return module_matches(importer, self.importer) and module_matches(imported, self.imported)


@dataclass(frozen=True)
class ContractSpec:
    """One ``[[tool.layerlint.contracts]]`` entry, validated.

    ``modules`` are the independent packages (independence), the importers
    (forbidden) or the packages with an interface (interface). ``forbidden`` lists what
    the importers may not reach; ``indirect`` says whether chains through other modules
    count; ``expose`` names the extra interface modules of an interface contract.
    """

    name: str
    kind: str
    modules: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    indirect: bool = True
    expose: tuple[str, ...] = ()
    ignore_imports: tuple[ImportException, ...] = ()

    def ignored(self, importer: str, imported: str) -> ImportException | None:
        """The exception that allows this import, if any."""
        for exception in self.ignore_imports:
            if exception.matches(importer, imported):
                return exception
        return None


@dataclass(frozen=True)
class Architecture:
    """What the project rules need to know about the configured architecture.

    ``config_path`` is the configuration file relative to the project root (None when it
    lies elsewhere) and ``config_lines`` the line of each quoted entry in it, so a
    finding about the configuration points at the entry.
    """

    contracts: tuple[ContractSpec, ...] = ()
    layer_exceptions: tuple[ImportException, ...] = ()
    layer_patterns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    src: tuple[str, ...] = ()
    config_path: str | None = None
    config_lines: tuple[tuple[str, int], ...] = field(default=())

    def line_of(self, entry: str) -> int:
        """The line where ``entry`` is written (quoted) in the configuration file, else 1."""
        for text, line in self.config_lines:
            if text == entry:
                return line
        return 1

    def layer_exception(self, importer: str, imported: str) -> ImportException | None:
        """The top-level ``ignore-imports`` entry that allows a layer import, if any."""
        for exception in self.layer_exceptions:
            if exception.matches(importer, imported):
                return exception
        return None
