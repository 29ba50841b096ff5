"""``--add-noqa``: silence every current finding with ``# noqa: LLxxx`` on its line.

The way to adopt a rule on a large codebase one line at a time (as ruff's
``--add-noqa``). Codes join an existing ``# noqa: ...`` comment; a line that ends inside
a multi-line string cannot carry a comment and is left alone.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Sequence
from pathlib import Path

from layerlint.apply_fixes import write_fixed
from layerlint.diagnostics import Diagnostic, Severity
from layerlint.safe_paths import read_project_file

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z0-9]+(?:[,\s]+[A-Z0-9]+)*))?", re.IGNORECASE)
_BREAK = re.compile(r"(\r\n|\r|\n)$")


def _comment_lines(text: str) -> set[int] | None:
    """Lines where a comment may end the line: those ending a token line (NEWLINE/NL)."""
    lines: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
                lines.add(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        return None
    return lines


def with_noqa(line: str, codes: Sequence[str]) -> str:
    """``line`` with ``codes`` in its ``# noqa`` comment (added or extended)."""
    ending = _BREAK.search(line)
    body = line[: ending.start()] if ending else line
    newline = ending.group() if ending else ""
    match = _NOQA.search(body)
    if match is None:
        return f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}{newline}"
    if match.group("codes") is None:
        return line  # a bare noqa comment already silences everything
    present = [c for c in re.split(r"[,\s]+", match.group("codes")) if c]
    merged = present + sorted(c for c in set(codes) if c not in present)
    return f"{body[: match.start()]}# noqa: {', '.join(merged)}{body[match.end() :]}{newline}"


def add_noqa(root: Path, diagnostics: Sequence[Diagnostic]) -> tuple[int, int]:
    """Add the directives; return (lines changed, files changed)."""
    by_file: dict[str, dict[int, set[str]]] = {}
    for diagnostic in diagnostics:
        if diagnostic.severity is Severity.INTERNAL or diagnostic.path == ".":
            continue
        on_lines = by_file.setdefault(diagnostic.path, {})
        on_lines.setdefault(diagnostic.span.line, set()).add(diagnostic.code)
    added = files = 0
    for relative, wanted in sorted(by_file.items()):
        path = root / relative
        try:
            data = read_project_file(path, root)
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        allowed = _comment_lines(text)
        if allowed is None:
            continue
        lines = text.splitlines(keepends=True)
        changed = 0
        for number, codes in wanted.items():
            if number in allowed and 1 <= number <= len(lines):
                updated = with_noqa(lines[number - 1], sorted(codes))
                if updated != lines[number - 1]:
                    lines[number - 1] = updated
                    changed += 1
        if changed and write_fixed(path, root, data, "".join(lines).encode("utf-8")) is None:
            added += changed
            files += 1
    return added, files
