"""``--fix``: apply the rewrites rules offer, keeping every comment and blank line.

A file is re-collected after each round of fixes until nothing more applies (a fix can
uncover another, e.g. a renamed import), so a second ``--fix`` changes nothing. A result
that libCST or CPython cannot parse is never written; writes are atomic and keep the
file's encoding, line endings and permissions.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import tempfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from layerlint.collect import collect_with_fixes
from layerlint.diagnostics import Diagnostic, Span
from layerlint.file_context import FileInput
from layerlint.import_edits import add_imports, settle_touched_imports, space_new_definitions
from layerlint.rules.base import FileRule, Fix
from layerlint.safe_paths import is_within
from layerlint.suppression import is_suppressed

Suppression = tuple[int, tuple[str, ...] | None]

MAX_ROUNDS = 8

# A project rule's fix: the span it reported, the node type to find there, the rewrite.
SpanFix = tuple[Span, type[cst.CSTNode], Callable[[cst.CSTNode], Fix | None]]


@dataclass(frozen=True)
class FileFix:
    """The outcome of fixing one file."""

    path: str
    before: bytes
    after: bytes
    fixed: int
    problem: str | None = None

    @property
    def changed(self) -> bool:
        return self.after != self.before

    def unified_diff(self) -> str:
        """``diff -u`` style text of the change."""
        encoding = "utf-8"
        old = self.before.decode(encoding, errors="replace").splitlines(keepends=True)
        new = self.after.decode(encoding, errors="replace").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.path}", f"b/{self.path}"))


class _Replacer(cst.CSTTransformer):
    """Swap nodes by identity; an outer replacement wins over one inside it."""

    def __init__(self, replacements: dict[int, cst.CSTNode | cst.RemovalSentinel]) -> None:
        super().__init__()
        self._replacements = replacements

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel:
        return self._replacements.get(id(original_node), updated_node)


def apply_fixes(
    module: cst.Module,
    fixes: Sequence[Fix],
    first_party: Collection[str] = (),
    prune_imports: bool = True,
) -> cst.Module:
    """The module with every replacement made and the imports added or pruned.

    Imports land where isort/ruff ``I`` would put them and new top-level definitions get
    their two blank lines, so ruff has nothing to say about a fixed file that it did not
    say before (``first_party``: the project's top-level package names). Pruning imports
    left unused needs a scope analysis of the whole module; ``prune_imports=False`` skips
    it (previews of many single fixes).
    """
    replacements: dict[int, cst.CSTNode | cst.RemovalSentinel] = {}
    for fix in fixes:
        for old, new in fix.replacements:
            replacements.setdefault(id(old), new)
    updated = module.visit(_Replacer(replacements))
    updated = settle_touched_imports(module, updated, first_party)
    adds = {item for fix in fixes for item in fix.add_imports}
    removes = {item for fix in fixes for item in fix.remove_imports}
    if removes and prune_imports:
        context = CodemodContext()
        for module_name, name in sorted(removes, key=lambda item: (item[0], item[1] or "")):
            RemoveImportsVisitor.remove_unused_import(context, module_name, name)
        updated = RemoveImportsVisitor(context).transform_module(updated)
    if adds:
        updated = add_imports(updated, adds, first_party)
    return space_new_definitions(module, updated)


def _parses(source: bytes, path: str) -> str | None:
    """None if both libCST and CPython accept ``source``; otherwise why not."""
    try:
        cst.parse_module(source)
        compile(source, path, "exec", dont_inherit=True)
    except (cst.ParserSyntaxError, SyntaxError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def _nodes_at(module: cst.Module, wanted: Sequence[SpanFix]) -> list[Fix]:
    """Resolve project rules' span-addressed fixes against a freshly parsed module."""
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    by_start: dict[tuple[int, int, type[cst.CSTNode]], cst.CSTNode] = {}
    by_span: dict[tuple[int, int, int, int, type[cst.CSTNode]], cst.CSTNode] = {}
    for candidate, where in positions.items():
        start = (where.start.line, where.start.column + 1)
        end = (where.end.line, where.end.column + 1)
        by_start.setdefault((*start, type(candidate)), candidate)
        by_span.setdefault((*start, *end, type(candidate)), candidate)
    fixes: list[Fix] = []
    for span, node_type, make in wanted:
        # The full range tells ``a.b(x).c()`` from the ``a.b(x)`` starting at the same place.
        node = by_span.get((span.line, span.column, span.end_line, span.end_column, node_type))
        if node is None:
            node = by_start.get((span.line, span.column, node_type))
        if node is None:
            continue
        fix = make(node)
        if fix is not None:
            fixes.append(fix)
    return fixes


def resolve_span_fixes(module: cst.Module, wanted: Sequence[SpanFix]) -> list[Fix]:
    """Project rules' span-addressed fixes against ``module`` (also for previews)."""
    return _nodes_at(module, wanted)


def fix_source(
    info: FileInput,
    source: bytes,
    rules: Sequence[FileRule],
    reported: Collection[tuple[str, int, int]],
    enabled: Collection[str],
    per_file_ignores: Sequence[tuple[str, tuple[str, ...]]],
    unsafe: bool,
    project_fixes: Sequence[SpanFix] = (),
    first_party: Collection[str] = (),
) -> FileFix:
    """Fix one file's source in rounds until no offered fix applies.

    Round one fixes exactly what the run reported; later rounds fix what the earlier
    fixes uncovered, judging ``# noqa`` against the current text (lines may have moved).
    """
    original = source
    fixed = 0
    for round_number in range(MAX_ROUNDS):
        facts, module, offered = collect_with_fixes(info, source, rules)
        if module is None:
            break
        if round_number == 0 and module.bytes != source:
            # Only a faithful round trip guarantees that every byte outside the edits
            # (odd line endings, trailing blank lines) survives.
            mismatch = "not fixed: the parser does not reproduce this file byte for byte"
            return FileFix(info.path, original, original, 0, mismatch)

        def suppressed(
            code: str, line: int, marks: Sequence[Suppression] = facts.suppressions
        ) -> bool:
            return is_suppressed(info.path, code, line, marks, per_file_ignores)

        chosen = [
            fix
            for diagnostic, fix in offered
            if _wanted(diagnostic, fix, round_number, reported, enabled, suppressed, unsafe)
        ]
        if round_number == 0 and project_fixes:
            chosen.extend(fix for fix in _nodes_at(module, project_fixes) if fix.safe or unsafe)
        if not chosen:
            break
        candidate = apply_fixes(module, chosen, first_party).bytes
        if candidate == source:
            break
        problem = _parses(candidate, info.path)
        if problem is not None:
            return FileFix(
                info.path,
                original,
                source,
                fixed,
                f"fix skipped, result would not parse: {problem}",
            )
        source = candidate
        fixed += len(chosen)
    return FileFix(info.path, original, source, fixed)


def _wanted(
    diagnostic: Diagnostic,
    fix: Fix,
    round_number: int,
    reported: Collection[tuple[str, int, int]],
    enabled: Collection[str],
    suppressed_lines: Callable[[str, int], bool],
    unsafe: bool,
) -> bool:
    if not (fix.safe or unsafe):
        return False
    if round_number == 0:
        return (diagnostic.code, diagnostic.span.line, diagnostic.span.column) in reported
    return diagnostic.code in enabled and not suppressed_lines(
        diagnostic.code, diagnostic.span.line
    )


def write_fixed(path: Path, root: Path, expected: bytes, data: bytes) -> str | None:
    """Write a fixed file safely; None when written, else why it was left alone.

    The file is written where it really lives (a symlink inside the project stays a
    link), never outside ``root``, never over an edit saved while layerlint ran, never
    when it is read-only. A file with several hard links is rewritten in place so every
    link sees the fix; otherwise a temporary file keeping mode and owner is renamed over
    it, so a crash never leaves half a file.
    """
    real = path.resolve()
    if not is_within(real, root):
        return "not fixed: the file lies outside the project"
    try:
        info = os.stat(real)
        if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            return "not fixed: the file is read-only"
        if real.read_bytes() != expected:
            return "not fixed: the file changed while layerlint was running"
        if info.st_nlink > 1:
            with open(real, "r+b") as handle:
                handle.write(data)
                handle.truncate()
            return None
        _replace_keeping_metadata(real, data, info)
    except OSError as error:
        return f"not fixed: cannot write: {error.strerror or error}"
    return None


def _replace_keeping_metadata(path: Path, data: bytes, info: os.stat_result) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".layerlint", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, stat.S_IMODE(info.st_mode))
        if hasattr(os, "chown"):
            # Not ours to give away: then the file keeps our ownership.
            with contextlib.suppress(PermissionError):
                os.chown(tmp, info.st_uid, info.st_gid)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
