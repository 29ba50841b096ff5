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


Reporter = Callable[[Sequence[Diagnostic], ReportContext], str]


def get_reporter(name: str) -> Reporter:
    """The reporter for a ``--format`` value; imported lazily to keep start-up fast."""
    if name == "text":
        from layerlint.report.text import render
    elif name == "json":
        from layerlint.report.json_report import render
    elif name == "sarif":
        from layerlint.report.sarif import render
    elif name == "github":
        from layerlint.report.github import render
    elif name == "junit":
        from layerlint.report.junit import render
    else:
        raise ValueError(f"unknown format {name!r}")
    return render


FORMATS = ("text", "json", "sarif", "github", "junit")
