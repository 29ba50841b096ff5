"""Command line: parse options, call the engine, pick a reporter, choose the exit code.

Exit codes: 0 nothing found, 1 diagnostics, 2 usage or configuration error,
3 internal error (a rule crashed on some file; everything else was still checked).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from layerlint import __version__
from layerlint.errors import UserError

if TYPE_CHECKING:
    from layerlint.baseline import Fingerprint
    from layerlint.config import Config
    from layerlint.diagnostics import Diagnostic
    from layerlint.engine import RunOptions, RunResult

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
# ``layerlint.report.FORMATS``, spelled out so ``--help`` does not import the reporters.
FORMATS = ("full", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit", "text")


def _fail(message: str) -> None:
    click.echo(f"layerlint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="layerlint")
def main() -> None:
    """Architecture checker and linter for FastAPI + SQLAlchemy 2.0 + Pydantic v2."""


@main.command(short_help="Check paths (default: the current directory) and report diagnostics.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--output-format",
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="full",
    show_default=True,
    help="How to print diagnostics (--format is an alias; text = full).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report (or the --diff) to FILE.",
)
@click.option(
    "--select",
    multiple=True,
    help="Codes or prefixes to enable, comma-separated or repeated (replaces the configured"
    " selection).",
)
@click.option("--extend-select", multiple=True, help="Codes or prefixes to enable on top.")
@click.option("--ignore", multiple=True, help="Codes or prefixes to disable (repeatable).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this pyproject.toml, layerlint.toml or .layerlint.toml.",
)
@click.option(
    "--no-cache", is_flag=True, help="Parse every file; neither read nor write the cache."
)
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores)."
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report only diagnostics not in this baseline (default: the `baseline` setting).",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes, then report what remains.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list what was fixed, per file.")
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the current diagnostics to FILE as a baseline, then exit 0 (with PATHS:"
    " merged into the existing baseline).",
)
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: LLxxx` to every finding's line.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when diagnostics are found.")
@click.option(
    "--statistics", is_flag=True, help="Print the number of diagnostics per rule instead."
)
@click.option(
    "--stdin-filename",
    help="With PATH `-`: check stdin as this file (editors); --fix prints the fixed text.",
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=True,
    show_default=True,
    help="Skip files git ignores (.gitignore) unless named on the command line.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print diagnostics only, no summary.")
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Say on stderr which configuration, root and layers were used, what was skipped,"
    " cache hits and timings.",
)
def check(
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_file: Path | None,
    no_cache: bool,
    jobs: int | None,
    baseline_file: Path | None,
    write_baseline: Path | None,
    fix: bool,
    diff: bool,
    unsafe_fixes: bool,
    show_fixes: bool,
    add_noqa: bool,
    exit_zero: bool,
    statistics: bool,
    stdin_filename: str | None,
    respect_gitignore: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Check PATHS (default: the current directory) and report diagnostics."""
    from layerlint import notices

    notices.verbose = verbose
    view = View(output_format, output, quiet, statistics, show_fixes, add_noqa)
    try:
        stdin = _stdin_buffer(paths, stdin_filename)
        code = _check(
            paths if stdin is None else (),
            output_format,
            output,
            _codes(select),
            _codes(extend_select),
            _codes(ignore),
            config_file,
            no_cache,
            jobs,
            baseline_file=baseline_file,
            write_baseline=write_baseline,
            fix_mode=FixMode(fix=fix, diff=diff, unsafe=unsafe_fixes),
            view=view,
            stdin=stdin,
            respect_gitignore=respect_gitignore,
        )
    except UserError as error:
        _fail(str(error))
        return
    sys.exit(EXIT_OK if exit_zero and code == EXIT_FOUND else code)


@dataclass(frozen=True)
class View:
    """How ``check`` shows its results (the options that do not change what is found)."""

    output_format: str = "full"
    output: Path | None = None
    quiet: bool = False
    statistics: bool = False
    show_fixes: bool = False
    add_noqa: bool = False


@dataclass(frozen=True)
class StdinBuffer:
    """``--stdin-filename F -``: the text read from stdin standing in for file F."""

    shown: str
    path: Path
    data: bytes


