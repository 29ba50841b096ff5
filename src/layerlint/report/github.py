"""GitHub Actions workflow commands: each diagnostic becomes an annotation on the diff."""

from __future__ import annotations

from collections.abc import Sequence

from layerlint.diagnostics import Diagnostic, Severity
from layerlint.report import ReportContext
from layerlint.report.json_report import rule_name, sorted_diagnostics

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INTERNAL: "error"}


def escape_data(text: str) -> str:
    """Escape a command's message; ``%`` first so the escapes themselves survive."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value, where ``:`` and ``,`` would end the value early."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _properties(diagnostic: Diagnostic, context: ReportContext) -> list[tuple[str, str]]:
    """Annotation properties; columns only for one-line spans, as GitHub ignores the rest."""
    span = diagnostic.span
    one_line = span.end_line == span.line
    position = [
        ("file", diagnostic.path),
        ("line", str(span.line)),
        *([("col", str(span.column))] if one_line else []),
        ("endLine", str(span.end_line)),
        *([("endColumn", str(span.end_column))] if one_line else []),
    ]
    title = f"{diagnostic.code} {rule_name(diagnostic.code, context.rules)}"
    return [*position, ("title", title)]


def _command(diagnostic: Diagnostic, context: ReportContext) -> str:
    properties = ",".join(
        f"{key}={escape_property(value)}" for key, value in _properties(diagnostic, context)
    )
    command = _COMMANDS[diagnostic.severity]
    return f"::{command} {properties}::{escape_data(diagnostic.message)}"


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    """One workflow command per line; empty when there is nothing to annotate."""
    return "".join(_command(d, context) + "\n" for d in sorted_diagnostics(diagnostics))
