"""SARIF 2.1.0 output shaped for GitHub code scanning (rules with help, stable fingerprints).

GitHub matches alerts across runs by ``partialFingerprints``; ours hash the rule, the
path and the flagged source line's text (not its number), so an alert survives lines
being added above it. The key is our own: ``primaryLocationLineHash`` is recomputed by
the upload-sarif action, which warns when a tool's value for it differs from its own.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from layerlint.diagnostics import Diagnostic, Severity
from layerlint.report import ReportContext
from layerlint.report.json_report import rule_name, sorted_diagnostics
from layerlint.rule_metadata import RuleMetadata

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/layerlint/layerlint"
RULES_DOC_URI = INFORMATION_URI + "/blob/main/docs/rules.md"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "layerlintLineHash/v1"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INTERNAL: "error"}
# Rule families by the hundreds digit of the code (RULES.md sections), used as tags.
_FAMILIES = {
    "0": "tool",
    "1": "layering",
    "2": "fastapi",
    "3": "sqlalchemy",
    "4": "pydantic",
    "5": "services",
    "6": "alembic",
    "7": "configuration",
}
_INTERNAL_HELP = (
    "layerlint failed while checking this file: a rule crashed. The rest of the run "
    "completed; please report this with the file that triggered it."
)


def _family_tags(code: str) -> list[str]:
    """``["layerlint", family]``; codes outside the LLnxx scheme get the first only."""
    match = re.fullmatch(r"LL(\d)\d\d", code)
    family = _FAMILIES.get(match.group(1)) if match else None
    return ["layerlint", family] if family else ["layerlint"]


def _markdown(documentation: str) -> str:
    """Docstrings use reST's double backticks; Markdown wants single ones."""
    return documentation.replace("``", "`")


def _what_it_does(rule: RuleMetadata) -> str:
    """The rule doc's "What it does" paragraph, plain text; the title when there is none."""
    for paragraph in rule.documentation.split("\n\n"):
        if paragraph.startswith("**What it does:**"):
            text = paragraph.removeprefix("**What it does:**").strip()
            return " ".join(text.replace("``", "").split())
    return rule.summary.replace("``", "")


def _known_rule_descriptor(rule: RuleMetadata) -> dict[str, Any]:
    """Static texts only: the title, the doc's description, the doc itself and its URL."""
    documentation = rule.documentation or rule.summary
    help_uri = f"{RULES_DOC_URI}#{rule.code.lower()}"
    return {
        "shortDescription": {"text": rule.summary.replace("``", "")},
        "fullDescription": {"text": _what_it_does(rule)},
        "help": {
            "text": documentation,
            "markdown": f"{_markdown(documentation)}\n\n[Rule documentation]({help_uri})",
        },
        "helpUri": help_uri,
    }


def _internal_descriptor(code: str) -> dict[str, Any]:
    """Internal errors (and codes no rule owns) still need a rule: GitHub requires one."""
    return {
        "shortDescription": {"text": f"internal error ({code})"},
        "fullDescription": {"text": _INTERNAL_HELP},
        "help": {"text": _INTERNAL_HELP, "markdown": _INTERNAL_HELP},
    }


def _default_level(code: str, ordered: Sequence[Diagnostic]) -> str:
    """Rules carry no severity of their own; a rule is a warning only if all its results are."""
    levels = {_LEVELS[d.severity] for d in ordered if d.code == code}
    return "warning" if levels == {"warning"} else "error"


def _rule_descriptor(
    code: str, ordered: Sequence[Diagnostic], rules: Mapping[str, RuleMetadata]
) -> dict[str, Any]:
    rule = rules.get(code)
    body = _known_rule_descriptor(rule) if rule is not None else _internal_descriptor(code)
    return {
        "id": code,
        "name": rule_name(code, rules),
        **body,
        "defaultConfiguration": {"level": _default_level(code, ordered)},
        "properties": {"tags": _family_tags(code)},
    }


def _source_line(diagnostic: Diagnostic, context: ReportContext) -> str | None:
    lines = context.source_lines.get(diagnostic.path)
    line = diagnostic.span.line
    if lines is None or not 1 <= line <= len(lines):
        return None
    return lines[line - 1]


def _fingerprints(ordered: Sequence[Diagnostic], context: ReportContext) -> list[str]:
    """One line-number-free hash per diagnostic, in the order given.

    Identical (code, path, text) triples are told apart by their occurrence index, so two
    equal lines in one file keep distinct alerts. Without the source line the message
    stands in for it.
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    hashes = []
    for diagnostic in ordered:
        text = _source_line(diagnostic, context)
        normalised = " ".join((diagnostic.message if text is None else text).split())
        key = (diagnostic.code, diagnostic.path, normalised)
        seen[key] += 1
        payload = "\0".join((*key, str(seen[key])))
        hashes.append(hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32])
    return hashes


def _region(diagnostic: Diagnostic) -> dict[str, int]:
    """SARIF wants lines and columns >= 1 and an end not before the start."""
    span = diagnostic.span
    line, column = max(span.line, 1), max(span.column, 1)
    end_line = max(span.end_line, line)
    end_column = max(span.end_column, 1)
    if end_line == line:
        end_column = max(end_column, column)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _result(diagnostic: Diagnostic, rule_index: int, fingerprint: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": _LEVELS[diagnostic.severity],
        "message": {"text": diagnostic.message or diagnostic.code},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(diagnostic.path), "uriBaseId": SRCROOT},
                    "region": _region(diagnostic),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if diagnostic.layer is not None:
        result["properties"] = {"layer": diagnostic.layer}
    return result


def _root_uri(root: str) -> str:
    """``file://`` URI of the source root; SARIF requires the trailing slash."""
    uri = root if root.startswith("file:") else Path(root).absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _run(ordered: Sequence[Diagnostic], context: ReportContext) -> dict[str, Any]:
    codes = sorted({d.code for d in ordered})
    index = {code: i for i, code in enumerate(codes)}
    fingerprints = _fingerprints(ordered, context)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "layerlint",
                "version": context.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_rule_descriptor(code, ordered, context.rules) for code in codes],
            }
        },
        "invocations": [
            {"executionSuccessful": all(d.severity is not Severity.INTERNAL for d in ordered)}
        ],
        "columnKind": "unicodeCodePoints",
        "results": [
            _result(d, index[d.code], fp) for d, fp in zip(ordered, fingerprints, strict=True)
        ],
    }
    if context.root_uri:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": _root_uri(context.root_uri)}}
    return run


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    """A SARIF log with one run, as indented JSON with a trailing newline."""
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [_run(sorted_diagnostics(diagnostics), context)],
    }
    return json.dumps(log, indent=2) + "\n"
