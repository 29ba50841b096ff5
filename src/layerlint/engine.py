"""discover -> collect (parallel, cached) -> project -> rules -> suppress.

The engine knows nothing about output: it returns a RunResult of diagnostics (paths
relative to the project root) that the CLI, the flake8 plugin and tests all consume.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from layerlint import notices
from layerlint.cache import (
    RESULTS_FILE,
    FactsCache,
    cache_folder,
    content_hash,
    read_pickle,
    run_key,
    unpickle_facts,
    write_pickle,
)
from layerlint.cache_key import cache_key
from layerlint.collect import INTERNAL_ERROR_CODE, collect
from layerlint.config import Config
from layerlint.declared_versions import gated_codes
from layerlint.diagnostics import UNKNOWN_SPAN, Diagnostic, Severity, Span
from layerlint.discovery import SourceFile, discover, module_name, source_roots
from layerlint.facts import ModuleFacts
from layerlint.file_context import FileInput
from layerlint.layers import Contract, LayerMap
from layerlint.parsing import SYNTAX_ERROR_CODE
from layerlint.project import Project
from layerlint.rules import all_rules, project_rules
from layerlint.rules._common import is_migration_module
from layerlint.rules.base import Finding, ProjectRule
from layerlint.safe_paths import read_regular_file
from layerlint.selection import selected_codes
from layerlint.suppression import UNUSED_SUPPRESSION, apply_inline, apply_per_file_ignores
from layerlint.workers import build_file_rules, collect_in_workers

# Below this many files to parse, worker start-up costs more than it saves.
_PARALLEL_THRESHOLD = 24


@dataclass(frozen=True)
class RunOptions:
    """Per-run choices that are not part of the project configuration."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    use_cache: bool = True
    jobs: int | None = None
    only_paths: tuple[str, ...] | None = None  # relative paths/folders to report, None = all
    # Files named on the command line: checked even where discovery would not look.
    explicit: tuple[Path, ...] = ()
    # Unsaved text standing in for files on disk (editors, flake8 on stdin), by path.
    overrides: tuple[tuple[str, bytes], ...] = ()
    # Leave out files git ignores (``.gitignore``), as ruff does; named files stay in.
    respect_gitignore: bool = False


@dataclass
class RunResult:
    """What a run found."""

    diagnostics: list[Diagnostic]
    files_checked: int
    root: Path
    # Only built when the run had to analyse (not on a warm, unchanged re-run).
    project: Project | None = None
    enabled: frozenset[str] = frozenset()
    inputs: dict[str, FileInput] = field(default_factory=dict)
    suppressions: dict[str, tuple[tuple[int, tuple[str, ...] | None], ...]] = field(
        default_factory=dict
    )
    # Paths discovery left out, with the reason (links out of the project, virtualenvs).
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # For ``--verbose``: files per layer, cache hits and seconds per stage.
    layer_counts: dict[str, int] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def internal_errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.INTERNAL)


def _read(path: Path) -> bytes | str:
    try:
        return read_regular_file(path)
    except OSError as error:
        return error.strerror or str(error)


def _unreadable(info: FileInput, reason: str) -> ModuleFacts:
    diagnostic = Diagnostic(
        code=SYNTAX_ERROR_CODE,
        message=f"cannot read file: {reason}",
        path=info.path,
        span=Span(1, 1, 1, 1),
        layer=info.layer,
    )
    return ModuleFacts(
        info.path, info.module, info.is_package, diagnostics=(diagnostic,), parsed=False
    )


@dataclass(frozen=True)
class FileState:
    """A discovered file after reading: its bytes (or why they could not be read)."""

    info: FileInput
    data: bytes | None
    digest: str
    error: str | None = None

    @property
    def cache_digest(self) -> str:
        """What the per-file pass depends on besides settings: content, name and layer."""
        info = self.info
        return f"{self.digest}:{info.module}:{int(info.is_package)}:{info.layer}"


