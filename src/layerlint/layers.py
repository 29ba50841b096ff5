"""Layer recognition (zero-config, by folder and file names) and the layer contract."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from layerlint.source_markers import NO_MARKERS, SourceMarkers, scan_source

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
    # Generic CRUD repositories (``CRUDBase[Model, CreateSchema, UpdateSchema]``,
    # FastCRUD) take the Pydantic input schemas as type parameters and arguments.
    "repositories": ("models", "schemas", "core"),
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
    "endpoint": "routes",
    "controllers": "controllers",
    "controller": "controllers",
    "dependencies": "dependencies",
    "deps": "dependencies",
    "services": "services",
    "service": "services",
    "repositories": "repositories",
    "repository": "repositories",
    "repos": "repositories",
    "crud": "repositories",
    "models": "models",
    "model": "models",
    "schemas": "schemas",
    "schema": "schemas",
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
_FILE_PREFIXES: Sequence[tuple[str, str]] = (("crud_", "repositories"),)
# Generic file names that mean "core" on their own but belong to an enclosing
# ``models/`` or ``schemas/`` folder (``schemas/settings.py`` holds settings schemas).
_DEFERRING_FILE_NAMES = frozenset({"config", "settings"})
_DEFERRING_TO = frozenset({"models", "schemas"})

_TEST_PARTS = frozenset({"tests", "test", "testing"})
_MIGRATION_DIR = re.compile(r"(^|/)(alembic|migrations)/versions/")


# Singular spellings of layer folders; a package-by-feature project may also have a
# feature of that name (``dispatch/service/`` for on-call services), see FolderEvidence.
_SINGULAR_FOLDERS = frozenset(
    {"endpoint", "controller", "service", "repository", "model", "schema"}
)

# Folders that collect the modules of one layer, named after resources
# (``routers/models.py`` is the router for "models"): the folder decides.
_COLLECTION_FOLDERS = frozenset(_FOLDER_LAYERS) - {"api", "core", "db", "database"}


_CORE_FILE_LAYER = "core"
# Folders whose files are named by what they are (``api/deps.py``, ``db/models.py``).
_GENERIC_FOLDERS = frozenset({"api", "core", "db", "database"})


# Why a module got its layer, as `layerlint layers` shows it.
CONFIGURED = "configured"
FOLDER = "folder"
FILE_NAME = "file name"
ROUTE_DECORATORS = "route decorators"
MIGRATION_MARKERS = "migration markers"
TEST_FILE = "test file"
NO_EVIDENCE = "no evidence"


@dataclass(frozen=True)
class LayerDecision:
    """A module's layer and the evidence that decided it (``detail`` names the
    folder, file name or configured pattern)."""

    layer: str | None
    evidence: str
    detail: str = ""


@dataclass(frozen=True)
class FolderEvidence:
    """What the set of discovered files says about folders, beyond their names.

    ``containers`` hold several layers' folders (``lnbits/core/`` with ``views/``,
    ``crud/``, ``services/``): an application package, not a ``core`` layer.
    ``feature_packages`` hold two or more layer-named files (``router.py`` next to
    ``service.py``; a module that declares routes counts as one): there a
    ``models.py`` is a models module, while a lone ``utils/models.py`` is just a
    utility about some other kind of model. ``features`` are feature packages with a
    singular layer name (``dispatch/service/`` with ``models.py``, ``service.py`` and
    ``views.py`` is the "service" feature, not the services layer).
    """

    containers: frozenset[str] = frozenset()
    feature_packages: frozenset[str] = frozenset()
    features: frozenset[str] = frozenset()

    @classmethod
    def from_paths(
        cls, relative_paths: Iterable[str], route_modules: frozenset[str] = frozenset()
    ) -> FolderEvidence:
        children: dict[str, set[tuple[str, str]]] = {}
        layer_files: dict[str, set[str]] = {}
        for path in relative_paths:
            parts = path.split("/")
            folders = parts[:-1]
            for depth in range(1, len(folders)):
                if folders[depth] in _COLLECTION_FOLDERS:
                    child = (folders[depth], "/".join(folders[: depth + 1]))
                    children.setdefault("/".join(folders[:depth]), set()).add(child)
            stem = parts[-1].removesuffix(".py")
            named = _FILE_LAYERS.get(stem, _CORE_FILE_LAYER) != _CORE_FILE_LAYER
            if named or path in route_modules:
                layer_files.setdefault("/".join(folders), set()).add(stem)
        feature_packages = frozenset(f for f, stems in layer_files.items() if len(stems) >= 2)
        features = frozenset(
            f for f in feature_packages if f.rpartition("/")[2] in _SINGULAR_FOLDERS
        )
        return cls(
            containers=frozenset(
                parent
                for parent, kids in children.items()
                if len({name for name, path in kids if path not in features}) >= 2
            ),
            feature_packages=feature_packages,
            features=features,
        )

    def names_layer(self, folders: Sequence[str], depth: int) -> bool:
        """Whether ``folders[depth - 1]`` (a layer's name) is that layer's folder here."""
        if folders[depth - 1] not in _FOLDER_LAYERS:
            return False
        folder = "/".join(folders[:depth])
        return folder not in self.containers and folder not in self.features


_NO_EVIDENCE = FolderEvidence()


def detect_layer(
    relative_path: str,
    evidence: FolderEvidence | None = None,
    markers: SourceMarkers = NO_MARKERS,
) -> str | None:
    """The layer a file belongs to by its path (posix, relative to the project root)
    and its text's markers; see :func:`decide_layer`."""
    return decide_layer(relative_path, evidence, markers).layer


def decide_layer(
    relative_path: str,
    evidence: FolderEvidence | None = None,
    markers: SourceMarkers = NO_MARKERS,
) -> LayerDecision:
    """The layer of a file and why.

    Tests have none. A revision (in ``alembic/`` or ``migrations/versions/``, or any
    ``versions/`` file assigning ``revision`` and ``down_revision``) is a migration, and
    a module that declares routes is routes, whatever their names. Otherwise a file
    directly inside a layer's collection folder (``routes/``, ``services/``...) belongs to
    that layer; then the file name decides (``deps.py``, ``service.py`` in a feature
    package, ``config.py`` anywhere), then the innermost folder that names a layer.
    Without ``evidence`` (a single path) every file name is trusted.
    """
    parts = relative_path.split("/")
    filename = parts[-1]
    stem = filename[:-3] if filename.endswith(".py") else filename
    folders = parts[:-1]
    if any(p in _TEST_PARTS for p in folders) or stem.startswith("test_") or stem == "conftest":
        return LayerDecision(None, TEST_FILE)
    migration_folder = _MIGRATION_DIR.search(relative_path)
    if migration_folder:
        return LayerDecision("migrations", FOLDER, migration_folder.group(0).lstrip("/"))
    if markers.assigns_revision and folders and folders[-1] == "versions":
        return LayerDecision("migrations", MIGRATION_MARKERS, "revision, down_revision")
    if markers.declares_routes:
        return LayerDecision("routes", ROUTE_DECORATORS)
    known = evidence if evidence is not None else _NO_EVIDENCE
    if folders and folders[-1] in _COLLECTION_FOLDERS and known.names_layer(folders, len(folders)):
        return LayerDecision(_FOLDER_LAYERS[folders[-1]], FOLDER, folders[-1] + "/")
    enclosing = _enclosing_layer_folder(folders, known)
    if stem != "__init__":
        by_name = _layer_by_file_name(stem, folders, evidence)
        if by_name is not None and not _defers_to_folder(stem, enclosing):
            return LayerDecision(by_name, FILE_NAME, filename)
    return enclosing or LayerDecision(None, NO_EVIDENCE)


def _defers_to_folder(stem: str, enclosing: LayerDecision | None) -> bool:
    """``models/billing/settings.py`` is a models module, not core configuration."""
    return (
        stem in _DEFERRING_FILE_NAMES and enclosing is not None and enclosing.layer in _DEFERRING_TO
    )


def _layer_by_file_name(
    stem: str, folders: list[str], evidence: FolderEvidence | None
) -> str | None:
    by_name = _FILE_LAYERS.get(stem)
    if by_name is not None and _trust_file_name(by_name, folders, evidence):
        return by_name
    for suffix, layer in _FILE_SUFFIXES:
        if stem.endswith(suffix):
            return layer
    for prefix, layer in _FILE_PREFIXES:
        if stem.startswith(prefix):
            return layer
    return None


def _enclosing_layer_folder(folders: list[str], evidence: FolderEvidence) -> LayerDecision | None:
    """The innermost folder that names a layer (application containers and singular-named
    features excepted)."""
    for depth in range(len(folders), 0, -1):
        if evidence.names_layer(folders, depth):
            folder = folders[depth - 1]
            return LayerDecision(_FOLDER_LAYERS[folder], FOLDER, folder + "/")
    return None


def _trust_file_name(layer: str, folders: list[str], evidence: FolderEvidence | None) -> bool:
    if evidence is None or layer == _CORE_FILE_LAYER:
        return True
    if folders and folders[-1] in _GENERIC_FOLDERS:
        return True
    return "/".join(folders) in evidence.feature_packages


@dataclass(frozen=True)
class LayerMap:
    """Assigns modules to layers: configured patterns first, then auto-detection.

    ``markers`` (by relative path) carry what each file's text says (routes declared,
    revision identifiers); files without an entry are judged by their path alone.
    """

    configured: tuple[tuple[str, tuple[str, ...]], ...] = ()
    evidence: FolderEvidence | None = None
    markers: Mapping[str, SourceMarkers] = field(default_factory=dict)

    @classmethod
    def for_files(
        cls,
        configured: tuple[tuple[str, tuple[str, ...]], ...],
        relative_paths: Iterable[str],
        markers: Mapping[str, SourceMarkers] | None = None,
    ) -> LayerMap:
        """A layer map informed by every discovered path (see FolderEvidence)."""
        markers = dict(markers or {})
        routes = frozenset(path for path, found in markers.items() if found.declares_routes)
        return cls(configured, FolderEvidence.from_paths(relative_paths, routes), markers)

    @classmethod
    def for_sources(
        cls,
        configured: tuple[tuple[str, tuple[str, ...]], ...],
        sources: Mapping[str, bytes | None],
    ) -> LayerMap:
        """The layer map ``check``, ``init`` and ``layers`` all use: every discovered
        file by relative path, with its bytes (None when unreadable)."""
        markers = {path: scan_source(data) for path, data in sources.items() if data is not None}
        return cls.for_files(configured, sources, markers)

    def layer_of(self, module: str, relative_path: str) -> str | None:
        """Layer of a module; configured module patterns (prefix or glob) win."""
        return self.decide(module, relative_path).layer

    def decide(self, module: str, relative_path: str) -> LayerDecision:
        """Layer of a module and the evidence for it."""
        best: tuple[int, str, str] | None = None
        for layer, patterns in self.configured:
            for pattern in patterns:
                if _module_matches(module, pattern) and (best is None or len(pattern) > best[0]):
                    best = (len(pattern), layer, pattern)
        if best is not None:
            return LayerDecision(best[1], CONFIGURED, best[2])
        markers = self.markers.get(relative_path, NO_MARKERS)
        return decide_layer(relative_path, self.evidence, markers)


def _module_matches(module: str, pattern: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(module, pattern) or fnmatch.fnmatchcase(module, pattern + ".*")
    return module == pattern or module.startswith(pattern + ".")


@dataclass(frozen=True)
class Contract:
    """Which layer may import which; same-layer imports are always allowed."""

    allowed: Mapping[str, frozenset[str]]

    @classmethod
    def build(
        cls,
        overrides: Sequence[tuple[str, tuple[str, ...]]],
        present: Iterable[str | None] = (),
    ) -> Contract:
        """The default contract for the layers ``present`` in the project, then the
        configured overrides (which always win)."""
        table = dict(_defaults_for(frozenset(layer for layer in present if layer)))
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


def _defaults_for(present: frozenset[str]) -> dict[str, frozenset[str]]:
    """The default contract, adapted to the project's layers.

    A project with controllers and repositories but no services layer uses its
    controllers as the service layer (``UserController`` holding ``UserRepository``):
    there controllers may import what services may, and whoever may import services
    may import controllers.
    """
    table = {layer: frozenset(deps) for layer, deps in DEFAULT_CONTRACT.items()}
    if "services" in present or not {"controllers", "repositories"} <= present:
        return table
    table["controllers"] = table["controllers"] | table["services"]
    for layer, allowed in table.items():
        if "services" in allowed and layer != "controllers":
            table[layer] = allowed | {"controllers"}
    return table


def layer_rank(layer: str | None) -> int:
    """Position from the top (routes = 0); unknown layers sort between core and migrations."""
    if layer is None:
        return len(LAYER_ORDER)
    try:
        return LAYER_ORDER.index(layer)
    except ValueError:
        return LAYER_ORDER.index("core")