def _stdin_buffer(paths: Sequence[Path], stdin_filename: str | None) -> StdinBuffer | None:
    """Read stdin when PATHS is ``-`` (or empty with --stdin-filename), else None."""
    reads_stdin = [str(p) for p in paths] == ["-"]
    if stdin_filename is None:
        if reads_stdin:
            raise UserError("reading stdin (`-`) needs --stdin-filename to say which file it is")
        return None
    if paths and not reads_stdin:
        raise UserError("--stdin-filename: give `-` as the only path")
    path = (Path.cwd() / stdin_filename).resolve()
    return StdinBuffer(stdin_filename, path, sys.stdin.buffer.read())


def _codes(values: Sequence[str] | str | None) -> tuple[str, ...] | None:
    """Comma-separated and repeated values, accumulated (``--select A --select B``)."""
    if values is None:
        return None
    if isinstance(values, str):
        values = (values,)
    if not values:
        return None
    return tuple(
        code.strip().upper() for value in values for code in value.split(",") if code.strip()
    )


def _check(
    paths: Sequence[Path],
    output_format: str,
    output: Path | None,
    select: tuple[str, ...] | None,
    extend_select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
    config_file: Path | None,
    no_cache: bool,
    jobs: int | None,
    baseline_file: Path | None = None,
    write_baseline: Path | None = None,
    fix_mode: FixMode | None = None,
    view: View | None = None,
    stdin: StdinBuffer | None = None,
    respect_gitignore: bool = True,
) -> int:
    from layerlint import notices
    from layerlint.engine import RunOptions
    from layerlint.report import ReportContext, get_reporter
    from layerlint.rules import all_rules
    from layerlint.selection import validate_codes
    from layerlint.targets import group_by_project, resolve_targets, stdin_target

    view = view or View(output_format, output)
    cwd = Path.cwd().resolve()
    targets = [stdin_target(stdin.shown, stdin.path)] if stdin else resolve_targets(paths, cwd)
    for option, codes in (
        ("--select", select),
        ("--extend-select", extend_select),
        ("--ignore", ignore),
    ):
        if codes is not None:
            validate_codes(codes, _option_error(option))
    fixing = fix_mode is not None and (fix_mode.fix or fix_mode.diff)
    if fix_mode is not None and fix_mode.fix and fix_mode.diff:
        raise UserError("--fix and --diff exclude each other (--diff only shows the fixes)")
    projects = group_by_project(targets, config_file.resolve() if config_file else None)
    if write_baseline is not None and len(projects) > 1:
        raise UserError("--write-baseline: the paths belong to several projects; name one")
    diagnostics: list[Diagnostic] = []
    files_checked = internal_errors = excluded = 0
    any_fix = False
    diffs: list[str] = []
    fix_edits: dict[tuple[str, int, int, str], list[dict[str, object]]] = {}
    for project in projects:
        config = project.config
        notices.detail(f"project root: {config.root}")
        notices.detail(f"configuration: {config.config_file or 'none (defaults)'}")
        for target in project.excluded_files():
            notices.warn_once(f"{target.shown}: excluded by the configuration; not checked")
            excluded += 1
        overrides: tuple[tuple[str, bytes], ...] = ()
        if stdin is not None:
            overrides = ((stdin.path.relative_to(config.root).as_posix(), stdin.data),)
        options = RunOptions(
            select=select,
            extend_select=extend_select or (),
            ignore=ignore or (),
            use_cache=not no_cache,
            jobs=jobs,
            only_paths=project.only_paths,
            explicit=tuple(p for p in project.explicit_files if stdin is None or p.is_file()),
            overrides=overrides,
            respect_gitignore=respect_gitignore,
        )
        if fix_mode is not None and fixing:
            result, changed, shown_diff = _apply_fixes(config, options, fix_mode, view, stdin)
            any_fix = any_fix or changed
            diffs.append(shown_diff)
            if fix_mode.diff or stdin is not None:
                files_checked += result.files_checked
                internal_errors += result.internal_errors
                if stdin is None:
                    continue
        else:
            from layerlint.engine import run

            progress = None if view.quiet else _progress_callback(output_format, output)
            result = run(config, options, progress=progress)
        _say_verbose(result)
        files_checked += result.files_checked
        internal_errors += result.internal_errors
        if write_baseline is not None:
            return _write_baseline(
                cwd / write_baseline,
                write_baseline,
                result.diagnostics,
                config.root,
                internal_errors,
                _baseline_scope(config, options),
            )
        from layerlint.baseline import filter_run

        kept = filter_run(result.diagnostics, config, options, baseline_file)
        if view.add_noqa:
            _add_noqa(config.root, kept, stdin)
            continue
        if view.output_format in ("json", "json-lines") and any(d.fixable for d in kept):
            fix_edits.update(_fix_edits(config, options, kept, cwd, result))
        diagnostics.extend(_relative_to_cwd(d, config.root, cwd) for d in kept)
    if files_checked == 0 and excluded == 0:
        named = ", ".join(t.shown for t in targets)
        raise UserError(f"no Python files to check in: {named}")
    if fixing and fix_mode is not None and fix_mode.diff:
        _emit("".join(diffs), view.output, projects[0].config.root)
        return EXIT_FOUND if any_fix else EXIT_OK
    if view.add_noqa:
        return EXIT_OK
    diagnostics.sort(key=lambda d: d.sort_key)
    context = ReportContext(
        tool_version=__version__,
        files_checked=files_checked,
        rules={code: rule.metadata() for code, rule in all_rules().items()},
        source_lines=_source_lines(diagnostics, cwd, stdin),
        root_uri=cwd.as_uri() + "/",
        color=view.output is None
        and view.output_format in ("full", "text", "concise")
        and _color_wanted(),
        quiet=view.quiet,
        statistics=view.statistics,
        fix_edits=fix_edits,
    )
    text = get_reporter(view.output_format)(diagnostics, context)
    if stdin is not None and fixing:
        click.echo(text, nl=False, err=True)  # stdout carries the fixed buffer
    else:
        _emit(text, view.output, projects[0].config.root, context.color)
    if internal_errors:
        return EXIT_INTERNAL
    return EXIT_FOUND if diagnostics else EXIT_OK


