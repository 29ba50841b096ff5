"""``layerlint init``: write a commented ``[tool.layerlint]`` block for the detected layout.

The block is appended to pyproject.toml as text, so nothing already in the file (comments,
formatting, other tools' tables) changes by a single byte. It pins what auto-detection
found (the source roots) and shows the rest as comments: the layers found, and the keys a
project usually reaches for next. It is validated with the real config parser before it
is written, so ``init`` can never leave a configuration that ``check`` rejects.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from layerlint import __version__
from layerlint.config import Config
from layerlint.discovery import SourceFile
from layerlint.errors import UserError
from layerlint.layer_listing import ModuleLayer, module_layers
from layerlint.layers import (
    DEFAULT_CONTRACT,
    FILE_NAME,
    LAYER_ORDER,
    ROUTE_DECORATORS,
    Contract,
    layer_rank,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# At most this many example module prefixes per layer in the commented layers table.
_MAX_PREFIXES = 3


@dataclass
class Layout:
    """What auto-detection sees: import roots, and modules per layer."""

    source_roots: list[str] = field(default_factory=list)
    layer_counts: Counter[str] = field(default_factory=Counter)
    layer_packages: dict[str, list[str]] = field(default_factory=dict)
    unlayered: int = 0


def import_root(source_file: SourceFile) -> str:
    """The folder the module name is relative to (``.`` for the project root)."""
    parts = list(PurePosixPath(source_file.relative).with_suffix("").parts)
    if source_file.is_package:
        parts = parts[:-1]
    depth = len(source_file.module.split(".")) if source_file.module else 0
    return "/".join(parts[: len(parts) - depth]) or "."


def source_entries(root: Path, found: Sequence[ModuleLayer]) -> list[str]:
    """``src`` entries that give every file the module name auto-detection gives it.

    A source folder (``src``) is listed as is. Packages at the project root are listed
    by folder (``app``), as people write them; the root itself (``.``) only when some
    file there is not covered that way (namespace folders, loose modules), so pinning
    the roots never renames a module.
    """
    entries: set[str] = set()
    root_needed = root_covered = False
    for item in found:
        source_file = item.source_file
        base = import_root(source_file)
        if base != ".":
            entries.add(base)
            continue
        root_needed = True
        top = source_file.module.split(".")[0]
        layered = item.decision.layer is not None
        if layered and top and (root / top / "__init__.py").is_file():
            entries.add(top)
            root_covered = True
    if root_needed and not root_covered:
        entries.add(".")
    return sorted(entries)


def layer_pattern(item: ModuleLayer) -> str:
    """The module pattern that names this file's layer: the module itself when its file
    name or its routes decide the layer (``auth.router``), else its package
    (``app.routes``)."""
    module = item.source_file.module
    by_module = item.decision.evidence in (FILE_NAME, ROUTE_DECORATORS)
    if by_module or item.source_file.is_package:
        return module
    return module.rpartition(".")[0] or module


def detect_layout(root: Path) -> Layout:
    """Discover the project under ``root`` and summarise its layers exactly as ``check``
    sees them (same discovery, same evidence, same detection: see layer_listing)."""
    found = module_layers(Config(root=root))
    layout = Layout(source_roots=source_entries(root, found))
    packages: dict[str, set[str]] = {}
    for item in found:
        layer = item.decision.layer
        if layer is None:
            layout.unlayered += 1
            continue
        layout.layer_counts[layer] += 1
        packages.setdefault(layer, set()).add(layer_pattern(item))
    layout.layer_packages = {layer: _outermost(names) for layer, names in packages.items()}
    return layout


def _outermost(patterns: set[str]) -> list[str]:
    """Drop patterns another pattern already covers (``app.services.x`` under ``app.services``)."""
    return sorted(p for p in patterns if not any(p.startswith(other + ".") for other in patterns))


def _toml_list(values: Sequence[str]) -> str:
    """A TOML inline array of strings (JSON string escaping is valid TOML)."""
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def render_block(layout: Layout) -> str:
    """The ``[tool.layerlint]`` block: the source roots pinned, the rest commented."""
    lines = [
        "[tool.layerlint]",
        f"# Written by `layerlint init` (layerlint {__version__}). Detected layout:",
        *_summary(layout),
        "# Layers are recognised by folder and file names and by declared routes;",
        "# `layerlint layers` shows each module's layer and why.",
    ]
    if layout.source_roots:
        lines.append(f"src = {_toml_list(layout.source_roots)}  # package roots, as detected")
    else:
        lines.append('# src = ["app"]  # no Python files found: name your package roots')
    lines += [
        'select = ["LL"]  # every default rule; `layerlint rules` lists them',
        '# extend-select = ["LL002"]  # opt-in rules, by full code',
        "# ignore = []",
        '# per-file-ignores = { "tests/**" = ["LL"] }',
        '# exclude = ["scripts/**"]',
        '# baseline = ".layerlint-baseline.json"  # adopt on existing code: only new findings fail',
        "",
        "# [tool.layerlint.layers]  # module prefixes or globs; they win over detection",
        *_layer_examples(layout.layer_packages),
        "",
        "# [tool.layerlint.contract]  # which layers each layer may import (defaults shown)",
        *_contract_examples(layout.layer_counts),
    ]
    return "\n".join(lines) + "\n"


def _summary(layout: Layout) -> list[str]:
    """Comment lines: source roots, modules per layer, unlayered modules."""
    shown = ", ".join(layout.source_roots) or "none found"
    lines = [f"#   package roots: {shown}"]
    for layer in _ordered(layout.layer_counts):
        count = layout.layer_counts[layer]
        lines.append(f"#   {layer}: {count} module{'s' if count != 1 else ''}")
    if not layout.layer_counts:
        lines.append("#   no layers recognised")
    lines.append(f"#   no layer: {layout.unlayered} module{'s' if layout.unlayered != 1 else ''}")
    return lines


def _layer_examples(packages: Mapping[str, Sequence[str]]) -> list[str]:
    """Commented ``layer = [packages]`` lines for the layers that were found."""
    lines = []
    for layer in _ordered(packages):
        names = list(packages[layer][:_MAX_PREFIXES])
        lines.append(f"# {layer} = {_toml_list(names)}")
    return lines or ['# services = ["app.services"]']


def _contract_examples(found: Mapping[str, int]) -> list[str]:
    """Commented default contract lines for the layers that were found, as ``check``
    applies them to this project (see Contract.build)."""
    layers = _ordered(found) or ["routes"]
    contract = Contract.build((), found)
    return [f"# {layer} = {_toml_list(_allowed_list(contract, layer))}" for layer in layers]


def _allowed_list(contract: Contract, layer: str) -> list[str]:
    """The layers ``layer`` may import: the documented order, then any the project adds."""
    default = DEFAULT_CONTRACT[layer]
    extra = sorted(contract.allowed[layer] - set(default), key=layer_rank)
    return [*default, *extra]


def _ordered(layers: Mapping[str, object]) -> list[str]:
    """Layers in the documented top-down order."""
    return [layer for layer in LAYER_ORDER if layer in layers]


def append_block(pyproject: Path, block: str) -> str:
    """Append ``block`` to ``pyproject`` (created if missing); return the text added.

    Refuses (UserError) if the file already configures layerlint or is not valid TOML,
    and validates the result with the config parser before writing anything.
    """
    existing = _read_existing(pyproject)
    text = existing.decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    separator = "" if not text else (newline if text.endswith(("\n", "\r")) else newline * 2)
    added = separator + block.replace("\n", newline)
    _validate(text + added, pyproject)
    try:
        with open(pyproject, "ab") as handle:
            handle.write(added.encode("utf-8"))
    except OSError as error:
        raise UserError(f"{pyproject}: cannot write: {error.strerror or error}") from None
    return added


def _read_existing(pyproject: Path) -> bytes:
    """The current bytes of pyproject.toml (empty if absent), refusing a configured one."""
    try:
        existing = pyproject.read_bytes()
    except FileNotFoundError:
        return b""
    except OSError as error:
        raise UserError(f"{pyproject}: cannot read: {error.strerror or error}") from None
    try:
        document = tomllib.loads(existing.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UserError(f"{pyproject}: not valid TOML, not touching it: {error}") from None
    tool = document.get("tool")
    if isinstance(tool, dict) and "layerlint" in tool:
        raise UserError(f"{pyproject}: [tool.layerlint] already exists; edit it instead")
    return existing


def _validate(text: str, pyproject: Path) -> None:
    """Parse the would-be file with the real config loader's rules."""
    from layerlint.config import parse_config

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:  # e.g. a `tool` key that is not a table
        raise UserError(f"{pyproject}: cannot add [tool.layerlint] to it: {error}") from None
    parse_config(document["tool"]["layerlint"], pyproject.parent.resolve(), pyproject)


def init_project(directory: Path) -> tuple[Path, str]:
    """Detect the layout of ``directory`` and append the block to its pyproject.toml."""
    if not directory.is_dir():
        raise UserError(f"{directory}: not a directory")
    pyproject = directory / "pyproject.toml"
    _read_existing(pyproject)  # refuse early, before walking the tree
    block = render_block(detect_layout(directory.resolve()))
    return pyproject, append_block(pyproject, block)
