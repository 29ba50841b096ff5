"""Paths -> Python source files with their module names and source roots."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from layerlint.errors import UserError
from layerlint.safe_paths import is_within, outside_reason

# Folders that never hold a project's own code: version control and tool caches.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".layerlint_cache",
        "site-packages",
        ".eggs",
        ".corpus",
    }
)
# Build output folders: skipped unless they are packages of the project (``app/build/``).
BUILD_DIRS = frozenset({"build", "dist"})


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A discovered file: absolute path, path relative to the root, module name."""

    path: Path
    relative: str
    module: str
    is_package: bool


def is_excluded(relative: str, patterns: Sequence[str]) -> bool:
    """True when the posix relative path (or one of its folders) matches a glob."""
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(relative, pattern + "/*"):
            return True
        parts = relative.split("/")
        for i in range(1, len(parts)):
            if fnmatch.fnmatchcase("/".join(parts[:i]), pattern):
                return True
    return False


def is_virtualenv(directory: str) -> bool:
    """A virtualenv has ``pyvenv.cfg`` and an interpreter; a folder named ``env`` may not."""
    marked = os.path.isfile(os.path.join(directory, "pyvenv.cfg")) or os.path.isdir(
        os.path.join(directory, "conda-meta")
    )
    return marked and any(
        os.path.lexists(os.path.join(directory, *parts))
        for parts in (("bin", "python"), ("bin", "python3"), ("Scripts", "python.exe"))
    )


def _skipped_dir(entry: os.DirEntry[str]) -> str | None:
    """Why a folder found while walking is not entered (None: it is)."""
    name = entry.name
    if name in SKIPPED_DIRS or name.endswith(".egg-info"):
        return ""  # tool folders are skipped without a note
    if is_virtualenv(entry.path):
        return "a virtualenv"
    if name in BUILD_DIRS and not os.path.isfile(os.path.join(entry.path, "__init__.py")):
        return "build output (not a package)"
    return None


def iter_python_files(
    root: Path, exclude: Sequence[str], skipped: list[tuple[str, str]] | None = None
) -> Iterable[Path]:
    """Every ``*.py`` file under ``root`` (resolved), skipping tool and virtualenv folders.

    Symlinks are followed only to targets inside ``root``; anything else (links out of
    the project, devices, FIFOs) is left out and, with ``skipped``, listed with a reason.
    """
    root_str = str(root)
    seen: set[tuple[int, int]] = set()

    def skip(path: str, reason: str) -> None:
        if skipped is not None and reason:
            skipped.append((os.path.relpath(path, root_str).replace(os.sep, "/"), reason))

    stack = [root_str]
    while stack:
        directory = stack.pop()
        try:
            stat = os.stat(directory)
            key = (stat.st_dev, stat.st_ino)
            if key in seen:
                continue  # symlink loop
            seen.add(key)
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        subdirs: list[str] = []
        for entry in entries:
            try:
                is_python = entry.name.endswith(".py")
                if not (is_python or entry.is_dir()):
                    continue
                if entry.is_symlink():
                    reason = outside_reason(Path(entry.path), root) if is_python else None
                    if not is_python:
                        target = Path(entry.path).resolve()
                        if not is_within(target, root):
                            reason = f"links outside the project (to {target})"
                    if reason is not None:
                        skip(entry.path, reason)
                        continue
                rel = os.path.relpath(entry.path, root_str).replace(os.sep, "/")
                if entry.is_dir():
                    why = _skipped_dir(entry)
                    if why is not None:
                        skip(entry.path, why)
                    elif not (exclude and is_excluded(rel, exclude)):
                        subdirs.append(entry.path)
                elif entry.is_file():
                    if not (exclude and is_excluded(rel, exclude)):
                        yield Path(entry.path)
                else:
                    skip(entry.path, "not a regular file")
            except (OSError, RuntimeError):
                continue
        stack.extend(reversed(subdirs))


def source_roots(root: Path, configured: Sequence[str]) -> list[Path]:
    """Import roots: the configured ``src`` entries, else ``src/`` (if present) and the root."""
    if configured:
        roots = []
        for entry in configured:
            path = (root / entry).resolve()
            roots.append(path.parent if (path / "__init__.py").is_file() else path)
        return roots
    roots = [root]
    src = root / "src"
    if src.is_dir() and not (src / "__init__.py").is_file():
        roots.append(src)
    return roots


def module_name(path: Path, roots: Sequence[Path]) -> tuple[str, bool]:
    """Dotted module name of ``path`` and whether it is a package ``__init__``.

    The package chain (folders with ``__init__.py``) decides the name when the file sits
    in a package; otherwise the deepest source root containing the file does.
    """
    is_package = path.name == "__init__.py"
    top = path.parent
    while (top / "__init__.py").is_file() and top.parent != top:
        top = top.parent
    containing = [r for r in roots if is_within(path, r)]
    base = max(containing, key=lambda r: len(r.parts)) if containing else top
    if top != path.parent and is_within(top, base) and top != base:
        base = top
    relative = path.relative_to(base) if is_within(path, base) else Path(path.name)
    parts = list(relative.with_suffix("").parts)
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def discover(
    root: Path,
    src: Sequence[str],
    exclude: Sequence[str],
    explicit: Sequence[Path] = (),
    skipped: list[tuple[str, str]] | None = None,
) -> list[SourceFile]:
    """All project files under ``root`` as SourceFile records, sorted by path.

    ``explicit`` files (named on the command line, as pre-commit does) are included even
    inside a folder the walk skips, as long as they are regular files inside the root.
    """
    if not root.is_dir():
        raise UserError(f"{root}: not a directory")
    root = root.resolve()
    roots = source_roots(root, src)
    paths = list(iter_python_files(root, exclude, skipped))
    found = set(paths)
    for path in explicit:
        if path in found or not path.name.endswith(".py") or not is_within(path, root):
            continue
        if outside_reason(path, root) is None and not is_excluded(
            path.relative_to(root).as_posix(), exclude
        ):
            paths.append(path)
            found.add(path)
    files: list[SourceFile] = []
    for path in paths:
        module, is_package = module_name(path, roots)
        relative = path.relative_to(root).as_posix()
        files.append(SourceFile(path, relative, module, is_package))
    files.sort(key=lambda f: f.relative)
    return files