def _emit(text: str, output: Path | None, root: Path, color: bool = False) -> None:
    """Print ``text``, or write it to ``--output``.

    ``color``: keep ANSI styles, which click strips on a pipe (``FORCE_COLOR``).
    """
    if output is not None:
        _write_report(Path.cwd() / output, text, root)
    else:
        click.echo(text, nl=False, color=True if color else None)


def _say_verbose(result: RunResult) -> None:
    """``--verbose``: what was skipped, the layers found, cache hits and timings."""
    from layerlint import notices

    if not notices.verbose:
        return
    for relative, reason in result.skipped:
        notices.detail(f"{relative}: skipped: {reason}")
    layers = ", ".join(f"{name} ({count})" for name, count in sorted(result.layer_counts.items()))
    notices.detail(f"layers found: {layers or 'none'}")
    notices.detail(f"{result.files_checked} files checked under {result.root}")
    hits = int(result.stats.get("cache hits", 0))
    notices.detail(f"cache hits: {hits} of {len(result.inputs)} files")
    for stage in ("discovery", "analysis"):
        seconds = result.stats.get(f"{stage} seconds")
        if seconds is not None:
            notices.detail(f"{stage}: {seconds:.2f} s")


def _baseline_scope(config: Config, options: RunOptions) -> Callable[[Fingerprint], bool] | None:
    """A run over some paths only merges into the baseline (None: the whole project)."""
    from layerlint.baseline import run_scope

    if options.only_paths is None:
        return None
    return run_scope(config, options)


def _add_noqa(root: Path, diagnostics: Sequence[Diagnostic], stdin: StdinBuffer | None) -> None:
    from layerlint.add_noqa import add_noqa

    if stdin is not None:
        raise UserError("--add-noqa cannot edit stdin")
    added, files = add_noqa(root, diagnostics)
    click.echo(f"Added {added} noqa directives to {files} files.", err=True)


