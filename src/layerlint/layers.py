"""Layer recognition (zero-config, by folder and file names) and the layer contract."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

LAYER_ORDER = (
    "routes",
    "controllers",
    "dependencies",
    "services",
    "repositories",
    "models",
    "schemas",
    "core",
    "migrations",
)

DEFAULT_CONTRACT: Mapping[str, tuple[str, ...]] = {
    "routes": ("controllers", "services", "dependencies", "schemas", "models", "core"),
    "controllers": ("services", "schemas", "models", "core"),
    "dependencies": ("services", "repositories", "models", "schemas", "core"),
    "services": ("repositories", "models", "schemas", "core"),
    "repositories": ("models", "core"),
    "models": ("core",),
    "schemas": ("models", "core"),
    "core": ("core",),
    "migrations": ("core",),
}

# Folder names, innermost match wins.
_FOLDER_LAYERS: Mapping[str, str] = {
    "routes": "routes",
    "routers": "routes",
    "endpoints": "routes",
    "api": "routes",
    "views": "routes",
    "controllers": "controllers",
    "dependencies": "dependencies",
    "deps": "dependencies",
    "services": "services",
    "repositories": "repositories",
    "repos": "repositories",
    "crud": "repositories",
    "models": "models",
    "schemas": "schemas",
    "core": "core",
    "db": "core",
    "database": "core",
}

# File names (without .py); checked before folders.
_FILE_LAYERS: Mapping[str, str] = {
    "router": "routes",
    "routers": "routes",
    "routes": "routes",
    "views": "routes",
    "endpoints": "routes",
    "controller": "controllers",
    "controllers": "controllers",
    "deps": "dependencies",
    "dependencies": "dependencies",
    "service": "services",
    "services": "services",
    "repository": "repositories",
    "repositories": "repositories",
    "crud": "repositories",
    "models": "models",
    "schemas": "schemas",
    "config": "core",
    "settings": "core",
    "database": "core",
    "exceptions": "core",
}

_FILE_SUFFIXES: Sequence[tuple[str, str]] = (
    ("_router", "routes"),
    ("_routes", "routes"),
    ("_controller", "controllers"),
    ("_service", "services"),
    ("_repo", "repositories"),
    ("_repository", "repositories"),
    ("_crud", "repositories"),
    ("_config", "core"),
)

_TEST_PARTS = frozenset({"tests", "test", "testing"})
_MIGRATION_DIR = re.compile(r"(^|/)(alembic|migrations)/versions/")


# Folders that collect the modules of one layer, named after resources
# (``routers/models.py`` is the router for "models"): the folder decides.
_COLLECTION_FOLDERS = frozenset(_FOLDER_LAYERS) - {"api", "core", "db", "database"}


def container_folders(relative_paths: Iterable[str]) -> frozenset[str]:
    """Folders that hold several layers' folders (``lnbits/core/`` with ``views/``,
    ``crud/``, ``services/``...): an application package, not a ``core`` layer."""
    children: dict[str, set[str]] = {}
    for path in relative_paths:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts)):
            if parts[depth] in _COLLECTION_FOLDERS:
                children.setdefault("/".join(parts[:depth]), set()).add(parts[depth])
    return frozenset(folder for folder, names in children.items() if len(names) >= 2)


def detect_layer(relative_path: str, containers: frozenset[str] = frozenset()) -> str | None:
    """The layer a file belongs to by its path (posix, relative to the project root).

    A file directly inside a layer's collection folder (``routes/``, ``services/``...)
    belongs to that layer; otherwise the file name decides (``deps.py``, ``service.py``
    in a feature package), then the innermost folder that names a layer.
    """
    parts = relative_path.split("/")
    filename = parts[-1]
    stem = filename[:-3] if filename.endswith(".py") else filename
    folders = parts[:-1]
    if any(p in _TEST_PARTS for p in folders) or stem.startswith("test_") or stem == "conftest":
        return None
    if _MIGRATION_DIR.search(relative_path):
        return "migrations"
    if folders and folders[-1] in _COLLECTION_FOLDERS:
        return _FOLDER_LAYERS[folders[-1]]
    if stem != "__init__":
        if stem in _FILE_LAYERS:
            return _FILE_LAYERS[stem]
        for suffix, layer in _FILE_SUFFIXES:
            if stem.endswith(suffix):
                return layer
    for depth in range(len(folders), 0, -1):
        folder = folders[depth - 1]
        if folder in _FOLDER_LAYERS and "/".join(folders[:depth]) not in containers:
            return _FOLDER_LAYERS[folder]
    return None


@dataclass(frozen=True)
class LayerMap:
    """Assigns modules to layers: configured patterns first, then auto-detection."""

    configured: tuple[tuple[str, tuple[str, ...]], ...] = ()
    containers: frozenset[str] = frozenset()

    @classmethod
    def for_files(
        cls, configured: tuple[tuple[str, tuple[str, ...]], ...], relative_paths: Iterable[str]
    ) -> LayerMap:
        """A layer map that knows which folders are application packages."""
        return cls(configured, container_folders(relative_paths))

    def layer_of(self, module: str, relative_path: str) -> str | None:
        """Layer of a module; configured module patterns (prefix or glob) win."""
        best: tuple[int, str] | None = None
        for layer, patterns in self.configured:
            for pattern in patterns:
                if _module_matches(module, pattern) and (best is None or len(pattern) > best[0]):
                    best = (len(pattern), layer)
        if best is not None:
            return best[1]
        return detect_layer(relative_path, self.containers)


def _module_matches(module: str, pattern: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(module, pattern) or fnmatch.fnmatchcase(module, pattern + ".*")
    return module == pattern or module.startswith(pattern + ".")


@dataclass(frozen=True)
class Contract:
    """Which layer may import which; same-layer imports are always allowed."""

    allowed: Mapping[str, frozenset[str]]

    @classmethod
    def build(cls, overrides: Sequence[tuple[str, tuple[str, ...]]]) -> Contract:
        table = {layer: frozenset(deps) for layer, deps in DEFAULT_CONTRACT.items()}
        for layer, deps in overrides:
            table[layer] = frozenset(deps)
        return cls(table)

    def permits(self, importer: str | None, imported: str | None) -> bool:
        """True unless both modules have layers and the contract forbids the edge."""
        if importer is None or imported is None or importer == imported:
            return True
        allowed = self.allowed.get(importer)
        if allowed is None:
            return True
        return imported in allowed


def layer_rank(layer: str | None) -> int:
    """Position from the top (routes = 0); unknown layers sort between core and migrations."""
    if layer is None:
        return len(LAYER_ORDER)
    try:
        return LAYER_ORDER.index(layer)
    except ValueError:
        return LAYER_ORDER.index("core")