def read_files(
    files: Sequence[SourceFile],
    configured_layers: tuple[tuple[str, tuple[str, ...]], ...],
    overrides: Mapping[str, bytes] | None = None,
) -> list[FileState]:
    """Read and hash every file once, then give each its layer (which may depend on
    its text: see LayerMap.for_sources); unreadable files carry their error instead."""
    contents: list[bytes | str] = []
    for source_file in files:
        override = overrides.get(source_file.relative) if overrides else None
        contents.append(override if override is not None else _read(source_file.path))
    layer_map = LayerMap.for_sources(
        configured_layers,
        {
            f.relative: data if isinstance(data, bytes) else None
            for f, data in zip(files, contents, strict=True)
        },
    )
    states: list[FileState] = []
    for source_file, data in zip(files, contents, strict=True):
        info = FileInput(
            source_file.relative,
            source_file.module,
            source_file.is_package,
            layer_map.layer_of(source_file.module, source_file.relative),
        )
        if isinstance(data, str):
            states.append(FileState(info, None, "", data))
        else:
            states.append(FileState(info, data, content_hash(data)))
    return states


def collect_all(
    states: Sequence[FileState],
    config: Config,
    use_cache: bool,
    jobs: int | None,
    progress: Callable[[int, int], None] | None = None,
    stats: dict[str, float] | None = None,
) -> list[ModuleFacts]:
    """Facts for every file: from the cache when unchanged, else parsed in parallel.

    ``stats`` receives the number of cache hits (for ``--verbose``).
    """
    cache_dir = cache_folder(config.root, config.cache_dir) if use_cache else None
    cache = FactsCache.load(cache_dir, config.analysis_hash(), cache_key(config.root))
    results: dict[str, ModuleFacts] = {}
    pending: list[tuple[FileInput, bytes, Config, str]] = []
    for state in states:
        info = state.info
        if state.data is None:
            results[info.path] = _unreadable(info, state.error or "unreadable")
            continue
        cached = cache.get(info.path, state.cache_digest)
        if cached is not None and cached.module == info.module:
            results[info.path] = cached
        else:
            pending.append((info, state.data, config, state.cache_digest))
    if stats is not None:
        stats["cache hits"] = len(states) - len(pending)
    if progress and pending:
        progress(0, len(pending))
    for facts, digest, pickled in _run_collect(pending, jobs, progress):
        results[facts.path] = facts
        cache.put(facts.path, digest, facts, pickled)
    cache.prune(set(results))
    cache.save()
    return [results[state.info.path] for state in states]


def _run_collect(
    pending: list[tuple[FileInput, bytes, Config, str]],
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
) -> Iterable[tuple[ModuleFacts, str, bytes | None]]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    digests = [item[3] for item in pending]
    work = [(info, data, config) for info, data, config, _ in pending]
    if workers <= 1 or len(work) < _PARALLEL_THRESHOLD:
        rules = build_file_rules(work[0][2]) if work else []
        for done, ((info, data, _), digest) in enumerate(zip(work, digests, strict=True), 1):
            yield collect(info, data, rules), digest, None
            if progress:
                progress(done, len(work))
        return
    for pickled, digest in collect_in_workers(work, digests, workers, progress):
        facts = unpickle_facts(pickled)
        if facts is not None:
            yield facts, digest, pickled


FixSink = dict[str, list[tuple[Diagnostic, Finding]]]


def run_project_rules(
    project: Project, rules: Sequence[ProjectRule], fix_sink: FixSink | None = None
) -> list[Diagnostic]:
    """Run each project rule; a crash becomes one internal error instead of a traceback.

    With ``fix_sink``, findings that carry a fix are kept (by path) for ``--fix``.
    """
    module_by_path = {facts.path: name for name, facts in project.modules.items()}
    migrations = migration_paths(project)
    found: list[Diagnostic] = []
    for rule in rules:
        try:
            for finding in rule.check(project):
                if rule.skips_migrations and finding.path in migrations:
                    continue
                module = module_by_path.get(finding.path)
                diagnostic = Diagnostic(
                    code=rule.code,
                    message=finding.message,
                    path=finding.path,
                    span=finding.span,
                    layer=project.layer_of(module) if module else None,
                    fixable=finding.fix is not None,
                )
                found.append(diagnostic)
                if fix_sink is not None and finding.fix is not None:
                    fix_sink.setdefault(finding.path, []).append((diagnostic, finding))
        except RecursionError:
            found.append(_project_internal(rule.code, "RecursionError"))
        except Exception as error:
            found.append(_project_internal(rule.code, f"{type(error).__name__}: {error}"))
    return found


