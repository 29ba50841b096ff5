"""Paths -> Python source files with their module names and source roots."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from layerlint.errors import UserError

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        ".env",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".layerlint_cache",
        "build",
        "dist",
        "site-packages",
        ".eggs",
        ".corpus",
    }
)


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


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def iter_python_files(root: Path, exclude: Sequence[str]) -> Iterable[Path]:
    """Every ``*.py`` file under ``root``, skipping tool, build and virtualenv folders."""
    root_str = str(root)
    seen: set[tuple[int, int]] = set()
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
                if entry.is_dir():
                    if entry.name in SKIPPED_DIRS or entry.name.endswith(".egg-info"):
                        continue
                    rel = os.path.relpath(entry.path, root_str).replace(os.sep, "/")
                    if exclude and is_excluded(rel, exclude):
                        continue
                    if _is_virtualenv(entry.path):
                        continue
                    subdirs.append(entry.path)
                elif entry.name.endswith(".py") and entry.is_file():
                    rel = os.path.relpath(entry.path, root_str).replace(os.sep, "/")
                    if exclude and is_excluded(rel, exclude):
                        continue
                    yield Path(entry.path)
            except OSError:
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
    containing = [r for r in roots if _is_within(path, r)]
    base = max(containing, key=lambda r: len(r.parts)) if containing else top
    if top != path.parent and _is_within(top, base) and top != base:
        base = top
    relative = path.relative_to(base) if _is_within(path, base) else Path(path.name)
    parts = list(relative.with_suffix("").parts)
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def _is_within(path: Path, directory: Path) -> bool:
    try:
        path.relative_to(directory)
    except ValueError:
        return False
    return True


def discover(root: Path, src: Sequence[str], exclude: Sequence[str]) -> list[SourceFile]:
    """All project files under ``root`` as SourceFile records, sorted by path."""
    if not root.is_dir():
        raise UserError(f"{root}: not a directory")
    roots = source_roots(root, src)
    files: list[SourceFile] = []
    for path in iter_python_files(root, exclude):
        module, is_package = module_name(path, roots)
        relative = path.relative_to(root).as_posix()
        files.append(SourceFile(path, relative, module, is_package))
    files.sort(key=lambda f: f.relative)
    return files
