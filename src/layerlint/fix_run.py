"""``check --fix`` / ``--diff``: fix what a normal run reports, then report what remains.

Only diagnostics the run would report are fixed (selection, ``# noqa``,
``per-file-ignores`` respected), and only with fixes marked safe unless
``--unsafe-fixes`` is given.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from layerlint.apply_fixes import FileFix, SpanFix, fix_source, write_fixed
from layerlint.config import Config
from layerlint.engine import FixSink, RunOptions, RunResult, run
from layerlint.safe_paths import read_project_file
from layerlint.workers import build_file_rules


@dataclass
class AutofixReport:
    """What ``--fix`` did: per-file outcomes and the run after fixing."""

    files: list[FileFix] = field(default_factory=list)
    after: RunResult | None = None
    before: RunResult | None = None

    def fixed_by_file(self) -> list[str]:
        """``--show-fixes``: per changed file, how many diagnostics of each rule went away."""
        if self.before is None or self.after is None:
            return []
        lines: list[str] = []
        for outcome in self.files:
            if not outcome.changed:
                continue
            gone = Counter(
                d.code for d in self.before.diagnostics if d.path == outcome.path and d.fixable
            ) - Counter(d.code for d in self.after.diagnostics if d.path == outcome.path)
            lines.append(f"{outcome.path}:")
            lines.extend(f"    {count} x {code}" for code, count in sorted(gone.items()))
        return lines

    @property
    def fixed(self) -> int:
        return sum(f.fixed for f in self.files if f.changed)

    @property
    def problems(self) -> list[FileFix]:
        return [f for f in self.files if f.problem]


def autofix(config: Config, options: RunOptions, unsafe: bool, write: bool) -> AutofixReport:
    """Fix every reported, fixable diagnostic; with ``write`` False only compute diffs."""
    sink: FixSink = {}
    before = run(config, options, need_project=True, fix_sink=sink)
    reported: dict[str, set[tuple[str, int, int]]] = {}
    for diagnostic in before.diagnostics:
        if diagnostic.fixable:
            reported.setdefault(diagnostic.path, set()).add(
                (diagnostic.code, diagnostic.span.line, diagnostic.span.column)
            )
    rules = build_file_rules(config)
    first_party = {info.module.split(".", 1)[0] for info in before.inputs.values() if info.module}
    report = AutofixReport()
    written: set[Path] = set()  # a file reached through a link inside the project too
    for path in sorted(reported):
        info = before.inputs.get(path)
        if info is None:
            continue
        absolute = config.root / path
        if absolute.resolve() in written:
            continue
        override = dict(options.overrides).get(path)
        try:
            source = override if override is not None else read_project_file(absolute, config.root)
        except OSError:
            continue
        wanted = reported[path]
        project_fixes: list[SpanFix] = [
            (diagnostic.span, finding.fix_target, finding.fix)
            for diagnostic, finding in sink.get(path, [])
            if finding.fix is not None
            and finding.fix_target is not None
            and (diagnostic.code, diagnostic.span.line, diagnostic.span.column) in wanted
        ]
        outcome = fix_source(
            info,
            source,
            rules,
            wanted,
            before.enabled,
            config.per_file_ignores,
            unsafe,
            project_fixes,
            first_party,
        )
        if write and outcome.changed:
            problem = write_fixed(absolute, config.root, source, outcome.after)
            written.add(absolute.resolve())
            if problem is not None:
                outcome = replace(outcome, after=outcome.before, fixed=0, problem=problem)
        report.files.append(outcome)
    report.before = before
    if write:
        report.after = run(config, options)
    elif options.overrides:
        # An editor's buffer: report what remains in the fixed text, which is not written.
        fixed = {f.path: f.after for f in report.files}
        overrides = tuple((path, fixed.get(path, data)) for path, data in options.overrides)
        report.after = run(config, replace(options, overrides=overrides))
    else:
        report.after = before
    return report