def migration_paths(project: Project) -> frozenset[str]:
    """Paths of the project's migrations (frozen history: no modernisation advice there)."""
    return frozenset(
        facts.path
        for name, facts in project.modules.items()
        if is_migration_module(project.layer_of(name), facts)
    )


def _project_internal(code: str, detail: str) -> Diagnostic:
    return Diagnostic(
        code=INTERNAL_ERROR_CODE,
        message=f"internal error in rule {code}: {detail} (please report this)",
        path=".",
        span=UNKNOWN_SPAN,
        severity=Severity.INTERNAL,
    )


def _reported(path: str, only: Sequence[str] | None) -> bool:
    if only is None:
        return True
    for wanted in only:
        wanted = wanted.rstrip("/")
        if wanted in ("", ".") or path == wanted or path.startswith(wanted + "/"):
            return True
    return False


@dataclass(frozen=True)
class RawResults:
    """Every diagnostic of every enabled rule before suppression and path filtering.

    Cached as a whole: when no file, setting or selection changed since the last run,
    a warm run reads this one small file instead of loading every file's facts.
    """

    diagnostics: tuple[Diagnostic, ...]
    suppressions: dict[str, tuple[tuple[int, tuple[str, ...] | None], ...]]


def _enabled_codes(config: Config, options: RunOptions) -> frozenset[str]:
    selected = selected_codes(
        all_rules(),
        options.select if options.select is not None else config.select,
        (*config.extend_select, *options.extend_select),
        (*config.ignore, *options.ignore),
    )
    return selected - _codes_off_for_framework_versions(config)


def _codes_off_for_framework_versions(config: Config) -> frozenset[str]:
    """Pydantic/SQLAlchemy 2 advice in a project on version 1: never reported, never fixed."""
    configured = {
        "pydantic-version": config.pydantic_version,
        "sqlalchemy-version": config.sqlalchemy_version,
    }
    gated = gated_codes(config.root, configured)
    for note in gated.notes:
        notices.detail_once(note)
    return gated.codes


def analyse(
    states: Sequence[FileState],
    config: Config,
    options: RunOptions,
    enabled: frozenset[str],
    progress: Callable[[int, int], None] | None,
    fix_sink: FixSink | None = None,
    stats: dict[str, float] | None = None,
) -> tuple[RawResults, Project]:
    """The expensive part: facts for every file, the project graph, the project rules."""
    facts = collect_all(states, config, options.use_cache, options.jobs, progress, stats)
    layers = {state.info.module: state.info.layer for state in states}
    project = Project(facts, layers, Contract.build(config.contract, layers.values()))
    active = [r(config.options_for(r.code)) for r in project_rules() if r.code in enabled]
    diagnostics: list[Diagnostic] = [d for f in facts for d in f.diagnostics]
    diagnostics.extend(run_project_rules(project, active, fix_sink))
    suppressions = {f.path: f.suppressions for f in facts if f.suppressions}
    return RawResults(tuple(diagnostics), suppressions), project


def run(
    config: Config,
    options: RunOptions,
    progress: Callable[[int, int], None] | None = None,
    need_project: bool = False,
    fix_sink: FixSink | None = None,
) -> RunResult:
    """Analyse the whole project under ``config.root``; report the selected paths."""
    skipped: list[tuple[str, str]] = []
    stats: dict[str, float] = {}
    started = time.perf_counter()
    files = discover(config.root, config.src, config.exclude, options.explicit, skipped)
    if options.respect_gitignore:
        files = _without_ignored(files, config.root, options.explicit, skipped)
    files.extend(_unsaved_files(config, options, {f.relative for f in files}))
    states = read_files(files, config.layers, dict(options.overrides))
    stats["discovery seconds"] = time.perf_counter() - started
    enabled = _enabled_codes(config, options)
    cache_dir = cache_folder(config.root, config.cache_dir) if options.use_cache else None
    secret = cache_key(config.root) if cache_dir is not None else b""
    key = run_key(
        config.analysis_hash(),
        config.contract,
        sorted(code for code in enabled if code in _project_codes()),
        [(s.info.path, s.info.module, s.info.layer, s.digest, s.error) for s in states],
    )
    raw: RawResults | None = None
    project: Project | None = None
    started = time.perf_counter()
    if cache_dir is not None and not need_project and fix_sink is None:
        stored = read_pickle(cache_dir / RESULTS_FILE, secret)
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key:
            raw = stored[1] if isinstance(stored[1], RawResults) else None
            stats["cache hits"] = len(states) if raw is not None else 0
    if raw is None:
        raw, project = analyse(states, config, options, enabled, progress, fix_sink, stats)
        if cache_dir is not None:
            write_pickle(cache_dir, RESULTS_FILE, (key, raw), secret)
    stats["analysis seconds"] = time.perf_counter() - started
    diagnostics = report_diagnostics(raw, config, options, enabled)
    if UNUSED_SUPPRESSION in enabled and raw.suppressions:
        diagnostics = _judge_comments(diagnostics, raw, states, config, options, enabled)
    reported_files = [s for s in states if _reported(s.info.path, options.only_paths)]
    return RunResult(
        diagnostics=diagnostics,
        files_checked=len(reported_files),
        root=config.root,
        project=project,
        enabled=enabled,
        inputs={state.info.path: state.info for state in states},
        suppressions=raw.suppressions,
        skipped=skipped,
        layer_counts=dict(Counter(s.info.layer or "(none)" for s in states)),
        stats=stats,
    )


