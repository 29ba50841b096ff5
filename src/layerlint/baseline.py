"""Baseline files: adopt layerlint on an existing codebase and fail only on new findings.

An entry is fingerprinted by rule code, root-relative path and the flagged source line
with its whitespace collapsed, plus an occurrence index among identical (code, path,
line text) entries. Line numbers are left out on purpose, so entries survive unrelated
edits and line shifts; the occurrence index keeps two identical findings in one file
two entries, so fixing one of them shows up as a stale entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from layerlint.diagnostics import Diagnostic, Severity
from layerlint.errors import UserError
from layerlint.safe_paths import replace_file, writable_target

if TYPE_CHECKING:
    from layerlint.config import Config
    from layerlint.engine import RunOptions

BASELINE_VERSION = 1
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, order=True, slots=True)
class Fingerprint:
    """The identity of a baselined diagnostic (no line number: it shifts)."""

    path: str
    code: str
    text: str
    occurrence: int


def normalise(line: str) -> str:
    """The line with runs of whitespace collapsed, so re-indenting keeps the match."""
    return " ".join(line.split())


def read_lines(root: Path, paths: Iterable[str]) -> dict[str, list[str]]:
    """Source lines of each root-relative path; an unreadable file has none.

    Lines break where Python's tokenizer breaks them (``\\n``, ``\\r\\n``, ``\\r``), not
    at every character ``str.splitlines`` knows, so numbers agree with the diagnostics.
    """
    lines: dict[str, list[str]] = {}
    for path in paths:
        if path in lines or path == ".":
            continue
        try:
            text = (root / path).read_bytes().decode("utf-8", errors="replace")
        except OSError:
            text = ""
        lines[path] = _LINE_BREAK.split(text)
    return lines


def _baselinable(diagnostic: Diagnostic) -> bool:
    """Internal errors are bugs to report, never findings to accept."""
    return diagnostic.severity is not Severity.INTERNAL and diagnostic.path != "."


def fingerprint_all(
    diagnostics: Sequence[Diagnostic], lines: Mapping[str, Sequence[str]]
) -> list[tuple[Diagnostic, Fingerprint]]:
    """Fingerprint every baselinable diagnostic, numbering identical ones in order."""
    seen: dict[tuple[str, str, str], int] = {}
    result: list[tuple[Diagnostic, Fingerprint]] = []
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        if not _baselinable(diagnostic):
            continue
        file_lines = lines.get(diagnostic.path, ())
        index = diagnostic.span.line - 1
        text = normalise(file_lines[index]) if 0 <= index < len(file_lines) else ""
        key = (diagnostic.path, diagnostic.code, text)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        result.append((diagnostic, Fingerprint(*key, occurrence)))
    return result


def render(
    fingerprinted: Sequence[tuple[Diagnostic, Fingerprint]],
    kept: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The baseline document: versioned, sorted, one entry per fingerprint.

    The message is informational (for reviewers of the file); matching ignores it.
    """
    entries = [
        {
            "code": fp.code,
            "path": fp.path,
            "line_text": fp.text,
            "occurrence": fp.occurrence,
            "message": diagnostic.message,
        }
        for diagnostic, fp in sorted(fingerprinted, key=lambda pair: pair[1])
    ]
    if kept:
        entries = sorted(
            [*entries, *(dict(entry) for entry in kept)],
            key=lambda e: (e["path"], e["code"], e["line_text"], e.get("occurrence", 0)),
        )
    document = {"version": BASELINE_VERSION, "tool": "layerlint", "entries": entries}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_baseline(
    target: Path,
    diagnostics: Sequence[Diagnostic],
    root: Path,
    in_scope: Callable[[Fingerprint], bool] | None = None,
) -> int:
    """Write the diagnostics of a run (root-relative paths) as a baseline; return the count.

    With ``in_scope`` (a run over some files or rules only), the existing baseline's
    entries this run could not have seen are kept: checking one file never forgets the
    accepted findings of the others.
    """
    fingerprinted = fingerprint_all(diagnostics, read_lines(root, (d.path for d in diagnostics)))
    kept = _entries_outside(target, in_scope) if in_scope is not None else []
    writable_target(target, root, "baseline")
    try:
        replace_file(target, render(fingerprinted, kept).encode("utf-8"))
    except OSError as error:
        raise UserError(f"{target}: cannot write baseline: {error.strerror or error}") from None
    return len(fingerprinted) + len(kept)


