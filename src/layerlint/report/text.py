"""Human output: each diagnostic with its source line and a caret, then a summary table.

Everything goes through rich ``Text`` objects rather than markup strings, so a message
containing ``[`` is printed as written and can never be read as a style tag.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from io import StringIO
from itertools import groupby

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from layerlint.diagnostics import Diagnostic, Severity, Span
from layerlint.report import ReportContext
from layerlint.report.json_report import rule_name, sorted_diagnostics

# Wide enough that rich never wraps or crops a long source line.
_WIDTH = 10_000
_CODE_STYLES = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.INTERNAL: "bold magenta",
}
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_PICTURES = {chr(code): chr(0x2400 + code) for code in range(0x20)} | {"\x7f": "\u2421"}


def _visible(text: str) -> str:
    """Show control characters as their one-cell Unicode pictures (ESC as U+241B).

    A raw ESC in a message or source line would otherwise reach the terminal as an ANSI
    sequence, and a newline would split a diagnostic's one-line header. Tabs stay, the
    caret line copies them to keep its alignment.
    """
    return _CONTROL.sub(lambda m: _PICTURES[m.group()], text)


def _console(buffer: StringIO, color: bool) -> Console:
    """A console writing to ``buffer``; with color off it has no colour system, so no ANSI."""
    return Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=_WIDTH,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=True,
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


FIX_MARK = "[*]"


def _header(diagnostic: Diagnostic) -> Text:
    """``path:line:col: CODE [*] message``; ``[*]``: ``--fix`` fixes it (as in ruff)."""
    span = diagnostic.span
    mark = f" {FIX_MARK}" if diagnostic.applicability == "safe" else ""
    return Text.assemble(
        (_visible(diagnostic.path), "bold"),
        f":{span.line}:{span.column}: ",
        (_visible(diagnostic.code), _CODE_STYLES[diagnostic.severity]),
        (mark, "cyan"),
        " ",
        _visible(diagnostic.message),
    )


def _source_line(diagnostic: Diagnostic, context: ReportContext) -> str | None:
    lines = context.source_lines.get(diagnostic.path)
    line = diagnostic.span.line
    if lines is None or not 1 <= line <= len(lines):
        return None
    return _visible(lines[line - 1])


def _caret_padding(source: str, column: int) -> str:
    """Blank space as wide as the text before ``column``; tabs are kept to stay aligned."""
    column = max(column, 1)
    before = source[: column - 1]
    padding = "".join(ch if ch == "\t" else " " * cell_len(ch) for ch in before)
    return padding + " " * max(column - 1 - len(before), 0)


def _caret_width(source: str, span: Span) -> int:
    """Cells under the span on its first line: to ``end_column`` or to the line's end."""
    start = max(span.column, 1) - 1
    end = span.end_column - 1 if span.end_line == span.line else len(source)
    return max(cell_len(source[start:end]), 1)


def _snippet(diagnostic: Diagnostic, source: str) -> list[Text]:
    span = diagnostic.span
    gutter = str(span.line)
    blank = " " * len(gutter)
    carets = "^" * _caret_width(source, span)
    return [
        Text.assemble((f"  {gutter} | ", "dim"), source),
        Text.assemble(
            (f"  {blank} | ", "dim"),
            _caret_padding(source, span.column),
            (carets, _CODE_STYLES[diagnostic.severity]),
        ),
    ]


def _print_file(console: Console, group: Sequence[Diagnostic], context: ReportContext) -> None:
    for diagnostic in group:
        console.print(_header(diagnostic))
        source = _source_line(diagnostic, context)
        if source is not None:
            for line in _snippet(diagnostic, source):
                console.print(line)
    console.print()


def _statistics_table(ordered: Sequence[Diagnostic], context: ReportContext) -> Table:
    """``--statistics``: count, code, fixability and name of every rule that fired."""
    # ASCII rules: the report may be written to a file or a log in any encoding.
    table = Table(box=box.ASCII, show_edge=False, pad_edge=False)
    table.add_column("count", justify="right")
    table.add_column("code")
    table.add_column("fix")
    table.add_column("name")
    counts = Counter(d.code for d in ordered)
    safe = {d.code for d in ordered if d.applicability == "safe"}
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        table.add_row(
            Text(str(count)),
            Text(_visible(code)),
            Text(FIX_MARK if code in safe else ""),
            Text(rule_name(code, context.rules)),
        )
    return table


def _verdict(ordered: Sequence[Diagnostic], context: ReportContext) -> list[Text]:
    checked = f"({_plural(context.files_checked, 'file')} checked)."
    if not ordered:
        return [Text(f"All checks passed {checked}", "bold green")]
    files = len({d.path for d in ordered})
    found = f"Found {_plural(len(ordered), 'diagnostic')} in {_plural(files, 'file')}"
    lines = [Text(f"{found} {checked}", "bold")]
    fixable = _fixability_line(ordered)
    if fixable:
        lines.append(Text(fixable))
    return lines


def _fixability_line(ordered: Sequence[Diagnostic]) -> str:
    """``[*] N fixable with --fix; M more with --unsafe-fixes.`` (empty when none)."""
    safe = sum(1 for d in ordered if d.applicability == "safe")
    unsafe = sum(1 for d in ordered if d.applicability == "unsafe")
    parts = []
    if safe:
        parts.append(f"{FIX_MARK} {safe} fixable with --fix")
    if unsafe:
        parts.append(
            f"{unsafe} more with --unsafe-fixes"
            if safe
            else f"{unsafe} fixable with --unsafe-fixes"
        )
    return "; ".join(parts) + "." if parts else ""


def _finish(buffer: StringIO) -> str:
    # Table cells are padded to the column width; trailing blanks only make diffs noisy.
    return "\n".join(line.rstrip(" ") for line in buffer.getvalue().split("\n"))


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    """The report as a string; ANSI styling only when ``context.color`` is set."""
    buffer = StringIO()
    console = _console(buffer, context.color)
    ordered = sorted_diagnostics(diagnostics)
    if context.statistics:
        if ordered:
            console.print(_statistics_table(ordered, context))
        return _finish(buffer)
    for _, group in groupby(ordered, key=lambda d: d.path):
        _print_file(console, list(group), context)
    if not context.quiet:
        for line in _verdict(ordered, context):
            console.print(line)
    return _finish(buffer)


def render_concise(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    """``concise``: one line per diagnostic (no source), then the summary."""
    buffer = StringIO()
    console = _console(buffer, context.color)
    ordered = sorted_diagnostics(diagnostics)
    if context.statistics:
        return render(diagnostics, context)
    for diagnostic in ordered:
        console.print(_header(diagnostic))
    if not context.quiet:
        for line in _verdict(ordered, context):
            console.print(line)
    return _finish(buffer)
