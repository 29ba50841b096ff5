"""JSON output: a versioned schema (docs/output-formats.md) that scripts can rely on.

The other reporters import ``rule_name`` and ``sorted_diagnostics`` from here so that
every format names and orders diagnostics the same way.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from layerlint.diagnostics import Diagnostic
from layerlint.report import ReportContext, fix_key
from layerlint.rule_metadata import RuleMetadata

# Bump only on incompatible changes (a field removed, renamed or retyped).
SCHEMA_VERSION = 1
INTERNAL_ERROR_NAME = "internal-error"
RULES_DOC_URI = "https://github.com/layerlint/layerlint/blob/main/docs/rules.md"


def rule_url(code: str, rules: Mapping[str, RuleMetadata]) -> str | None:
    """Where the rule is documented (docs/rules.md's anchor); None for internal errors."""
    return f"{RULES_DOC_URI}#{code.lower()}" if code in rules else None


def rule_name(code: str, rules: Mapping[str, RuleMetadata]) -> str:
    """The rule's kebab-case name; internal errors and unknown codes have no rule class."""
    rule = rules.get(code)
    return rule.name if rule is not None else INTERNAL_ERROR_NAME


def sorted_diagnostics(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """Path/line/column/code order, so output is stable whatever order rules ran in."""
    return sorted(diagnostics, key=lambda d: d.sort_key)


def _diagnostic_record(diagnostic: Diagnostic, context: ReportContext) -> dict[str, Any]:
    span = diagnostic.span
    return {
        "code": diagnostic.code,
        "name": rule_name(diagnostic.code, context.rules),
        "message": diagnostic.message,
        "path": diagnostic.path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "severity": diagnostic.severity.value,
        "layer": diagnostic.layer,
        "fixable": diagnostic.fixable,
        "fix": _fix_record(diagnostic, context),
        "url": rule_url(diagnostic.code, context.rules),
    }


def _fix_record(diagnostic: Diagnostic, context: ReportContext) -> dict[str, Any] | None:
    """``{applicability, edits}`` as ruff writes it; edits are whole-line replacements.

    ``edits`` is None when no preview was computed (a long run's preview budget ran out).
    """
    if diagnostic.applicability is None:
        return None
    edits = context.fix_edits.get(fix_key(diagnostic))
    listed = [dict(e) for e in edits] if edits is not None else None
    return {"applicability": diagnostic.applicability, "edits": listed}


def _summary(ordered: Sequence[Diagnostic], context: ReportContext) -> dict[str, Any]:
    by_code = Counter(d.code for d in ordered)
    return {
        "files": context.files_checked,
        "diagnostics": len(ordered),
        "by_code": dict(sorted(by_code.items())),
    }


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    """The whole report as one JSON document with a trailing newline."""
    ordered = sorted_diagnostics(diagnostics)
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "layerlint", "version": context.tool_version},
        "diagnostics": [_diagnostic_record(d, context) for d in ordered],
        "summary": _summary(ordered, context),
    }
    # ASCII-only output survives any encoding the CLI or a CI log writes it with.
    return json.dumps(document, indent=2) + "\n"


def render_lines(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    """``json-lines``: one diagnostic record per line, nothing else (streams and ``jq``)."""
    return "".join(
        json.dumps(_diagnostic_record(d, context)) + "\n" for d in sorted_diagnostics(diagnostics)
    )