def _fix_edits(
    config: Config, options: RunOptions, kept: Sequence[Diagnostic], cwd: Path, result: RunResult
) -> dict[tuple[str, int, int, str], list[dict[str, object]]]:
    """Each fixable diagnostic's edits, keyed as the reported (cwd-relative) diagnostic."""
    from layerlint.fix_preview import preview_edits
    from layerlint.report import fix_key

    edits = preview_edits(config, options, kept, result.inputs, result.project)
    return {
        fix_key(_relative_to_cwd(diagnostic, config.root, cwd)): found
        for diagnostic, found in edits
    }


@dataclass(frozen=True)
class FixMode:
    """What ``--fix`` / ``--diff`` / ``--unsafe-fixes`` asked for."""

    fix: bool = False
    diff: bool = False
    unsafe: bool = False


def _apply_fixes(
    config: Config,
    options: RunOptions,
    mode: FixMode,
    view: View | None = None,
    stdin: StdinBuffer | None = None,
) -> tuple[RunResult, bool, str]:
    """Fix (or diff) one project: the run after fixing, whether anything changed, the diff.

    With ``--diff`` the run is the one before fixing. With stdin nothing is written: the
    fixed buffer goes to stdout, as editors expect.
    """
    from layerlint.fix_run import autofix

    report = autofix(config, options, unsafe=mode.unsafe, write=mode.fix and stdin is None)
    changed = [f for f in report.files if f.changed]
    for problem in report.problems:
        click.echo(f"layerlint: {problem.path}: {problem.problem}", err=True)
    shown_diff = "".join(outcome.unified_diff() for outcome in changed) if mode.diff else ""
    if stdin is not None and not mode.diff:
        fixed = next((f.after for f in changed), stdin.data)
        sys.stdout.buffer.write(fixed)
        sys.stdout.flush()
    verb = "Would fix" if mode.diff else "Fixed"
    assert report.after is not None
    remaining = len(report.after.diagnostics) if mode.fix else None
    tail = f" ({remaining} remaining)" if remaining is not None else ""
    if view is None or not view.quiet:
        click.echo(f"{verb} {report.fixed} diagnostics in {len(changed)} files{tail}.", err=True)
    if view is not None and view.show_fixes and mode.fix:
        for line in report.fixed_by_file():
            click.echo(line, err=True)
    return report.after, bool(changed), shown_diff


def _write_baseline(
    target: Path,
    shown: Path,
    diagnostics: Sequence[Diagnostic],
    root: Path,
    internal_errors: int,
    in_scope: Callable[[Fingerprint], bool] | None = None,
) -> int:
    """Write the baseline; exit 0, or 3 if a rule crashed (the baseline would be partial).

    ``in_scope``: the run covered some paths only; entries outside them are kept.
    """
    from layerlint.baseline import write_baseline

    count = write_baseline(target, diagnostics, root, in_scope)
    merged = " (merged: entries for other paths kept)" if in_scope is not None else ""
    click.echo(f"layerlint: wrote {count} baseline entries to {shown}{merged}", err=True)
    return EXIT_INTERNAL if internal_errors else EXIT_OK


def _option_error(option: str) -> Callable[[str], Exception]:
    def make(problem: str) -> Exception:
        return UserError(f"{option}: {problem}")

    return make


def _relative_to_cwd(diagnostic: Diagnostic, root: Path, cwd: Path) -> Diagnostic:
    from dataclasses import replace

    absolute = root / diagnostic.path if diagnostic.path != "." else root
    shown = os.path.relpath(absolute, cwd).replace(os.sep, "/")
    return replace(diagnostic, path=shown)


def _source_lines(
    diagnostics: Sequence[Diagnostic], cwd: Path, stdin: StdinBuffer | None = None
) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    buffer_path = os.path.relpath(stdin.path, cwd).replace(os.sep, "/") if stdin else None
    for diagnostic in diagnostics:
        if diagnostic.path in lines:
            continue
        if stdin is not None and diagnostic.path == buffer_path:
            lines[diagnostic.path] = stdin.data.decode("utf-8", errors="replace").splitlines()
            continue
        try:
            data = (cwd / diagnostic.path).read_bytes()
        except OSError:
            lines[diagnostic.path] = []
            continue
        lines[diagnostic.path] = data.decode("utf-8", errors="replace").splitlines()
    return lines


