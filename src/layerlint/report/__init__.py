"""Reporters: diagnostics and rule metadata in, text out. They never read files."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from layerlint.diagnostics import Diagnostic
from layerlint.rule_metadata import RuleMetadata


@dataclass(frozen=True)
class ReportContext:
    """Everything a reporter may show besides the diagnostics themselves."""

    tool_version: str
    files_checked: int
    rules: Mapping[str, RuleMetadata]
    # Source lines (without line endings) of the files that have diagnostics, by path.
    source_lines: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Absolute path of the directory diagnostics' paths are relative to (SARIF's srcroot).
    root_uri: str = ""
    color: bool = False
    # ``-q``: the diagnostics only, no summary lines.
    quiet: bool = False
    # ``--statistics``: a per-rule count table instead of the diagnostics.
    statistics: bool = False
    # Edits of each diagnostic's fix, by ``fix_key`` (JSON formats only).
    fix_edits: Mapping[tuple[str, int, int, str], Sequence[Mapping[str, object]]] = field(
        default_factory=dict
    )


def fix_key(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    """How ``ReportContext.fix_edits`` finds a diagnostic's edits."""
    return (diagnostic.path, diagnostic.span.line, diagnostic.span.column, diagnostic.code)


Reporter = Callable[[Sequence[Diagnostic], ReportContext], str]


def get_reporter(name: str) -> Reporter:
    """The reporter for an ``--output-format`` value; imported lazily for a fast start."""
    if name in ("full", "text"):
        from layerlint.report.text import render
    elif name == "concise":
        from layerlint.report.text import render_concise as render
    elif name == "json":
        from layerlint.report.json_report import render
    elif name == "json-lines":
        from layerlint.report.json_report import render_lines as render
    elif name == "sarif":
        from layerlint.report.sarif import render
    elif name == "github":
        from layerlint.report.github import render
    elif name == "gitlab":
        from layerlint.report.gitlab import render
    elif name == "junit":
        from layerlint.report.junit import render
    else:
        raise ValueError(f"unknown format {name!r}")
    return render


# ``text`` is the old name of ``full`` and stays accepted.
FORMATS = ("full", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit", "text")