def _entries_outside(target: Path, in_scope: Callable[[Fingerprint], bool]) -> list[dict[str, Any]]:
    """The existing baseline's entries (as written) that this run did not cover."""
    if not target.is_file():
        return []
    load_baseline(target, str(target))  # a broken file is an error, never overwritten
    entries = json.loads(target.read_bytes().decode("utf-8"))["entries"]
    return [
        entry
        for number, entry in enumerate(entries)
        if not in_scope(_entry(entry, number, str(target)))
    ]


def load_baseline(path: Path, shown: str) -> frozenset[Fingerprint]:
    """Read and validate a baseline file; any problem is a one-line UserError."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UserError(f"{shown}: cannot read baseline: {error.strerror or error}") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"{shown}: not a layerlint baseline (invalid JSON: {error})") from None
    if not isinstance(document, dict) or "version" not in document:
        raise UserError(f"{shown}: not a layerlint baseline (no version field)")
    if document["version"] != BASELINE_VERSION:
        raise UserError(
            f"{shown}: unsupported baseline version {document['version']!r} "
            f"(this layerlint reads version {BASELINE_VERSION}; run --write-baseline again)"
        )
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise UserError(f"{shown}: not a layerlint baseline (entries must be a list)")
    return frozenset(_entry(entry, number, shown) for number, entry in enumerate(entries))


def _entry(entry: Any, number: int, shown: str) -> Fingerprint:
    """One validated entry; says which entry is broken and how."""
    if not isinstance(entry, dict):
        raise UserError(f"{shown}: baseline entry {number} must be an object")
    for key in ("code", "path", "line_text"):
        if not isinstance(entry.get(key), str):
            raise UserError(f"{shown}: baseline entry {number}: {key!r} must be a string")
    occurrence = entry.get("occurrence", 0)
    if not isinstance(occurrence, int) or isinstance(occurrence, bool) or occurrence < 0:
        raise UserError(f"{shown}: baseline entry {number}: 'occurrence' must be an integer >= 0")
    return Fingerprint(entry["path"], entry["code"], entry["line_text"], occurrence)


@dataclass(frozen=True)
class BaselineResult:
    """Diagnostics the baseline does not cover, and baseline entries that matched nothing."""

    kept: list[Diagnostic]
    stale: list[Fingerprint]


def apply_baseline(
    diagnostics: Sequence[Diagnostic],
    baseline: frozenset[Fingerprint],
    lines: Mapping[str, Sequence[str]],
    in_scope: Callable[[Fingerprint], bool],
) -> BaselineResult:
    """Drop baselined diagnostics; entries in this run's scope that matched none are stale.

    ``in_scope`` says whether this run could have found an entry at all (its file was
    reported and its rule enabled), so checking a few files never calls the rest stale.
    """
    fingerprints = {id(d): fp for d, fp in fingerprint_all(diagnostics, lines)}
    kept = [d for d in diagnostics if fingerprints.get(id(d)) not in baseline]
    found = set(fingerprints.values())
    stale = sorted(fp for fp in baseline if fp not in found and in_scope(fp))
    return BaselineResult(kept, stale)


def baseline_path(
    explicit: Path | None, configured: str | None, root: Path
) -> tuple[Path, str] | None:
    """The baseline to use and how to name it: ``--baseline`` wins over the config key."""
    if explicit is not None:
        return explicit, str(explicit)
    if configured is not None:
        return root / configured, configured
    return None


def filter_run(
    diagnostics: Sequence[Diagnostic],
    config: Config,
    options: RunOptions,
    explicit: Path | None,
    note_stale: bool = True,
) -> list[Diagnostic]:
    """Apply the chosen baseline (if any); note stale entries on stderr if asked.

    ``diagnostics`` are the engine's (paths relative to ``config.root``).
    """
    chosen = baseline_path(explicit, config.baseline, config.root)
    if chosen is None:
        return list(diagnostics)
    baseline = load_baseline(*chosen)
    lines = read_lines(config.root, (d.path for d in diagnostics))
    result = apply_baseline(diagnostics, baseline, lines, run_scope(config, options))
    if result.stale and note_stale:
        count = len(result.stale)
        entries = "entry no longer matches" if count == 1 else "entries no longer match"
        click.echo(
            f"layerlint: {count} baseline {entries}; run --write-baseline to shrink it",
            err=True,
        )
    return result.kept


def run_scope(config: Config, options: RunOptions) -> Callable[[Fingerprint], bool]:
    """Whether this run could have found an entry: its rule ran and its file was reported."""
    from layerlint.engine import _enabled_codes, _reported

    # The run's own selection: rules a framework version turns off did not run either.
    enabled = _enabled_codes(config, options)

    def in_scope(fingerprint: Fingerprint) -> bool:
        return fingerprint.code in enabled and _reported(fingerprint.path, options.only_paths)

    return in_scope
