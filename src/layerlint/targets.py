"""Command-line paths -> the projects they belong to, each with its own configuration.

As with ruff, every file is checked with its nearest configuration and inside its own
project graph: one call from pre-commit in a monorepo may span several projects (two of
them can both have an ``app`` package). ``--config`` chooses the settings, never which
files are checked: paths outside the configuration file's folder are still checked,
in the project that holds them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from layerlint.config import Config, find_config_file, load_config
from layerlint.discovery import is_excluded
from layerlint.errors import UserError
from layerlint.safe_paths import is_within


@dataclass(frozen=True)
class Target:
    """One command-line path: as the user wrote it and resolved."""

    shown: str
    path: Path


@dataclass(frozen=True)
class ProjectTargets:
    """The paths of one call that belong to one project."""

    config: Config
    targets: tuple[Target, ...]

    @property
    def only_paths(self) -> tuple[str, ...] | None:
        """Root-relative paths to report (None: the whole project was named)."""
        only: list[str] = []
        for target in self.targets:
            if target.path == self.config.root:
                return None
            only.append(target.path.relative_to(self.config.root).as_posix())
        return tuple(only)

    @property
    def explicit_files(self) -> tuple[Path, ...]:
        """Files named one by one (pre-commit passes these)."""
        return tuple(t.path for t in self.targets if t.path.is_file())

    def excluded_files(self) -> list[Target]:
        """Named files that the configuration's ``exclude`` leaves out."""
        root, patterns = self.config.root, self.config.exclude
        return [
            t
            for t in self.targets
            if t.path.is_file() and is_excluded(t.path.relative_to(root).as_posix(), patterns)
        ]


def resolve_targets(paths: Sequence[Path], cwd: Path) -> list[Target]:
    """Absolute, resolved targets; a missing path is a usage error naming it."""
    given = paths or (Path("."),)
    targets: list[Target] = []
    for path in given:
        resolved = (cwd / path).resolve()
        if not resolved.exists():
            raise UserError(f"{path}: no such file or directory")
        targets.append(Target(str(path), resolved))
    return targets


def stdin_target(shown: str, path: Path) -> Target:
    """The file an editor's buffer stands in for; it need not exist on disk yet."""
    if not path.parent.is_dir():
        raise UserError(f"--stdin-filename {shown}: no such folder {path.parent}")
    return Target(shown, path)


def _folder(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def _project_root(paths: Sequence[Path]) -> Path:
    """The folder of the nearest pyproject.toml above all ``paths``, else their common folder."""
    common = Path(os.path.commonpath([str(_folder(p)) for p in paths]))
    found = find_config_file(common)
    return found.parent.resolve() if found is not None else common


def group_by_project(targets: Sequence[Target], config_file: Path | None) -> list[ProjectTargets]:
    """Split the targets by project and load each project's configuration once."""
    if config_file is not None:
        settings_root = config_file.parent.resolve()
        paths = [t.path for t in targets]
        if all(is_within(p, settings_root) for p in paths):
            root = settings_root
        else:
            root = _project_root(paths)
        config = load_config(root, config_file, root=root)
        return [ProjectTargets(config, tuple(targets))]
    by_file: dict[Path | None, list[Target]] = {}
    for target in targets:
        by_file.setdefault(find_config_file(target.path), []).append(target)
    groups: list[ProjectTargets] = []
    for found, members in by_file.items():
        if found is None:
            root = Path(os.path.commonpath([str(_folder(t.path)) for t in members]))
            config = load_config(root, root=root)
        else:
            config = load_config(found.parent, found)
        groups.append(ProjectTargets(config, tuple(members)))
    return groups
