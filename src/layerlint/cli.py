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
    from layerlint.config import Config
    from layerlint.diagnostics import Diagnostic
    from layerlint.engine import RunOptions, RunResult

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(code.strip().upper() for code in value.split(",") if code.strip())


def _fail(message: str) -> None:
    click.echo(f"layerlint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="layerlint")
def main() -> None:
    """Architecture checker and linter for FastAPI + SQLAlchemy 2.0 + Pydantic v2."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github", "junit"]),
    default="text",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE.",
)
@click.option(
    "--select",
    help="Comma-separated codes or prefixes to enable (replaces the configured selection).",
)
@click.option("--extend-select", help="Codes or prefixes to enable on top of the selection.")
@click.option("--ignore", help="Codes or prefixes to disable.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this pyproject.toml.",
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
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the current diagnostics to FILE as a baseline, then exit 0.",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Say on stderr which configuration and root were used and what was skipped.",
)
def check(
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    select: str | None,
    extend_select: str | None,
    ignore: str | None,
    config_file: Path | None,
    no_cache: bool,
    jobs: int | None,
    baseline_file: Path | None,
    write_baseline: Path | None,
    fix: bool,
    diff: bool,
    unsafe_fixes: bool,
    verbose: bool,
) -> None:
    """Check PATHS (default: the current directory) and report diagnostics."""
    from layerlint import notices

    notices.verbose = verbose
    try:
        code = _check(
            paths,
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
        )
    except UserError as error:
        _fail(str(error))
        return
    sys.exit(code)


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
) -> int:
    from layerlint import notices
    from layerlint.engine import RunOptions
    from layerlint.report import ReportContext, get_reporter
    from layerlint.rules import all_rules
    from layerlint.selection import validate_codes
    from layerlint.targets import group_by_project, resolve_targets

    cwd = Path.cwd().resolve()
    targets = resolve_targets(paths, cwd)
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
    for project in projects:
        config = project.config
        notices.detail(f"project root: {config.root}")
        notices.detail(f"configuration: {config.config_file or 'none (defaults)'}")
        for target in project.excluded_files():
            notices.warn_once(f"{target.shown}: excluded by the configuration; not checked")
            excluded += 1
        options = RunOptions(
            select=select,
            extend_select=extend_select or (),
            ignore=ignore or (),
            use_cache=not no_cache,
            jobs=jobs,
            only_paths=project.only_paths,
            explicit=project.explicit_files,
        )
        if fix_mode is not None and fixing:
            result, changed = _apply_fixes(config, options, fix_mode)
            any_fix = any_fix or changed
            if fix_mode.diff:
                files_checked += result.files_checked
                continue
        else:
            from layerlint.engine import run

            result = run(config, options, progress=_progress_callback(output_format, output))
        for relative, reason in result.skipped:
            notices.detail(f"{relative}: skipped: {reason}")
        notices.detail(f"{result.files_checked} files checked under {config.root}")
        files_checked += result.files_checked
        internal_errors += result.internal_errors
        if write_baseline is not None:
            return _write_baseline(
                cwd / write_baseline,
                write_baseline,
                result.diagnostics,
                config.root,
                internal_errors,
            )
        from layerlint.baseline import filter_run

        kept = filter_run(result.diagnostics, config, options, baseline_file)
        diagnostics.extend(_relative_to_cwd(d, config.root, cwd) for d in kept)
    if files_checked == 0 and excluded == 0:
        named = ", ".join(t.shown for t in targets)
        raise UserError(f"no Python files to check in: {named}")
    if fixing and fix_mode is not None and fix_mode.diff:
        return EXIT_FOUND if any_fix else EXIT_OK
    diagnostics.sort(key=lambda d: d.sort_key)
    context = ReportContext(
        tool_version=__version__,
        files_checked=files_checked,
        rules={code: rule.metadata() for code, rule in all_rules().items()},
        source_lines=_source_lines(diagnostics, cwd),
        root_uri=cwd.as_uri() + "/",
        color=output is None and output_format == "text" and _color_wanted(),
    )
    text = get_reporter(output_format)(diagnostics, context)
    if output is not None:
        _write_report(cwd / output, text, projects[0].config.root)
    else:
        click.echo(text, nl=False)
    if internal_errors:
        return EXIT_INTERNAL
    return EXIT_FOUND if diagnostics else EXIT_OK


@dataclass(frozen=True)
class FixMode:
    """What ``--fix`` / ``--diff`` / ``--unsafe-fixes`` asked for."""

    fix: bool = False
    diff: bool = False
    unsafe: bool = False


def _apply_fixes(config: Config, options: RunOptions, mode: FixMode) -> tuple[RunResult, bool]:
    """Fix (or diff) one project and say how many diagnostics were fixed.

    Returns the run after fixing (before, with ``--diff``) and whether anything changed.
    """
    from layerlint.fix_run import autofix

    report = autofix(config, options, unsafe=mode.unsafe, write=mode.fix)
    changed = [f for f in report.files if f.changed]
    for problem in report.problems:
        click.echo(f"layerlint: {problem.path}: {problem.problem}", err=True)
    if mode.diff:
        for outcome in changed:
            click.echo(outcome.unified_diff(), nl=False)
        verb = "Would fix"
    else:
        verb = "Fixed"
    assert report.after is not None
    remaining = len(report.after.diagnostics) if mode.fix else None
    tail = f" ({remaining} remaining)" if remaining is not None else ""
    click.echo(f"{verb} {report.fixed} diagnostics in {len(changed)} files{tail}.", err=True)
    return report.after, bool(changed)


def _write_baseline(
    target: Path,
    shown: Path,
    diagnostics: Sequence[Diagnostic],
    root: Path,
    internal_errors: int,
) -> int:
    """Write the baseline; exit 0, or 3 if a rule crashed (the baseline would be partial)."""
    from layerlint.baseline import write_baseline

    count = write_baseline(target, diagnostics, root)
    click.echo(f"layerlint: wrote {count} baseline entries to {shown}", err=True)
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


def _source_lines(diagnostics: Sequence[Diagnostic], cwd: Path) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    for diagnostic in diagnostics:
        if diagnostic.path in lines:
            continue
        try:
            data = (cwd / diagnostic.path).read_bytes()
        except OSError:
            lines[diagnostic.path] = []
            continue
        lines[diagnostic.path] = data.decode("utf-8", errors="replace").splitlines()
    return lines


def _color_wanted() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _progress_callback(
    output_format: str, output: Path | None
) -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None
    from layerlint.progress import ProgressBar

    return ProgressBar()


def _write_report(path: Path, text: str, root: Path) -> None:
    from layerlint.safe_paths import replace_file, writable_target

    writable_target(path, root, "report")
    try:
        replace_file(path, text.encode("utf-8"))
    except OSError as error:
        raise UserError(f"{path}: cannot write report: {error.strerror or error}") from None


@main.command()
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


@main.command()
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


@main.command()
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


@main.command()
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


@main.command()
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
