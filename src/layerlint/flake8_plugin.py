"""flake8 plugin: the diagnostics ``layerlint check`` reports, one file at a time.

flake8 calls the plugin once per file, possibly in several worker processes. The layer
and call-graph rules need the whole project, so the first file of a project analyses the
project once (through the engine, which reuses the on-disk cache) and every later file of
that project in the same process is a dictionary look-up.

Selection and ``# noqa`` are flake8's job (``--select``, ``--extend-ignore``); layerlint
runs with the project's configured selection (and configured baseline) so that flake8
and ``layerlint check`` agree by default. A buffer piped to flake8 on stdin (an editor
linting unsaved text, ``--stdin-display-name``) is analysed as it is, in place of the
file on disk, with the rest of the project read from disk.
"""

from __future__ import annotations

import ast
import multiprocessing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from layerlint import __version__
from layerlint.collect import INTERNAL_ERROR_CODE
from layerlint.diagnostics import Diagnostic
from layerlint.errors import UserError

if TYPE_CHECKING:
    from layerlint.config import Config

FlakeResult = tuple[int, int, str, type["Plugin"]]


@dataclass
class ProjectReport:
    """One project's diagnostics by root-relative path.

    ``everywhere`` holds what concerns every file of the project (a crashed project rule,
    a configuration that cannot be loaded); ``files`` is the project's files, or None
    when the analysis could not even find them.
    """

    root: Path
    by_path: dict[str, list[Diagnostic]] = field(default_factory=dict)
    everywhere: list[Diagnostic] = field(default_factory=list)
    files: frozenset[str] | None = None


# One analysis per project root per process (flake8 workers each keep their own).
_REPORTS: dict[Path, ProjectReport] = {}


def project_start(filename: Path, cwd: Path) -> Path:
    """Where to look for the configuration: the file itself, or cwd for unconfigured trees.

    Without any pyproject.toml, ``layerlint check`` analyses the current directory; doing
    the same keeps one analysis (not one per folder) and the same module names.
    """
    from layerlint.config import find_config_file

    if find_config_file(filename) is None and filename.is_relative_to(cwd):
        return cwd
    return filename


def analyse(start: Path) -> ProjectReport:
    """Run the engine over the project containing ``start`` (memoised by project root)."""
    from layerlint.config import find_config_file, load_config

    config_file = find_config_file(start)
    if config_file is not None:
        key = config_file.parent.resolve()
    else:
        key = (start if start.is_dir() else start.parent).resolve()
    report = _REPORTS.get(key)
    if report is None:
        try:
            config = load_config(start)
        except UserError as error:
            report = _failed(key, f"layerlint cannot run: {error}")
        else:
            report = _run(config)
        _REPORTS[key] = report
    return report


def _run(config: Config, overrides: tuple[tuple[str, bytes], ...] = ()) -> ProjectReport:
    """Engine run with the configured selection; a crash costs a diagnostic, not flake8."""
    from layerlint.baseline import filter_run
    from layerlint.engine import RunOptions, run

    # A flake8 worker is a daemon process, which may not start the engine's own workers.
    jobs = 1 if multiprocessing.current_process().daemon else None
    options = RunOptions(jobs=jobs, overrides=overrides)
    try:
        result = run(config, options)
        # The configured baseline applies as in `layerlint check`; stale notes are its job.
        diagnostics = filter_run(result.diagnostics, config, options, None, note_stale=False)
    except UserError as error:
        return _failed(config.root, f"layerlint cannot run: {error}")
    except Exception as error:  # report it; never crash flake8
        detail = f"{type(error).__name__}: {error}"
        return _failed(config.root, f"internal error: {detail} (please report this)")
    report = ProjectReport(config.root)
    for diagnostic in diagnostics:
        if diagnostic.path == ".":
            report.everywhere.append(diagnostic)
        else:
            report.by_path.setdefault(diagnostic.path, []).append(diagnostic)
    if report.everywhere:  # rare: only then is it worth listing the project's files
        report.files = _project_files(config)
    return report


def _project_files(config: Config) -> frozenset[str] | None:
    """Root-relative paths of the files the engine analysed (None if they cannot be listed)."""
    from layerlint.discovery import discover

    try:
        return frozenset(f.relative for f in discover(config.root, config.src, config.exclude))
    except UserError:
        return None


def _failed(root: Path, message: str) -> ProjectReport:
    """A report that puts one LL000 on every file, so a broken setup is never silent."""
    from layerlint.diagnostics import UNKNOWN_SPAN, Severity

    problem = Diagnostic(INTERNAL_ERROR_CODE, message, ".", UNKNOWN_SPAN, Severity.INTERNAL)
    return ProjectReport(root, everywhere=[problem])


def _buffer_report(path: Path, start: Path, text: bytes) -> ProjectReport | None:
    """The project analysed with ``text`` standing in for ``path`` (None: not ours)."""
    from layerlint.config import load_config

    try:
        config = load_config(start)
    except UserError as error:
        return _failed(path.parent, f"layerlint cannot run: {error}")
    try:
        relative = path.relative_to(config.root).as_posix()
    except ValueError:
        return None
    return _run(config, ((relative, text),))


def diagnostics_for(filename: str, lines: Sequence[str] | None = None) -> list[Diagnostic]:
    """What ``layerlint check`` reports in ``filename`` (plus project-wide internal errors).

    ``lines`` is the text flake8 is checking; when it is not what the file holds on disk
    (stdin), that text is analysed instead of the file.
    """
    cwd = Path.cwd()
    if filename in ("stdin", "-"):
        return []  # no name to place the buffer in the project
    path = (cwd / filename).resolve()
    on_disk = _disk_bytes(path)
    if lines is not None and not _same_text(on_disk, lines):
        buffer = "".join(lines).encode("utf-8")
        report = _buffer_report(path, project_start(path, cwd), buffer)
    elif on_disk is None:
        return []  # a file that vanished: nothing to agree with
    else:
        report = analyse(project_start(path, cwd))
    if report is None:
        return []
    try:
        relative = path.relative_to(report.root).as_posix()
    except ValueError:
        relative = None
    in_project = report.files is None or relative in report.files
    everywhere = report.everywhere if in_project else []
    return [*everywhere, *report.by_path.get(relative or "", ())]


def _same_text(data: bytes | None, lines: Sequence[str]) -> bool:
    """Whether flake8's lines are the file's text (flake8 decodes and folds line endings)."""
    if data is None:
        return False
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return True  # flake8 cannot have read anything else than what is on disk
    text = text.removeprefix("\ufeff")
    buffer = "".join(lines).removeprefix("\ufeff")
    return _fold(text) == _fold(buffer)


def _fold(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")


def _disk_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def to_flake8(diagnostic: Diagnostic) -> tuple[int, int, str]:
    """flake8's (line, 0-based column, "CODE message") for a diagnostic."""
    message = " ".join(diagnostic.message.split())  # flake8 output is one line per finding
    return diagnostic.span.line, max(diagnostic.span.column - 1, 0), f"{diagnostic.code} {message}"


class Plugin:
    """The ``LL`` flake8 extension (entry point in pyproject.toml)."""

    name = "layerlint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]) -> None:
        # ``tree`` makes flake8 call us once per file; the analysis does not need it.
        del tree
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[FlakeResult]:
        """Yield this file's diagnostics in flake8's format."""
        for diagnostic in diagnostics_for(self.filename, self.lines):
            line, column, text = to_flake8(diagnostic)
            yield line, column, text, type(self)
