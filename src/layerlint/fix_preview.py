"""The edits each fix would make, for the JSON reports (``fix: {applicability, edits}``).

Edits are computed one diagnostic at a time on the unchanged file, so each stands on its
own (as ruff's do); they replace whole lines: ``content`` goes from ``location`` (row,
column 1) up to, not including, ``end_location``. An import the fix leaves unused is not
removed in the preview (that needs a scope analysis per fix); ``--fix`` removes it.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Mapping, Sequence

import libcst as cst

from layerlint.apply_fixes import apply_fixes, resolve_span_fixes
from layerlint.collect import collect_with_fixes
from layerlint.config import Config
from layerlint.diagnostics import Diagnostic
from layerlint.engine import FixSink, RunOptions, run, run_project_rules
from layerlint.file_context import FileInput
from layerlint.project import Project
from layerlint.rules import project_rules
from layerlint.rules.base import Fix
from layerlint.safe_paths import read_project_file
from layerlint.workers import build_file_rules

Edit = dict[str, object]
Key = tuple[str, int, int]

# Each preview re-renders its module; on a run with thousands of fixable findings that
# would multiply the run time, so previews stop after this many seconds (the rest say
# ``"edits": null``; ``--diff`` shows every fix).
PREVIEW_BUDGET_SECONDS = 5.0


def _key(diagnostic: Diagnostic) -> Key:
    return (diagnostic.code, diagnostic.span.line, diagnostic.span.column)


def line_edits(before: str, after: str) -> list[Edit]:
    """Whole-line replacements turning ``before`` into ``after``."""
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            {
                "content": "".join(new[j1:j2]),
                "location": {"row": i1 + 1, "column": 1},
                "end_location": {"row": i2 + 1, "column": 1},
            }
        )
    return edits


def preview_edits(
    config: Config,
    options: RunOptions,
    diagnostics: Sequence[Diagnostic],
    inputs: Mapping[str, FileInput],
    project: Project | None = None,
) -> list[tuple[Diagnostic, list[Edit]]]:
    """``(diagnostic, edits)`` for every fixable diagnostic (root-relative paths).

    ``project``: the run's project graph, when it built one; project rules then re-run
    on it instead of analysing the project again.
    """
    wanted: dict[str, dict[Key, Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.fixable:
            wanted.setdefault(diagnostic.path, {})[_key(diagnostic)] = diagnostic
    if not wanted:
        return []
    sink = _project_fixes(config, options, diagnostics, project)
    rules = build_file_rules(config)
    first_party = {info.module.split(".", 1)[0] for info in inputs.values() if info.module}
    overrides = dict(options.overrides)
    found: list[tuple[Diagnostic, list[Edit]]] = []
    deadline = time.monotonic() + PREVIEW_BUDGET_SECONDS
    for path, by_key in sorted(wanted.items()):
        if time.monotonic() > deadline:
            break
        info = inputs.get(path)
        if info is None:
            continue
        try:
            source = overrides.get(path) or read_project_file(config.root / path, config.root)
        except OSError:
            continue
        _, module, offered = collect_with_fixes(info, source, rules)
        if module is None:
            continue
        fixes: list[tuple[Key, Fix]] = [(_key(d), fix) for d, fix in offered]
        for diagnostic, finding in sink.get(path, []):
            if finding.fix is not None and finding.fix_target is not None:
                span_fix = (diagnostic.span, finding.fix_target, finding.fix)
                fixes.extend(
                    (_key(diagnostic), fix) for fix in resolve_span_fixes(module, [span_fix])
                )
        for key, fix in fixes:
            if key in by_key:
                found.append((by_key.pop(key), _edits(module, fix, first_party)))
    return found


def _edits(module: cst.Module, fix: Fix, first_party: set[str]) -> list[Edit]:
    try:
        after = apply_fixes(module, [fix], first_party, prune_imports=False).code
    except Exception:  # a preview must never break the report
        return []
    return line_edits(module.code, after)


def _project_fixes(
    config: Config,
    options: RunOptions,
    diagnostics: Sequence[Diagnostic],
    project: Project | None,
) -> FixSink:
    """Project rules' fixes need the project graph: reuse the run's, else build it once."""
    codes = {d.code for d in diagnostics if d.fixable}
    wanted = [rule for rule in project_rules() if rule.code in codes]
    if not wanted:
        return {}
    sink: FixSink = {}
    if project is not None:
        active = [rule(config.options_for(rule.code)) for rule in wanted]
        run_project_rules(project, active, sink)
    else:
        run(config, options, need_project=True, fix_sink=sink)
    return sink
