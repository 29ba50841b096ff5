"""GitLab Code Quality report: a JSON list of issues the merge request widget shows."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from layerlint.diagnostics import Diagnostic, Severity
from layerlint.report import ReportContext
from layerlint.report.json_report import rule_name, sorted_diagnostics

_SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INTERNAL: "critical"}


def _fingerprint(diagnostic: Diagnostic, occurrence: int) -> str:
    """Stable across runs while the finding stays: no line number in it."""
    payload = "\0".join((diagnostic.code, diagnostic.path, diagnostic.message, str(occurrence)))
    return hashlib.md5(payload.encode("utf-8"), usedforsecurity=False).hexdigest()


def _issue(diagnostic: Diagnostic, occurrence: int, context: ReportContext) -> dict[str, Any]:
    span = diagnostic.span
    return {
        "description": f"{diagnostic.code} {diagnostic.message}",
        "check_name": f"{diagnostic.code} {rule_name(diagnostic.code, context.rules)}",
        "fingerprint": _fingerprint(diagnostic, occurrence),
        "severity": _SEVERITIES[diagnostic.severity],
        "location": {
            "path": diagnostic.path,
            "positions": {
                "begin": {"line": span.line, "column": span.column},
                "end": {"line": span.end_line, "column": span.end_column},
            },
        },
    }


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    """The issues as an indented JSON array with a trailing newline."""
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for diagnostic in sorted_diagnostics(diagnostics):
        key = (diagnostic.code, diagnostic.path, diagnostic.message)
        seen[key] += 1
        issues.append(_issue(diagnostic, seen[key], context))
    return json.dumps(issues, indent=2) + "\n"