def _without_ignored(
    files: list[SourceFile], root: Path, explicit: Sequence[Path], skipped: list[tuple[str, str]]
) -> list[SourceFile]:
    """Drop the files git ignores; files named on the command line are always kept."""
    from layerlint.gitignore import ignored_paths

    named = {path.resolve() for path in explicit}
    ignored = ignored_paths(root, [f.relative for f in files if f.path.resolve() not in named])
    for relative in sorted(ignored):
        skipped.append((relative, "ignored by git (.gitignore); --no-respect-gitignore checks it"))
    return [f for f in files if f.relative not in ignored]


def _judge_comments(
    diagnostics: list[Diagnostic],
    raw: RawResults,
    states: Sequence[FileState],
    config: Config,
    options: RunOptions,
    enabled: frozenset[str],
) -> list[Diagnostic]:
    """LL002 on the comment: also unknown codes and a bare ignore that hides nothing."""
    from layerlint.suppression_comments import extra_findings, on_the_comment

    texts = {
        s.info.path: s.data.decode("utf-8", errors="replace")
        for s in states
        if s.data is not None and s.info.path in raw.suppressions
    }
    selected = {(d.path, d.span.line) for d in raw.diagnostics if d.code in enabled}
    known = {*all_rules(), INTERNAL_ERROR_CODE, SYNTAX_ERROR_CODE}
    extra = extra_findings(texts, selected, known, judge_bare=options.select is None)
    extra = apply_per_file_ignores(extra, config.per_file_ignores)
    kept = [on_the_comment(d, texts) if d.code == UNUSED_SUPPRESSION else d for d in diagnostics]
    kept.extend(d for d in extra if _reported(d.path, options.only_paths))
    return sorted(kept, key=lambda d: d.sort_key)


def _unsaved_files(config: Config, options: RunOptions, known: set[str]) -> list[SourceFile]:
    """Buffers given for files that are not on disk yet (an editor's new, unsaved file)."""
    roots = source_roots(config.root, config.src)
    extra: list[SourceFile] = []
    for relative, _ in options.overrides:
        if relative in known or not relative.endswith(".py"):
            continue
        path = config.root / relative
        module, is_package = module_name(path, roots)
        extra.append(SourceFile(path, relative, module, is_package))
    return extra


def report_diagnostics(
    raw: RawResults, config: Config, options: RunOptions, enabled: frozenset[str]
) -> list[Diagnostic]:
    """Selection, inline suppression, per-file-ignores and path filtering, in that order."""
    selected = [d for d in raw.diagnostics if d.code in enabled or d.code == INTERNAL_ERROR_CODE]
    inline = apply_inline(selected, raw.suppressions, enabled)
    diagnostics = inline.kept
    if UNUSED_SUPPRESSION in enabled:
        diagnostics.extend(inline.unused)
    diagnostics = apply_per_file_ignores(diagnostics, config.per_file_ignores)
    return sorted(
        (d for d in diagnostics if d.path == "." or _reported(d.path, options.only_paths)),
        key=lambda d: d.sort_key,
    )


@cache
def _project_codes() -> frozenset[str]:
    return frozenset(rule.code for rule in project_rules())
