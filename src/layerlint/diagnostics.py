"""The Diagnostic record every stage passes along: plain, frozen, picklable data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    """How serious a diagnostic is; internal errors are kept apart from findings."""

    ERROR = "error"
    WARNING = "warning"
    INTERNAL = "internal"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A source range: 1-based lines, 1-based columns counted in characters."""

    line: int
    column: int
    end_line: int
    end_column: int


UNKNOWN_SPAN = Span(1, 1, 1, 1)


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

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.code)
