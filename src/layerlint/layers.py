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
    # core -> models: ``db/base.py`` importing every model for Alembic's metadata and
    # ``init_db()`` creating tables are the standard pattern (DESIGN.md said core -> core).
    "core": ("core", "models"),
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


_CORE_FILE_LAYER = "core"
# Folders whose files are named by what they are (``api/deps.py``, ``db/models.py``).
_GENERIC_FOLDERS = frozenset({"api", "core", "db", "database"})


@dataclass(frozen=True)
class FolderEvidence:
    """What the set of discovered files says about folders, beyond their names.

    ``containers`` hold several layers' folders (``lnbits/core/`` with ``views/``,
    ``crud/``, ``services/``): an application package, not a ``core`` layer.
    ``feature_packages`` hold two or more layer-named files (``router.py`` next to
    ``service.py``): there a ``models.py`` is a models module, while a lone
    ``utils/models.py`` is just a utility about some other kind of model.
    """

    containers: frozenset[str] = frozenset()
    feature_packages: frozenset[str] = frozenset()

    @classmethod
    def from_paths(cls, relative_paths: Iterable[str]) -> FolderEvidence:
        children: dict[str, set[str]] = {}
        layer_files: dict[str, set[str]] = {}
        for path in relative_paths:
            parts = path.split("/")
            folders = parts[:-1]
            for depth in range(1, len(folders)):
                if folders[depth] in _COLLECTION_FOLDERS:
                    children.setdefault("/".join(folders[:depth]), set()).add(folders[depth])
            stem = parts[-1].removesuffix(".py")
            if _FILE_LAYERS.get(stem, _CORE_FILE_LAYER) != _CORE_FILE_LAYER:
                layer_files.setdefault("/".join(folders), set()).add(stem)
        return cls(
            containers=frozenset(f for f, names in children.items() if len(names) >= 2),
            feature_packages=frozenset(f for f, stems in layer_files.items() if len(stems) >= 2),
        )


def detect_layer(relative_path: str, evidence: FolderEvidence | None = None) -> str | None:
    """The layer a file belongs to by its path (posix, relative to the project root).

    A file directly inside a layer's collection folder (``routes/``, ``services/``...)
    belongs to that layer; otherwise the file name decides (``deps.py``, ``service.py``
    in a feature package, ``config.py`` anywhere), then the innermost folder that names
    a layer. Without ``evidence`` (a single path) every file name is trusted.
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
        by_name = _FILE_LAYERS.get(stem)
        if by_name is not None and _trust_file_name(by_name, folders, evidence):
            return by_name
        for suffix, layer in _FILE_SUFFIXES:
            if stem.endswith(suffix):
                return layer
    containers = evidence.containers if evidence is not None else frozenset()
    for depth in range(len(folders), 0, -1):
        folder = folders[depth - 1]
        if folder in _FOLDER_LAYERS and "/".join(folders[:depth]) not in containers:
            return _FOLDER_LAYERS[folder]
    return None


def _trust_file_name(layer: str, folders: list[str], evidence: FolderEvidence | None) -> bool:
    if evidence is None or layer == _CORE_FILE_LAYER:
        return True
    if folders and folders[-1] in _GENERIC_FOLDERS:
        return True
    return "/".join(folders) in evidence.feature_packages


@dataclass(frozen=True)
class LayerMap:
    """Assigns modules to layers: configured patterns first, then auto-detection."""

    configured: tuple[tuple[str, tuple[str, ...]], ...] = ()
    evidence: FolderEvidence | None = None

    @classmethod
    def for_files(
        cls, configured: tuple[tuple[str, tuple[str, ...]], ...], relative_paths: Iterable[str]
    ) -> LayerMap:
        """A layer map informed by every discovered path (see FolderEvidence)."""
        return cls(configured, FolderEvidence.from_paths(relative_paths))

    def layer_of(self, module: str, relative_path: str) -> str | None:
        """Layer of a module; configured module patterns (prefix or glob) win."""
        best: tuple[int, str] | None = None
        for layer, patterns in self.configured:
            for pattern in patterns:
                if _module_matches(module, pattern) and (best is None or len(pattern) > best[0]):
                    best = (len(pattern), layer)
        if best is not None:
            return best[1]
        return detect_layer(relative_path, self.evidence)


def module_matches_layer_pattern(module: str, pattern: str) -> bool:
    """Whether a ``[tool.layerlint.layers]`` pattern (prefix or glob) names ``module``."""
    return _module_matches(module, pattern)


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