def _color_wanted() -> bool:
    """``NO_COLOR`` and ``TERM=dumb`` turn colour off; ``FORCE_COLOR`` forces it on a pipe."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def _progress_callback(
    output_format: str, output: Path | None
) -> Callable[[int, int], None] | None:
    """A bar on a terminal; elsewhere one line before a long run (never in CI logs twice)."""
    from layerlint.progress import ProgressBar, QuietNotice

    if not sys.stderr.isatty() or os.environ.get("CI"):
        return QuietNotice()
    return ProgressBar()


def _write_report(path: Path, text: str, root: Path) -> None:
    from layerlint.safe_paths import replace_file, writable_target

    writable_target(path, root, "report")
    try:
        replace_file(path, text.encode("utf-8"))
    except OSError as error:
        raise UserError(f"{path}: cannot write report: {error.strerror or error}") from None


@main.command(short_help="List every rule: code, name, default, fix, summary.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
)
def rules(output_format: str) -> None:
    """List every rule: code, name, default, fixable, summary."""
    from layerlint.docs import rules_table

    click.echo(rules_table(markdown=output_format == "markdown"))


@main.command(short_help="Explain a rule: rationale, examples, options.")
@click.argument("code")
def explain(code: str) -> None:
    """Explain a rule: rationale, examples, options."""
    from layerlint.docs import explain_rule
    from layerlint.rules import all_rules

    rule = all_rules().get(code.strip().upper())
    if rule is None:
        _fail(f"unknown rule code {code!r} (see `layerlint rules`)")
        return
    click.echo(explain_rule(rule))


@main.command(short_help="Show the layers and the import edges between them.")
@click.argument(
    "path", required=False, type=click.Path(exists=True, path_type=Path), default=Path(".")
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["mermaid", "dot", "json"]),
    default="mermaid",
    show_default=True,
)
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-cache", is_flag=True)
def graph(path: Path, output_format: str, config_file: Path | None, no_cache: bool) -> None:
    """Show the layers and the import edges between them."""
    try:
        from layerlint.config import load_config
        from layerlint.engine import RunOptions, run
        from layerlint.layer_diagram import render_layer_graph

        config = load_config(path.resolve(), config_file.resolve() if config_file else None)
        result = run(config, RunOptions(use_cache=not no_cache, select=("LL1",)), need_project=True)
    except UserError as error:
        _fail(str(error))
        return
    assert result.project is not None
    click.echo(render_layer_graph(result.project, output_format))


@main.command(short_help="List each module with its layer and the evidence for it.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path))
def layers(paths: tuple[Path, ...], output_format: str, config_file: Path | None) -> None:
    """List each module under PATHS with its layer and the evidence that decided it."""
    from layerlint.layer_listing import ModuleLayer, module_layers, render_json, render_text
    from layerlint.targets import group_by_project, resolve_targets

    try:
        targets = resolve_targets(paths, Path.cwd().resolve())
        found: list[ModuleLayer] = []
        for project in group_by_project(targets, config_file.resolve() if config_file else None):
            only = project.only_paths
            found.extend(
                item
                for item in module_layers(project.config, project.explicit_files)
                if only is None or any(_under(item.source_file.relative, p) for p in only)
            )
    except UserError as error:
        _fail(str(error))
        return
    click.echo(render_json(found) if output_format == "json" else render_text(found), nl=False)


def _under(relative: str, wanted: str) -> bool:
    wanted = wanted.rstrip("/")
    return wanted in ("", ".") or relative == wanted or relative.startswith(wanted + "/")


@main.command(short_help="Write a commented [tool.layerlint] block into pyproject.toml.")
@click.option(
    "--path",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Project folder whose pyproject.toml gets the block (default: current directory).",
)
def init(directory: Path) -> None:
    """Write a commented [tool.layerlint] block for the detected layout into pyproject.toml."""
    from layerlint.init_config import init_project

    try:
        pyproject, added = init_project(directory)
    except UserError as error:
        _fail(str(error))
        return
    click.echo(added.lstrip("\r\n"), nl=False)
    click.echo(f"layerlint: appended [tool.layerlint] to {pyproject}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
