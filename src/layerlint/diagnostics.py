"""The Diagnostic record every stage passes along: plain, frozen, picklable data."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum
from typing import Any, TypeVar

_T = TypeVar("_T")


def fast_pickle(cls: type[_T]) -> type[_T]:
    """Pickle a frozen slotted dataclass as ``cls(*values)``.

    The dataclass default (``__setstate__`` calling ``fields()`` per object) makes loading
    a warm cache of 300k facts take seconds; a positional constructor call takes a tenth.
    """
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]

    def __reduce__(self: Any) -> tuple[type[_T], tuple[Any, ...]]:
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


class Severity(str, Enum):
    """How serious a diagnostic is; internal errors are kept apart from findings."""

    ERROR = "error"
    WARNING = "warning"
    INTERNAL = "internal"


@fast_pickle
@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A source range: 1-based lines, 1-based columns counted in characters."""

    line: int
    column: int
    end_line: int
    end_column: int


UNKNOWN_SPAN = Span(1, 1, 1, 1)


@fast_pickle
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding at one place in one file."""

    code: str
    message: str
    path: str
    span: Span
    severity: Severity = Severity.ERROR
    layer: str | None = None
    fixable: bool = False
    # The fix may change behaviour: applied only with ``--unsafe-fixes``.
    unsafe_fix: bool = False

    @property
    def applicability(self) -> str | None:
        """``safe``, ``unsafe`` or None (no fix), as ruff's JSON names it."""
        if not self.fixable:
            return None
        return "unsafe" if self.unsafe_fix else "safe"

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.code)
