"""Suppression: ``# noqa`` (flake8 semantics), ``# layerlint: ignore[...]``, per-file-ignores.

The comments are read once per file (``parse_suppressions``, cached with its facts) and
applied after every rule has run, so that LL002 can tell which ones matched nothing.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from layerlint.diagnostics import Diagnostic, Severity, Span

_SUPPRESSION = re.compile(
    r"#\s*(?:noqa(?::[\s]?(?P<noqa>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?"
    r"|layerlint:\s*ignore(?:\[(?P<ignore>[^\]]*)\])?)",
    re.IGNORECASE,
)


def parse_suppressions(text: str) -> tuple[tuple[int, tuple[str, ...] | None], ...]:
    """``(line, codes)`` for each suppression comment; codes None means every code."""
    found: list[tuple[int, tuple[str, ...] | None]] = []
    if "noqa" not in text.lower() and "layerlint" not in text:
        return ()
    for number, line in enumerate(text.splitlines(), 1):
        if "#" not in line:
            continue
        match = _SUPPRESSION.search(line)
        if match is None:
            continue
        codes = match.group("noqa") or match.group("ignore")
        if codes:
            found.append((number, tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c)))
        else:
            found.append((number, None))
    return tuple(found)


UNUSED_SUPPRESSION = "LL002"


@dataclass(frozen=True)
class SuppressionResult:
    """Diagnostics that survive, plus LL002 findings for comments that matched nothing."""

    kept: list[Diagnostic]
    unused: list[Diagnostic]


def _matches(code: str, codes: tuple[str, ...] | None) -> bool:
    return codes is None or any(code.startswith(c) for c in codes)


def apply_inline(
    diagnostics: Sequence[Diagnostic],
    suppressions: dict[str, tuple[tuple[int, tuple[str, ...] | None], ...]],
    enabled: frozenset[str] = frozenset(),
) -> SuppressionResult:
    """Drop diagnostics suppressed on their line; find suppressions that were never used.

    A code counts as unused only if its rule ran: a suppression for a rule that is not
    selected in this run cannot be judged.
    """
    kept: list[Diagnostic] = []
    used: set[tuple[str, int, str]] = set()
    by_line: dict[tuple[str, int], list[tuple[str, ...] | None]] = {}
    for path, entries in suppressions.items():
        for line, codes in entries:
            by_line.setdefault((path, line), []).append(codes)
    for diagnostic in diagnostics:
        on_line = by_line.get((diagnostic.path, diagnostic.span.line), [])
        matched = [codes for codes in on_line if _matches(diagnostic.code, codes)]
        if diagnostic.severity is Severity.INTERNAL or not matched:
            kept.append(diagnostic)
            continue
        for codes in matched:
            if codes is None:
                used.add((diagnostic.path, diagnostic.span.line, "*"))
            else:
                used.update(
                    (diagnostic.path, diagnostic.span.line, c)
                    for c in codes
                    if diagnostic.code.startswith(c)
                )
    unused: list[Diagnostic] = []
    for (path, line), groups in by_line.items():
        for codes in groups:
            if codes is None:
                continue  # a blanket noqa may target other tools (flake8, ruff): never "unused"
            stale = [
                c
                for c in codes
                if any(e.startswith(c) for e in enabled) and (path, line, c) not in used
            ]
            if stale:
                unused.append(
                    Diagnostic(
                        code=UNUSED_SUPPRESSION,
                        message=f"unused suppression for {', '.join(stale)}; remove it",
                        path=path,
                        span=Span(line, 1, line, 1),
                    )
                )
    return SuppressionResult(kept, unused)


def apply_per_file_ignores(
    diagnostics: Iterable[Diagnostic], patterns: Sequence[tuple[str, tuple[str, ...]]]
) -> list[Diagnostic]:
    """Drop diagnostics whose path matches a ``per-file-ignores`` glob for their code."""
    if not patterns:
        return list(diagnostics)
    kept = []
    for diagnostic in diagnostics:
        ignored = any(
            _path_matches(diagnostic.path, pattern)
            and any(diagnostic.code.startswith(c) for c in codes)
            for pattern, codes in patterns
        )
        if not ignored or diagnostic.severity is Severity.INTERNAL:
            kept.append(diagnostic)
    return kept


def _path_matches(path: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(path, pattern):
        return True
    if pattern.endswith("/**"):
        return path.startswith(pattern[:-3] + "/")
    return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern) if "/" not in pattern else False


def is_suppressed(
    path: str,
    code: str,
    line: int,
    suppressions: Sequence[tuple[int, tuple[str, ...] | None]],
    per_file_ignores: Sequence[tuple[str, tuple[str, ...]]],
) -> bool:
    """Whether a diagnostic of ``code`` at ``line`` of ``path`` would be silenced."""
    for suppressed_line, codes in suppressions:
        if suppressed_line == line and _matches(code, codes):
            return True
    return any(
        _path_matches(path, pattern) and any(code.startswith(c) for c in codes)
        for pattern, codes in per_file_ignores
    )
