"""LL002 beyond unused codes: unknown ``LL`` codes and idle bare ``# layerlint: ignore``.

Works on the text of files that have suppression comments, after the run, so the facts
and the cache stay as they are. The caret goes on the comment itself.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

from layerlint.diagnostics import Diagnostic, Span
from layerlint.suppression import UNUSED_SUPPRESSION

_COMMENT = re.compile(
    r"#\s*(?:noqa(?::\s?(?P<noqa>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?"
    r"|layerlint:\s*ignore(?P<bracket>\[(?P<ignore>[^\]]*)\])?)",
    re.IGNORECASE,
)
_OWN = re.compile(r"LL[0-9]*", re.IGNORECASE)


def comment_span(line_number: int, text: str) -> Span | None:
    """Where the suppression comment on this line starts and ends."""
    match = _COMMENT.search(text)
    if match is None:
        return None
    return Span(line_number, match.start() + 1, line_number, match.end() + 1)


def _unknown(codes: Iterable[str], known: Collection[str]) -> list[str]:
    """Our codes (``LL...``) that name no rule; other tools' codes are not ours to judge."""
    return [
        code
        for code in codes
        if _OWN.fullmatch(code) and not any(k.startswith(code) for k in known)
    ]


def extra_findings(
    texts: Mapping[str, str],
    lines_with_diagnostics: Collection[tuple[str, int]],
    known: Collection[str],
    judge_bare: bool,
) -> list[Diagnostic]:
    """LL002 for unknown codes and for bare ``# layerlint: ignore`` with nothing to hide."""
    found: list[Diagnostic] = []
    for path, text in texts.items():
        for number, line in enumerate(text.splitlines(), 1):
            if "#" not in line:
                continue
            match = _COMMENT.search(line)
            if match is None:
                continue
            span = Span(number, match.start() + 1, number, match.end() + 1)
            raw = match.group("noqa") or match.group("ignore") or ""
            codes = [c.upper() for c in re.split(r"[,\s]+", raw) if c]
            unknown = _unknown(codes, known)
            if unknown:
                message = (
                    f"unknown rule code {', '.join(unknown)} in suppression; see `layerlint rules`"
                )
                found.append(Diagnostic(UNUSED_SUPPRESSION, message, path, span))
            is_bare_ignore = (
                match.group("noqa") is None and not codes and "layerlint" in match.group().lower()
            )
            if judge_bare and is_bare_ignore and (path, number) not in lines_with_diagnostics:
                message = "`# layerlint: ignore` suppresses nothing on this line; remove it"
                found.append(Diagnostic(UNUSED_SUPPRESSION, message, path, span))
    return found


def on_the_comment(diagnostic: Diagnostic, texts: Mapping[str, str]) -> Diagnostic:
    """An LL002 diagnostic re-placed from column 1 onto its comment."""
    text = texts.get(diagnostic.path)
    if text is None:
        return diagnostic
    lines = text.splitlines()
    line = diagnostic.span.line
    if not 1 <= line <= len(lines):
        return diagnostic
    span = comment_span(line, lines[line - 1])
    return replace(diagnostic, span=span) if span is not None else diagnostic
