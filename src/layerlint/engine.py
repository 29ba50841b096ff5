"""discover -> collect (parallel, cached) -> project -> rules -> suppress.

The engine knows nothing about output: it returns a RunResult of diagnostics (paths
relative to the project root) that the CLI, the flake8 plugin and tests all consume.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path

from layerlint.cache import FactsCache, content_hash
from layerlint.collect import INTERNAL_ERROR_CODE, SYNTAX_ERROR_CODE, FileInput, collect
from layerlint.config import Config
from layerlint.diagnostics import UNKNOWN_SPAN, Diagnostic, Severity, Span
from layerlint.discovery import SourceFile, discover
from layerlint.facts import ModuleFacts
from layerlint.layers import Contract, LayerMap
from layerlint.project import Project
from layerlint.rules import all_rules, file_rules, project_rules
from layerlint.rules.base import FileRule, ProjectRule
from layerlint.selection import selected_codes
from layerlint.suppression import UNUSED_SUPPRESSION, apply_inline, apply_per_file_ignores

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


@dataclass
class RunResult:
    """What a run found."""

    diagnostics: list[Diagnostic]
    files_checked: int
    root: Path
    project: Project | None = None
    facts: dict[str, ModuleFacts] = field(default_factory=dict)

    @property
    def internal_errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.INTERNAL)


def build_file_rules(config: Config) -> list[FileRule]:
    """Every file rule (opt-in ones too: selection is applied after the cache)."""
    return [rule(config.options_for(rule.code)) for rule in file_rules()]


def _collect_chunk(chunk: list[tuple[FileInput, bytes, Config]]) -> list[ModuleFacts]:
    if not chunk:
        return []
    rules = build_file_rules(chunk[0][2])
    return [collect(info, source, rules) for info, source, _ in chunk]


def _read(path: Path) -> bytes | str:
    try:
        return path.read_bytes()
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


def collect_all(
    files: Sequence[SourceFile],
    layer_map: LayerMap,
    config: Config,
    use_cache: bool,
    jobs: int | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[ModuleFacts]:
    """Facts for every file: from the cache when unchanged, else parsed in parallel."""
    cache_dir = config.root / config.cache_dir if use_cache else None
    cache = FactsCache.load(cache_dir, config.analysis_hash())
    results: dict[str, ModuleFacts] = {}
    pending: list[tuple[FileInput, bytes, Config, str]] = []
    for source_file in files:
        info = FileInput(
            source_file.relative,
            source_file.module,
            source_file.is_package,
            layer_map.layer_of(source_file.module, source_file.relative),
        )
        data = _read(source_file.path)
        if isinstance(data, str):
            results[info.path] = _unreadable(info, data)
            continue
        digest = content_hash(data)
        cached = cache.get(info.path, digest)
        if cached is not None and cached.module == info.module:
            results[info.path] = cached
        else:
            pending.append((info, data, config, digest))
    for facts, digest in _run_collect(pending, jobs, progress):
        results[facts.path] = facts
        cache.put(facts.path, digest, facts)
    cache.prune(set(results))
    cache.save()
    return [results[f.relative] for f in files]


def _run_collect(
    pending: list[tuple[FileInput, bytes, Config, str]],
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
) -> Iterable[tuple[ModuleFacts, str]]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    digests = [item[3] for item in pending]
    work = [(info, data, config) for info, data, config, _ in pending]
    if workers <= 1 or len(work) < _PARALLEL_THRESHOLD:
        rules = build_file_rules(work[0][2]) if work else []
        for done, ((info, data, _), digest) in enumerate(zip(work, digests, strict=True), 1):
            yield collect(info, data, rules), digest
            if progress:
                progress(done, len(work))
        return
    # Interleaved chunks balance big and small files; a few chunks per worker keeps the
    # progress bar moving without paying per-file inter-process overhead.
    chunk_count = min(len(work), workers * 4)
    chunks = [work[i::chunk_count] for i in range(chunk_count)]
    chunk_digests = [digests[i::chunk_count] for i in range(chunk_count)]
    context = _mp_context()
    done = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for facts_list, digest_list in zip(
            pool.map(_collect_chunk, chunks), chunk_digests, strict=True
        ):
            for facts, digest in zip(facts_list, digest_list, strict=True):
                yield facts, digest
            done += len(facts_list)
            if progress:
                progress(done, len(work))


def _mp_context() -> BaseContext:
    import multiprocessing

    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def run_project_rules(project: Project, rules: Sequence[ProjectRule]) -> list[Diagnostic]:
    """Run each project rule; a crash becomes one internal error instead of a traceback."""
    found: list[Diagnostic] = []
    for rule in rules:
        fixable = rule.fixable.value != "no"
        try:
            for finding in rule.check(project):
                module = _module_for_path(project, finding.path)
                found.append(
                    Diagnostic(
                        code=rule.code,
                        message=finding.message,
                        path=finding.path,
                        span=finding.span,
                        layer=project.layer_of(module) if module else None,
                        fixable=fixable,
                    )
                )
        except RecursionError:
            found.append(_project_internal(rule.code, "RecursionError"))
        except Exception as error:
            found.append(_project_internal(rule.code, f"{type(error).__name__}: {error}"))
    return found


def _module_for_path(project: Project, path: str) -> str | None:
    for name, facts in project.modules.items():
        if facts.path == path:
            return name
    return None


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


def run(
    config: Config, options: RunOptions, progress: Callable[[int, int], None] | None = None
) -> RunResult:
    """Analyse the whole project under ``config.root``; report the selected paths."""
    files = discover(config.root, config.src, config.exclude)
    layer_map = LayerMap(config.layers)
    facts = collect_all(files, layer_map, config, options.use_cache, options.jobs, progress)
    layers = {f.module: layer_map.layer_of(f.module, f.relative) for f in files}
    project = Project(facts, layers, Contract.build(config.contract))
    rules = all_rules()
    enabled = selected_codes(
        rules,
        options.select if options.select is not None else config.select,
        (*config.extend_select, *options.extend_select),
        (*config.ignore, *options.ignore),
    )
    active_project_rules = [
        r(config.options_for(r.code)) for r in project_rules() if r.code in enabled
    ]
    diagnostics: list[Diagnostic] = [d for f in facts for d in f.diagnostics]
    diagnostics.extend(run_project_rules(project, active_project_rules))
    diagnostics = [d for d in diagnostics if d.code in enabled or d.code == INTERNAL_ERROR_CODE]
    suppressions = {f.path: f.suppressions for f in facts if f.suppressions}
    inline = apply_inline(diagnostics, suppressions, enabled)
    diagnostics = inline.kept
    if UNUSED_SUPPRESSION in enabled:
        diagnostics.extend(inline.unused)
    diagnostics = apply_per_file_ignores(diagnostics, config.per_file_ignores)
    reported_files = [f for f in files if _reported(f.relative, options.only_paths)]
    diagnostics = sorted(
        (d for d in diagnostics if d.path == "." or _reported(d.path, options.only_paths)),
        key=lambda d: d.sort_key,
    )
    return RunResult(
        diagnostics=diagnostics,
        files_checked=len(reported_files),
        root=config.root,
        project=project,
        facts={f.path: f for f in facts},
    )
